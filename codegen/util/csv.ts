/** Minimal CSV for integer vectors: a header row of names, then one row of integers per line. */

import { inputError } from './errors.js';

export interface IntTable {
  header: string[];
  rows: number[][];
}

export function parseIntCsv(text: string, file: string): IntTable {
  const lines = text.split(/\r?\n/);
  const headerLine = lines[0]?.trim() ?? '';
  if (headerLine === '') throw inputError('empty CSV: expected a header row of feature names', { file, line: 1, col: 1 });
  const header = headerLine.split(',').map((h) => h.trim());
  const rows: number[][] = [];
  lines.slice(1).forEach((raw, k) => {
    const line = k + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',');
    if (cells.length !== header.length) {
      throw inputError(`row has ${cells.length} columns, header has ${header.length}`, { file, line, col: 1 }, 'give one value per header column');
    }
    rows.push(cells.map((cell, c) => parseIntCell(cell, file, line, raw, c)));
  });
  return { header, rows };
}

function parseIntCell(cell: string, file: string, line: number, raw: string, index: number): number {
  const text = cell.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    const col = raw.split(',').slice(0, index).join(',').length + (index > 0 ? 2 : 1);
    throw inputError(`"${text}" is not an integer`, { file, line, col }, 'features are integers in the policy input format');
  }
  return Number.parseInt(text, 10);
}

export function formatIntCsv(header: string[], rows: ReadonlyArray<ReadonlyArray<number>>): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
