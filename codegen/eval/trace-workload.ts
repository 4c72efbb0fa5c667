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
 *
 * A window [from, to) keeps only the samples in that share of the trace's time span, so one
 * recording splits into a training part and an evaluation part (docs/EVAL.md).
 */

import { createHash } from 'node:crypto';
import { inputError } from '../util/errors.js';
import type { TraceSample } from '../trace/format.js';
import { readFileSync } from 'node:fs';
import { parseTrace, readTrace, type Trace } from '../trace/read.js';
import { taskSeed, type Phase, type TaskClass, type TaskTemplate, type TraceWindow, type Workload } from './workload.js';

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

export const WHOLE_TRACE: TraceWindow = { from: 0, to: 1 };

/**
 * Read a trace once (checked by codegen/trace/read.ts); build its workload for any seed. With a
 * seed, each task starts its replay at a seeded interval (seed 0: all at the first), so seeds give
 * different interleavings of the same recorded behaviour.
 */
export function traceWorkloads(file: string, window: TraceWindow = WHOLE_TRACE): (seed: number) => Workload {
  const trace = readTrace(file);
  const sha = traceSha256(trace);
  return (seed) => workloadOf(trace, window, sha, seed);
}

export function traceWorkload(text: string, file: string, window: TraceWindow = WHOLE_TRACE, seed = 0): Workload {
  return workloadOf(parseTrace(text, file), window, createHash('sha256').update(text).digest('hex'), seed);
}

function traceSha256(trace: Trace): string {
  return createHash('sha256').update(readFileSync(trace.file)).digest('hex');
}

/** Check a window given by hand (`--window 0:0.7`). */
export function parseWindow(text: string): TraceWindow {
  const m = /^([0-9.]+):([0-9.]+)$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!(from >= 0 && to <= 1 && from < to)) throw inputError(`--window must be FROM:TO with 0 <= FROM < TO <= 1, got ${JSON.stringify(text)}`, {}, 'for example --window 0.7:1 (the last 30 % of the trace)');
  return { from, to };
}

function inWindow(trace: Trace, window: TraceWindow): { samples: TraceSample[]; lines: number[] } {
  if (window.from === 0 && window.to === 1) return { samples: trace.samples, lines: trace.lines };
  const first = trace.samples[0]?.t_ns ?? 0;
  const last = trace.samples[trace.samples.length - 1]?.t_ns ?? 0;
  const lo = first + (last - first) * window.from;
  const hi = first + (last - first) * window.to;
  const keep = trace.samples.map((s) => s.t_ns >= lo && (s.t_ns < hi || (window.to === 1 && s.t_ns <= hi)));
  return { samples: trace.samples.filter((_, i) => keep[i]), lines: trace.lines.filter((_, i) => keep[i]) };
}

function workloadOf(trace: Trace, window: TraceWindow, sha256: string, seed: number): Workload {
  const part = inWindow(trace, window);
  const samples = part.samples.map((s, i) => evalSample(s, part.lines[i]!, trace.file));
  const w = buildWorkload(samples, trace.file, seed);
  const whole = window.from === 0 && window.to === 1;
  return { ...w, name: whole ? w.name : `${w.name} [${window.from}, ${window.to})`, origin: { kind: 'trace', file: trace.file, sha256, window } };
}

/** What eval needs beyond a valid trace: every task's CPU time, and a nice value in range. */
function evalSample(s: TraceSample, line: number, file: string): Sample {
  const loc = { file, line, col: 1 };
  if (s.raw.exec_ns === null) throw inputError('raw.exec_ns is null: eval needs the CPU time of every task', { ...loc, pointer: '/raw/exec_ns' }, 'trace on a kernel with schedstat');
  const nice = s.raw.nice ?? 0;
  if (nice < -20 || nice > 19) throw inputError(`raw.nice ${nice} is outside [-20, 19]`, { ...loc, pointer: '/raw/nice' });
  return { line, t: s.t_ns, tid: s.tid, comm: s.comm, cls: s.class, exec: s.raw.exec_ns, wait: s.raw.wait_ns ?? 0, nvcsw: s.raw.nvcsw ?? 0, nice };
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

function replay(intervals: readonly Interval[], start: number): () => Iterator<Phase> {
  return function* () {
    if (intervals.every((iv) => iv.burst === 0 && iv.sleep === 0)) {
      yield { kind: 'sleep', ns: Infinity };
      return;
    }
    for (;;) {
      for (let n = 0; n < intervals.length; n++) {
        const iv = intervals[(start + n) % intervals.length]!;
        for (let j = 0; j < iv.bursts; j++) {
          yield { kind: 'run', ns: iv.burst };
          yield { kind: 'sleep', ns: iv.sleep };
        }
      }
    }
  };
}

function buildWorkload(samples: readonly Sample[], file: string, seed: number): Workload {
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
    const start = seed === 0 || intervals.length === 0 ? 0 : taskSeed(seed, tid) % intervals.length;
    tasks.push({ name: `${list[0]!.comm}/${tid}`, cls: classify(list, intervals), nice: list[list.length - 1]!.nice, phases: replay(intervals, start) });
  }
  if (tasks.length === 0) throw inputError('no task has two samples: nothing to replay', { file }, 'record for longer than one interval');
  return { name: `trace ${file} (${tasks.length} tasks)`, kind: 'trace', tasks };
}
