/**
 * Who decides, in a simulated run with the kernel patch's hook points armed:
 *
 * - `nicProvider`: the nicsched_hook module (hook.ts, a transcription of nsh_logic.c) asking the
 *   NIC, whose answer lands a fixed latency after the doorbell and is picked up at the task's next
 *   hook: the policy as deployed.
 * - `cpuProvider`: the same MLP computed on the CPU inside the hook, with zero latency: at every
 *   point where the module would stage a request, the golden model decides and the decision
 *   applies at once. The difference to `nicProvider` is what the NIC's asynchrony costs. In
 *   `deferred` mode the decision applies from the task's next hook instead (the module's pickup
 *   with no NIC latency): the labeller's runs (learn/counterfactual.ts).
 * - `oracleProvider`: knows each waking task's next burst (the simulator's phase tape) and applies
 *   the policy's strongest boost to bursts shorter than a threshold: what the action space allows
 *   with perfect knowledge where waiting tasks differ in burst length.
 * - `coinProvider`: boosts each waking task with probability 1/2, seeded, knowing nothing: what a
 *   policy gets from boosting some wakeups and not others, without predicting anything.
 *
 * The simulator applies decisions the way kernel/sched/nic.c does (sim.ts); a provider only fills
 * task_struct::nic. SCHED_IDLE tasks never reach a provider (sched_nic_wakeup/tick skip them).
 */

import { GoldenModel } from '../golden/model.js';
import type { Ir } from '../ir/ir.js';
import { findSource } from '../spec/catalogue.js';
import { HookModule, zeroCounters, type NshCounters } from './hook.js';
import type { Task } from './state.js';
import { rng } from './workload.js';

/** What a provider may ask the simulator. */
export interface HookContext {
  /** The catalogue's raw counters of a task (sim.ts rawCounters). */
  rawCounters(task: Task): ReadonlyMap<string, bigint>;
  /** CPU work of the task's next burst (until it next blocks), from its phase tape. */
  nextBurstNs(task: Task): number;
  /** Have `answer(slot)` called at `atNs`. */
  scheduleAnswer(atNs: number, slot: number): void;
}

export interface DecisionProvider {
  readonly name: string;
  /** False once the provider stopped itself (the module's watchdog): stock CFS from then on. */
  readonly armed: boolean;
  /** sched_nic_wakeup(): after place_entity() of a waking task, before its decision applies. */
  wakeup(ctx: HookContext, cpu: number, task: Task, now: number): void;
  /** sched_nic_tick(): after entity_tick() of the running task, before its decision applies. */
  tick(ctx: HookContext, cpu: number, task: Task, now: number): void;
  /** A decision word landed (NIC only). */
  answer(slot: number): void;
  /** Counters with the names debugfs uses (null: not the module). */
  counters(): NshCounters | null;
  stopped(): { reason: string; atNs: number } | null;
}

/* ---- the module and the NIC ------------------------------------------------------------------- */

export function nicProvider(ir: Ir, infer: (features: readonly number[]) => number, nicLatencyNs: number, cpus: number): DecisionProvider {
  // The module calls back into the simulator only from inside onWakeup/onTick/submit.
  let ctx: HookContext | null = null;
  const module = new HookModule(
    ir,
    infer,
    (task) => ctx!.rawCounters(task as Task),
    (at, slot) => ctx!.scheduleAnswer(at, slot),
    { nicLatencyNs, cpus },
  );
  return {
    name: 'nic',
    get armed() {
      return module.armed;
    },
    wakeup(c, cpu, task, now) {
      ctx = c;
      if (module.onWakeup(cpu, task, now)) module.submit(cpu, now);
    },
    tick(c, cpu, task, now) {
      ctx = c;
      if (module.onTick(cpu, task, now)) module.submit(cpu, now);
    },
    answer: (slot) => module.complete(slot),
    counters: () => module.counters(),
    stopped: () => (module.stopReason ? { reason: module.stopReason, atNs: module.stopAtNs ?? 0 } : null),
  };
}

/* ---- the same MLP on the CPU ------------------------------------------------------------------- */

/** The module's request rule: no request pending, and no decision or less than half its TTL left. */
function wantsDecision(task: Task, now: number, ttlNs: number): boolean {
  return !task.nic.expires || task.nic.expires - now <= Math.floor(ttlNs / 2);
}

function isDelta(source: string): boolean {
  return findSource(source)?.kind === 'delta';
}

/** Called with the inputs of every decision the CPU provider makes (the labeller records them). */
export type OnDecision = (task: Task, inputs: readonly number[], now: number) => void;

export interface CpuProviderOptions {
  onDecision?: OnDecision;
  /**
   * Decide at the request, apply from the task's next hook, as the module picks up an answer: the
   * NIC's timing with no latency (the labeller's runs). Without it the decision applies at once.
   */
  deferred?: boolean;
}

function install(ir: Ir, task: Task, action: number, expires: number): void {
  task.nic.action = action;
  task.nic.nice = Math.max(-8, Math.min(8, ir.actions[action]?.nice ?? 0));
  task.nic.expires = expires;
}

/**
 * A decision pending pickup (deferred mode) lives in the task's hook words, which the module would
 * use for its request: reqId = action + 1, reqNs = when it was requested.
 */
export function setPendingDecision(task: Task, action: number, requestedNs: number): void {
  task.nsh.reqId = action + 1;
  task.nsh.reqNs = requestedNs;
}

export function cpuProvider(ir: Ir, infer: (features: readonly number[]) => number, o: CpuProviderOptions = {}): DecisionProvider {
  const ttlNs = ir.hook.decision_ttl_ms * 1_000_000;
  const points = { wakeup: ir.hook.points.includes('wakeup'), tick: ir.hook.points.includes('tick') };
  // The module's own feature path (deltas since the task's previous request, catalogue transforms,
  // saturation): only its policyFeatures() is used, the callbacks never run.
  const features = new HookModule(
    ir,
    infer,
    () => new Map(),
    () => undefined,
    { nicLatencyNs: 0, cpus: 1 },
  );
  const c = zeroCounters(); // the module's names: staged = decisions computed, installed = applied ones
  const pickup = (task: Task, now: number): void => {
    const t = task.nsh;
    if (!t.reqId) return;
    if (now - t.reqNs < ttlNs) {
      install(ir, task, t.reqId - 1, t.reqNs + ttlNs);
      c.installed++;
    } else c.expired++;
    t.reqId = 0;
  };
  const decide = (ctx: HookContext, task: Task, now: number, point: boolean, applied: 'applied_wakeup' | 'applied_tick'): void => {
    if (o.deferred) pickup(task, now);
    if (point && !task.nsh.reqId && wantsDecision(task, now, ttlNs)) {
      const cur = ctx.rawCounters(task);
      const x = features.policyFeatures(cur, task.nsh.prev);
      for (const [name, v] of cur) if (isDelta(name)) task.nsh.prev.set(name, v);
      const action = infer(x);
      c.staged++;
      if (o.deferred) setPendingDecision(task, action, now);
      else {
        install(ir, task, action, now + ttlNs);
        c.installed++;
      }
      o.onDecision?.(task, x, now);
    }
    if (task.nic.expires > now && task.nic.nice !== 0) c[applied]++;
  };
  return {
    name: 'cpu',
    armed: true,
    wakeup: (ctx, _cpu, task, now) => decide(ctx, task, now, points.wakeup, 'applied_wakeup'),
    tick: (ctx, _cpu, task, now) => decide(ctx, task, now, points.tick, 'applied_tick'),
    answer: () => undefined,
    counters: () => c,
    stopped: () => null,
  };
}

/* ---- the next-burst oracle ------------------------------------------------------------------- */

export interface OracleOptions {
  /** Bursts shorter than this get the boost. */
  thresholdNs: number;
  /** The adjustment (negative: a boost), clamped to ±8 as the module clamps. */
  adj: number;
  ttlNs: number;
}

/** The policy's strongest boost (the most negative action nice), or -8 when it has none. */
export function strongestBoost(ir: Ir): number {
  const n = Math.min(0, ...ir.actions.map((a) => a.nice));
  return Math.max(-8, n === 0 ? -8 : n);
}

/**
 * A provider that acts at wakeups only and at once: `boosts` says whether this waking task gets
 * `adj` (clamped to ±8 as the module clamps) for `ttlNs`; otherwise its decision is cleared.
 */
function wakeupBooster(name: string, adj: number, ttlNs: number, boosts: (ctx: HookContext, task: Task) => boolean): DecisionProvider {
  const c = zeroCounters();
  return {
    name,
    armed: true,
    wakeup(ctx, _cpu, task, now) {
      c.staged++;
      if (boosts(ctx, task)) {
        task.nic.nice = Math.max(-8, Math.min(8, adj));
        task.nic.expires = now + ttlNs;
        c.installed++;
        c.applied_wakeup++;
      } else {
        task.nic.expires = 0;
      }
    },
    tick: () => undefined,
    answer: () => undefined,
    counters: () => c,
    stopped: () => null,
  };
}

export function oracleProvider(o: OracleOptions): DecisionProvider {
  return wakeupBooster('oracle', o.adj, o.ttlNs, (ctx, task) => ctx.nextBurstNs(task) < o.thresholdNs);
}

/* ---- the coin flip ---------------------------------------------------------------------------- */

export interface CoinOptions {
  /** The adjustment a won flip gets (negative: a boost), clamped to ±8 as the module clamps. */
  adj: number;
  ttlNs: number;
  seed: number;
}

/**
 * A boost for a random half of the wakeups, applied at once. Waking tasks that get it are placed
 * ahead of running and queued tasks that did not, so it shortens waits without knowing anything
 * about any task: the share of a policy's effect that needs no prediction at all.
 */
export function coinProvider(o: CoinOptions): DecisionProvider {
  const flip = rng(o.seed);
  return wakeupBooster('coin', o.adj, o.ttlNs, () => flip() < 0.5);
}

export function goldenInfer(ir: Ir): (features: readonly number[]) => number {
  const model = new GoldenModel(ir);
  return (f) => model.inferAction(f);
}
