/**
 * C export: nicsched_regs.h for the driver, the hook and userspace tools. Offsets, field masks and
 * shifts, the policy's constants, address helpers for every block array, and _Static_asserts that
 * pin the layout. This module walks the register model; codegen/templates/regmap/nicsched_regs.h.hbs
 * lays it out.
 */

import { hex } from '../util/hex.js';
import { render } from '../util/templates.js';
import { addressOf, fieldMask, type Block, type Register, type RegisterMap } from './model.js';
import { fieldBase, flagName, offsetName, PREFIX } from './names.js';

interface Define {
  name: string;
  value: string;
}

/** Offsets with 3 digits, 32-bit values with 8 and the unsigned suffix. */
function cHex(v: number): string {
  return hex(v, v > 0xffff ? 8 : 3);
}

function cValue(v: number): string {
  return v > 0xffff ? `${cHex(v)}U` : cHex(v);
}

function blockPrefix(block: Block): string {
  return `${PREFIX}_${block.name.toUpperCase()}`;
}

/** BASE (when not at 0, and for block arrays, whose address macros use it), STRIDE (block arrays) and every register's offset. */
function blockDefines(block: Block): Define[] {
  const p = blockPrefix(block);
  return [
    ...(block.base !== 0 || block.stride !== undefined ? [{ name: `${p}_BASE`, value: cValue(block.base) }] : []),
    ...(block.stride !== undefined ? [{ name: `${p}_STRIDE`, value: cHex(block.stride) }] : []),
    ...block.registers.map((r) => ({ name: offsetName(block, r), value: cHex(r.offset) })),
  ];
}

/** ADDR(n) or ADDR(n, i) macros: the absolute address of a register in block instance n. */
function addressMacros(block: Block): Define[] {
  const p = blockPrefix(block);
  return block.registers.map((r) =>
    r.count !== undefined ? { name: `${p}_${r.name}_ADDR(n, i)`, value: `(${p}_BASE + (n) * ${p}_STRIDE + ${offsetName(block, r)} + (i) * ${r.stride})` } : { name: `${p}_${r.name}_ADDR(n)`, value: `(${p}_BASE + (n) * ${p}_STRIDE + ${offsetName(block, r)})` },
  );
}

function fieldDefines(reg: Register): Define[] {
  return reg.fields.flatMap((f) => [
    { name: `${fieldBase(reg, f)}_SHIFT`, value: String(f.lsb) },
    { name: `${fieldBase(reg, f)}_MASK`, value: `${cHex(fieldMask(f))}U` },
    ...(f.flags ?? []).map((flag) => ({ name: flagName(reg, flag), value: `${cHex((1 << (f.lsb + flag.bit)) >>> 0)}U` })),
  ]);
}

/** Every offset as the model has it; for each counted array in a block array, its last element and its room in the stride. */
function layoutChecks(map: RegisterMap): string[] {
  const checks = map.blocks.flatMap((b) => b.registers.map((r) => `_Static_assert(${offsetName(b, r)} == ${cHex(r.offset)}, "${r.name} offset");`));
  for (const b of map.blocks) {
    if (b.countConstant === undefined || b.count === undefined) continue;
    const p = blockPrefix(b);
    for (const r of b.registers) {
      if (r.countConstant === undefined || r.count === undefined) continue;
      const last = addressOf(b, r, b.count - 1, r.count - 1);
      checks.push(`_Static_assert(${p}_${r.name}_ADDR(${PREFIX}_${b.countConstant} - 1, ${PREFIX}_${r.countConstant} - 1) == ${cHex(last)}, "last ${r.name} of the last ${b.name}");`);
      checks.push(`_Static_assert(${offsetName(b, r)} + ${r.stride} * ${PREFIX}_${r.countConstant} <= ${p}_STRIDE, "${r.name} fits in a ${b.name}");`);
    }
  }
  return checks;
}

export function exportC(map: RegisterMap): string {
  return render('regmap/nicsched_regs.h.hbs', {
    version: `${map.version.major}.${map.version.minor}`,
    constants: map.constants.map((c) => ({ name: `${PREFIX}_${c.name}`, value: c.value > 0xffff ? `${cHex(c.value)}U` : String(c.value) })),
    blocks: map.blocks.map((b) => ({
      name: b.name,
      description: b.space === 'host' ? `${b.description} Host memory: offsets from DMA_BASE.` : b.description,
      defines: blockDefines(b),
      addresses: b.stride !== undefined ? addressMacros(b) : [],
    })),
    fields: map.blocks.flatMap((b) => b.registers.filter((r) => r.fields.length > 0).map((r) => ({ name: r.name, defines: fieldDefines(r) }))),
    checks: layoutChecks(map),
  });
}
