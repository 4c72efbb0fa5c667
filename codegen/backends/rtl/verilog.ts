/** Verilog literal helpers for generated code. */

/** `W'hXX`: an integer as a W-bit two's-complement hex literal. */
function hexLiteral(value: number, width: number): string {
  const modulus = 1n << BigInt(width);
  const bits = ((BigInt(value) % modulus) + modulus) % modulus;
  return `${width}'h${bits.toString(16).padStart(Math.ceil(width / 4), '0')}`;
}

/**
 * Rows of a packed-array concatenation, element 0 at the least significant end: the last row is
 * written first, and each row lists its elements from the highest index down, with a comment that
 * gives the row in natural order.
 */
export function packedRows(rows: number[][], width: number, label: (r: number) => string): string[] {
  const lines: string[] = [];
  for (let r = rows.length - 1; r >= 0; r--) {
    const row = rows[r]!;
    const literals = [...row].reverse().map((v) => hexLiteral(v, width));
    const comma = r > 0 ? ',' : '';
    lines.push(`${literals.join(', ')}${comma} // ${label(r)}: [${row.join(', ')}]`);
  }
  return lines;
}
