/**
 * Fixed-point formats and the integer operations DESIGN.md §3 defines on them.
 *
 * A format {bits, frac, signed} holds an integer q whose value is q·2^-frac. All functions here
 * work on JavaScript numbers; callers keep magnitudes below 2^53 (the IR's limits guarantee it:
 * accumulators are at most 48 bits, requantize shifts at most 32).
 */

export interface Format {
  bits: number;
  frac: number;
  signed: boolean;
}

export interface Range {
  min: number;
  max: number;
}

export function formatRange(f: Format): Range {
  return f.signed ? { min: -(2 ** (f.bits - 1)), max: 2 ** (f.bits - 1) - 1 } : { min: 0, max: 2 ** f.bits - 1 };
}

export function fits(value: number, f: Format): boolean {
  const { min, max } = formatRange(f);
  return Number.isInteger(value) && value >= min && value <= max;
}

function saturate(value: number, f: Format): number {
  const { min, max } = formatRange(f);
  return value < min ? min : value > max ? max : value;
}

/**
 * Requantize an accumulator-scale integer by shift s = acc.frac - out.frac (§3):
 * s > 0: floor((a + 2^(s-1)) / 2^s), round half toward +∞; s ≤ 0: a·2^-s; then saturate.
 * Exact in doubles: division and multiplication by powers of two do not round, and
 * |a| + 2^(s-1) < 2^53 for |a| < 2^48, s ≤ 32.
 */
export function requantize(a: number, shift: number, out: Format): number {
  const r = shift > 0 ? Math.floor((a + 2 ** (shift - 1)) / 2 ** shift) : a * 2 ** -shift;
  return saturate(r, out);
}

/** Round half to even, the float → integer rule of §3. */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Quantize a real value into a format: q = clamp(roundHalfEven(v·2^frac)). */
export function quantizeValue(v: number, f: Format): number {
  return saturate(roundHalfEven(v * 2 ** f.frac), f);
}

/** Smallest signed two's-complement width that holds every integer in [min, max]. */
export function signedBitsFor(min: number, max: number): number {
  let bits = 1;
  while (-(2 ** (bits - 1)) > min || 2 ** (bits - 1) - 1 < max) bits++;
  return bits;
}

export function describeFormat(f: Format): string {
  return `${f.signed ? 's' : 'u'}${f.bits}.${f.frac}`;
}
