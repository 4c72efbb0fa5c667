/**
 * A deterministic discrete-event simulator of Linux 6.1 CFS (no group scheduling) on one LLC:
 * wakeup placement with wake-affine and select_idle_sibling, periodic, NOHZ-idle, newidle and
 * active load balancing (balance.ts), SCHED_NORMAL, SCHED_BATCH and SCHED_IDLE, context-switch,
 * migration and wakeup costs, pipes and futex-style wakeup chains, and, optionally, the NIC
 * decision hook of kernel-hook/ applied as the patched kernel applies it. docs/EVAL.md documents
 * the model, its assumptions and its limits.
 *
 * The functions are named after the kernel functions they mirror (update_curr, enqueue_entity,
 * place_entity, check_preempt_wakeup, check_preempt_tick, pick_next_entity, ...). Events at the
 * same instant run in a fixed order (state.ts EVENT_ORDER); ties by insertion order. The whole
 * state is plain data (state.ts), so a run can be snapshotted and resumed.
 */

import { calcDeltaFairLoad, cfsTunables, loadWeight, placeWakeup, schedSliceLoad, TICK_NS, wakeupPreemptLoad, wmultOf, type CfsTunables } from './cfs.js';
import { emptyDecision, emptyNshTask, schedNicDecisionAdj, schedNicPlaceVruntime, schedNicTickVdelta, schedNicTickWindow, schedNicWindowRestart, type NshCounters } from './hook.js';
import { newPelt, peltAt, peltSet } from './pelt.js';
import type { DecisionProvider, HookContext } from './providers.js';
import type { Cpu, Domain, EventKind, Segment, SimEvent, SimState, Task } from './state.js';
import { EVENT_ORDER, MIGRATION_COST_NS, type Costs } from './state.js';

export type { Costs } from './state.js';
import type { Phase, TaskClass, TaskTemplate, Workload } from './workload.js';
import { newidleBalance, selectTaskRqFair, triggerLoadBalance, nohzIdleBalance, activeBalancePush, type BalanceHost } from './balance.js';

/** Defaults: a few µs per switch and wakeup, tens of µs of cache refill; see docs/EVAL.md. */
export const DEFAULT_COSTS: Costs = { switchNs: 2_000, migrationNs: 20_000, wakeNs: 1_000, ipiNs: 2_000, newidleBalanceNs: 2_000 };
export const NO_COSTS: Costs = { switchNs: 0, migrationNs: 0, wakeNs: 0, ipiNs: 0, newidleBalanceNs: 0 };

export interface SimOptions {
  cpus: number;
  durationNs: number;
  /** DEFAULT_COSTS when absent. */
  costs?: Costs;
  /** Load balancing (periodic, NOHZ idle, newidle, active) on; default true. Wakeup placement always runs. */
  balancing?: boolean;
  /** Absent: stock CFS. */
  decisions?: DecisionProvider;
  /** Record every run segment (tests and plots). */
  recordSegments?: boolean;
  /** Called at each hook application (tests). */
  onAdjust?: (e: AdjustEvent) => void;
  /** Called when a provider is consulted at a hook point (the labeller). */
  onHook?: (e: HookEvent) => void;
}

export interface AdjustEvent {
  point: 'wakeup' | 'tick';
  task: string;
  atNs: number;
  adj: number;
  vruntimeBefore: number;
  vruntimeAfter: number;
}

export interface HookEvent {
  point: 'wakeup' | 'tick';
  task: number;
  cpu: number;
  atNs: number;
}

export interface TaskResult {
  name: string;
  cls: TaskClass;
  group: string | null;
  nice: number;
  policy: Task['policy'];
  /** sum_exec_runtime, costs included. */
  cpuNs: number;
  /** Useful work done (CPU time minus switch, migration and wakeup costs). */
  workNs: number;
  wakeups: number;
  /** wakeup → the task's own code running, ns, one per wakeup that ran before the end. */
  wakeLatencyNs: number[];
  /** message posted → request work finished (run phases with `request`). */
  requestLatencyNs: number[];
  exitNs: number | null;
  nvcsw: number;
  nivcsw: number;
  runDelayNs: number;
  nrMigrations: number;
}

export interface SimResult {
  cpus: number;
  durationNs: number;
  tunables: CfsTunables;
  costs: Costs;
  tasks: TaskResult[];
  segments: Segment[];
  balance: SimState['balance'];
  /** Hook counters (null for stock CFS). */
  hook: NshCounters | null;
  hookStopped: { reason: string; atNs: number } | null;
}

/* ---- phase tapes ------------------------------------------------------------------------------ */

/**
 * A task's phases, produced once and kept: runs that share a tape (a snapshot and its rollouts)
 * read the same behaviour, each at its own position.
 */
class PhaseTape {
  private readonly buf: Phase[] = [];
  private done = false;
  constructor(
    private readonly it: Iterator<Phase>,
    private readonly taskName: string,
  ) {}

  at(i: number): Phase {
    while (this.buf.length <= i && !this.done) {
      const r = this.it.next();
      if (r.done) this.done = true;
      else this.buf.push(checkPhase(r.value, this.taskName));
    }
    return this.buf[i] ?? { kind: 'exit' };
  }
}

function checkPhase(p: Phase, task: string): Phase {
  if ('ns' in p && (!(p.ns >= 0) || (Number.isFinite(p.ns) && !Number.isInteger(p.ns)))) throw new RangeError(`task ${task}: phase length ${p.ns} is not a whole number of ns`);
  if (p.kind === 'period' && !(p.ns > 0 && Number.isFinite(p.ns))) throw new RangeError(`task ${task}: a period must be a positive whole number of ns`);
  if (p.kind === 'until' && !Number.isFinite(p.ns)) throw new RangeError(`task ${task}: an absolute wakeup time must be finite`);
  return p;
}

function tapesOf(w: Workload): PhaseTape[] {
  return w.tasks.map((t) => new PhaseTape(t.phases(), t.name));
}

/* ---- the simulator ---------------------------------------------------------------------------- */

export interface Snapshot {
  state: SimState;
  tapes: PhaseTape[];
}

export function simulate(workload: Workload, opts: SimOptions): SimResult {
  const sim = new Simulator(workload, opts);
  sim.runUntil(opts.durationNs);
  return sim.finish();
}

export class Simulator implements BalanceHost {
  readonly state: SimState;
  readonly costs: Costs;
  readonly balancing: boolean;
  private readonly tapes: PhaseTape[];
  private readonly provider: DecisionProvider | null;
  private readonly ctx: HookContext;

  constructor(
    workload: Workload,
    readonly opts: SimOptions,
    from?: { state: SimState; tapes: PhaseTape[] },
  ) {
    if (!Number.isInteger(opts.cpus) || opts.cpus < 1) throw new RangeError('cpus must be a positive integer');
    this.costs = opts.costs ?? DEFAULT_COSTS;
    this.balancing = (opts.balancing ?? true) && opts.cpus > 1;
    this.provider = opts.decisions ?? null;
    this.ctx = {
      rawCounters: (task) => rawCounters(task, this.state.now),
      nextBurstNs: (task) => this.nextBurstNs(task),
      scheduleAnswer: (at, slot) => this.push(at, 'answer', slot, -1, 0),
    };
    if (from) {
      this.state = from.state;
      this.tapes = from.tapes;
      return;
    }
    this.tapes = tapesOf(workload);
    this.state = initialState(workload, opts.cpus);
    this.start();
  }

  /** A copy of the state to resume from (the tapes are shared, not copied). */
  snapshot(): Snapshot {
    return { state: structuredClone(this.state), tapes: this.tapes };
  }

  /** Continue a snapshot (its state is taken over, not copied) under new options. */
  static resume(from: Snapshot, opts: SimOptions): Simulator {
    return new Simulator({ name: 'resumed', kind: 'resumed', tasks: [] }, opts, from);
  }

  /** Process the next event if it comes before `t`; false when there is none. */
  step(t: number): boolean {
    const e = this.state.events[0];
    if (!e || e.at >= t) return false;
    this.pop();
    this.state.now = e.at;
    this.dispatch(e);
    return true;
  }

  get now(): number {
    return this.state.now;
  }

  /** Process every event before `t` (the clock stops at the last one processed). */
  runUntil(t: number): void {
    const s = this.state;
    for (;;) {
      const e = s.events[0];
      if (!e || e.at >= t) break;
      this.pop();
      s.now = e.at;
      this.dispatch(e);
    }
  }

  /** Account everything up to the end and return the measurements. */
  finish(): SimResult {
    const s = this.state;
    s.now = this.opts.durationNs;
    for (const cpu of s.cpus) {
      this.updateCurr(cpu);
      if (cpu.curr) this.closeSegment(cpu, cpu.curr);
    }
    return this.result();
  }

  /* ---- events ---- */

  push(at: number, kind: EventKind, cpu: number, task: number, gen: number): void {
    const s = this.state;
    const ev: SimEvent = { at, kind, seq: s.seq++, cpu, task, gen };
    const h = s.events;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): SimEvent | undefined {
    const h = this.state.events;
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

  private dispatch(e: SimEvent): void {
    const s = this.state;
    const cpu = s.cpus[e.cpu]!;
    switch (e.kind) {
      case 'answer':
        this.provider?.answer(e.cpu);
        return;
      case 'burst-end':
        if (cpu.gen === e.gen && cpu.curr) this.burstEnd(cpu);
        return;
      case 'timer':
        this.timerFires(s.tasks[e.task]!);
        return;
      case 'ttwu':
        cpu.ttwuPending--;
        this.activate(cpu, s.tasks[e.task]!, e.gen === 1, true);
        return;
      case 'resched':
        if (cpu.reschedPending) this.schedule(cpu, false);
        return;
      case 'push':
        activeBalancePush(this, cpu, s.cpus[e.task]!);
        return;
      case 'ilb':
        nohzIdleBalance(this);
        return;
      case 'tick':
        this.push(e.at + TICK_NS, 'tick', e.cpu, -1, 0);
        this.schedulerTick(cpu);
        return;
    }
  }

  /* ---- start ---- */

  /** Every task exists at t=0 with vruntime 0; one whose first phase blocks starts blocked. */
  private start(): void {
    const s = this.state;
    for (const task of s.tasks) this.startTask(task);
    for (const cpu of s.cpus) {
      this.push(TICK_NS, 'tick', cpu.id, -1, 0);
      this.schedule(cpu, false);
    }
  }

  /**
   * A task's leading phases at t=0: a sleep, period or wait blocks it there; a run queues it on
   * its CPU. A task that starts with a post or an exit is queued and does it when it first runs.
   */
  private startTask(task: Task): void {
    const s = this.state;
    const tape = this.tapes[task.idx]!;
    for (;;) {
      const p = tape.at(task.phaseIdx);
      if ((p.kind === 'run' || p.kind === 'sleep') && p.ns <= 0) {
        task.phaseIdx++;
        continue;
      }
      if (p.kind === 'until' && p.ns <= 0) {
        task.phaseIdx++;
        task.arrivalAt = p.ns;
        continue;
      }
      if (p.kind === 'sleep' || p.kind === 'period' || p.kind === 'until' || p.kind === 'wait') {
        task.phaseIdx++;
        task.state = 'blocked';
        if (p.kind === 'until') task.arrivalAt = p.ns;
        if (p.kind === 'wait') channelOf(s, p.channel).waiters.push(task.idx);
        else if (Number.isFinite(p.ns)) this.push(p.ns, 'timer', task.cpu, task.idx, 0);
        return;
      }
      if (p.kind === 'run') {
        task.phaseIdx++;
        task.remaining = p.ns;
        task.requestRun = p.request === true;
      }
      const cpu = s.cpus[task.cpu]!;
      this.enqueueAccount(cpu, task);
      task.lastQueued = 0;
      this.treeInsert(cpu, task);
      task.onRq = true;
      task.state = 'runnable';
      peltSet(task, 0, true, false);
      return;
    }
  }

  /* ---- phases ---- */

  private nextPhase(task: Task): Phase {
    return this.tapes[task.idx]!.at(task.phaseIdx++);
  }

  /** CPU work until the task next blocks (run phases, across posts), from its tape. */
  nextBurstNs(task: Task): number {
    const tape = this.tapes[task.idx]!;
    let sum = task.remaining;
    for (let i = task.phaseIdx; ; i++) {
      const p = tape.at(i);
      if (p.kind === 'run') sum += p.ns;
      else if (p.kind !== 'post') return sum;
      if (!Number.isFinite(sum) || i - task.phaseIdx > 1000) return sum;
    }
  }

  /**
   * The running task finished its work (and its overhead): take its phases until it runs again,
   * blocks or exits. A post may preempt it; it then resumes here when it next runs.
   */
  private advancePhases(cpu: Cpu, task: Task): void {
    const s = this.state;
    for (;;) {
      const p = this.nextPhase(task);
      switch (p.kind) {
        case 'run':
          if (p.ns <= 0) continue;
          task.remaining = p.ns;
          task.requestRun = p.request === true;
          this.armBurstEnd(cpu, task);
          return;
        case 'post': {
          const woke = this.post(cpu, task, p.channel, p.sync === true);
          if (woke && this.costs.wakeNs > 0) task.overhead += this.costs.wakeNs;
          if (cpu.curr !== task) return;
          if (task.overhead > 0) {
            this.armBurstEnd(cpu, task);
            return;
          }
          continue;
        }
        case 'wait': {
          const ch = channelOf(s, p.channel);
          if (ch.messages.length > 0) {
            task.requestStart = ch.messages.shift()!;
            continue;
          }
          ch.waiters.push(task.idx);
          this.block(cpu, task);
          return;
        }
        case 'sleep':
          if (p.ns <= 0) continue;
          this.block(cpu, task);
          if (Number.isFinite(p.ns)) this.push(s.now + p.ns, 'timer', task.cpu, task.idx, 0);
          return;
        case 'period': {
          const at = (Math.floor(s.now / p.ns) + 1) * p.ns;
          this.block(cpu, task);
          this.push(at, 'timer', task.cpu, task.idx, 0);
          return;
        }
        case 'until':
          task.arrivalAt = p.ns;
          if (p.ns <= s.now) continue;
          this.block(cpu, task);
          this.push(p.ns, 'timer', task.cpu, task.idx, 0);
          return;
        case 'exit':
          this.exit(cpu, task);
          return;
      }
    }
  }

  private burstEnd(cpu: Cpu): void {
    const task = cpu.curr!;
    this.updateCurr(cpu);
    if (task.remaining > 0 || task.overhead > 0) {
      this.armBurstEnd(cpu, task);
      return;
    }
    if (task.requestRun) {
      task.requestRun = false;
      if (task.requestStart !== null) task.requestLatency.push(this.state.now - task.requestStart);
      task.requestStart = null;
    }
    this.advancePhases(cpu, task);
  }

  private block(cpu: Cpu, task: Task): void {
    this.dequeueEntitySleep(cpu, task);
    task.state = 'blocked';
    this.schedule(cpu, true);
  }

  private exit(cpu: Cpu, task: Task): void {
    this.dequeueEntitySleep(cpu, task);
    task.state = 'exited';
    task.exitNs = this.state.now;
    this.schedule(cpu, true);
  }

  /**
   * A message on a channel: wake its oldest waiter, else keep it. True when a task was woken. The
   * message is stamped with the poster's intended arrival time when it has one (an open-loop
   * generator that ran late still stamps its schedule: no coordinated omission), else now.
   */
  private post(cpu: Cpu, waker: Task, name: string, sync: boolean): boolean {
    const ch = channelOf(this.state, name);
    const stamp = waker.arrivalAt ?? this.state.now;
    const w = ch.waiters.shift();
    if (w === undefined) {
      ch.messages.push(stamp);
      return false;
    }
    const task = this.state.tasks[w]!;
    task.requestStart = stamp;
    this.tryToWakeUp(task, cpu, waker, sync);
    return true;
  }

  private timerFires(task: Task): void {
    if (task.state !== 'blocked') return;
    // The hrtimer fires on the CPU the task slept on; its interrupt lands on whatever runs there.
    const cpu = this.state.cpus[task.cpu]!;
    if (cpu.curr && this.costs.wakeNs > 0) this.chargeOverhead(cpu, this.costs.wakeNs);
    this.tryToWakeUp(task, cpu, cpu.curr, false);
  }

  /** Work the running task of `cpu` must do before its own continues (an interrupt, a wakeup). */
  private chargeOverhead(cpu: Cpu, ns: number): void {
    const curr = cpu.curr!;
    this.updateCurr(cpu);
    curr.overhead += ns;
    this.armBurstEnd(cpu, curr);
  }

  /* ---- update_curr / min_vruntime ---- */

  updateCurr(cpu: Cpu): void {
    const curr = cpu.curr;
    if (!curr) return;
    const now = this.state.now;
    const delta = now - curr.execStart;
    if (delta <= 0) return;
    curr.execStart = now;
    curr.sumExec += delta;
    const burnt = Math.min(curr.overhead, delta);
    curr.overhead -= burnt;
    curr.overheadNs += burnt;
    curr.remaining -= delta - burnt;
    curr.workNs += delta - burnt;
    curr.vruntime += calcDeltaFairLoad(delta, curr.lw);
    this.updateMinVruntime(cpu);
  }

  updateMinVruntime(cpu: Cpu): void {
    const curr = cpu.curr && cpu.curr.onRq ? cpu.curr : null;
    let v = cpu.minVruntime;
    if (curr) v = curr.vruntime;
    const left = cpu.tree[0];
    if (left) v = curr ? Math.min(v, left.vruntime) : left.vruntime;
    cpu.minVruntime = Math.max(cpu.minVruntime, v);
  }

  /* ---- rbtree and accounting ---- */

  treeInsert(cpu: Cpu, task: Task): void {
    const tree = cpu.tree;
    let i = tree.length;
    while (i > 0 && tree[i - 1]!.vruntime > task.vruntime) i--;
    tree.splice(i, 0, task);
  }

  treeRemove(cpu: Cpu, task: Task): void {
    const i = cpu.tree.indexOf(task);
    if (i >= 0) cpu.tree.splice(i, 1);
  }

  /** account_entity_enqueue() + add_nr_running() + list_add(cfs_tasks). */
  enqueueAccount(cpu: Cpu, task: Task): void {
    cpu.load += task.lw.weight;
    cpu.nrRunning++;
    if (task.policy === 'idle') cpu.idleNrRunning++;
    cpu.cfsTasks.unshift(task);
    if (cpu.nrRunning === 2) this.state.overload = true;
  }

  dequeueAccount(cpu: Cpu, task: Task): void {
    cpu.load -= task.lw.weight;
    cpu.nrRunning--;
    if (task.policy === 'idle') cpu.idleNrRunning--;
    const i = cpu.cfsTasks.indexOf(task);
    if (i >= 0) cpu.cfsTasks.splice(i, 1);
  }

  clearBuddies(cpu: Cpu, task: Task): void {
    if (cpu.next === task) cpu.next = null;
    if (cpu.last === task) cpu.last = null;
  }

  /* ---- wakeup ---- */

  /**
   * try_to_wake_up() from `from` (the CPU the wakeup runs on; `waker` is its current task): pick a
   * CPU (select_task_rq_fair), then activate there at once, or after an IPI for a queued remote
   * wakeup (TTWU_QUEUE to an idle CPU).
   */
  private tryToWakeUp(task: Task, from: Cpu, waker: Task | null, sync: boolean): void {
    const s = this.state;
    task.wakeAt = s.now;
    task.wakeups++;
    task.state = 'waking';
    const prev = task.cpu;
    const target = s.cpus.length > 1 ? selectTaskRqFair(this, task, prev, from.id, waker, sync) : prev;
    const migrated = target !== prev;
    if (migrated) {
      task.vruntime -= s.cpus[prev]!.minVruntime; // migrate_task_rq_fair() of a TASK_WAKING task
      this.setTaskCpu(task, target);
      s.balance.migratedAtWakeup++;
    }
    const dest = s.cpus[target]!;
    if (target !== from.id && dest.nrRunning === 0) {
      dest.ttwuPending++;
      this.push(s.now + this.costs.ipiNs, 'ttwu', target, task.idx, migrated ? 1 : 0);
      return;
    }
    this.activate(dest, task, migrated, target === from.id);
  }

  /** set_task_cpu(): the task (and its PELT contribution) moves; its cache is cold there. */
  setTaskCpu(task: Task, cpu: number): void {
    if (this.provider) schedNicWindowRestart(task.nic, task.sumExec); // sched_nic_migrate()
    task.nrMigrations++;
    task.cpu = cpu;
    task.overhead += this.costs.migrationNs;
  }

  /** ttwu_do_activate(): enqueue, check preemption, and ttwu_do_wakeup()'s avg_idle update. */
  private activate(cpu: Cpu, task: Task, migrated: boolean, local: boolean): void {
    this.enqueueEntityWakeup(cpu, task, migrated);
    task.state = 'runnable';
    if (cpu.idleStamp) {
      const delta = this.state.now - cpu.idleStamp;
      const max = 2 * cpu.maxIdleBalanceCost;
      cpu.avgIdle += Math.trunc((delta - cpu.avgIdle) / 8);
      if (cpu.avgIdle > max) cpu.avgIdle = max;
      cpu.idleStamp = 0;
    }
    this.checkPreemptCurr(cpu, task, local);
  }

  /** enqueue_entity(cfs_rq, se, ENQUEUE_WAKEUP [| ENQUEUE_MIGRATED]). */
  private enqueueEntityWakeup(cpu: Cpu, task: Task, migrated: boolean): void {
    this.updateCurr(cpu);
    if (migrated) task.vruntime += cpu.minVruntime;
    peltSet(task, this.state.now, true, false);
    this.enqueueAccount(cpu, task);
    task.vruntime = placeWakeup(task.vruntime, cpu.minVruntime, this.state.tunables);
    this.schedNicWakeup(cpu, task);
    if (task.lastQueued === null) task.lastQueued = this.state.now;
    this.treeInsert(cpu, task);
    task.onRq = true;
  }

  /** kernel/sched/nic.c sched_nic_wakeup(), right after place_entity() (not for SCHED_IDLE). */
  private schedNicWakeup(cpu: Cpu, task: Task): void {
    const p = this.provider;
    if (!p || !p.armed || task.policy === 'idle') return;
    const now = this.state.now;
    this.opts.onHook?.({ point: 'wakeup', task: task.idx, cpu: cpu.id, atNs: now });
    const { expires, tag } = task.nic;
    p.wakeup(this.ctx, cpu.id, task, now);
    if (!p.armed) return;
    // a decision installed now applies to runtime from now on
    if (task.nic.expires !== expires || task.nic.tag !== tag) schedNicWindowRestart(task.nic, task.sumExec);
    const adj = schedNicDecisionAdj(task.nic, now);
    if (!adj) return;
    const before = task.vruntime;
    task.vruntime = schedNicPlaceVruntime(task.vruntime, cpu.minVruntime, this.state.tunables.latencyNs, adj);
    this.opts.onAdjust?.({ point: 'wakeup', task: task.name, atNs: now, adj, vruntimeBefore: before, vruntimeAfter: task.vruntime });
  }

  /** check_preempt_curr(): an idle CPU always reschedules; else check_preempt_wakeup(). */
  checkPreemptCurr(cpu: Cpu, p: Task, local: boolean): void {
    if (!cpu.curr) {
      this.resched(cpu, local);
      return;
    }
    if (this.checkPreemptWakeup(cpu, p)) this.resched(cpu, local);
  }

  /** resched_curr(): at once on this CPU, after an IPI on another. */
  private resched(cpu: Cpu, local: boolean): void {
    if (local || this.costs.ipiNs === 0) {
      this.schedule(cpu, false);
      return;
    }
    if (cpu.reschedPending) return;
    cpu.reschedPending = true;
    this.push(this.state.now + this.costs.ipiNs, 'resched', cpu.id, -1, 0);
  }

  /** check_preempt_wakeup() without groups: true when curr must be rescheduled. */
  private checkPreemptWakeup(cpu: Cpu, p: Task): boolean {
    const curr = cpu.curr!;
    if (curr === p || cpu.reschedPending) return false;
    const scale = cpu.nrRunning >= 8;
    let preempt: boolean;
    if (curr.policy === 'idle' && p.policy !== 'idle') preempt = true;
    else if (p.policy !== 'normal') return false;
    else {
      this.updateCurr(cpu);
      if (wakeupPreemptLoad(curr.vruntime, p.vruntime, p.lw, this.state.tunables) !== 1) return false;
      cpu.next = p; // set_next_buddy(); p is SCHED_NORMAL here
      preempt = true;
    }
    if (preempt && curr.onRq && scale && curr.policy !== 'idle') cpu.last = curr;
    return preempt;
  }

  /* ---- blocking ---- */

  /** dequeue_entity(cfs_rq, se, DEQUEUE_SLEEP): vruntime stays absolute. */
  private dequeueEntitySleep(cpu: Cpu, task: Task): void {
    this.updateCurr(cpu);
    this.clearBuddies(cpu, task);
    if (cpu.curr !== task) this.treeRemove(cpu, task);
    task.onRq = false;
    this.dequeueAccount(cpu, task);
    peltSet(task, this.state.now, false, false);
    this.updateMinVruntime(cpu);
  }

  /** dequeue_entity() without DEQUEUE_SLEEP (a migration): vruntime becomes relative to min_vruntime. */
  dequeueEntityMigrate(cpu: Cpu, task: Task): void {
    this.updateCurr(cpu);
    this.clearBuddies(cpu, task);
    this.treeRemove(cpu, task);
    task.onRq = false;
    this.dequeueAccount(cpu, task);
    task.vruntime -= cpu.minVruntime;
    this.updateMinVruntime(cpu);
  }

  /** enqueue_entity() without ENQUEUE_WAKEUP (a migration): vruntime renormalized, no placement, no hook. */
  enqueueEntityMigrate(cpu: Cpu, task: Task): void {
    this.updateCurr(cpu);
    task.vruntime += cpu.minVruntime;
    this.enqueueAccount(cpu, task);
    this.treeInsert(cpu, task);
    task.onRq = true;
  }

  /** The stopper (an active balance) takes the CPU: the running task goes back to the runqueue. */
  preemptForStopper(cpu: Cpu): void {
    const prev = cpu.curr;
    if (!prev) return;
    this.putPrev(cpu, prev, false);
    prev.nivcsw++;
    if (prev.lastQueued === null) prev.lastQueued = this.state.now;
    this.closeSegment(cpu, prev);
  }

  /* ---- tick ---- */

  /** scheduler_tick(): task_tick_fair() (entity_tick, then the hook), then trigger_load_balance(). */
  private schedulerTick(cpu: Cpu): void {
    const curr = cpu.curr;
    if (!curr) return; // NOHZ: an idle CPU does not tick (the idle balancer is kicked by busy ones)
    this.updateCurr(cpu);
    const resched = cpu.nrRunning > 1 && this.checkPreemptTick(cpu, curr);
    this.schedNicTick(cpu, curr);
    if (resched) this.schedule(cpu, false);
    if (this.balancing) triggerLoadBalance(this, cpu);
  }

  /** check_preempt_tick(). */
  private checkPreemptTick(cpu: Cpu, curr: Task): boolean {
    const t = this.state.tunables;
    const idleFloor = curr.policy === 'idle' && cpu.nrRunning !== cpu.idleNrRunning;
    const ideal = schedSliceLoad(curr.lw, true, cpu.nrRunning, cpu.load, t, idleFloor);
    const deltaExec = curr.sumExec - curr.prevSumExec;
    if (deltaExec > ideal) {
      this.clearBuddies(cpu, curr);
      return true;
    }
    if (deltaExec < t.minGranularityNs) return false;
    const se = cpu.tree[0];
    if (!se) return false;
    const delta = curr.vruntime - se.vruntime;
    return delta >= 0 && delta > ideal;
  }

  /** kernel/sched/nic.c sched_nic_tick() (not for SCHED_IDLE). */
  private schedNicTick(cpu: Cpu, curr: Task): void {
    const p = this.provider;
    if (!p || !p.armed || curr.policy === 'idle') return;
    const now = this.state.now;
    const exec = schedNicTickWindow(curr.nic, curr.sumExec, this.state.tunables.latencyNs);
    // the window ran under the decision held until now; one installed by the callback waits
    const adj = schedNicDecisionAdj(curr.nic, now);
    this.opts.onHook?.({ point: 'tick', task: curr.idx, cpu: cpu.id, atNs: now });
    p.tick(this.ctx, cpu.id, curr, now);
    if (!p.armed || !adj) return;
    const prio = curr.nice + 20;
    const eff = Math.max(0, Math.min(39, prio + adj));
    const before = curr.vruntime;
    curr.vruntime += schedNicTickVdelta(exec, wmultOf(curr.nice), wmultOf(eff - 20));
    this.opts.onAdjust?.({ point: 'tick', task: curr.name, atNs: now, adj, vruntimeBefore: before, vruntimeAfter: curr.vruntime });
  }

  /* ---- __schedule() ---- */

  /**
   * put_prev_task() + pick_next_task_fair()'s simple path: a preempted prev goes back into the
   * tree, the next entity is picked with curr = NULL and set (a re-picked prev starts a new slice,
   * as set_next_entity() does); with nothing to run, newidle balancing may pull a task first.
   */
  schedule(cpu: Cpu, prevBlocked: boolean): void {
    const prev = cpu.curr;
    cpu.reschedPending = false;
    if (prev) this.putPrev(cpu, prev, prevBlocked);
    let next = this.pickNextEntity(cpu);
    if (!next && this.balancing && newidleBalance(this, cpu) > 0) next = this.pickNextEntity(cpu);
    if (prev && next !== prev) {
      if (prevBlocked) prev.nvcsw++;
      else {
        prev.nivcsw++;
        if (prev.lastQueued === null) prev.lastQueued = this.state.now; // sched_info_depart() of a runnable prev
      }
      this.closeSegment(cpu, prev);
    }
    if (next) this.setNextEntity(cpu, next, next !== prev);
  }

  private putPrev(cpu: Cpu, prev: Task, blocked: boolean): void {
    if (!blocked) {
      this.updateCurr(cpu);
      this.treeInsert(cpu, prev);
      prev.state = 'runnable';
    }
    peltSet(prev, this.state.now, !blocked, false);
    cpu.curr = null;
    cpu.gen++;
  }

  /** pick_next_entity(cfs_rq, NULL): the leftmost, unless a next/last buddy is not too unfair. */
  private pickNextEntity(cpu: Cpu): Task | null {
    const left = cpu.tree[0];
    if (!left) return null;
    const t = this.state.tunables;
    if (cpu.next && wakeupPreemptLoad(cpu.next.vruntime, left.vruntime, left.lw, t) < 1) return cpu.next;
    if (cpu.last && wakeupPreemptLoad(cpu.last.vruntime, left.vruntime, left.lw, t) < 1) return cpu.last;
    return left;
  }

  private setNextEntity(cpu: Cpu, task: Task, switched: boolean): void {
    const now = this.state.now;
    this.clearBuddies(cpu, task);
    this.treeRemove(cpu, task);
    task.execStart = now;
    task.prevSumExec = task.sumExec;
    task.state = 'running';
    cpu.curr = task;
    // pick_next_task_fair(): the picked task moves to the front of cfs_tasks (MRU first)
    const i = cpu.cfsTasks.indexOf(task);
    if (i > 0) {
      cpu.cfsTasks.splice(i, 1);
      cpu.cfsTasks.unshift(task);
    }
    peltSet(task, now, true, true);
    if (switched) {
      task.overhead += this.costs.switchNs;
      this.schedInfoArrive(task);
      cpu.segStart = now;
    }
    this.armBurstEnd(cpu, task);
  }

  private schedInfoArrive(task: Task): void {
    const now = this.state.now;
    task.pcount++;
    if (task.lastQueued !== null) {
      task.runDelay += now - task.lastQueued;
      task.lastQueued = null;
    }
    if (task.wakeAt !== null) {
      // the task's own code runs once the switch is done
      task.wakeLatency.push(now - task.wakeAt + this.costs.switchNs);
      task.wakeAt = null;
    }
  }

  private armBurstEnd(cpu: Cpu, task: Task): void {
    cpu.gen++;
    const left = task.overhead + task.remaining;
    if (Number.isFinite(left)) this.push(this.state.now + left, 'burst-end', cpu.id, task.idx, cpu.gen);
  }

  private closeSegment(cpu: Cpu, task: Task): void {
    if (this.opts.recordSegments && this.state.now > cpu.segStart) this.state.segments.push({ cpu: cpu.id, task: task.name, startNs: cpu.segStart, endNs: this.state.now });
  }

  /* ---- what the balancer reads ---- */

  jiffies(): number {
    return Math.floor(this.state.now / TICK_NS);
  }

  /** cpu_load(): the cfs_rq's load_avg, i.e. the tasks attached to the CPU (blocked ones decaying). */
  cpuLoad(cpu: Cpu): number {
    let sum = 0;
    for (const t of this.state.tasks) if (t.cpu === cpu.id && t.state !== 'exited') sum += peltAt(t, this.state.now).load;
    return Math.floor(sum);
  }

  cpuRunnable(cpu: Cpu): number {
    let sum = 0;
    for (const t of this.state.tasks) if (t.cpu === cpu.id && t.state !== 'exited') sum += peltAt(t, this.state.now).runnable;
    return Math.floor(sum);
  }

  /** cpu_util_cfs() without util_est, capped at the CPU's capacity. */
  cpuUtil(cpu: Cpu): number {
    let sum = 0;
    for (const t of this.state.tasks) if (t.cpu === cpu.id && t.state !== 'exited') sum += peltAt(t, this.state.now).util;
    return Math.min(1024, Math.floor(sum));
  }

  /** task_h_load() without groups: the task's load_avg. */
  taskLoad(task: Task): number {
    return Math.floor(peltAt(task, this.state.now).load);
  }

  /* ---- result ---- */

  private result(): SimResult {
    const s = this.state;
    const p = this.provider;
    return {
      cpus: s.cpus.length,
      durationNs: this.opts.durationNs,
      tunables: s.tunables,
      costs: this.costs,
      tasks: s.tasks.map(taskResult),
      segments: mergeSegments(s.segments),
      balance: s.balance,
      hook: p ? p.counters() : null,
      hookStopped: p ? p.stopped() : null,
    };
  }
}

/* ---- helpers ---------------------------------------------------------------------------------- */

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.at !== b.at) return a.at < b.at;
  const ka = EVENT_ORDER[a.kind];
  const kb = EVENT_ORDER[b.kind];
  if (ka !== kb) return ka < kb;
  return a.seq < b.seq;
}

function channelOf(s: SimState, name: string): SimState['channels'][string] {
  let ch = s.channels[name];
  if (!ch) {
    ch = { messages: [], waiters: [] };
    s.channels[name] = ch;
  }
  return ch;
}

function newDomain(cpus: number): Domain {
  return { balanceIntervalMs: cpus, lastBalance: 0, nrBalanceFailed: 0, maxNewidleLbCost: 0, lastDecayMaxLbCost: 0, newidleCall: 512, newidleSuccess: 256, newidleRatio: 512 };
}

function newCpu(id: number, cpus: number): Cpu {
  return {
    id,
    curr: null,
    tree: [],
    cfsTasks: [],
    nrRunning: 0,
    idleNrRunning: 0,
    load: 0,
    minVruntime: 0,
    next: null,
    last: null,
    gen: 0,
    segStart: 0,
    ttwuPending: 0,
    reschedPending: false,
    nextBalance: 0,
    avgIdle: 2 * MIGRATION_COST_NS,
    maxIdleBalanceCost: MIGRATION_COST_NS,
    idleStamp: 0,
    activeBalance: false,
    sd: cpus > 1 ? newDomain(cpus) : null,
    rng: (0x9e3779b9 ^ (id * 0x85ebca6b)) >>> 0 || 1,
  };
}

function newTask(idx: number, tpl: TaskTemplate, cpu: number): Task {
  const policy = tpl.policy ?? 'normal';
  return {
    idx,
    name: tpl.name,
    cls: tpl.cls,
    group: tpl.group ?? null,
    nice: tpl.nice,
    policy,
    lw: loadWeight(policy, tpl.nice),
    cpu,
    state: 'runnable',
    phaseIdx: 0,
    remaining: 0,
    overhead: 0,
    requestRun: false,
    vruntime: 0,
    onRq: false,
    sumExec: 0,
    prevSumExec: 0,
    execStart: 0,
    lastQueued: null,
    runDelay: 0,
    pcount: 0,
    nvcsw: 0,
    nivcsw: 0,
    nrMigrations: 0,
    wakeeFlips: 0,
    wakeeDecayJiffies: 0,
    lastWakee: -1,
    recentUsedCpu: cpu,
    pelt: newPelt(0),
    workNs: 0,
    overheadNs: 0,
    wakeAt: null,
    wakeLatency: [],
    wakeups: 0,
    requestStart: null,
    requestLatency: [],
    arrivalAt: null,
    exitNs: null,
    nic: emptyDecision(),
    nsh: emptyNshTask(),
  };
}

function initialState(w: Workload, cpus: number): SimState {
  return {
    now: 0,
    tunables: cfsTunables(cpus),
    tasks: w.tasks.map((tpl, idx) => newTask(idx, tpl, (tpl.cpu ?? idx) % cpus)),
    cpus: Array.from({ length: cpus }, (_, id) => newCpu(id, cpus)),
    channels: {},
    events: [],
    seq: 0,
    overload: false,
    // what the last periodic balance before the run left on an idle machine (update_idle_cpu_scan, util 0)
    nrIdleScan: cpus,
    nohzNextBalance: 0,
    ilbPending: false,
    balance: { periodic: 0, newidle: 0, active: 0, migratedByBalance: 0, migratedAtWakeup: 0 },
    segments: [],
  };
}

/**
 * The catalogue's raw counters of a task, as nsh_sample_task() reads them (codegen/spec/catalogue.ts
 * `kernel`): run_delay, sum_exec_runtime, nvcsw, nivcsw, nr_migrations (cumulative), util_avg,
 * nice, wakee_flips and the run stint (levels). A running task's sum_exec_runtime is as of its last update_curr(),
 * which both hook points have just done.
 */
export function rawCounters(t: Task, now: number): Map<string, bigint> {
  return new Map<string, bigint>([
    ['wait_ns_log2', BigInt(t.runDelay)],
    ['exec_ns_log2', BigInt(t.sumExec)],
    ['nvcsw_delta', BigInt(t.nvcsw)],
    ['nivcsw_delta', BigInt(t.nivcsw)],
    ['util_avg', BigInt(Math.floor(peltAt(t, now).util))],
    ['nr_migrations_delta', BigInt(t.nrMigrations)],
    ['nice', BigInt(t.nice)],
    ['wakee_flips', BigInt(t.wakeeFlips)],
    ['stint_ns_log2', BigInt(t.sumExec - t.prevSumExec)],
  ]);
}

function taskResult(t: Task): TaskResult {
  return {
    name: t.name,
    cls: t.cls,
    group: t.group,
    nice: t.nice,
    policy: t.policy,
    cpuNs: t.sumExec,
    workNs: t.workNs,
    wakeups: t.wakeups,
    wakeLatencyNs: t.wakeLatency,
    requestLatencyNs: t.requestLatency,
    exitNs: t.exitNs,
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
