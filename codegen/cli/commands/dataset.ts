/** `nicsched dataset`: trace(s) → labelled rows for a policy's feature list, plus a data card. */

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { buildCounterfactualDataset, buildDataset, dataCard, dataCardMarkdown, datasetJsonl, sha256, type Dataset } from '../../learn/dataset.js';
import { DEFAULT_COUNTERFACTUAL, type Behaviour } from '../../learn/counterfactual.js';
import { loadPolicy } from '../../policy.js';
import { goldenInfer } from '../../eval/providers.js';
import { LABEL_RULES, type LabelRule } from '../../learn/labels.js';
import type { Spec } from '../../spec/types.js';
import { DEFAULT_COSTS } from '../../eval/sim.js';
import { parseWindow, WHOLE_TRACE } from '../../eval/trace-workload.js';
import { loadTemplate } from '../../learn/template.js';
import { readTrace } from '../../trace/read.js';
import { inputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/output.js';
import { packagePath } from '../../util/paths.js';
import type { CommandContext } from './index.js';

interface DatasetOptions {
  label: string;
  spec?: string;
  augment: string;
  seed: string;
  sim?: string;
  seeds?: string;
  window?: string;
  cpus: string;
  durationMs: string;
  horizonMs: string;
  sampleEvery: string;
  lambda: string;
  margin: string;
  power: string;
  behaviour?: string;
  output: string;
  json?: boolean;
}

function nonNegativeInt(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw inputError(`${option} must be a non-negative integer, got "${text}"`, { pointer: `/${option}` }, `e.g. ${option} 1000`);
  return Number(text);
}

/** `data.jsonl` → `data.card.json` / `data.card.md` next to it. */
function cardPaths(output: string): { json: string; md: string } {
  const stem = output.replace(/\.jsonl$/, '');
  return { json: `${stem}.card.json`, md: `${stem}.card.md` };
}

function seedRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(a <= b) || b - a > 100_000) throw inputError(`--seeds must be N or A-B with A <= B, got "${text}"`, { pointer: '/--seeds' }, 'e.g. --seeds 1000-1009');
  return [a, b];
}

function positive(text: string, option: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) throw inputError(`${option} must be a non-negative number, got "${text}"`, { pointer: `/${option}` }, `e.g. ${option} 1`);
  return v;
}

/** A policy to decide for everyone during labelling: it must read and answer like the template. */
function behaviourOf(spec: Spec, file: string): Behaviour {
  const policy = loadPolicy(file);
  const want = spec.features.map((f) => f.source).join(', ');
  const got = policy.ir.features.map((f) => f.source).join(', ');
  const actions = (spec.actions ?? []).map((a) => `${a.name} ${a.nice ?? 0}`).join(', ');
  const theirs = policy.ir.actions.map((a) => `${a.name} ${a.nice}`).join(', ');
  if (want !== got || actions !== theirs) throw inputError(`the behaviour policy's features (${got}) or actions (${theirs}) differ from the template's (${want}; ${actions})`, { file }, 'use a policy trained from this template');
  return { name: policy.ir.name, hash: policy.hash, ir: policy.ir, infer: goldenInfer(policy.ir) };
}

/** Counterfactual rows: the given traces (replayed in --window) and --sim generators, for every seed. */
function counterfactualDataset(spec: Spec, traceFiles: string[], opts: DatasetOptions): Dataset {
  if (opts.augment !== '0') throw inputError('synthetic rows have no simulator state, so --augment needs --label heuristic', { pointer: '/--augment' }, 'drop --augment');
  const generators = (opts.sim ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  if (generators.length === 0 && traceFiles.length === 0) throw inputError('--label counterfactual needs traces or --sim generators', { pointer: '/--sim' }, 'e.g. --sim mixed,schbench --seeds 1000-1009');
  const window = opts.window === undefined ? WHOLE_TRACE : parseWindow(opts.window);
  const traces = traceFiles.map((file) => ({ trace: readTrace(file), sha256: sha256(readFileSync(file)), window: [window.from, window.to] as [number, number] }));
  const cpus = nonNegativeInt(opts.cpus, '--cpus');
  if (cpus < 1 || cpus > 64) throw inputError(`--cpus must be in [1, 64], got ${cpus}`, { pointer: '/--cpus' }, 'e.g. --cpus 2');
  const sampleEvery = Math.max(1, nonNegativeInt(opts.sampleEvery, '--sample-every'));
  const options = {
    ...DEFAULT_COUNTERFACTUAL,
    cpus,
    costs: DEFAULT_COSTS,
    durationNs: nonNegativeInt(opts.durationMs, '--duration-ms') * 1_000_000,
    horizonNs: nonNegativeInt(opts.horizonMs, '--horizon-ms') * 1_000_000,
    sampleEvery,
    lambda: positive(opts.lambda, '--lambda'),
    margin: positive(opts.margin, '--margin'),
    power: positive(opts.power, '--power'),
    behaviour: opts.behaviour === undefined ? null : behaviourOf(spec, opts.behaviour),
  };
  return buildCounterfactualDataset(spec, { traces, generators, seeds: seedRange(opts.seeds ?? '1000'), options });
}

function datasetCommand(ctx: CommandContext, traceFiles: string[], opts: DatasetOptions): void {
  if (!(LABEL_RULES as string[]).includes(opts.label)) throw inputError(`unknown label rule "${opts.label}"`, { pointer: '/--label' }, `use one of: ${LABEL_RULES.join(', ')}`);
  const template = loadTemplate(opts.spec ?? packagePath('examples/reference.template.yaml'));
  let ds: Dataset;
  if (opts.label === 'counterfactual') ds = counterfactualDataset(template.spec, traceFiles, opts);
  else {
    if (traceFiles.length === 0) throw inputError(`--label ${opts.label} needs at least one trace`, { pointer: '/traces' }, 'name trace files from `nicsched trace`');
    const traces = traceFiles.map((file) => ({ trace: readTrace(file), sha256: sha256(readFileSync(file)) }));
    const rows = nonNegativeInt(opts.augment, '--augment');
    const seed = nonNegativeInt(opts.seed, '--seed');
    ds = buildDataset(template.spec, traces, { rule: opts.label as LabelRule, ...(rows > 0 ? { augment: { rows, seed } } : {}) });
  }
  if (ds.rows.length === 0) throw inputError('no labelled rows: every sample lacked features or a next window', { file: traceFiles[0] }, 'trace for longer (a task needs at least two samples, three for --label outcome)');
  const text = datasetJsonl(ds);
  const card = dataCard(ds, opts.output, text);
  const cards = cardPaths(opts.output);
  writeFileAtomic(opts.output, text);
  writeFileAtomic(cards.json, JSON.stringify(card, null, 2) + '\n');
  writeFileAtomic(cards.md, dataCardMarkdown(card));
  if (opts.json) return ctx.json({ output: opts.output, cards, rows: card.rows, label_balance: card.label_balance });
  const balance = Object.entries(card.label_balance)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ');
  ctx.io.out(`${card.rows.total} rows (${card.rows.from_traces} traced, ${card.rows.simulated} simulated, ${card.rows.synthetic} synthetic, ${card.rows.dropped_unlabelled} unlabelled dropped); labels: ${balance} -> ${opts.output}, ${cards.md}\n`);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('dataset')
    .description('turn traces into (features, label) rows for a policy template, with a data card (docs/LEARNING.md)')
    .argument('[traces...]', 'trace files (.jsonl from `nicsched trace`)')
    .requiredOption('--label <rule>', `label rule: ${LABEL_RULES.join(' | ')}`)
    .option('--spec <template>', 'training template (a policy without weights); default examples/reference.template.yaml')
    .option('--augment <rows>', 'add this many synthetic rows (generator uniform-v1, heuristic labels)', '0')
    .option('--seed <n>', 'seed of the synthetic rows', '1')
    .option('--sim <generators>', 'counterfactual: also run these eval workloads (mixed, schbench, hackbench, cyclictest), comma-separated')
    .option('--seeds <A-B>', 'counterfactual: seeds of the generators and of the trace replays', '1000')
    .option('--window <from:to>', 'counterfactual: replay only this share of each trace (e.g. 0:0.7, keeping the rest for evaluation)')
    .option('--cpus <n>', 'counterfactual: simulated CPUs', '2')
    .option('--duration-ms <n>', 'counterfactual: simulated time per workload and seed', String(DEFAULT_COUNTERFACTUAL.durationNs / 1e6))
    .option('--horizon-ms <n>', "counterfactual: how long each action's continuation runs", String(DEFAULT_COUNTERFACTUAL.horizonNs / 1e6))
    .option('--sample-every <n>', 'counterfactual: label one decision point in n', String(DEFAULT_COUNTERFACTUAL.sampleEvery))
    .option('--lambda <x>', 'counterfactual: ms² of latency cost per ms of batch work lost', String(DEFAULT_COUNTERFACTUAL.lambda))
    .option('--margin <x>', 'counterfactual: an action must beat keep by this much cost', String(DEFAULT_COUNTERFACTUAL.margin))
    .option('--behaviour <policy>', 'counterfactual: this policy (same features and actions) decides for every task in the runs and continuations: labels for the next round of policy iteration')
    .option('--power <p>', 'counterfactual: a latency costs (latency / 1 ms)^p; 2 weighs the tail, 1 is the mean', String(DEFAULT_COUNTERFACTUAL.power))
    .requiredOption('-o, --output <file>', 'dataset to write (.jsonl); the data card goes next to it (.card.json, .card.md)')
    .option('--json', 'machine-readable summary')
    .action((traces: string[], opts: DatasetOptions) => datasetCommand(ctx, traces, opts));
}
