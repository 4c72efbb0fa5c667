/** The front end in one call: policy file → validated spec → IR → hash. */

import { policyHash } from './ir/canonical.js';
import type { CompiledPolicy } from './compiled.js';
import { lower } from './ir/lower.js';
import { buildRegisterMap } from './regmap/model.js';
import { parsePolicyText, readPolicyFile, type PolicySource } from './spec/source.js';
import { validateSpec } from './spec/validate.js';

function compileSource(src: PolicySource): CompiledPolicy {
  const spec = validateSpec(src);
  const { ir, quantization } = lower(spec);
  const hash = policyHash(ir);
  return { file: src.file, ir, hash, quantization, regmap: buildRegisterMap(ir, hash) };
}

export function loadPolicy(file: string): CompiledPolicy {
  return compileSource(readPolicyFile(file));
}

export function compilePolicyText(text: string, file = '<policy>'): CompiledPolicy {
  return compileSource(parsePolicyText(text, file));
}
