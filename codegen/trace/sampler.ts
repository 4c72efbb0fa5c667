/**
 * The sampling loop of `nicsched trace`: every interval, read each task's raw counters from /proc
 * and derive its features from the difference to the same task's previous sample. A task that
 * vanished or cannot be read is skipped and counted, never fatal.
 */

import { hostname, release } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { FEATURE_SOURCE_NAMES } from '../spec/catalogue.js';
import { countersRestarted, deriveFeatures } from './features.js';
import { TRACE_FORMAT_VERSION, type RawCounters, type TraceHeader, type TraceSample } from './format.js';
import { TaskUnreadable, listPids, listTids, readTask } from './proc.js';

export interface SamplerOptions {
  durationS: number;
  intervalMs: number;
  /** Processes to trace (all their threads); undefined: every process in /proc. */
  pids?: readonly number[];
  /** Workload class of a pid, copied into its samples. */
  classes?: ReadonlyMap<number, string>;
  procRoot?: string;
}

export interface SamplerResult {
  header: TraceHeader;
  samples: TraceSample[];
  /** Reads skipped because the task vanished or was unreadable. */
  skipped: number;
  /** Distinct tasks seen. */
  tasks: number;
}

function traceHeader(intervalMs: number, source = 'proc'): TraceHeader {
  return {
    type: 'header',
    version: TRACE_FORMAT_VERSION,
    source,
    host: hostname(),
    kernel: release(),
    interval_ms: intervalMs,
    started: new Date().toISOString(),
    features: [...FEATURE_SOURCE_NAMES],
  };
}

interface LoopState {
  start: bigint;
  previous: Map<number, RawCounters>;
  samples: TraceSample[];
  skipped: number;
}

function sampleTask(state: LoopState, opts: SamplerOptions, pid: number, tid: number): void {
  let reading;
  try {
    reading = readTask(pid, tid, opts.procRoot);
  } catch (err) {
    if (err instanceof TaskUnreadable) {
      state.skipped++;
      return;
    }
    throw err;
  }
  const t_ns = Number(process.hrtime.bigint() - state.start);
  const prev = state.previous.get(tid);
  const features = prev && !countersRestarted(prev, reading.raw) ? deriveFeatures(prev, reading.raw) : null;
  state.previous.set(tid, reading.raw);
  const cls = opts.classes?.get(pid);
  state.samples.push({ type: 'sample', t_ns, pid, tid, comm: reading.comm, ...(cls ? { class: cls } : {}), raw: reading.raw, features });
}

function sampleRound(state: LoopState, opts: SamplerOptions): void {
  const pids = opts.pids ?? listPids(opts.procRoot);
  for (const pid of pids) {
    let tids: number[];
    try {
      tids = listTids(pid, opts.procRoot);
    } catch (err) {
      if (!(err instanceof TaskUnreadable)) throw err;
      state.skipped++;
      continue;
    }
    for (const tid of tids) sampleTask(state, opts, pid, tid);
  }
}

export async function runSampler(opts: SamplerOptions): Promise<SamplerResult> {
  const header = traceHeader(opts.intervalMs);
  const state: LoopState = { start: process.hrtime.bigint(), previous: new Map(), samples: [], skipped: 0 };
  const rounds = Math.max(1, Math.floor((opts.durationS * 1000) / opts.intervalMs) + 1);
  for (let round = 0; round < rounds; round++) {
    const due = state.start + BigInt(Math.round(round * opts.intervalMs * 1e6));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await sleep(wait);
    sampleRound(state, opts);
  }
  return { header, samples: state.samples, skipped: state.skipped, tasks: state.previous.size };
}

export function traceJsonl(header: TraceHeader, samples: readonly TraceSample[]): string {
  return [header, ...samples].map((l) => JSON.stringify(l)).join('\n') + '\n';
}
