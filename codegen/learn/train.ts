/**
 * Training: the template's float MLP, trained with tfjs (CPU backend) on a dataset, then quantized
 * into the template's formats. Reproducible: initial weights come from the seeded xorshift32
 * (golden/vectors.ts), batches from our own seeded shuffle (tfjs fit's shuffle uses Math.random, so
 * we do not use fit), and the CPU backend is deterministic, so one seed gives one file, byte for byte.
 *
 * The float model already sees what the hardware does: each layer's output is clipped to its output
 * format's range and weights are projected into their format's range after every step. With --qat a
 * second phase fine-tunes through fake quantization (weights rounded half to even, activations
 * rounded half up, straight-through gradients) for QAT_SHARE·epochs more, so post-training
 * quantization loses almost nothing.
 *
 * The first layer reads raw integer counters (0..255, none centred). Trained on them directly, the
 * first Adam steps move every weight of a unit the same way and push most first-layer units below
 * zero on every row for good (8 to 12 of the reference's 16 after one epoch). So the optimizer works
 * on standardized inputs instead: the first layer's variables are w' = σ·w and b' = b + μ·w (μ, σ the
 * training rows' mean and standard deviation per input), and every forward pass computes the raw
 * layer w = w'/σ, b = b' − μ·w on the raw inputs, exactly as the hardware does. Only the steps
 * change (Adam on standardized inputs); the model, the projection and QAT are the raw layer's.
 */

import * as tf from '@tensorflow/tfjs';
import { biasFormat } from '../numeric/accumulator.js';
import { formatRange, type Format } from '../numeric/format.js';
import { quantizeTensor } from '../ir/lower.js';
import { Rng } from '../golden/vectors.js';
import type { Spec, SpecLayer } from '../spec/types.js';
import type { DatasetRow } from './dataset.js';

/**
 * classify: softmax cross-entropy on the label `y`. regress: mean squared error of every score
 * against the row's advantage over keep (`c`, counterfactual datasets): keep's target is 0, another
 * action's is REGRESS_SCALE · (advantage − REGRESS_MARGIN) clipped to ±REGRESS_CLIP, so the argmax
 * picks an action only where its expected advantage beats the margin: the expected cost decides,
 * not how often an action happened to win (a rare long stall outweighs many small gains); the clip
 * biases that expectation where advantages are heavy-tailed. advantage (counterfactual datasets):
 * maximize the mean advantage over keep of the softmax policy of the scores, Σ_a p(a|x)·(c_a − margin
 * for a ≠ keep): every action's outcome is known for every row, so this is the expected advantage
 * per decision itself, unclipped, and its maximum puts the argmax on the action with the highest
 * expected advantage given the inputs, where classify puts it on the action that wins most often.
 */
export type Objective = 'classify' | 'regress' | 'advantage';
export const OBJECTIVES: readonly Objective[] = ['classify', 'regress', 'advantage'];
export const REGRESS_CLIP = 7.5;
export const REGRESS_MARGIN = 0.05;
/** Score units per unit of advantage (--regress-scale): larger resolves small advantages, smaller clips fewer. */
export const REGRESS_SCALE = 4;

export interface TrainOptions {
  seed: number;
  epochs: number;
  qat: boolean;
  objective: Objective;
  /** Score units per unit of advantage (regress only). */
  regressScale: number;
  /** Share of rows held out for the agreement figures. */
  holdout: number;
  batch: number;
  learningRate: number;
}

/** --qat fine-tuning epochs as a share of the float epochs (at a tenth of the learning rate). */
const QAT_SHARE = 0.5;

/**
 * The loss sees the scores times 0.5 (a softmax temperature of 2), so the model needs twice the
 * score margin for the same loss. Wider margins survive the 1/16 output resolution of the
 * quantized scores: float vs quantized agreement rose from ~98.2 % to ~99.0 % on the reference data.
 */
const LOGIT_SCALE = 0.5;

export const DEFAULT_TRAIN: Omit<TrainOptions, 'seed' | 'epochs' | 'qat'> = { objective: 'classify', regressScale: REGRESS_SCALE, holdout: 0.2, batch: 64, learningRate: 0.01 };

/** The regression target of a row: advantage over keep, clipped, minus the margin for non-keep actions. */
export function regressTarget(row: DatasetRow, keep: number, scale = REGRESS_SCALE): number[] {
  if (!row.c) throw new Error(`row ${row.src} has no advantages: --objective regress needs a counterfactual dataset`);
  return row.c.map((v, k) => (k === keep ? 0 : Math.max(-REGRESS_CLIP, Math.min(REGRESS_CLIP, scale * (v - REGRESS_MARGIN)))));
}

/** The advantage objective's payoff of a row: each action's advantage over keep, less the margin for a non-keep action. */
export function advantageTarget(row: DatasetRow, keep: number): number[] {
  if (!row.c) throw new Error(`row ${row.src} has no advantages: --objective advantage needs a counterfactual dataset`);
  return row.c.map((v, k) => (k === keep ? 0 : v - REGRESS_MARGIN));
}

/** Float parameters of one dense layer: w is [units][inputs] like the spec. */
export interface FloatLayer {
  w: number[][];
  b: number[];
}

export interface QuantLayer {
  weights: number[][];
  bias: number[];
  maxError: { weights: number; bias: number };
  clamped: number;
}

export interface LayerGeometry {
  inputs: number;
  units: number;
  relu: boolean;
  inFormat: Format;
  weight: Format;
  output: Format;
  /** Output range as reals (relu: from 0). */
  lo: number;
  hi: number;
  wMin: number;
  wMax: number;
}

const real = (q: number, f: Format) => q * 2 ** -f.frac;

export function geometry(spec: Spec): LayerGeometry[] {
  let inputs = spec.features.length;
  let inFormat: Format = spec.input;
  return spec.layers.map((l: SpecLayer) => {
    const out = formatRange(l.output_format);
    const w = formatRange(l.weight_format);
    const g: LayerGeometry = {
      inputs,
      units: l.units,
      relu: l.activation === 'relu',
      inFormat,
      weight: l.weight_format,
      output: l.output_format,
      lo: l.activation === 'relu' ? Math.max(0, real(out.min, l.output_format)) : real(out.min, l.output_format),
      hi: real(out.max, l.output_format),
      wMin: real(w.min, l.weight_format),
      wMax: real(w.max, l.weight_format),
    };
    inputs = l.units;
    inFormat = l.output_format;
    return g;
  });
}

// --- seeded helpers ---------------------------------------------------------------------------------

/** Fisher–Yates with the seeded xorshift32. */
function seededShuffle<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Glorot-uniform weights from the seeded Rng, in the units the optimizer steps in (standardized
 * inputs for the first layer, see InputScaling), inside the weight format's range there.
 */
function initialLayer(g: LayerGeometry, rng: Rng, scale: readonly number[]): FloatLayer {
  const limit = Math.sqrt(6 / (g.inputs + g.units));
  const uniform = () => ((rng.next() / 0x1_0000_0000) * 2 - 1) * limit;
  const w = Array.from({ length: g.units }, () => Array.from({ length: g.inputs }, (_, i) => Math.min(g.wMax * scale[i]!, Math.max(g.wMin * scale[i]!, uniform()))));
  return { w, b: Array(g.units).fill(0) };
}

/** Per-input mean and standard deviation of the training rows (1 where an input is constant). */
export interface InputScaling {
  shift: number[];
  scale: number[];
}

export function inputScaling(rows: readonly DatasetRow[]): InputScaling {
  const n = rows.length;
  const width = rows[0]?.x.length ?? 0;
  const shift = Array.from({ length: width }, (_, i) => rows.reduce((a, r) => a + r.x[i]!, 0) / n);
  const scale = shift.map((m, i) => Math.sqrt(rows.reduce((a, r) => a + (r.x[i]! - m) ** 2, 0) / n) || 1);
  return { shift, scale };
}

export function splitRows(rows: readonly DatasetRow[], holdout: number, seed: number): { train: DatasetRow[]; test: DatasetRow[] } {
  const shuffled = seededShuffle(rows, new Rng(seed ^ 0x5eed5eed));
  const nTest = Math.max(1, Math.round(rows.length * holdout));
  return { test: shuffled.slice(0, nTest), train: shuffled.slice(nTest) };
}

// --- the tfjs model ---------------------------------------------------------------------------------

interface TfLayer {
  g: LayerGeometry;
  w: tf.Variable; // [inputs, units]: w' = σ·w for the first layer, w for the others
  b: tf.Variable; // [units]: b' = b + μ·w for the first layer, b for the others
  /** The first layer's input standardization: shift μ as [1, inputs], scale σ as [inputs, 1]. */
  scaling: { shift: tf.Tensor2D; scale: tf.Tensor2D } | null;
}

/** Straight-through estimator: the forward pass rounds, the gradient passes unchanged. */
function ste(round: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return { value: round(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => dy as tf.Tensor };
  });
  return (x) => f(x);
}

/** Weights: roundHalfEven(v·2^frac)/2^frac (tf.round rounds half to even). */
const roundHalfEvenSte = (scale: number) => ste((x) => tf.div(tf.round(tf.mul(x, scale)), scale));
/** Activations: floor(v·2^frac + 1/2)/2^frac, the requantize rule (half toward +inf). */
const roundHalfUpSte = (scale: number) => ste((x) => tf.div(tf.floor(tf.add(tf.mul(x, scale), 0.5)), scale));

/**
 * The weights a forward pass uses: with QAT, rounded to the weight grid (round half to even, as
 * quantizeValue does). The training loop keeps them inside [wMin, wMax] (projectWeights), whose
 * ends are on the grid, so rounding there equals lowering's round-then-clamp.
 */
export function weightStep<T extends tf.Tensor>(w: T, g: LayerGeometry, qat: boolean): T {
  return qat ? (roundHalfEvenSte(2 ** g.weight.frac)(w) as T) : w;
}

/**
 * A layer's output from its sum z (reals): relu, clip to the output range, and with QAT round half
 * up on the output grid. Clipping before rounding gives the golden model's requantize (round, then
 * saturate) because both ends of the range lie on the grid; test/unit/learn-train.test.ts holds
 * the two together on every accumulator value.
 */
export function outputStep<T extends tf.Tensor>(z: T, g: LayerGeometry, qat: boolean): T {
  let y: T = g.relu ? tf.relu(z) : z;
  y = tf.clipByValue(y, g.lo, g.hi);
  return qat ? (roundHalfUpSte(2 ** g.output.frac)(y) as T) : y;
}

/** The layer on raw inputs, as the hardware computes it: w = w'/σ, b = b' − μ·w. */
function rawParameters(l: TfLayer): { w: tf.Tensor2D; b: tf.Tensor1D } {
  if (!l.scaling) return { w: l.w as tf.Tensor2D, b: l.b as tf.Tensor1D };
  const w = tf.div(l.w, l.scaling.scale) as tf.Tensor2D;
  return { w, b: tf.sub(l.b, tf.reshape(tf.matMul(l.scaling.shift, w), [l.g.units])) };
}

function forwardTf(layers: TfLayer[], x: tf.Tensor2D, qat: boolean): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (const l of layers) {
    const { w, b } = rawParameters(l);
    h = outputStep(tf.add(tf.matMul(h, weightStep(w, l.g, qat)), b) as tf.Tensor2D, l.g, qat);
  }
  return h;
}

function toTf(g: LayerGeometry, f: FloatLayer, scaling: InputScaling | null): TfLayer {
  const wT = Array.from({ length: g.inputs }, (_, i) => f.w.map((row) => row[i]!));
  const s = scaling
    ? {
        shift: tf.tensor2d([scaling.shift], [1, g.inputs], 'float32'),
        scale: tf.tensor2d(
          scaling.scale.map((v) => [v]),
          [g.inputs, 1],
          'float32',
        ),
      }
    : null;
  return { g, w: tf.variable(tf.tensor2d(wT, [g.inputs, g.units], 'float32')), b: tf.variable(tf.tensor1d(f.b, 'float32')), scaling: s };
}

/** The trained layer on raw inputs (the fold of the first layer's standardization). */
function fromTf(l: TfLayer): FloatLayer {
  const { wT, b } = tf.tidy(() => {
    const raw = rawParameters(l);
    return { wT: raw.w.arraySync(), b: raw.b.arraySync() };
  });
  return { w: Array.from({ length: l.g.units }, (_, j) => wT.map((row) => row[j]!)), b };
}

/** Every raw weight into its format's range (for the first layer: w' into [σ·wMin, σ·wMax]). */
function projectWeights(layers: TfLayer[]): void {
  for (const l of layers) {
    if (!l.scaling) l.w.assign(tf.clipByValue(l.w, l.g.wMin, l.g.wMax));
    else l.w.assign(tf.minimum(tf.maximum(l.w, tf.mul(l.scaling.scale, l.g.wMin)), tf.mul(l.scaling.scale, l.g.wMax)));
  }
}

interface EpochPlan {
  epochs: number;
  lr: number;
  batch: number;
  qat: boolean;
  objective: Objective;
  scale: number;
  keep: number;
}

function lossOf(layers: TfLayer[], chunk: readonly DatasetRow[], outputs: number, p: EpochPlan): tf.Scalar {
  const x = tf.tensor2d(
    chunk.map((r) => r.x),
    [chunk.length, layers[0]!.g.inputs],
    'float32',
  );
  const scores = forwardTf(layers, x, p.qat);
  if (p.objective === 'advantage') {
    const payoff = tf.tensor2d(
      chunk.map((r) => advantageTarget(r, p.keep)),
      [chunk.length, outputs],
      'float32',
    );
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(tf.mul(scores, LOGIT_SCALE)), payoff), 1))) as tf.Scalar;
  }
  if (p.objective === 'regress')
    return tf.losses.meanSquaredError(
      tf.tensor2d(
        chunk.map((r) => regressTarget(r, p.keep, p.scale)),
        [chunk.length, outputs],
        'float32',
      ),
      scores,
    ) as tf.Scalar;
  const y = tf.oneHot(
    tf.tensor1d(
      chunk.map((r) => r.y),
      'int32',
    ),
    outputs,
  );
  return tf.losses.softmaxCrossEntropy(y, tf.mul(scores, LOGIT_SCALE)) as tf.Scalar;
}

function runEpochs(layers: TfLayer[], rows: readonly DatasetRow[], outputs: number, p: EpochPlan, rng: Rng): void {
  const optimizer = tf.train.adam(p.lr);
  const vars = layers.flatMap((l) => [l.w, l.b]);
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    const order = seededShuffle(rows, rng);
    for (let start = 0; start < order.length; start += p.batch) {
      const chunk = order.slice(start, start + p.batch);
      tf.tidy(() => {
        optimizer.minimize(() => lossOf(layers, chunk, outputs, p), false, vars);
        projectWeights(layers);
      });
    }
  }
  optimizer.dispose();
}

export async function trainFloat(spec: Spec, rows: readonly DatasetRow[], opts: TrainOptions, keep = 0): Promise<FloatLayer[]> {
  tf.enableProdMode(); // no debug checks; also silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
  const geo = geometry(spec);
  const rng = new Rng(opts.seed);
  const scaling = inputScaling(rows);
  const layers = geo.map((g, k) => toTf(g, initialLayer(g, rng, k === 0 ? scaling.scale : Array(g.inputs).fill(1)), k === 0 ? scaling : null));
  const outputs = geo[geo.length - 1]!.units;
  try {
    const plan = { epochs: opts.epochs, lr: opts.learningRate, batch: opts.batch, qat: false, objective: opts.objective, scale: opts.regressScale, keep };
    runEpochs(layers, rows, outputs, plan, rng);
    if (opts.qat) runEpochs(layers, rows, outputs, { ...plan, epochs: Math.max(1, Math.ceil(opts.epochs * QAT_SHARE)), lr: opts.learningRate / 10, qat: true }, rng);
    return layers.map(fromTf);
  } finally {
    for (const l of layers) {
      l.w.dispose();
      l.b.dispose();
      l.scaling?.shift.dispose();
      l.scaling?.scale.dispose();
    }
  }
}

// --- float evaluation (float64, no tfjs) and quantization --------------------------------------------

/** The float model's outputs: dense, activation, clip to the output range — no rounding. */
export function floatScores(spec: Spec, layers: readonly FloatLayer[], x: readonly number[]): number[] {
  const geo = geometry(spec);
  let h = [...x];
  layers.forEach((l, k) => {
    const g = geo[k]!;
    h = l.w.map((row, j) => {
      const s = row.reduce((acc, w, i) => acc + w * h[i]!, l.b[j]!);
      return Math.min(Math.max(g.relu ? Math.max(s, 0) : s, g.lo), g.hi);
    });
  });
  return h;
}

export function quantizeLayers(spec: Spec, layers: readonly FloatLayer[]): QuantLayer[] {
  const geo = geometry(spec);
  return layers.map((l, k) => {
    const g = geo[k]!;
    const w = quantizeTensor(l.w.flat(), g.weight);
    const b = quantizeTensor(l.b, biasFormat(g.inputs, g.inFormat, g.weight));
    return {
      weights: Array.from({ length: g.units }, (_, j) => w.values.slice(j * g.inputs, (j + 1) * g.inputs)),
      bias: b.values,
      maxError: { weights: w.maxError, bias: b.maxError },
      clamped: w.clamped + b.clamped,
    };
  });
}
