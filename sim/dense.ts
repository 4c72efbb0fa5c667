/**
 * The per-module bench of rtl/nicsched_dense.v (sim/benches/test_dense.py): one hand-written layer,
 * built once per parameter set of sim/dense-sets.json (Corundum's parametrized benches), each fed
 * cases whose answers come from the golden model (golden/model.ts, its requantize). The parameter
 * sets name the Verilog parameters; denseLayer() checks them against what the compiler derives for
 * the same one-layer policy, so a set cannot drift from the IR.
 */

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CompiledPolicy } from '../codegen/compiled.js';
import { GoldenModel } from '../codegen/golden/model.js';
import { Rng } from '../codegen/golden/vectors.js';
import type { Ir, IrLayer } from '../codegen/ir/ir.js';
import { denseLatency } from '../codegen/ir/timing.js';
import { biasFormat } from '../codegen/numeric/accumulator.js';
import { formatRange, fits, type Format } from '../codegen/numeric/format.js';
import { compilePolicyText } from '../codegen/policy.js';
import { FEATURE_SOURCE_NAMES } from '../codegen/spec/catalogue.js';
import { packagePath } from '../codegen/util/paths.js';
import { pythonPath, type Simulator } from './bridge.js';

/** nicsched_dense's parameters, as run_bench.py --param sets them. */
export interface DenseParams {
  N_IN: number;
  N_OUT: number;
  IN_BITS: number;
  IN_SIGNED: number;
  W_BITS: number;
  W_SIGNED: number;
  ACC_BITS: number;
  OUT_BITS: number;
  OUT_SIGNED: number;
  SHIFT: number;
  RELU: number;
  LEVELS_PER_STAGE: number;
  REUSE: number;
  META_BITS: number;
}

export interface DenseSet {
  name: string;
  /** What the set exercises. */
  what: string;
  /** Fraction bits of the formats (the parameters carry widths and signedness only). */
  frac: { in: number; weight: number; out: number };
  params: DenseParams;
}

export interface DenseCase {
  name: string;
  weights: number[][];
  bias: number[];
  inputs: number[][];
  /** The golden model's output of each input. */
  expected: number[][];
}

export interface DenseJob {
  params: DenseParams;
  /** Cycles from in_valid accepted to out_valid, as ir/timing.ts predicts. */
  latency: number;
  seed: number;
  cases: DenseCase[];
}

const DENSE_SETS_FILE = packagePath('sim', 'dense-sets.json');

export function loadDenseSets(): DenseSet[] {
  return JSON.parse(readFileSync(DENSE_SETS_FILE, 'utf8')) as DenseSet[];
}

function formats(set: DenseSet): { input: Format; weight: Format; output: Format } {
  const p = set.params;
  return {
    input: { bits: p.IN_BITS, frac: set.frac.in, signed: p.IN_SIGNED === 1 },
    weight: { bits: p.W_BITS, frac: set.frac.weight, signed: p.W_SIGNED === 1 },
    output: { bits: p.OUT_BITS, frac: set.frac.out, signed: p.OUT_SIGNED === 1 },
  };
}

/** The set as a one-layer policy, compiled by the real front end (zero weights: the cases bring theirs). */
export function denseLayer(set: DenseSet): { policy: CompiledPolicy; layer: IrLayer } {
  const p = set.params;
  const f = formats(set);
  const spec = {
    nicsched: 1,
    name: `dense_${set.name}`.slice(0, 32),
    features: Array.from({ length: p.N_IN }, (_, i) => ({ name: `x${i}`, source: FEATURE_SOURCE_NAMES[i % FEATURE_SOURCE_NAMES.length] })),
    input: f.input,
    layers: [{ units: p.N_OUT, activation: p.RELU ? 'relu' : 'none', weight_format: f.weight, output_format: f.output, weights: Array.from({ length: p.N_OUT }, () => Array<number>(p.N_IN).fill(0)), bias: Array<number>(p.N_OUT).fill(0) }],
    head: 'scores',
    target: { reuse: p.REUSE },
  };
  const policy = compilePolicyText(JSON.stringify(spec), `${DENSE_SETS_FILE}#${set.name}`);
  const layer = policy.ir.layers[0]!;
  const derived = { ACC_BITS: layer.accumulator.bits, SHIFT: layer.shift };
  if (derived.ACC_BITS !== p.ACC_BITS || derived.SHIFT !== p.SHIFT) {
    throw new Error(`${DENSE_SETS_FILE}: set ${set.name} says ACC_BITS ${p.ACC_BITS}, SHIFT ${p.SHIFT}; the compiler derives ${derived.ACC_BITS}, ${derived.SHIFT}`);
  }
  return { policy, layer };
}

function withTensors(ir: Ir, layer: IrLayer, weights: number[][], bias: number[]): Ir {
  return { ...ir, layers: [{ ...layer, weights, bias }] };
}

/** The golden model's output of every input, with these weights and biases. */
function golden(ir: Ir, layer: IrLayer, weights: number[][], bias: number[], inputs: number[][]): number[][] {
  const model = new GoldenModel(withTensors(ir, layer, weights, bias));
  return inputs.map((x) => model.trace(x)[0]!.output);
}

function uniform(rng: Rng, f: { min: number; max: number }): number {
  return rng.int(f.min, f.max);
}

/**
 * Cases: random tensors and inputs over the full formats; corners (every input and weight at an
 * end of its range, biases at the ends: saturation both ways); and a requantize sweep where each
 * unit's accumulator walks through a rounding tie (or, for shift ≤ 0, through the saturation edge)
 * one step at a time.
 */
function denseCases(set: DenseSet, seed: number): DenseCase[] {
  const { policy, layer } = denseLayer(set);
  const { ir } = policy;
  const rng = new Rng(seed);
  const f = formats(set);
  const x = formatRange(f.input);
  const w = formatRange(f.weight);
  // biases anywhere in the bias format: the accumulator holds any of them without overflow
  const biasRange = formatRange(biasFormat(set.params.N_IN, f.input, f.weight));
  const { N_IN: nIn, N_OUT: nOut } = set.params;
  const make = (name: string, weights: number[][], bias: number[], inputs: number[][]): DenseCase => ({ name, weights, bias, inputs, expected: golden(ir, layer, weights, bias, inputs) });

  const randomWeights = () => Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => uniform(rng, w)));
  const randomInputs = (n: number) => Array.from({ length: n }, () => Array.from({ length: nIn }, () => uniform(rng, x)));
  // biases at the product scale of a few inputs, so the sum and not the bias decides the output
  const smallBias = () => Array.from({ length: nOut }, () => uniform(rng, { min: Math.max(biasRange.min, x.min * w.max * 2), max: Math.min(biasRange.max, x.max * w.max * 2) }));

  const cases = [make('random', randomWeights(), smallBias(), randomInputs(300))];
  cases.push(
    make(
      'random_full_bias',
      randomWeights(),
      Array.from({ length: nOut }, () => uniform(rng, biasRange)),
      randomInputs(100),
    ),
  );

  const ends = [x.min, x.max];
  const cornerInputs = [Array<number>(nIn).fill(x.min), Array<number>(nIn).fill(x.max), ...Array.from({ length: 6 }, () => Array.from({ length: nIn }, () => ends[rng.int(0, 1)]!))];
  const cornerWeights = Array.from({ length: nOut }, (_, j) => Array.from({ length: nIn }, (_, i) => (j % 2 === 0 ? w.max : (i + j) % 2 === 0 ? w.min : w.max)));
  for (const [name, bias] of [
    ['corners_bias_min', biasRange.min],
    ['corners_bias_0', 0],
    ['corners_bias_max', biasRange.max],
  ] as const) {
    cases.push(make(name, cornerWeights, Array<number>(nOut).fill(bias), cornerInputs));
  }

  cases.push(...sweepCases(set, layer, make));
  return cases;
}

/**
 * Unit j sees acc = wUnit·x0 + b_j: x0 walks through consecutive values, so acc walks one step at
 * a time through the point aimed at: the rounding tie below output value k, k·2^s + 2^(s−1), for
 * s > 0, or for s ≤ 0 the accumulator that gives k. The aims (0, ±1, both ends of the output range
 * and one past them) are spread over the units, in as many cases as it takes.
 */
function sweepCases(set: DenseSet, layer: IrLayer, make: (name: string, weights: number[][], bias: number[], inputs: number[][]) => DenseCase): DenseCase[] {
  const { N_IN: nIn, N_OUT: nOut } = set.params;
  const f = formats(set);
  const x = formatRange(f.input);
  const wUnit = fits(1, f.weight) ? 1 : -1;
  const s = layer.shift;
  const out = formatRange(f.output);
  const bias = formatRange(biasFormat(nIn, f.input, f.weight));
  const steps = Math.min(64, x.max - x.min + 1);
  const start = x.min;
  const aims = [0, -1, 1, out.max, out.min, out.max + 1, out.min - 1];
  const biasFor = (k: number) => {
    const point = s > 0 ? k * 2 ** s + 2 ** (s - 1) : Math.ceil(k / 2 ** -s);
    // the walk passes the point halfway through; a point the bias cannot reach is approached
    const b = point - wUnit * (start + Math.floor(steps / 2));
    return Math.min(bias.max, Math.max(bias.min, b));
  };
  const weights = Array.from({ length: nOut }, () => Array.from({ length: nIn }, (_, i) => (i === 0 ? wUnit : 0)));
  // the other inputs stay 0, which every format holds
  const inputs = Array.from({ length: steps }, (_, t) => Array.from({ length: nIn }, (_, i) => (i === 0 ? start + t : 0)));
  const cases: DenseCase[] = [];
  for (let first = 0; first < aims.length; first += nOut) {
    const biases = Array.from({ length: nOut }, (_, j) => biasFor(aims[(first + j) % aims.length]!));
    cases.push(make(`requantize_sweep_${cases.length}`, weights, biases, inputs));
  }
  return cases;
}

export function denseJob(set: DenseSet, seed = 1): DenseJob {
  const p = set.params;
  return { params: p, latency: denseLatency(p.N_IN, p.REUSE, p.LEVELS_PER_STAGE), seed, cases: denseCases(set, seed) };
}

/**
 * Build (or find cached) every set for both simulators: sim/prebuild_dense.py, idempotent, cached
 * by content. Returns the build directory of each `<set>/<simulator>`.
 */
export function prebuildDense(sims: readonly Simulator[] = ['verilator', 'icarus']): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(pythonPath(), [packagePath('sim', 'prebuild_dense.py'), ...sims.flatMap((s) => ['--sim', s])], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`sim/prebuild_dense.py failed: ${err.message}\n${stderr.slice(-4000)}`));
      const dirs = new Map<string, string>();
      for (const line of stdout.split('\n')) {
        const m = /^DENSE_BUILD_(\w+?)_(VERILATOR|ICARUS)=(.+)$/.exec(line);
        if (m) dirs.set(`${m[1]!}/${m[2]!.toLowerCase()}`, m[3]!);
      }
      resolve(dirs);
    });
  });
}
