/**
 * The report's plots as Vega-Lite specs, rendered to SVG in Node by Vega's headless view
 * (renderer "none", View.toSVG): no browser, no canvas, no hand-written SVG.
 *
 *   latency-tail-<workload>.svg  the tail as a percentile ladder (p50, p90, p99, p99.9) on a log
 *                                latency axis, policy against one baseline per panel, each point
 *                                the mean over seeds with its 95 % CI as a band
 *   p99-<workload>.svg           every variant's headline latency with its CI, CFS → oracle
 *   cpu-share.svg                where the CPU time went, per variant and workload
 *
 * Specs are built as plain objects (so tests can read them); `renderSvg` compiles and renders.
 */

import { meanCi } from './stats.js';
import { headlineMetric, METRICS, metricValue, variant, type EvalResult, type MetricKey, type VariantId, type WorkloadResult } from './run.js';

type Spec = Record<string, unknown>;

const COLORS: Record<VariantId, string> = {
  cfs: '#555555',
  nice: '#8c564b',
  sched_batch: '#9467bd',
  sched_idle: '#e377c2',
  policy: '#d62728',
  policy_cpu: '#ff9896',
  oracle: '#2ca02c',
  coin: '#bcbd22',
};

const LADDER: readonly { key: 'p50' | 'p90' | 'p99' | 'p999'; label: string }[] = [
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
];

export interface LadderPoint {
  panel: string;
  series: string;
  variant: VariantId;
  percentile: string;
  order: number;
  mean: number;
  lo: number;
  hi: number;
}

/** The latency family of the ladder: request latency where the workload has requests. */
function ladderFamily(w: WorkloadResult): 'wake' | 'request' {
  return headlineMetric(w).startsWith('request') ? 'request' : 'wake';
}

/** Mean and 95 % CI per percentile, for the policy and each baseline, one panel per baseline. */
function ladderPoints(w: WorkloadResult, baselines: readonly VariantId[]): LadderPoint[] {
  const family = ladderFamily(w);
  const points: LadderPoint[] = [];
  const policy = variant(w, 'policy');
  for (const b of baselines) {
    const base = variant(w, b);
    if (!policy || !base) continue;
    const panel = `vs ${base.label}`;
    for (const v of [base, policy]) {
      LADDER.forEach((p, order) => {
        const vals = v.runs.map((m) => m[family]?.[p.key] ?? null);
        if (vals.some((x) => x === null)) return;
        const ci = meanCi(vals as number[]);
        const floor = 0.1; // log axis: keep the band above 0
        points.push({ panel, series: v.label, variant: v.id, percentile: p.label, order, mean: Math.max(ci.mean, floor), lo: Math.max(Number.isNaN(ci.lo) ? ci.mean : ci.lo, floor), hi: Math.max(Number.isNaN(ci.hi) ? ci.mean : ci.hi, floor) });
      });
    }
  }
  return points;
}

function colorScale(w: WorkloadResult): { domain: string[]; range: string[] } {
  return { domain: w.variants.map((v) => v.label), range: w.variants.map((v) => COLORS[v.id]) };
}

function ladderSpec(r: EvalResult, w: WorkloadResult, baselines: readonly VariantId[]): Spec {
  const family = ladderFamily(w);
  const what = family === 'request' ? 'request latency' : 'interactive wakeup latency';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${w.label}: ${what}, ${r.policy.name} against each baseline`, subtitle: `mean over ${r.options.seeds.length} seeds, band = 95 % CI` },
    data: { values: ladderPoints(w, baselines) },
    facet: { field: 'panel', type: 'nominal', title: null, sort: baselines.map((b) => `vs ${variant(w, b)?.label ?? b}`) },
    columns: 3,
    spec: {
      width: 220,
      height: 180,
      layer: [{ mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } }, { mark: { type: 'line', point: true, strokeWidth: 2 } }],
      encoding: {
        x: { field: 'percentile', type: 'ordinal', sort: LADDER.map((l) => l.label), title: 'percentile', axis: { labelAngle: 0 } },
        y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: 'µs (log scale)' },
        color: { field: 'series', type: 'nominal', scale: colorScale(w), legend: { title: null, orient: 'bottom', columns: 2, labelLimit: 320, symbolOpacity: 1, symbolType: 'stroke', symbolStrokeWidth: 3 } },
      },
    },
    resolve: { scale: { color: 'shared' } },
    config: { font: 'DejaVu Sans' },
  };
}

function headlineSpec(r: EvalResult, w: WorkloadResult): Spec {
  const key: MetricKey = headlineMetric(w);
  const label = METRICS.find((m) => m.key === key)!.label;
  const values = w.variants.flatMap((v) => {
    const vals = v.runs.map((m) => metricValue(m, key));
    if (vals.some((x) => x === null)) return [];
    const ci = meanCi(vals as number[]);
    return [{ series: v.label, mean: ci.mean, lo: Number.isNaN(ci.lo) ? ci.mean : ci.lo, hi: Number.isNaN(ci.hi) ? ci.mean : ci.hi }];
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${w.label}: ${label}`, subtitle: `mean and 95 % CI over ${r.options.seeds.length} seeds` },
    data: { values },
    width: 420,
    height: { step: 22 },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lo', type: 'quantitative', title: label, scale: { zero: false } }, x2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
    ],
    encoding: {
      y: { field: 'series', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
      color: { field: 'series', type: 'nominal', scale: colorScale(w), legend: null },
    },
    config: { font: 'DejaVu Sans' },
  };
}

function shareSpec(r: EvalResult): Spec {
  const values = r.workloads.flatMap((w) =>
    w.variants.flatMap((v) => {
      const n = v.runs.length;
      const mean = (f: (s: (typeof v.runs)[number]['share']) => number) => v.runs.reduce((a, m) => a + f(m.share), 0) / n;
      return (['interactive', 'batch', 'overhead', 'idle'] as const).map((part, order) => ({ workload: w.label, series: v.label, part, order, share: mean((s) => s[part]) }));
    }),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'CPU time per class (useful work), scheduling costs and idle', subtitle: `mean over ${r.options.seeds.length} seeds` },
    data: { values },
    facet: { row: { field: 'workload', type: 'nominal', title: null } },
    spec: {
      width: 420,
      height: { step: 16 },
      mark: 'bar',
      encoding: {
        y: { field: 'series', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
        x: { field: 'share', type: 'quantitative', stack: 'normalize', title: 'share of CPUs × time', axis: { format: '%' } },
        color: { field: 'part', type: 'nominal', sort: ['interactive', 'batch', 'overhead', 'idle'], scale: { domain: ['interactive', 'batch', 'overhead', 'idle'], range: ['#1f77b4', '#ff7f0e', '#d62728', '#cccccc'] }, title: null },
        order: { field: 'order', type: 'quantitative' },
      },
    },
    config: { font: 'DejaVu Sans' },
  };
}

/** Compile a Vega-Lite spec and render it to standalone SVG with Vega's headless view. */
async function renderSvg(spec: Spec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    view.finalize();
  }
}

/** A file name part for a workload label. */
export function slug(label: string): string {
  return (
    label
      .replace(/\.jsonl$/, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'workload'
  );
}

export async function plotFiles(r: EvalResult, baselines: readonly VariantId[]): Promise<{ path: string; contents: string }[]> {
  const files: { path: string; contents: string }[] = [];
  for (const w of r.workloads) {
    files.push({ path: `latency-tail-${slug(w.label)}.svg`, contents: await renderSvg(ladderSpec(r, w, baselines)) });
    files.push({ path: `headline-${slug(w.label)}.svg`, contents: await renderSvg(headlineSpec(r, w)) });
  }
  files.push({ path: 'cpu-share.svg', contents: await renderSvg(shareSpec(r)) });
  return files;
}
