/**
 * The scheduling evaluation inside the full-system guest (docs/EVAL.md, "In the guest"): the
 * simulator's mixed or hetero workload, from the same definition (MIXED_INTERACTIVE,
 * HETERO_INTERACTIVE, MIXED_SHAPE and the per-task seeds of eval/workload.ts; nsload's simmix
 * mode draws the same phases), run in the
 * patched kernel under QEMU with the hook off, the hook on (the policy through the simulated
 * card) and static nice on the batch class. One boot per seed runs the three arms in a rotated
 * order; the same seeds go through the simulator under CFS, the policy via the NIC and static
 * nice, so the two sets of distributions can be set side by side.
 */

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompiledPolicy } from '../compiled.js';
import { interactiveLatenciesNs, percentile, runMetrics } from '../eval/metrics.js';
import { simulateVariant, type EvalOptions, type VariantId } from '../eval/run.js';
import { DEFAULT_COSTS } from '../eval/sim.js';
import { ksDistance, meanCi, paired, type MeanCi, type PairedComparison } from '../eval/stats.js';
import { HETERO_INTERACTIVE, heteroBurstScalesNs, heteroWorkload, MIXED_INTERACTIVE, MIXED_SHAPE, mixedWorkload, type MixedOptions, type Workload } from '../eval/workload.js';
import { GoldenModel } from '../golden/model.js';
import { inputError } from '../util/errors.js';
import { SystemBoot } from './boot.js';
import type { Progress } from './build.js';
import { sections } from './debugfs.js';
import { checkDecisions, cpuSlots, type DecisionCheck } from './decisions.js';
import { checkDmesg, type DmesgFinding } from './dmesg.js';
import { checkQemu } from './qemu.js';
import { phaseFigures } from './report.js';
import { buildSystem, HOOK_PARAMS, type SystemBuild } from './run.js';
import { SystemSession } from './session.js';
import type { WorkloadResult } from './workloads.js';

/** The three arms: hook loaded but off, hook armed, hook off with the batch class at a static nice. */
const GUEST_ARMS = ['off', 'on', 'nice'] as const;
export type GuestArm = (typeof GUEST_ARMS)[number];

/**
 * A run of a boot: one of the arms, or the floor, the interactive tasks alone (no batch class,
 * hook off): the latency the guest shows when nothing competes for the CPUs, which under TCG is
 * far from the simulator's, and which the arms' figures must be read against.
 */
export type GuestRun = GuestArm | 'floor';
export const GUEST_RUNS: readonly GuestRun[] = [...GUEST_ARMS, 'floor'];

/** The simulator's variant that models each run (the floor: CFS without the batch class). */
const SIM_VARIANT: Readonly<Record<GuestRun, VariantId>> = { off: 'cfs', on: 'policy', nice: 'nice', floor: 'cfs' };

const ARM_LABEL: Readonly<Record<GuestRun, string>> = { off: 'hook off', on: 'hook on', nice: 'static nice', floor: 'no batch' };

/** Batch tasks per CPU in a run. */
function batchPerCpu(run: GuestRun): number {
  return run === 'floor' ? 0 : MIXED_SHAPE.batchPerCpu;
}

/** The simulator's workloads the guest runs: both have mixed's shape; hetero's tasks differ in burst scale. */
export const GUEST_WORKLOADS = ['mixed', 'hetero'] as const;
export type GuestWorkload = (typeof GUEST_WORKLOADS)[number];

const GENERATOR: Readonly<Record<GuestWorkload, (o: MixedOptions) => Workload>> = { mixed: mixedWorkload, hetero: heteroWorkload };

export interface SimmixArgs {
  /** Default mixed. */
  workload?: GuestWorkload;
  seed: number;
  cpus: number;
  seconds: number;
  batchNice: number;
  /** Print every latency sample (for the distribution comparison). */
  samples: boolean;
  /** Batch tasks per CPU (default: the simulator's MIXED_SHAPE). */
  batchPerCpu?: number;
}

/**
 * nsload's phase arguments: mixed's means and clamps, or hetero's clamps with every task's burst
 * scale (-M, as the doubles the simulator uses) and the sleep-to-burst ratio (-R), in place of
 * the means.
 */
function phaseArgs(workload: GuestWorkload, seed: number, interactive: number): string[] {
  if (workload === 'mixed') {
    const m = MIXED_INTERACTIVE;
    return [`-S ${m.sleepMeanNs},${m.sleepMinNs},${m.sleepMaxNs}`, `-B ${m.burstMeanNs},${m.burstMinNs},${m.burstMaxNs}`];
  }
  const h = HETERO_INTERACTIVE;
  return [`-S ${h.sleepMinNs},${h.sleepMinNs},${h.sleepMaxNs}`, `-B ${h.burstMinNs},${h.burstMinNs},${h.burstMaxNs}`, `-M ${heteroBurstScalesNs(seed, interactive).join(',')}`, `-R ${h.sleepPerBurst}`];
}

/** nsload's arguments for the simulator's mixed (or hetero) workload on `cpus` CPUs. */
export function simmixArgs(o: SimmixArgs): string {
  const interactive = MIXED_SHAPE.interactivePerCpu * o.cpus;
  const args = ['simmix', `-s ${o.seed}`, `-i ${interactive}`, `-b ${(o.batchPerCpu ?? MIXED_SHAPE.batchPerCpu) * o.cpus}`, `-n ${o.batchNice}`, `-d ${o.seconds}`, ...phaseArgs(o.workload ?? 'mixed', o.seed, interactive)];
  if (o.samples) args.push('-L');
  return args.join(' ');
}

/** nsload simmix's result line. Latencies in µs, samples in ns. */
export interface SimmixResult {
  seed: number;
  interactive: number;
  batch: number;
  batchNice: number;
  seconds: number;
  wakeups: number;
  wake: { n: number; p50: number; p90: number; p99: number; p999: number; max: number };
  batchLoopsPerS: number;
  batchCpuMsPerS: number;
  interactiveCpuMsPerS: number;
  samplesNs: number[];
}

function finite(r: Record<string, unknown>, key: string, where: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "${key}" is ${JSON.stringify(v)}, not a number`);
  return v;
}

/** Check and convert nsload simmix's JSON line. */
export function parseSimmix(w: WorkloadResult): SimmixResult {
  const where = 'nsload simmix result';
  if (w.workload !== 'simmix') throw new Error(`${where}: workload is ${JSON.stringify(w.workload)}`);
  const wake = w.wakeup as Record<string, unknown> | undefined;
  if (!wake || typeof wake !== 'object') throw new Error(`${where}: no "wakeup" object`);
  const samples = w.samples_ns ?? [];
  if (!Array.isArray(samples) || samples.some((s) => typeof s !== 'number')) throw new Error(`${where}: "samples_ns" is not a list of numbers`);
  const r: SimmixResult = {
    seed: finite(w, 'seed', where),
    interactive: finite(w, 'interactive', where),
    batch: finite(w, 'batch', where),
    batchNice: finite(w, 'batch_nice', where),
    seconds: finite(w, 'seconds', where),
    wakeups: finite(w, 'wakeups', where),
    wake: { n: finite(wake, 'n', where), p50: finite(wake, 'p50_us', where), p90: finite(wake, 'p90_us', where), p99: finite(wake, 'p99_us', where), p999: finite(wake, 'p999_us', where), max: finite(wake, 'max_us', where) },
    batchLoopsPerS: finite(w, 'batch_loops_per_s', where),
    batchCpuMsPerS: finite(w, 'batch_cpu_ms_per_s', where),
    interactiveCpuMsPerS: finite(w, 'interactive_cpu_ms_per_s', where),
    samplesNs: samples as number[],
  };
  if (samples.length && samples.length !== r.wakeups) throw new Error(`${where}: ${samples.length} samples for ${r.wakeups} wakeups`);
  return r;
}

/** What the hook did during one arm (its counters' deltas and the card's doorbells). */
export interface ArmDecisions {
  doorbells: number;
  staged: number;
  installed: number;
  applied: number;
  hookState: string;
}

export interface GuestArmRun {
  arm: GuestRun;
  seed: number;
  result: SimmixResult;
  decisions: ArmDecisions;
}

export interface GuestBootRun {
  seed: number;
  /** The arms in the order they ran; the floor, if run, came last. */
  order: GuestArm[];
  runs: GuestArmRun[];
  decisions: DecisionCheck;
  dmesg: DmesgFinding[];
  lostAccesses: string[];
  /** The guest kernel's release. */
  kernel: string;
  workDir: string;
}

export interface GuestEvalOptions {
  policy: string;
  /** Default mixed. */
  workload?: GuestWorkload;
  cpus: number;
  seeds: number[];
  /** Guest seconds per arm (whole seconds: nsload -d). */
  seconds: number;
  /** Added to the batch class's nice in the static arm (and in the simulator's `nice`). */
  staticNice: number;
  timeScale: number;
  /** Guest time from instruction counts (one vCPU only; qemu.ts). */
  icountShift?: number;
  /** After the arms, run the interactive tasks alone (default true). */
  floor?: boolean;
  /** Where each boot's files go (default: a new temporary directory). */
  workDir?: string;
  qemu?: string;
}

/** The arms of the k-th boot, rotated so each arm comes first, second and third equally often. */
export function armOrder(k: number): GuestArm[] {
  const r = ((k % GUEST_ARMS.length) + GUEST_ARMS.length) % GUEST_ARMS.length;
  return [...GUEST_ARMS.slice(r), ...GUEST_ARMS.slice(0, r)];
}

async function runArm(session: SystemSession, arm: GuestRun, seed: number, o: GuestEvalOptions): Promise<GuestArmRun> {
  if (arm === 'on') await session.hook(true);
  const before = await session.show();
  const cardBefore = await session.card?.stats();
  const args = simmixArgs({ workload: o.workload, seed, cpus: o.cpus, seconds: o.seconds, batchNice: arm === 'nice' ? o.staticNice : 0, samples: true, batchPerCpu: batchPerCpu(arm) });
  const raw = await session.nsload(args, o.seconds);
  const cardAfter = await session.card?.stats();
  const after = await session.show();
  if (arm === 'on') await session.hook(false);
  const result = parseSimmix(raw);
  const f = phaseFigures({ label: arm, workloads: [], seconds: result.seconds, before, after, cardBefore, cardAfter });
  return { arm, seed, result, decisions: { doorbells: f.doorbells, staged: f.hook.staged ?? 0, installed: f.installed, applied: f.applied, hookState: f.hookState.state } };
}

/** One boot: driver and hook loaded (off), the three arms for one seed and the floor, the decision and dmesg checks. */
export async function guestEvalBoot(build: SystemBuild, qemu: string, seed: number, order: readonly GuestArm[], o: GuestEvalOptions, workDir: string, progress: Progress): Promise<GuestBootRun> {
  const boot = await SystemBoot.start({ qemu, bzImage: build.guest.kernel.bzImage, initramfs: build.guest.initramfs.path, card: build.card.binary, cpus: o.cpus, workDir, icountShift: o.icountShift });
  try {
    const session = new SystemSession(boot);
    await session.setup();
    await session.loadDriver();
    await session.loadHook(HOOK_PARAMS);
    const runs: GuestArmRun[] = [];
    const all: GuestRun[] = o.floor === false ? [...order] : [...order, 'floor'];
    for (const arm of all) {
      progress(`seed ${seed}: ${ARM_LABEL[arm]}, ${o.seconds} s`);
      runs.push(await runArm(session, arm, seed, o));
    }
    const snap = await session.show();
    const log = await session.decisions();
    const golden = new GoldenModel(build.guestPolicy.policy.ir);
    const decisions = checkDecisions(boot.card!.doorbells(), () => [golden], log, cpuSlots(snap.cpus));
    await boot.guest.must('ns_rmmod_all', 120_000);
    const kmemleak = sections(await boot.guest.must('ns_kmemleak', 300_000)).get('kmemleak') ?? '';
    const end = await boot.end();
    return { seed, order: [...order], runs, decisions, dmesg: [...end.findings, ...checkDmesg(kmemleak)], lostAccesses: end.lostAccesses, kernel: boot.guest.release, workDir };
  } catch (err) {
    boot.kill();
    throw err;
  }
}

/* ---- the simulator on the same seeds ------------------------------------------------------ */

export interface SimArmRun {
  arm: GuestRun;
  seed: number;
  wake: { n: number; p50: number; p90: number; p99: number; p999: number };
  batchCpuMsPerS: number;
  interactiveCpuMsPerS: number;
  samplesNs: number[];
}

/** The simulator's options for the guest's run: its defaults, the guest's CPUs, seconds and nice. */
function simOptions(o: Pick<GuestEvalOptions, 'cpus' | 'seeds' | 'seconds' | 'staticNice'>): EvalOptions {
  return { cpus: o.cpus, durationNs: o.seconds * 1e9, nicLatencyNs: 5_000, seeds: o.seeds, staticNice: o.staticNice, oracleThresholdNs: 1_000_000, costs: DEFAULT_COSTS, balancing: true };
}

/** The same seeds in the simulator, each arm as its variant (the policy as written, unscaled). */
export function simulatorRuns(policy: CompiledPolicy, o: Pick<GuestEvalOptions, 'workload' | 'cpus' | 'seeds' | 'seconds' | 'staticNice'>): SimArmRun[] {
  const eo = simOptions(o);
  const runs: SimArmRun[] = [];
  for (const seed of o.seeds) {
    for (const arm of GUEST_RUNS) {
      const w = GENERATOR[o.workload ?? 'mixed']({ cpus: o.cpus, seed, batchPerCpu: batchPerCpu(arm) });
      const r = simulateVariant(SIM_VARIANT[arm], policy, w, eo);
      const m = runMetrics(r);
      const samplesNs = interactiveLatenciesNs(r);
      const wake = m.wake ?? { n: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN };
      runs.push({ arm, seed, wake: { n: wake.n, p50: wake.p50, p90: wake.p90, p99: wake.p99, p999: wake.p999 }, batchCpuMsPerS: m.batchWorkMsPerS, interactiveCpuMsPerS: m.share.interactive * o.cpus * 1000, samplesNs });
    }
  }
  return runs;
}

/* ---- the whole evaluation ------------------------------------------------------------------ */

export interface GuestEvalResult {
  policy: { name: string; hash: string; guestHash: string; timeScale: number; ttlMs: number; stallTimeoutMs: number };
  workload: GuestWorkload;
  qemu: string;
  kernel: string;
  cpus: number;
  seconds: number;
  staticNice: number;
  /** -icount shift, when guest time came from instruction counts. */
  icountShift?: number;
  seeds: number[];
  boots: GuestBootRun[];
  sim: SimArmRun[];
  /** Every boot's kernel log was clean, QEMU dropped nothing and every decision matched. */
  ok: boolean;
}

function validateGuestEvalOptions(o: GuestEvalOptions): void {
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > 8) throw inputError(`--cpus must be an integer in [1, 8] (the kernel's NR_CPUS), got ${o.cpus}`);
  if (!Number.isInteger(o.seconds) || o.seconds < 1 || o.seconds > 60) throw inputError(`--duration must be whole seconds in [1, 60], got ${o.seconds}`);
  if (!Number.isInteger(o.staticNice) || o.staticNice < 1 || o.staticNice > 19) throw inputError(`--static-nice must be an integer in [1, 19], got ${o.staticNice}`);
  if (o.icountShift !== undefined && (!Number.isInteger(o.icountShift) || o.icountShift < 0 || o.icountShift > 10)) throw inputError(`--icount must be a shift in [0, 10] (2^shift ns per instruction), got ${o.icountShift}`);
  if (o.icountShift !== undefined && o.cpus !== 1) throw inputError(`--icount needs --cpus 1: with more vCPUs the kernel does not come up under -icount (docs/SYSTEM.md)`);
  if (o.workload !== undefined && !GUEST_WORKLOADS.includes(o.workload)) throw inputError(`--workload must be one of ${GUEST_WORKLOADS.join(', ')}, got ${String(o.workload)}`);
  if (!o.seeds.length || o.seeds.some((s) => !Number.isInteger(s) || s < 0 || s > 1 << 20)) throw inputError(`seeds must be integers in [0, 2^20] (nsload simmix -s), got ${o.seeds.join(', ')}`);
}

export async function runGuestEval(o: GuestEvalOptions, progress: Progress): Promise<GuestEvalResult> {
  validateGuestEvalOptions(o);
  const qemu = checkQemu(o.qemu);
  const build = await buildSystem(o.policy, o.timeScale, progress);
  const root = o.workDir ? resolve(o.workDir) : mkdtempSync(join(tmpdir(), 'nicsched-guest-eval-'));
  const boots: GuestBootRun[] = [];
  for (const [k, seed] of o.seeds.entries()) {
    const dir = join(root, `seed-${seed}`);
    mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    const b = await guestEvalBoot(build, qemu.binary, seed, armOrder(k), o, dir, progress);
    boots.push(b);
    progress(`seed ${seed}: boot done in ${((Date.now() - t0) / 1000).toFixed(0)} s (${b.runs.find((r) => r.arm === 'on')?.decisions.doorbells ?? 0} doorbells with the hook on)`);
  }
  progress(`the simulator: ${o.seeds.length} seeds x ${GUEST_ARMS.length} variants`);
  const sim = simulatorRuns(build.guestPolicy.original, o);
  const gp = build.guestPolicy;
  const ok = boots.every((b) => b.dmesg.length === 0 && b.lostAccesses.length === 0 && b.decisions.goldenMismatches.length === 0 && b.decisions.guestMismatches.length === 0);
  return {
    policy: { name: gp.original.ir.name, hash: gp.original.hash, guestHash: gp.policy.hash, timeScale: o.timeScale, ttlMs: gp.policy.ir.hook.decision_ttl_ms, stallTimeoutMs: gp.policy.ir.hook.stall_timeout_ms },
    workload: o.workload ?? 'mixed',
    qemu: qemu.packageVersion,
    kernel: boots[0]?.kernel ?? '',
    cpus: o.cpus,
    seconds: o.seconds,
    staticNice: o.staticNice,
    ...(o.icountShift !== undefined ? { icountShift: o.icountShift } : {}),
    seeds: o.seeds,
    boots,
    sim,
    ok,
  };
}

/* ---- statistics and the text report ------------------------------------------------------- */

export type RunMetric = 'p50' | 'p90' | 'p99' | 'p999' | 'batchCpu' | 'interactiveCpu' | 'wakeupsPerS' | 'cpuPerWakeup';

const METRIC_LABEL: Readonly<Record<RunMetric, string>> = {
  p50: 'wakeup p50 (us)',
  p90: 'wakeup p90 (us)',
  p99: 'wakeup p99 (us)',
  p999: 'wakeup p99.9 (us)',
  batchCpu: 'batch CPU (ms/s)',
  interactiveCpu: 'interactive CPU (ms/s)',
  wakeupsPerS: 'wakeups/s',
  cpuPerWakeup: 'CPU per wakeup (ms)',
};

interface RunFigures {
  wake: { n: number; p50: number; p90: number; p99: number; p999: number };
  batchCpuMsPerS: number;
  interactiveCpuMsPerS: number;
  seconds: number;
}

function value(r: RunFigures, m: RunMetric): number {
  switch (m) {
    case 'batchCpu':
      return r.batchCpuMsPerS;
    case 'interactiveCpu':
      return r.interactiveCpuMsPerS;
    case 'wakeupsPerS':
      return r.wake.n / r.seconds;
    case 'cpuPerWakeup':
      return r.wake.n ? (r.interactiveCpuMsPerS * r.seconds) / r.wake.n : NaN;
    default:
      return r.wake[m];
  }
}

/** Per seed, in the order of `seeds`: the guest's value of a metric in one run. */
function guestSeries(res: GuestEvalResult, arm: GuestRun, m: RunMetric): number[] {
  return res.seeds.map((seed) => {
    const run = res.boots.find((b) => b.seed === seed)?.runs.find((r) => r.arm === arm);
    if (!run) throw new Error(`no guest run for seed ${seed}, ${ARM_LABEL[arm]}`);
    return value({ ...run.result, wake: { ...run.result.wake, n: run.result.wakeups } }, m);
  });
}

function simSeries(res: GuestEvalResult, arm: GuestRun, m: RunMetric): number[] {
  return res.seeds.map((seed) => {
    const run = res.sim.find((r) => r.seed === seed && r.arm === arm);
    if (!run) throw new Error(`no simulator run for seed ${seed}, ${ARM_LABEL[arm]}`);
    return value({ ...run, seconds: res.seconds }, m);
  });
}

/** The runs present in every boot of a result (the floor is optional). */
function runsOf(res: GuestEvalResult): GuestRun[] {
  return GUEST_RUNS.filter((arm) => res.boots.every((b) => b.runs.some((r) => r.arm === arm)));
}

const COMPARISONS: ReadonlyArray<{ subject: GuestArm; baseline: GuestArm }> = [
  { subject: 'on', baseline: 'off' },
  { subject: 'nice', baseline: 'off' },
  { subject: 'on', baseline: 'nice' },
];

export interface DistributionComparison {
  arm: GuestRun;
  guest: { n: number; ladder: number[]; waitedShare: number };
  sim: { n: number; ladder: number[]; waitedShare: number };
  /** KS distance of the pooled samples. */
  ks: number;
  /**
   * KS distance of the wakeups that waited (latency above WAITED_NS) on each side: the queueing
   * part of the distributions, without the fixed cost of the wakeup path, which is a point mass
   * at 2 µs in the simulator and a few µs of spread in a guest.
   */
  ksWaited: number;
}

export const LADDER = [50, 90, 99, 99.9] as const;

/** A wakeup that took longer than this waited behind another task (both sides' paths are shorter). */
const WAITED_NS = 100_000;

function ladderUs(sortedNs: readonly number[]): number[] {
  return LADDER.map((p) => (percentile(sortedNs, p) ?? NaN) / 1000);
}

/** The pooled wakeup latencies of every seed, guest against simulator, per run. */
export function distributions(res: GuestEvalResult): DistributionComparison[] {
  return runsOf(res).map((arm) => {
    const g = res.boots.flatMap((b) => b.runs.filter((r) => r.arm === arm).flatMap((r) => r.result.samplesNs)).sort((a, b) => a - b);
    const s = res.sim
      .filter((r) => r.arm === arm)
      .flatMap((r) => r.samplesNs)
      .sort((a, b) => a - b);
    const gw = g.filter((v) => v > WAITED_NS);
    const sw = s.filter((v) => v > WAITED_NS);
    return {
      arm,
      guest: { n: g.length, ladder: ladderUs(g), waitedShare: gw.length / g.length },
      sim: { n: s.length, ladder: ladderUs(s), waitedShare: sw.length / s.length },
      ks: g.length && s.length ? ksDistance(g, s) : NaN,
      ksWaited: gw.length && sw.length ? ksDistance(gw, sw) : NaN,
    };
  });
}

function ci(m: MeanCi, digits: number): string {
  if (!Number.isFinite(m.mean)) return '-';
  return Number.isFinite(m.half) ? `${m.mean.toFixed(digits)} ± ${m.half.toFixed(digits)}` : m.mean.toFixed(digits);
}

function rel(c: PairedComparison): string {
  const r = c.relative;
  if (!Number.isFinite(r.mean)) return '-';
  const sig = c.excludesZero ? '' : ' (n.s.)';
  return Number.isFinite(r.half) ? `${r.mean >= 0 ? '+' : ''}${r.mean.toFixed(1)} % ± ${r.half.toFixed(1)} %${sig}` : `${r.mean >= 0 ? '+' : ''}${r.mean.toFixed(1)} %`;
}

const pad = (s: string, n: number) => s.padEnd(n);
/** A ratio with two decimals below 10 (1.04x), whole above (1459x). */
const times = (r: number) => `${r < 10 ? r.toFixed(2) : r.toFixed(0)}x`;
const METRICS: readonly RunMetric[] = ['p50', 'p90', 'p99', 'p999', 'batchCpu', 'interactiveCpu', 'wakeupsPerS', 'cpuPerWakeup'];

function digitsOf(m: RunMetric): number {
  if (m === 'cpuPerWakeup') return 2;
  return m.startsWith('p') ? 0 : 1;
}

function metricTable(title: string, runs: readonly GuestRun[], series: (arm: GuestRun, m: RunMetric) => number[]): string[] {
  const w0 = 24;
  const w = 20;
  const lines = [pad(title, w0) + runs.map((a) => pad(ARM_LABEL[a], w)).join('')];
  for (const m of METRICS) lines.push(pad(METRIC_LABEL[m], w0) + runs.map((a) => pad(ci(meanCi(series(a, m)), digitsOf(m)), w)).join(''));
  return lines;
}

function comparisonTable(title: string, series: (arm: GuestRun, m: RunMetric) => number[]): string[] {
  const w0 = 24;
  const cw = 28;
  const lines = [pad(title, w0) + COMPARISONS.map((c) => pad(`${ARM_LABEL[c.subject]} vs ${ARM_LABEL[c.baseline]}`, cw)).join('')];
  for (const m of ['p50', 'p90', 'p99', 'p999', 'batchCpu'] as const) lines.push(pad(METRIC_LABEL[m], w0) + COMPARISONS.map((c) => pad(rel(paired(series(c.subject, m), series(c.baseline, m))), cw)).join(''));
  return lines;
}

export function formatGuestEval(res: GuestEvalResult): string {
  const p = res.policy;
  const runs = runsOf(res);
  const guest = (a: GuestRun, m: RunMetric) => guestSeries(res, a, m);
  const sim = (a: GuestRun, m: RunMetric) => simSeries(res, a, m);
  const lines: string[] = [
    `nicsched guest eval: ${p.name} (${p.hash.slice(0, 16)}), ${p.timeScale > 1 ? `guest copy with hook time limits x${p.timeScale}` : 'hook limits as written'} (ttl ${p.ttlMs} ms, stall ${p.stallTimeoutMs} ms), ${res.cpus} CPU(s), Linux ${res.kernel}, QEMU ${res.qemu} TCG single-threaded, ${res.icountShift !== undefined ? `guest time from instruction counts (-icount shift=${res.icountShift}: ${2 ** res.icountShift} ns per instruction)` : "guest time = the host's clock"}`,
    `workload: the simulator's ${res.workload} (${MIXED_SHAPE.interactivePerCpu * res.cpus} interactive, ${MIXED_SHAPE.batchPerCpu * res.cpus} batch; "no batch": the interactive tasks alone, hook off), ${res.seconds} s per run, seeds ${res.seeds.join(' ')}`,
    `one boot per seed, the arms in rotated order, then "no batch"; static nice = the batch class at nice +${res.staticNice}; mean ± 95 % CI half-width over ${res.seeds.length} seeds (Student t)`,
    `the simulator: the same seeds and seconds; hook off = CFS, hook on = ${p.name} via NIC (5 us, hook limits as written), static nice = nice +${res.staticNice}`,
    '',
    ...metricTable('guest', runs, guest),
    pad('batch loops/s', 24) + runs.map((a) => pad(ci(meanCi(res.seeds.map((seed) => res.boots.find((b) => b.seed === seed)!.runs.find((r) => r.arm === a)!.result.batchLoopsPerS)), 0), 20)).join(''),
    '',
    ...metricTable('simulator', runs, sim),
    '',
    'paired relative differences per seed (mean ± 95 % CI; n.s. = the CI includes 0)',
    ...comparisonTable('guest', guest),
    ...comparisonTable('simulator', sim),
    '',
    `pooled wakeup latency, guest against simulator: us at p${LADDER.join(' / p')}, the guest's multiple of the simulator's at each, the KS distance; the share of wakeups that waited over ${WAITED_NS / 1000} us and the KS distance among those`,
  ];
  const f = (xs: number[]) => xs.map((x) => x.toFixed(x < 10 ? 1 : 0)).join(' / ');
  for (const d of distributions(res)) {
    const ratio = d.guest.ladder.map((g, k) => times(g / d.sim.ladder[k]!)).join(' / ');
    lines.push(
      `  ${pad(ARM_LABEL[d.arm], 12)} guest ${pad(f(d.guest.ladder), 30)} sim ${pad(f(d.sim.ladder), 24)} ${pad(ratio, 31)} KS ${d.ks.toFixed(3)}; waited ${(100 * d.guest.waitedShare).toFixed(1)} % / ${(100 * d.sim.waitedShare).toFixed(1)} %, KS ${d.ksWaited.toFixed(3)}   (n ${d.guest.n} / ${d.sim.n})`,
    );
  }
  lines.push('');
  const on = res.boots.flatMap((b) => b.runs.filter((r) => r.arm === 'on'));
  const others = res.boots.flatMap((b) => b.runs.filter((r) => r.arm !== 'on'));
  const sum = (rs: GuestArmRun[], k: keyof ArmDecisions) => rs.reduce((a, r) => a + Number(r.decisions[k]), 0);
  lines.push(`hook on: ${sum(on, 'doorbells')} doorbells, ${sum(on, 'installed')} decisions installed, ${sum(on, 'applied')} applied at wakeups and ticks (${on.length} runs); the other runs: ${sum(others, 'doorbells')} doorbells`);
  const answered = res.boots.reduce((a, b) => a + b.decisions.answered, 0);
  const mismatches = res.boots.reduce((a, b) => a + b.decisions.goldenMismatches.length + b.decisions.guestMismatches.length, 0);
  const problems = res.boots.reduce((a, b) => a + b.dmesg.length + b.lostAccesses.length, 0);
  lines.push(`decisions traced (card log = golden model = guest log): ${answered}, mismatches ${mismatches}; kernel log and QEMU problems ${problems}`);
  return lines.join('\n') + '\n';
}
