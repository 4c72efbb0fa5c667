/**
 * The golden model: DESIGN.md §3 in integer arithmetic. It defines what every other
 * implementation (RTL, HLS, driver, hook) must compute, bit for bit.
 *
 * Numbers are exact: the IR bounds accumulators to ≤ 48 bits and shifts to ≤ 32 (checked in
 * `assertExactInDoubles`), and products, sums and power-of-two scalings of such integers are exact
 * in IEEE doubles. golden/reference.ts is an independent BigInt formulation the tests compare with.
 */

import { formatRange, requantize, type Format } from '../numeric/format.js';
import type { Ir, IrLayer } from '../ir/ir.js';
import { LIMITS } from '../spec/limits.js';

export interface Inference {
  /** Index of the largest output (lowest index on ties); null when head = scores. */
  action: number | null;
  /** The last layer's integers. */
  scores: number[];
}

export interface LayerTrace {
  layer: number;
  /** Σ x·w + b for each unit, at accumulator scale. */
  acc: number[];
  /** After the activation. */
  activated: number[];
  /** After requantize and saturate: the next layer's input. */
  output: number[];
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function assertExactInDoubles(ir: Ir): void {
  for (const l of ir.layers) {
    if (l.accumulator.bits > LIMITS.maxAccBits || Math.abs(l.shift) > LIMITS.maxShift) {
      throw new Error(`layer ${l.index} is outside the golden model's exact range`);
    }
  }
}

/** Flattened layer for the hot loop. */
interface PackedLayer {
  inputs: number;
  units: number;
  weights: Float64Array; // [units*inputs]
  bias: Float64Array;
  relu: boolean;
  shift: number;
  outMin: number;
  outMax: number;
  /** shift > 0: 2^(s-1) and 2^s; shift ≤ 0: 2^-s in `scale`. */
  half: number;
  scale: number;
}

function pack(l: IrLayer): PackedLayer {
  const r = formatRange(l.output_format);
  return {
    inputs: l.inputs,
    units: l.units,
    weights: Float64Array.from(l.weights.flat()),
    bias: Float64Array.from(l.bias),
    relu: l.activation === 'relu',
    shift: l.shift,
    outMin: r.min,
    outMax: r.max,
    half: l.shift > 0 ? 2 ** (l.shift - 1) : 0,
    scale: l.shift > 0 ? 2 ** l.shift : 2 ** -l.shift,
  };
}

export class GoldenModel {
  readonly ir: Ir;
  private readonly layers: PackedLayer[];
  private readonly buffers: Float64Array[];
  readonly inputRange: { min: number; max: number };

  constructor(ir: Ir) {
    assertExactInDoubles(ir);
    this.ir = ir;
    this.layers = ir.layers.map(pack);
    this.buffers = ir.layers.map((l) => new Float64Array(l.units));
    this.inputRange = formatRange(ir.input_format);
  }

  /** Run one vector of input integers (already in the input format). */
  infer(input: ArrayLike<number>): Inference {
    const out = this.forward(input);
    const scores = Array.from(out);
    return { action: this.ir.head === 'argmax' ? argmax(out) : null, scores };
  }

  /** Action index only (argmax even when head = scores); the fast path for throughput. */
  inferAction(input: ArrayLike<number>): number {
    return argmax(this.forward(input));
  }

  private forward(input: ArrayLike<number>): Float64Array {
    this.checkInput(input);
    let x: ArrayLike<number> = input;
    for (let k = 0; k < this.layers.length; k++) {
      const l = this.layers[k]!;
      const y = this.buffers[k]!;
      for (let j = 0; j < l.units; j++) y[j] = step(l, x, j);
      x = y;
    }
    return x as Float64Array;
  }

  private checkInput(input: ArrayLike<number>): void {
    const n = this.ir.features.length;
    if (input.length !== n) throw new RangeError(`expected ${n} inputs, got ${input.length}`);
    const { min, max } = this.inputRange;
    for (let i = 0; i < n; i++) {
      const v = input[i]!;
      if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`input ${i} = ${v} is outside [${min}, ${max}]`);
    }
  }

  /** Per-layer trace of one vector. */
  trace(input: ArrayLike<number>): LayerTrace[] {
    this.checkInput(input);
    const traces: LayerTrace[] = [];
    let x: number[] = Array.from(input);
    for (const layer of this.ir.layers) {
      const t = traceLayer(layer, x);
      traces.push(t);
      x = t.output;
    }
    return traces;
  }
}

function step(l: PackedLayer, x: ArrayLike<number>, j: number): number {
  let acc = l.bias[j]!;
  const base = j * l.inputs;
  for (let i = 0; i < l.inputs; i++) acc += x[i]! * l.weights[base + i]!;
  if (l.relu && acc < 0) acc = 0;
  const r = l.shift > 0 ? Math.floor((acc + l.half) / l.scale) : acc * l.scale;
  return r < l.outMin ? l.outMin : r > l.outMax ? l.outMax : r;
}

function traceLayer(layer: IrLayer, x: number[]): LayerTrace {
  const acc = layer.weights.map((row, j) => row.reduce((s, w, i) => s + w * x[i]!, layer.bias[j]!));
  const activated = acc.map((a) => (layer.activation === 'relu' ? Math.max(a, 0) : a));
  const output = activated.map((a) => requantize(a, layer.shift, layer.output_format as Format));
  return { layer: layer.index, acc, activated, output };
}
