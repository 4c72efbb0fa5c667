/** Minimal CSV for integer vectors: a header row of names, then one row of integers per line. */

import { inputError } from './errors.js';

export interface IntTable {
  header: string[];
  rows: number[][];
  /** Where each row came from: its 1-based line and each cell's 1-based column. */
  places: { line: number; cols: number[] }[];
}

export function parseIntCsv(text: string, file: string): IntTable {
  const lines = text.split(/\r?\n/);
  const headerLine = lines[0]?.trim() ?? '';
  if (headerLine === '') throw inputError('empty CSV: expected a header row of feature names', { file, line: 1, col: 1 });
  const header = headerLine.split(',').map((h) => h.trim());
  const rows: number[][] = [];
  const places: IntTable['places'] = [];
  lines.slice(1).forEach((raw, k) => {
    const line = k + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',');
    if (cells.length !== header.length) {
      throw inputError(`row has ${cells.length} columns, header has ${header.length}`, { file, line, col: 1 }, 'give one value per header column');
    }
    const cols = cellColumns(cells);
    rows.push(cells.map((cell, c) => parseIntCell(cell, file, line, cols[c]!)));
    places.push({ line, cols });
  });
  return { header, rows, places };
}

function cellColumns(cells: string[]): number[] {
  let col = 1;
  return cells.map((cell) => {
    const start = col + (cell.length - cell.trimStart().length);
    col += cell.length + 1;
    return start;
  });
}

function parseIntCell(cell: string, file: string, line: number, col: number): number {
  const text = cell.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    throw inputError(`"${text}" is not an integer`, { file, line, col }, 'features are integers in the policy input format');
  }
  return Number.parseInt(text, 10);
}

export function formatIntCsv(header: string[], rows: ReadonlyArray<ReadonlyArray<number>>): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
