/** What a simulation run measured: interactive wakeup latency, batch throughput, CPU shares. */

import type { NshCounters } from './hook.js';
import type { SimResult } from './sim.js';
import type { TaskClass } from './workload.js';

export interface VariantMetrics {
  variant: 'baseline' | 'policy';
  /** Interactive wakeups that ran before the end. */
  wakeups: number;
  p50WakeLatencyUs: number | null;
  p99WakeLatencyUs: number | null;
  meanWakeLatencyUs: number | null;
  /** CPU time of batch tasks per second of simulated time, ms/s (1000 = one whole CPU). */
  batchThroughputMsPerS: number;
  /** Fractions of cpus × duration. */
  share: Record<TaskClass | 'idle', number>;
  decisions: DecisionCounts | null;
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

/** Nearest-rank percentile of sorted values (null when empty). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function interactiveLatenciesNs(r: SimResult): number[] {
  return r.tasks
    .filter((t) => t.cls === 'interactive')
    .flatMap((t) => t.wakeLatencyNs)
    .sort((a, b) => a - b);
}

function classCpuNs(r: SimResult, cls: TaskClass): number {
  return r.tasks.filter((t) => t.cls === cls).reduce((s, t) => s + t.cpuNs, 0);
}

const DROP_REASONS = ['dropped_stale', 'dropped_wrong_tag', 'dropped_out_of_range', 'expired', 'lost', 'overwritten', 'submit_busy', 'submit_error', 'missed', 'foreign'] as const;
/** Reasons that lose a decision for good (overwritten/submit_busy/missed/foreign are followed by lost or a retry). */
const FINAL_DROPS = ['dropped_stale', 'dropped_wrong_tag', 'dropped_out_of_range', 'expired', 'lost', 'submit_error'] as const;

export function decisionCounts(r: SimResult): DecisionCounts | null {
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

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function us(ns: number | null): number | null {
  return ns === null ? null : round(ns / 1000, 1);
}

export function variantMetrics(variant: VariantMetrics['variant'], r: SimResult): VariantMetrics {
  const lat = interactiveLatenciesNs(r);
  const total = r.cpus * r.durationNs;
  const inter = classCpuNs(r, 'interactive');
  const batch = classCpuNs(r, 'batch');
  const mean = lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : null;
  return {
    variant,
    wakeups: lat.length,
    p50WakeLatencyUs: us(percentile(lat, 50)),
    p99WakeLatencyUs: us(percentile(lat, 99)),
    meanWakeLatencyUs: us(mean),
    batchThroughputMsPerS: round(batch / 1e6 / (r.durationNs / 1e9), 2),
    share: { interactive: inter / total, batch: batch / total, idle: Math.max(0, total - inter - batch) / total },
    decisions: decisionCounts(r),
  };
}
