/**
 * The vectors a verifier runs: a CSV the user gives (header = the features in spec order, every
 * value inside the input format), or the standard set (corners, ties, seeded random).
 */

import { readFileSync } from 'node:fs';
import { testVectors } from '../golden/vectors.js';
import type { CompiledPolicy } from '../compiled.js';
import { formatRange } from '../numeric/format.js';
import { parseIntCsv, type IntTable } from '../util/csv.js';
import { inputError } from '../util/errors.js';

/** --vectors FILE, or --count random vectors from --seed after the corners and ties. */
export interface VectorChoice {
  vectors?: string;
  count: number;
  seed: number;
}

export function chooseVectors(policy: CompiledPolicy, choice: VectorChoice): number[][] {
  if (choice.vectors) return readVectors(policy, choice.vectors);
  if (!Number.isInteger(choice.count) || choice.count < 0) throw inputError(`--count must be a non-negative integer, got ${choice.count}`);
  if (!Number.isInteger(choice.seed) || choice.seed < 0) throw inputError(`--seed must be a non-negative integer, got ${choice.seed}`);
  return testVectors(policy.ir, choice.count, choice.seed);
}

export function readVectors(policy: CompiledPolicy, file: string): number[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw inputError(`cannot read input vectors: ${(err as Error).message}`, { file });
  }
  const table = parseIntCsv(text, file);
  checkHeader(policy, table, file);
  checkRanges(policy, table, file);
  return table.rows;
}

function checkHeader(policy: CompiledPolicy, table: IntTable, file: string): void {
  const names = policy.ir.features.map((f) => f.name);
  const ok = table.header.length === names.length && table.header.every((h, i) => h === names[i]);
  if (!ok) {
    throw inputError(`header is "${table.header.join(',')}"`, { file, line: 1, col: 1 }, `the header must list the features in spec order: ${names.join(',')}`);
  }
}

function checkRanges(policy: CompiledPolicy, table: IntTable, file: string): void {
  const { min, max } = formatRange(policy.ir.input_format);
  table.rows.forEach((row, r) =>
    row.forEach((v, c) => {
      if (v < min || v > max) {
        throw inputError(`${table.header[c]} = ${v} is outside the input format's range [${min}, ${max}]`, { file, line: table.places[r]!.line, col: table.places[r]!.cols[c]! }, 'apply the feature transform and saturate (see `nicsched features`)');
      }
    }),
  );
}
