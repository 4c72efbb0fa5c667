/** Writing a trained policy: the template's fields in spec order, the quantized integers, a header comment. */

import type { Format } from '../numeric/format.js';
import type { Spec } from '../spec/types.js';
import type { QuantLayer } from './train.js';

function scalar(v: unknown): string {
  if (typeof v === 'string') return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

/** A value as a one-line YAML flow node: `{ a: 1, b: [x, y] }`. */
export function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${flow(x)}`).join(', ')} }`;
  return scalar(v);
}

function formatFlow(f: Format): string {
  return `{ bits: ${f.bits}, frac: ${f.frac}, signed: ${f.signed} }`;
}

function description(text: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9 ,.;()'/+-]*$/.test(text) && !text.includes(': ') ? text : JSON.stringify(text);
}

export function policyYaml(spec: Spec, layers: readonly QuantLayer[], header: readonly string[], schemaComment: string | null): string {
  const lines: string[] = [];
  if (schemaComment) lines.push(schemaComment, '#');
  lines.push(...header.map((l) => (l === '' ? '#' : `# ${l}`)));
  lines.push('nicsched: 1', `name: ${spec.name}`);
  if (spec.description !== undefined) lines.push(`description: ${description(spec.description)}`);
  lines.push('features:', ...spec.features.map((f) => `  - { name: ${f.name}, source: ${f.source} }`));
  lines.push(`input: ${formatFlow(spec.input)}`, 'layers:');
  spec.layers.forEach((l, k) => {
    const q = layers[k]!;
    lines.push(`  - units: ${l.units}`, `    activation: ${l.activation}`, `    weight_format: ${formatFlow(l.weight_format)}`, `    output_format: ${formatFlow(l.output_format)}`, '    weights:');
    for (const row of q.weights) lines.push(`      - [${row.join(', ')}]`);
    lines.push(`    bias: [${q.bias.join(', ')}]`);
  });
  lines.push(`head: ${spec.head}`);
  if (spec.actions) lines.push('actions:', ...spec.actions.map((a) => `  - ${flow(a)}`));
  if (spec.target) lines.push(`target: ${flow(spec.target)}`);
  if (spec.hook) lines.push(`hook: ${flow(spec.hook)}`);
  return lines.join('\n') + '\n';
}
