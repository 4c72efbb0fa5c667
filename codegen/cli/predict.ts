/** `nicsched predict`: the golden model over a CSV of input vectors. */

import { readFileSync } from 'node:fs';
import { formatRange } from '../numeric/format.js';
import type { CompiledPolicy } from '../ir/ir.js';
import { GoldenModel, type LayerTrace } from '../golden/model.js';
import { formatIntCsv, parseIntCsv, type IntTable } from '../util/csv.js';
import { inputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/output.js';
import type { CliIo } from './io.js';

export interface PredictOptions {
  input: string;
  output?: string;
  trace?: boolean;
  json?: boolean;
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

export function runPredict(io: CliIo, policy: CompiledPolicy, opts: PredictOptions): void {
  const vectors = readVectors(policy, opts.input);
  const model = new GoldenModel(policy.ir);
  const results = vectors.map((v) => model.infer(v));
  const traces = opts.trace ? vectors.map((v) => model.trace(v)) : undefined;
  const argmaxHead = policy.ir.head === 'argmax';
  const header = argmaxHead ? ['action'] : Array.from({ length: policy.ir.outputs }, (_, k) => `score${k}`);
  const rows = results.map((r) => (argmaxHead ? [r.action ?? 0] : r.scores));
  if (opts.json) {
    const doc = { policy_hash: policy.hash, head: policy.ir.head, results, ...(traces ? { traces } : {}) };
    emit(io, JSON.stringify(doc, null, 2) + '\n', opts.output);
    return;
  }
  emit(io, formatIntCsv(header, rows), opts.output);
  if (traces) io.err(traces.map(formatTrace).join(''));
}

function emit(io: CliIo, text: string, output?: string): void {
  if (output) writeFileAtomic(output, text);
  else io.out(text);
}

function formatTrace(layers: LayerTrace[], vector: number): string {
  return layers
    .map((t) => `vector ${vector} layer ${t.layer}: acc [${t.acc.join(' ')}] act [${t.activated.join(' ')}] out [${t.output.join(' ')}]\n`)
    .join('');
}
