/**
 * The simulator's state as plain data: tasks, runqueues, channels, the event queue and the
 * balancer's bookkeeping. Nothing here holds a function or a class instance, so a whole state can
 * be copied with structuredClone (object identity inside it is kept); that is how the labeller
 * (learn/counterfactual.ts) asks "what if this task got that decision now?".
 */

import { HZ, TICK_NS, type CfsTunables, type LoadWeight, type SchedPolicy } from './cfs.js';
import type { NicDecision, NshTask } from './hook.js';
import type { TaskClass } from './workload.js';

/** Continuous-time PELT signals of one entity (see pelt.ts). */
export interface Pelt {
  stamp: number;
  /** Average of weight × runnable (se.avg.load_avg). */
  load: number;
  /** Average of 1024 × runnable (se.avg.runnable_avg). */
  runnable: number;
  /** Average of 1024 × running (se.avg.util_avg). */
  util: number;
  runnableNow: boolean;
  runningNow: boolean;
}

export type TaskState = 'running' | 'runnable' | 'blocked' | 'waking' | 'exited';

export interface Task {
  idx: number;
  name: string;
  cls: TaskClass;
  group: string | null;
  nice: number;
  policy: SchedPolicy;
  lw: LoadWeight;
  cpu: number;
  state: TaskState;
  /** Position in the task's phase tape. */
  phaseIdx: number;
  /** Useful CPU work left in the current run phase. */
  remaining: number;
  /** CPU time to burn before the work continues: context switch, cache refill, wakeup work. */
  overhead: number;
  /** The current run phase completes a request. */
  requestRun: boolean;
  // sched_entity
  vruntime: number;
  onRq: boolean;
  sumExec: number;
  prevSumExec: number;
  execStart: number;
  // sched_info and task_struct
  lastQueued: number | null;
  runDelay: number;
  pcount: number;
  nvcsw: number;
  nivcsw: number;
  nrMigrations: number;
  wakeeFlips: number;
  wakeeDecayJiffies: number;
  lastWakee: number;
  recentUsedCpu: number;
  pelt: Pelt;
  // measurement
  workNs: number;
  overheadNs: number;
  wakeAt: number | null;
  wakeLatency: number[];
  wakeups: number;
  requestStart: number | null;
  requestLatency: number[];
  /** The intended time of the task's last `until` wakeup: what its posts stamp their messages with. */
  arrivalAt: number | null;
  exitNs: number | null;
  // the hook's words in task_struct::nic
  nic: NicDecision;
  nsh: NshTask;
}

/** One sched_domain (the LLC level) as one CPU sees it. */
export interface Domain {
  balanceIntervalMs: number;
  lastBalance: number;
  nrBalanceFailed: number;
  maxNewidleLbCost: number;
  lastDecayMaxLbCost: number;
  newidleCall: number;
  newidleSuccess: number;
  newidleRatio: number;
}

export interface Cpu {
  id: number;
  curr: Task | null;
  /** The rbtree, as an array sorted by vruntime; equal keys keep insertion order (rb_add_cached goes right). */
  tree: Task[];
  /** rq->cfs_tasks: every queued task, most recently picked first. */
  cfsTasks: Task[];
  nrRunning: number;
  idleNrRunning: number;
  load: number;
  minVruntime: number;
  next: Task | null;
  last: Task | null;
  /** Bumped at every switch so a stale burst-end event is ignored. */
  gen: number;
  segStart: number;
  /** Queued remote wakeups not yet activated (rq->ttwu_pending). */
  ttwuPending: number;
  /** A remote CPU asked this one to reschedule; the IPI has not landed yet. */
  reschedPending: boolean;
  // balancing (struct rq)
  nextBalance: number;
  avgIdle: number;
  maxIdleBalanceCost: number;
  idleStamp: number;
  activeBalance: boolean;
  sd: Domain | null;
  rng: number;
}

export interface Channel {
  /** Post times of messages nobody took yet. */
  messages: number[];
  /** Tasks blocked in `wait`, oldest first. */
  waiters: number[];
}

/**
 * answer: a NIC decision word lands in host memory. burst-end: the running task finished its work.
 * timer: a sleeping task's timer fires. ttwu: a queued remote wakeup reaches its CPU (IPI).
 * resched: a remote resched IPI lands. push: the stopper of an active balance runs. ilb: the NOHZ
 * idle balancer runs for idle CPUs. tick: scheduler_tick().
 */
export type EventKind = 'answer' | 'burst-end' | 'timer' | 'ttwu' | 'resched' | 'push' | 'ilb' | 'tick';
export const EVENT_ORDER: Record<EventKind, number> = { answer: 0, 'burst-end': 1, timer: 2, ttwu: 3, resched: 4, push: 5, ilb: 6, tick: 7 };

export interface SimEvent {
  at: number;
  kind: EventKind;
  seq: number;
  cpu: number;
  /** Task index (timer, ttwu), or the target CPU of a push; -1 when unused. */
  task: number;
  /** The CPU's switch generation (burst-end), or 1 for a ttwu that migrated the task. */
  gen: number;
}

export interface Segment {
  cpu: number;
  task: string;
  startNs: number;
  endNs: number;
}

export interface BalanceStats {
  periodic: number;
  newidle: number;
  active: number;
  migratedByBalance: number;
  migratedAtWakeup: number;
}

export interface SimState {
  now: number;
  tunables: CfsTunables;
  tasks: Task[];
  cpus: Cpu[];
  channels: Record<string, Channel>;
  events: SimEvent[];
  seq: number;
  /** root_domain->overload. */
  overload: boolean;
  /** sd_llc_shared->nr_idle_scan (SIS_UTIL). */
  nrIdleScan: number;
  /** nohz.next_balance (jiffies). */
  nohzNextBalance: number;
  /** The idle balancer was kicked and has not run yet. */
  ilbPending: boolean;
  balance: BalanceStats;
  segments: Segment[];
}

/**
 * What scheduling costs, in ns. A cost is CPU time: the CPU is busy, the task's sum_exec_runtime
 * (and vruntime) advance as the kernel charges them, but no useful work is done.
 */
export interface Costs {
  /** A context switch to a different task, charged to the incoming one (it runs its own code that much later). */
  switchNs: number;
  /** Cache refill after a migration, charged to the migrated task at its next run. */
  migrationNs: number;
  /** try_to_wake_up() work, charged to the waker (or to the task a timer interrupt lands on). */
  wakeNs: number;
  /** A wakeup or resched IPI to another CPU lands this much later. */
  ipiNs: number;
  /** Time one newidle balance pass takes (its cost in the avg_idle heuristics). */
  newidleBalanceNs: number;
}

/** sysctl_sched_migration_cost: the initial rq->avg_idle is twice it, max_idle_balance_cost starts at it. */
export const MIGRATION_COST_NS = 500_000;

/** record_wakee(): the waker is `current` of the CPU the wakeup runs on (for a timer, the interrupted task). */
export function recordWakee(waker: Task, wakee: Task, now: number): void {
  const jiffies = Math.floor(now / TICK_NS);
  if (jiffies > waker.wakeeDecayJiffies + HZ) {
    waker.wakeeFlips >>= 1;
    waker.wakeeDecayJiffies = jiffies;
  }
  if (waker.lastWakee !== wakee.idx) {
    waker.lastWakee = wakee.idx;
    waker.wakeeFlips++;
  }
}
