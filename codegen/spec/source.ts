/**
 * Reading a policy file: bytes → UTF-8 text → YAML/JSON document with positions. Positions let
 * every later error name file:line:col as well as the JSON pointer.
 */

import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { inputError, type SourceLocation } from '../util/errors.js';

export interface PolicySource {
  file: string;
  text: string;
  document: Document.Parsed;
  lines: LineCounter;
}

export function readPolicyFile(file: string): PolicySource {
  return parsePolicyText(readBytes(file), file);
}

function readBytes(file: string): Uint8Array {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`no such file`, { file }, 'give the path of a policy .yaml or .json file');
    throw inputError(`cannot read policy file: ${(err as Error).message}`, { file });
  }
  if (isDir) throw inputError('is a directory, not a policy file', { file }, 'give the path of a policy .yaml or .json file inside it');
  try {
    return readFileSync(file);
  } catch (err) {
    throw inputError(`cannot read policy file: ${(err as Error).message}`, { file });
  }
}

export function parsePolicyText(bytes: Uint8Array | string, file: string): PolicySource {
  const text = typeof bytes === 'string' ? bytes : decodeUtf8(bytes, file);
  if (text.trim() === '') {
    throw inputError('file is empty', { file, line: 1, col: 1 }, 'a policy is a mapping starting with `nicsched: 1` (see examples/)');
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const first = document.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    const detail = first.message.split('\n')[0] ?? first.message;
    throw inputError(`malformed YAML/JSON: ${detail}`, { file, line: pos.line, col: pos.col }, 'fix the syntax at this position');
  }
  return { file, text, document, lines };
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const lineStarts = before.split('\n');
    const line = lineStarts.length;
    const col = (lineStarts[line - 1] ?? '').length + 1;
    const byte = bytes[offset] ?? 0;
    throw inputError(`not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset})`, { file, line, col }, 'save the file as UTF-8');
  }
}

/** Offset of the first byte that breaks UTF-8 (structure only; enough to point at the problem). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/**
 * Location of the value at a JSON path. For a key that does not exist, the nearest existing
 * parent. With `key`, the position of the property name rather than its value.
 */
export function locate(src: PolicySource, path: ReadonlyArray<string | number>, key = false): SourceLocation {
  let node: unknown = src.document.contents;
  let keyNode: unknown;
  for (const seg of path) {
    const next = child(node, seg);
    if (!next) break;
    node = next.value;
    keyNode = next.key;
  }
  const target = (key && keyNode ? keyNode : node) as Node | null | undefined;
  const offset = target?.range?.[0];
  if (offset === undefined) return { file: src.file };
  const pos = src.lines.linePos(offset);
  return { file: src.file, line: pos.line, col: pos.col };
}

function child(node: unknown, seg: string | number): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
    return pair ? { key: pair.key, value: pair.value ?? pair.key } : undefined;
  }
  if (isSeq(node)) {
    const item = node.items[Number(seg)];
    return item === undefined ? undefined : { key: item, value: item };
  }
  return undefined;
}
