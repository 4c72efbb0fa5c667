/**
 * A deterministic discrete-event simulator of Linux 6.1 CFS (no group scheduling), optionally
 * with the NIC decision hook of kernel-hook/ applied as the patched kernel applies it.
 * docs/EVAL.md documents the model, its assumptions and its limits.
 *
 * One cfs_rq per CPU. The functions below are named after the kernel functions they mirror
 * (update_curr, enqueue_entity, place_entity, check_preempt_wakeup, check_preempt_tick,
 * pick_next_entity, ...). Events at the same instant run in a fixed order: NIC answers, then
 * burst ends, then wakeups, then ticks; ties by insertion order.
 */

import {
  calcDeltaFair,
  cfsTunables,
  HZ,
  placeWakeup,
  schedSlice,
  TICK_NS,
  wakeupPreemptEntity,
  weightOf,
  wmultOf,
  type CfsTunables,
} from './cfs.js';
import {
  emptyDecision,
  emptyNshTask,
  HookModule,
  schedNicDecisionAdj,
  schedNicPlaceVruntime,
  schedNicTickVdelta,
  schedNicTickWindow,
  schedNicWindowRestart,
  type HookTask,
  type Infer,
  type NicDecision,
  type NshCounters,
  type NshTask,
} from './hook.js';
import type { Phase, TaskClass, Workload } from './workload.js';
import type { Ir } from '../ir/ir.js';

export interface PolicyHook {
  ir: Ir;
  infer: Infer;
  nicLatencyNs: number;
}

export interface SimOptions {
  cpus: number;
  durationNs: number;
  /** Absent: stock CFS (the baseline). */
  policy?: PolicyHook;
  /** Record every run segment (tests and plots). */
  recordSegments?: boolean;
  /** Called at each hook application (tests). */
  onAdjust?: (e: AdjustEvent) => void;
}

export interface AdjustEvent {
  point: 'wakeup' | 'tick';
  task: string;
  atNs: number;
  adj: number;
  vruntimeBefore: number;
  vruntimeAfter: number;
}

export interface Segment {
  cpu: number;
  task: string;
  startNs: number;
  endNs: number;
}

export interface TaskResult {
  name: string;
  cls: TaskClass;
  nice: number;
  cpuNs: number;
  wakeups: number;
  /** wakeup → first run, ns, one per wakeup that ran before the end. */
  wakeLatencyNs: number[];
  nvcsw: number;
  nivcsw: number;
  runDelayNs: number;
  nrMigrations: number;
}

export interface SimResult {
  cpus: number;
  durationNs: number;
  tunables: CfsTunables;
  tasks: TaskResult[];
  segments: Segment[];
  /** Hook counters (zero for the baseline). */
  hook: NshCounters | null;
  hookStopped: { reason: string; atNs: number } | null;
}

/* ---- state ---------------------------------------------------------------------------------- */

interface Task extends HookTask {
  idx: number;
  name: string;
  cls: TaskClass;
  nice: number;
  weight: number;
  cpu: number;
  phases: Iterator<Phase>;
  /** CPU time left in the current run phase. */
  remaining: number;
  // sched_entity
  vruntime: number;
  onRq: boolean;
  sumExec: number;
  prevSumExec: number;
  execStart: number;
  // sched_info and task_struct counters
  lastQueued: number | null;
  runDelay: number;
  nvcsw: number;
  nivcsw: number;
  nrMigrations: number;
  wakeeFlips: number;
  wakeeDecayJiffies: number;
  lastWakee: Task | null;
  // PELT-ish utilization
  util: number;
  utilStamp: number;
  running: boolean;
  // measurement
  wakeAt: number | null;
  wakeLatency: number[];
  wakeups: number;
  nic: NicDecision;
  nsh: NshTask;
}

interface Cpu {
  id: number;
  curr: Task | null;
  /** The rbtree, as an array sorted by vruntime; equal keys keep insertion order (rb_add_cached goes right). */
  tree: Task[];
  nrRunning: number;
  load: number;
  minVruntime: number;
  next: Task | null;
  last: Task | null;
  /** Bumped at every switch so a stale burst-end event is ignored. */
  gen: number;
  segStart: number;
}

type EventKind = 'answer' | 'burst-end' | 'wake' | 'tick';
const EVENT_ORDER: Record<EventKind, number> = { answer: 0, 'burst-end': 1, wake: 2, tick: 3 };

interface SimEvent {
  at: number;
  kind: EventKind;
  seq: number;
  cpu: number;
  task: Task | null;
  gen: number;
}

/** A binary min-heap on (at, kind order, seq). */
class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;

  push(e: Omit<SimEvent, 'seq'>): void {
    const ev = { ...e, seq: this.seq++ };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.at !== b.at) return a.at < b.at;
  const ka = EVENT_ORDER[a.kind];
  const kb = EVENT_ORDER[b.kind];
  if (ka !== kb) return ka < kb;
  return a.seq < b.seq;
}

/* ---- PELT-ish utilization ------------------------------------------------------------------- */

/** PELT's y: y^32 = 1/2 per 1024 µs period, so a half-life of 32.768 ms. */
const PELT_HALF_LIFE_NS = 32 * 1_024_000;

function utilAt(t: Task, now: number): number {
  const dt = now - t.utilStamp;
  if (dt <= 0) return t.util;
  const decay = Math.pow(0.5, dt / PELT_HALF_LIFE_NS);
  return t.util * decay + (t.running ? 1024 * (1 - decay) : 0);
}

function setRunning(t: Task, now: number, running: boolean): void {
  t.util = utilAt(t, now);
  t.utilStamp = now;
  t.running = running;
}

/* ---- the simulator -------------------------------------------------------------------------- */

export function simulate(workload: Workload, opts: SimOptions): SimResult {
  return new Simulator(workload, opts).run();
}

class Simulator {
  private readonly t: CfsTunables;
  private readonly tasks: Task[];
  private readonly cpus: Cpu[];
  private readonly q = new EventQueue();
  private readonly hook: HookModule | null;
  private readonly segments: Segment[] = [];
  private now = 0;

  constructor(
    workload: Workload,
    private readonly opts: SimOptions,
  ) {
    if (!Number.isInteger(opts.cpus) || opts.cpus < 1) throw new RangeError('cpus must be a positive integer');
    this.t = cfsTunables(opts.cpus);
    this.cpus = Array.from({ length: opts.cpus }, (_, id) => newCpu(id));
    this.tasks = workload.tasks.map((tpl, idx) => newTask(idx, tpl.name, tpl.cls, tpl.nice, (tpl.cpu ?? idx) % opts.cpus, tpl.phases()));
    this.hook = opts.policy ? this.makeHook(opts.policy) : null;
  }

  private makeHook(p: PolicyHook): HookModule {
    return new HookModule(p.ir, p.infer, (task) => rawCounters(task as Task, this.now), (at, slot) => this.q.push({ at, kind: 'answer', cpu: slot, task: null, gen: 0 }), {
      nicLatencyNs: p.nicLatencyNs,
      cpus: this.opts.cpus,
    });
  }

  run(): SimResult {
    this.start();
    for (let e = this.q.pop(); e && e.at < this.opts.durationNs; e = this.q.pop()) {
      this.now = e.at;
      this.dispatch(e);
    }
    this.finish();
    return this.result();
  }

  /** Every task exists at t=0 with vruntime 0; one whose first phase is a sleep starts asleep. */
  private start(): void {
    for (const task of this.tasks) {
      const first = this.nextPhase(task);
      if (first.kind === 'sleep') {
        this.q.push({ at: first.ns, kind: 'wake', cpu: task.cpu, task, gen: 0 });
        continue;
      }
      task.remaining = first.ns;
      const cpu = this.cpus[task.cpu]!;
      this.accountEnqueue(cpu, task);
      task.lastQueued = 0;
      this.treeInsert(cpu, task);
      task.onRq = true;
    }
    for (const cpu of this.cpus) {
      this.schedule(cpu, false);
      this.q.push({ at: TICK_NS, kind: 'tick', cpu: cpu.id, task: null, gen: 0 });
    }
  }

  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case 'answer':
        this.hook?.complete(e.cpu);
        return;
      case 'burst-end':
        if (this.cpus[e.cpu]!.gen === e.gen) this.burstEnd(this.cpus[e.cpu]!);
        return;
      case 'wake':
        this.tryToWakeUp(e.task!);
        return;
      case 'tick':
        this.q.push({ at: e.at + TICK_NS, kind: 'tick', cpu: e.cpu, task: null, gen: 0 });
        this.schedulerTick(this.cpus[e.cpu]!);
        return;
    }
  }

  private finish(): void {
    this.now = this.opts.durationNs;
    for (const cpu of this.cpus) {
      this.updateCurr(cpu);
      if (cpu.curr) this.closeSegment(cpu, cpu.curr);
    }
  }

  /* ---- phases ---- */

  /** The next phase, with consecutive phases of one kind merged and empty sleeps skipped. */
  private nextPhase(task: Task): Phase {
    const r = task.phases.next();
    if (r.done) return { kind: 'sleep', ns: Infinity };
    const p = r.value;
    if (!(p.ns >= 0) || (Number.isFinite(p.ns) && !Number.isInteger(p.ns))) throw new RangeError(`task ${task.name}: phase length ${p.ns} is not a whole number of ns`);
    return p;
  }

  private nextRun(task: Task): number {
    for (;;) {
      const p = this.nextPhase(task);
      if (p.kind === 'run' && p.ns > 0) return p.ns;
    }
  }

  /** CPU time to add to the current burst (0: the task blocks now), and the sleep if it blocks. */
  private afterBurst(task: Task): { moreRun: number; sleep: number } {
    for (;;) {
      const p = this.nextPhase(task);
      if (p.kind === 'run' && p.ns > 0) return { moreRun: p.ns, sleep: 0 };
      if (p.kind === 'sleep') return { moreRun: 0, sleep: p.ns };
    }
  }

  /* ---- update_curr / min_vruntime ---- */

  private updateCurr(cpu: Cpu): void {
    const curr = cpu.curr;
    if (!curr) return;
    const delta = this.now - curr.execStart;
    if (delta <= 0) return;
    curr.execStart = this.now;
    curr.sumExec += delta;
    curr.remaining -= delta;
    curr.vruntime += calcDeltaFair(delta, curr.nice);
    this.updateMinVruntime(cpu);
  }

  private updateMinVruntime(cpu: Cpu): void {
    const curr = cpu.curr && cpu.curr.onRq ? cpu.curr : null;
    let v = cpu.minVruntime;
    if (curr) v = curr.vruntime;
    const left = cpu.tree[0];
    if (left) v = curr ? Math.min(v, left.vruntime) : left.vruntime;
    cpu.minVruntime = Math.max(cpu.minVruntime, v);
  }

  /* ---- rbtree ---- */

  private treeInsert(cpu: Cpu, task: Task): void {
    const tree = cpu.tree;
    let i = tree.length;
    while (i > 0 && tree[i - 1]!.vruntime > task.vruntime) i--;
    tree.splice(i, 0, task);
  }

  private treeRemove(cpu: Cpu, task: Task): void {
    const i = cpu.tree.indexOf(task);
    if (i >= 0) cpu.tree.splice(i, 1);
  }

  private accountEnqueue(cpu: Cpu, task: Task): void {
    cpu.load += task.weight;
    cpu.nrRunning++;
  }

  private accountDequeue(cpu: Cpu, task: Task): void {
    cpu.load -= task.weight;
    cpu.nrRunning--;
  }

  private clearBuddies(cpu: Cpu, task: Task): void {
    if (cpu.next === task) cpu.next = null;
    if (cpu.last === task) cpu.last = null;
  }

  /* ---- wakeup ---- */

  private tryToWakeUp(task: Task): void {
    const from = this.cpus[task.cpu]!;
    if (from.curr) recordWakee(from.curr, task, this.now);
    const target = this.selectTaskRq(task);
    const migrated = target.id !== task.cpu;
    if (migrated) {
      task.vruntime -= from.minVruntime; // migrate_task_rq_fair() for a TASK_WAKING task
      if (this.hook) schedNicWindowRestart(task.nic, task.sumExec); // sched_nic_migrate()
      task.nrMigrations++;
      task.cpu = target.id;
    }
    task.remaining = this.nextRun(task);
    task.wakeAt = this.now;
    task.wakeups++;
    this.enqueueEntityWakeup(target, task, migrated);
    if (!target.curr) this.schedule(target, false);
    else this.checkPreemptWakeup(target, task);
  }

  /**
   * The one placement rule (documented): stay on the previous CPU if it is idle, else take the
   * lowest-numbered idle CPU, else stay. No periodic, idle or NUMA balancing.
   */
  private selectTaskRq(task: Task): Cpu {
    const prev = this.cpus[task.cpu]!;
    if (isIdle(prev)) return prev;
    return this.cpus.find(isIdle) ?? prev;
  }

  /** enqueue_entity(cfs_rq, se, ENQUEUE_WAKEUP [| ENQUEUE_MIGRATED]). */
  private enqueueEntityWakeup(cpu: Cpu, task: Task, migrated: boolean): void {
    this.updateCurr(cpu);
    if (migrated) task.vruntime += cpu.minVruntime;
    this.accountEnqueue(cpu, task);
    task.vruntime = placeWakeup(task.vruntime, cpu.minVruntime, this.t);
    this.schedNicWakeup(cpu, task);
    if (task.lastQueued === null) task.lastQueued = this.now;
    this.treeInsert(cpu, task);
    task.onRq = true;
  }

  /** kernel/sched/nic.c sched_nic_wakeup(), right after place_entity(). */
  private schedNicWakeup(cpu: Cpu, task: Task): void {
    const hook = this.hook;
    if (!hook || !hook.armed) return;
    const now = this.now;
    const { expires, tag } = task.nic;
    if (hook.onWakeup(cpu.id, task, now)) hook.submit(cpu.id, now);
    if (!hook.armed) return;
    // a decision installed now applies to runtime from now on
    if (task.nic.expires !== expires || task.nic.tag !== tag) schedNicWindowRestart(task.nic, task.sumExec);
    const adj = schedNicDecisionAdj(task.nic, now);
    if (!adj) return;
    const before = task.vruntime;
    task.vruntime = schedNicPlaceVruntime(task.vruntime, cpu.minVruntime, this.t.latencyNs, adj);
    this.opts.onAdjust?.({ point: 'wakeup', task: task.name, atNs: now, adj, vruntimeBefore: before, vruntimeAfter: task.vruntime });
  }

  /** check_preempt_wakeup() (no groups, SCHED_NORMAL only). */
  private checkPreemptWakeup(cpu: Cpu, p: Task): void {
    const curr = cpu.curr!;
    const scale = cpu.nrRunning >= 8;
    this.updateCurr(cpu);
    if (wakeupPreemptEntity(curr.vruntime, p.vruntime, p.nice, this.t) !== 1) return;
    cpu.next = p;
    if (curr.onRq && scale) cpu.last = curr;
    this.schedule(cpu, false);
  }

  /* ---- blocking ---- */

  private burstEnd(cpu: Cpu): void {
    const task = cpu.curr!;
    this.updateCurr(cpu);
    const after = this.afterBurst(task);
    if (after.moreRun > 0) {
      task.remaining += after.moreRun;
      this.armBurstEnd(cpu, task);
      return;
    }
    this.dequeueEntitySleep(cpu, task);
    if (Number.isFinite(after.sleep)) this.q.push({ at: this.now + after.sleep, kind: 'wake', cpu: task.cpu, task, gen: 0 });
    this.schedule(cpu, true);
  }

  /** dequeue_entity(cfs_rq, se, DEQUEUE_SLEEP): vruntime stays absolute. */
  private dequeueEntitySleep(cpu: Cpu, task: Task): void {
    this.updateCurr(cpu);
    this.clearBuddies(cpu, task);
    if (cpu.curr !== task) this.treeRemove(cpu, task);
    task.onRq = false;
    this.accountDequeue(cpu, task);
    this.updateMinVruntime(cpu);
  }

  /* ---- tick ---- */

  /** scheduler_tick() → task_tick_fair(): entity_tick(), then the hook; the resched happens on irq exit. */
  private schedulerTick(cpu: Cpu): void {
    const curr = cpu.curr;
    if (!curr) return;
    this.updateCurr(cpu);
    const resched = cpu.nrRunning > 1 && this.checkPreemptTick(cpu, curr);
    this.schedNicTick(cpu, curr);
    if (resched) this.schedule(cpu, false);
  }

  /** check_preempt_tick(). */
  private checkPreemptTick(cpu: Cpu, curr: Task): boolean {
    const ideal = schedSlice(curr.nice, true, cpu.nrRunning, cpu.load, this.t);
    const deltaExec = curr.sumExec - curr.prevSumExec;
    if (deltaExec > ideal) {
      this.clearBuddies(cpu, curr);
      return true;
    }
    if (deltaExec < this.t.minGranularityNs) return false;
    const se = cpu.tree[0];
    if (!se) return false;
    const delta = curr.vruntime - se.vruntime;
    return delta >= 0 && delta > ideal;
  }

  /** kernel/sched/nic.c sched_nic_tick(). */
  private schedNicTick(cpu: Cpu, curr: Task): void {
    const hook = this.hook;
    if (!hook || !hook.armed) return;
    const now = this.now;
    const exec = schedNicTickWindow(curr.nic, curr.sumExec, this.t.latencyNs);
    // the window ran under the decision held until now; one installed by the callback waits
    const adj = schedNicDecisionAdj(curr.nic, now);
    if (hook.onTick(cpu.id, curr, now)) hook.submit(cpu.id, now);
    if (!hook.armed || !adj) return;
    const prio = curr.nice + 20;
    const eff = Math.max(0, Math.min(39, prio + adj));
    const before = curr.vruntime;
    curr.vruntime += schedNicTickVdelta(exec, wmultOf(curr.nice), wmultOf(eff - 20));
    this.opts.onAdjust?.({ point: 'tick', task: curr.name, atNs: now, adj, vruntimeBefore: before, vruntimeAfter: curr.vruntime });
  }

  /* ---- __schedule() ---- */

  /**
   * put_prev_task() + pick_next_task_fair()'s simple path: a preempted prev goes back into the
   * tree, then the next entity is picked with curr = NULL and set (a re-picked prev starts a
   * new slice, as set_next_entity() does).
   */
  private schedule(cpu: Cpu, prevBlocked: boolean): void {
    const prev = cpu.curr;
    if (prev) this.putPrev(cpu, prev, prevBlocked);
    const next = this.pickNextEntity(cpu);
    if (prev && next !== prev) {
      if (prevBlocked) prev.nvcsw++;
      else {
        prev.nivcsw++;
        if (prev.lastQueued === null) prev.lastQueued = this.now; // sched_info_depart() of a runnable prev
      }
      this.closeSegment(cpu, prev);
    }
    if (next) this.setNextEntity(cpu, next, next !== prev);
  }

  private putPrev(cpu: Cpu, prev: Task, blocked: boolean): void {
    if (!blocked) {
      this.updateCurr(cpu);
      this.treeInsert(cpu, prev);
    }
    setRunning(prev, this.now, false);
    cpu.curr = null;
    cpu.gen++;
  }

  /** pick_next_entity(cfs_rq, NULL): the leftmost, unless a next/last buddy is not too unfair. */
  private pickNextEntity(cpu: Cpu): Task | null {
    const left = cpu.tree[0];
    if (!left) return null;
    if (cpu.next && wakeupPreemptEntity(cpu.next.vruntime, left.vruntime, left.nice, this.t) < 1) return cpu.next;
    if (cpu.last && wakeupPreemptEntity(cpu.last.vruntime, left.vruntime, left.nice, this.t) < 1) return cpu.last;
    return left;
  }

  private setNextEntity(cpu: Cpu, task: Task, switched: boolean): void {
    this.clearBuddies(cpu, task);
    this.treeRemove(cpu, task);
    task.execStart = this.now;
    task.prevSumExec = task.sumExec;
    cpu.curr = task;
    setRunning(task, this.now, true);
    if (switched) {
      this.schedInfoArrive(task);
      cpu.segStart = this.now;
    }
    this.armBurstEnd(cpu, task);
  }

  private schedInfoArrive(task: Task): void {
    if (task.lastQueued !== null) {
      task.runDelay += this.now - task.lastQueued;
      task.lastQueued = null;
    }
    if (task.wakeAt !== null) {
      task.wakeLatency.push(this.now - task.wakeAt);
      task.wakeAt = null;
    }
  }

  private armBurstEnd(cpu: Cpu, task: Task): void {
    cpu.gen++;
    if (Number.isFinite(task.remaining)) this.q.push({ at: this.now + task.remaining, kind: 'burst-end', cpu: cpu.id, task, gen: cpu.gen });
  }

  private closeSegment(cpu: Cpu, task: Task): void {
    if (this.opts.recordSegments && this.now > cpu.segStart) this.segments.push({ cpu: cpu.id, task: task.name, startNs: cpu.segStart, endNs: this.now });
  }

  private result(): SimResult {
    const stopped = this.hook && this.hook.stopReason ? { reason: this.hook.stopReason, atNs: this.hook.stopAtNs ?? 0 } : null;
    return {
      cpus: this.opts.cpus,
      durationNs: this.opts.durationNs,
      tunables: this.t,
      tasks: this.tasks.map(taskResult),
      segments: mergeSegments(this.segments),
      hook: this.hook ? this.hook.counters() : null,
      hookStopped: stopped,
    };
  }
}

/* ---- helpers -------------------------------------------------------------------------------- */

function newCpu(id: number): Cpu {
  return { id, curr: null, tree: [], nrRunning: 0, load: 0, minVruntime: 0, next: null, last: null, gen: 0, segStart: 0 };
}

function newTask(idx: number, name: string, cls: TaskClass, nice: number, cpu: number, phases: Iterator<Phase>): Task {
  return {
    idx,
    name,
    cls,
    nice,
    weight: weightOf(nice),
    cpu,
    phases,
    remaining: 0,
    vruntime: 0,
    onRq: false,
    sumExec: 0,
    prevSumExec: 0,
    execStart: 0,
    lastQueued: null,
    runDelay: 0,
    nvcsw: 0,
    nivcsw: 0,
    nrMigrations: 0,
    wakeeFlips: 0,
    wakeeDecayJiffies: 0,
    lastWakee: null,
    util: 0,
    utilStamp: 0,
    running: false,
    wakeAt: null,
    wakeLatency: [],
    wakeups: 0,
    nic: emptyDecision(),
    nsh: emptyNshTask(),
  };
}

function isIdle(cpu: Cpu): boolean {
  return cpu.curr === null && cpu.nrRunning === 0;
}

/** record_wakee(): the waker is `current` of the CPU the wakeup is raised on (for a timer, the interrupted task). */
function recordWakee(waker: Task, wakee: Task, now: number): void {
  const jiffies = Math.floor(now / TICK_NS);
  if (jiffies > waker.wakeeDecayJiffies + HZ) {
    waker.wakeeFlips >>= 1;
    waker.wakeeDecayJiffies = jiffies;
  }
  if (waker.lastWakee !== wakee) {
    waker.lastWakee = wakee;
    waker.wakeeFlips++;
  }
}

/**
 * The catalogue's raw counters of a task, as nsh_sample_task() reads them (codegen/spec/catalogue.ts
 * `kernel`): run_delay, sum_exec_runtime, nvcsw, nivcsw, nr_migrations (cumulative), util_avg,
 * nice, wakee_flips (levels). A running task's sum_exec_runtime is as of its last update_curr(),
 * which both hook points have just done.
 */
export function rawCounters(t: Task, now: number): Map<string, bigint> {
  return new Map<string, bigint>([
    ['wait_ns_log2', BigInt(t.runDelay)],
    ['exec_ns_log2', BigInt(t.sumExec)],
    ['nvcsw_delta', BigInt(t.nvcsw)],
    ['nivcsw_delta', BigInt(t.nivcsw)],
    ['util_avg', BigInt(Math.floor(utilAt(t, now)))],
    ['nr_migrations_delta', BigInt(t.nrMigrations)],
    ['nice', BigInt(t.nice)],
    ['wakee_flips', BigInt(t.wakeeFlips)],
  ]);
}

function taskResult(t: Task): TaskResult {
  return {
    name: t.name,
    cls: t.cls,
    nice: t.nice,
    cpuNs: t.sumExec,
    wakeups: t.wakeups,
    wakeLatencyNs: t.wakeLatency,
    nvcsw: t.nvcsw,
    nivcsw: t.nivcsw,
    runDelayNs: t.runDelay,
    nrMigrations: t.nrMigrations,
  };
}

function mergeSegments(segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of [...segs].sort((a, b) => a.cpu - b.cpu || a.startNs - b.startNs)) {
    const prev = out[out.length - 1];
    if (prev && prev.cpu === s.cpu && prev.task === s.task && prev.endNs === s.startNs) prev.endNs = s.endNs;
    else out.push({ ...s });
  }
  return out;
}

export type { Task as SimTask };
