/** ir.json: the canonical IR wrapped with its hash, pretty-printed with sorted keys. */

import { canonicalJson } from '../ir/canonical.js';
import type { CompiledPolicy } from '../compiled.js';
import type { Backend } from './backend.js';

function irJson(policy: CompiledPolicy): string {
  const doc = { format: 'nicsched-ir', policy_hash: policy.hash, ir: JSON.parse(canonicalJson(policy.ir)) as unknown };
  return JSON.stringify(doc, null, 2) + '\n';
}

export const irBackend: Backend = {
  name: 'ir',
  description: 'ir.json: the canonical quantized IR and its policy hash',
  emit: (policy) => [{ path: 'ir.json', contents: irJson(policy) }],
};
