/**
 * Training templates: a policy spec v1 whose layers carry no `weights` and no `bias` (everything
 * else — features, input format, topology, formats, head, actions, target, hook — is as in a
 * policy). `nicsched train` fills the weights in. A template is validated like a policy (located
 * errors) after zero placeholders are put where the weights will go.
 */

import { isMap, isSeq } from 'yaml';
import { readPolicyFile, locate, type PolicySource } from '../spec/source.js';
import { validateSpec } from '../spec/validate.js';
import type { Spec } from '../spec/types.js';
import { InputError, toPointer, type Diagnostic } from '../util/errors.js';

export interface Template {
  file: string;
  spec: Spec;
}

const TRAINED_FIELDS = ['weights', 'bias', 'quantize'] as const;

function trainedFieldProblems(src: PolicySource): Diagnostic[] {
  const layers = src.document.get('layers');
  if (!isSeq(layers)) return [];
  const problems: Diagnostic[] = [];
  layers.items.forEach((layer, index) => {
    if (!isMap(layer)) return;
    for (const field of TRAINED_FIELDS) {
      if (layer.has(field)) {
        const path = ['layers', index, field];
        problems.push({ ...locate(src, path, true), pointer: toPointer(path), message: `a training template's layers carry no "${field}": training produces them`, hint: `remove layers[${index}].${field}` });
      }
    }
  });
  return problems;
}

function fillPlaceholders(src: PolicySource): void {
  const layers = src.document.get('layers');
  const features = src.document.get('features');
  if (!isSeq(layers)) return;
  let inputs = isSeq(features) ? features.items.length : 0;
  layers.items.forEach((layer) => {
    if (!isMap(layer)) return;
    const units = Number((layer.get('units') as unknown) ?? 0);
    const n = Number.isInteger(units) && units > 0 && units <= 256 ? units : 0;
    layer.add(
      src.document.createPair(
        'weights',
        Array.from({ length: n }, () => Array(inputs).fill(0)),
      ),
    );
    layer.add(src.document.createPair('bias', Array(n).fill(0)));
    inputs = n;
  });
}

export function loadTemplate(file: string): Template {
  const src = readPolicyFile(file);
  const problems = trainedFieldProblems(src);
  if (problems.length > 0) throw new InputError(problems);
  fillPlaceholders(src);
  return { file, spec: validateSpec(src) };
}
