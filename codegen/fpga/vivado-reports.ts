/**
 * Parsers for the two Vivado reports `nicsched build` reads after routing:
 * - report_utilization: ASCII tables `| Site Type | Used | Fixed | [Prohibited |] Available | Util% |`
 *   under numbered sections (1. CLB Logic, 3. BLOCKRAM, 4. ARITHMETIC);
 * - report_timing_summary: the "Design Timing Summary" block, a header line starting with WNS(ns),
 *   a dashed line and one line of values.
 * Columns are found by name, so the optional Prohibited column (Vivado 2020.1+) does not matter.
 */

export interface Utilization {
  lut: UtilRow;
  ff: UtilRow;
  carry: UtilRow | null;
  bram_tile: UtilRow;
  dsp: UtilRow;
}

export interface UtilRow {
  used: number;
  available: number;
  percent: number;
}

export interface TimingSummary {
  wns_ns: number;
  tns_ns: number;
  tns_failing_endpoints: number;
  whs_ns: number;
  ths_ns: number;
  ths_failing_endpoints: number;
  met: boolean;
}

function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** Every table row keyed by its first cell, with its header's column names. */
function tableRows(text: string): Map<string, Record<string, string>> {
  const rows = new Map<string, Record<string, string>>();
  let header: string[] | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) continue;
    const row = cells(line);
    if (row[0] === 'Site Type') {
      header = row;
      continue;
    }
    if (!header || rows.has(row[0]!)) continue;
    const record: Record<string, string> = {};
    header.forEach((name, k) => (record[name] = row[k] ?? ''));
    rows.set(row[0]!, record);
  }
  return rows;
}

function utilRow(rows: Map<string, Record<string, string>>, names: string[], report: string): UtilRow {
  const row = optionalUtilRow(rows, names);
  if (!row) throw new Error(`${report}: no "${names.join('" or "')}" row in the utilization report`);
  return row;
}

function optionalUtilRow(rows: Map<string, Record<string, string>>, names: string[]): UtilRow | null {
  for (const name of names) {
    const r = rows.get(name);
    if (!r) continue;
    const used = Number(r['Used']);
    const available = Number(r['Available']);
    const percent = Number(r['Util%']);
    if ([used, available, percent].some((v) => Number.isNaN(v))) throw new Error(`utilization row "${name}" has a non-numeric cell: ${JSON.stringify(r)}`);
    return { used, available, percent };
  }
  return null;
}

export function parseUtilization(text: string, report = 'report_utilization'): Utilization {
  const rows = tableRows(text);
  return {
    lut: utilRow(rows, ['CLB LUTs', 'CLB LUTs*'], report),
    ff: utilRow(rows, ['CLB Registers'], report),
    carry: optionalUtilRow(rows, ['CARRY8']),
    bram_tile: utilRow(rows, ['Block RAM Tile'], report),
    dsp: utilRow(rows, ['DSPs'], report),
  };
}

export function parseTimingSummary(text: string, report = 'report_timing_summary'): TimingSummary {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /\|\s*Design Timing Summary/.test(l));
  if (start < 0) throw new Error(`${report}: no "Design Timing Summary" section`);
  const headerAt = lines.findIndex((l, k) => k > start && /^\s*WNS\(ns\)/.test(l));
  if (headerAt < 0) throw new Error(`${report}: no WNS(ns) header after "Design Timing Summary"`);
  const names = lines[headerAt]!.trim().split(/\s{2,}/);
  const values = (lines[headerAt + 2] ?? '').trim().split(/\s+/);
  if (values.length !== names.length) throw new Error(`${report}: ${names.length} columns but ${values.length} values on line ${headerAt + 3}`);
  const value = (name: string) => {
    const v = Number(values[names.indexOf(name)]);
    if (names.indexOf(name) < 0 || Number.isNaN(v)) throw new Error(`${report}: no numeric ${name} in the design timing summary`);
    return v;
  };
  const met = /All user specified timing constraints are met\./.test(text);
  return {
    wns_ns: value('WNS(ns)'),
    tns_ns: value('TNS(ns)'),
    tns_failing_endpoints: value('TNS Failing Endpoints'),
    whs_ns: value('WHS(ns)'),
    ths_ns: value('THS(ns)'),
    ths_failing_endpoints: value('THS Failing Endpoints'),
    met,
  };
}
