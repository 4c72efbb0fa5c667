/**
 * Trace(s) → dataset: one row per labelled sample, the policy's input integers (the golden model's
 * input path, golden/inputs.ts) and the action index of the label rule (learn/labels.ts).
 *
 * Dataset file (JSON Lines): line 1 a DatasetHeader, then rows {"x":[...],"y":k,"src":"file:line"}
 * (`class` when the trace knew it). Synthetic rows carry "src":"synthetic".
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Rng } from '../golden/vectors.js';
import { formatRange, type Format } from '../numeric/format.js';
import type { Spec } from '../spec/types.js';
import type { Trace } from '../trace/read.js';
import type { TraceSample } from '../trace/format.js';
import { inputError } from '../util/errors.js';
import { actionIndex, heuristicAction, outcomeAction, type ActionName, type Features, type LabelRule } from './labels.js';
import type { Costs } from '../eval/sim.js';
import { traceWorkloads } from '../eval/trace-workload.js';
import { SYNTHETIC_WORKLOADS, type Workload } from '../eval/workload.js';
import { lower } from '../ir/lower.js';
import { keepIndex, labelWorkload, type CounterfactualOptions } from './counterfactual.js';

/** cost(keep) − cost(a), rounded to 1e-6 ms² so the dataset text is stable. */
function advantages(costs: readonly number[], keep: number): number[] {
  return costs.map((c) => Math.round((costs[keep]! - c) * 1e6) / 1e6);
}

const DATASET_FORMAT_VERSION = 1;

export interface DatasetTrace {
  file: string;
  sha256: string;
  source: string;
  host: string;
  kernel: string;
  interval_ms: number;
  samples: number;
  /** The share of the trace's time span used ([0, 1] when absent). */
  window?: [number, number];
}

/** How counterfactual rows were made: which workloads ran in the simulator, and its settings. */
export interface SimulatedSource {
  generators: string[];
  /** Inclusive seed range; every generator and every trace runs once per seed. */
  seeds: [number, number];
  cpus: number;
  duration_ns: number;
  horizon_ns: number;
  sample_every: number;
  lambda: number;
  margin: number;
  /** Latency cost exponent (absent in datasets made before it existed: 2). */
  power?: number;
  /** The policy deciding for everyone in the runs and continuations (absent: keep, i.e. CFS). */
  behaviour?: { name: string; hash: string };
  costs: Costs;
}

export interface DatasetHeader {
  type: 'dataset';
  version: typeof DATASET_FORMAT_VERSION;
  label: LabelRule;
  features: { name: string; source: string }[];
  input: Format;
  actions: string[];
  traces: DatasetTrace[];
  synthetic: { generator: string; seed: number; rows: number } | null;
  /** Counterfactual labels only. */
  simulated?: SimulatedSource;
}

export interface DatasetRow {
  x: number[];
  y: number;
  /**
   * Counterfactual rows: each action's advantage over `keep` (cost of keep − cost of the action,
   * ms²; keep's is 0), what `nicsched train --objective regress|advantage` fits.
   */
  c?: number[];
  src: string;
  class?: string;
}

export interface Dataset {
  header: DatasetHeader;
  rows: DatasetRow[];
  /** Samples without a label (first sample of a task, or no next window for `outcome`). */
  dropped: number;
  /** Per source: rows whose trace sample lacked it (read as 0). */
  missing: Record<string, number>;
}

/**
 * The synthetic generator "uniform-v1": every catalogue source uniform over a documented range
 * (the ranges the first, hand-fitted reference policy used), clamped to the input format; seeded xorshift32
 * (golden/vectors.ts Rng), so a (seed, rows) pair names the same rows everywhere.
 */
const UNIFORM_V1_MAX: Readonly<Record<string, number>> = {
  wait_ns_log2: 30,
  exec_ns_log2: 30,
  nvcsw_delta: 32,
  nivcsw_delta: 32,
  util_avg: 255,
  nr_migrations_delta: 8,
  nice: 39,
  wakee_flips: 64,
  stint_ns_log2: 30,
};

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function saturatedInputs(spec: Spec, f: Features): number[] {
  const { min, max } = formatRange(spec.input);
  return spec.features.map((feat) => Math.min(max, Math.max(min, f[feat.source] ?? 0)));
}

/** The features a label rule sees: the policy's inputs by source (saturated), so training and serving agree. */
function asFeatures(spec: Spec, x: readonly number[]): Features {
  return Object.fromEntries(spec.features.map((f, i) => [f.source, x[i]!]));
}

function labelIndex(spec: Spec, name: ActionName): number {
  const index = actionIndex(
    (spec.actions ?? []).map((a) => a.name),
    name,
  );
  if (index === null) throw inputError('the policy has no "keep" action, which every label rule needs', { pointer: '/actions' }, "add `- { name: keep }` to the template's actions");
  return index;
}

function nextSampleOfSameTask(samples: readonly TraceSample[]): (number | null)[] {
  const next: (number | null)[] = samples.map(() => null);
  const lastByTid = new Map<number, number>();
  for (let i = samples.length - 1; i >= 0; i--) {
    const tid = samples[i]!.tid;
    next[i] = lastByTid.get(tid) ?? null;
    lastByTid.set(tid, i);
  }
  return next;
}

function traceRows(spec: Spec, trace: Trace, rule: LabelRule, ds: Dataset): void {
  const next = nextSampleOfSameTask(trace.samples);
  trace.samples.forEach((s, i) => {
    if (s.features === null) return void ds.dropped++;
    for (const f of spec.features) if (s.features[f.source] === undefined) ds.missing[f.source] = (ds.missing[f.source] ?? 0) + 1;
    const x = saturatedInputs(spec, s.features);
    let action: ActionName;
    if (rule === 'heuristic') action = heuristicAction(asFeatures(spec, x));
    else {
      const n = next[i];
      const nextFeatures = n === null || n === undefined ? null : trace.samples[n]!.features;
      if (nextFeatures === null) return void ds.dropped++;
      action = outcomeAction(asFeatures(spec, x), asFeatures(spec, saturatedInputs(spec, nextFeatures)));
    }
    ds.rows.push({ x, y: labelIndex(spec, action), src: `${basename(trace.file)}:${trace.lines[i]!}`, ...(s.class ? { class: s.class } : {}) });
  });
}

function syntheticRows(spec: Spec, count: number, seed: number): DatasetRow[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const raw = Object.fromEntries(spec.features.map((f) => [f.source, rng.int(0, UNIFORM_V1_MAX[f.source] ?? 255)]));
    const x = saturatedInputs(spec, raw);
    return { x, y: labelIndex(spec, heuristicAction(asFeatures(spec, x))), src: 'synthetic' };
  });
}

export interface BuildOptions {
  rule: LabelRule;
  augment?: { rows: number; seed: number };
}

export function buildDataset(spec: Spec, traces: readonly { trace: Trace; sha256: string }[], opts: BuildOptions): Dataset {
  if (opts.augment && opts.augment.rows > 0 && opts.rule !== 'heuristic') {
    throw inputError('synthetic rows have no next window, so they can only be labelled by --label heuristic', { pointer: '/augment' }, 'drop --augment or use --label heuristic');
  }
  const header: DatasetHeader = {
    type: 'dataset',
    version: DATASET_FORMAT_VERSION,
    label: opts.rule,
    features: spec.features.map((f) => ({ name: f.name, source: f.source })),
    input: { bits: spec.input.bits, frac: spec.input.frac, signed: spec.input.signed },
    actions: (spec.actions ?? []).map((a) => a.name),
    traces: traces.map(({ trace, sha256 }) => ({ file: trace.file, sha256, source: trace.header.source, host: trace.header.host, kernel: trace.header.kernel, interval_ms: trace.header.interval_ms, samples: trace.samples.length })),
    synthetic: opts.augment && opts.augment.rows > 0 ? { generator: 'uniform-v1', seed: opts.augment.seed, rows: opts.augment.rows } : null,
  };
  const ds: Dataset = { header, rows: [], dropped: 0, missing: {} };
  for (const { trace } of traces) traceRows(spec, trace, opts.rule, ds);
  if (header.synthetic) ds.rows.push(...syntheticRows(spec, header.synthetic.rows, header.synthetic.seed));
  return ds;
}

/* ---- counterfactual rows: the simulator's outcomes ------------------------------------------- */

export interface CounterfactualInput {
  traces: readonly { trace: Trace; sha256: string; window: [number, number] }[];
  generators: readonly string[];
  seeds: [number, number];
  options: CounterfactualOptions;
}

/** Every (workload, seed) of the input, labelled by learn/counterfactual.ts, in a fixed order. */
export function buildCounterfactualDataset(spec: Spec, input: CounterfactualInput): Dataset {
  const o = input.options;
  const header: DatasetHeader = {
    type: 'dataset',
    version: DATASET_FORMAT_VERSION,
    label: 'counterfactual',
    features: spec.features.map((f) => ({ name: f.name, source: f.source })),
    input: { bits: spec.input.bits, frac: spec.input.frac, signed: spec.input.signed },
    actions: (spec.actions ?? []).map((a) => a.name),
    traces: input.traces.map(({ trace, sha256, window }) => ({ file: trace.file, sha256, source: trace.header.source, host: trace.header.host, kernel: trace.header.kernel, interval_ms: trace.header.interval_ms, samples: trace.samples.length, window })),
    synthetic: null,
    simulated: {
      generators: [...input.generators],
      seeds: input.seeds,
      cpus: o.cpus,
      duration_ns: o.durationNs,
      horizon_ns: o.horizonNs,
      sample_every: o.sampleEvery,
      lambda: o.lambda,
      margin: o.margin,
      power: o.power,
      ...(o.behaviour ? { behaviour: { name: o.behaviour.name, hash: o.behaviour.hash } } : {}),
      costs: o.costs,
    },
  };
  const ds: Dataset = { header, rows: [], dropped: 0, missing: {} };
  const ir = lower(spec).ir;
  const sources: { name: string; make: (seed: number) => Workload }[] = [
    ...input.generators.map((g) => {
      const gen = SYNTHETIC_WORKLOADS[g];
      if (!gen) throw inputError(`unknown workload generator "${g}"`, { pointer: '/--sim' }, `use ${Object.keys(SYNTHETIC_WORKLOADS).join(', ')}`);
      return { name: g, make: (seed: number) => gen({ cpus: o.cpus, seed }) };
    }),
    ...input.traces.map(({ trace, window }) => ({ name: `${basename(trace.file)}[${window[0]},${window[1]})`, make: traceWorkloads(trace.file, { from: window[0], to: window[1] }) })),
  ];
  for (const src of sources) {
    for (let seed = input.seeds[0]; seed <= input.seeds[1]; seed++) {
      for (const p of labelWorkload(src.make(seed), ir, o)) ds.rows.push({ x: p.x, y: p.y, c: advantages(p.costs, keepIndex(ir)), src: `sim:${src.name}:${seed}@${p.atNs}`, class: p.cls });
    }
  }
  return ds;
}

export function datasetJsonl(ds: Dataset): string {
  return [JSON.stringify(ds.header), ...ds.rows.map((r) => JSON.stringify(r))].join('\n') + '\n';
}

// --- the data card -------------------------------------------------------------------------------

export interface DataCard {
  dataset: string;
  sha256: string;
  label_rule: LabelRule;
  traces: DatasetHeader['traces'];
  synthetic: DatasetHeader['synthetic'];
  simulated: SimulatedSource | null;
  rows: { total: number; from_traces: number; synthetic: number; simulated: number; dropped_unlabelled: number };
  label_balance: Record<string, number>;
  class_balance: Record<string, Record<string, number>>;
  feature_ranges: Record<string, { source: string; min: number; max: number; mean: number }>;
  missing_sources: Record<string, number>;
}

function featureRanges(ds: Dataset): DataCard['feature_ranges'] {
  return Object.fromEntries(
    ds.header.features.map((f, i) => {
      const col = ds.rows.map((r) => r.x[i]!);
      const mean = col.length ? col.reduce((a, b) => a + b, 0) / col.length : 0;
      return [f.name, { source: f.source, min: col.length ? Math.min(...col) : 0, max: col.length ? Math.max(...col) : 0, mean: Number(mean.toFixed(3)) }];
    }),
  );
}

export function dataCard(ds: Dataset, file: string, text: string): DataCard {
  const actions = ds.header.actions;
  const synthetic = ds.rows.filter((r) => r.src === 'synthetic').length;
  const simulated = ds.rows.filter((r) => r.src.startsWith('sim:')).length;
  const classes: DataCard['class_balance'] = {};
  for (const r of ds.rows) {
    const c = r.class ?? (r.src === 'synthetic' ? 'synthetic' : 'unlabelled');
    const a = actions[r.y] ?? String(r.y);
    classes[c] = classes[c] ?? {};
    classes[c]![a] = (classes[c]![a] ?? 0) + 1;
  }
  return {
    dataset: file,
    sha256: sha256(text),
    label_rule: ds.header.label,
    traces: ds.header.traces,
    synthetic: ds.header.synthetic,
    simulated: ds.header.simulated ?? null,
    rows: { total: ds.rows.length, from_traces: ds.rows.length - synthetic - simulated, synthetic, simulated, dropped_unlabelled: ds.dropped },
    label_balance: Object.fromEntries(actions.map((a, k) => [a, ds.rows.filter((r) => r.y === k).length])),
    class_balance: classes,
    feature_ranges: featureRanges(ds),
    missing_sources: ds.missing,
  };
}

function simulatedLine(s: SimulatedSource): string {
  const what = s.generators.length ? `${s.generators.join(', ')} and the traces below (replayed)` : 'the traces below (replayed)';
  return `- simulated (codegen/learn/counterfactual.ts): ${what}, seeds ${s.seeds[0]}–${s.seeds[1]}, ${s.cpus} CPUs, ${s.duration_ns / 1e6} ms each; one decision point in ${s.sample_every} continued ${s.horizon_ns / 1e6} ms once per action; cost = Σ (latency/1 ms)^${s.power ?? 2} + ${s.lambda} · lost batch ms; margin ${s.margin}; ${s.behaviour ? `the policy "${s.behaviour.name}" (${s.behaviour.hash.slice(0, 16)}) decides for every task in the runs and afterwards` : 'CFS (keep) for every other task and afterwards'}; costs ${JSON.stringify(s.costs)}`;
}

export function dataCardMarkdown(card: DataCard): string {
  const lines = [
    `# Data card: ${basename(card.dataset)}`,
    '',
    `- dataset: \`${card.dataset}\` (sha256 \`${card.sha256}\`)`,
    `- label rule: \`${card.label_rule}\` (codegen/learn/labels.ts, docs/LEARNING.md)`,
    `- rows: ${card.rows.total} (${card.rows.from_traces} from trace samples, ${card.rows.simulated} from simulated decision points, ${card.rows.synthetic} synthetic; ${card.rows.dropped_unlabelled} trace samples without a label dropped)`,
    card.synthetic
      ? `- synthetic augmentation: generator \`${card.synthetic.generator}\` (seed ${card.synthetic.seed}, ${card.synthetic.rows} rows): every source uniform over a fixed range, labelled by the heuristic. The container's traces do not cover every feature range, so these rows teach the policy the rest.`
      : '- synthetic augmentation: none',
    ...(card.simulated ? [simulatedLine(card.simulated)] : []),
    '',
    '## Source traces',
    '',
    '| file | sha256 | source | host | kernel | interval | samples |',
    '|---|---|---|---|---|---|---|',
    ...card.traces.map((t) => `| \`${t.file}\`${t.window ? ` [${t.window[0]}, ${t.window[1]})` : ''} | \`${t.sha256.slice(0, 16)}\` | ${t.source} | ${t.host} | ${t.kernel} | ${t.interval_ms} ms | ${t.samples} |`),
    '',
    '## Label balance',
    '',
    '| action | rows | share |',
    '|---|---|---|',
    ...Object.entries(card.label_balance).map(([a, n]) => `| ${a} | ${n} | ${card.rows.total ? ((100 * n) / card.rows.total).toFixed(1) : '0.0'} % |`),
    '',
    '## Labels by workload class',
    '',
    '| class | ' + Object.keys(card.label_balance).join(' | ') + ' |',
    '|---|' +
      Object.keys(card.label_balance)
        .map(() => '---|')
        .join(''),
    ...Object.entries(card.class_balance).map(
      ([c, m]) =>
        `| ${c} | ` +
        Object.keys(card.label_balance)
          .map((a) => String(m[a] ?? 0))
          .join(' | ') +
        ' |',
    ),
    '',
    '## Feature ranges (policy inputs, after saturation)',
    '',
    '| feature | source | min | max | mean |',
    '|---|---|---|---|---|',
    ...Object.entries(card.feature_ranges).map(([n, r]) => `| ${n} | ${r.source} | ${r.min} | ${r.max} | ${r.mean} |`),
    '',
    '## Sources missing from trace samples (read as 0)',
    '',
    Object.keys(card.missing_sources).length
      ? Object.entries(card.missing_sources)
          .map(([s, n]) => `- \`${s}\`: ${n} rows (this kernel does not expose it)`)
          .join('\n')
      : 'none',
    '',
  ];
  return lines.join('\n');
}

// --- reading a dataset -------------------------------------------------------------------------

function rowError(file: string, line: number, pointer: string, message: string, hint: string): never {
  throw inputError(message, { file, line, pointer }, hint);
}

function checkDatasetHeader(file: string, value: unknown): DatasetHeader {
  const h = value as Partial<DatasetHeader> | null;
  if (!h || typeof h !== 'object' || h.type !== 'dataset') rowError(file, 1, '/type', 'the first line must be the dataset header ("type": "dataset")', 'build datasets with `nicsched dataset`');
  if (h.version !== DATASET_FORMAT_VERSION) rowError(file, 1, '/version', `unsupported dataset version ${JSON.stringify(h.version)}`, `this nicsched reads version ${DATASET_FORMAT_VERSION}`);
  if (!Array.isArray(h.features) || h.features.some((f) => typeof f?.source !== 'string' || typeof f?.name !== 'string')) rowError(file, 1, '/features', '"features" must list { name, source }', 'rebuild the dataset with `nicsched dataset`');
  if (!Array.isArray(h.actions) || h.actions.some((a) => typeof a !== 'string')) rowError(file, 1, '/actions', '"actions" must list action names', 'rebuild the dataset with `nicsched dataset`');
  if (!h.input || typeof h.input.bits !== 'number') rowError(file, 1, '/input', '"input" must be a format { bits, frac, signed }', 'rebuild the dataset with `nicsched dataset`');
  return h as DatasetHeader;
}

function checkRow(file: string, line: number, value: unknown, header: DatasetHeader): DatasetRow {
  const r = value as Partial<DatasetRow> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) rowError(file, line, '', 'a row must be an object {"x": [...], "y": k}', 'see docs/LEARNING.md');
  const { min, max } = formatRange(header.input);
  if (!Array.isArray(r.x) || r.x.length !== header.features.length) rowError(file, line, '/x', `"x" must list ${header.features.length} inputs`, 'one integer per header feature');
  r.x.forEach((v, i) => {
    if (!Number.isInteger(v) || v < min || v > max) rowError(file, line, `/x/${i}`, `input ${i} (${header.features[i]!.name}) = ${JSON.stringify(v)} is not an integer in [${min}, ${max}]`, 'inputs are saturated to the input format');
  });
  if (!Number.isInteger(r.y) || r.y! < 0 || r.y! >= header.actions.length) rowError(file, line, '/y', `"y" = ${JSON.stringify(r.y)} is not an action index in [0, ${header.actions.length - 1}]`, "labels index the header's actions");
  if (typeof r.src !== 'string') rowError(file, line, '/src', '"src" must be a string', 'write "file:line" or "synthetic"');
  if (r.c !== undefined && (!Array.isArray(r.c) || r.c.length !== header.actions.length || r.c.some((v) => typeof v !== 'number' || !Number.isFinite(v))))
    rowError(file, line, '/c', `"c" must list ${header.actions.length} finite advantages, one per action`, 'rebuild the dataset with `nicsched dataset --label counterfactual`');
  return r as DatasetRow;
}

export interface LoadedDataset {
  file: string;
  text: string;
  header: DatasetHeader;
  rows: DatasetRow[];
}

function parseDataset(text: string, file: string): LoadedDataset {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parse = (t: string, line: number): unknown => {
    try {
      return JSON.parse(t);
    } catch (err) {
      return rowError(file, line, '', `not valid JSON: ${(err as Error).message}`, 'each line of a dataset is one JSON object');
    }
  };
  if (lines.length === 0) throw inputError('empty dataset', { file, line: 1, col: 1 }, 'build one with `nicsched dataset`');
  const header = checkDatasetHeader(file, parse(lines[0]!, 1));
  const rows = lines.slice(1).map((t, k) => checkRow(file, k + 2, parse(t, k + 2), header));
  if (rows.length === 0) throw inputError('dataset has no rows', { file, line: 2, col: 1 }, 'trace longer or add --augment rows');
  return { file, text, header, rows };
}

export function readDataset(file: string): LoadedDataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw inputError(`cannot read dataset: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file }, 'give the path of a dataset from `nicsched dataset`');
  }
  return parseDataset(text, file);
}
