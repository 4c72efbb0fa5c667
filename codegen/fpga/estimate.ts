/**
 * `nicsched estimate`: what the generated app costs on a board and whether it makes the policy's
 * clock. Resource counts and timing evidence come from yosys (an estimate: Vivado maps and times
 * differently), latency and II from the IR, capacities from the board table. Every figure carries
 * its source, and the timing says what its model leaves out.
 */

import { shortHash } from '../ir/canonical.js';
import { emitRtl } from '../backends/rtl/rtl-backend.js';
import type { CompiledPolicy } from '../compiled.js';
import type { Board } from '../spec/boards.js';
import { checkTiming, formatTiming, type TimingCheck } from './timing-budget.js';
import { synthesizeCached, type YosysCounts } from './yosys.js';

const SOURCE_BOARD = 'board datasheet (codegen/spec/boards.ts)';
const SOURCE_IR = 'IR (codegen/ir/timing.ts)';

export interface ResourceFigure {
  resource: 'LUT' | 'FF' | 'DSP48E2' | 'BRAM' | 'CARRY4';
  used: number;
  /** Device total, or null when the board table has no figure for it. */
  available: number | null;
  percent: number | null;
}

export interface EstimateReport {
  policy: string;
  policy_hash: string;
  board: string;
  part: string;
  top: string;
  resources: ResourceFigure[];
  /** Critical path and deepest path against the policy's clock (target.clock_mhz). */
  timing: TimingCheck;
  latency_cycles: number;
  latency_ns: number;
  ii_cycles: number;
  clock_mhz: number;
  sources: { resources: string; capacity: string; timing: string };
  cache: { key: string; hit: boolean };
}

function figure(resource: ResourceFigure['resource'], used: number, available: number | null): ResourceFigure {
  return { resource, used, available, percent: available ? (100 * used) / available : null };
}

function resourceFigures(counts: YosysCounts, board: Board): ResourceFigure[] {
  return [figure('LUT', counts.lut, board.capacity.lut), figure('FF', counts.ff, board.capacity.ff), figure('DSP48E2', counts.dsp, board.capacity.dsp), figure('BRAM', counts.bram, board.capacity.bram36), figure('CARRY4', counts.carry, null)];
}

export function estimate(policy: CompiledPolicy, board: Board, cacheDir?: string): EstimateReport {
  const rtl = emitRtl(policy);
  const syn = synthesizeCached(rtl, 'nicsched_top', cacheDir);
  const { timing, target } = policy.ir;
  return {
    policy: policy.ir.name,
    policy_hash: policy.hash,
    board: board.name,
    part: board.part,
    top: 'nicsched_top',
    resources: resourceFigures(syn.counts, board),
    timing: checkTiming(syn.timing, target.clock_mhz),
    latency_cycles: timing.latency,
    latency_ns: (timing.latency * 1000) / target.clock_mhz,
    ii_cycles: timing.ii,
    clock_mhz: target.clock_mhz,
    sources: { resources: `${syn.version}, synth_xilinx -family xcup -noiopad -flatten -abc9 (estimate)`, capacity: SOURCE_BOARD, timing: SOURCE_IR },
    cache: { key: syn.cacheKey, hit: syn.cached },
  };
}

function percentText(p: number | null): string {
  if (p === null) return '-';
  return p < 0.01 && p > 0 ? '<0.01%' : `${p.toFixed(2)}%`;
}

export function formatEstimate(r: EstimateReport): string {
  const lines = [
    `estimate ${r.policy} (${shortHash(r.policy_hash)}) on ${r.board} (${r.part}), top ${r.top}`,
    '',
    `${'resource'.padEnd(9)} ${'used'.padStart(8)} ${'available'.padStart(10)} ${'share'.padStart(8)}`,
    ...r.resources.map((f) => `${f.resource.padEnd(9)} ${String(f.used).padStart(8)} ${(f.available === null ? '-' : String(f.available)).padStart(10)} ${percentText(f.percent).padStart(8)}`),
    '',
    `latency   ${r.latency_cycles} cycles (${r.latency_ns.toFixed(1)} ns at ${r.clock_mhz} MHz), doorbell to RESULT.VALID`,
    `II        ${r.ii_cycles} cycle${r.ii_cycles === 1 ? '' : 's'}`,
    ...formatTiming(r.timing),
    '',
    `sources: used, timing = ${r.sources.resources}${r.cache.hit ? ' [cached]' : ''}`,
    `         available = ${r.sources.capacity}; CARRY4 has no board figure (yosys maps carry chains to 4-bit CARRY4; UltraScale+ has 8-bit CARRY8)`,
    `         latency, II = ${r.sources.timing}`,
  ];
  return lines.join('\n') + '\n';
}
