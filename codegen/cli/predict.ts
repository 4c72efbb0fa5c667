/** `nicsched predict`: the golden model over a CSV of input vectors. */

import type { CompiledPolicy } from '../compiled.js';
import { GoldenModel, type LayerTrace } from '../golden/model.js';
import { formatIntCsv } from '../util/csv.js';
import { readVectors } from '../verify/vectors.js';
import { writeFileAtomic } from '../util/output.js';
import type { CliIo } from './io.js';

export interface PredictOptions {
  input: string;
  output?: string;
  trace?: boolean;
  json?: boolean;
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
  return layers.map((t) => `vector ${vector} layer ${t.layer}: acc [${t.acc.join(' ')}] act [${t.activated.join(' ')}] out [${t.output.join(' ')}]\n`).join('');
}
