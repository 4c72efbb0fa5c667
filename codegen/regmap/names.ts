/** The one naming scheme every export uses, so a register found in the docs greps in RTL and C. */

import type { Block, Field, Register } from './model.js';

export const PREFIX = 'NICSCHED';

/** Offset constant: NICSCHED_REG_<NAME> in the global block, NICSCHED_<BLOCK>_<NAME>[0] elsewhere. */
export function offsetName(block: Block, reg: Register): string {
  const array = reg.count !== undefined ? '0' : '';
  return block.name === 'global' ? `${PREFIX}_REG_${reg.name}` : `${PREFIX}_${block.name.toUpperCase()}_${reg.name}${array}`;
}

export function fieldBase(reg: Register, f: Field): string {
  return `${PREFIX}_${reg.name}_${f.name}`;
}

export function fieldPositionName(reg: Register, f: Field): string {
  return f.width === 1 ? `${fieldBase(reg, f)}_BIT` : `${fieldBase(reg, f)}_SHIFT`;
}

export function flagName(reg: Register, flag: { name: string }): string {
  return `${PREFIX}_${reg.name}_FLAG_${flag.name}`;
}

/** Implemented bits of a W1C register: one past the highest field bit. */
export function implementedBits(reg: Register): number {
  return reg.fields.reduce((m, f) => Math.max(m, f.lsb + f.width), 0);
}
