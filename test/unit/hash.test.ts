import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { canonicalJson } from '../../codegen/ir/canonical.js';
import { compilePolicyText, loadPolicy } from '../../codegen/policy.js';
import { REFERENCE, TINY } from '../helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function reverseKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reverseKeys(x)]),
    );
  return v;
}

describe('policy hash', () => {
  const text = readFileSync(REFERENCE, 'utf8');
  const doc = parse(text) as Json;
  const base = loadPolicy(REFERENCE).hash;

  it('is a SHA-256 hex string', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for JSON and YAML, any key order and whitespace', () => {
    expect(compilePolicyText(JSON.stringify(doc)).hash).toBe(base);
    expect(compilePolicyText(JSON.stringify(doc, null, 7)).hash).toBe(base);
    expect(compilePolicyText(JSON.stringify(reverseKeys(doc))).hash).toBe(base);
    expect(compilePolicyText(stringify(reverseKeys(doc), { indent: 4 })).hash).toBe(base);
  });

  it('is the same whether defaults are written out or omitted', () => {
    const tiny = parse(readFileSync(TINY, 'utf8')) as Record<string, Json>;
    const withDefaults = { ...tiny, target: { board: 'au250', clock_mhz: 250, reuse: 1, slots: 4 }, hook: { points: ['wakeup', 'tick'], decision_ttl_ms: 20, stall_timeout_ms: 4 } };
    const withoutDefaults = { ...tiny };
    delete withoutDefaults['target'];
    delete withoutDefaults['hook'];
    expect(compilePolicyText(JSON.stringify(withDefaults)).hash).toBe(compilePolicyText(JSON.stringify(withoutDefaults)).hash);
  });

  it('changes with any single weight or bias', () => {
    const seen = new Set([base]);
    const layers = (doc as { layers: { weights: number[][]; bias: number[] }[] }).layers;
    for (let k = 0; k < layers.length; k++) {
      const mutated = structuredClone(doc) as { layers: { weights: number[][]; bias: number[] }[] };
      const w = mutated.layers[k]!.weights[0]!;
      w[0] = w[0]! > 0 ? w[0]! - 1 : w[0]! + 1;
      seen.add(compilePolicyText(JSON.stringify(mutated)).hash);
      const b = structuredClone(doc) as { layers: { bias: number[] }[] };
      b.layers[k]!.bias[b.layers[k]!.bias.length - 1]! += 1;
      seen.add(compilePolicyText(JSON.stringify(b)).hash);
    }
    expect(seen.size).toBe(1 + 2 * layers.length);
  });

  it('quantized float weights hash like the integers they quantize to', () => {
    const tiny = parse(readFileSync(TINY, 'utf8')) as { layers: { quantize?: boolean; weights: number[][]; bias: number[] }[] };
    const floats = structuredClone(tiny);
    floats.layers[0]!.quantize = true;
    floats.layers[0]!.weights = [
      [1.01, -0.49],
      [0.5, 0.52],
    ]; // frac 1: 2, -1, 1, 1
    floats.layers[0]!.bias = [0.4, 0]; // acc frac 1: 1, 0
    const q = compilePolicyText(JSON.stringify(floats));
    expect(q.ir.layers[0]!.weights).toEqual([
      [2, -1],
      [1, 1],
    ]);
    expect(q.hash).toBe(loadPolicy(TINY).hash);
    expect(q.quantization.map((r) => r.tensor)).toEqual(['weights', 'bias']);
    expect(q.quantization[0]!.max_abs_error).toBeCloseTo(0.02, 10);
  });

  it('canonical JSON sorts keys and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, 'x', { d: null, c: -2 }] })).toBe('{"a":[true,"x",{"c":-2,"d":null}],"b":1}');
  });
});
