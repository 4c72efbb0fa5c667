/**
 * Figures of a full-system run, computed from one phase's two snapshots (guest debugfs and the
 * card's stats), and the text report of `nicsched system`.
 */

import type { CardStats } from './card.js';
import { delta, histogramQuantile, type Snapshot } from './debugfs.js';
import type { DecisionCheck } from './decisions.js';
import type { DmesgFinding } from './dmesg.js';
import { formatFindings } from './dmesg.js';
import type { Phase, ProbeInfo } from './session.js';
import type { WorkloadResult } from './workloads.js';

export interface MmioFigures {
  reads: number;
  writes: number;
  readsPerDoorbell: number;
  writesPerDoorbell: number;
  readsByKind: Record<string, number>;
  writesByKind: Record<string, number>;
}

export interface PhaseFigures {
  label: string;
  seconds: number;
  /** Doorbells the card saw during the workloads: each asks for one decision. */
  doorbells: number;
  decisions: number;
  /** Decisions the hook installed in tasks, and adjustments it applied at wakeups and ticks. */
  installed: number;
  applied: number;
  decisionsPerSecond: number;
  installedPerSecond: number;
  mmio: MmioFigures | undefined;
  /** Result entries the card wrote into guest RAM per doorbell (results by DMA: 1). */
  dmaWritesPerDoorbell: number;
  /** The driver's poller passes per second: each is an hrtimer interrupt (results by MMIO). */
  pollsPerSecond: number;
  /** Guest time in the submit irq_work and in the poller, per driver submit (ns). */
  guestNsPerDecision: { submit: number; poll: number; total: number };
  /** Doorbell -> answer seen by the hook: median and 99th percentile bucket bounds (ns). */
  answerNs: { p50: number; p99: number };
  hook: Record<string, number>;
  driver: Record<string, number>;
  hookState: { state: string; reason: string };
  workloads: WorkloadResult[];
}

function perDoorbell(n: number, doorbells: number): number {
  return doorbells > 0 ? n / doorbells : 0;
}

function mmioFigures(a: CardStats | undefined, b: CardStats | undefined): MmioFigures | undefined {
  if (!a || !b) return undefined;
  const doorbells = b.doorbells - a.doorbells;
  const reads = b.bar_reads - a.bar_reads;
  const writes = b.bar_writes - a.bar_writes;
  return {
    reads,
    writes,
    readsPerDoorbell: perDoorbell(reads, doorbells),
    writesPerDoorbell: perDoorbell(writes, doorbells),
    readsByKind: delta(a.reads, b.reads),
    writesByKind: delta(a.writes, b.writes),
  };
}

function histogramDelta(a: Snapshot, b: Snapshot): number[] {
  return b.histograms.answer.map((v, k) => v - (a.histograms.answer[k] ?? 0));
}

export function phaseFigures(p: Phase): PhaseFigures {
  const hook = delta(p.before.hookCounters, p.after.hookCounters);
  const driver = delta(p.before.driver, p.after.driver);
  // the card's window is the workloads only; the guest's snapshots bracket it
  const doorbells = p.cardAfter && p.cardBefore ? p.cardAfter.doorbells - p.cardBefore.doorbells : (driver.submitted ?? 0);
  const decisions = doorbells;
  const installed = hook.installed ?? 0;
  const perSecond = (n: number) => (p.seconds > 0 ? n / p.seconds : 0);
  const submit = hook.submit_ns ?? 0;
  const poll = driver.poll_ns ?? 0;
  const answers = histogramDelta(p.before, p.after);
  return {
    label: p.label,
    seconds: p.seconds,
    doorbells,
    decisions,
    installed,
    applied: (hook.applied_wakeup ?? 0) + (hook.applied_tick ?? 0),
    decisionsPerSecond: perSecond(decisions),
    installedPerSecond: perSecond(installed),
    mmio: mmioFigures(p.cardBefore, p.cardAfter),
    dmaWritesPerDoorbell: p.cardAfter && p.cardBefore ? perDoorbell(p.cardAfter.dma_writes - p.cardBefore.dma_writes, doorbells) : 0,
    pollsPerSecond: perSecond(driver.polls ?? 0),
    guestNsPerDecision: { submit: perDoorbell(submit, driver.submitted ?? 0), poll: perDoorbell(poll, driver.submitted ?? 0), total: perDoorbell(submit + poll, driver.submitted ?? 0) },
    answerNs: { p50: histogramQuantile(p.after.histograms, answers, 0.5), p99: histogramQuantile(p.after.histograms, answers, 0.99) },
    hook,
    driver,
    hookState: { state: p.after.hook.state, reason: p.after.hook.reason },
    workloads: p.workloads,
  };
}

export interface FaultFigures {
  fault: string;
  hookState: string;
  hookReason: string;
  /** The watchdog's own record of a stall stop (docs/HOOK.md). */
  stall?: { cpu: number; ageMs: number; prevCheckMs: number };
  /** Result reads the card answered after the hook stopped. */
  resultReadsAfter: number;
  timer?: WorkloadResult;
  /** The same timer workload in the hook-off run of the boot. */
  timerHookOff?: WorkloadResult;
}

export interface SystemReport {
  policy: { file: string; name: string; hash: string; guestFile: string; guestHash: string; timeScale: number; ttlMs: number; stallTimeoutMs: number };
  qemu: { binary: string; packageVersion: string; tested: boolean };
  cpus: number;
  kernel: { release: string; key: string };
  probe: ProbeInfo;
  phases: PhaseFigures[];
  fault?: FaultFigures;
  decisions: DecisionCheck;
  dmesg: DmesgFinding[];
  /** QEMU warnings that a guest access never reached the card. */
  lostAccesses: string[];
  kmemleak: string;
  workDir: string;
  ok: boolean;
}

// ---- text ------------------------------------------------------------------------------------

function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return n > 0 ? 'open' : '-';
  return n.toFixed(digits);
}

/** A histogram quantile: "< bound" for a closed bucket, ">= 16.78 ms" for the open one. */
function bucket(ns: number): string {
  if (Number.isNaN(ns)) return '-';
  return Number.isFinite(ns) ? `< ${fmt(ns / 1e6, 2)} ms` : `>= ${fmt((1024 << 14) / 1e6, 2)} ms`;
}

function workloadLine(w: WorkloadResult): string {
  const lat = (k: string) => w[k] as { p50_us: number; p99_us: number; p999_us: number } | undefined;
  switch (w.workload) {
    case 'pipes':
      return `hackbench-like: ${w.messages} messages in ${fmt(Number(w.seconds), 3)} s`;
    case 'msg': {
      const r = lat('request')!;
      const wk = lat('wakeup')!;
      return `schbench-like: ${fmt(Number(w.requests_per_s))} requests/s, wakeup p50/p99/p99.9 ${fmt(wk.p50_us)}/${fmt(wk.p99_us)}/${fmt(wk.p999_us)} us, request ${fmt(r.p50_us)}/${fmt(r.p99_us)}/${fmt(r.p999_us)} us`;
    }
    case 'timer':
      return `timer: ${w.misses}/${w.periods} deadlines missed, lateness p50/p99 ${fmt(Number(w.lateness_p50_us))}/${fmt(Number(w.lateness_p99_us))} us, batch ${fmt(Number(w.batch_loops_per_s), 0)} loops/s`;
    case 'mixed': {
      const wk = lat('wakeup')!;
      return `mixed: interactive wakeup p50/p99 ${fmt(wk.p50_us)}/${fmt(wk.p99_us)} us, batch ${fmt(Number(w.batch_loops_per_s), 0)} loops/s`;
    }
    default:
      return JSON.stringify(w);
  }
}

function phaseText(f: PhaseFigures): string[] {
  const lines = [`${f.label} (${fmt(f.seconds, 2)} s of workload; hook ${f.hookState.state}${f.hookState.reason !== 'none' ? `, ${f.hookState.reason}` : ''})`];
  for (const w of f.workloads) lines.push(`  ${workloadLine(w)}`);
  lines.push(`  decisions: ${f.doorbells} doorbells (${fmt(f.decisionsPerSecond)}/s), ${f.installed} installed in tasks (${fmt(f.installedPerSecond)}/s), ${f.applied} adjustments applied at wakeups and ticks`);
  if (f.mmio && f.doorbells > 0) {
    lines.push(
      `  MMIO at the card: ${fmt(f.mmio.writesPerDoorbell, 2)} writes and ${fmt(f.mmio.readsPerDoorbell, 2)} reads per doorbell (features ${f.mmio.writesByKind.features ?? 0} + doorbell ${f.mmio.writesByKind.doorbell ?? 0} writes; result ${f.mmio.readsByKind.result ?? 0} reads)`,
    );
    lines.push(`  guest time per doorbell: ${fmt(f.guestNsPerDecision.submit / 1000)} us submitting + ${fmt(f.guestNsPerDecision.poll / 1000)} us polling; answer seen by the hook p50 ${bucket(f.answerNs.p50)}, p99 ${bucket(f.answerNs.p99)}`);
  } else if (f.mmio) {
    lines.push(`  MMIO at the card: ${f.mmio.writes} writes, ${f.mmio.reads} reads, no doorbell`);
  }
  const h = f.hook;
  lines.push(
    `  hook: staged ${h.staged ?? 0}, submitted ${h.submitted ?? 0}, completed ${h.completed ?? 0}, installed ${h.installed ?? 0}, expired ${h.expired ?? 0}, lost ${h.lost ?? 0}, dropped ${(h.dropped_stale ?? 0) + (h.dropped_wrong_tag ?? 0) + (h.dropped_out_of_range ?? 0)}, submit_busy ${h.submit_busy ?? 0}`,
  );
  lines.push(`  driver: submitted ${f.driver.submitted ?? 0}, completed ${f.driver.completed ?? 0}, timeouts ${f.driver.timeouts ?? 0}, polls ${f.driver.polls ?? 0} (${fmt(f.pollsPerSecond)}/s); result writes into guest RAM ${fmt(f.dmaWritesPerDoorbell, 2)} per doorbell`);
  return lines;
}

export function formatReport(r: SystemReport): string {
  const p = r.policy;
  const lines = [
    `nicsched system: ${p.name} (${p.hash.slice(0, 16)}) on ${r.cpus} CPU(s), Linux ${r.kernel.release} under QEMU ${r.qemu.packageVersion} (TCG)${r.qemu.tested ? '' : `, not the tested ${'1:7.2+dfsg-7+deb12u18'}`}`,
    p.timeScale > 1 ? `guest policy: hook time limits x${p.timeScale} for TCG (ttl ${p.ttlMs} ms, stall timeout ${p.stallTimeoutMs} ms): ${p.guestHash.slice(0, 16)}` : `guest policy: as written (ttl ${p.ttlMs} ms, stall timeout ${p.stallTimeoutMs} ms)`,
    `probe: ${r.probe.dmesg || '(no probe line)'}`,
    `  ID 0x${r.probe.id.toString(16)}, VERSION 0x${r.probe.version.toString(16).padStart(8, '0')}, POLICY_HASH 0x${r.probe.policyHash.toString(16).padStart(8, '0')}, ${r.probe.slots} slots`,
    '',
  ];
  for (const f of r.phases) lines.push(...phaseText(f), '');
  if (r.fault) {
    const f = r.fault;
    lines.push(`fault ${f.fault}: hook ${f.hookState} (${f.hookReason})${f.stall ? `; the watchdog stopped it on CPU ${f.stall.cpu} at ${fmt(f.stall.ageMs, 2)} ms after the doorbell (previous check at ${fmt(f.stall.prevCheckMs, 2)} ms)` : ''}`);
    lines.push(`  RESULT reads at the card after the stop: ${f.resultReadsAfter}`);
    if (f.timer) lines.push(`  after the fault, ${workloadLine(f.timer)}`);
    if (f.timerHookOff) lines.push(`  with the hook off, ${workloadLine(f.timerHookOff)}`);
    lines.push('');
  }
  const d = r.decisions;
  lines.push(
    `decisions checked: ${d.answered} answered doorbells, golden model ${d.goldenMismatches.length ? `DIFFERS on ${d.goldenMismatches.length}` : 'agrees on every one'}; ` +
      `the guest logged ${d.guestAnswers} answers (${d.guestAnswersMatched} matched the card's log) and installed ${d.installs} (${d.installsMatched} traced), ${d.guestMismatches.length} mismatches`,
  );
  lines.push(r.dmesg.length ? `kernel log: ${r.dmesg.length} problem(s)\n${formatFindings(r.dmesg)}` : 'kernel log: no WARN, BUG, lockdep report, sleep in atomic, kmemleak report, hung task or oops');
  if (r.kmemleak) lines.push(`kmemleak after unloading:\n${r.kmemleak}`);
  if (r.lostAccesses.length) lines.push(`QEMU dropped guest accesses to the card:\n${r.lostAccesses.join('\n')}`);
  lines.push(`files: ${r.workDir} (console.log, doorbells.jsonl, report.json)`);
  return lines.join('\n') + '\n';
}
