/**
 * Linux 6.1 CFS arithmetic, transcribed from kernel/sched/fair.c and core.c of linux-source-6.1
 * (Debian 6.1.192): the weight tables, __calc_delta() with its inverse-weight fixed point,
 * sched_slice(), wakeup_gran(), place_entity() and the tunables with their CPU-count scaling.
 *
 * Times and vruntimes are integer nanoseconds held in JS numbers (exact below 2^53 ns, 104 days).
 * Products that can exceed 2^53 (delta · inverse weight) are done in BigInt, as the kernel's
 * mul_u64_u32_shr() does them in 128 bits.
 */

/** kernel/sched/core.c sched_prio_to_weight[], index = nice + 20. */
const PRIO_TO_WEIGHT: readonly number[] = [88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15];

/** kernel/sched/core.c sched_prio_to_wmult[] = 2^32 / weight, index = nice + 20. */
const PRIO_TO_WMULT: readonly number[] = [
  48388, 59856, 76040, 92818, 118348, 147320, 184698, 229616, 287308, 360437, 449829, 563644, 704093, 875809, 1099582, 1376151, 1717300, 2157191, 2708050, 3363326, 4194304, 5237765, 6557202, 8165337, 10153587, 12820798, 15790321, 19976592, 24970740, 31350126, 39045157, 49367440,
  61356676, 76695844, 95443717, 119304647, 148102320, 186737708, 238609294, 286331153,
];

/** scale_load_down(NICE_0_LOAD): weights below are the table values (the kernel's >> 10 view). */
const NICE_0_WEIGHT = 1024;
const WMULT_CONST = 0xffffffffn;
const WMULT_SHIFT = 32;
/** sched_nr_latency: above this many runnable tasks the period stretches. */
const SCHED_NR_LATENCY = 8;
/** CONFIG_HZ=250 (Debian's): one tick every 4 ms. */
export const TICK_NS = 4_000_000;
export const HZ = 250;

function niceIndex(nice: number): number {
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new RangeError(`nice ${nice} is outside [-20, 19]`);
  return nice + 20;
}

function weightOf(nice: number): number {
  return PRIO_TO_WEIGHT[niceIndex(nice)]!;
}

export function wmultOf(nice: number): number {
  return PRIO_TO_WMULT[niceIndex(nice)]!;
}

/** The scheduling policies of the fair class (include/uapi/linux/sched.h). */
export type SchedPolicy = 'normal' | 'batch' | 'idle';

/** kernel/sched/sched.h WEIGHT_IDLEPRIO / WMULT_IDLEPRIO: a SCHED_IDLE task's load, whatever its nice. */
const WEIGHT_IDLEPRIO = 3;
const WMULT_IDLEPRIO = 1431655765;

/** A task's load_weight as set_load_weight() sets it: the nice tables, or the idle weight for SCHED_IDLE. */
export interface LoadWeight {
  weight: number;
  /** 2^32 / weight (the inverse weight of __calc_delta()). */
  inv: number;
}

export function loadWeight(policy: SchedPolicy, nice: number): LoadWeight {
  if (policy === 'idle') return { weight: WEIGHT_IDLEPRIO, inv: WMULT_IDLEPRIO };
  return { weight: weightOf(nice), inv: wmultOf(nice) };
}

/** The tunables after update_sysctl(): normalized value × (1 + ilog2(min(cpus, 8))) (SCHED_TUNABLESCALING_LOG). */
export interface CfsTunables {
  factor: number;
  latencyNs: number;
  minGranularityNs: number;
  wakeupGranularityNs: number;
}

export function cfsTunables(cpus: number): CfsTunables {
  const factor = 1 + Math.floor(Math.log2(Math.min(Math.max(cpus, 1), 8)));
  return { factor, latencyNs: 6_000_000 * factor, minGranularityNs: 750_000 * factor, wakeupGranularityNs: 1_000_000 * factor };
}

function fls64(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Inverse weight of a load: what __update_inv_weight() computes for a cfs_rq (2^32-1 / w). */
function invWeight(weight: number): number {
  if (weight <= 0) return Number(WMULT_CONST);
  return Number(WMULT_CONST / BigInt(weight));
}

/**
 * __calc_delta(delta, weight, lw): delta · weight / lw.weight in the kernel's fixed point, where
 * the load's inverse weight is `inv` (sched_prio_to_wmult[] for a task, invWeight() for a cfs_rq).
 */
function calcDelta(deltaNs: number, weight: number, inv: number): number {
  let fact = BigInt(weight);
  let shift = WMULT_SHIFT;
  const hi0 = fact >> 32n;
  if (hi0 > 0n) {
    const fs = fls64(hi0);
    shift -= fs;
    fact >>= BigInt(fs);
  }
  fact *= BigInt(inv);
  const hi = fact >> 32n;
  if (hi > 0n) {
    const fs = fls64(hi);
    shift -= fs;
    fact >>= BigInt(fs);
  }
  return Number((BigInt(deltaNs) * fact) >> BigInt(shift));
}

/** calc_delta_fair(): real time → virtual time of an entity of the given nice. */
export function calcDeltaFair(deltaNs: number, nice: number): number {
  return calcDeltaFairLoad(deltaNs, loadWeight('normal', nice));
}

/** calc_delta_fair() for any load weight (SCHED_IDLE included). */
export function calcDeltaFairLoad(deltaNs: number, lw: LoadWeight): number {
  if (lw.weight === NICE_0_WEIGHT) return deltaNs;
  return calcDelta(deltaNs, NICE_0_WEIGHT, lw.inv);
}

/** __sched_period(). */
function schedPeriod(nrRunning: number, t: CfsTunables): number {
  return nrRunning > SCHED_NR_LATENCY ? nrRunning * t.minGranularityNs : t.latencyNs;
}

/**
 * sched_slice() without group scheduling: the period (for nr_running, plus the entity when it is
 * not on the runqueue) split by the entity's weight over the runqueue's load, at least
 * min_granularity (BASE_SLICE). `rqLoad` and `nrRunning` already include the entity when it is on_rq.
 */
export function schedSlice(nice: number, onRq: boolean, nrRunning: number, rqLoad: number, t: CfsTunables): number {
  return schedSliceLoad(loadWeight('normal', nice), onRq, nrRunning, rqLoad, t, false);
}

/** sysctl_sched_idle_min_granularity: the BASE_SLICE floor of a SCHED_IDLE entity next to non-idle ones (not scaled). */
const IDLE_MIN_GRANULARITY_NS = 750_000;

/**
 * sched_slice() for any load weight. `idleFloor`: the entity is SCHED_IDLE and the cfs_rq has
 * non-idle entities, so BASE_SLICE uses sysctl_sched_idle_min_granularity.
 */
export function schedSliceLoad(lw: LoadWeight, onRq: boolean, nrRunning: number, rqLoad: number, t: CfsTunables, idleFloor: boolean): number {
  const load = onRq ? rqLoad : rqLoad + lw.weight;
  const slice = calcDelta(schedPeriod(nrRunning + (onRq ? 0 : 1), t), lw.weight, invWeight(load));
  return Math.max(slice, idleFloor ? IDLE_MIN_GRANULARITY_NS : t.minGranularityNs);
}

/** wakeup_gran(se): the wakeup granularity in se's virtual time. */
export function wakeupGran(nice: number, t: CfsTunables): number {
  return calcDeltaFair(t.wakeupGranularityNs, nice);
}

/**
 * wakeup_preempt_entity(curr, se) with se's load weight: -1 when curr is not ahead of se, 1 when it
 * is ahead by more than se's wakeup granularity, else 0.
 */
export function wakeupPreemptLoad(currVruntime: number, seVruntime: number, se: LoadWeight, t: CfsTunables): -1 | 0 | 1 {
  const vdiff = currVruntime - seVruntime;
  if (vdiff <= 0) return -1;
  return vdiff > calcDeltaFairLoad(t.wakeupGranularityNs, se) ? 1 : 0;
}

/**
 * place_entity(cfs_rq, se, 0) for a wakeup with GENTLE_FAIR_SLEEPERS: a sleeper gets at most half
 * a latency period of credit, and never moves backwards. (The long-sleeper reset of 6.1.192 needs
 * ~104 days of sleep and cannot happen in a simulation.)
 */
export function placeWakeup(vruntime: number, minVruntime: number, t: CfsTunables): number {
  return Math.max(vruntime, minVruntime - Math.floor(t.latencyNs / 2));
}
