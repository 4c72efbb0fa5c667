/**
 * The golden model's input path: per-source raw counters (deltas for `delta` sources, values for
 * `level` sources) → the policy's input integers, in feature order, via the catalogue's
 * featureValue (transform, then saturate to the input format). The hook's generated C computes the
 * same; the dataset builder uses inputsFromFeatures on trace features, which must agree.
 */

import { featureValue, findSource } from '../spec/catalogue.js';
import { formatRange } from '../numeric/format.js';
import type { Ir } from '../ir/ir.js';

function sourceOf(name: string) {
  const s = findSource(name);
  if (!s) throw new Error(`golden inputs: unknown catalogue source ${name}`);
  return s;
}

/** Raw counters by catalogue source name → input integers. A missing source reads as 0. */
export function inputsFromRaw(ir: Ir, raw: Readonly<Record<string, bigint>>): number[] {
  const { min, max } = formatRange(ir.input_format);
  return ir.features.map((f) => featureValue(sourceOf(f.source), raw[f.source] ?? 0n, min, max));
}

/** Already-transformed features (a trace sample's `features`) → input integers: saturate only. */
export function inputsFromFeatures(ir: Ir, features: Readonly<Record<string, number>>): number[] {
  const { min, max } = formatRange(ir.input_format);
  return ir.features.map((f) => {
    const v = features[f.source] ?? 0;
    return v < min ? min : v > max ? max : v;
  });
}
