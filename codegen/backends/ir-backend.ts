import { irJson } from '../policy.js';
import type { Backend } from './backend.js';

export const irBackend: Backend = {
  name: 'ir',
  description: 'ir.json: the canonical quantized IR and its policy hash',
  emit: (policy) => [{ path: 'ir.json', contents: irJson(policy) }],
};
