/**
 * Workloads: tasks described by what they would do on an idle machine — run for so much CPU time,
 * sleep for so long, again. The simulator decides when they actually run.
 */

export type TaskClass = 'interactive' | 'batch';

/** `run`: CPU time to consume before blocking; `sleep`: time blocked before the next wakeup. */
export type Phase = { kind: 'run'; ns: number } | { kind: 'sleep'; ns: number };

export interface TaskTemplate {
  name: string;
  cls: TaskClass;
  nice: number;
  /** Initial CPU (the simulator assigns task index % cpus when absent). */
  cpu?: number;
  /** A fresh, endless phase sequence (called once per simulation run, so runs are independent). */
  phases(): Iterator<Phase>;
}

export interface Workload {
  name: string;
  tasks: TaskTemplate[];
}

/** Endless CPU hog: one run phase that never ends. */
export function* hog(): Iterator<Phase> {
  yield { kind: 'run', ns: Infinity };
}

/** A fixed list of phases, repeated forever. */
export function cycle(list: readonly Phase[]): () => Iterator<Phase> {
  if (list.length === 0 || list.every((p) => p.ns === 0)) throw new RangeError('a phase cycle needs at least one non-empty phase');
  return function* () {
    for (;;) yield* list;
  };
}

/** A fixed list of phases, then `rest` forever. */
export function followedBy(list: readonly Phase[], rest: () => Iterator<Phase>): () => Iterator<Phase> {
  return function* () {
    yield* list;
    const it = rest();
    for (;;) {
      const r = it.next();
      if (r.done) return;
      yield r.value;
    }
  };
}

/* ---- seeded randomness (no Math.random anywhere in the simulator) -------------------------- */

/** mulberry32: a small 32-bit PRNG; deterministic for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-task seed from the run's seed, so adding a task does not reshuffle the others. */
export function taskSeed(seed: number, index: number): number {
  let z = (seed * 0x9e3779b1 + index * 0x85ebca6b + 0x27d4eb2f) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Exponential with the given mean, clamped to [lo, hi], rounded to whole ns. */
function expClamped(r: () => number, mean: number, lo: number, hi: number): number {
  const x = -mean * Math.log(1 - r());
  return Math.round(Math.min(hi, Math.max(lo, x)));
}

export interface MixedOptions {
  cpus: number;
  seed: number;
  /** Interactive tasks per CPU (default 3). */
  interactivePerCpu?: number;
  /** Batch hogs per CPU (default 2). */
  batchPerCpu?: number;
}

/** Interactive: bursts of mean 0.5 ms (50 µs..5 ms), sleeps of mean 8 ms (0.5..50 ms); starts asleep. */
export const MIXED_INTERACTIVE = { burstMeanNs: 500_000, burstMinNs: 50_000, burstMaxNs: 5_000_000, sleepMeanNs: 8_000_000, sleepMinNs: 500_000, sleepMaxNs: 50_000_000 };

function* interactivePhases(seed: number): Iterator<Phase> {
  const r = rng(seed);
  const m = MIXED_INTERACTIVE;
  for (;;) {
    yield { kind: 'sleep', ns: expClamped(r, m.sleepMeanNs, m.sleepMinNs, m.sleepMaxNs) };
    yield { kind: 'run', ns: expClamped(r, m.burstMeanNs, m.burstMinNs, m.burstMaxNs) };
  }
}

/** The synthetic mixed workload: interactive tasks (short bursts, sleeps, wakeups) next to CPU hogs, all nice 0. */
export function mixedWorkload(o: MixedOptions): Workload {
  const ni = (o.interactivePerCpu ?? 3) * o.cpus;
  const nb = (o.batchPerCpu ?? 2) * o.cpus;
  const tasks: TaskTemplate[] = [];
  for (let i = 0; i < nb; i++) tasks.push({ name: `batch${i}`, cls: 'batch', nice: 0, phases: hog });
  for (let i = 0; i < ni; i++) {
    const seed = taskSeed(o.seed, i);
    tasks.push({ name: `inter${i}`, cls: 'interactive', nice: 0, phases: () => interactivePhases(seed) });
  }
  return { name: `mixed (seed ${o.seed}: ${ni} interactive, ${nb} batch)`, tasks };
}
