/**
 * A recorded workload from a trace file (codegen/trace/format.ts). Each task's behaviour is
 * estimated from the deltas of its cumulative counters between consecutive samples; docs/EVAL.md
 * states the model:
 *
 *   interval dt, exec Δe, wait Δw, voluntary switches Δv
 *   bursts  k = max(Δv, 1)               (a task that never blocked runs one burst per interval)
 *   burst   Δe / k                       (CPU time per burst)
 *   sleep   max(0, dt − Δe − Δw) / k     (what was neither running nor waiting was sleeping)
 *
 * The per-interval (burst, sleep) pairs are replayed in order and the recording loops. The class
 * is the samples' `class` when the tracer knew it; otherwise a task that blocked and used under
 * half a CPU is interactive, the rest batch.
 */

import { readFileSync } from 'node:fs';
import { inputError, InputError, type Diagnostic } from '../util/errors.js';
import { TRACE_FORMAT_VERSION, type RawCounters } from '../trace/format.js';
import type { Phase, TaskClass, TaskTemplate, Workload } from './workload.js';

interface Sample {
  line: number;
  t: number;
  tid: number;
  comm: string;
  cls: string | undefined;
  exec: number;
  wait: number;
  nvcsw: number;
  nice: number;
}

const COUNTER_FIELDS: (keyof RawCounters)[] = ['wait_ns', 'exec_ns', 'nvcsw', 'nivcsw', 'util_avg', 'nr_migrations', 'nice', 'wakee_flips'];

export function readTraceWorkload(file: string): Workload {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw inputError(`cannot read the trace: ${(err as Error).message}`, { file });
  }
  return traceWorkload(text, file);
}

export function traceWorkload(text: string, file: string): Workload {
  const lines = text.split('\n');
  const diags: Diagnostic[] = [];
  const samples: Sample[] = [];
  let header = false;
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const loc = { file, line: i + 1, col: 1 };
    try {
      const obj = parseLine(raw, loc);
      if (!header) {
        checkHeader(obj, loc);
        header = true;
        return;
      }
      samples.push(checkSample(obj, loc, samples[samples.length - 1]));
    } catch (err) {
      if (err instanceof InputError) diags.push(...err.diagnostics);
      else throw err;
    }
  });
  if (!header && diags.length === 0) diags.push({ file, message: 'the trace is empty: it needs a header line and samples', hint: 'record one with `nicsched trace`' });
  if (diags.length) throw new InputError(diags.slice(0, 20));
  return buildWorkload(samples, file);
}

function parseLine(raw: string, loc: { file: string; line: number; col: number }): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (err) {
    throw inputError(`not JSON: ${(err as Error).message}`, loc, 'each line is one JSON object (JSON Lines)');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw inputError('a trace line must be a JSON object', loc);
  return obj as Record<string, unknown>;
}

function checkHeader(o: Record<string, unknown>, loc: { file: string; line: number }): void {
  if (o.type !== 'header') throw inputError(`the first line must be the header ({"type":"header",...}), found type ${JSON.stringify(o.type)}`, { ...loc, pointer: '/type' });
  if (o.version !== TRACE_FORMAT_VERSION) throw inputError(`trace format version ${JSON.stringify(o.version)} is not supported (expected ${TRACE_FORMAT_VERSION})`, { ...loc, pointer: '/version' });
}

function num(o: Record<string, unknown>, key: string, loc: { file: string; line: number }, pointer: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError(`${key} must be a number, found ${JSON.stringify(v)}`, { ...loc, pointer });
  return v;
}

function checkSample(o: Record<string, unknown>, loc: { file: string; line: number }, prev: Sample | undefined): Sample {
  if (o.type !== 'sample') throw inputError(`expected a sample line, found type ${JSON.stringify(o.type)}`, { ...loc, pointer: '/type' });
  const t = num(o, 't_ns', loc, '/t_ns');
  if (t < 0) throw inputError('t_ns must not be negative', { ...loc, pointer: '/t_ns' });
  if (prev && t < prev.t) throw inputError(`t_ns ${t} goes back in time (previous sample: ${prev.t} at line ${prev.line})`, { ...loc, pointer: '/t_ns' }, 'samples are ordered by t_ns');
  const tid = num(o, 'tid', loc, '/tid');
  const raw = o.raw;
  if (typeof raw !== 'object' || raw === null) throw inputError('raw must be an object of counters', { ...loc, pointer: '/raw' });
  const r = raw as Record<string, unknown>;
  for (const k of COUNTER_FIELDS) {
    const v = r[k];
    if (v !== null && v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw inputError(`raw.${k} must be a number or null, found ${JSON.stringify(v)}`, { ...loc, pointer: `/raw/${k}` });
  }
  if (typeof r.exec_ns !== 'number') throw inputError('raw.exec_ns is null: eval needs the CPU time of every task', { ...loc, pointer: '/raw/exec_ns' });
  const nice = typeof r.nice === 'number' ? r.nice : 0;
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw inputError(`raw.nice ${nice} is outside [-20, 19]`, { ...loc, pointer: '/raw/nice' });
  return {
    line: loc.line,
    t,
    tid,
    comm: typeof o.comm === 'string' ? o.comm : String(tid),
    cls: typeof o.class === 'string' ? o.class : undefined,
    exec: r.exec_ns,
    wait: typeof r.wait_ns === 'number' ? r.wait_ns : 0,
    nvcsw: typeof r.nvcsw === 'number' ? r.nvcsw : 0,
    nice,
  };
}

interface Interval {
  burst: number;
  sleep: number;
  bursts: number;
}

function intervalsOf(samples: readonly Sample[], file: string): Interval[] {
  const out: Interval[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.t - a.t;
    const de = b.exec - a.exec;
    const dw = b.wait - a.wait;
    const dv = b.nvcsw - a.nvcsw;
    if (de < 0 || dw < 0 || dv < 0) throw inputError(`task ${b.tid}: a cumulative counter went down since line ${a.line}`, { file, line: b.line, col: 1, pointer: '/raw' });
    if (dt <= 0) continue;
    const k = Math.max(dv, 1);
    out.push({ burst: Math.round(Math.min(de, dt) / k), sleep: Math.round(Math.max(0, dt - de - dw) / k), bursts: k });
  }
  return out;
}

function classify(samples: readonly Sample[], intervals: readonly Interval[]): TaskClass {
  const known = samples.find((s) => s.cls)?.cls;
  if (known === 'interactive' || known === 'batch') return known;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const span = last.t - first.t;
  const blocked = last.nvcsw > first.nvcsw;
  const share = span > 0 ? (last.exec - first.exec) / span : 1;
  return blocked && share < 0.5 && intervals.length > 0 ? 'interactive' : 'batch';
}

function replay(intervals: readonly Interval[]): () => Iterator<Phase> {
  return function* () {
    if (intervals.every((iv) => iv.burst === 0 && iv.sleep === 0)) {
      yield { kind: 'sleep', ns: Infinity };
      return;
    }
    for (;;) {
      for (const iv of intervals) {
        for (let j = 0; j < iv.bursts; j++) {
          yield { kind: 'run', ns: iv.burst };
          yield { kind: 'sleep', ns: iv.sleep };
        }
      }
    }
  };
}

function buildWorkload(samples: readonly Sample[], file: string): Workload {
  const byTid = new Map<number, Sample[]>();
  for (const s of samples) {
    const list = byTid.get(s.tid) ?? [];
    list.push(s);
    byTid.set(s.tid, list);
  }
  const tasks: TaskTemplate[] = [];
  for (const [tid, list] of [...byTid].sort((a, b) => a[0] - b[0])) {
    if (list.length < 2) continue;
    const intervals = intervalsOf(list, file);
    tasks.push({ name: `${list[0]!.comm}/${tid}`, cls: classify(list, intervals), nice: list[list.length - 1]!.nice, phases: replay(intervals) });
  }
  if (tasks.length === 0) throw inputError('no task has two samples: nothing to replay', { file }, 'record for longer than one interval');
  return { name: `trace ${file} (${tasks.length} tasks)`, tasks };
}
