/** `nicsched eval`: the same workload under stock CFS and under the policy's hook, and the report. */

import { GoldenModel } from '../golden/model.js';
import type { CompiledPolicy } from '../ir/ir.js';
import type { EmittedFile } from '../backends/backend.js';
import { variantMetrics, interactiveLatenciesNs, type VariantMetrics } from './metrics.js';
import { simulate, type PolicyHook, type SimResult } from './sim.js';
import { cdfPlot, stackedBarPlot } from './svg.js';
import type { Workload } from './workload.js';

export interface EvalOptions {
  cpus: number;
  durationNs: number;
  nicLatencyNs: number;
  seed: number;
}

export interface EvalResult {
  policy: { name: string; hash: string };
  workload: string;
  options: EvalOptions;
  tunables: SimResult['tunables'];
  baseline: VariantMetrics;
  policyVariant: VariantMetrics;
  runs: { baseline: SimResult; policy: SimResult };
}

export function policyHook(policy: CompiledPolicy, nicLatencyNs: number): PolicyHook {
  const model = new GoldenModel(policy.ir);
  return { ir: policy.ir, infer: (f) => model.inferAction(f), nicLatencyNs };
}

export function runEval(policy: CompiledPolicy, workload: Workload, o: EvalOptions): EvalResult {
  const base = { cpus: o.cpus, durationNs: o.durationNs };
  const baseline = simulate(workload, base);
  const guided = simulate(workload, { ...base, policy: policyHook(policy, o.nicLatencyNs) });
  return {
    policy: { name: policy.ir.name, hash: policy.hash },
    workload: workload.name,
    options: o,
    tunables: baseline.tunables,
    baseline: variantMetrics('baseline', baseline),
    policyVariant: variantMetrics('policy', guided),
    runs: { baseline, policy: guided },
  };
}

/* ---- report ---- */

function show(v: number | null, unit = ''): string {
  return v === null ? 'n/a' : `${v}${unit}`;
}

function change(a: number | null, b: number | null): string {
  if (a === null || b === null || a === 0) return '';
  const pct = ((b - a) / a) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
}

export function evalTable(r: EvalResult): string {
  const b = r.baseline;
  const p = r.policyVariant;
  const rows: [string, number | null, number | null][] = [
    ['interactive wakeup latency p50 (µs)', b.p50WakeLatencyUs, p.p50WakeLatencyUs],
    ['interactive wakeup latency p99 (µs)', b.p99WakeLatencyUs, p.p99WakeLatencyUs],
    ['interactive wakeup latency mean (µs)', b.meanWakeLatencyUs, p.meanWakeLatencyUs],
    ['batch throughput (CPU ms per s)', b.batchThroughputMsPerS, p.batchThroughputMsPerS],
    ['interactive wakeups measured', b.wakeups, p.wakeups],
  ];
  const head = `| metric | baseline (CFS) | policy ${r.policy.name} | change |\n|---|---:|---:|---:|\n`;
  return head + rows.map(([k, x, y]) => `| ${k} | ${show(x)} | ${show(y)} | ${change(x, y)} |`).join('\n') + '\n';
}

function decisionsText(r: EvalResult): string {
  const d = r.policyVariant.decisions;
  if (!d) return '';
  const reasons = Object.entries(d.droppedByReason)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const stop = d.hookStopped ? `The hook stopped (${d.hookStopped.reason}) at ${(d.hookStopped.atNs / 1e6).toFixed(3)} ms; CFS was stock from then on.` : 'The hook stayed armed.';
  return `Decisions: ${d.requested} requested, ${d.installed} installed, applied ${d.applied} times (${d.appliedWakeup} at wakeup, ${d.appliedTick} at the tick), ${d.dropped} dropped. Counters: ${reasons}. ${stop}\n`;
}

export function reportMarkdown(r: EvalResult): string {
  const t = r.tunables;
  const o = r.options;
  return [
    `# nicsched eval: ${r.policy.name}`,
    '',
    `Policy \`${r.policy.name}\` (${r.policy.hash.slice(0, 16)}), workload ${r.workload}, ${o.cpus} CPU(s), ${o.durationNs / 1e6} ms simulated, seed ${o.seed}, NIC latency ${o.nicLatencyNs / 1000} µs.`,
    `CFS tunables for ${o.cpus} CPU(s) (factor ${t.factor}): sched_latency ${t.latencyNs / 1e6} ms, min_granularity ${t.minGranularityNs / 1e6} ms, wakeup_granularity ${t.wakeupGranularityNs / 1e6} ms; HZ=250.`,
    '',
    evalTable(r),
    decisionsText(r),
    'CPU share (fraction of CPUs × time):',
    '',
    '| variant | interactive | batch | idle |',
    '|---|---:|---:|---:|',
    ...[r.baseline, r.policyVariant].map((m) => `| ${m.variant} | ${pct(m.share.interactive)} | ${pct(m.share.batch)} | ${pct(m.share.idle)} |`),
    '',
    '![wakeup latency CDF](latency-cdf.svg)',
    '![CPU share per class](cpu-share.svg)',
    '',
    'This is a simulator of CFS and of the hook, not the kernel: see docs/EVAL.md for the model and its limits.',
    '',
  ].join('\n');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

export function reportJson(r: EvalResult): unknown {
  return {
    format: 'nicsched-eval',
    version: 1,
    policy: r.policy,
    workload: r.workload,
    options: r.options,
    tunables: r.tunables,
    baseline: r.baseline,
    policy_variant: r.policyVariant,
  };
}

const COLORS = { baseline: '#555555', policy: '#d62728', interactive: '#1f77b4', batch: '#ff7f0e', idle: '#cccccc' };

export function latencySvg(r: EvalResult): string {
  const us = (s: SimResult) => interactiveLatenciesNs(s).map((ns) => ns / 1000);
  return cdfPlot(`interactive wakeup latency: ${r.policy.name}`, 'wakeup → first run (µs, log scale)', [
    { label: 'baseline (CFS)', color: COLORS.baseline, values: us(r.runs.baseline) },
    { label: `policy ${r.policy.name}`, color: COLORS.policy, values: us(r.runs.policy) },
  ]);
}

export function shareSvg(r: EvalResult): string {
  const group = (label: string, m: VariantMetrics) => ({
    label,
    parts: [
      { label: 'interactive', value: m.share.interactive, color: COLORS.interactive },
      { label: 'batch', value: m.share.batch, color: COLORS.batch },
      { label: 'idle', value: m.share.idle, color: COLORS.idle },
    ],
  });
  return stackedBarPlot('CPU share per class', 'share of CPU time', [group('baseline', r.baseline), group(`policy ${r.policy.name}`, r.policyVariant)]);
}

export function reportFiles(r: EvalResult): EmittedFile[] {
  return [
    { path: 'report.md', contents: reportMarkdown(r) },
    { path: 'report.json', contents: JSON.stringify(reportJson(r), null, 2) + '\n' },
    { path: 'latency-cdf.svg', contents: latencySvg(r) },
    { path: 'cpu-share.svg', contents: shareSvg(r) },
  ];
}
