/**
 * A policy spec as YAML: the one writer of every generated policy (`nicsched train`, `nicsched
 * import`). It builds a yaml.Document (the library quotes and escapes; nothing here does) with the
 * fields in spec order and the layout of the examples: small collections in flow style, one weight
 * row per line, a header comment.
 */

import { Document, isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import type { Spec, SpecLayer } from './types.js';

/** The spec's fields in the order docs/SPEC.md lists them; absent ones are left out. */
function ordered(spec: Spec): object {
  return dropUndefined({
    nicsched: spec.nicsched,
    name: spec.name,
    description: spec.description,
    features: spec.features,
    input: spec.input,
    layers: spec.layers.map(orderedLayer),
    head: spec.head,
    actions: spec.actions,
    target: spec.target,
    hook: spec.hook,
  });
}

function orderedLayer(l: SpecLayer): object {
  return dropUndefined({ units: l.units, activation: l.activation, weight_format: l.weight_format, output_format: l.output_format, quantize: l.quantize, weights: l.weights, bias: l.bias });
}

function dropUndefined(o: Record<string, unknown>): object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Scalars, or a sequence of scalars: what fits in one flow line. */
function isFlat(node: unknown): boolean {
  return isScalar(node) || (isSeq(node) && node.items.every((i) => isScalar(i)));
}

/**
 * YAML for a spec. A sequence of scalars and a mapping of flat values are written in flow style
 * (`[1, 2]`, `{ bits: 8, frac: 0, signed: false }`, `{ points: [wakeup], … }`); everything else,
 * and the top level, in block style. `header` lines become the leading comment.
 */
export function specYaml(spec: Spec, header: readonly string[]): string {
  const doc = new Document(ordered(spec));
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (node.items.every((p) => isFlat(p.value))) node.flow = true;
    },
  });
  const root: Node | null = doc.contents;
  if (isMap(root)) root.flow = false;
  // a line ' ' prints as a bare '#'
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}
