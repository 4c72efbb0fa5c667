/**
 * Wakeup placement and load balancing as Linux 6.1's kernel/sched/fair.c does them (Debian
 * 6.1.192), for one scheduling domain: all CPUs share one LLC (an MC domain, no SMT, no NUMA),
 * so each sched_group is one CPU. The functions keep the kernel's names and decisions:
 *
 *   select_task_rq_fair  record_wakee, wake_wide, wake_affine (WA_IDLE, WA_WEIGHT, WA_BIAS),
 *                        select_idle_sibling (target, prev, recent_used_cpu, select_idle_cpu
 *                        with SIS_UTIL's nr_idle_scan)
 *   periodic balancing   trigger_load_balance at the tick → rebalance_domains → load_balance
 *                        (find_busiest_group, calculate_imbalance, find_busiest_queue,
 *                        detach_tasks with can_migrate_task/task_hot, attach_tasks)
 *   NOHZ idle balancing  a busy CPU's tick kicks the idle balancer, which balances idle CPUs
 *   newidle balancing    sched_balance_newidle when a CPU would go idle (NI_RANDOM included)
 *   active balancing     need_active_balance → the stopper pushes a task (active_load_balance_cpu_stop)
 *
 * Domain constants (sd_init for an LLC level): imbalance_pct 117, cache_nice_tries 1,
 * busy_factor 16, min_interval = CPUs ms, max_interval = 2·CPUs ms, SD_PREFER_SIBLING off (no
 * child domain), SD_BALANCE_WAKE off, capacity 1024 per CPU (no RT or IRQ pressure).
 * What is left out: util_est (cpu_util_cfs is the util_avg sum), misfit and asym packing (all
 * CPUs are equal), CPU affinity (every task may run anywhere), NUMA.
 */

import { HZ } from './cfs.js';
import { peltAt } from './pelt.js';
import { MIGRATION_COST_NS, recordWakee, type Costs, type Cpu, type Domain, type EventKind, type SimState, type Task } from './state.js';

/** What the balancer needs from the simulator. */
export interface BalanceHost {
  readonly state: SimState;
  readonly costs: Costs;
  jiffies(): number;
  cpuLoad(cpu: Cpu): number;
  cpuRunnable(cpu: Cpu): number;
  cpuUtil(cpu: Cpu): number;
  taskLoad(task: Task): number;
  updateCurr(cpu: Cpu): void;
  schedule(cpu: Cpu, prevBlocked: boolean): void;
  checkPreemptCurr(cpu: Cpu, p: Task, local: boolean): void;
  dequeueEntityMigrate(cpu: Cpu, task: Task): void;
  enqueueEntityMigrate(cpu: Cpu, task: Task): void;
  setTaskCpu(task: Task, cpu: number): void;
  /** The stopper takes the CPU: its running task goes back to the runqueue. */
  preemptForStopper(cpu: Cpu): void;
  push(at: number, kind: EventKind, cpu: number, task: number, gen: number): void;
}

const IMBALANCE_PCT = 117;
const CACHE_NICE_TRIES = 1;
const BUSY_FACTOR = 16;
/** sysctl_sched_nr_migrate. */
const NR_MIGRATE = 32;
const CAPACITY = 1024;

export type IdleType = 'not-idle' | 'idle' | 'newidle';

/* ---- CPU states ---------------------------------------------------------------------------- */

/** idle_cpu() / available_idle_cpu(): the idle task runs, nothing is queued, no wakeup is pending. */
function idleCpu(cpu: Cpu): boolean {
  return cpu.curr === null && cpu.nrRunning === 0 && cpu.ttwuPending === 0;
}

/** sched_idle_cpu(): everything queued is SCHED_IDLE. */
function schedIdleCpu(cpu: Cpu): boolean {
  return cpu.nrRunning > 0 && cpu.nrRunning === cpu.idleNrRunning;
}

function idleOrSchedIdle(cpu: Cpu): boolean {
  return idleCpu(cpu) || schedIdleCpu(cpu);
}

/* ---- wakeup placement ------------------------------------------------------------------------ */

/** wake_wide(): a waker/wakee pair flipping among more partners than the LLC has CPUs spreads out. */
export function wakeWide(wakerFlips: number, wakeeFlips: number, llcSize: number): boolean {
  let master = wakerFlips;
  let slave = wakeeFlips;
  if (master < slave) [master, slave] = [slave, master];
  return !(slave < llcSize || master < slave * llcSize);
}

/** wake_affine_idle(); -1 stands for nr_cpumask_bits. */
export function wakeAffineIdle(cpus: readonly Cpu[], thisCpu: number, prevCpu: number, sync: boolean): number {
  if (idleCpu(cpus[thisCpu]!)) return idleCpu(cpus[prevCpu]!) ? prevCpu : thisCpu;
  if (sync && cpus[thisCpu]!.nrRunning === 1) return thisCpu;
  if (idleCpu(cpus[prevCpu]!)) return prevCpu;
  return -1;
}

/** wake_affine_weight() with equal capacities; -1 stands for nr_cpumask_bits. */
export function wakeAffineWeight(loads: { thisLoad: number; prevLoad: number; taskLoad: number; wakerLoad: number }, thisCpu: number, sync: boolean): number {
  let thisEff = loads.thisLoad;
  if (sync) {
    if (loads.wakerLoad > thisEff) return thisCpu;
    thisEff -= loads.wakerLoad;
  }
  thisEff += loads.taskLoad;
  thisEff *= 100 * CAPACITY;
  let prevEff = loads.prevLoad - loads.taskLoad;
  prevEff *= (100 + Math.trunc((IMBALANCE_PCT - 100) / 2)) * CAPACITY;
  if (sync) prevEff += 1;
  return thisEff < prevEff ? thisCpu : -1;
}

function wakeAffine(h: BalanceHost, p: Task, thisCpu: number, prevCpu: number, waker: Task | null, sync: boolean): number {
  const cpus = h.state.cpus;
  let target = wakeAffineIdle(cpus, thisCpu, prevCpu, sync);
  if (target < 0) {
    const loads = { thisLoad: h.cpuLoad(cpus[thisCpu]!), prevLoad: h.cpuLoad(cpus[prevCpu]!), taskLoad: h.taskLoad(p), wakerLoad: waker ? h.taskLoad(waker) : 0 };
    target = wakeAffineWeight(loads, thisCpu, sync);
  }
  return target === thisCpu ? thisCpu : prevCpu;
}

/** select_idle_cpu(): scan the LLC from target + 1, at most nr_idle_scan CPUs (SIS_UTIL). */
function selectIdleCpu(s: SimState, target: number): number {
  let nr = s.nrIdleScan + 1;
  if (nr === 1) return -1;
  const n = s.cpus.length;
  for (let k = 1; k <= n; k++) {
    const cpu = (target + k) % n;
    if (!--nr) return -1;
    if (idleOrSchedIdle(s.cpus[cpu]!)) return cpu;
  }
  return -1;
}

/** select_idle_sibling() on an LLC without SMT. */
function selectIdleSibling(s: SimState, p: Task, prev: number, target: number): number {
  const cpus = s.cpus;
  if (idleOrSchedIdle(cpus[target]!)) return target;
  if (prev !== target && idleOrSchedIdle(cpus[prev]!)) return prev;
  const recent = p.recentUsedCpu;
  p.recentUsedCpu = prev;
  if (recent !== prev && recent !== target && recent >= 0 && recent < cpus.length && idleOrSchedIdle(cpus[recent]!)) return recent;
  const i = selectIdleCpu(s, target);
  return i >= 0 ? i : target;
}

/**
 * select_task_rq_fair() for a wakeup (WF_TTWU) raised on `thisCpu`, whose current task is
 * `waker` (null: the idle task). SD_BALANCE_WAKE is off, so the slow path never runs.
 */
export function selectTaskRqFair(h: BalanceHost, p: Task, prev: number, thisCpu: number, waker: Task | null, sync: boolean): number {
  const s = h.state;
  if (waker) recordWakee(waker, p, s.now);
  const wantAffine = !wakeWide(waker ? waker.wakeeFlips : 0, p.wakeeFlips, s.cpus.length);
  let target = prev;
  if (wantAffine && thisCpu !== prev) target = wakeAffine(h, p, thisCpu, prev, waker, sync && waker !== null);
  return selectIdleSibling(s, p, prev, target);
}

/* ---- balancing intervals ----------------------------------------------------------------------- */

function msecsToJiffies(ms: number): number {
  return Math.ceil((ms * HZ) / 1000);
}

/** max_load_balance_interval = HZ · CPUs / 10. */
function maxLoadBalanceInterval(cpus: number): number {
  return Math.floor((HZ * cpus) / 10);
}

function sdBalanceInterval(sd: Domain, busy: boolean, cpus: number): number {
  let ms = sd.balanceIntervalMs;
  if (busy) ms *= BUSY_FACTOR;
  let interval = msecsToJiffies(ms);
  if (busy) interval -= 1;
  return Math.min(Math.max(interval, 1), maxLoadBalanceInterval(cpus));
}

/** update_newidle_stats(). */
function updateNewidleStats(sd: Domain, success: number): void {
  sd.newidleCall++;
  sd.newidleSuccess += success;
  if (sd.newidleCall >= 1024) {
    sd.newidleRatio = sd.newidleSuccess;
    sd.newidleCall = Math.floor(sd.newidleCall / 2);
    sd.newidleSuccess = Math.floor(sd.newidleSuccess / 2);
  }
}

/** update_newidle_cost(); true when the max cost decayed. */
function updateNewidleCost(sd: Domain, cost: number, success: number, jiffies: number): boolean {
  if (cost) updateNewidleStats(sd, success);
  if (cost > sd.maxNewidleLbCost) {
    sd.maxNewidleLbCost = cost;
    sd.lastDecayMaxLbCost = jiffies;
  } else if (jiffies > sd.lastDecayMaxLbCost + HZ) {
    sd.maxNewidleLbCost = Math.floor((sd.maxNewidleLbCost * 253) / 256);
    sd.lastDecayMaxLbCost = jiffies;
    return true;
  }
  return false;
}

/* ---- find_busiest_group ------------------------------------------------------------------------ */

export enum GroupType {
  HasSpare = 0,
  FullyBusy = 1,
  MisfitTask = 2,
  AsymPacking = 3,
  Imbalanced = 4,
  Overloaded = 5,
}

export interface GroupStats {
  cpu: number;
  load: number;
  util: number;
  runnable: number;
  nrRunning: number;
  idleCpus: number;
  type: GroupType;
  avgLoad: number;
}

/** group_classify() for a one-CPU group of capacity 1024. */
export function groupClassify(g: Pick<GroupStats, 'nrRunning' | 'util' | 'runnable'>): GroupType {
  const overloaded = g.nrRunning > 1 && (CAPACITY * 100 < g.util * IMBALANCE_PCT || CAPACITY * IMBALANCE_PCT < g.runnable * 100);
  if (overloaded) return GroupType.Overloaded;
  const hasCapacity = g.nrRunning < 1 || (!(CAPACITY * IMBALANCE_PCT < g.runnable * 100) && CAPACITY * 100 > g.util * IMBALANCE_PCT);
  return hasCapacity ? GroupType.HasSpare : GroupType.FullyBusy;
}

function groupStats(h: BalanceHost, cpu: Cpu): GroupStats {
  const load = h.cpuLoad(cpu);
  const g = { cpu: cpu.id, load, util: h.cpuUtil(cpu), runnable: h.cpuRunnable(cpu), nrRunning: cpu.nrRunning, idleCpus: cpu.nrRunning === 0 && idleCpu(cpu) ? 1 : 0, type: GroupType.HasSpare, avgLoad: 0 };
  g.type = groupClassify(g);
  if (g.type === GroupType.Overloaded) g.avgLoad = Math.floor((load * 1024) / CAPACITY);
  return g;
}

/** update_sd_pick_busiest(): is `g` busier than the busiest so far? */
function pickBusiest(g: GroupStats, busiest: GroupStats | null): boolean {
  if (!g.nrRunning) return false;
  const b = busiest ?? { type: GroupType.HasSpare, avgLoad: 0, idleCpus: Number.MAX_SAFE_INTEGER, nrRunning: 0 };
  if (g.type > b.type) return true;
  if (g.type < b.type) return false;
  switch (g.type) {
    case GroupType.Overloaded:
    case GroupType.FullyBusy:
      return g.avgLoad > b.avgLoad;
    case GroupType.HasSpare:
      if (g.idleCpus > b.idleCpus) return false;
      if (g.idleCpus === b.idleCpus && g.nrRunning <= b.nrRunning) return false;
      return true;
    default:
      return false;
  }
}

export type MigrationType = 'load' | 'util' | 'task';

export interface Imbalance {
  busiest: GroupStats;
  type: MigrationType;
  amount: number;
}

/** update_idle_cpu_scan(): SIS_UTIL's scan depth from the LLC's utilization (periodic balancing only). */
export function idleCpuScan(sumUtil: number, llcWeight: number): number {
  const x = Math.floor(sumUtil / llcWeight);
  const tmp = Math.min(Math.floor((x * x * IMBALANCE_PCT * IMBALANCE_PCT) / (10000 * 1024)), 1024);
  return Math.floor(((1024 - tmp) * llcWeight) / 1024);
}

/** calculate_imbalance() for one-CPU groups on a shared LLC. */
function calculateImbalance(local: GroupStats, busiest: GroupStats, totalLoad: number, totalCapacity: number): { type: MigrationType; amount: number } {
  if (local.type === GroupType.HasSpare) {
    // SD_SHARE_PKG_RESOURCES: no migrate_util; busiest->group_weight == 1: balance the task count
    const nrDiff = Math.max(0, busiest.nrRunning - local.nrRunning);
    return { type: 'task', amount: nrDiff >> 1 };
  }
  const sdsAvg = Math.floor((totalLoad * 1024) / totalCapacity);
  if (local.type < GroupType.Overloaded) {
    local.avgLoad = Math.floor((local.load * 1024) / CAPACITY);
    if (local.avgLoad >= busiest.avgLoad) return { type: 'load', amount: 0 };
    if (local.avgLoad >= sdsAvg) return { type: 'load', amount: 0 };
  }
  const amount = Math.floor(Math.min((busiest.avgLoad - sdsAvg) * CAPACITY, (sdsAvg - local.avgLoad) * CAPACITY) / 1024);
  return { type: 'load', amount };
}

/** find_busiest_group(): the group to pull from and how much, or null when balanced. */
function findBusiestGroup(h: BalanceHost, dst: Cpu, idle: IdleType): Imbalance | null {
  const s = h.state;
  const stats = s.cpus.map((c) => groupStats(h, c));
  const local = stats[dst.id]!;
  let busiest: GroupStats | null = null;
  let totalLoad = 0;
  let sumUtil = 0;
  for (const g of stats) {
    if (g !== local && pickBusiest(g, busiest)) busiest = g;
    totalLoad += g.load;
    sumUtil += g.util;
  }
  s.overload = stats.some((g) => g.nrRunning > 1); // the root domain's overload indicator
  if (idle !== 'newidle') s.nrIdleScan = idleCpuScan(sumUtil, s.cpus.length);
  if (!busiest) return null;
  if (local.type > busiest.type) return null;
  const totalCapacity = CAPACITY * stats.length;
  if (local.type === GroupType.Overloaded) {
    if (local.avgLoad >= busiest.avgLoad) return null;
    const sdsAvg = Math.floor((totalLoad * 1024) / totalCapacity);
    if (local.avgLoad >= sdsAvg) return null;
    if (100 * busiest.avgLoad <= IMBALANCE_PCT * local.avgLoad) return null;
  }
  if (busiest.type !== GroupType.Overloaded) {
    if (idle === 'not-idle') return null;
    if (busiest.nrRunning === 1) return null;
  }
  const imb = calculateImbalance(local, busiest, totalLoad, totalCapacity);
  return imb.amount ? { busiest, ...imb } : null;
}

/** find_busiest_queue() in a one-CPU group. */
function findBusiestQueue(h: BalanceHost, imb: Imbalance): Cpu | null {
  const rq = h.state.cpus[imb.busiest.cpu]!;
  const nr = rq.nrRunning;
  if (!nr) return null;
  switch (imb.type) {
    case 'load': {
      const load = h.cpuLoad(rq);
      if (nr === 1 && load > imb.amount) return null;
      return load > 0 ? rq : null;
    }
    case 'util':
      return nr > 1 && h.cpuUtil(rq) > 0 ? rq : null;
    case 'task':
      return rq;
  }
}

/* ---- detach / attach --------------------------------------------------------------------------- */

interface LbEnv {
  sd: Domain;
  src: Cpu;
  dst: Cpu;
  idle: IdleType;
  type: MigrationType;
  imbalance: number;
  loop: number;
  loopMax: number;
  active: boolean;
}

/** task_hot(): buddies and tasks that ran within sysctl_sched_migration_cost are cache hot. */
export function taskHot(p: Task, src: Cpu, dst: Cpu, now: number): boolean {
  if (p.policy === 'idle') return false;
  if (dst.nrRunning > 0 && (src.next === p || src.last === p)) return true;
  return now - p.execStart < MIGRATION_COST_NS;
}

/** can_migrate_task() without affinity, NUMA or core scheduling. */
function canMigrateTask(p: Task, env: LbEnv, now: number): boolean {
  if (env.src.curr === p) return false;
  if (env.active) return true;
  return !taskHot(p, env.src, env.dst, now) || env.sd.nrBalanceFailed > CACHE_NICE_TRIES;
}

function moveToHead(list: Task[], p: Task): void {
  const i = list.indexOf(p);
  if (i > 0) {
    list.splice(i, 1);
    list.unshift(p);
  }
}

function detachTask(h: BalanceHost, p: Task, env: LbEnv): void {
  h.dequeueEntityMigrate(env.src, p);
  h.setTaskCpu(p, env.dst.id);
  h.state.balance.migratedByBalance++;
}

/** detach_tasks(): from the least recently run end of cfs_tasks, until the imbalance is gone. */
function detachTasks(h: BalanceHost, env: LbEnv): Task[] {
  const detached: Task[] = [];
  const src = env.src;
  const now = h.state.now;
  if (src.nrRunning <= 1 || env.imbalance <= 0) return detached;
  while (src.cfsTasks.length > 0) {
    if (env.idle !== 'not-idle' && src.nrRunning <= 1) break;
    env.loop++;
    if (env.loop > env.loopMax) break;
    const p = src.cfsTasks[src.cfsTasks.length - 1]!;
    if (!canMigrateTask(p, env, now)) {
      moveToHead(src.cfsTasks, p);
      continue;
    }
    if (env.type === 'load') {
      const load = Math.max(h.taskLoad(p), 1);
      if (load >> Math.min(env.sd.nrBalanceFailed, 63) > env.imbalance) {
        moveToHead(src.cfsTasks, p);
        continue;
      }
      env.imbalance -= load;
    } else if (env.type === 'util') {
      const util = Math.floor(peltAt(p, now).util);
      if (util >> Math.min(env.sd.nrBalanceFailed, 63) > env.imbalance) {
        moveToHead(src.cfsTasks, p);
        continue;
      }
      env.imbalance -= util;
    } else env.imbalance--;
    detachTask(h, p, env);
    detached.unshift(p);
    if (env.idle === 'newidle') break; // CONFIG_PREEMPTION: newidle stops after one task
    if (env.imbalance <= 0) break;
  }
  return detached;
}

/** attach_task(): enqueue on the destination and check preemption (not while it is in newidle). */
function attachTasks(h: BalanceHost, dst: Cpu, tasks: readonly Task[], inNewidle: boolean): void {
  for (const p of tasks) {
    h.enqueueEntityMigrate(dst, p);
    if (!inNewidle) h.checkPreemptCurr(dst, p, true);
  }
}

/* ---- load_balance ---------------------------------------------------------------------------- */

/** need_active_balance(): here only imbalanced_active_balance() can ask for it. */
function needActiveBalance(env: Pick<LbEnv, 'type' | 'sd'>): boolean {
  return env.type === 'task' && env.sd.nrBalanceFailed > CACHE_NICE_TRIES + 2;
}

/** load_balance(); returns how many tasks moved. */
function loadBalance(h: BalanceHost, dst: Cpu, idle: IdleType): number {
  const s = h.state;
  const sd = dst.sd!;
  const ncpus = s.cpus.length;
  const balanced = (): number => {
    sd.nrBalanceFailed = 0;
    if (idle !== 'newidle' && sd.balanceIntervalMs < 2 * ncpus) sd.balanceIntervalMs *= 2;
    return 0;
  };
  if (idle === 'newidle' && (dst.nrRunning > 0 || dst.ttwuPending > 0)) return balanced();
  const imb = findBusiestGroup(h, dst, idle);
  if (!imb) return balanced();
  const src = findBusiestQueue(h, imb);
  if (!src) return balanced();
  const env: LbEnv = { sd, src, dst, idle, type: imb.type, imbalance: imb.amount, loop: 0, loopMax: Math.min(NR_MIGRATE, src.nrRunning), active: false };
  let moved = 0;
  if (src.nrRunning > 1) {
    const tasks = detachTasks(h, env);
    attachTasks(h, dst, tasks, idle === 'newidle');
    moved = tasks.length;
  }
  let active = false;
  if (!moved) {
    if (idle !== 'newidle') sd.nrBalanceFailed++;
    if (needActiveBalance(env) && src.curr && !src.activeBalance) {
      src.activeBalance = true;
      active = true;
      h.push(s.now + h.costs.ipiNs, 'push', src.id, dst.id, 0);
    }
  } else sd.nrBalanceFailed = 0;
  if (!active || needActiveBalance(env)) sd.balanceIntervalMs = ncpus;
  return moved;
}

/** active_load_balance_cpu_stop() on `src`, pushing to `dst`. */
export function activeBalancePush(h: BalanceHost, src: Cpu, dst: Cpu): void {
  src.activeBalance = false;
  if (src.nrRunning === 0) return;
  h.preemptForStopper(src);
  const env: LbEnv = { sd: dst.sd!, src, dst, idle: 'idle', type: 'task', imbalance: 1, loop: 0, loopMax: 1, active: true };
  const p = [...src.cfsTasks].reverse().find((t) => canMigrateTask(t, env, h.state.now));
  if (p) {
    detachTask(h, p, env);
    dst.sd!.nrBalanceFailed = 0;
    h.state.balance.active++;
  }
  h.schedule(src, false);
  if (p) {
    h.enqueueEntityMigrate(dst, p);
    h.checkPreemptCurr(dst, p, false);
  }
}

/* ---- periodic and NOHZ idle balancing ----------------------------------------------------------- */

/** rebalance_domains() for the one domain. */
function rebalanceDomains(h: BalanceHost, cpu: Cpu, idleIn: IdleType): void {
  const sd = cpu.sd!;
  const ncpus = h.state.cpus.length;
  const j = h.jiffies();
  let idle = idleIn;
  let busy = idle !== 'idle' && !schedIdleCpu(cpu);
  const needDecay = updateNewidleCost(sd, 0, 0, j);
  const maxCost = sd.maxNewidleLbCost;
  let interval = sdBalanceInterval(sd, busy, ncpus);
  if (j >= sd.lastBalance + interval) {
    h.state.balance.periodic++;
    if (loadBalance(h, cpu, idle) > 0) {
      idle = idleCpu(cpu) ? 'idle' : 'not-idle';
      busy = idle !== 'idle' && !schedIdleCpu(cpu);
    }
    sd.lastBalance = j;
    interval = sdBalanceInterval(sd, busy, ncpus);
  }
  if (needDecay) cpu.maxIdleBalanceCost = Math.max(MIGRATION_COST_NS, maxCost);
  cpu.nextBalance = Math.min(j + 60 * HZ, sd.lastBalance + interval);
}

/** trigger_load_balance() at a busy CPU's tick, then nohz_balancer_kick(). */
export function triggerLoadBalance(h: BalanceHost, cpu: Cpu): void {
  const s = h.state;
  const j = h.jiffies();
  if (j >= cpu.nextBalance) rebalanceDomains(h, cpu, 'not-idle');
  const idleCpus = s.cpus.filter((c) => c.curr === null && c.nrRunning === 0);
  if (idleCpus.length === 0 || j < s.nohzNextBalance || s.ilbPending) return;
  const busyCpus = s.cpus.filter((c) => c.curr !== null).length;
  if (cpu.nrRunning >= 2 || busyCpus > 1) {
    s.ilbPending = true;
    h.push(s.now + h.costs.ipiNs, 'ilb', idleCpus[0]!.id, -1, 0);
  }
}

/** _nohz_idle_balance(): rebalance_domains() for every idle CPU whose balance is due. */
export function nohzIdleBalance(h: BalanceHost): void {
  const s = h.state;
  s.ilbPending = false;
  const j = h.jiffies();
  let next = j + 60 * HZ;
  let any = false;
  for (const cpu of s.cpus) {
    if (cpu.curr !== null || cpu.nrRunning > 0) continue;
    if (j >= cpu.nextBalance) rebalanceDomains(h, cpu, 'idle');
    next = Math.min(next, cpu.nextBalance);
    any = true;
  }
  if (any) s.nohzNextBalance = next;
}

/* ---- newidle ------------------------------------------------------------------------------------ */

/** The per-CPU sched_rng() (xorshift32 here). */
function schedRng(cpu: Cpu): number {
  let x = cpu.rng;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  cpu.rng = x;
  return x;
}

function updateNextBalance(sd: Domain, next: number, ncpus: number): number {
  return Math.min(next, sd.lastBalance + sdBalanceInterval(sd, false, ncpus));
}

/** sched_balance_newidle(): a CPU about to go idle tries to pull a task. Returns > 0 if it did. */
export function newidleBalance(h: BalanceHost, cpu: Cpu): number {
  const s = h.state;
  const sd = cpu.sd!;
  const ncpus = s.cpus.length;
  if (cpu.ttwuPending) return 0;
  cpu.idleStamp = Math.max(s.now, 1);
  const j = h.jiffies();
  let next = updateNextBalance(sd, j + HZ, ncpus);
  let pulled = 0;
  if (s.overload && cpu.avgIdle >= sd.maxNewidleLbCost) {
    const d1k = schedRng(cpu) % 1024;
    let weight = 1 + sd.newidleRatio;
    if (d1k > weight) updateNewidleStats(sd, 0);
    else {
      weight = Math.floor((1024 + Math.floor(weight / 2)) / weight);
      s.balance.newidle++;
      pulled = loadBalance(h, cpu, 'newidle');
      const cost = h.costs.newidleBalanceNs;
      updateNewidleCost(sd, cost, weight * (pulled ? 1 : 0), j);
      if (cost > cpu.maxIdleBalanceCost) cpu.maxIdleBalanceCost = cost;
    }
    next = updateNextBalance(sd, next, ncpus);
  }
  if (cpu.nextBalance > next) cpu.nextBalance = next;
  if (pulled) cpu.idleStamp = 0;
  return pulled;
}
