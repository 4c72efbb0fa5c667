/**
 * The scheduler hook as the simulator runs it: the kernel side of the series
 * (kernel-hook/patches/linux-6.1: include/linux/sched/nic.h and kernel/sched/nic.c) and the module's
 * logic (kernel-hook/module/nsh_logic.c), transcribed function by function, on top of a modelled
 * NIC whose answer reaches host memory a fixed latency after the doorbell.
 *
 * Deliberate simplifications (docs/EVAL.md): the irq_work that submits runs at the same simulated
 * instant as the hook that asked for it; the simulator's card never goes away nor reloads its
 * weights (the module handles both as the C does: deviceRemoved(), reloadStarted() and
 * reloadFinished(), arm()); the driver never gives up on a slot (no `submit_stuck`); no remote
 * ticks and no debugfs. Everything else — staging, one request in flight per CPU, the done[]
 * table, tags, pickup at the task's next hook, TTL from staging, the stall watchdog, shared slots —
 * is the C, and test/kernel/hook-replay.test.ts replays the same recorded events through both.
 */

import { findSource, type FeatureSource } from '../spec/catalogue.js';
import { inputsFromRaw } from '../golden/inputs.js';
import type { Ir } from '../ir/ir.js';
import { HOOK_NICE_LIMIT, hookAdjustment } from '../spec/limits.js';

/* ---- include/linux/sched/nic.h ------------------------------------------------------------ */

/** SCHED_NIC_NICE_MAX: the hook's nice bound (codegen/spec/limits.ts). */
export const SCHED_NIC_NICE_MAX = HOOK_NICE_LIMIT;
export const SCHED_NIC_TTL_MAX_NS = 1_000_000_000;

/** task_struct::nic (the decision part and the CFS-owned tick snapshot). */
export interface NicDecision {
  /** rq clock from which the decision no longer applies; 0: none. */
  expires: number;
  tag: number;
  action: number;
  nice: number;
  tickExec: number;
}

export function emptyDecision(): NicDecision {
  return { expires: 0, tag: 0, action: 0, nice: 0, tickExec: 0 };
}

/** sched_nic_decision_adj(). */
export function schedNicDecisionAdj(t: NicDecision, now: number): number {
  const left = t.expires - now;
  if (!t.expires || left <= 0 || left > SCHED_NIC_TTL_MAX_NS) return 0;
  return hookAdjustment(t.nice);
}

/** sched_nic_place_vruntime(): the bounded wakeup placement of an adjusted task. */
export function schedNicPlaceVruntime(vruntime: number, minVruntime: number, latency: number, adj: number): number {
  const step = Math.floor((latency * Math.abs(adj)) / (2 * SCHED_NIC_NICE_MAX));
  const lo = minVruntime - latency;
  const hi = minVruntime + Math.floor(latency / 2);
  if (adj < 0) {
    const v = Math.max(vruntime - step, lo);
    return v < vruntime ? v : vruntime;
  }
  if (vruntime >= hi) return vruntime;
  return Math.min(vruntime + step, hi);
}

/**
 * sched_nic_tick_window(): the runtime since the window began (the previous tick, the decision's
 * installation, the task's arrival on its runqueue), capped; the window restarts now.
 */
export function schedNicTickWindow(t: NicDecision, sumExecNs: number, capNs: number): number {
  const exec = sumExecNs - t.tickExec;
  t.tickExec = sumExecNs;
  return Math.min(exec, capNs);
}

/** sched_nic_window_restart(): runtime before now no longer counts at the tick. */
export function schedNicWindowRestart(t: NicDecision, sumExecNs: number): void {
  t.tickExec = sumExecNs;
}

/** sched_nic_tick_vdelta(): exec·1024·wmult_eff >> 32 − exec·1024·wmult_cur >> 32. */
export function schedNicTickVdelta(execNs: number, wmultCur: number, wmultEff: number): number {
  const scaled = BigInt(execNs) << 10n;
  return Number(((scaled * BigInt(wmultEff)) >> 32n) - ((scaled * BigInt(wmultCur)) >> 32n));
}

/* ---- the module (nsh_logic.c) -------------------------------------------------------------- */

export const NSH_DONE_ENTRIES = 64;
/** NSH_NICE_LIMIT of the generated header (= SCHED_NIC_NICE_MAX). */
export const NSH_NICE_LIMIT = HOOK_NICE_LIMIT;

export const NSH_COUNTERS = [
  'staged',
  'overwritten',
  'submitted',
  'submit_busy',
  'submit_stuck',
  'submit_error',
  'completed',
  'installed',
  'applied_wakeup',
  'applied_tick',
  'dropped_stale',
  'dropped_wrong_tag',
  'dropped_out_of_range',
  'expired',
  'lost',
  'clamped',
  'missed',
  'foreign',
] as const;
export type NshCounter = (typeof NSH_COUNTERS)[number];
export type NshCounters = Record<NshCounter, number>;

export function zeroCounters(): NshCounters {
  return Object.fromEntries(NSH_COUNTERS.map((k) => [k, 0])) as NshCounters;
}

/** The hook's words in task_struct::nic.data. */
export interface NshTask {
  reqNs: number;
  /** 0: no request pending. */
  reqId: number;
  reqCpu: number;
  /** Delta counters at the previous request, by catalogue source name. */
  prev: Map<string, bigint>;
}

export function emptyNshTask(): NshTask {
  return { reqNs: 0, reqId: 0, reqCpu: 0, prev: new Map() };
}

/** What the hook reads from a task: its decision, its words, and the catalogue's raw counters. */
export interface HookTask {
  nic: NicDecision;
  nsh: NshTask;
}

/** Raw counters of a task, by catalogue source name (cumulative for deltas, current for levels). */
export type SampleTask = (task: HookTask, now: number) => ReadonlyMap<string, bigint>;

interface DoneEntry {
  id: number;
  action: number;
}

/** struct nsh_cpu: one CPU's module state (the differential replay reads it as the C replay reads the struct). */
export interface NshCpu {
  cpu: number;
  slot: number;
  shared: boolean;
  /** Rank among the CPUs of the slot, in the tag's high bits. */
  tagBase: number;
  tagIdMask: number;
  nextId: number;
  staged: boolean;
  stagedId: number;
  stagedNs: number;
  features: number[];
  busy: boolean;
  busyTag: number;
  busyId: number;
  busyNs: number;
  busyStagedNs: number;
  /** The slot's decision sequence just before our doorbell. */
  busySeq: number;
  seenSeq: number;
  /** A staged request the driver refused (slot in flight) since waitNs. */
  waiting: boolean;
  waitNs: number;
  waitSeq: number;
  done: (DoneEntry | null)[];
  c: NshCounters;
}

/** One request slot of the NIC: its decision word in host memory and whether it is in flight. */
export interface NicSlot {
  /** The decision word: sequence, tag and action of the last RESULT. */
  seq: number;
  tag: number;
  action: number;
  inFlight: boolean;
  /** The request in flight: its tag and the action the datapath computed for its features. */
  flightTag: number;
  flightAction: number;
}

export interface HookOptions {
  /** Doorbell → decision word in host memory (PCIe writes, datapath, result write, poller), ns. */
  nicLatencyNs: number;
  cpus: number;
}

/** How the NIC computes an action for a feature vector (the golden model). */
export type Infer = (features: readonly number[]) => number;

/** The simulator supplies this to have the NIC's answer land at a later instant. */
export type ScheduleAnswer = (atNs: number, slot: number) => void;

/** Why the module stopped: its watchdog (`stall`), the card gone (`device`), its weights reloaded (`reload`). */
export type StopReason = 'stall' | 'device' | 'reload';

const U64 = (1n << 64n) - 1n;

interface PolicyFeature {
  source: FeatureSource;
}

export class HookModule {
  armed = true;
  stopReason: StopReason | null = null;
  stopAtNs: number | null = null;
  private readonly cpus: NshCpu[];
  private readonly slots: NicSlot[];
  private readonly features: PolicyFeature[];
  private readonly ttlNs: number;
  private readonly stallNs: number;
  private readonly points: { wakeup: boolean; tick: boolean };
  /** nicsched_core_state() is RUNNING: false once the card is gone (the simulator's card never goes). */
  private deviceRunning = true;
  /** nicsched_core_policy_gen(): odd while a weight reload runs, two more after each one. */
  private policyGen = 0;
  /** ctx->policy_gen: the generation the module armed on. */
  private armedGen = 0;

  constructor(
    private readonly ir: Ir,
    private readonly infer: Infer,
    private readonly sample: SampleTask,
    private readonly scheduleAnswer: ScheduleAnswer,
    private readonly opts: HookOptions,
  ) {
    this.ttlNs = ir.hook.decision_ttl_ms * 1_000_000;
    this.stallNs = ir.hook.stall_timeout_ms * 1_000_000;
    this.points = { wakeup: ir.hook.points.includes('wakeup'), tick: ir.hook.points.includes('tick') };
    this.features = ir.features.map((f) => ({ source: requireSource(f.source) }));
    const nslots = Math.max(1, ir.target.slots);
    this.slots = Array.from({ length: nslots }, () => ({ seq: 0, tag: -1, action: 0, inFlight: false, flightTag: 0, flightAction: 0 }));
    this.cpus = Array.from({ length: opts.cpus }, (_, cpu) => newCpu(cpu, cpu % nslots));
    // nsh_slot_users() + nsh_set_shared()
    const users = new Array<number>(nslots).fill(0);
    const ranks = this.cpus.map((c) => users[c.slot]!++);
    for (const c of this.cpus) {
      const n = users[c.slot]!;
      const idBits = 16 - (n > 1 ? Math.floor(Math.log2(n - 1)) + 1 : 0);
      c.shared = n > 1;
      c.tagIdMask = (1 << idBits) - 1;
      c.tagBase = (ranks[c.cpu]! << idBits) & 0xffff;
    }
  }

  /** Sums over CPUs, as debugfs `counters` shows them. */
  counters(): NshCounters {
    const sum = zeroCounters();
    for (const c of this.cpus) for (const k of NSH_COUNTERS) sum[k] += c.c[k];
    return sum;
  }

  /** nsh_on_wakeup(); true when the irq_work should submit. */
  onWakeup(cpu: number, p: HookTask, now: number): boolean {
    const c = this.cpus[cpu]!;
    if (!this.armed || !this.hook(c, p, now)) return false;
    if (schedNicDecisionAdj(p.nic, now)) c.c.applied_wakeup++;
    return this.request(c, p, now, this.points.wakeup);
  }

  /** nsh_on_tick(). */
  onTick(cpu: number, curr: HookTask, now: number): boolean {
    const c = this.cpus[cpu]!;
    // CFS corrects this tick's runtime by the decision held before the hook
    const applies = schedNicDecisionAdj(curr.nic, now) !== 0;
    if (!this.armed || !this.hook(c, curr, now)) return false;
    if (applies) c.c.applied_tick++;
    return this.request(c, curr, now, this.points.tick);
  }

  /** The card went away (an all-ones read, a bus error report): the driver's state leaves RUNNING. */
  deviceRemoved(): void {
    this.deviceRunning = false;
  }

  /** A weight reload starts on the card: the driver's reload generation turns odd. */
  reloadStarted(): void {
    this.policyGen++;
  }

  /** The weight reload ends: the generation is even again, two past where it was. */
  reloadFinished(): void {
    this.policyGen++;
  }

  /**
   * The module's explicit re-arm: nsh_arm_check() (refused, and stopped with the refusal's reason,
   * while the card is gone or a reload runs; the generation is noted), then nsh_cpu_reset() of every
   * CPU. The provider's new registration (sched_nic_task_begin() for the tasks) is the kernel's.
   */
  arm(now: number): boolean {
    const refusal: StopReason | null = !this.deviceRunning ? 'device' : this.policyGen & 1 ? 'reload' : null;
    if (refusal) {
      this.armed = false;
      this.stopReason = refusal;
      this.stopAtNs = now;
      return false;
    }
    this.armedGen = this.policyGen;
    for (const c of this.cpus) {
      c.staged = false;
      c.busy = false;
      c.waiting = false;
      c.seenSeq = this.slots[c.slot]!.seq;
    }
    this.armed = true;
    this.stopReason = null;
    this.stopAtNs = null;
    return true;
  }

  /** nsh_submit(): the irq_work. */
  submit(cpu: number, now: number): void {
    const c = this.cpus[cpu]!;
    if (!this.armed) return;
    this.harvest(c, now);
    if (!c.staged || c.busy) return;
    const tag = nshTag(c, c.stagedId);
    const seq = this.slots[c.slot]!.seq;
    const ret = this.coreSubmit(c.slot, c.features, tag, now);
    if (ret === 'busy') {
      c.c.submit_busy++;
      if (!c.waiting) {
        c.waiting = true;
        c.waitNs = now;
        c.waitSeq = seq;
      }
      return;
    }
    c.staged = false;
    c.waiting = false;
    if (ret === 'nodev') {
      this.stop('device', now);
      return;
    }
    if (ret === 'invalid') {
      c.c.submit_error++;
      return;
    }
    c.busy = true;
    c.busyTag = tag;
    c.busyId = c.stagedId;
    c.busyNs = now;
    c.busyStagedNs = c.stagedNs;
    c.busySeq = seq;
    c.seenSeq = seq;
    c.c.submitted++;
  }

  /** The driver's poller saw the RESULT of a slot: its decision word changes (seq, tag, action). */
  complete(slot: number): void {
    const s = this.slots[slot]!;
    if (!s.inFlight || !this.deviceRunning) return;
    s.seq++;
    s.tag = s.flightTag;
    s.action = s.flightAction;
    s.inFlight = false;
  }

  /** nicsched_core_submit() plus the NIC: the answer lands after the modelled latency. */
  private coreSubmit(slot: number, features: readonly number[], tag: number, now: number): 'ok' | 'busy' | 'invalid' | 'nodev' {
    const s = this.slots[slot]!;
    if (!this.deviceRunning) return 'nodev';
    if (s.inFlight) return 'busy';
    if (tag === s.tag) return 'invalid';
    s.inFlight = true;
    s.flightTag = tag;
    s.flightAction = this.infer(features);
    if (Number.isFinite(this.opts.nicLatencyNs)) this.scheduleAnswer(now + this.opts.nicLatencyNs, slot);
    return 'ok';
  }

  private hook(c: NshCpu, p: HookTask, now: number): boolean {
    this.harvest(c, now);
    if (!this.watchdog(c, now)) return false;
    this.pickup(c, p, now);
    return true;
  }

  private harvest(c: NshCpu, now: number): void {
    if (!c.busy) return;
    const d = this.slots[c.slot]!;
    if (d.seq === c.seenSeq) return;
    c.seenSeq = d.seq;
    if (d.tag === c.busyTag) {
      this.answer(c, d.action, now);
    } else if (!c.shared) {
      c.c.dropped_wrong_tag++;
    } else {
      c.c.foreign++;
      // two answers past our doorbell: ours came and another CPU's replaced it
      if (d.seq - c.busySeq >= 2) {
        c.busy = false;
        c.c.missed++;
      }
    }
  }

  private answer(c: NshCpu, action: number, now: number): void {
    c.busy = false;
    c.c.completed++;
    // the answer is read; only now does the generation tell which weights computed it
    if (!this.policyCurrent(now)) return;
    if (action >= this.ir.actions.length) {
      c.c.dropped_out_of_range++;
      return;
    }
    if (now - c.busyStagedNs >= this.ttlNs) {
      c.c.dropped_stale++;
      return;
    }
    c.done[c.busyId % NSH_DONE_ENTRIES] = { id: c.busyId, action };
  }

  /** nsh_policy_current(): is the card still running the policy the module armed on? Stops it when not. */
  private policyCurrent(now: number): boolean {
    if (this.policyGen === this.armedGen) return true;
    this.stop('reload', now);
    return false;
  }

  /**
   * The card gone or its policy reloaded, or no answer and no progress on the CPU's slot for the
   * stall timeout: stop (owned or shared).
   */
  private watchdog(c: NshCpu, now: number): boolean {
    if (!this.deviceRunning) {
      this.stop('device', now);
      return false;
    }
    if (!this.policyCurrent(now)) return false;
    if (!(c.busy && now - c.busyNs >= this.stallNs)) {
      if (!c.waiting) return true;
      const seq = this.slots[c.slot]!.seq;
      if (seq !== c.waitSeq) {
        c.waitSeq = seq;
        c.waitNs = now;
        return true;
      }
      if (now - c.waitNs < this.stallNs) return true;
    }
    this.stop('stall', now);
    return false;
  }

  private stop(why: StopReason, now: number): void {
    if (!this.armed) return;
    this.armed = false;
    this.stopReason = why;
    this.stopAtNs = now;
  }

  private pickup(here: NshCpu, p: HookTask, now: number): void {
    const t = p.nsh;
    if (!t.reqId) return;
    const e = this.cpus[t.reqCpu]?.done[t.reqId % NSH_DONE_ENTRIES] ?? null;
    if (!e || e.id !== t.reqId) {
      // an empty entry reads as id 0, as the C's zeroed u64 does
      const newerTookIt = (((e?.id ?? 0) - t.reqId) | 0) > 0;
      if (newerTookIt || now - t.reqNs >= this.ttlNs) {
        t.reqId = 0;
        here.c.lost++;
      }
      return;
    }
    t.reqId = 0;
    if (now - t.reqNs >= this.ttlNs) {
      here.c.expired++;
      return;
    }
    this.install(here, p, e.id, e.action);
  }

  private install(here: NshCpu, p: HookTask, id: number, action: number): void {
    const nice = this.ir.actions[action]!.nice;
    const adj = hookAdjustment(nice); // nsh_clamp_nice()
    if (adj !== nice) here.c.clamped++;
    p.nic.tag = id;
    p.nic.action = action;
    p.nic.nice = adj;
    p.nic.expires = p.nsh.reqNs + this.ttlNs;
    here.c.installed++;
  }

  private request(c: NshCpu, p: HookTask, now: number, point: boolean): boolean {
    if (point && this.wantsRequest(p, now)) this.stage(c, p, now);
    return c.staged && !c.busy;
  }

  private wantsRequest(p: HookTask, now: number): boolean {
    if (p.nsh.reqId) return false;
    return !p.nic.expires || p.nic.expires - now <= Math.floor(this.ttlNs / 2);
  }

  private stage(c: NshCpu, p: HookTask, now: number): void {
    const t = p.nsh;
    const cur = this.sample(p, now);
    c.features = this.policyFeatures(cur, t.prev);
    for (const [name, v] of cur) if (requireSource(name).kind === 'delta') t.prev.set(name, v);
    if (c.staged) c.c.overwritten++;
    c.nextId = (c.nextId + 1) >>> 0 || 1;
    c.staged = true;
    c.stagedId = c.nextId;
    c.stagedNs = now;
    t.reqId = c.nextId;
    t.reqCpu = c.cpu;
    t.reqNs = now;
    c.c.staged++;
  }

  /**
   * nsh_policy_features(): the delta (u64, as the kernel subtracts) or the level of each source,
   * then the golden model's input path (catalogue transform, saturation to the input format).
   */
  policyFeatures(cur: ReadonlyMap<string, bigint>, prev: ReadonlyMap<string, bigint>): number[] {
    const raw: Record<string, bigint> = {};
    for (const { source } of this.features) {
      const value = cur.get(source.name);
      if (value === undefined) throw new Error(`the simulator does not maintain the counter of ${source.name}`);
      raw[source.name] = source.kind === 'delta' ? (value - (prev.get(source.name) ?? 0n)) & U64 : value;
    }
    return inputsFromRaw(this.ir, raw);
  }
}

function requireSource(name: string): FeatureSource {
  const s = findSource(name);
  if (!s) throw new Error(`unknown feature source ${name}`);
  return s;
}

function newCpu(cpu: number, slot: number): NshCpu {
  return {
    cpu,
    slot,
    shared: false,
    tagBase: 0,
    tagIdMask: 0xffff,
    nextId: 0,
    staged: false,
    stagedId: 0,
    stagedNs: 0,
    features: [],
    busy: false,
    busyTag: 0,
    busyId: 0,
    busyNs: 0,
    busyStagedNs: 0,
    busySeq: 0,
    seenSeq: 0,
    waiting: false,
    waitNs: 0,
    waitSeq: 0,
    done: new Array<DoneEntry | null>(NSH_DONE_ENTRIES).fill(null),
    c: zeroCounters(),
  };
}

/** nsh_tag(): the CPU's rank among its slot's CPUs in the high bits, the request id below. */
function nshTag(c: NshCpu, id: number): number {
  return c.tagBase | (id & c.tagIdMask);
}
