/**
 * Verilog export: the register layout as localparams, included inside a module body. It covers the
 * blocks whose offsets the layout fixes, so the output does not depend on the policy (counts live
 * in nicsched_policy.vh, the weights block in nicsched_policy.v): rtl/nicsched_regs.vh is this
 * file, committed, and a test keeps the two identical. codegen/templates/regmap/nicsched_regs.vh.hbs
 * lays out what this module collects from the register model.
 */

import { hexDigits } from '../util/hex.js';
import { render } from '../util/templates.js';
import type { Block, Register, RegisterMap } from './model.js';
import { fieldPositionName, flagName, implementedBits, offsetName, PREFIX } from './names.js';

interface Param {
  name: string;
  value: string;
  comment: string;
}

function offsetParam(name: string, offset: number, comment: string): Param {
  return { name, value: `16'h${hexDigits(offset, 4, true)}`, comment };
}

function fieldParams(reg: Register): Param[] {
  const params: Param[] = [];
  for (const f of reg.fields) {
    params.push({ name: fieldPositionName(reg, f), value: String(f.lsb), comment: f.width > 1 ? `[${f.lsb + f.width - 1}:${f.lsb}] ${f.description}` : f.description });
    for (const flag of f.flags ?? []) params.push({ name: flagName(reg, flag), value: String(flag.bit), comment: `bit of ${f.name}: ${flag.description}` });
  }
  if (reg.access === 'W1C') params.push({ name: `${PREFIX}_${reg.name}_BITS`, value: String(implementedBits(reg)), comment: 'implemented bits' });
  return params;
}

function blockData(block: Block) {
  const name = block.name.toUpperCase();
  const placement = block.stride !== undefined ? [offsetParam(`${PREFIX}_${name}_BASE`, block.base, 'instance n at BASE + n*STRIDE'), offsetParam(`${PREFIX}_${name}_STRIDE`, block.stride, '')] : [];
  const offsets = block.registers.map((r) => offsetParam(offsetName(block, r), r.offset, `${r.access}${r.count !== undefined ? `, element i at +${r.stride}*i` : ''}`));
  return {
    name: block.name,
    description: block.description,
    offsets: [...placement, ...offsets],
    fields: block.registers.map((r) => ({ name: r.name, params: fieldParams(r) })).filter((f) => f.params.length > 0),
  };
}

export function exportVerilog(map: RegisterMap): string {
  const limit = (name: string, value: number): Param => ({ name: `${PREFIX}_${name}`, value: String(value), comment: '' });
  return render('regmap/nicsched_regs.vh.hbs', {
    version: `${map.version.major}.${map.version.minor}`,
    values: [
      { name: `${PREFIX}_ID_VALUE`, value: `32'h${hexDigits(map.figures.idValue, 8, true)}` },
      { name: `${PREFIX}_VERSION_VALUE`, value: `32'h${hexDigits(map.figures.versionValue, 8, true)}` },
    ],
    blocks: map.blocks.filter((b) => b.fixedOffsets).map(blockData),
    limits: [limit('TAG_BITS', map.figures.tagBits), limit('MAX_SLOTS', map.limits.maxSlots), limit('MAX_INPUTS', map.limits.maxInputs), limit('MAX_OUTPUTS', map.limits.maxOutputs)],
  });
}
