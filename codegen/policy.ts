/** The front end in one call: policy file → validated spec → IR → hash. */

import { canonicalJson, policyHash } from './ir/canonical.js';
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

/** ir.json: the canonical IR wrapped with its hash, pretty-printed with sorted keys. */
export function irJson(policy: CompiledPolicy): string {
  const doc = { format: 'nicsched-ir', policy_hash: policy.hash, ir: JSON.parse(canonicalJson(policy.ir)) as unknown };
  return JSON.stringify(doc, null, 2) + '\n';
}
