/**
 * Accumulator and bias widths. They follow from the layer's shape and formats alone, never from the
 * weight values, so the hardware built for a topology can take any weights of the same formats
 * (runtime reload) without overflow.
 *
 * P = the range of Σ x_i·w_ji for x, w anywhere in their formats;
 * bias format = signed, width of P, at accumulator scale (the bias "fits the accumulator");
 * accumulator = the smallest signed width holding P + bias range.
 */

import { formatRange, signedBitsFor, type Format } from './format.js';

/** A layer's accumulator: signed, at the product scale, with its worst-case bounds. */
export interface Accumulator extends Format {
  /** Worst-case bounds over all units and all inputs in range; `bits` is the smallest width holding them. */
  min: number;
  max: number;
}

function productSumRange(inputs: number, inFormat: Format, weightFormat: Format): { min: number; max: number } {
  const x = formatRange(inFormat);
  const w = formatRange(weightFormat);
  const corners = [x.min * w.min, x.min * w.max, x.max * w.min, x.max * w.max];
  return { min: inputs * Math.min(...corners), max: inputs * Math.max(...corners) };
}

export function biasFormat(inputs: number, inFormat: Format, weightFormat: Format): Format {
  const p = productSumRange(inputs, inFormat, weightFormat);
  return { bits: signedBitsFor(p.min, p.max), frac: inFormat.frac + weightFormat.frac, signed: true };
}

export function accumulatorFor(inputs: number, inFormat: Format, weightFormat: Format): Accumulator {
  const p = productSumRange(inputs, inFormat, weightFormat);
  const b = formatRange(biasFormat(inputs, inFormat, weightFormat));
  const min = p.min + b.min;
  const max = p.max + b.max;
  return { bits: signedBitsFor(min, max), frac: inFormat.frac + weightFormat.frac, signed: true, min, max };
}
