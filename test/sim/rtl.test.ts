/**
 * The RTL backend, proven with the real tools: Verilator lint, then the cocotb benches in
 * Verilator and Icarus through the TypeScript bridge, bit-exact against the golden model.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testVectors } from '../../codegen/golden/vectors.js';
import { GoldenModel } from '../../codegen/golden/model.js';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { loadPolicy } from '../../codegen/policy.js';
import { blockOf, registerOf } from '../../codegen/regmap/model.js';
import { buildDirFor, makeJob, runBench, type BenchResult } from '../../sim/bridge.js';
import { cli, REFERENCE, ROOT, tempDir, TINY, writeTemp } from '../helpers.js';
import { compileTo, SIMS, tinyWithOtherWeights, withReuse, withSlots } from './designs.js';

const VERILATOR_ROOT = (() => {
  const r = spawnSync('bash', ['-c', 'source scripts/sim-env.sh && echo "$VERILATOR_ROOT"'], { cwd: ROOT, encoding: 'utf8' });
  return r.stdout.trim();
})();

function verilator(args: string[]): { status: number | null; output: string } {
  const env = { ...process.env, VERILATOR_ROOT, PATH: `${join(ROOT, 'sim/tools')}:${VERILATOR_ROOT}/bin:${join(ROOT, '.venv/bin')}:${process.env['PATH']}` };
  const r = spawnSync('verilator', args, { env, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const LIB = ['nicsched_argmax.v', 'nicsched_weight_bank.v', 'nicsched_dense.v', 'nicsched_result_dma.v', 'nicsched_app.v'];

describe('verilator --lint-only -Wall is clean', () => {
  for (const file of [TINY, REFERENCE]) {
    const name = file.split('/').pop()!;
    it(`${name}: nicsched_top and mqnic_app_block`, () => {
      const rtl = compileTo(loadPolicy(file));
      for (const top of ['nicsched_top', 'mqnic_app_block']) {
        const r = verilator(['--lint-only', '-Wall', `-I${rtl}`, '--top-module', top, ...[...LIB, 'nicsched_policy.v', `${top}.v`].map((f) => join(rtl, f))]);
        expect(r.output).not.toMatch(/%(Warning|Error)/);
        expect(r.status).toBe(0);
      }
    });
  }

  it('reuse 3 variant', () => {
    const rtl = compileTo(withReuse(REFERENCE, 3));
    const r = verilator(['--lint-only', '-Wall', `-I${rtl}`, '--top-module', 'nicsched_top', ...[...LIB, 'nicsched_policy.v', 'nicsched_top.v'].map((f) => join(rtl, f))]);
    expect(r.output).not.toMatch(/%(Warning|Error)/);
    expect(r.status).toBe(0);
  });

  // 0x1000 + SLOTS × 0x400: 60 slots end at 0x10000, 64 at 0x11000 (the decode is wider than 16 bits)
  for (const slots of [60, 61, 64]) {
    it(`tiny with ${slots} slots: nicsched_top and mqnic_app_block`, () => {
      const rtl = compileTo(withSlots(TINY, slots));
      for (const top of ['nicsched_top', 'mqnic_app_block']) {
        const r = verilator(['--lint-only', '-Wall', `-I${rtl}`, '--top-module', top, ...[...LIB, 'nicsched_policy.v', `${top}.v`].map((f) => join(rtl, f))]);
        expect(r.output).not.toMatch(/%(Warning|Error)/);
        expect(r.status).toBe(0);
      }
    });
  }

  it('icarus accepts the same sources', () => {
    const rtl = compileTo(loadPolicy(REFERENCE));
    const r = spawnSync('iverilog', ['-g2012', '-Wall', '-I', rtl, '-s', 'nicsched_top', '-o', join(tempDir(), 'a.vvp'), ...[...LIB, 'nicsched_policy.v', 'nicsched_top.v'].map((f) => join(rtl, f))], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

function failedCases(r: BenchResult): string[] {
  return r.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.message ?? ''}`);
}

interface VectorRecord {
  index: number;
  action: number;
  scores: number[];
  tag: number;
}

/** Compare the bench's recorded results with the golden model in TypeScript, independently of the bench's own check. */
function expectBitExact(policy: CompiledPolicy, vectors: number[][], r: BenchResult): void {
  const model = new GoldenModel(policy.ir);
  const records = (r.results['vectors'] as VectorRecord[]) ?? [];
  expect(records).toHaveLength(vectors.length);
  let mismatches = 0;
  for (const rec of records) {
    const want = model.infer(vectors[rec.index]!);
    if (JSON.stringify(rec.scores) !== JSON.stringify(want.scores) || (want.action !== null && rec.action !== want.action)) mismatches++;
  }
  expect(mismatches).toBe(0);
}

interface EntryRecord {
  index: number;
  tag: number;
  seq: number;
  answer: number;
  latency: number;
  check: number;
}

/** The mailbox entries test_dma_vectors read from its host memory, checked here against the golden model and the register model's entry layout. */
function expectEntriesBitExact(policy: CompiledPolicy, vectors: number[][], r: BenchResult): void {
  const model = new GoldenModel(policy.ir);
  const answer = registerOf(blockOf(policy.regmap, 'mailbox'), 'ANSWER');
  const at = (name: string) => answer.fields.find((f) => f.name === name)!.lsb;
  const records = (r.results['dma'] as EntryRecord[]) ?? [];
  expect(records).toHaveLength(vectors.length);
  const bad = records.filter((e) => {
    const want = model.infer(vectors[e.index]!);
    const word = (2 ** at('VALID') + e.tag * 2 ** at('TAG') + (want.action ?? 0) * 2 ** at('ACTION')) >>> 0;
    return e.answer !== word || e.check !== ~(e.seq ^ e.answer ^ e.latency) >>> 0 || e.latency !== policy.ir.timing.latency;
  });
  expect(bad).toEqual([]);
  expect(records.map((e) => e.seq).sort((a, b) => a - b)).toEqual(vectors.map((_, i) => i + 1));
}

/** A CAPS field, at the position the register model gives it. */
function capsField(policy: CompiledPolicy, caps: number, name: string): number {
  const f = registerOf(blockOf(policy.regmap, 'global'), 'CAPS').fields.find((x) => x.name === name)!;
  return Math.floor(caps / 2 ** f.lsb) % 2 ** f.width;
}

/** test_reload needs a second policy: test/reload.test.ts. */
const APP_CASES = ['test_back_to_back', 'test_bad_address', 'test_dma_backpressure', 'test_dma_control', 'test_dma_vectors', 'test_fuzz', 'test_header', 'test_latency', 'test_protocol', 'test_regmap', 'test_reset_midflight', 'test_vectors'];

for (const sim of SIMS) {
  describe(`${sim}: nicsched_top through AXI-Lite, every example policy`, () => {
    for (const file of [TINY, REFERENCE]) {
      const name = file.split('/').pop()!;
      let policy: CompiledPolicy;
      let vectors: number[][];
      let result: BenchResult;

      beforeAll(async () => {
        policy = loadPolicy(file);
        vectors = testVectors(policy.ir, 2000, 11);
        result = await runBench({
          bench: 'app',
          rtlDirs: [compileTo(policy)],
          toplevel: 'nicsched_top',
          sim,
          buildDir: buildDirFor(policy, 'app', sim),
          job: makeJob(policy, vectors, { seed: 5, ops: 1500 }),
          testcases: APP_CASES,
        });
      });

      it(`${name}: all bench tests pass`, () => {
        expect(failedCases(result)).toEqual([]);
        expect(result.cases.map((c) => c.name).sort()).toEqual([...APP_CASES].sort());
        expect(result.exitCode).toBe(0);
      });

      it(`${name}: ≥ 2000 random + corner + tie vectors bit-exact`, () => {
        expect(vectors.length).toBeGreaterThan(2000);
        expectBitExact(policy, vectors, result);
      });

      it(`${name}: register header as DESIGN.md §4 says`, () => {
        const h = result.results['header'] as { id: number; version: number; policy_hash: number; caps: number };
        expect(h.id).toBe(0x4e534348);
        expect(h.version).toBe(0x00030000);
        expect(h.policy_hash).toBe(Number.parseInt(policy.hash.slice(0, 8), 16));
        const ir = policy.ir;
        expect(capsField(policy, h.caps, 'INPUTS')).toBe(ir.features.length);
        expect(capsField(policy, h.caps, 'OUTPUTS')).toBe(ir.outputs);
        expect(capsField(policy, h.caps, 'SLOTS')).toBe(ir.target.slots);
      });

      it(`${name}: measured latency equals the IR's prediction`, () => {
        const lat = result.results['latency'] as { measured: number; lat_last: number };
        expect(lat.measured).toBe(policy.ir.timing.latency);
        expect(lat.lat_last).toBe(policy.ir.timing.latency);
      });

      it(`${name}: every result DMA'd into the host memory model, entry bit-exact (golden action, tag, SEQ, LATENCY, CHECK)`, () => {
        expectEntriesBitExact(policy, vectors, result);
      });
    }
  });
}

/** The bench tests the slot count matters to; the 2- and 4-slot examples run every test above. */
const SLOT_CASES = ['test_back_to_back', 'test_bad_address', 'test_header', 'test_regmap', 'test_vectors'];

for (const sim of SIMS) {
  describe(`${sim}: up to 64 slots (the register model's limit; slots end at 0x1000 + SLOTS × 0x400)`, () => {
    for (const slots of sim === 'verilator' ? [60, 61, 64] : [64]) {
      it(`tiny with ${slots} slots: every slot works, the addresses after the last slot answer SLVERR`, async () => {
        const policy = withSlots(TINY, slots);
        const vectors = testVectors(policy.ir, 300, 13);
        const r = await runBench({
          bench: 'app',
          rtlDirs: [compileTo(policy)],
          toplevel: 'nicsched_top',
          sim,
          buildDir: buildDirFor(policy, 'app', sim),
          job: makeJob(policy, vectors, { seed: 5, ops: 0 }),
          testcases: SLOT_CASES,
        });
        expect(failedCases(r)).toEqual([]);
        expect(r.cases.map((c) => c.name).sort()).toEqual([...SLOT_CASES].sort());
        expect(r.exitCode).toBe(0);
        expectBitExact(policy, vectors, r);
        const h = r.results['header'] as { caps: number };
        expect(capsField(policy, h.caps, 'SLOTS')).toBe(slots);
        // every slot carried inferences in test_vectors
        const used = new Set((r.results['vectors'] as { slot: number }[]).map((v) => v.slot));
        expect(used.size).toBe(slots);
        // the first word after the last slot, and the gap up to the weight bank (0x20000), are unmapped
        const end = 0x1000 + slots * 0x400;
        const bad = (r.results['tests'] as Record<string, { bad_addresses: string[] }>)['test_bad_address']!.bad_addresses.map((a) => Number.parseInt(a, 16));
        expect(bad).toContain(end);
        expect(bad).toContain(0x1fffc);
        expect(bad).toContain(((end + 0x20000) / 2) & ~3);
        expect(bad).toContain(end + 0x1000);
      });
    }
  });
}

describe('nicsched_policy streaming: II and latency as predicted', () => {
  const variants: Array<[string, () => CompiledPolicy]> = [
    ['reference reuse 1', () => loadPolicy(REFERENCE)],
    ['reference reuse 3', () => withReuse(REFERENCE, 3)],
    ['reference reuse 8', () => withReuse(REFERENCE, 8)],
    ['tiny reuse 2', () => withReuse(TINY, 2)],
  ];
  for (const [label, make] of variants) {
    it(label, async () => {
      const policy = make();
      const vectors = testVectors(policy.ir, 1000, 3);
      const r = await runBench({
        bench: 'policy',
        rtlDirs: [compileTo(policy)],
        toplevel: 'nicsched_policy',
        sim: 'verilator',
        buildDir: buildDirFor(policy, 'policy', 'verilator'),
        job: makeJob(policy, vectors, { seed: 9, ops: 0 }),
      });
      expect(failedCases(r)).toEqual([]);
      expect(r.results['ii']).toBe(policy.ir.timing.ii);
      expect(r.results['latency']).toBe(policy.ir.timing.layer_latency.reduce((a, b) => a + b, 0));
      expect(r.results['mismatches']).toBe(0);
      // every layer's output, not only the scores, equals the golden trace
      const traces = r.results['trace'] as Array<{ index: number; layers: number[][] }>;
      expect(traces).toHaveLength(vectors.length);
      const model = new GoldenModel(policy.ir);
      const layerMismatches = traces.filter((t) => JSON.stringify(t.layers) !== JSON.stringify(model.trace(vectors[t.index]!).map((l) => l.output)));
      expect(layerMismatches).toEqual([]);
    });
  }
});

describe('nicsched simulate', () => {
  it('reports a pass on the tiny policy in Verilator', async () => {
    const r = await cli('simulate', TINY, '--count', '300', '--json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { ok: boolean; failed: number; passed: number; latency: { measured: number; predicted: number } };
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThan(300);
    expect(report.latency.measured).toBe(report.latency.predicted);
    expect(report.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it('a reuse policy through the app: bit-exact, latency and II as predicted', async () => {
    const doc = parse(readFileSync(REFERENCE, 'utf8')) as { name: string; target: { reuse: number } };
    doc.name = 'reference_reuse4';
    doc.target.reuse = 4;
    const file = writeTemp('reuse4.json', JSON.stringify(doc));
    const r = await cli('simulate', file, '--count', '200', '--json');
    const report = JSON.parse(r.stdout) as { ok: boolean; failed: number; ii: { measured: number; predicted: number } };
    expect(report.failed).toBe(0);
    expect(report.ii).toEqual({ measured: 4, predicted: 4 });
    expect(report.ok).toBe(true);
  });
});

describe('a policy that does not fit is refused at compile time', () => {
  it('names the budget and the reuse that would fit', async () => {
    const doc = parse(readFileSync(REFERENCE, 'utf8')) as Record<string, unknown>;
    const features = Array.from({ length: 64 }, (_, i) => ({ name: `f${i}`, source: 'nice' }));
    const big = (units: number, inputs: number, relu: boolean) => ({
      units,
      activation: relu ? 'relu' : 'none',
      weight_format: { bits: 8, frac: 6, signed: true },
      output_format: { bits: 8, frac: 4, signed: !relu },
      weights: Array.from({ length: units }, () => Array(inputs).fill(1)),
      bias: Array(units).fill(0),
    });
    doc['features'] = features;
    doc['layers'] = [big(256, 64, true), big(256, 256, true), big(4, 256, false)];
    const file = writeTemp('big.json', JSON.stringify(doc));
    const out = join(tempDir(), 'o');
    const r = await cli('compile', file, '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/target\/reuse: policy does not fit au250: 82944 multipliers at reuse 1, budget 6144 DSP48E2.*set target.reuse to 15 or more/);
  });
});

describe('a mismatch is caught and explained layer by layer', () => {
  it('simulating RTL built from other weights fails with the first differing layer', async () => {
    const policy = loadPolicy(TINY);
    const wrong = tinyWithOtherWeights(); // layer 1 differs; layer 0 is the same
    const { simulate, formatReport } = await import('../../codegen/verify/simulate.js');
    const report = await simulate(policy, { count: 50, seed: 1, sim: 'verilator' }, wrong);
    expect(report.ok).toBe(false);
    expect(report.failed).toBeGreaterThan(0);
    const layers = report.first_failure!.layers!;
    expect(layers.map((l) => l.match)).toEqual([true, false]);
    expect(formatReport(report, 250)).toMatch(/layer 1: golden \[.*\] rtl \[.*\] {3}<-- differs/);
  });
});
