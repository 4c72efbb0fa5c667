/**
 * An independent BigInt formulation of DESIGN.md §3, written from the text of the contract and
 * sharing no arithmetic with golden/model.ts. Tests compare the two; it is too slow for anything else.
 */

import type { Format } from '../numeric/format.js';
import type { Ir } from '../ir/ir.js';

export function refRange(f: Format): [bigint, bigint] {
  const bits = BigInt(f.bits);
  return f.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/** floor(a / 2^s) for BigInt a, rounding toward −∞ (BigInt division truncates toward 0). */
function floorShift(a: bigint, s: bigint): bigint {
  const d = 1n << s;
  const q = a / d;
  return a < 0n && q * d !== a ? q - 1n : q;
}

export function refRequantize(a: bigint, shift: number, out: Format): bigint {
  let r: bigint;
  if (shift > 0) {
    const s = BigInt(shift);
    r = floorShift(a + (1n << (s - 1n)), s);
  } else {
    r = a * (1n << BigInt(-shift));
  }
  const [lo, hi] = refRange(out);
  return r < lo ? lo : r > hi ? hi : r;
}

export function refInfer(ir: Ir, input: readonly number[]): { action: number | null; scores: number[] } {
  let x = input.map((v) => BigInt(v));
  for (const layer of ir.layers) {
    x = layer.weights.map((row, j) => {
      let acc = BigInt(layer.bias[j]!);
      row.forEach((w, i) => {
        acc += BigInt(w) * x[i]!;
      });
      const a = layer.activation === 'relu' && acc < 0n ? 0n : acc;
      return refRequantize(a, layer.shift, layer.output_format);
    });
  }
  let best = 0;
  x.forEach((v, i) => {
    if (v > x[best]!) best = i;
  });
  return { action: ir.head === 'argmax' ? best : null, scores: x.map((v) => Number(v)) };
}
