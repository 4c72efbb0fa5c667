/**
 * The scheduling evaluation inside the full-system guest (docs/EVAL.md, "In the guest"): the
 * simulator's mixed workload, from the same definition (MIXED_INTERACTIVE, MIXED_SHAPE and the
 * per-task seeds of eval/workload.ts; nsload's simmix mode draws the same phases), run in the
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
import { MIXED_INTERACTIVE, MIXED_SHAPE, mixedWorkload } from '../eval/workload.js';
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
export const GUEST_ARMS = ['off', 'on', 'nice'] as const;
export type GuestArm = (typeof GUEST_ARMS)[number];

/** The simulator's variant that models each arm. */
export const SIM_VARIANT: Readonly<Record<GuestArm, VariantId>> = { off: 'cfs', on: 'policy', nice: 'nice' };

export const ARM_LABEL: Readonly<Record<GuestArm, string>> = { off: 'hook off', on: 'hook on', nice: 'static nice' };

export interface SimmixArgs {
  seed: number;
  cpus: number;
  seconds: number;
  batchNice: number;
  /** Print every latency sample (for the distribution comparison). */
  samples: boolean;
}

/** nsload's arguments for the simulator's mixed workload on `cpus` CPUs. */
export function simmixArgs(o: SimmixArgs): string {
  const m = MIXED_INTERACTIVE;
  const args = [
    'simmix',
    `-s ${o.seed}`,
    `-i ${MIXED_SHAPE.interactivePerCpu * o.cpus}`,
    `-b ${MIXED_SHAPE.batchPerCpu * o.cpus}`,
    `-n ${o.batchNice}`,
    `-d ${o.seconds}`,
    `-S ${m.sleepMeanNs},${m.sleepMinNs},${m.sleepMaxNs}`,
    `-B ${m.burstMeanNs},${m.burstMinNs},${m.burstMaxNs}`,
  ];
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
  arm: GuestArm;
  seed: number;
  result: SimmixResult;
  decisions: ArmDecisions;
}

export interface GuestBootRun {
  seed: number;
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
  cpus: number;
  seeds: number[];
  /** Guest seconds per arm (whole seconds: nsload -d). */
  seconds: number;
  /** Added to the batch class's nice in the static arm (and in the simulator's `nice`). */
  staticNice: number;
  timeScale: number;
  /** Where each boot's files go (default: a new temporary directory). */
  workDir?: string;
  qemu?: string;
}

/** The arms of the k-th boot, rotated so each arm comes first, second and third equally often. */
export function armOrder(k: number): GuestArm[] {
  const r = ((k % GUEST_ARMS.length) + GUEST_ARMS.length) % GUEST_ARMS.length;
  return [...GUEST_ARMS.slice(r), ...GUEST_ARMS.slice(0, r)];
}

async function runArm(session: SystemSession, arm: GuestArm, seed: number, o: GuestEvalOptions): Promise<GuestArmRun> {
  if (arm === 'on') await session.hook(true);
  const before = await session.show();
  const cardBefore = await session.card?.stats();
  const args = simmixArgs({ seed, cpus: o.cpus, seconds: o.seconds, batchNice: arm === 'nice' ? o.staticNice : 0, samples: true });
  const raw = await session.nsload(args, o.seconds);
  const cardAfter = await session.card?.stats();
  const after = await session.show();
  if (arm === 'on') await session.hook(false);
  const result = parseSimmix(raw);
  const f = phaseFigures({ label: arm, workloads: [], seconds: result.seconds, before, after, cardBefore, cardAfter });
  return { arm, seed, result, decisions: { doorbells: f.doorbells, staged: f.hook.staged ?? 0, installed: f.installed, applied: f.applied, hookState: f.hookState.state } };
}

/** One boot: driver and hook loaded (off), the three arms for one seed, the decision and dmesg checks. */
export async function guestEvalBoot(build: SystemBuild, qemu: string, seed: number, order: readonly GuestArm[], o: GuestEvalOptions, workDir: string, progress: Progress): Promise<GuestBootRun> {
  const boot = await SystemBoot.start({ qemu, bzImage: build.guest.kernel.bzImage, initramfs: build.guest.initramfs.path, card: build.card.binary, cpus: o.cpus, workDir });
  try {
    const session = new SystemSession(boot);
    await session.setup();
    await session.loadDriver();
    await session.loadHook(HOOK_PARAMS);
    const runs: GuestArmRun[] = [];
    for (const arm of order) {
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
  arm: GuestArm;
  seed: number;
  wake: { n: number; p50: number; p90: number; p99: number; p999: number };
  batchCpuMsPerS: number;
  interactiveCpuMsPerS: number;
  samplesNs: number[];
}

/** The simulator's options for the guest's run: its defaults, the guest's CPUs, seconds and nice. */
export function simOptions(o: Pick<GuestEvalOptions, 'cpus' | 'seeds' | 'seconds' | 'staticNice'>): EvalOptions {
  return { cpus: o.cpus, durationNs: o.seconds * 1e9, nicLatencyNs: 5_000, seeds: o.seeds, staticNice: o.staticNice, oracleThresholdNs: 1_000_000, costs: DEFAULT_COSTS, balancing: true };
}

/** The same seeds in the simulator, each arm as its variant (the policy as written, unscaled). */
export function simulatorRuns(policy: CompiledPolicy, o: Pick<GuestEvalOptions, 'cpus' | 'seeds' | 'seconds' | 'staticNice'>): SimArmRun[] {
  const eo = simOptions(o);
  const runs: SimArmRun[] = [];
  for (const seed of o.seeds) {
    const w = mixedWorkload({ cpus: o.cpus, seed });
    for (const arm of GUEST_ARMS) {
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
  qemu: string;
  kernel: string;
  cpus: number;
  seconds: number;
  staticNice: number;
  seeds: number[];
  boots: GuestBootRun[];
  sim: SimArmRun[];
  /** Every boot's kernel log was clean, QEMU dropped nothing and every decision matched. */
  ok: boolean;
}

export function validateGuestEvalOptions(o: GuestEvalOptions): void {
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > 8) throw inputError(`--cpus must be an integer in [1, 8] (the kernel's NR_CPUS), got ${o.cpus}`);
  if (!Number.isInteger(o.seconds) || o.seconds < 1 || o.seconds > 60) throw inputError(`--duration must be whole seconds in [1, 60], got ${o.seconds}`);
  if (!Number.isInteger(o.staticNice) || o.staticNice < 1 || o.staticNice > 19) throw inputError(`--static-nice must be an integer in [1, 19], got ${o.staticNice}`);
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
    qemu: qemu.packageVersion,
    kernel: boots[0]?.kernel ?? '',
    cpus: o.cpus,
    seconds: o.seconds,
    staticNice: o.staticNice,
    seeds: o.seeds,
    boots,
    sim,
    ok,
  };
}

/* ---- statistics and the text report ------------------------------------------------------- */

type ArmMetric = 'p50' | 'p90' | 'p99' | 'p999' | 'batchCpu' | 'interactiveCpu' | 'wakeupsPerS';

const METRIC_LABEL: Readonly<Record<ArmMetric, string>> = {
  p50: 'wakeup p50 (us)',
  p90: 'wakeup p90 (us)',
  p99: 'wakeup p99 (us)',
  p999: 'wakeup p99.9 (us)',
  batchCpu: 'batch CPU (ms/s)',
  interactiveCpu: 'interactive CPU (ms/s)',
  wakeupsPerS: 'wakeups/s',
};

function guestValue(r: GuestArmRun, m: ArmMetric): number {
  const x = r.result;
  switch (m) {
    case 'batchCpu':
      return x.batchCpuMsPerS;
    case 'interactiveCpu':
      return x.interactiveCpuMsPerS;
    case 'wakeupsPerS':
      return x.wakeups / x.seconds;
    default:
      return x.wake[m];
  }
}

function simValue(r: SimArmRun, m: ArmMetric, seconds: number): number {
  switch (m) {
    case 'batchCpu':
      return r.batchCpuMsPerS;
    case 'interactiveCpu':
      return r.interactiveCpuMsPerS;
    case 'wakeupsPerS':
      return r.wake.n / seconds;
    default:
      return r.wake[m];
  }
}

/** Per seed, in the order of `seeds`: the guest's value of a metric for one arm. */
export function guestSeries(res: GuestEvalResult, arm: GuestArm, m: ArmMetric): number[] {
  return res.seeds.map((seed) => {
    const run = res.boots.find((b) => b.seed === seed)?.runs.find((r) => r.arm === arm);
    if (!run) throw new Error(`no guest run for seed ${seed}, arm ${arm}`);
    return guestValue(run, m);
  });
}

export function simSeries(res: GuestEvalResult, arm: GuestArm, m: ArmMetric): number[] {
  return res.seeds.map((seed) => {
    const run = res.sim.find((r) => r.seed === seed && r.arm === arm);
    if (!run) throw new Error(`no simulator run for seed ${seed}, arm ${arm}`);
    return simValue(run, m, res.seconds);
  });
}

export const COMPARISONS: ReadonlyArray<{ subject: GuestArm; baseline: GuestArm }> = [
  { subject: 'on', baseline: 'off' },
  { subject: 'nice', baseline: 'off' },
  { subject: 'on', baseline: 'nice' },
];

export interface DistributionComparison {
  arm: GuestArm;
  guest: { n: number; ladder: number[] };
  sim: { n: number; ladder: number[] };
  /** KS distance of the pooled samples as measured. */
  ks: number;
  /** KS distance after dividing each side by its own median (the shape, without the scale). */
  ksShape: number;
}

export const LADDER = [50, 90, 99, 99.9] as const;

function ladderUs(sortedNs: readonly number[]): number[] {
  return LADDER.map((p) => (percentile(sortedNs, p) ?? NaN) / 1000);
}

/** The pooled wakeup latencies of every seed, guest against simulator, per arm. */
export function distributions(res: GuestEvalResult): DistributionComparison[] {
  return GUEST_ARMS.map((arm) => {
    const g = res.boots.flatMap((b) => b.runs.filter((r) => r.arm === arm).flatMap((r) => r.result.samplesNs)).sort((a, b) => a - b);
    const s = res.sim
      .filter((r) => r.arm === arm)
      .flatMap((r) => r.samplesNs)
      .sort((a, b) => a - b);
    const gm = percentile(g, 50) || 1;
    const sm = percentile(s, 50) || 1;
    return {
      arm,
      guest: { n: g.length, ladder: ladderUs(g) },
      sim: { n: s.length, ladder: ladderUs(s) },
      ks: g.length && s.length ? ksDistance(g, s) : NaN,
      ksShape:
        g.length && s.length
          ? ksDistance(
              g.map((v) => v / gm),
              s.map((v) => v / sm),
            )
          : NaN,
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
  return Number.isFinite(r.half) ? `${r.mean >= 0 ? '+' : ''}${r.mean.toFixed(1)} % ± ${r.half.toFixed(1)} %${sig}` : `${r.mean.toFixed(1)} %`;
}

const pad = (s: string, n: number) => s.padEnd(n);

export function formatGuestEval(res: GuestEvalResult): string {
  const p = res.policy;
  const lines: string[] = [];
  lines.push(`nicsched guest eval: ${p.name} (${p.hash.slice(0, 16)}), guest copy with hook time limits x${p.timeScale} (ttl ${p.ttlMs} ms, stall ${p.stallTimeoutMs} ms), ${res.cpus} CPUs, Linux ${res.kernel}, QEMU ${res.qemu} TCG single-threaded`);
  lines.push(
    `workload: the simulator's mixed (${MIXED_SHAPE.interactivePerCpu * res.cpus} interactive, ${MIXED_SHAPE.batchPerCpu * res.cpus} batch), ${res.seconds} s per arm, seeds ${res.seeds.join(' ')}; one boot per seed, arms rotated; static nice +${res.staticNice} on the batch class`,
  );
  lines.push(`mean ± 95 % CI half-width over ${res.seeds.length} seeds (Student t); the simulator: the same seeds and seconds, CFS / ${p.name} via NIC (5 us, ttl as written) / nice +${res.staticNice}`);
  lines.push('');
  const metrics: ArmMetric[] = ['p50', 'p90', 'p99', 'p999', 'batchCpu', 'interactiveCpu', 'wakeupsPerS'];
  const w0 = 24;
  const w = 22;
  lines.push(pad('metric', w0) + GUEST_ARMS.map((a) => pad(`guest ${ARM_LABEL[a]}`, w)).join('') + GUEST_ARMS.map((a) => pad(`sim ${SIM_VARIANT[a]}`, w)).join(''));
  for (const m of metrics) {
    const digits = m.startsWith('p') ? 0 : 1;
    const g = GUEST_ARMS.map((a) => pad(ci(meanCi(guestSeries(res, a, m)), digits), w)).join('');
    const s = GUEST_ARMS.map((a) => pad(ci(meanCi(simSeries(res, a, m)), digits), w)).join('');
    lines.push(pad(METRIC_LABEL[m], w0) + g + s);
  }
  lines.push(pad('batch loops/s (guest)', w0) + GUEST_ARMS.map((a) => pad(ci(meanCi(res.seeds.map((seed) => res.boots.find((b) => b.seed === seed)!.runs.find((r) => r.arm === a)!.result.batchLoopsPerS)), 0), w)).join(''));
  lines.push('');
  lines.push('paired relative differences, per seed (mean ± 95 % CI; n.s. = the CI includes 0)');
  const cw = 30;
  lines.push(pad('metric', w0) + COMPARISONS.map((c) => pad(`guest ${c.subject} vs ${c.baseline}`, cw)).join('') + COMPARISONS.map((c) => pad(`sim ${c.subject} vs ${c.baseline}`, cw)).join(''));
  for (const m of ['p50', 'p99', 'p999', 'batchCpu'] as ArmMetric[]) {
    const g = COMPARISONS.map((c) => pad(rel(paired(guestSeries(res, c.subject, m), guestSeries(res, c.baseline, m))), cw)).join('');
    const s = COMPARISONS.map((c) => pad(rel(paired(simSeries(res, c.subject, m), simSeries(res, c.baseline, m))), cw)).join('');
    lines.push(pad(METRIC_LABEL[m], w0) + g + s);
  }
  lines.push('');
  lines.push(`pooled wakeup latency, guest against simulator (us at p${LADDER.join(' / p')}; KS distance as measured and after dividing each by its median)`);
  for (const d of distributions(res)) {
    const f = (xs: number[]) => xs.map((x) => x.toFixed(x < 10 ? 1 : 0)).join(' / ');
    lines.push(`  ${pad(ARM_LABEL[d.arm], 12)} guest ${pad(f(d.guest.ladder), 28)} (n ${d.guest.n})   sim ${pad(f(d.sim.ladder), 24)} (n ${d.sim.n})   KS ${d.ks.toFixed(3)}, shape KS ${d.ksShape.toFixed(3)}`);
  }
  lines.push('');
  const on = res.boots.flatMap((b) => b.runs.filter((r) => r.arm === 'on'));
  const offNice = res.boots.flatMap((b) => b.runs.filter((r) => r.arm !== 'on'));
  const sum = (rs: GuestArmRun[], k: keyof ArmDecisions) => rs.reduce((a, r) => a + Number(r.decisions[k]), 0);
  lines.push(`hook on: ${sum(on, 'doorbells')} doorbells, ${sum(on, 'installed')} decisions installed, ${sum(on, 'applied')} applied at wakeups and ticks (${on.length} runs); hook off and static nice: ${sum(offNice, 'doorbells')} doorbells`);
  const answered = res.boots.reduce((a, b) => a + b.decisions.answered, 0);
  const mismatches = res.boots.reduce((a, b) => a + b.decisions.goldenMismatches.length + b.decisions.guestMismatches.length, 0);
  const problems = res.boots.reduce((a, b) => a + b.dmesg.length + b.lostAccesses.length, 0);
  lines.push(`decisions traced (card log = golden model = guest log): ${answered}, mismatches ${mismatches}; kernel log and QEMU problems ${problems}`);
  return lines.join('\n') + '\n';
}
