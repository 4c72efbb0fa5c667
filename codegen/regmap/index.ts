/** The register-map exports by format name (`nicsched regmap --format …`). */

import { exportC } from './export-c.js';
import { exportHtml, exportMarkdown } from './export-docs.js';
import { exportJson } from './export-json.js';
import { exportTs } from './export-ts.js';
import { exportVerilog } from './export-verilog.js';
import type { RegisterMap } from './model.js';

export const REGMAP_FORMATS = {
  json: { file: 'regmap.json', emit: exportJson },
  c: { file: 'nicsched_regs.h', emit: exportC },
  v: { file: 'nicsched_regs.vh', emit: exportVerilog },
  ts: { file: 'nicsched_regs.ts', emit: exportTs },
  md: { file: 'regmap.md', emit: exportMarkdown },
  html: { file: 'regmap.html', emit: exportHtml },
} as const satisfies Record<string, { file: string; emit: (map: RegisterMap) => string }>;

export type RegmapFormat = keyof typeof REGMAP_FORMATS;

export function exportRegmap(map: RegisterMap, format: RegmapFormat): string {
  return REGMAP_FORMATS[format].emit(map);
}
