/**
 * The header of a Xilinx .bit file: a 2-byte big-endian length (9) and 9 magic bytes
 * (0F F0 0F F0 0F F0 0F F0 00), the 2-byte word 0x0001, then keyed fields: 'a' design name,
 * 'b' part, 'c' date, 'd' time (each a 2-byte length and a NUL-terminated string) and 'e' (a
 * 4-byte big-endian length followed by that many bytes of bitstream). Vivado writes the
 * BITSTREAM.CONFIG.USERID into the design name: `fpga;UserID=0X4E530001;Version=2022.2`.
 */

import { inputError } from '../util/errors.js';
import { hex } from '../util/hex.js';

const BIT_MAGIC = Uint8Array.from([0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00]);

export interface BitHeader {
  design: string;
  part: string;
  date: string;
  time: string;
  /** Declared bitstream length in bytes (field 'e'). */
  bitstreamLength: number;
  /** Byte offset of the bitstream data. */
  bitstreamOffset: number;
  /** USERID from the design name (`UserID=0X...`), or null when Vivado wrote none. */
  userId: number | null;
}

const STRING_FIELDS: Record<string, keyof Pick<BitHeader, 'design' | 'part' | 'date' | 'time'>> = { a: 'design', b: 'part', c: 'date', d: 'time' };
const FIELD_NAMES: Record<string, string> = { a: 'design name', b: 'part', c: 'date', d: 'time', e: 'bitstream length' };

class Reader {
  offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {}

  need(count: number, what: string): void {
    if (this.offset + count > this.bytes.length) {
      throw inputError(
        `truncated .bit file: ${what} at byte ${this.offset} (${hex(this.offset)}) needs ${count} byte${count === 1 ? '' : 's'}, the file has ${this.bytes.length - this.offset} left`,
        { file: this.file },
        'the file was cut short (copy it again from the build directory)',
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const v = ((b[this.offset]! << 24) >>> 0) + (b[this.offset + 1]! << 16) + (b[this.offset + 2]! << 8) + b[this.offset + 3]!;
    this.offset += 4;
    return v;
  }

  corrupt(at: number, what: string): never {
    throw inputError(`not a valid .bit file: ${what} at byte ${at} (${hex(at)})`, { file: this.file }, 'pass the .bit that Vivado wrote (write_bitstream), not a .bin or .mcs');
  }
}

function readPreamble(r: Reader): void {
  const length = r.u16('header length');
  if (length !== BIT_MAGIC.length) r.corrupt(0, `header length is ${length}, expected 9`);
  r.need(BIT_MAGIC.length, 'magic');
  BIT_MAGIC.forEach((byte, k) => {
    if (r.bytes[r.offset + k] !== byte) r.corrupt(r.offset + k, `magic byte ${k} is ${hex(r.bytes[r.offset + k]!)}, expected ${hex(byte)}`);
  });
  r.offset += BIT_MAGIC.length;
  const at = r.offset;
  const one = r.u16('word 0x0001 after the magic');
  if (one !== 1) r.corrupt(at, `word after the magic is ${hex(one)}, expected 0x1`);
}

function readString(r: Reader, key: string): string {
  const name = `field '${key}' (${FIELD_NAMES[key]})`;
  const length = r.u16(`${name} length`);
  const start = r.offset;
  r.need(length, `${name} text`);
  if (length === 0 || r.bytes[start + length - 1] !== 0) r.corrupt(start, `${name} is not NUL-terminated`);
  r.offset += length;
  return Buffer.from(r.bytes.subarray(start, start + length - 1)).toString('latin1');
}

function userIdOf(design: string): number | null {
  const m = /(?:^|;)UserID=0X([0-9A-F]{1,8})(?:;|$)/i.exec(design);
  return m ? Number.parseInt(m[1]!, 16) : null;
}

/** Parse a .bit header; every malformation is an InputError naming the field and byte offset. */
export function parseBitHeader(bytes: Uint8Array, file: string): BitHeader {
  const r = new Reader(bytes, file);
  readPreamble(r);
  const strings: Partial<Record<'design' | 'part' | 'date' | 'time', string>> = {};
  for (;;) {
    const at = r.offset;
    const key = String.fromCharCode(r.u8('field key'));
    if (key === 'e') break;
    const field = STRING_FIELDS[key];
    if (field === undefined) return r.corrupt(at, `unknown field key ${hex(key.charCodeAt(0))}`);
    if (strings[field] !== undefined) r.corrupt(at, `field '${key}' (${FIELD_NAMES[key]}) appears twice`);
    strings[field] = readString(r, key);
  }
  for (const key of ['a', 'b', 'c', 'd']) {
    if (strings[STRING_FIELDS[key]!] === undefined) r.corrupt(r.offset - 1, `field '${key}' (${FIELD_NAMES[key]}) is missing before field 'e'`);
  }
  const bitstreamLength = r.u32("field 'e' (bitstream length)");
  const bitstreamOffset = r.offset;
  r.need(bitstreamLength, `bitstream of ${bitstreamLength} bytes declared by field 'e'`);
  if (bitstreamOffset + bitstreamLength !== bytes.length) {
    r.corrupt(bitstreamOffset + bitstreamLength, `${bytes.length - bitstreamOffset - bitstreamLength} bytes after the declared bitstream end`);
  }
  const design = strings.design!;
  return { design, part: strings.part!, date: strings.date!, time: strings.time!, bitstreamLength, bitstreamOffset, userId: userIdOf(design) };
}
