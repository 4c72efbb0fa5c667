/**
 * Default fixed-point formats for an imported network (docs/IMPORT.md):
 *
 * - weights: signed, `weightBits` wide, with the largest frac (finest step) at which the layer's
 *   largest |w| still rounds into range, so no weight is clamped;
 * - activations: `activationBits` wide (unsigned after relu), with the largest frac at which every
 *   value the quantized layer can produce fits. That range comes from interval arithmetic over the
 *   whole input format (every input anywhere in its range), with weights and biases widened by half
 *   a quantization step, so no output ever saturates.
 *
 * Both rules only look at the weights and the input format, never at data.
 */

import { formatRange, type Format } from '../numeric/format.js';
import { biasFormat } from '../numeric/accumulator.js';
import { LIMITS } from '../spec/limits.js';
import type { FloatLayer } from './onnx-graph.js';

export interface Interval {
  lo: number;
  hi: number;
}

export interface LayerFormats {
  weight_format: Format;
  output_format: Format;
  /** Value range every quantized output of the layer stays in (before saturation, which never triggers). */
  range: Interval;
}

/** Largest frac in the spec's limits at which `magnitude` rounds to at most `maxInt`. */
function fracFor(magnitude: number, maxInt: number): number {
  for (let frac = LIMITS.maxFrac; frac > LIMITS.minFrac; frac--) {
    if (Math.round(magnitude * 2 ** frac) <= maxInt) return frac;
  }
  return LIMITS.minFrac;
}

function weightFormat(layer: FloatLayer, bits: number): Format {
  const maxAbs = Math.max(0, ...layer.weights.flat().map(Math.abs));
  const frac = maxAbs === 0 ? bits - 1 : fracFor(maxAbs, 2 ** (bits - 1) - 1);
  return { bits, frac, signed: true };
}

function inputInterval(f: Format): Interval {
  const r = formatRange(f);
  return { lo: r.min * 2 ** -f.frac, hi: r.max * 2 ** -f.frac };
}

/** Range of Σ w·x + b over x in `x`, w within ±dw of each weight and b within ±db. */
function unitInterval(row: number[], bias: number, x: Interval[], dw: number, db: number): Interval {
  let lo = bias - db;
  let hi = bias + db;
  row.forEach((w, i) => {
    const xi = x[i]!;
    const corners = [(w - dw) * xi.lo, (w - dw) * xi.hi, (w + dw) * xi.lo, (w + dw) * xi.hi];
    lo += Math.min(...corners);
    hi += Math.max(...corners);
  });
  return { lo, hi };
}

/** Requantize moves a value by at most half a step, and never across 0 (floor((a + h) / 2^s) of a ≥ 0 is ≥ 0). */
function rounded(range: Interval, half: number): Interval {
  return { lo: range.lo < 0 ? range.lo - half : range.lo, hi: range.hi > 0 ? range.hi + half : range.hi };
}

/** `accFrac` caps the frac: finer than the accumulator adds only zero bits. */
function outputFormat(range: Interval, bits: number, relu: boolean, accFrac: number): Format {
  const signed = !relu;
  const maxInt = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const minInt = signed ? -(2 ** (bits - 1)) : 0;
  for (let frac = Math.min(LIMITS.maxFrac, accFrac); frac > LIMITS.minFrac; frac--) {
    const r = rounded(range, 2 ** -(frac + 1));
    if (r.hi * 2 ** frac <= maxInt && r.lo * 2 ** frac >= minInt) return { bits, frac, signed };
  }
  return { bits, frac: LIMITS.minFrac, signed };
}

/** Formats for every layer, walking the input format's range through the network. */
export function chooseFormats(layers: FloatLayer[], input: Format, weightBits: number, activationBits: number): LayerFormats[] {
  let x = Array.from({ length: layers[0]?.inputs ?? 0 }, () => inputInterval(input));
  let inFormat = input;
  return layers.map((layer) => {
    const wf = weightFormat(layer, weightBits);
    const bf = biasFormat(layer.inputs, inFormat, wf);
    const units = layer.weights.map((row, j) => unitInterval(row, layer.bias[j]!, x, 2 ** -(wf.frac + 1), 2 ** -(bf.frac + 1)));
    const relu = layer.activation === 'relu';
    const acts = units.map((u) => (relu ? { lo: Math.max(u.lo, 0), hi: Math.max(u.hi, 0) } : u));
    const range = { lo: Math.min(...acts.map((a) => a.lo)), hi: Math.max(...acts.map((a) => a.hi)) };
    const of = outputFormat(range, activationBits, relu, bf.frac);
    x = acts.map((a) => rounded(a, 2 ** -(of.frac + 1)));
    inFormat = of;
    return { weight_format: wf, output_format: of, range };
  });
}
