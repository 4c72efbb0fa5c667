/**
 * Labels from outcomes: what the simulator says each action would have done for that task at that
 * moment.
 *
 * A workload runs in the eval simulator (codegen/eval/) under stock CFS, with the hook armed the way
 * the module asks: a task gets a decision point when it has no decision or less than half its TTL
 * left (nsh_logic.c's request rule), and the inputs are the module's own feature path (deltas since
 * the task's previous request, catalogue transforms, saturation). Every decision point installs
 * `keep` (so the request cadence is the deployed one) and, for every `sampleEvery`-th point, the
 * simulator state is snapshotted right after the event and continued once per action of the
 * template: the task carries that action's decision (applied from its next hook until the
 * request's TTL runs out, as the kernel applies an answer), everyone else stays with CFS. Each
 * continuation runs `horizonNs` and is scored:
 *
 *   cost(a) = Σ (latency / 1 ms)²  over interactive wakeups and requests that completed in the
 *                                  window, plus those still waiting at its end (waited so far)
 *           + λ · (batch work of `keep` − batch work of a) / 1 ms
 *
 * The squares weigh the tail; λ prices lost batch throughput. The label is the cheapest action,
 * unless it beats `keep` by less than `margin` (then `keep`): a decision must earn its place.
 */

import { cpuProvider, setPendingDecision, type DecisionProvider, type OnDecision } from '../eval/providers.js';
import { Simulator, type Costs, type SimResult, type Snapshot } from '../eval/sim.js';
import type { SimState, Task } from '../eval/state.js';
import type { Workload } from '../eval/workload.js';
import type { Ir } from '../ir/ir.js';

export interface CounterfactualOptions {
  cpus: number;
  durationNs: number;
  costs: Costs;
  balancing: boolean;
  /** How long each continuation runs after the decision point. */
  horizonNs: number;
  /** Label one decision point in this many (deterministic stride). */
  sampleEvery: number;
  /** ms² of latency cost per ms of batch work lost. */
  lambda: number;
  /** A non-keep action must beat keep by this much (cost units). */
  margin: number;
  /** cost per latency: (latency / 1 ms)^power; 2 weighs the tail, 1 is the mean latency. */
  power: number;
  /**
   * Who decides for every task, in the run and in the continuations (null: keep for everyone, i.e.
   * CFS). A policy here makes the labels Q^π: this action now, that policy afterwards and for the
   * others — what the next round of policy iteration needs.
   */
  behaviour: Behaviour | null;
}

export interface Behaviour {
  name: string;
  hash: string;
  ir: Ir;
  infer: (x: readonly number[]) => number;
}

export const DEFAULT_COUNTERFACTUAL: Omit<CounterfactualOptions, 'cpus' | 'costs'> = { durationNs: 2_000_000_000, balancing: true, horizonNs: 40_000_000, sampleEvery: 4, lambda: 1, margin: 0.05, power: 2, behaviour: null };

export interface LabelledPoint {
  /** The policy's inputs at the decision point. */
  x: number[];
  /** The cheapest action's index. */
  y: number;
  /** cost(a) for every action, ms². */
  costs: number[];
  task: string;
  cls: string;
  atNs: number;
}

interface Marks {
  wake: number[];
  request: number[];
  batchWork: number;
}

const MS = 1_000_000;

function marks(s: SimState): Marks {
  return { wake: s.tasks.map((t) => t.wakeLatency.length), request: s.tasks.map((t) => t.requestLatency.length), batchWork: batchWork(s) };
}

function batchWork(s: SimState): number {
  return s.tasks.reduce((a, t) => a + (t.cls === 'batch' ? t.workNs : 0), 0);
}

/**
 * A workload with requests: some task stamps the requests it posts with their intended arrival (a
 * message thread) or completes requests (a worker).
 */
export function hasRequests(s: SimState): boolean {
  return s.tasks.some((t) => t.arrivalAt !== null || t.requestLatency.length > 0);
}

/**
 * Latency cost of a window since `m`, in the latency the workload's headline measures (EVAL.md), each
 * wait counted once. A workload with requests is judged by its requests, from their intended
 * arrival: those completed in the window, those being served and those still queued at its end.
 * The wakeups on a request's path (the message thread's, the worker's) are inside that latency and
 * are not counted again. Any other workload is judged by its interactive wakeups: those completed
 * in the window plus those still waiting.
 */
export function latencyCost(s: SimState, m: Marks, power = 2): number {
  const sq = (ns: number) => (ns / MS) ** power;
  const requests = hasRequests(s);
  let cost = 0;
  s.tasks.forEach((t, i) => {
    if (t.cls !== 'interactive') return;
    if (requests) {
      for (let k = m.request[i]!; k < t.requestLatency.length; k++) cost += sq(t.requestLatency[k]!);
      if (t.requestStart !== null && t.state !== 'blocked') cost += sq(s.now - t.requestStart);
    } else {
      for (let k = m.wake[i]!; k < t.wakeLatency.length; k++) cost += sq(t.wakeLatency[k]!);
      if (t.wakeAt !== null) cost += sq(s.now - t.wakeAt);
    }
  });
  if (requests) for (const ch of Object.values(s.channels)) for (const posted of ch.messages) cost += sq(s.now - posted);
  return cost;
}

/** The snapshot with the task's request answered by `action` instead (picked up at its next hook). */
function withDecision(snap: Snapshot, task: number, action: number): Snapshot {
  const state = structuredClone(snap.state);
  setPendingDecision(state.tasks[task]!, action, state.now);
  return { state, tapes: snap.tapes };
}

/** The deciding provider of the run and of every continuation: the behaviour policy, or keep. */
function decider(ir: Ir, o: CounterfactualOptions, onDecision?: OnDecision): DecisionProvider {
  const keep = keepIndex(ir);
  const b = o.behaviour;
  return cpuProvider(b ? b.ir : ir, b ? b.infer : () => keep, { deferred: true, ...(onDecision ? { onDecision } : {}) });
}

/** The cost of every action for `task`, decided at the snapshot's instant. */
function scoreActions(snap: Snapshot, task: Task, ir: Ir, o: CounterfactualOptions): number[] {
  const t0 = snap.state.now;
  const m = marks(snap.state);
  const end = t0 + o.horizonNs;
  const outcomes = ir.actions.map((_, k) => {
    const sim = Simulator.resume(withDecision(snap, task.idx, k), { cpus: o.cpus, durationNs: end, costs: o.costs, balancing: o.balancing, decisions: decider(ir, o) });
    sim.runUntil(end);
    sim.state.now = end;
    return { latency: latencyCost(sim.state, m, o.power), batch: batchWork(sim.state) - m.batchWork };
  });
  const keep = outcomes[keepIndex(ir)]!;
  return outcomes.map((r) => r.latency + (o.lambda * (keep.batch - r.batch)) / MS);
}

export function keepIndex(ir: Ir): number {
  const i = ir.actions.findIndex((a) => a.nice === 0);
  return i >= 0 ? i : 0;
}

/** argmin of the costs; keep unless another action is cheaper by more than the margin. */
export function chooseLabel(costs: readonly number[], keep: number, margin: number): number {
  let best = keep;
  costs.forEach((c, k) => {
    if (c < costs[best]!) best = k;
  });
  return costs[best]! < costs[keep]! - margin ? best : keep;
}

/** Run `w` under CFS and label every `sampleEvery`-th decision point by its counterfactuals. */
export function labelWorkload(w: Workload, ir: Ir, o: CounterfactualOptions): LabelledPoint[] {
  return labelRun(w, ir, o).points;
}

/** labelWorkload, plus the base run's own result (the continuations must leave it untouched). */
export function labelRun(w: Workload, ir: Ir, o: CounterfactualOptions): { points: LabelledPoint[]; base: SimResult } {
  const keep = keepIndex(ir);
  const pending: { task: Task; x: number[]; at: number }[] = [];
  let seen = 0;
  const provider = decider(ir, o, (task, x, at) => {
    if (seen++ % o.sampleEvery === 0) pending.push({ task, x: [...x], at });
  });
  const sim = new Simulator(w, { cpus: o.cpus, durationNs: o.durationNs, costs: o.costs, balancing: o.balancing, decisions: provider });
  const points: LabelledPoint[] = [];
  const last = o.durationNs - o.horizonNs;
  while (sim.step(last)) {
    if (pending.length === 0) continue;
    const snap = sim.snapshot();
    for (const p of pending.splice(0)) {
      const costs = scoreActions(snap, snap.state.tasks[p.task.idx]!, ir, o);
      points.push({ x: p.x, y: chooseLabel(costs, keep, o.margin), costs, task: p.task.name, cls: p.task.cls, atNs: p.at });
    }
  }
  pending.length = 0;
  sim.runUntil(o.durationNs);
  return { points, base: sim.finish() };
}
