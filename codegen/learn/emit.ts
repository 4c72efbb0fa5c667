/** Writing a trained policy: the template with the quantized integers, through the one spec writer. */

import type { Spec } from '../spec/types.js';
import { specYaml } from '../spec/write.js';
import type { QuantLayer } from './train.js';

/**
 * The trained policy: the template's fields with each layer's weights and biases replaced by the
 * quantized integers. `schemaComment` (the template's `# yaml-language-server: …` line) leads the
 * header, so editors keep validating the result.
 */
export function policyYaml(spec: Spec, layers: readonly QuantLayer[], header: readonly string[], schemaComment: string | null): string {
  const trained: Spec = { ...spec, layers: spec.layers.map((l, k) => ({ ...l, weights: layers[k]!.weights, bias: layers[k]!.bias })) };
  const comment = schemaComment ? [schemaComment.replace(/^#\s?/, ''), '', ...header] : [...header];
  return specYaml(trained, comment);
}
