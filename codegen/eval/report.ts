/** The eval report: report.md, report.json and the plots (plot.ts). */

import type { EmittedFile } from '../util/output.js';
import { plotFiles, slug } from './plot.js';
import { workloadStatus, type Provenance, type SampleStatus } from './provenance.js';
import { BASELINES, compare, gapClosed, goalCheck, headlineMetric, METRICS, summary, variant, type EvalResult, type MetricKey, type WorkloadResult } from './run.js';
import type { MeanCi, PairedComparison } from './stats.js';

function num(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function showCi(c: MeanCi | null): string {
  if (!c || Number.isNaN(c.mean)) return 'n/a';
  return Number.isNaN(c.half) ? num(c.mean) : `${num(c.mean)} ± ${num(c.half)}`;
}

function showRelative(c: PairedComparison | null): string {
  if (!c) return 'n/a';
  const r = c.relative;
  const sign = r.mean >= 0 ? '+' : '';
  const digits = Math.abs(r.mean) < 1 && (Number.isNaN(r.half) || r.half < 1) ? 2 : 1;
  return `${sign}${r.mean.toFixed(digits)} % ± ${Number.isNaN(r.half) ? '?' : r.half.toFixed(digits)} %${c.excludesZero ? '' : ' (CI includes 0)'}`;
}

const HEADLINE_KEYS: readonly MetricKey[] = ['wake.p50', 'wake.p99', 'wake.p999', 'request.p50', 'request.p99', 'request.p999', 'requestsPerS', 'completionMs', 'batchWorkMsPerS'];

function metricsOf(w: WorkloadResult, keys: readonly MetricKey[]): MetricKey[] {
  const cfs = variant(w, 'cfs')!;
  return keys.filter((k) => summary(cfs, k) !== null);
}

function statusLine(status: SampleStatus): string {
  switch (status) {
    case 'held-out':
      return "held out: no seed or trace window of this workload is in the policy's training data";
    case 'in-sample':
      return '**IN-SAMPLE**: the policy was trained on (part of) this workload; these figures do not show generalization';
    case 'unknown':
      return 'training data unknown: the policy carries no provenance line, so in-sample evaluation cannot be ruled out';
  }
}

function variantTable(w: WorkloadResult): string[] {
  const keys = metricsOf(
    w,
    METRICS.map((m) => m.key),
  );
  const head = `| metric | ${w.variants.map((v) => v.label).join(' | ')} |`;
  const sep = `|---|${w.variants.map(() => '---:|').join('')}`;
  const rows = keys.map((k) => `| ${METRICS.find((m) => m.key === k)!.label} | ${w.variants.map((v) => showCi(summary(v, k))).join(' | ')} |`);
  return [head, sep, ...rows];
}

function comparisonTable(w: WorkloadResult): string[] {
  const keys = metricsOf(w, HEADLINE_KEYS);
  const baselines = BASELINES.filter((b) => variant(w, b));
  const head = `| policy vs → | ${baselines.map((b) => variant(w, b)!.label).join(' | ')} |`;
  const sep = `|---|${baselines.map(() => '---:|').join('')}`;
  const rows = keys.map((k) => `| ${METRICS.find((m) => m.key === k)!.label} | ${baselines.map((b) => showRelative(compare(w, b, k))).join(' | ')} |`);
  return [head, sep, ...rows];
}

function decisionsLine(w: WorkloadResult): string {
  const p = variant(w, 'policy');
  const runs = p?.runs.filter((m) => m.decisions) ?? [];
  if (runs.length === 0) return '';
  const mean = (f: (d: NonNullable<(typeof runs)[number]['decisions']>) => number) => Math.round(runs.reduce((a, m) => a + f(m.decisions!), 0) / runs.length);
  const stopped = runs.filter((m) => m.decisions!.hookStopped).length;
  return `Hook decisions per run (mean): ${mean((d) => d.requested)} requested, ${mean((d) => d.installed)} installed, applied ${mean((d) => d.applied)} times (${mean((d) => d.appliedWakeup)} at wakeup, ${mean((d) => d.appliedTick)} at the tick), ${mean((d) => d.dropped)} dropped; the watchdog stopped the hook in ${stopped} of ${runs.length} runs.`;
}

function goalLines(w: WorkloadResult): string[] {
  const g = goalCheck(w);
  const label = METRICS.find((m) => m.key === g.metric)!.label;
  const gap = gapClosed(w, g.metric);
  return [
    `Where the policy sits on ${label}: ${gap === null ? 'the next-burst oracle is no better than CFS here, so it bounds nothing' : `${gap.toFixed(0)} % of the way from CFS (0 %) to the next-burst oracle (100 %), from the means`}.`,
    '',
    `Goal (≥ 20 % lower than both CFS and static nice, CI excluding 0, batch loss ≤ 2 %): **${g.met ? 'met' : 'not met'}** — vs CFS ${showRelative(g.vsCfs)}, vs static nice ${showRelative(g.vsNice)}, batch throughput vs CFS ${showRelative(g.batchVsCfs)}.`,
  ];
}

function workloadMarkdown(w: WorkloadResult, status: SampleStatus): string[] {
  const file = slug(w.label);
  return [
    `## ${w.label}`,
    '',
    `Evaluation data: ${statusLine(status)}.`,
    '',
    'Mean ± 95 % CI over seeds:',
    '',
    ...variantTable(w),
    '',
    'Policy against each baseline, paired by seed (mean relative difference ± 95 % CI):',
    '',
    ...comparisonTable(w),
    '',
    ...goalLines(w),
    '',
    decisionsLine(w),
    '',
    `![tail](latency-tail-${file}.svg)`,
    `![headline](headline-${file}.svg)`,
    '',
  ];
}

function reportMarkdown(r: EvalResult, provenance: Provenance | null): string {
  const o = r.options;
  const t = r.tunables;
  const c = o.costs;
  return [
    `# nicsched eval: ${r.policy.name}`,
    '',
    `Policy \`${r.policy.name}\` (${r.policy.hash.slice(0, 16)}); ${o.cpus} CPU(s), ${o.durationNs / 1e6} ms simulated per run, seeds ${o.seeds[0]}–${o.seeds[o.seeds.length - 1]} (${o.seeds.length}), NIC latency ${o.nicLatencyNs / 1000} µs.`,
    `CFS tunables for ${o.cpus} CPU(s) (factor ${t.factor}): sched_latency ${t.latencyNs / 1e6} ms, min_granularity ${t.minGranularityNs / 1e6} ms, wakeup_granularity ${t.wakeupGranularityNs / 1e6} ms; HZ=250; load balancing ${o.balancing ? 'on' : 'off'}.`,
    `Costs: context switch ${c.switchNs / 1000} µs, migration ${c.migrationNs / 1000} µs, wakeup ${c.wakeNs / 1000} µs, IPI ${c.ipiNs / 1000} µs.`,
    '',
    ...r.workloads.flatMap((w) => workloadMarkdown(w, workloadStatus(provenance, w.origins))),
    '![CPU share](cpu-share.svg)',
    '',
    'This is a simulator of CFS and of the hook, not the kernel: see docs/EVAL.md for the model and its limits.',
    '',
  ].join('\n');
}

function ciJson(c: MeanCi | null): unknown {
  return c && { n: c.n, mean: c.mean, half: Number.isNaN(c.half) ? null : c.half, lo: Number.isNaN(c.lo) ? null : c.lo, hi: Number.isNaN(c.hi) ? null : c.hi };
}

function comparisonJson(c: PairedComparison | null): unknown {
  return c && { diff: ciJson(c.diff), relative_pct: ciJson(c.relative), excludes_zero: c.excludesZero };
}

export function reportJson(r: EvalResult, provenance: Provenance | null): unknown {
  return {
    format: 'nicsched-eval',
    version: 2,
    policy: r.policy,
    options: r.options,
    tunables: r.tunables,
    workloads: r.workloads.map((w) => {
      const keys = metricsOf(
        w,
        METRICS.map((m) => m.key),
      );
      const g = goalCheck(w);
      return {
        label: w.label,
        kind: w.kind,
        evaluation_data: workloadStatus(provenance, w.origins),
        origins: w.origins,
        headline: headlineMetric(w),
        variants: w.variants.map((v) => ({ id: v.id, label: v.label, summary: Object.fromEntries(keys.map((k) => [k, ciJson(summary(v, k))])), runs: v.runs })),
        comparisons: Object.fromEntries(BASELINES.filter((b) => variant(w, b)).map((b) => [b, Object.fromEntries(keys.map((k) => [k, comparisonJson(compare(w, b, k))]))])),
        gap_closed_pct: gapClosed(w, g.metric),
        goal: { metric: g.metric, met: g.met, vs_cfs: comparisonJson(g.vsCfs), vs_nice: comparisonJson(g.vsNice), batch_vs_cfs: comparisonJson(g.batchVsCfs) },
      };
    }),
  };
}

export async function reportFiles(r: EvalResult, provenance: Provenance | null): Promise<EmittedFile[]> {
  return [{ path: 'report.md', contents: reportMarkdown(r, provenance) }, { path: 'report.json', contents: JSON.stringify(reportJson(r, provenance), null, 2) + '\n' }, ...(await plotFiles(r, BASELINES))];
}

/** What the CLI prints: per workload, the headline comparison. */
export function summaryText(r: EvalResult, provenance: Provenance | null): string {
  const lines: string[] = [];
  for (const w of r.workloads) {
    const g = goalCheck(w);
    const label = METRICS.find((m) => m.key === g.metric)!.label;
    lines.push(`${w.label} [${workloadStatus(provenance, w.origins)}]`);
    lines.push(`  ${label}: ${w.variants.map((v) => `${v.label} ${showCi(summary(v, g.metric))}`).join('; ')}`);
    lines.push(`  policy vs CFS ${showRelative(g.vsCfs)}; vs static nice ${showRelative(g.vsNice)}; batch throughput vs CFS ${showRelative(g.batchVsCfs)}; goal ${g.met ? 'met' : 'not met'}`);
  }
  return lines.join('\n') + '\n';
}
