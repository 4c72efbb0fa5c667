/**
 * The hook's differential replay: one recording of hook events, replayed through the C the kernel
 * runs (kernel-hook/userspace/nsh_harness.c `replay`: nsh_logic.c, the series' kernel/sched/nic.c
 * and the driver's core on the Verilated NIC) and through its TypeScript transcription
 * (codegen/eval/hook.ts, with the kernel side of nic.c restated here over hook.ts's sched_nic_*
 * helpers, as sim.ts does). Both print the same trace; test/kernel/hook-replay.test.ts compares
 * them line by line. The format is documented in nsh_harness.c and docs/HOOK.md.
 *
 * Recordings come from the scheduling simulator (recordSimulation(): its nic provider wrapped, every
 * hook call, irq_work, answer and window restart written down) and from hook-replay-cases.ts.
 */

import { GoldenModel } from '../../codegen/golden/model.js';
import type { Ir } from '../../codegen/ir/ir.js';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { wmultOf, type SchedPolicy } from '../../codegen/eval/cfs.js';
import {
  emptyDecision,
  emptyNshTask,
  HookModule,
  NSH_COUNTERS,
  NSH_DONE_ENTRIES,
  schedNicDecisionAdj,
  schedNicPlaceVruntime,
  schedNicTickVdelta,
  schedNicTickWindow,
  schedNicWindowRestart,
  zeroCounters,
  type HookTask,
  type NicDecision,
  type NicSlot,
  type NshCounters,
  type NshCpu,
  type NshTask,
} from '../../codegen/eval/hook.js';
import { goldenInfer, nicProvider, type DecisionProvider, type HookContext } from '../../codegen/eval/providers.js';
import { Simulator, type AdjustEvent } from '../../codegen/eval/sim.js';
import type { Task } from '../../codegen/eval/state.js';
import type { Workload } from '../../codegen/eval/workload.js';
import { FEATURE_SOURCES } from '../../codegen/spec/catalogue.js';

/* ---- the format ------------------------------------------------------------------------------ */

export const REPLAY_MAGIC = 'nsh-replay 1';
/** The raw counter columns of wakeup and tick: the catalogue's sources, in its order. */
export const REPLAY_SOURCES: readonly string[] = FEATURE_SOURCES.map((s) => s.name);

export interface ReplayHeader {
  /** POLICY_HASH: the first 8 hex digits of the policy hash. */
  policyHash32: string;
  cpus: number;
  /** sysctl_sched_latency, ns. */
  latencyNs: number;
}

/** A task as the hooks see it: its scheduling policy, its vruntime and the catalogue's raw counters. */
export interface TaskSnapshot {
  policy: SchedPolicy;
  vruntime: number;
  /** By catalogue source name (REPLAY_SOURCES), cumulative counters and levels alike. */
  raw: ReadonlyMap<string, bigint>;
}

export type ReplayEvent =
  | { kind: 'wakeup'; t: number; cpu: number; rqCpu: number; task: number; minVruntime: number; snap: TaskSnapshot }
  | { kind: 'tick'; t: number; cpu: number; task: number; snap: TaskSnapshot }
  | { kind: 'migrate'; t: number; task: number; sumExec: number }
  | { kind: 'irq'; t: number; cpu: number }
  /** The card's answer for the slot's request reaches host memory; action: what it answered (null: the card's own). */
  | { kind: 'land'; t: number; slot: number; action: number | null }
  /** A decision word the driver never publishes (a late or foreign answer), one sequence on. */
  | { kind: 'word'; t: number; slot: number; tag: number; action: number }
  | { kind: 'reload'; t: number; phase: 'begin' | 'end' }
  | { kind: 'gone'; t: number }
  | { kind: 'arm'; t: number };

export interface Recording {
  header: ReplayHeader;
  events: ReplayEvent[];
}

function rawColumns(raw: ReadonlyMap<string, bigint>): string {
  return REPLAY_SOURCES.map((name) => {
    const v = raw.get(name);
    if (v === undefined) throw new Error(`recording: no raw counter for ${name}`);
    return v.toString();
  }).join(' ');
}

function eventLine(e: ReplayEvent): string {
  switch (e.kind) {
    case 'wakeup':
      return `wakeup ${e.t} ${e.cpu} ${e.rqCpu} ${e.task} ${e.snap.policy} ${e.snap.vruntime} ${e.minVruntime} ${rawColumns(e.snap.raw)}`;
    case 'tick':
      return `tick ${e.t} ${e.cpu} ${e.task} ${e.snap.policy} ${e.snap.vruntime} ${rawColumns(e.snap.raw)}`;
    case 'migrate':
      return `migrate ${e.t} ${e.task} ${e.sumExec}`;
    case 'irq':
      return `irq ${e.t} ${e.cpu}`;
    case 'land':
      return `land ${e.t} ${e.slot} ${e.action ?? '-'}`;
    case 'word':
      return `word ${e.t} ${e.slot} ${e.tag} ${e.action}`;
    case 'reload':
      return `reload ${e.t} ${e.phase}`;
    case 'gone':
    case 'arm':
      return `${e.kind} ${e.t}`;
  }
}

/** The recording as the C harness reads it. */
export function recordingText(r: Recording): string {
  const h = r.header;
  const head = [REPLAY_MAGIC, `policy ${h.policyHash32}`, `cpus ${h.cpus}`, `latency_ns ${h.latencyNs}`, `sources ${REPLAY_SOURCES.join(' ')}`];
  return `${[...head, ...r.events.map(eventLine)].join('\n')}\n`;
}

/** Decisions (answers) and hook calls in a recording: what a replay compares. */
export function recordingStats(r: Recording): { events: number; hooks: number; lands: number } {
  return {
    events: r.events.length,
    hooks: r.events.filter((e) => e.kind === 'wakeup' || e.kind === 'tick').length,
    lands: r.events.filter((e) => e.kind === 'land').length,
  };
}

/* ---- the replay through hook.ts ---------------------------------------------------------------- */

/** A task_struct of the replay: the decision and hook words (hook.ts), CFS's fields, the counters. */
interface ReplayTask extends HookTask {
  /** sched_nic_task::gen: the registration the state belongs to (0: never seen). */
  gen: number;
  policy: SchedPolicy;
  vruntime: number;
  sumExec: number;
  nice: number;
  raw: ReadonlyMap<string, bigint>;
}

/** What the replay reads of hook.ts's module beyond its API, as the C replay reads struct nsh_cpu and the driver's decision words. */
interface ModuleInternals {
  cpus: readonly NshCpu[];
  slots: readonly NicSlot[];
}

/** A vruntime adjustment as sim.ts reports it (onAdjust). */
export interface Adjustment {
  point: 'wakeup' | 'tick';
  task: number;
  atNs: number;
  adj: number;
  vruntimeBefore: number;
  vruntimeAfter: number;
}

export interface TsReplay {
  /** The trace, line for line what nsh_harness replay prints. */
  lines: string[];
  adjustments: Adjustment[];
  counters: NshCounters;
  stop: string;
}

const COUNTED = NSH_COUNTERS;

/** The kernel side of the series (kernel/sched/nic.c) and the module's glue around hook.ts. */
class TypeScriptReplay {
  readonly lines: string[] = [];
  readonly adjustments: Adjustment[] = [];
  private readonly module: HookModule;
  private readonly internals: ModuleInternals;
  private readonly tasks = new Map<number, ReplayTask>();
  private readonly pending: boolean[];
  private readonly latencyNs: number;
  /** sched_nic_gen: the provider's registration, never 0. */
  private registration = 1;
  private overrides = 0;
  private lastKick = false;
  private prevHook = 'armed';
  private readonly prevCpu: string[];
  private readonly prevCounters: NshCounters[];
  private readonly prevDone: string[][];

  constructor(
    ir: Ir,
    private readonly header: ReplayHeader,
  ) {
    const golden = new GoldenModel(ir);
    const sample = (task: HookTask): ReadonlyMap<string, bigint> => (task as ReplayTask).raw;
    this.module = new HookModule(
      ir,
      (f) => golden.inferAction(f),
      sample,
      () => undefined,
      { nicLatencyNs: Infinity, cpus: header.cpus },
    );
    this.internals = this.module as unknown as ModuleInternals;
    this.latencyNs = header.latencyNs;
    this.pending = new Array<boolean>(header.cpus).fill(false);
    this.prevCpu = new Array<string>(header.cpus).fill('');
    this.prevCounters = Array.from({ length: header.cpus }, zeroCounters);
    this.prevDone = Array.from({ length: header.cpus }, () => new Array<string>(NSH_DONE_ENTRIES).fill(''));
  }

  run(events: readonly ReplayEvent[]): TsReplay {
    events.forEach((e, n) => {
      this.event(n, e);
      this.changes(String(n));
    });
    this.end();
    return { lines: this.lines, adjustments: this.adjustments, counters: this.module.counters(), stop: this.hookState() };
  }

  private task(id: number): ReplayTask {
    let t = this.tasks.get(id);
    if (!t) {
      t = { nic: emptyDecision(), nsh: emptyNshTask(), gen: 0, policy: 'normal', vruntime: 0, sumExec: 0, nice: 0, raw: new Map() };
      this.tasks.set(id, t);
    }
    return t;
  }

  private takeSnapshot(t: ReplayTask, snap: TaskSnapshot): void {
    t.policy = snap.policy;
    t.vruntime = snap.vruntime;
    t.raw = snap.raw;
    t.sumExec = Number(snap.raw.get('exec_ns_log2'));
    t.nice = Number(snap.raw.get('nice'));
  }

  /** sched_nic_task_begin(): a task first seen under this registration keeps nothing of an earlier one. */
  private begin(t: ReplayTask): void {
    if (t.gen === this.registration) return;
    t.nic = { ...emptyDecision(), tickExec: t.sumExec };
    t.nsh = emptyNshTask();
    t.gen = this.registration;
  }

  /** The kernel calls the provider: registered, not stopped, not SCHED_IDLE. */
  private providerRuns(t: ReplayTask): boolean {
    return this.module.armed && t.policy !== 'idle';
  }

  private event(n: number, e: ReplayEvent): void {
    switch (e.kind) {
      case 'wakeup':
        return this.wakeup(n, e);
      case 'tick':
        return this.tick(n, e);
      case 'migrate': {
        // sched_nic_migrate(), behind the static key (on while the provider runs)
        const t = this.task(e.task);
        t.sumExec = e.sumExec;
        if (this.module.armed) schedNicWindowRestart(t.nic, t.sumExec);
        return;
      }
      case 'irq':
        return this.irq(n, e.cpu, e.t);
      case 'land':
        return this.land(n, e.slot, e.action);
      case 'word': {
        const s = this.internals.slots[e.slot]!;
        s.seq++;
        s.tag = e.tag;
        s.action = e.action;
        return this.word(n, 'word', e.slot);
      }
      case 'reload':
        return e.phase === 'begin' ? this.module.reloadStarted() : this.module.reloadFinished();
      case 'gone':
        return this.module.deviceRemoved();
      case 'arm':
        if (this.module.arm(e.t)) {
          this.registration++;
          this.lines.push(`${n} arm ok`);
        } else this.lines.push(`${n} arm refused ${this.module.stopReason}`);
        return;
    }
  }

  /** sched_nic_wakeup(): after place_entity(), the provider, then the bounded placement. */
  private wakeup(n: number, e: Extract<ReplayEvent, { kind: 'wakeup' }>): void {
    const t = this.task(e.task);
    this.takeSnapshot(t, e.snap);
    const before = t.vruntime;
    if (!this.providerRuns(t)) return this.hookLine(n, 'wakeup', e.task, t, null, before);
    this.begin(t);
    const { expires, tag } = t.nic;
    this.lastKick = this.module.onWakeup(e.cpu, t, e.t);
    if (this.lastKick) this.pending[e.cpu] = true;
    if (this.module.armed) {
      if (t.nic.expires !== expires || t.nic.tag !== tag) schedNicWindowRestart(t.nic, t.sumExec);
      const adj = schedNicDecisionAdj(t.nic, e.t);
      if (adj) {
        t.vruntime = schedNicPlaceVruntime(t.vruntime, e.minVruntime, this.latencyNs, adj);
        this.adjustments.push({ point: 'wakeup', task: e.task, atNs: e.t, adj, vruntimeBefore: before, vruntimeAfter: t.vruntime });
      }
    }
    this.hookLine(n, 'wakeup', e.task, t, this.lastKick, before);
  }

  /** sched_nic_tick(): the window, the decision held before the provider, the provider, the correction. */
  private tick(n: number, e: Extract<ReplayEvent, { kind: 'tick' }>): void {
    const t = this.task(e.task);
    this.takeSnapshot(t, e.snap);
    const before = t.vruntime;
    if (!this.providerRuns(t)) return this.hookLine(n, 'tick', e.task, t, null, before);
    this.begin(t);
    const exec = schedNicTickWindow(t.nic, t.sumExec, this.latencyNs);
    const adj = schedNicDecisionAdj(t.nic, e.t);
    this.lastKick = this.module.onTick(e.cpu, t, e.t);
    if (this.lastKick) this.pending[e.cpu] = true;
    if (this.module.armed && adj) {
      const eff = Math.max(0, Math.min(39, t.nice + 20 + adj));
      t.vruntime += schedNicTickVdelta(exec, wmultOf(t.nice), wmultOf(eff - 20));
      this.adjustments.push({ point: 'tick', task: e.task, atNs: e.t, adj, vruntimeBefore: before, vruntimeAfter: t.vruntime });
    }
    this.hookLine(n, 'tick', e.task, t, this.lastKick, before);
  }

  private hookLine(n: number, point: string, id: number, t: ReplayTask, kick: boolean | null, before: number): void {
    if (kick === null) {
      this.lines.push(`${n} ${point} task ${id} off vruntime ${before} ${t.vruntime}`);
      return;
    }
    const d: NicDecision = t.nic;
    const r: NshTask = t.nsh;
    this.lines.push(`${n} ${point} task ${id} kick ${kick ? 1 : 0} vruntime ${before} ${t.vruntime} nic ${d.expires} ${d.tag} ${d.action} ${d.nice} ${d.tickExec} req ${r.reqId} ${r.reqCpu} ${r.reqNs}`);
  }

  /** The CPU's irq_work, if a hook queued it: nsh_submit(). */
  private irq(n: number, cpu: number, now: number): void {
    const c = this.internals.cpus[cpu]!;
    const rung = c.c.submitted;
    const ran = this.pending[cpu]!;
    this.pending[cpu] = false;
    if (ran) this.module.submit(cpu, now);
    this.lines.push(`${n} irq cpu ${cpu} ran ${ran ? 1 : 0}`);
    if (c.c.submitted !== rung) this.lines.push(`${n} doorbell cpu ${cpu} slot ${c.slot} tag ${c.busyTag} id ${c.busyId} features ${c.features.join(' ')}`);
  }

  /** The answer reaches host memory (the NIC model's completion); the recorded action replaces a different one. */
  private land(n: number, slot: number, action: number | null): void {
    const s = this.internals.slots[slot]!;
    const was = s.inFlight;
    this.module.complete(slot);
    if (was && !s.inFlight && action !== null && s.action !== action) {
      s.action = action;
      this.overrides++;
    }
    this.word(n, 'land', slot);
  }

  private word(n: number, what: string, slot: number): void {
    const s = this.internals.slots[slot]!;
    this.lines.push(`${n} ${what} slot ${slot} word ${s.seq} ${s.seq ? s.tag : 0} ${s.action}`);
  }

  private hookState(): string {
    return this.module.armed ? 'armed' : (this.module.stopReason ?? 'none');
  }

  private cpuLine(i: number): string {
    const c = this.internals.cpus[i]!;
    const staged = c.staged ? `staged ${c.stagedId} ${c.stagedNs}` : 'staged -';
    const busy = c.busy ? `busy ${c.busyTag} ${c.busyId} ${c.busyNs} ${c.busyStagedNs} ${c.busySeq}` : 'busy -';
    const waiting = c.waiting ? `waiting ${c.waitNs} ${c.waitSeq}` : 'waiting -';
    return `${staged} ${busy} ${waiting} seen ${c.seenSeq} next ${c.nextId}`;
  }

  private changes(prefix: string): void {
    const hook = this.hookState();
    if (hook !== this.prevHook) {
      this.lines.push(`${prefix} hook ${hook}`);
      this.prevHook = hook;
    }
    for (let i = 0; i < this.header.cpus; i++) {
      const line = this.cpuLine(i);
      if (line !== this.prevCpu[i]) {
        this.lines.push(`${prefix} cpu ${i} ${line}`);
        this.prevCpu[i] = line;
      }
      const c = this.internals.cpus[i]!;
      for (const k of COUNTED) {
        if (c.c[k] === this.prevCounters[i]![k]) continue;
        this.lines.push(`${prefix} count ${i} ${k} ${c.c[k]}`);
        this.prevCounters[i]![k] = c.c[k];
      }
      c.done.forEach((e, k) => {
        const text = e ? `${e.id} ${e.action}` : '';
        if (text === this.prevDone[i]![k]) return;
        this.lines.push(`${prefix} done ${i} ${k} ${text}`);
        this.prevDone[i]![k] = text;
      });
    }
  }

  private end(): void {
    this.internals.cpus.forEach((c, i) => this.lines.push(`end cpu ${i} ${COUNTED.map((k) => c.c[k]).join(' ')}`));
    this.internals.slots.forEach((s, k) => {
      if (s.seq) this.lines.push(`end slot ${k} ${s.seq} ${s.tag} ${s.action}`);
    });
    this.lines.push(`end overrides ${this.overrides}`);
    this.lines.push(`end hook ${this.hookState()}`);
  }
}

export function replayTypeScript(ir: Ir, r: Recording): TsReplay {
  return new TypeScriptReplay(ir, r.header).run(r.events);
}

/** The trace lines of the C replay's stdout (its own checks and values left out). */
export function traceLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^(\d+|end) /.test(l));
}

/* ---- recordings from the scheduling simulator --------------------------------------------------- */

/** The card's answer: the policy's (golden) or another rule over the features, an action index below `actions`. */
export type AnswerRule = (features: readonly number[], golden: number, actions: number) => number;

export interface SimRecordingOptions {
  policy: CompiledPolicy;
  workload: Workload;
  cpus: number;
  durationNs: number;
  nicLatencyNs: number;
  answer?: AnswerRule;
}

/** What the simulator itself did with the hook, to hold the replay of its recording against. */
export interface SimRecording {
  recording: Recording;
  adjustments: Adjustment[];
  counters: NshCounters | null;
  stopped: { reason: string; atNs: number } | null;
}

/** The simulator with its set_task_cpu() (where it calls sched_nic_migrate()) reported. */
class MigrationReportingSimulator extends Simulator {
  onMigrate: ((task: Task) => void) | null = null;

  override setTaskCpu(task: Task, cpu: number): void {
    this.onMigrate?.(task);
    super.setTaskCpu(task, cpu);
  }
}

/**
 * Runs the simulator with its nic provider (hook.ts on the modelled NIC) wrapped: every hook call
 * becomes a wakeup or tick event with the task as the provider sees it, followed by the calling
 * CPU's irq event (the provider submits at once when the hook asks); every answer a land event
 * with the action the card computed; every set_task_cpu() a migrate event.
 */
export function recordSimulation(o: SimRecordingOptions): SimRecording {
  const ir = o.policy.ir;
  const golden = goldenInfer(ir);
  const slots = Math.max(1, ir.target.slots);
  const inFlight: number[][] = Array.from({ length: slots }, () => []);
  let callingCpu = 0;
  const infer = (f: readonly number[]): number => {
    const g = golden(f);
    const action = o.answer ? o.answer(f, g, ir.actions.length) : g;
    inFlight[callingCpu % slots]!.push(action);
    return action;
  };
  const inner = nicProvider(ir, infer, o.nicLatencyNs, o.cpus);
  const events: ReplayEvent[] = [];
  let sim: MigrationReportingSimulator | null = null;
  const clock = (): number => sim!.now;

  const snapshot = (ctx: HookContext, task: Task): TaskSnapshot => {
    if (!Number.isSafeInteger(task.vruntime)) throw new Error(`recording: vruntime ${task.vruntime} of ${task.name} is not an integer`);
    return { policy: task.policy, vruntime: task.vruntime, raw: ctx.rawCounters(task) };
  };

  const recorder: DecisionProvider = {
    name: 'nic (recorded)',
    get armed() {
      return inner.armed;
    },
    wakeup(ctx, cpu, task, now) {
      const minVruntime = sim!.state.cpus[cpu]!.minVruntime;
      events.push({ kind: 'wakeup', t: now, cpu, rqCpu: cpu, task: task.idx, minVruntime, snap: snapshot(ctx, task) });
      callingCpu = cpu;
      inner.wakeup(ctx, cpu, task, now);
      events.push({ kind: 'irq', t: now, cpu });
    },
    tick(ctx, cpu, task, now) {
      events.push({ kind: 'tick', t: now, cpu, task: task.idx, snap: snapshot(ctx, task) });
      callingCpu = cpu;
      inner.tick(ctx, cpu, task, now);
      events.push({ kind: 'irq', t: now, cpu });
    },
    answer(slot) {
      const action = inFlight[slot]!.shift();
      if (action === undefined) throw new Error(`recording: an answer on slot ${slot} with nothing in flight`);
      events.push({ kind: 'land', t: clock(), slot, action });
      inner.answer(slot);
    },
    counters: () => inner.counters(),
    stopped: () => inner.stopped(),
  };

  const adjustments: Adjustment[] = [];
  const names = new Map<string, number>();
  const onAdjust = (a: AdjustEvent): void => {
    adjustments.push({ point: a.point, task: names.get(a.task)!, atNs: a.atNs, adj: a.adj, vruntimeBefore: a.vruntimeBefore, vruntimeAfter: a.vruntimeAfter });
  };
  sim = new MigrationReportingSimulator(o.workload, { cpus: o.cpus, durationNs: o.durationNs, decisions: recorder, onAdjust });
  sim.onMigrate = (task) => events.push({ kind: 'migrate', t: clock(), task: task.idx, sumExec: task.sumExec });
  for (const t of sim.state.tasks) names.set(t.name, t.idx);
  sim.runUntil(o.durationNs);
  const result = sim.finish();
  const header: ReplayHeader = { policyHash32: o.policy.hash.slice(0, 8), cpus: o.cpus, latencyNs: sim.state.tunables.latencyNs };
  return { recording: { header, events }, adjustments, counters: result.hook, stopped: result.hookStopped };
}
