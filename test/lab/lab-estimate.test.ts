/**
 * `nicsched estimate` with the real yosys on every example policy: counts against the board, IR
 * latency/II, the sources named, the content-keyed cache, and yosys missing (exit 3).
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { multipliers } from '../../codegen/spec/fit.js';
import { emitRtl } from '../../codegen/backends/rtl/rtl-backend.js';
import { estimate, type EstimateReport } from '../../codegen/fpga/estimate.js';
import { synthesisKey } from '../../codegen/fpga/yosys.js';
import { loadPolicy } from '../../codegen/policy.js';
import { findBoard } from '../../codegen/spec/boards.js';
import { cli, REFERENCE, ROOT, tempDir, TINY } from '../helpers.js';
import { withSlots } from '../sim/designs.js';

// every example policy (training templates carry no weights)
const EXAMPLE_FILES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.template.yaml'))
  .map((f) => join(ROOT, 'examples', f));
const YOSYS_TIMEOUT = 900_000;

const savedCache = process.env.NICSCHED_ESTIMATE_CACHE;
afterEach(() => {
  if (savedCache === undefined) delete process.env.NICSCHED_ESTIMATE_CACHE;
  else process.env.NICSCHED_ESTIMATE_CACHE = savedCache;
});

async function estimateJson(...args: string[]): Promise<EstimateReport> {
  const r = await cli('estimate', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as EstimateReport;
}

function checkReport(file: string, report: EstimateReport): void {
  const policy = loadPolicy(file);
  const board = findBoard(policy.ir.target.board)!;
  expect(report.policy_hash).toBe(policy.hash);
  expect(report.board).toBe(board.name);
  expect(report.part).toBe(board.part);
  const byName = Object.fromEntries(report.resources.map((r) => [r.resource, r]));
  expect(byName.LUT!.used).toBeGreaterThan(100);
  expect(byName.FF!.used).toBeGreaterThan(100);
  // Every multiplier of the datapath is one DSP48E2 at most (fit.ts budgets one per multiplier).
  expect(byName.DSP48E2!.used).toBeGreaterThan(0);
  expect(byName.DSP48E2!.used).toBeLessThanOrEqual(multipliers(policy.ir.layers, policy.ir.target.reuse));
  expect(byName.LUT!.available).toBe(board.capacity.lut);
  expect(byName.DSP48E2!.percent).toBeCloseTo((100 * byName.DSP48E2!.used) / board.capacity.dsp, 10);
  expect(byName.CARRY4!.available).toBeNull();
  expect(report.latency_cycles).toBe(policy.ir.timing.latency);
  expect(report.ii_cycles).toBe(policy.ir.timing.ii);
  expect(report.latency_ns).toBeCloseTo((policy.ir.timing.latency * 1000) / policy.ir.target.clock_mhz, 10);
  expect(report.sources.resources).toMatch(/^Yosys \d+\.\d+.*synth_xilinx -family xcup -noiopad -flatten -abc9 \(estimate\)$/);
  checkTimingReport(report, policy.ir.target.clock_mhz);
  expect(report.sources.capacity).toBe('board datasheet (codegen/spec/boards.ts)');
  expect(report.sources.timing).toBe('IR (codegen/ir/timing.ts)');
}

/** The timing evidence is well formed: paths named, levels adding up, margins against the policy's clock. */
function checkTimingReport(report: EstimateReport, clockMhz: number): void {
  const t = report.timing;
  expect(t.clock_mhz).toBe(clockMhz);
  expect(t.period_ps).toBe(Math.round(1e6 / clockMhz));
  expect(t.level_budget).toBe(8);
  expect(t.not_modeled.length).toBeGreaterThan(0);
  for (const path of [t.critical!, t.deepest!]) {
    // a register of the app, or a top-level input (arrival 0)
    expect(path.start).toMatch(/^(nicsched_app_inst\.\S+|s_axil_\w+(\[\d+\])?|rst)$/);
    expect(path.end.length).toBeGreaterThan(0);
    const l = path.levels;
    expect(l.total).toBe(l.lut + l.carry + l.muxf + l.dsp);
    expect(l.carry4).toBeGreaterThanOrEqual(l.carry);
    expect(path.cells.length).toBe(l.lut + l.carry4 + l.muxf + l.dsp);
  }
  expect(t.critical!.arrival_ps).toBeGreaterThan(0);
  expect(t.arrival_margin_ps).toBe(t.period_ps - t.critical!.arrival_ps);
  expect(t.level_margin).toBe(8 - t.deepest!.levels.total);
  expect(t.deepest!.levels.total).toBeGreaterThanOrEqual(t.critical!.levels.total);
  expect(t.endpoints).toBeGreaterThan(100);
  expect(t.met).toBe(t.arrival_margin_ps! >= 0 && t.level_margin! >= 0 && t.endpoints_over === 0);
  expect(t.over_budget.length > 0).toBe(t.endpoints_over > 0);
  expect(t.over_budget.length).toBeLessThanOrEqual(Math.min(10, t.endpoints_over));
}

// The shared cache (~/.cache/nicsched/estimate, or NICSCHED_ESTIMATE_CACHE) is what CI keeps between
// runs; an entry is only ever yosys's own result for exactly this RTL and yosys version.
describe('nicsched estimate on every example (shared cache)', () => {
  it.each(EXAMPLE_FILES.map((f) => [f.split('/').pop()!, f] as const))(
    '%s',
    async (_name, file) => {
      checkReport(file, await estimateJson(file));
    },
    YOSYS_TIMEOUT,
  );
});

// The timing goal (docs/HARDWARE.md): every path within the clock period and at most 8 logic
// levels, by the yosys model, for the reference and the 64-slot tiny policy (the widest slot
// decode and arbiter); the lab globalSetup has synthesized all three into the shared cache.
describe('timing at the policy clock', () => {
  it.each([
    ['reference', () => loadPolicy(REFERENCE)],
    ['tiny', () => loadPolicy(TINY)],
    ['tiny, 64 slots', () => withSlots(TINY, 64)],
  ])(
    '%s: within the period and the level budget',
    (_name, make) => {
      const policy = make();
      const report = estimate(policy, findBoard(policy.ir.target.board)!);
      checkTimingReport(report, policy.ir.target.clock_mhz);
      expect(report.timing.endpoints_over).toBe(0);
      expect(report.timing.met).toBe(true);
    },
    YOSYS_TIMEOUT,
  );
});

describe('the cache', () => {
  it(
    'a fresh cache runs yosys, stores the result under its key, and the next run (any board) reads it',
    async () => {
      const cache = tempDir('nicsched-estimate-cache-');
      process.env.NICSCHED_ESTIMATE_CACHE = cache;
      const first = await estimateJson(TINY);
      checkReport(TINY, first);
      expect(first.cache.hit).toBe(false);
      expect(existsSync(join(cache, `${first.cache.key}.json`))).toBe(true);
      const again = await estimateJson(TINY, '--board', 'au50');
      expect(again.cache).toEqual({ key: first.cache.key, hit: true });
      expect(again.resources.map((r) => r.used)).toEqual(first.resources.map((r) => r.used));
      expect(again.resources[0]!.available).toBe(findBoard('au50')!.capacity.lut);
    },
    YOSYS_TIMEOUT,
  );
});

describe('estimate details', () => {
  it('the cache key follows the RTL content and the yosys version', () => {
    const tiny = emitRtl(loadPolicy(TINY));
    const reference = emitRtl(loadPolicy(REFERENCE));
    const key = synthesisKey(tiny, 'nicsched_top', 'Yosys 0.23');
    expect(synthesisKey(tiny, 'nicsched_top', 'Yosys 0.23')).toBe(key);
    expect(synthesisKey(tiny, 'nicsched_top', 'Yosys 0.24')).not.toBe(key);
    expect(synthesisKey(reference, 'nicsched_top', 'Yosys 0.23')).not.toBe(key);
    const edited = tiny.map((f) => (f.path === 'rtl/nicsched_dense.v' ? { ...f, contents: f.contents + '\n' } : f));
    expect(synthesisKey(edited, 'nicsched_top', 'Yosys 0.23')).not.toBe(key);
  });

  it(
    "prints a table with each figure's source (cached run)",
    async () => {
      const json = await estimateJson(TINY); // fills the default cache if needed
      const r = await cli('estimate', TINY);
      expect(r.code).toBe(0);
      const lut = json.resources[0]!;
      expect(r.stdout).toContain(`estimate tiny (${json.policy_hash.slice(0, 16)}) on au250 (xcu250-figd2104-2-e), top nicsched_top\n`);
      expect(r.stdout).toContain(`LUT       ${String(lut.used).padStart(8)}    1728000 ${`${lut.percent!.toFixed(2)}%`.padStart(8)}\n`);
      expect(r.stdout).toContain(`latency   ${json.latency_cycles} cycles (${json.latency_ns.toFixed(1)} ns at 250 MHz), doorbell to RESULT.VALID\n`);
      expect(r.stdout).toContain(`timing    250 MHz: period 4000 ps, at most 8 logic levels between registers: ${json.timing.met ? 'met' : 'NOT MET'}\n`);
      expect(r.stdout).toContain(`  critical path (latest arrival): ${json.timing.critical!.arrival_ps} ps, margin ${json.timing.arrival_margin_ps} ps`);
      expect(r.stdout).toContain(`    from ${json.timing.critical!.start}\n`);
      expect(r.stdout).toContain('  model: yosys sta on synth_xilinx -family xcup -abc9 (xc7 cell delays); not modeled:\n');
      expect(r.stdout).toContain('sources: used, timing = Yosys 0.23');
      expect(r.stdout).toContain('[cached]');
      expect(r.stdout).toContain('available = board datasheet (codegen/spec/boards.ts)');
    },
    YOSYS_TIMEOUT,
  );

  it('yosys missing: exit 3 naming apt-get install yosys', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('nicsched-empty-path-');
    try {
      const r = await cli('estimate', TINY);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('error: yosys is not installed (nicsched estimate synthesizes the generated RTL with yosys 0.23 or newer)\ninstall it (Debian/Ubuntu), then run the command again:\n  sudo apt-get install yosys\n');
    } finally {
      process.env.PATH = path;
    }
  });

  it('an unknown --board is bad input', async () => {
    const r = await cli('estimate', TINY, '--board', 'u55c');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: unknown board "u55c" (--board) (fix: use one of au50, au200, au250, au280)\n');
  });
});
