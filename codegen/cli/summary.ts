/** Human and JSON summaries of a compiled policy (`nicsched check`). */

import { describeFormat } from '../numeric/format.js';
import type { CompiledPolicy } from '../compiled.js';

export function summaryJson(policy: CompiledPolicy): object {
  const { ir } = policy;
  return {
    name: ir.name,
    policy_hash: policy.hash,
    inputs: ir.features.length,
    outputs: ir.outputs,
    head: ir.head,
    layers: ir.layers.map((l) => ({
      inputs: l.inputs,
      units: l.units,
      activation: l.activation,
      input_format: describeFormat(l.input_format),
      weight_format: describeFormat(l.weight_format),
      accumulator_format: describeFormat(l.accumulator),
      output_format: describeFormat(l.output_format),
      shift: l.shift,
    })),
    target: ir.target,
    timing: ir.timing,
    quantization: policy.quantization,
  };
}

export function summaryText(policy: CompiledPolicy): string {
  const { ir } = policy;
  const lines = [`policy ${ir.name}`, `  hash      ${policy.hash}`, `  inputs    ${ir.features.length} × ${describeFormat(ir.input_format)}: ${ir.features.map((f) => `${f.name}<-${f.source}`).join(', ')}`];
  for (const l of ir.layers) {
    lines.push(`  layer ${l.index}   ${l.inputs} -> ${l.units}  ${l.activation.padEnd(4)}  in ${describeFormat(l.input_format)}  w ${describeFormat(l.weight_format)}  acc ${describeFormat(l.accumulator)}  out ${describeFormat(l.output_format)}  shift ${l.shift}`);
  }
  const actions = ir.actions.map((a) => (a.nice ? `${a.name}(nice ${a.nice > 0 ? '+' : ''}${a.nice})` : a.name)).join(', ');
  lines.push(`  head      ${ir.head}${actions ? `: ${actions}` : ''}`);
  lines.push(`  target    ${ir.target.board} (${ir.target.part}) ${ir.target.clock_mhz} MHz, reuse ${ir.target.reuse}, ${ir.target.slots} slots`);
  lines.push(`  timing    latency ${ir.timing.latency} cycles (${((ir.timing.latency * 1000) / ir.target.clock_mhz).toFixed(1)} ns), II ${ir.timing.ii}`);
  for (const q of policy.quantization) {
    lines.push(`  quantized layer ${q.layer} ${q.tensor}: max |error| ${q.max_abs_error.toPrecision(3)}, ${q.clamped} clamped`);
  }
  return lines.join('\n') + '\n';
}
