/** The front end in one call: policy file → validated spec → IR → hash. */

import { policyHash } from './ir/canonical.js';
import type { CompiledPolicy } from './ir/ir.js';
import { lower } from './ir/lower.js';
import { parsePolicyText, readPolicyFile, type PolicySource } from './spec/source.js';
import { validateSpec } from './spec/validate.js';

export function compileSource(src: PolicySource): CompiledPolicy {
  const spec = validateSpec(src);
  const { ir, quantization } = lower(spec, src.file);
  return { file: src.file, ir, hash: policyHash(ir), quantization };
}

export function loadPolicy(file: string): CompiledPolicy {
  return compileSource(readPolicyFile(file));
}

export function compilePolicyText(text: string, file = '<policy>'): CompiledPolicy {
  return compileSource(parsePolicyText(text, file));
}
