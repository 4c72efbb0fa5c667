/** What one simulation run measured: latencies, completion, batch throughput, CPU shares, decisions. */

import type { NshCounters } from './hook.js';
import type { SimResult } from './sim.js';

export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
}

export interface DecisionCounts {
  requested: number;
  installed: number;
  applied: number;
  appliedWakeup: number;
  appliedTick: number;
  dropped: number;
  droppedByReason: Partial<NshCounters>;
  hookStopped: { reason: string; atNs: number } | null;
}

export interface RunMetrics {
  /** Interactive-class wakeup latency, µs (wakeup → the task's own code running). */
  wake: Percentiles | null;
  /** Request latency, µs (message posted → request work done; schbench). */
  request: Percentiles | null;
  /** Requests completed per second of simulated time (0 without requests). */
  requestsPerS: number;
  /** Time until every task of the `hackbench` group exited, ms (null: not within the run). */
  completionMs: number | null;
  /** Useful CPU work of the batch class per second of simulated time, ms/s (1000 = one whole CPU). */
  batchWorkMsPerS: number;
  /** Fractions of CPUs × duration: useful interactive and batch work, scheduling costs, idle. */
  share: { interactive: number; batch: number; overhead: number; idle: number };
  migrations: { wakeup: number; balance: number };
  decisions: DecisionCounts | null;
}

/** Nearest-rank percentile of sorted values (null when empty). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function percentiles(valuesNs: readonly number[]): Percentiles | null {
  if (valuesNs.length === 0) return null;
  const s = [...valuesNs].sort((a, b) => a - b);
  const us = (p: number) => percentile(s, p)! / 1000;
  return { n: s.length, p50: us(50), p90: us(90), p99: us(99), p999: us(99.9), mean: s.reduce((a, b) => a + b, 0) / s.length / 1000 };
}

export function interactiveLatenciesNs(r: SimResult): number[] {
  return r.tasks
    .filter((t) => t.cls === 'interactive')
    .flatMap((t) => t.wakeLatencyNs)
    .sort((a, b) => a - b);
}

function requestLatenciesNs(r: SimResult): number[] {
  return r.tasks.flatMap((t) => t.requestLatencyNs);
}

/** The last exit of the hackbench group, or null if a task of it was still alive. */
function completionMs(r: SimResult): number | null {
  const group = r.tasks.filter((t) => t.group === 'hackbench');
  if (group.length === 0 || group.some((t) => t.exitNs === null)) return null;
  return Math.max(...group.map((t) => t.exitNs!)) / 1e6;
}

const DROP_REASONS = ['dropped_stale', 'dropped_wrong_tag', 'dropped_out_of_range', 'expired', 'lost', 'overwritten', 'submit_busy', 'submit_error', 'missed', 'foreign'] as const;
/** Reasons that lose a decision for good (overwritten/submit_busy/missed/foreign are followed by lost or a retry). */
const FINAL_DROPS = ['dropped_stale', 'dropped_wrong_tag', 'dropped_out_of_range', 'expired', 'lost', 'submit_error'] as const;

function decisionCounts(r: SimResult): DecisionCounts | null {
  const c = r.hook;
  if (!c) return null;
  const droppedByReason: Partial<NshCounters> = {};
  for (const k of DROP_REASONS) droppedByReason[k] = c[k];
  return {
    requested: c.staged,
    installed: c.installed,
    applied: c.applied_wakeup + c.applied_tick,
    appliedWakeup: c.applied_wakeup,
    appliedTick: c.applied_tick,
    dropped: FINAL_DROPS.reduce((s, k) => s + c[k], 0),
    droppedByReason,
    hookStopped: r.hookStopped,
  };
}

export function runMetrics(r: SimResult): RunMetrics {
  const total = r.cpus * r.durationNs;
  const sum = (f: (t: SimResult['tasks'][number]) => number, cls?: string) => r.tasks.filter((t) => !cls || t.cls === cls).reduce((s, t) => s + f(t), 0);
  const inter = sum((t) => t.workNs, 'interactive');
  const batch = sum((t) => t.workNs, 'batch');
  const overhead = sum((t) => t.cpuNs - t.workNs);
  return {
    wake: percentiles(interactiveLatenciesNs(r)),
    request: percentiles(requestLatenciesNs(r)),
    requestsPerS: requestLatenciesNs(r).length / (r.durationNs / 1e9),
    completionMs: completionMs(r),
    batchWorkMsPerS: batch / 1e6 / (r.durationNs / 1e9),
    share: { interactive: inter / total, batch: batch / total, overhead: overhead / total, idle: Math.max(0, total - inter - batch - overhead) / total },
    migrations: { wakeup: r.balance.migratedAtWakeup, balance: r.balance.migratedByBalance },
    decisions: decisionCounts(r),
  };
}
