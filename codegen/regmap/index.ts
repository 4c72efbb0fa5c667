/** The register-map exports by format name (`nicsched regmap --format …`) and the `regmap` backend. */

import type { Backend } from '../backends/backend.js';
import type { CompiledPolicy } from '../ir/ir.js';
import { exportC } from './export-c.js';
import { exportHtml, exportMarkdown } from './export-docs.js';
import { exportJson } from './export-json.js';
import { exportTs } from './export-ts.js';
import { exportVerilog } from './export-verilog.js';
import { buildRegisterMap, type RegisterMap } from './model.js';

export const REGMAP_FORMATS = {
  json: { file: 'regmap.json', emit: exportJson },
  c: { file: 'nicsched_regs.h', emit: exportC },
  v: { file: 'nicsched_regs.vh', emit: exportVerilog },
  ts: { file: 'nicsched_regs.ts', emit: exportTs },
  md: { file: 'regmap.md', emit: exportMarkdown },
  html: { file: 'regmap.html', emit: exportHtml },
} as const satisfies Record<string, { file: string; emit: (map: RegisterMap) => string }>;

export type RegmapFormat = keyof typeof REGMAP_FORMATS;

export function exportRegmap(policy: CompiledPolicy, format: RegmapFormat): string {
  return REGMAP_FORMATS[format].emit(buildRegisterMap(policy));
}

export const regmapBackend: Backend = {
  name: 'regmap',
  description: 'regmap/: regmap.json, nicsched_regs.h, nicsched_regs.vh, nicsched_regs.ts, regmap.md, regmap.html',
  emit(policy) {
    const map = buildRegisterMap(policy);
    return Object.values(REGMAP_FORMATS).map((f) => ({ path: `regmap/${f.file}`, contents: f.emit(map) }));
  },
};
