/**
 * PELT in continuous time. The kernel (kernel/sched/pelt.c) sums 1024-µs segments with
 * y^32 = 1/2; this model decays continuously with the same half-life, so a signal moves towards
 * its target (weight or 1024 while the condition holds, 0 otherwise) as
 *   s(t) = s(t0)·y^((t−t0)/1024µs) + target·(1 − y^((t−t0)/1024µs)).
 * Three signals per task: load (weight × runnable), runnable (1024 × runnable), util (1024 ×
 * running). A runqueue's signals are the sums over the tasks attached to it — running, queued or
 * blocked there — which is what the kernel's cfs_rq sums are when weights do not change; a task
 * that migrates takes its contribution along (detach/attach_entity_load_avg).
 */

import type { Pelt, Task } from './state.js';

/** PELT's half-life: 32 periods of 1024 µs. */
const PELT_HALF_LIFE_NS = 32 * 1_024_000;

export function newPelt(now: number): Pelt {
  return { stamp: now, load: 0, runnable: 0, util: 0, runnableNow: false, runningNow: false };
}

function decayFactor(dt: number): number {
  return Math.pow(0.5, dt / PELT_HALF_LIFE_NS);
}

/** The signals at `now` without changing state (what a reader sees). */
export function peltAt(t: Task, now: number): { load: number; runnable: number; util: number } {
  const p = t.pelt;
  const dt = now - p.stamp;
  if (dt <= 0) return { load: p.load, runnable: p.runnable, util: p.util };
  const d = decayFactor(dt);
  return {
    load: p.load * d + (p.runnableNow ? t.lw.weight * (1 - d) : 0),
    runnable: p.runnable * d + (p.runnableNow ? 1024 * (1 - d) : 0),
    util: p.util * d + (p.runningNow ? 1024 * (1 - d) : 0),
  };
}

/** update_load_avg(): bring the signals to `now`, then switch what they integrate. */
export function peltSet(t: Task, now: number, runnable: boolean, running: boolean): void {
  const v = peltAt(t, now);
  const p = t.pelt;
  p.load = v.load;
  p.runnable = v.runnable;
  p.util = v.util;
  p.stamp = Math.max(p.stamp, now);
  p.runnableNow = runnable;
  p.runningNow = running;
}
