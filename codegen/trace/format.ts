/**
 * The trace file format (JSON Lines) written by `nicsched trace` and read by `nicsched dataset`,
 * `nicsched train` and `nicsched eval`. One JSON object per line:
 *
 *   line 1: a TraceHeader ({"type":"header", ...})
 *   then:   TraceSample lines ({"type":"sample", ...}), ordered by t_ns
 *
 * Raw counters are the cumulative kernel values as /proc shows them. `features` holds the catalogue
 * transforms (codegen/spec/catalogue.ts) applied to the delta since the same task's previous sample
 * (`delta` sources) or to the current value (`level` sources): the same integers the hook computes.
 * A task's first sample has no previous one, so it carries `features: null`.
 */

export const TRACE_FORMAT_VERSION = 1;

/** Raw counters of one task at one instant; null where this kernel does not expose the field. */
export interface RawCounters {
  /** /proc/<pid>/schedstat field 2: time runnable but waiting, ns (cumulative). */
  wait_ns: number | null;
  /** /proc/<pid>/schedstat field 1: CPU time, ns (cumulative). */
  exec_ns: number | null;
  /** /proc/<pid>/status voluntary_ctxt_switches (cumulative). */
  nvcsw: number | null;
  /** /proc/<pid>/status nonvoluntary_ctxt_switches (cumulative). */
  nivcsw: number | null;
  /** /proc/<pid>/sched se.avg.util_avg (level, 0..1024). */
  util_avg: number | null;
  /** /proc/<pid>/sched se.nr_migrations (cumulative). */
  nr_migrations: number | null;
  /** /proc/<pid>/stat field 19 (level, -20..19). */
  nice: number | null;
  /** /proc/<pid>/sched wakee_flips (level). */
  wakee_flips: number | null;
  /** sum_exec_runtime − prev_sum_exec_runtime, ns (level): not in /proc, so null in traces of a live machine; absent in traces written before it was recorded. */
  stint_ns: number | null;
}

export interface TraceHeader {
  type: 'header';
  version: typeof TRACE_FORMAT_VERSION;
  /** Where the samples came from: `proc` (a live machine) or `synthetic:<generator>`. */
  source: string;
  host: string;
  kernel: string;
  interval_ms: number;
  /** ISO 8601 start time. */
  started: string;
  /** Catalogue source names, in the order `features` objects list them. */
  features: string[];
}

export interface TraceSample {
  type: 'sample';
  /** Nanoseconds since the trace started (monotonic clock). */
  t_ns: number;
  pid: number;
  tid: number;
  comm: string;
  /** Optional workload class when the generator knows it (e.g. `interactive`, `batch`). */
  class?: string;
  raw: RawCounters;
  /** Catalogue source name → integer feature (before saturation to a policy's input format). */
  features: Record<string, number> | null;
}
