/** Hexadecimal spellings of 32-bit values: one helper for every register, hash and identifier. */

/** v as an unsigned 32-bit value in hex digits, zero-padded to `digits`: hexDigits(0x1a, 4) = '001a'. */
export function hexDigits(v: number, digits = 1, upper = false): string {
  const text = (v >>> 0).toString(16).padStart(digits, '0');
  return upper ? text.toUpperCase() : text;
}

/** 0x-prefixed, lower-case digits: hex(0x1a) = '0x1a', hex(0x1a, 4) = '0x001a'. */
export function hex(v: number, digits = 1): string {
  return `0x${hexDigits(v, digits)}`;
}

/** 0x-prefixed, upper-case digits: hexUpper(0x4e530001, 8) = '0x4E530001' (how Vivado prints a UserID). */
export function hexUpper(v: number, digits = 1): string {
  return `0x${hexDigits(v, digits, true)}`;
}
