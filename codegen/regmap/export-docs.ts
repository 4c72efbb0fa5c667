/**
 * Markdown and HTML exports: a table per block, like PeakRDL's HTML, from the same model. This
 * module prepares the rows; codegen/templates/regmap/regmap.{md,html}.hbs lay them out.
 */

import { hexUpper } from '../util/hex.js';
import { render } from '../util/templates.js';
import { addressOf, type Block, type Register, type RegisterMap } from './model.js';
import { offsetName } from './names.js';

function hex(v: number, digits = 3): string {
  return hexUpper(v, digits);
}

function fieldText(r: Register): string[] {
  return r.fields.map((f) => {
    const bits = f.width === 1 ? `[${f.lsb}]` : `[${f.lsb + f.width - 1}:${f.lsb}]`;
    const flags = (f.flags ?? []).map((x) => `; bit ${x.bit} ${x.name}: ${x.description}`).join('');
    return `${bits} ${f.name}: ${f.description}${flags}`;
  });
}

function arrayNote(r: Register): string {
  return r.count !== undefined ? ` [${r.count}] (+${r.stride}·i)` : '';
}

function placement(b: Block): string {
  const base = b.space === 'host' ? 'DMA_BASE' : hex(b.base, 4);
  const where = b.count !== undefined ? `instance n (0 … ${b.count - 1}) at ${base} + n·${hex(b.stride ?? 0)}` : `at ${base}`;
  return b.space === 'host' ? `in host memory (written by the card's DMA), ${where}` : where;
}

function title(map: RegisterMap): string {
  return `nicsched register map v${map.version.major}.${map.version.minor}`;
}

export function exportMarkdown(map: RegisterMap): string {
  return render('regmap/regmap.md.hbs', {
    title: title(map),
    constants: map.constants.map((c) => ({ name: c.name, value: c.value > 0xffff ? hex(c.value, 8) : String(c.value), description: c.description })),
    blocks: map.blocks.map((b) => ({
      name: b.name,
      description: b.description,
      placement: placement(b),
      registers: b.registers.map((r) => ({
        offset: hex(r.offset),
        name: `${r.name}${arrayNote(r)}`,
        access: r.access,
        reset: hex(r.reset, 1),
        symbol: offsetName(b, r),
        description: [r.description, ...fieldText(r), ...(r.readsAs ? [`reads as ${r.readsAs}`] : [])].join('<br>'),
      })),
    })),
  });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function exportHtml(map: RegisterMap): string {
  return render('regmap/regmap.html.hbs', {
    title: title(map),
    blocks: map.blocks.map((b) => ({
      name: b.name,
      description: escapeHtml(b.description),
      placement: escapeHtml(placement(b)),
      registers: b.registers.map((r) => ({
        address: hex(addressOf(b, r), 4),
        offset: hex(r.offset),
        name: `${r.name}${escapeHtml(arrayNote(r))}`,
        access: r.access,
        reset: hex(r.reset, 1),
        symbol: offsetName(b, r),
        description: escapeHtml(r.description),
        fields: fieldText(r).map(escapeHtml),
      })),
    })),
  });
}
