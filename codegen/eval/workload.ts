/**
 * Workloads: tasks described by what they would do on an idle machine — run for so much CPU time,
 * sleep, wait for a message, send one — again and again. The simulator decides when they actually
 * run. Every generator here is seeded (no Math.random), so a workload is a pure function of its
 * options and seed.
 */

import type { SchedPolicy } from './cfs.js';

export type TaskClass = 'interactive' | 'batch';

/**
 * One step of a task's behaviour:
 *
 * - `run`: CPU work to do (ns of useful CPU time). With `request`, finishing it completes the
 *   request that began when the task took its last message (schbench's request latency).
 * - `sleep`: block on a relative timer (nanosleep).
 * - `period`: block until the next multiple of `ns` on the simulated clock (an absolute periodic
 *   timer, clock_nanosleep(TIMER_ABSTIME) as cyclictest uses it).
 * - `until`: block until the absolute time `ns` (clock_nanosleep(TIMER_ABSTIME)); no block if it
 *   has passed. An open-loop load generator: its arrivals do not drift when it runs late.
 * - `wait`: take a message from `channel`; block until one is posted if it is empty (a pipe read, a
 *   futex wait).
 * - `post`: put a message on `channel`, waking its oldest waiter (a pipe write, a futex wake);
 *   `sync` is the WF_SYNC hint pipe writes give (the waker is about to sleep).
 * - `exit`: the task ends.
 */
export type Phase = { kind: 'run'; ns: number; request?: boolean } | { kind: 'sleep'; ns: number } | { kind: 'period'; ns: number } | { kind: 'until'; ns: number } | { kind: 'wait'; channel: string } | { kind: 'post'; channel: string; sync?: boolean } | { kind: 'exit' };

export interface TaskTemplate {
  name: string;
  cls: TaskClass;
  nice: number;
  /** SCHED_NORMAL when absent. */
  policy?: SchedPolicy;
  /** Initial CPU (the simulator assigns task index % cpus when absent). */
  cpu?: number;
  /** Tasks of one group finish together: the group's completion time is its last task's exit (hackbench). */
  group?: string;
  /** A fresh, endless (or `exit`-terminated) phase sequence; called once per simulation run. */
  phases(): Iterator<Phase>;
}

/** Where a workload came from: a generator and its seed, or a time window of a recorded trace. */
export type WorkloadOrigin = { kind: 'synthetic'; generator: string; seed: number } | { kind: 'trace'; file: string; sha256: string; window: TraceWindow };

/** A share of a trace's time span, [from, to) with 0 ≤ from < to ≤ 1. */
export interface TraceWindow {
  from: number;
  to: number;
}

export interface Workload {
  name: string;
  /** The generator (mixed, schbench, hackbench, cyclictest) or `trace`. */
  kind: string;
  origin?: WorkloadOrigin;
  tasks: TaskTemplate[];
}

/** Endless CPU hog: one run phase that never ends. */
export function* hog(): Iterator<Phase> {
  yield { kind: 'run', ns: Infinity };
}

/** A fixed list of phases, repeated forever. */
export function cycle(list: readonly Phase[]): () => Iterator<Phase> {
  if (list.length === 0 || list.every((p) => !('ns' in p) || p.ns === 0)) throw new RangeError('a phase cycle needs at least one non-empty timed phase');
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

/** Uniform in [lo, hi], whole ns. */
function uniform(r: () => number, lo: number, hi: number): number {
  return Math.round(lo + (hi - lo) * r());
}

/** Options every synthetic workload takes. */
export interface SyntheticOptions {
  cpus: number;
  seed: number;
  /** Batch hogs per CPU (the batch class: endless CPU work, nice 0, SCHED_NORMAL). */
  batchPerCpu?: number;
}

function hogs(n: number): TaskTemplate[] {
  return Array.from({ length: n }, (_, i) => ({ name: `batch${i}`, cls: 'batch' as const, nice: 0, phases: hog }));
}

/* ---- mixed ------------------------------------------------------------------------------- */

export interface MixedOptions extends SyntheticOptions {
  /** Interactive tasks per CPU (default 3). */
  interactivePerCpu?: number;
}

/** Interactive: bursts of mean 0.5 ms (50 µs..5 ms), sleeps of mean 8 ms (0.5..50 ms); starts asleep. */
export const MIXED_INTERACTIVE = { burstMeanNs: 500_000, burstMinNs: 50_000, burstMaxNs: 5_000_000, sleepMeanNs: 8_000_000, sleepMinNs: 500_000, sleepMaxNs: 50_000_000 };

/** A sleeper's draws: sleep, then burst, each exponential with its mean and clamped; starts asleep. */
interface SleeperDraws {
  sleepMeanNs: number;
  sleepMinNs: number;
  sleepMaxNs: number;
  burstMeanNs: number;
  burstMinNs: number;
  burstMaxNs: number;
}

function* sleeperPhases(seed: number, d: SleeperDraws): Iterator<Phase> {
  const r = rng(seed);
  for (;;) {
    yield { kind: 'sleep', ns: expClamped(r, d.sleepMeanNs, d.sleepMinNs, d.sleepMaxNs) };
    yield { kind: 'run', ns: expClamped(r, d.burstMeanNs, d.burstMinNs, d.burstMaxNs) };
  }
}

/**
 * mixed's shape: `interactivePerCpu` sleepers per CPU, task i drawing with the per-task seed of
 * (seed, i) and `drawsOf(i)`, next to `batchPerCpu` hogs per CPU.
 */
function sleepersAndHogs(o: MixedOptions, generator: string, describe: string, drawsOf: (i: number) => SleeperDraws): Workload {
  const ni = (o.interactivePerCpu ?? MIXED_SHAPE.interactivePerCpu) * o.cpus;
  const nb = (o.batchPerCpu ?? MIXED_SHAPE.batchPerCpu) * o.cpus;
  const tasks: TaskTemplate[] = hogs(nb);
  for (let i = 0; i < ni; i++) {
    const seed = taskSeed(o.seed, i);
    const draws = drawsOf(i);
    tasks.push({ name: `inter${i}`, cls: 'interactive', nice: 0, phases: () => sleeperPhases(seed, draws) });
  }
  return { name: `${generator} (seed ${o.seed}: ${ni} ${describe}, ${nb} batch)`, kind: generator, origin: { kind: 'synthetic', generator, seed: o.seed }, tasks };
}

/** The mixed workload's default task counts per CPU (the guest's simmix runs the same, docs/EVAL.md). */
export const MIXED_SHAPE = { interactivePerCpu: 3, batchPerCpu: 2 };

/** The synthetic mixed workload: interactive tasks (short bursts, timer sleeps) next to CPU hogs, all nice 0. */
export function mixedWorkload(o: MixedOptions): Workload {
  return sleepersAndHogs(o, 'mixed', 'interactive', () => MIXED_INTERACTIVE);
}

/* ---- hetero: interactive tasks that differ from each other ------------------------------- */

/**
 * Each interactive task has its own burst scale, drawn once per task log-uniformly from
 * [burstScaleMinNs, burstScaleMaxNs]; its bursts are exponential around that scale and its sleeps
 * around `sleepPerBurst` times it, so every task keeps mixed's duty cycle (1/17) and the offered
 * load is mixed's. Unlike mixed, whose interactive tasks are statistically identical (nothing in
 * one's past tells its next burst from another's), a task's history here says how long it tends
 * to run: the case a learned policy is for.
 */
export const HETERO_INTERACTIVE = { burstScaleMinNs: 100_000, burstScaleMaxNs: 3_000_000, burstMinNs: 20_000, burstMaxNs: 10_000_000, sleepPerBurst: 16, sleepMinNs: 500_000, sleepMaxNs: 100_000_000 };

/** A task's burst scale: log-uniform in the generator's range, from its own seed. */
function heteroBurstScaleNs(taskSeedValue: number): number {
  const h = HETERO_INTERACTIVE;
  const u = rng(taskSeedValue)();
  return Math.exp(Math.log(h.burstScaleMinNs) + (Math.log(h.burstScaleMaxNs) - Math.log(h.burstScaleMinNs)) * u);
}

/** The burst scales of a hetero workload's `interactive` tasks for a seed, in task order. */
export function heteroBurstScalesNs(seed: number, interactive: number): number[] {
  return Array.from({ length: interactive }, (_, i) => heteroBurstScaleNs(taskSeed(seed, 100 + i)));
}

/** mixed's shape (3 interactive and 2 batch tasks per CPU), with interactive tasks of different burst scales. */
export function heteroWorkload(o: MixedOptions): Workload {
  const h = HETERO_INTERACTIVE;
  return sleepersAndHogs(o, 'hetero', 'interactive of different burst scales', (i) => {
    const scale = heteroBurstScaleNs(taskSeed(o.seed, 100 + i));
    return { sleepMeanNs: scale * h.sleepPerBurst, sleepMinNs: h.sleepMinNs, sleepMaxNs: h.sleepMaxNs, burstMeanNs: scale, burstMinNs: h.burstMinNs, burstMaxNs: h.burstMaxNs };
  });
}

/* ---- schbench-like ------------------------------------------------------------------------- */

/**
 * schbench-like: message threads that wake their worker threads with requests, workers that take
 * a request, compute, and wait for the next. Each message thread wakes at exponentially spaced
 * absolute times (open loop: a late message thread catches up, so the scheduler cannot lower the
 * offered load), then posts one request to each of its workers (futex wakeups, no WF_SYNC),
 * spending `dispatchNs` of CPU per post. A worker's request latency runs from the request's
 * intended arrival (the message thread's scheduled wakeup, not when it got to post: no coordinated
 * omission) to the end of its computation; a request posted while the worker is busy waits for it.
 */
const SCHBENCH = {
  messagePerCpu: 1,
  workersPerMessage: 4,
  periodMeanNs: 6_000_000,
  periodMinNs: 1_000_000,
  periodMaxNs: 30_000_000,
  dispatchNs: 2_000,
  workMeanNs: 300_000,
  workMinNs: 50_000,
  workMaxNs: 3_000_000,
};

function* messagePhases(seed: number, workers: readonly string[]): Iterator<Phase> {
  const r = rng(seed);
  const s = SCHBENCH;
  let at = 0;
  for (;;) {
    at += expClamped(r, s.periodMeanNs, s.periodMinNs, s.periodMaxNs);
    yield { kind: 'until', ns: at };
    for (const w of workers) {
      yield { kind: 'run', ns: s.dispatchNs };
      yield { kind: 'post', channel: w };
    }
  }
}

function* workerPhases(seed: number, channel: string): Iterator<Phase> {
  const r = rng(seed);
  const s = SCHBENCH;
  for (;;) {
    yield { kind: 'wait', channel };
    yield { kind: 'run', ns: expClamped(r, s.workMeanNs, s.workMinNs, s.workMaxNs), request: true };
  }
}

export function schbenchWorkload(o: SyntheticOptions): Workload {
  const s = SCHBENCH;
  const nm = s.messagePerCpu * o.cpus;
  const nb = (o.batchPerCpu ?? 1) * o.cpus;
  const tasks: TaskTemplate[] = hogs(nb);
  let k = 0;
  for (let m = 0; m < nm; m++) {
    const workers = Array.from({ length: s.workersPerMessage }, (_, w) => `m${m}.w${w}`);
    const mseed = taskSeed(o.seed, k++);
    tasks.push({ name: `msg${m}`, cls: 'interactive', nice: 0, phases: () => messagePhases(mseed, workers) });
    for (const w of workers) {
      const wseed = taskSeed(o.seed, k++);
      tasks.push({ name: `worker${w.slice(1)}`, cls: 'interactive', nice: 0, phases: () => workerPhases(wseed, w) });
    }
  }
  return { name: `schbench (seed ${o.seed}: ${nm} message x ${s.workersPerMessage} workers, ${nb} batch)`, kind: 'schbench', origin: { kind: 'synthetic', generator: 'schbench', seed: o.seed }, tasks };
}

/* ---- hackbench-like ------------------------------------------------------------------------ */

/**
 * hackbench-like (pipe mode): groups of senders and receivers. Every sender writes `loops` messages
 * to every receiver of its group (a pipe write: CPU, then a WF_SYNC wakeup of the reader); every
 * receiver reads senders × loops messages (a pipe read: block when empty, CPU per message), then
 * all exit. The pipes never fill (hackbench's default 100 bytes × loops stay below 64 KiB), so a
 * write never blocks. Completion time: the last task's exit.
 */
const HACKBENCH = { groups: 2, fds: 4, loops: 150, writeMinNs: 1_500, writeMaxNs: 4_000, readMinNs: 1_500, readMaxNs: 4_000 };

function* senderPhases(seed: number, receivers: readonly string[]): Iterator<Phase> {
  const r = rng(seed);
  const h = HACKBENCH;
  for (let l = 0; l < h.loops; l++) {
    for (const ch of receivers) {
      yield { kind: 'run', ns: uniform(r, h.writeMinNs, h.writeMaxNs) };
      yield { kind: 'post', channel: ch, sync: true };
    }
  }
  yield { kind: 'exit' };
}

function* receiverPhases(seed: number, channel: string, messages: number): Iterator<Phase> {
  const r = rng(seed);
  const h = HACKBENCH;
  for (let k = 0; k < messages; k++) {
    yield { kind: 'wait', channel };
    yield { kind: 'run', ns: uniform(r, h.readMinNs, h.readMaxNs) };
  }
  yield { kind: 'exit' };
}

function hackbenchWorkload(o: SyntheticOptions): Workload {
  const h = HACKBENCH;
  const groups = h.groups * o.cpus;
  const nb = (o.batchPerCpu ?? 1) * o.cpus;
  const tasks: TaskTemplate[] = hogs(nb);
  let k = 0;
  for (let g = 0; g < groups; g++) {
    const receivers = Array.from({ length: h.fds }, (_, i) => `g${g}.r${i}`);
    for (let i = 0; i < h.fds; i++) {
      const seed = taskSeed(o.seed, k++);
      tasks.push({ name: `g${g}.send${i}`, cls: 'interactive', nice: 0, group: 'hackbench', phases: () => senderPhases(seed, receivers) });
    }
    for (const ch of receivers) {
      const seed = taskSeed(o.seed, k++);
      tasks.push({ name: `${ch}`, cls: 'interactive', nice: 0, group: 'hackbench', phases: () => receiverPhases(seed, ch, h.fds * h.loops) });
    }
  }
  return { name: `hackbench (seed ${o.seed}: ${groups} groups x ${h.fds}+${h.fds} tasks, ${h.loops} loops, ${nb} batch)`, kind: 'hackbench', origin: { kind: 'synthetic', generator: 'hackbench', seed: o.seed }, tasks };
}

/* ---- cyclictest-like ----------------------------------------------------------------------- */

/**
 * cyclictest-like timer jitter under batch load: one measuring thread per CPU, thread i with the
 * absolute period 1000 + 500·i µs (cyclictest -t -i 1000 -d 500), each doing a few µs of work per
 * wakeup; its wakeup latency is the jitter. The threads are SCHED_NORMAL (cyclictest without -p),
 * so this measures CFS, not the RT class.
 */
const CYCLICTEST = { intervalNs: 1_000_000, distanceNs: 500_000, workMinNs: 3_000, workMaxNs: 12_000 };

function* cyclicPhases(seed: number, period: number): Iterator<Phase> {
  const r = rng(seed);
  for (;;) {
    yield { kind: 'period', ns: period };
    yield { kind: 'run', ns: uniform(r, CYCLICTEST.workMinNs, CYCLICTEST.workMaxNs) };
  }
}

function cyclictestWorkload(o: SyntheticOptions): Workload {
  const c = CYCLICTEST;
  const nb = (o.batchPerCpu ?? 2) * o.cpus;
  const tasks: TaskTemplate[] = hogs(nb);
  for (let i = 0; i < o.cpus; i++) {
    const seed = taskSeed(o.seed, i);
    const period = c.intervalNs + i * c.distanceNs;
    tasks.push({ name: `cyclic${i}`, cls: 'interactive', nice: 0, phases: () => cyclicPhases(seed, period) });
  }
  return { name: `cyclictest (seed ${o.seed}: ${o.cpus} timer threads, ${nb} batch)`, kind: 'cyclictest', origin: { kind: 'synthetic', generator: 'cyclictest', seed: o.seed }, tasks };
}

/* ---- the registry --------------------------------------------------------------------------- */

export const SYNTHETIC_WORKLOADS: Readonly<Record<string, (o: SyntheticOptions) => Workload>> = {
  mixed: mixedWorkload,
  hetero: heteroWorkload,
  schbench: schbenchWorkload,
  hackbench: hackbenchWorkload,
  cyclictest: cyclictestWorkload,
};

/** The workload with every batch-class task's nice, or scheduling policy, changed (the static baselines). */
export function withBatchClass(w: Workload, change: { nice?: (nice: number) => number; policy?: SchedPolicy }, label: string): Workload {
  return {
    ...w,
    name: `${w.name}, batch ${label}`,
    tasks: w.tasks.map((t) => (t.cls !== 'batch' ? t : { ...t, nice: change.nice ? change.nice(t.nice) : t.nice, policy: change.policy ?? t.policy })),
  };
}
