/**
 * Runtime weight reload (issue 4), proven in Verilator and Icarus: policy B (A with every weight
 * and bias perturbed deterministically, within formats) is written to the shadow bank with the
 * reloadPlan write sequence; inferences rung before RELOAD.COMMIT match A's golden model, those
 * after match B's. Plus the reload-plan CLI.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GoldenModel } from '../../codegen/golden/model.js';
import { testVectors } from '../../codegen/golden/vectors.js';
import { policyHash32 } from '../../codegen/ir/canonical.js';
import { compilePolicyText, loadPolicy } from '../../codegen/policy.js';
import { reloadPlan } from '../../codegen/regmap/reload.js';
import { buildDirFor, makeJob, runBench } from '../../sim/bridge.js';
import { cli, REFERENCE, TINY, writeTemp } from '../helpers.js';
import { compileTo, SIMS } from './designs.js';

interface LayerDoc {
  weights: number[][];
  bias: number[];
  weight_format: { bits: number; signed: boolean };
}

/** A with weights perturbed by ±1 (sign by position, flipped at the edge of the format) and biases by +1/-1. */
function perturbedDoc(file: string): Record<string, unknown> {
  const doc = parse(readFileSync(file, 'utf8')) as { name: string; layers: LayerDoc[] };
  doc.name = `${doc.name}_b`;
  doc.layers.forEach((l, li) => {
    const { bits, signed } = l.weight_format;
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    l.weights = l.weights.map((row, j) =>
      row.map((w, i) => {
        const d = (li + j + i) % 2 === 0 ? 1 : -1;
        return w + d >= lo && w + d <= hi ? w + d : w - d;
      }),
    );
    l.bias = l.bias.map((b, j) => b + (j % 2 === 0 ? 1 : -1));
  });
  return doc as unknown as Record<string, unknown>;
}

for (const sim of SIMS) {
  describe(`${sim}: runtime weight reload`, () => {
    for (const file of [TINY, REFERENCE]) {
      const name = file.split('/').pop()!;
      it(`${name}: results switch from policy A to policy B exactly at COMMIT`, async () => {
        const a = loadPolicy(file);
        const b = compilePolicyText(JSON.stringify(perturbedDoc(file)));
        const plan = reloadPlan(a, b);
        expect(plan.reasons).toEqual([]);
        expect(plan.compatible).toBe(true);
        const vectors = testVectors(a.ir, 200, 3);
        const model = new GoldenModel(b.ir);
        const after = vectors.map((v) => {
          const r = model.infer(v);
          return { action: r.action ?? 0, scores: r.scores };
        });
        // B must differ from A somewhere, or the test proves nothing
        const job = makeJob(a, vectors);
        expect(after.some((e, i) => JSON.stringify(e.scores) !== JSON.stringify(job.expected[i]!.scores))).toBe(true);
        job.reload = { writes: plan.writes.map((w) => ({ address: w.address, value: w.value })), shadow_hash: policyHash32(b.hash), expected_after_reload: after };
        const r = await runBench({ bench: 'app', rtlDirs: [compileTo(a)], toplevel: 'nicsched_top', sim, buildDir: buildDirFor(a, 'app', sim), job, testcases: ['test_reload'] });
        expect(r.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.message ?? ''}`)).toEqual([]);
        expect(r.cases.map((c) => c.name)).toEqual(['test_reload']);
        expect(r.exitCode).toBe(0);
      });
    }
  });
}

describe('nicsched reload-plan', () => {
  it('compatible policies: the write sequence, ending in SHADOW_HASH and RELOAD.COMMIT', async () => {
    const b = writeTemp('tiny_b.json', JSON.stringify(perturbedDoc(TINY)));
    const r = await cli('reload-plan', TINY, b);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SHADOW_HASH/);
    expect(r.stdout).toMatch(/RELOAD\.COMMIT/);
  });

  it('a different topology: exit 1 with the reasons', async () => {
    const r = await cli('reload-plan', TINY, REFERENCE);
    expect(r.code).toBe(1);
    expect(r.stderr.length + r.stdout.length).toBeGreaterThan(0);
  });
});
