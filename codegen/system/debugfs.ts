/**
 * Parsers for what the guest prints: the driver's and the hook's debugfs files (docs/DRIVER.md,
 * docs/HOOK.md), dumped by the guest's ns_show as "=== <path>" sections.
 */

const DRIVER_DEBUGFS = '/sys/kernel/debug/nicsched/nicsched0';
export const HOOK_DEBUGFS = '/sys/kernel/debug/nicsched_hook';

/** "=== <path>" sections of one command's output, by path. */
export function sections(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name !== undefined) out.set(name, lines.join('\n'));
  };
  for (const line of output.split('\n')) {
    const m = /^=== (.+)$/.exec(line);
    if (m) {
      flush();
      name = m[1]!;
      lines = [];
    } else if (name !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return out;
}

/** "key value" lines (the first word is the key, the rest the value); comments skipped. */
export function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][\w]*)\s+(.*)$/.exec(line.trim());
    if (m && !line.startsWith('#')) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The numeric "key value" lines of a counters file (hex values too). */
export function counters(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of keyValues(text)) {
    const n = Number(v);
    if (/^(0x[0-9a-f]+|-?\d+)$/i.test(v) && Number.isFinite(n)) out[k] = n;
  }
  return out;
}

/** A table with a header row of names and rows of numbers (slots, cpus). */
export function table(text: string): Array<Record<string, number>> {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const header = lines.shift()?.trim().split(/\s+/) ?? [];
  return lines.map((line) => {
    const cells = line.trim().split(/\s+/);
    const row: Record<string, number> = {};
    header.forEach((h, k) => (row[h] = Number(cells[k])));
    return row;
  });
}

export interface StallRecord {
  cpu: number;
  ageNs: number;
  prevCheckNs: number;
}

export interface HookState {
  state: string;
  reason: string;
  policyName: string;
  policyHash: string;
  deviceHash: string;
  ttlMs: number;
  stallTimeoutMs: number;
  stalls: StallRecord[];
}

export function hookState(text: string): HookState {
  const kv = keyValues(text);
  const policy = (kv.get('policy') ?? '').split(/\s+/);
  const device = /hash (0x[0-9a-f]+)/.exec(kv.get('device') ?? '');
  const stalls: StallRecord[] = [];
  for (const m of text.matchAll(/^stall cpu (\d+) age_ns (\d+) prev_check_ns (-?\d+)$/gm)) {
    stalls.push({ cpu: Number(m[1]), ageNs: Number(m[2]), prevCheckNs: Number(m[3]) });
  }
  return {
    state: kv.get('state') ?? '',
    reason: kv.get('reason') ?? '',
    policyName: policy[0] ?? '',
    policyHash: policy[1] ?? '',
    deviceHash: device?.[1] ?? '',
    ttlMs: Number(kv.get('ttl_ms') ?? NaN),
    stallTimeoutMs: Number(kv.get('stall_timeout_ms') ?? NaN),
    stalls,
  };
}

export interface Histogram {
  bucketNs: number[];
  answer: number[];
  decision: number[];
}

export function histograms(text: string): Histogram {
  const kv = keyValues(text);
  const nums = (k: string) => (kv.get(k) ?? '').split(/\s+/).filter(Boolean).map(Number);
  return { bucketNs: nums('bucket_ns'), answer: nums('answer'), decision: nums('decision') };
}

/** Upper bound (ns) of the bucket holding the q-quantile; Infinity for the open bucket. */
export function histogramQuantile(h: Histogram, counts: number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return NaN;
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k]!;
    if (seen >= q * total) return k === counts.length - 1 ? Infinity : h.bucketNs[k]!;
  }
  return Infinity;
}

export type LogKind = 'answer' | 'range' | 'stale' | 'install';

export interface LogEntry {
  cpu: number;
  kind: LogKind;
  /** The slot the request went to (CPUs on different slots can carry the same tag). */
  slot: number;
  tag: number;
  action: number;
  id: number;
}

export interface DecisionLog {
  /** Per CPU: entries ever logged and entries kept (the ring keeps the newest). */
  cpus: Map<number, { logged: number; kept: number }>;
  entries: LogEntry[];
}

const KINDS: Record<string, LogKind> = { a: 'answer', r: 'range', s: 'stale', i: 'install' };

/** The hook's decisions file: "# cpu N logged M kept K" headers, then "cpu kind slot tag action id". */
export function decisionLog(text: string): DecisionLog {
  const cpus = new Map<number, { logged: number; kept: number }>();
  const entries: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const head = /^# cpu (\d+) logged (\d+) kept (\d+)$/.exec(line);
    if (head) {
      cpus.set(Number(head[1]), { logged: Number(head[2]), kept: Number(head[3]) });
      continue;
    }
    const m = /^(\d+) ([arsi]) (\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (m) entries.push({ cpu: Number(m[1]), kind: KINDS[m[2]!]!, slot: Number(m[3]), tag: Number(m[4]), action: Number(m[5]), id: Number(m[6]) });
  }
  return { cpus, entries };
}

/** Everything ns_show prints, parsed. */
export interface Snapshot {
  driver: Record<string, number>;
  slots: Array<Record<string, number>>;
  hook: HookState;
  hookCounters: Record<string, number>;
  cpus: Array<Record<string, number>>;
  histograms: Histogram;
}

export function snapshot(output: string): Snapshot {
  const s = sections(output);
  const get = (path: string) => s.get(path) ?? '';
  return {
    driver: counters(get(`${DRIVER_DEBUGFS}/counters`)),
    slots: table(get(`${DRIVER_DEBUGFS}/slots`)),
    hook: hookState(get(`${HOOK_DEBUGFS}/state`)),
    hookCounters: counters(get(`${HOOK_DEBUGFS}/counters`)),
    cpus: table(get(`${HOOK_DEBUGFS}/cpus`)),
    histograms: histograms(get(`${HOOK_DEBUGFS}/histograms`)),
  };
}

/** b - a for every numeric key of b. */
export function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) out[k] = v - (a[k] ?? 0);
  return out;
}
