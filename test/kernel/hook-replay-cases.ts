/**
 * Hand-written recordings for the hook's differential replay (hook-replay.test.ts): the edges the
 * simulator rarely or never reaches. Each is written for any policy (its TTL, stall timeout,
 * slots and actions) and says which counters it must move, so a case that stopped exercising its
 * edge fails instead of passing quietly.
 */

import type { CompiledPolicy } from '../../codegen/compiled.js';
import type { SchedPolicy } from '../../codegen/eval/cfs.js';
import type { NshCounters } from '../../codegen/eval/hook.js';
import { hookAdjustment } from '../../codegen/spec/limits.js';
import { REPLAY_SOURCES, type Recording, type ReplayEvent, type TaskSnapshot } from './hook-replay.js';

const T0 = 1_000_000_000;
/** Doorbell → answer in host memory. */
const LATENCY = 5_000;
const LATENCY_NS = 6_000_000;

/** A task's fields as the hooks read them. */
interface ScriptTask {
  id: number;
  policy: SchedPolicy;
  vruntime: number;
  nice: number;
  runDelay: bigint;
  sumExec: number;
  /** sum_exec_runtime when the task was last picked (the stint is the difference). */
  prevSumExec: number;
  nvcsw: bigint;
  nivcsw: bigint;
  util: bigint;
  migrations: bigint;
  wakeeFlips: bigint;
}

/** Writes a recording event by event, with the irq_work right after each hook as the module queues it. */
class Script {
  readonly events: ReplayEvent[] = [];
  private nextTask = 0;

  constructor(
    private readonly policy: CompiledPolicy,
    readonly cpus: number,
  ) {}

  task(fields: Partial<Omit<ScriptTask, 'id'>> = {}): ScriptTask {
    const id = this.nextTask++;
    return {
      id,
      policy: 'normal',
      vruntime: T0,
      nice: 0,
      runDelay: BigInt(100_000 * (id + 1)),
      sumExec: 1_000_000 * (id + 1),
      prevSumExec: 800_000 * (id + 1),
      nvcsw: BigInt(3 * id),
      nivcsw: 1n,
      util: BigInt((id * 97) % 1024),
      migrations: 0n,
      wakeeFlips: BigInt(id % 5),
      ...fields,
    };
  }

  private snapshot(p: ScriptTask): TaskSnapshot {
    const raw = new Map<string, bigint>([
      ['wait_ns_log2', p.runDelay],
      ['exec_ns_log2', BigInt(p.sumExec)],
      ['nvcsw_delta', p.nvcsw],
      ['nivcsw_delta', p.nivcsw],
      ['util_avg', p.util],
      ['nr_migrations_delta', p.migrations],
      ['nice', BigInt(p.nice)],
      ['wakee_flips', p.wakeeFlips],
      ['stint_ns_log2', BigInt(p.sumExec - p.prevSumExec)],
    ]);
    if (REPLAY_SOURCES.some((s) => !raw.has(s))) throw new Error('the catalogue has a source the cases do not set');
    return { policy: p.policy, vruntime: p.vruntime, raw };
  }

  /** enqueue_entity() of a waking task on `rqCpu` from `cpu` (default: the same), min_vruntime `minVruntime`. */
  wakeup(t: number, cpu: number, p: ScriptTask, o: { rqCpu?: number; minVruntime?: number; irq?: boolean } = {}): this {
    this.events.push({ kind: 'wakeup', t, cpu, rqCpu: o.rqCpu ?? cpu, task: p.id, minVruntime: o.minVruntime ?? T0, snap: this.snapshot(p) });
    if (o.irq ?? true) this.irq(t, cpu);
    return this;
  }

  /** task_tick_fair() with `p` running on `cpu`, after it ran `ranNs` more. */
  tick(t: number, cpu: number, p: ScriptTask, ranNs = 0): this {
    p.sumExec += ranNs;
    p.vruntime += ranNs;
    this.events.push({ kind: 'tick', t, cpu, task: p.id, snap: this.snapshot(p) });
    return this.irq(t, cpu);
  }

  irq(t: number, cpu: number): this {
    this.events.push({ kind: 'irq', t, cpu });
    return this;
  }

  land(t: number, slot: number, action: number | null = null): this {
    this.events.push({ kind: 'land', t, slot, action });
    return this;
  }

  word(t: number, slot: number, tag: number, action: number): this {
    this.events.push({ kind: 'word', t, slot, tag, action });
    return this;
  }

  migrate(t: number, p: ScriptTask): this {
    p.migrations++;
    this.events.push({ kind: 'migrate', t, task: p.id, sumExec: p.sumExec });
    return this;
  }

  reload(t: number, phase: 'begin' | 'end'): this {
    this.events.push({ kind: 'reload', t, phase });
    return this;
  }

  gone(t: number): this {
    this.events.push({ kind: 'gone', t });
    return this;
  }

  arm(t: number): this {
    this.events.push({ kind: 'arm', t });
    return this;
  }

  /** The slot a CPU submits on: its own while slots last, then the default mapping (cpu % slots). */
  slotOf(cpu: number): number {
    return cpu % this.policy.ir.target.slots;
  }

  /** A request for `p` from a wakeup on `cpu`, answered `action` after the card's latency. */
  ask(t: number, cpu: number, p: ScriptTask, action: number | null): this {
    return this.wakeup(t, cpu, p).land(t + LATENCY, this.slotOf(cpu), action);
  }

  /** ask(), then the task's next wakeup installs the answer. */
  install(t: number, cpu: number, p: ScriptTask, action: number): this {
    return this.ask(t, cpu, p, action).wakeup(t + 2 * LATENCY, cpu, p);
  }

  recording(): Recording {
    const times = this.events.map((e) => e.t);
    if (times.some((t, i) => i > 0 && t < times[i - 1]!)) throw new Error('a hand-written recording goes back in time');
    return { header: { policyHash32: this.policy.hash.slice(0, 8), cpus: this.cpus, latencyNs: LATENCY_NS }, events: this.events };
  }
}

export interface ReplayCase {
  name: string;
  recording: Recording;
  /** Counters (summed over CPUs) the case must move: at least this much. */
  moves: Partial<NshCounters>;
  /** The hook's state at the end: armed or the reason it stopped. */
  end: string;
}

interface PolicyFacts {
  policy: CompiledPolicy;
  ttl: number;
  stall: number;
  slots: number;
  /** The strongest boost (most negative nice) and demotion (most positive; keep when none). */
  boost: number;
  demote: number;
  /** An action beyond the nice limit, or null. */
  beyond: number | null;
  tickRequests: boolean;
}

function facts(policy: CompiledPolicy): PolicyFacts {
  const ir = policy.ir;
  const nices = ir.actions.map((a) => a.nice);
  const argBy = (better: (a: number, b: number) => boolean) => nices.reduce((best, n, i) => (better(n, nices[best]!) ? i : best), 0);
  const beyond = nices.findIndex((n) => hookAdjustment(n) !== n);
  return {
    policy,
    ttl: ir.hook.decision_ttl_ms * 1_000_000,
    stall: ir.hook.stall_timeout_ms * 1_000_000,
    slots: ir.target.slots,
    boost: argBy((a, b) => a < b),
    demote: argBy((a, b) => a > b),
    beyond: beyond >= 0 ? beyond : null,
    tickRequests: ir.hook.points.includes('tick'),
  };
}

/** TTL: an answer taken 1 ns before the TTL, one picked up at it (expired); a decision at its expiry; the half-TTL refresh rule. */
function ttlBoundaries(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, b, c, h] = [s.task(), s.task(), s.task(), s.task()];
  s.ask(T0, 1, a, f.boost);
  s.wakeup(T0 + f.ttl - 1, 1, a); // harvested and installed 1 ns before the TTL; applies; half its TTL gone: asks again
  s.land(T0 + f.ttl - 1, 1, 0);
  s.tick(T0 + f.ttl, 1, a, 1_000_000); // the decision expires now: no correction; the new one is installed
  const t1 = T0 + 2 * f.ttl;
  s.install(t1 - 100_000, 1, h, f.boost); // h holds a young decision: its hooks ask nothing
  s.ask(t1, 1, b, f.boost);
  s.wakeup(t1 + 10_000, 1, h); // harvests b's answer into done[]
  s.wakeup(t1 + f.ttl, 1, b); // b picks it up at exactly the TTL: expired; asks again
  s.land(t1 + f.ttl, 1, f.boost);
  s.wakeup(t1 + f.ttl + 1, 1, b);
  const t2 = t1 + 3 * f.ttl;
  s.install(t2, 1, c, f.boost); // expires at t2 + ttl
  s.wakeup(t2 + f.ttl / 2 - 1, 1, c); // more than half the TTL left: no request
  s.wakeup(t2 + f.ttl / 2, 1, c); // exactly half: a request
  s.land(t2 + f.ttl / 2, 1, 0);
  s.wakeup(t2 + f.ttl / 2 + 1, 1, c);
  return { name: 'TTL boundaries', recording: s.recording(), moves: { installed: 6, expired: 1, applied_wakeup: 4 }, end: 'armed' };
}

/** Stale answers: harvested 1 ns before the TTL (kept, but its task comes at the TTL: expired), harvested at the TTL (dropped). */
function staleAnswers(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [p, a, b] = [s.task(), s.task(), s.task()];
  s.wakeup(T0, 0, p); // p's request on CPU 0, never answered (CPU 0 hooks no more): p asks nothing for a TTL
  s.ask(T0, 1, a, f.boost);
  s.tick(T0 + f.ttl - 1, 1, p, 1_000_000); // harvests a's answer 1 ns before the TTL: kept
  s.wakeup(T0 + f.ttl, 1, a); // a comes at the TTL: expired; asks again
  s.land(T0 + f.ttl, 1, f.boost);
  s.wakeup(T0 + f.ttl + 1, 1, a);
  const t1 = T0 + 2 * f.ttl;
  s.ask(t1, 1, b, f.boost);
  s.wakeup(t1 + f.ttl, 1, b); // harvested at the TTL: stale, dropped; b's request lost; asks again
  s.land(t1 + f.ttl, 1, f.boost);
  s.wakeup(t1 + f.ttl + 1, 1, b);
  return { name: 'stale answers', recording: s.recording(), moves: { dropped_stale: 1, expired: 1, lost: 1, installed: 2 }, end: 'armed' };
}

/** Words the driver never publishes: another tag on an owned slot (dropped), then ours; actions out of range. */
function wrongTagsAndRanges(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, b, c] = [s.task(), s.task(), s.task()];
  s.wakeup(T0, 1, a);
  s.word(T0 + 1_000, 1, 0x7abc, f.boost); // a late answer to some older request
  s.wakeup(T0 + 2_000, 1, a); // dropped: wrong tag; a still waits
  s.land(T0 + 3_000, 1, f.boost); // then ours
  s.wakeup(T0 + 4_000, 1, a); // installed
  s.ask(T0 + 10_000, 1, b, 255); // action 255: no such action
  s.wakeup(T0 + 20_000, 1, b);
  s.ask(T0 + 30_000, 1, c, f.policy.ir.actions.length); // the first index past the table
  s.wakeup(T0 + 40_000, 1, c);
  return { name: 'wrong tags and out-of-range actions', recording: s.recording(), moves: { dropped_wrong_tag: 1, dropped_out_of_range: 2, installed: 1 }, end: 'armed' };
}

/** Shared slots: a foreign answer seen once (ours still to come), a miss (ours came and went), a refused submit retried. */
function sharedSlots(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2 * f.slots);
  const mate = f.slots; // CPU 0 and CPU `slots` share slot 0 (ranks 0 and 1)
  const [a, b, c, d, e] = [s.task(), s.task(), s.task(), s.task(), s.task()];
  s.wakeup(T0, 0, a);
  s.word(T0 + 1_000, 0, 0x8123, 0); // an answer with the mate's tags before ours
  s.wakeup(T0 + 2_000, 0, a); // foreign, still waiting
  s.land(T0 + 3_000, 0, f.boost);
  s.wakeup(T0 + 4_000, 0, a); // ours: installed
  s.ask(T0 + 10_000, 0, b, f.boost);
  s.ask(T0 + 20_000, mate, c, f.boost); // the mate's answer replaces CPU 0's before CPU 0 looks
  s.wakeup(T0 + 30_000, 0, b); // CPU 0: foreign, two answers on: missed
  s.wakeup(T0 + 40_000, mate, c); // the mate's own: installed
  s.wakeup(T0 + 40_000 + f.ttl, 0, b); // b's answer never reached done[]: lost; asks again
  s.land(T0 + 40_000 + f.ttl, 0, 0);
  const t1 = T0 + 3 * f.ttl;
  s.wakeup(t1, 0, d); // CPU 0's request in flight
  s.wakeup(t1 + 1_000, mate, e); // the mate's submit is refused: it waits
  s.land(t1 + 2_000, 0, 0);
  s.wakeup(t1 + 3_000, 0, d); // installed
  s.wakeup(t1 + f.stall - 1, mate, e); // a hook just inside the stall timeout retries: submitted
  s.land(t1 + f.stall, 0, f.boost);
  s.wakeup(t1 + f.stall + 1_000, mate, e); // installed
  return { name: 'shared slots: foreign answers, misses, refused submits', recording: s.recording(), moves: { foreign: 2, missed: 1, lost: 1, submit_busy: 1, installed: 4 }, end: 'armed' };
}

/** Stall: an unanswered request 1 ns before (armed) and at the stall timeout (stopped); nothing applies after; re-armed. */
function stallOwned(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, b, q] = [s.task(), s.task(), s.task()];
  s.install(T0, 1, a, f.boost); // a holds a decision
  const t1 = T0 + 100_000;
  s.wakeup(t1, 1, b); // never answered
  s.tick(t1 + f.stall - 1, 1, q, 1_000_000);
  s.tick(t1 + f.stall, 1, q, 1_000_000); // stopped: stall
  s.wakeup(t1 + f.stall + 1_000, 1, a); // stock CFS: no adjustment, no request
  s.tick(t1 + f.stall + 2_000, 0, a, 1_000_000);
  s.arm(t1 + f.stall + 3_000);
  s.wakeup(t1 + f.stall + 4_000, 1, b); // the slot still holds b's old request: refused, waits
  s.land(t1 + f.stall + 5_000, 1, f.boost); // the old answer: nobody's
  s.wakeup(t1 + f.stall + 6_000, 1, b); // retried
  s.land(t1 + f.stall + 6_000, 1, f.boost);
  s.wakeup(t1 + f.stall + 20_000, 1, b);
  return { name: 'stall on an owned slot, then re-armed', recording: s.recording(), moves: { submit_busy: 1, installed: 2 }, end: 'armed' };
}

/** A shared slot wedged by another CPU's request: the waiting CPU stops the hook at the stall timeout of its wait. */
function stallShared(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2 * f.slots);
  const mate = f.slots;
  const [a, b, q] = [s.task(), s.task(), s.task()];
  s.wakeup(T0, 0, a); // never answered
  s.wakeup(T0 + 1_000, mate, b); // refused: waits from here
  s.wakeup(T0 + 1_000 + f.stall - 1, mate, b); // retried, refused again
  s.tick(T0 + 1_000 + f.stall, mate, q, 1_000_000); // stopped: stall
  s.tick(T0 + 2 * f.stall, 0, q, 1_000_000);
  return { name: 'stall on a shared slot (a refused submit)', recording: s.recording(), moves: { submit_busy: 2 }, end: 'stall' };
}

/**
 * A shared slot that answers is not wedged: the mate's submit is refused while CPU 0's request is
 * in flight, the slot answers it, and the mate's next hook comes a stall timeout after the
 * refusal (a tick apart, as with HZ=250 and a 4 ms timeout): it retries, it does not stop.
 */
function sharedSlotProgress(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2 * f.slots);
  const mate = f.slots;
  const [a, b, q] = [s.task(), s.task(), s.task()];
  s.wakeup(T0, 0, a); // CPU 0's request in flight
  s.wakeup(T0 + 1_000, mate, b); // refused: waits
  s.land(T0 + 2_000, 0, f.boost); // the slot answers CPU 0: one answer since the refusal
  s.tick(T0 + 1_000 + f.stall, mate, q, 1_000_000); // no stall: the staged request goes out
  s.land(T0 + 1_000 + f.stall + 1_000, 0, f.boost);
  s.wakeup(T0 + 1_000 + f.stall + 2_000, mate, b);
  return { name: 'shared slot that answers: a wait past the stall timeout is no stall', recording: s.recording(), moves: { submit_busy: 1, submitted: 2 }, end: 'armed' };
}

/** A weight reload: the next hook stops (reload), re-arming waits while it runs, then starts clean; an answer read across a reload is not used. */
function reload(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, b, q, c] = [s.task(), s.task(), s.task(), s.task()];
  s.install(T0, 1, a, f.boost); // a holds a decision
  s.ask(T0 + 20_000, 1, b, f.boost);
  s.wakeup(T0 + 30_000, 1, a); // b's answer waits in done[]
  s.reload(T0 + 40_000, 'begin');
  s.tick(T0 + 50_000, 1, q, 1_000_000); // stopped: reload
  s.arm(T0 + 60_000); // refused while the reload runs
  s.reload(T0 + 70_000, 'end');
  s.arm(T0 + 80_000); // a new registration
  s.wakeup(T0 + 90_000, 1, a); // nothing of the old registration applies: a asks afresh
  s.land(T0 + 95_000, 1, 0);
  s.wakeup(T0 + 100_000, 1, b); // nor is its pending answer installed: b asks afresh
  s.land(T0 + 105_000, 1, f.boost);
  s.wakeup(T0 + 200_000, 0, c); // a request in flight across a whole reload
  s.reload(T0 + 201_000, 'begin');
  s.reload(T0 + 202_000, 'end');
  s.land(T0 + 203_000, 0, f.boost);
  s.wakeup(T0 + 204_000, 0, c); // the answer is read, then refused: stopped (reload)
  s.arm(T0 + 205_000);
  s.ask(T0 + 206_000, 0, c, f.boost);
  s.wakeup(T0 + 220_000, 0, c);
  return { name: 'weight reloads and re-arming', recording: s.recording(), moves: { installed: 2, completed: 5 }, end: 'armed' };
}

/** The card removed: a hook stops (device) and re-arming is refused. */
function goneAtHook(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, q] = [s.task(), s.task()];
  s.install(T0, 1, a, f.boost);
  s.wakeup(T0 + 20_000, 1, q); // in flight when the card goes
  s.gone(T0 + 21_000);
  s.land(T0 + 25_000, 1, f.boost); // nothing: the driver's poller has stopped
  s.tick(T0 + 30_000, 1, a, 1_000_000); // stopped: device
  s.arm(T0 + 40_000); // refused: device
  s.wakeup(T0 + 50_000, 1, q);
  return { name: 'card removed, seen by a hook', recording: s.recording(), moves: { installed: 1 }, end: 'device' };
}

/** The card removed between a hook and its irq_work: the submit fails and stops the hook (device). */
function goneAtSubmit(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const a = s.task();
  s.wakeup(T0, 1, a, { irq: false });
  s.gone(T0 + 1);
  s.irq(T0 + 2, 1);
  return { name: 'card removed, seen by the submit', recording: s.recording(), moves: { staged: 1 }, end: 'device' };
}

/** The tick window: from an install at a wakeup, from the previous tick, from a migration, capped at the latency; nice at the ends of its range; SCHED_IDLE and SCHED_BATCH. */
function tickWindows(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const a = s.task({ nice: 3 });
  const strong = s.task({ nice: -20 });
  const weak = s.task({ nice: 19 });
  const batch = s.task({ policy: 'batch', nice: 5 });
  const idle = s.task({ policy: 'idle' });
  s.install(T0, 1, a, f.boost); // the window restarts at the install
  s.tick(T0 + 1_000_000, 1, a, 900_000);
  s.tick(T0 + 2_000_000, 1, a, 1_000_000); // from the previous tick
  s.tick(T0 + 3_000_000, 1, a, 300_000);
  s.migrate(T0 + 3_100_000, a); // what ran there is not this runqueue's
  s.tick(T0 + 4_000_000, 0, a, 600_000);
  s.tick(T0 + 5_000_000, 0, a, 3 * LATENCY_NS); // capped at the latency
  const extremes: [ScriptTask, number][] = [
    [strong, f.boost],
    [weak, f.demote],
    [batch, f.demote],
  ];
  extremes.forEach(([p, action], i) => {
    const t = T0 + 10_000_000 + i * 1_000_000;
    s.install(t, 1, p, action);
    s.tick(t + 500_000, 1, p, 400_000);
  });
  s.wakeup(T0 + 20_000_000, 1, idle); // SCHED_IDLE never reaches the provider
  s.tick(T0 + 20_100_000, 1, idle, 100_000);
  if (f.tickRequests) {
    const t = T0 + 30_000_000;
    const r = s.task();
    s.tick(t, 1, r, 1_000_000); // asks at the tick
    s.land(t + LATENCY, 1, f.boost);
    s.tick(t + 1_000_000, 1, r, 1_000_000); // installed at this tick: counts from here on
    s.tick(t + 2_000_000, 1, r, 1_000_000);
  }
  return { name: 'tick windows and nice bounds', recording: s.recording(), moves: { applied_tick: 6, installed: 4 }, end: 'armed' };
}

/** Wakeup placement at the edges of its envelope, for every action of the table (clamped where beyond the limit). */
function placementAndClamping(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const ir = f.policy.ir;
  let t = T0;
  for (let action = 0; action < ir.actions.length; action++) {
    const p = s.task();
    s.ask(t, 1, p, action);
    for (const [v, min] of [
      [T0, T0],
      [T0 - LATENCY_NS / 2, T0],
      [T0 - 2 * LATENCY_NS, T0],
      [T0 + LATENCY_NS, T0],
      [T0 + LATENCY_NS / 2 - 1, T0],
      [5, 3], // near 0: the kernel's u64 arithmetic around min_vruntime - latency
    ] as const) {
      t += 10_000;
      p.vruntime = v;
      s.wakeup(t, 1, p, { minVruntime: min });
    }
    t += 100_000;
  }
  return { name: 'placement envelope and every action', recording: s.recording(), moves: { installed: ir.actions.length, clamped: f.beyond === null ? 0 : 1 }, end: 'armed' };
}

/** Staging: a request replaced before its irq_work (overwritten, its task's request lost), done[] evicted by 64 newer answers, counters that wrap. */
function stagingAndEviction(f: PolicyFacts): ReplayCase {
  const s = new Script(f.policy, 2);
  const [a, b] = [s.task(), s.task()];
  s.wakeup(T0, 1, a, { irq: false });
  s.ask(T0 + 1_000, 1, b, f.boost); // replaces a's staged request
  s.wakeup(T0 + 20_000, 1, b);
  s.wakeup(T0 + 1_000 + f.ttl, 1, a); // a's answer never comes: lost at the TTL; asks again
  s.land(T0 + 1_000 + f.ttl, 1, 0);
  let t = T0 + 2 * f.ttl;
  const first = s.task({ nvcsw: (1n << 64n) - 3n, runDelay: (1n << 64n) - 1000n });
  s.ask(t, 1, first, f.boost);
  for (let i = 0; i < 64; i++) {
    t += 20_000;
    s.ask(t, 1, s.task(), f.boost);
  }
  first.nvcsw = 4n; // wrapped: a delta of 7
  first.runDelay = 5000n;
  s.ask(t + 20_000, 1, first, f.boost); // its done[] entry belongs to a newer request: lost; asks again
  s.wakeup(t + 40_000, 1, first);
  return { name: 'staging, done[] eviction, wrapping counters', recording: s.recording(), moves: { overwritten: 1, lost: 2, installed: 2 }, end: 'armed' };
}

export function replayCases(policy: CompiledPolicy): ReplayCase[] {
  const f = facts(policy);
  return [ttlBoundaries, staleAnswers, wrongTagsAndRanges, sharedSlots, sharedSlotProgress, stallOwned, stallShared, reload, goneAtHook, goneAtSubmit, tickWindows, placementAndClamping, stagingAndEviction].map((make) => make(f));
}
