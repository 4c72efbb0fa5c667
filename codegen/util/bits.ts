/** Bit counts of indices and addresses. */

/** ceil(log2(n)): the bits that address n items (0 for n ≤ 1), as Verilog's $clog2. */
export function clog2(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

/** Bits for an index 0 … count−1, at least `min` (a port of width 0 does not exist). */
export function indexBits(count: number, min = 1): number {
  return Math.max(min, clog2(count));
}
