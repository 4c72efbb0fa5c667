/**
 * What the front end (policy.ts) hands every later stage: the lowered IR and its hash, and the
 * models built from them once, so no backend re-derives them.
 */

import type { LoweredPolicy } from './ir/ir.js';
import type { RegisterMap } from './regmap/model.js';

export interface CompiledPolicy extends LoweredPolicy {
  /** The register model: blocks, registers, fields and every figure derived from them. */
  regmap: RegisterMap;
}
