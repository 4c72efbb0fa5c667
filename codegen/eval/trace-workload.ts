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

import { inputError } from '../util/errors.js';
import type { TraceSample } from '../trace/format.js';
import { parseTrace, readTrace, type Trace } from '../trace/read.js';
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

/** A recorded workload from a trace file; the trace is read and checked by codegen/trace/read.ts. */
export function readTraceWorkload(file: string): Workload {
  return workloadOf(readTrace(file));
}

export function traceWorkload(text: string, file: string): Workload {
  return workloadOf(parseTrace(text, file));
}

function workloadOf(trace: Trace): Workload {
  const samples = trace.samples.map((s, i) => evalSample(s, trace.lines[i]!, trace.file));
  return buildWorkload(samples, trace.file);
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
