/**
 * The Verilator bulk runner (sim/bulk.ts, sim/bulk/): every vector through the policy's datapath
 * and argmax, compared with the golden model, at the II and latency the IR predicts; a design
 * built from other weights is caught on exactly the vectors whose answers differ, each reported
 * with its index, both answers and the golden per-layer trace. The runners are built by the
 * group's globalSetup (test/sim/prebuild.ts), cached by content.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GoldenModel } from '../../codegen/golden/model.js';
import { testVectors } from '../../codegen/golden/vectors.js';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { loadPolicy } from '../../codegen/policy.js';
import { BULK_MISMATCHES_REPORTED, buildBulkRunner, runBulk } from '../../sim/bulk.js';
import { REFERENCE, tempDir, TINY, writeTemp } from '../helpers.js';
import { compileTo, tinyWithOtherWeights, withReuse } from './designs.js';

const datapathLatency = (policy: CompiledPolicy) => policy.ir.timing.layer_latency.reduce((a, b) => a + b, 0);

describe('bulk runner: bit-exact at the predicted II and latency', () => {
  it.each([
    ['reference', () => loadPolicy(REFERENCE), 20_000],
    ['tiny', () => loadPolicy(TINY), 5_000],
    ['reference, reuse 4', () => withReuse(REFERENCE, 4), 5_000],
  ])('%s', async (_name, make, count) => {
    const policy = make();
    const vectors = testVectors(policy.ir, count, 7);
    const r = await runBulk(policy, compileTo(policy), vectors);
    expect(r.vectors).toBe(vectors.length);
    expect(r.failed).toBe(0);
    expect(r.passed).toBe(vectors.length);
    expect(r.mismatches).toEqual([]);
    expect(r.ii).toBe(policy.ir.timing.ii);
    expect(r.latency).toBe(datapathLatency(policy));
    expect(r.cycles).toBeGreaterThanOrEqual(vectors.length * policy.ir.timing.ii);
    expect(r.rate).toBeGreaterThan(0);
  });
});

describe('bulk runner: a mismatch is caught and explained', () => {
  it('RTL built from other weights fails on exactly the vectors whose golden answers differ', async () => {
    const policy = loadPolicy(TINY);
    const wrong = tinyWithOtherWeights();
    const vectors = testVectors(policy.ir, 3_000, 11);
    const r = await runBulk(policy, compileTo(wrong), vectors);

    const golden = new GoldenModel(policy.ir);
    const other = new GoldenModel(wrong.ir);
    const differ = vectors.flatMap((v, i) => (JSON.stringify(golden.infer(v)) === JSON.stringify(other.infer(v)) ? [] : [i]));
    expect(differ.length).toBeGreaterThan(0);
    expect(r.failed).toBe(differ.length);
    expect(r.passed).toBe(vectors.length - differ.length);
    expect(r.mismatches.map((m) => m.index)).toEqual(differ.slice(0, BULK_MISMATCHES_REPORTED));
    for (const m of r.mismatches) {
      expect(m.input).toEqual(vectors[m.index]);
      expect(m.expected).toEqual(golden.infer(m.input));
      expect(m.got).toEqual(other.infer(m.input)); // what the wrong RTL computes, bit for bit
      expect(m.golden_trace).toEqual(golden.trace(m.input));
    }
  });
});

describe('bulk runner: build and input', () => {
  it('the build is cached by the RTL content', async () => {
    const policy = loadPolicy(TINY);
    const first = await buildBulkRunner(compileTo(policy));
    const again = await buildBulkRunner(compileTo(policy)); // another directory, the same files
    expect(again).toEqual({ path: first.path, cached: true });
  });

  it('a malformed vector file is refused with its file and line', async () => {
    const { path } = await buildBulkRunner(compileTo(loadPolicy(TINY)));
    const dir = tempDir();
    const vectors = writeTemp('vectors.csv', 'wait_log2,run_log2\n1,2\n3\n', dir);
    const expected = writeTemp('expected.csv', 'action,score0,score1\n0,1,2\n0,1,2\n', dir);
    const r = spawnSync(path, [vectors, expected, join(dir, 'mismatches.csv')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`nicsched_bulk: ${vectors}:3: expected 2 columns\n`);
  });
});
