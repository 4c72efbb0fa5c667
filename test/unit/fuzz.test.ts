import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Rng } from '../../codegen/golden/vectors.js';
import { compilePolicyText } from '../../codegen/policy.js';
import { InputError } from '../../codegen/util/errors.js';
import { REFERENCE, TINY } from '../helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NASTY: Json[] = [null, true, false, 0, -1, 1.5, 1e300, -1e300, 2 ** 53, '', 'x', 'relu', [], [[]], {}, { bits: 8 }, 65536, -129, 'wait_ns_log2', 'au250', [1, 2, 3]];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

/** Every (parent, key) in the document. */
function slots(doc: Json): Array<{ parent: Json[] | { [k: string]: Json }; key: string | number }> {
  const out: Array<{ parent: Json[] | { [k: string]: Json }; key: string | number }> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        walk(x);
      });
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v, key: k });
        walk(x);
      }
  };
  walk(doc);
  return out;
}

function mutate(doc: Json, rng: Rng): Json {
  const copy = structuredClone(doc);
  const n = rng.int(1, 3);
  for (let m = 0; m < n; m++) {
    const all = slots(copy);
    const { parent, key } = pick(rng, all);
    const op = rng.int(0, 5);
    const p = parent as Record<string | number, Json>;
    if (op === 0) p[key] = pick(rng, NASTY);
    else if (op === 1 && typeof p[key] === 'number') p[key] = (p[key] as number) + pick(rng, [-1, 1, 100, -100, 0.5]);
    else if (op === 2 && Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (op === 3 && Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]!));
    else if (op === 4 && !Array.isArray(parent)) delete p[key];
    else if (!Array.isArray(parent)) p[`x${rng.int(0, 9)}`] = pick(rng, NASTY);
  }
  return copy;
}

function mutateText(text: string, rng: Rng): string {
  const i = rng.int(0, text.length - 1);
  const op = rng.int(0, 2);
  if (op === 0) return text.slice(0, i) + text.slice(i + rng.int(1, 8));
  if (op === 1) return text.slice(0, i) + pick(rng, [':', '[', ']', '{', '-', '\n', ' ', '"', '#', '&a', '*a', '!!str', '\t']) + text.slice(i);
  return text.slice(0, i) + text.slice(i).replace(/\d/, String(rng.int(0, 9)));
}

/**
 * 10 000 mutations in chunks of 1 000, each chunk with its own seed: each case is sized by count
 * (about 2 s alone on the 2-core machine kind, 5 s beside a simulator build), far inside the
 * group's timeout. NICSCHED_FUZZ_CHUNKS=1 (npm run test:fast) runs the first chunk only.
 */
const CHUNK = 1000;
const CHUNKS = Number(process.env['NICSCHED_FUZZ_CHUNKS'] ?? 10);

describe('fuzz: mutated specs give a located error or a valid IR, never a crash', () => {
  const sources = [REFERENCE, TINY].map((f) => readFileSync(f, 'utf8'));
  const docs = sources.map((t) => parse(t) as Json);

  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    it(`mutations ${chunk * CHUNK}..${(chunk + 1) * CHUNK - 1}: structural and textual`, () => {
      const rng = new Rng(2024 + chunk);
      let valid = 0;
      let invalid = 0;
      for (let k = 0; k < CHUNK; k++) {
        const which = k % 2;
        const text = k % 4 < 2 ? JSON.stringify(mutate(docs[which]!, rng)) : mutateText(sources[which]!, rng);
        try {
          const policy = compilePolicyText(text, 'fuzz.yaml');
          expect(policy.hash).toMatch(/^[0-9a-f]{64}$/);
          valid++;
        } catch (err) {
          if (!(err instanceof InputError)) throw new Error(`mutation ${chunk * CHUNK + k} crashed: ${String(err)}\n${text.slice(0, 2000)}`, { cause: err });
          for (const d of err.diagnostics) {
            expect(d.file).toBe('fuzz.yaml');
            expect(d.line !== undefined || d.pointer !== undefined).toBe(true);
            expect(d.message.length).toBeGreaterThan(0);
          }
          invalid++;
        }
      }
      expect(valid + invalid).toBe(CHUNK);
      expect(invalid).toBeGreaterThan(CHUNK / 10);
      expect(valid).toBeGreaterThan(CHUNK / 100);
    });
  }
});
