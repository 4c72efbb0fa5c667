/**
 * `nicsched train` end to end: split, train (float), quantize, measure agreement on held-out rows
 * with the golden model, and write the policy with a header that says how it was made.
 */

import { readFileSync } from 'node:fs';
import { argmax, GoldenModel } from '../golden/model.js';
import { compilePolicyText } from '../policy.js';
import type { Spec } from '../spec/types.js';
import { inputError } from '../util/errors.js';
import { sha256, type DatasetHeader, type LoadedDataset } from './dataset.js';
import { provenanceLine, type Provenance } from '../eval/provenance.js';
import { policyYaml } from './emit.js';
import type { Template } from './template.js';
import { DEFAULT_TRAIN, floatScores, type FloatLayer, quantizeLayers, REGRESS_SCALE, splitRows, trainFloat, type TrainOptions } from './train.js';

export interface Agreement {
  rows: number;
  float_vs_quantized: number;
  label_vs_float: number;
  label_vs_quantized: number;
  /**
   * Counterfactual rows: the mean advantage over keep (ms² per decision) of the float model's
   * choices, of the quantized policy's, and of always choosing the best action (the ceiling).
   */
  advantage?: { float: number; quantized: number; best: number };
}

export interface TrainResult {
  yaml: string;
  /** The trained float parameters (before quantization), for checking the reported figures. */
  floatLayers: FloatLayer[];
  heldOut: Agreement;
  trainSet: Agreement;
  seconds: number;
  maxQuantError: number;
  clamped: number;
}

/** The dataset must describe the template's inputs and outputs exactly. */
function checkCompatible(ds: LoadedDataset, t: Template): void {
  const where = { file: ds.file, line: 1 };
  const want = t.spec.features.map((f) => f.source).join(', ');
  const got = ds.header.features.map((f) => f.source).join(', ');
  if (want !== got) throw inputError(`the dataset's feature sources (${got}) differ from the template's (${want})`, { ...where, pointer: '/features' }, `rebuild the dataset with --spec ${t.file}`);
  const actions = (t.spec.actions ?? []).map((a) => a.name).join(', ');
  if (actions !== ds.header.actions.join(', ')) throw inputError(`the dataset's actions (${ds.header.actions.join(', ')}) differ from the template's (${actions})`, { ...where, pointer: '/actions' }, `rebuild the dataset with --spec ${t.file}`);
  const fi = t.spec.input;
  const di = ds.header.input;
  if (fi.bits !== di.bits || fi.frac !== di.frac || fi.signed !== di.signed) throw inputError("the dataset's input format differs from the template's", { ...where, pointer: '/input' }, `rebuild the dataset with --spec ${t.file}`);
}

function measure(spec: Spec, model: GoldenModel, layers: Parameters<typeof floatScores>[1], rows: LoadedDataset['rows']): Agreement {
  let fq = 0;
  let lf = 0;
  let lq = 0;
  const adv = { float: 0, quantized: 0, best: 0 };
  for (const r of rows) {
    const f = argmax(floatScores(spec, layers, r.x));
    const q = model.inferAction(r.x);
    fq += Number(f === q);
    lf += Number(r.y === f);
    lq += Number(r.y === q);
    if (r.c) {
      adv.float += r.c[f]!;
      adv.quantized += r.c[q]!;
      adv.best += Math.max(...r.c);
    }
  }
  const n = rows.length;
  const agreement: Agreement = { rows: n, float_vs_quantized: fq / n, label_vs_float: lf / n, label_vs_quantized: lq / n };
  if (rows.every((r) => r.c)) agreement.advantage = { float: adv.float / n, quantized: adv.quantized / n, best: adv.best / n };
  return agreement;
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

export function describeAgreement(a: Agreement, label: string): string {
  const adv = a.advantage ? `; advantage over keep per decision: float ${a.advantage.float.toFixed(4)}, quantized ${a.advantage.quantized.toFixed(4)}, best action ${a.advantage.best.toFixed(4)} ms²` : '';
  return `float vs quantized ${pct(a.float_vs_quantized)}, ${label} vs float ${pct(a.label_vs_float)}, ${label} vs quantized ${pct(a.label_vs_quantized)} (${a.rows} rows)${adv}`;
}

function schemaComment(templateFile: string): string | null {
  const first = readFileSync(templateFile, 'utf8').split('\n')[0] ?? '';
  return first.startsWith('# yaml-language-server:') ? first : null;
}

function trainCommandLine(datasetFile: string, templateFile: string, opts: TrainOptions): string {
  return `nicsched train ${datasetFile} --spec ${templateFile} --seed ${opts.seed} --epochs ${opts.epochs}${opts.qat ? ' --qat' : ''}${opts.objective === 'classify' ? '' : ` --objective ${opts.objective}`}${opts.objective === 'regress' && opts.regressScale !== REGRESS_SCALE ? ` --regress-scale ${opts.regressScale}` : ''} -o <this file>`;
}

/** What the policy saw: the dataset's traces (with windows) and simulated generators (with seeds). */
function datasetProvenance(h: DatasetHeader): Provenance {
  const seeds = h.simulated?.seeds;
  return {
    synthetic: seeds ? h.simulated!.generators.map((generator) => ({ generator, seeds })) : [],
    traces: h.traces.map((t) => ({ file: t.file, sha256: t.sha256, window: t.window ?? [0, 1] })),
  };
}

export async function trainPolicy(ds: LoadedDataset, t: Template, options: Partial<TrainOptions> & Pick<TrainOptions, 'seed' | 'epochs' | 'qat'>): Promise<TrainResult> {
  checkCompatible(ds, t);
  const opts: TrainOptions = { ...DEFAULT_TRAIN, ...options };
  if (opts.objective !== 'classify' && ds.rows.some((r) => !r.c))
    throw inputError(`--objective ${opts.objective} needs every row's advantages ("c"): only counterfactual datasets have them`, { file: ds.file, line: 1, pointer: '/label' }, 'build the dataset with `nicsched dataset --label counterfactual`, or train with --objective classify');
  const started = process.hrtime.bigint();
  const { train, test } = splitRows(ds.rows, opts.holdout, opts.seed);
  const keep = Math.max(
    0,
    (t.spec.actions ?? []).findIndex((a) => a.nice === 0),
  );
  const layers = await trainFloat(t.spec, train, opts, keep);
  const quant = quantizeLayers(t.spec, layers);
  const draft = policyYaml(t.spec, quant, [], null);
  const model = new GoldenModel(compilePolicyText(draft, t.file).ir);
  const heldOut = measure(t.spec, model, layers, test);
  const trainSet = measure(t.spec, model, layers, train);
  const label = `label (${ds.header.label})`;
  const header = [
    `Policy "${t.spec.name}", trained by nicsched from a dataset (docs/LEARNING.md). Do not edit the weights by hand; regenerate:`,
    `  ${trainCommandLine(ds.file, t.file, opts)}`,
    `dataset: ${ds.file} sha256 ${sha256(ds.text)} (${ds.rows.length} rows, label rule ${ds.header.label})`,
    `held out (${Math.round(opts.holdout * 100)} %, seeded split): ${describeAgreement(heldOut, label)}`,
    `training rows: ${describeAgreement(trainSet, label)}`,
    provenanceLine(datasetProvenance(ds.header)),
  ];
  const yaml = policyYaml(t.spec, quant, header, schemaComment(t.file));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxQuantError = Math.max(...quant.map((q) => q.maxError.weights));
  const clamped = quant.reduce((s, q) => s + q.clamped, 0);
  return { yaml, floatLayers: layers, heldOut, trainSet, seconds, maxQuantError, clamped };
}
