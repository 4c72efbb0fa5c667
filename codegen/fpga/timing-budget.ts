/**
 * Timing evidence for the target clock from a yosys synthesis: the critical path by arrival time
 * (yosys `sta`) and the deepest path by logic levels (codegen/fpga/netlist-levels.ts), each with
 * its start and end, checked against the clock period and a level budget. What the delay model
 * leaves out is said with the figures.
 */

import { analyzeLevels, Netlist, topModule, type LevelPath, type Levels } from './netlist-levels.js';
import { parseSta, type StaReport } from './sta.js';

/** Logic levels (LUT + CARRY8 + MUXF + DSP) allowed between registers at the target clock. */
export const LEVEL_BUDGET = 8;
/** Paths over budget kept in a synthesis result (the deepest into each register). */
const OVER_BUDGET_KEPT = 10;

export interface CriticalPath {
  start: string;
  end: string;
  arrival_ps: number;
  levels: Levels;
  cells: string[];
}

/** What synthesis says about timing; independent of the clock, so it is cached with the counts. */
export interface SynthTiming {
  /** The latest arrival (yosys sta), or null when yosys found no timing path. */
  critical: CriticalPath | null;
  /** The most logic levels between registers. */
  deepest: LevelPath | null;
  /** Deepest path into each register over LEVEL_BUDGET levels, deepest first (at most OVER_BUDGET_KEPT). */
  over_budget: LevelPath[];
  endpoints_over: number;
  endpoints: number;
}

const TIMING_MODEL = 'yosys sta on synth_xilinx -family xcup -abc9 (xc7 cell delays)';

/** What the figures do not include; printed with them. */
const NOT_MODELED: readonly string[] = [
  'yosys 0.23 has no UltraScale+ timing for -abc9 and uses 7-series (xc7) LUT and flip-flop delays: slower parts, so the arrival is pessimistic there',
  'CARRY4, MUXF7/MUXF8 and DSP48E2 cells have no timing arcs: the arrival stops at them, so carry-chain, wide-mux and multiplier delays are missing from it (the level count includes those cells)',
  "no routing (net) delay, clock skew or clock uncertainty; the clock buffer, clock-to-Q and the model's setup times are included",
];

function lutLevels(types: string[]): Levels {
  const lut = types.filter((t) => /^LUT\d$|^INV$/.test(t)).length;
  const muxf = types.filter((t) => /^MUXF/.test(t)).length;
  return { lut, carry: 0, carry4: 0, muxf, dsp: 0, total: lut + muxf };
}

function nameOf(net: Netlist, printed: string): string {
  const bit = net.bitOf(printed);
  return bit === null ? printed : net.name(bit);
}

function criticalPath(sta: StaReport, net: Netlist): CriticalPath {
  const cells = sta.steps.map((s) => s.type);
  let end: string;
  if (sta.endpoint) {
    end = net.pinLabel(sta.endpoint.cell, sta.endpoint.pin);
  } else {
    const bit = net.bitOf(sta.end_net);
    const readers = bit === null ? [] : [...new Set(net.readers(bit))];
    end = `${nameOf(net, sta.end_net)}${readers.length > 0 ? ` (into ${readers.join(', ')}, no timing arc)` : ''}`;
  }
  return { start: nameOf(net, sta.start_net), end, arrival_ps: sta.arrival_ps, levels: lutLevels(cells), cells };
}

/** Timing from yosys `sta` output and the netlist yosys wrote after it (write_json). */
export function synthTiming(staText: string, netlistJson: string, top: string): SynthTiming {
  const net = new Netlist(topModule(netlistJson, top));
  const sta = parseSta(staText);
  const levels = analyzeLevels(net, LEVEL_BUDGET);
  return {
    critical: sta ? criticalPath(sta, net) : null,
    deepest: levels.deepest,
    over_budget: levels.over_budget.slice(0, OVER_BUDGET_KEPT),
    endpoints_over: levels.endpoints_over,
    endpoints: levels.endpoints,
  };
}

export interface TimingCheck extends SynthTiming {
  clock_mhz: number;
  period_ps: number;
  level_budget: number;
  /** period - arrival of the critical path (negative: over). */
  arrival_margin_ps: number | null;
  /** budget - levels of the deepest path (negative: over). */
  level_margin: number | null;
  /** Every path arrives within the period and has at most level_budget levels. */
  met: boolean;
  model: string;
  not_modeled: readonly string[];
}

/** Check synthesis timing against the target clock and the level budget. */
export function checkTiming(t: SynthTiming, clockMhz: number): TimingCheck {
  const levelBudget = LEVEL_BUDGET;
  const period = Math.round(1e6 / clockMhz);
  const arrivalMargin = t.critical ? period - t.critical.arrival_ps : null;
  const levelMargin = t.deepest ? levelBudget - t.deepest.levels.total : null;
  return {
    ...t,
    clock_mhz: clockMhz,
    period_ps: period,
    level_budget: levelBudget,
    arrival_margin_ps: arrivalMargin,
    level_margin: levelMargin,
    met: (arrivalMargin ?? 0) >= 0 && (levelMargin ?? 0) >= 0,
    model: TIMING_MODEL,
    not_modeled: NOT_MODELED,
  };
}

function levelText(l: Levels): string {
  return `${l.total} levels (${l.lut} LUT, ${l.carry} CARRY8 = ${l.carry4} CARRY4, ${l.muxf} MUXF, ${l.dsp} DSP)`;
}

function verdict(margin: number | null): string {
  if (margin === null) return 'no path';
  return margin >= 0 ? 'met' : 'OVER';
}

/** The timing lines of `nicsched estimate`. */
export function formatTiming(c: TimingCheck): string[] {
  const lines = [`timing    ${c.clock_mhz} MHz: period ${c.period_ps} ps, at most ${c.level_budget} logic levels between registers: ${c.met ? 'met' : 'NOT MET'}`];
  if (c.critical) {
    lines.push(`  critical path (latest arrival): ${c.critical.arrival_ps} ps, margin ${c.arrival_margin_ps} ps (${verdict(c.arrival_margin_ps)}), ${levelText(c.critical.levels)}`, `    from ${c.critical.start}`, `    to   ${c.critical.end}`);
  }
  if (c.deepest) {
    lines.push(`  deepest path: ${levelText(c.deepest.levels)}, margin ${c.level_margin} (${verdict(c.level_margin)})`, `    from ${c.deepest.start}`, `    to   ${c.deepest.end}`);
  }
  lines.push(`  ${c.endpoints_over} of ${c.endpoints} endpoints (register and DSP inputs, top-level outputs) over ${c.level_budget} levels`);
  for (const p of c.endpoints_over > 0 ? c.over_budget.slice(0, 5) : []) lines.push(`    ${p.levels.total} levels: ${p.start} -> ${p.end}`);
  lines.push(`  model: ${c.model}; not modeled:`);
  for (const n of c.not_modeled) lines.push(`    - ${n}`);
  return lines;
}
