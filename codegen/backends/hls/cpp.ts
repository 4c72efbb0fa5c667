/** C++ spellings for the HLS backend: ap_fixed types for IR formats, exact real literals. */

import type { Format } from '../../numeric/format.js';

/** How an ap_fixed rounds (quantization mode) and overflows: the defaults, or §3's requantize. */
export type FixedModes = 'exact' | 'requantize';

/**
 * The ap_fixed type whose raw bits are the format's integer q: W = bits, I = bits − frac (I may be
 * negative or exceed W). 'requantize' adds AP_RND (round half toward +∞) and AP_SAT (DESIGN.md §3);
 * 'exact' keeps the defaults (AP_TRN, AP_WRAP), for values that never round or overflow.
 */
export function fixedType(f: Format, modes: FixedModes = 'exact'): string {
  const base = f.signed ? 'ap_fixed' : 'ap_ufixed';
  const args = [f.bits, f.bits - f.frac];
  return modes === 'requantize' ? `${base}<${args.join(', ')}, AP_RND, AP_SAT>` : `${base}<${args.join(', ')}>`;
}

/**
 * q·2^-frac as a C++ floating literal that denotes exactly that value. Every IR integer is below
 * 2^53 and frac is small, so q·2^-frac is a double; JavaScript prints the shortest text that reads
 * back as the same double, and a C++ compiler reads it back correctly rounded, so the literal is
 * exact. The ap_fixed initialised from it holds q.
 */
export function realLiteral(q: number, frac: number): string {
  const value = q * 2 ** -frac;
  if (!Number.isSafeInteger(q) || value * 2 ** frac !== q) throw new Error(`${q}·2^-${frac} is not exact in a double`);
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** Clock period in ns for create_clock: 250 MHz → "4", 300 MHz → "3.333". */
export function clockPeriodNs(mhz: number): string {
  return String(Number((1000 / mhz).toFixed(3)));
}
