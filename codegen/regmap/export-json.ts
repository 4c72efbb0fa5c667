/** JSON export: regmap.json, every block, register and field with offsets, access and resets. */

import { addressOf, fieldMask, type RegisterMap } from './model.js';
import { offsetName } from './names.js';

export function regmapJson(map: RegisterMap): object {
  return {
    format: 'nicsched-regmap',
    version: map.version,
    addr_width: map.figures.addrWidth,
    data_width: 32,
    endianness: 'little',
    constants: Object.fromEntries(map.constants.map((c) => [c.name, c.value])),
    blocks: map.blocks.map((b) => ({
      name: b.name,
      space: b.space,
      base: b.base,
      ...(b.count !== undefined ? { count: b.count, stride: b.stride } : {}),
      description: b.description,
      registers: b.registers.map((r) => ({
        name: r.name,
        symbol: offsetName(b, r),
        offset: r.offset,
        address: addressOf(b, r),
        width: 32,
        access: r.access,
        reset: r.reset,
        ...(r.readsAs !== undefined ? { reads_as: r.readsAs } : {}),
        ...(r.count !== undefined ? { count: r.count, stride: r.stride } : {}),
        description: r.description,
        fields: r.fields.map((f) => ({
          name: f.name,
          lsb: f.lsb,
          msb: f.lsb + f.width - 1,
          width: f.width,
          mask: fieldMask(f),
          access: r.access,
          reset: Math.floor((r.reset >>> 0) / 2 ** f.lsb) % 2 ** f.width,
          description: f.description,
          ...(f.flags ? { flags: f.flags } : {}),
        })),
      })),
    })),
  };
}

export function exportJson(map: RegisterMap): string {
  return JSON.stringify(regmapJson(map), null, 2) + '\n';
}
