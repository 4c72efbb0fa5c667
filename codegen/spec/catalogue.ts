/**
 * The feature catalogue: every `source` a policy may name, the raw kernel counter behind it, and
 * the integer transform that turns the raw counter into the network input. This table is the one
 * definition shared by the golden model, the kernel hook (its C is generated from this table) and
 * the trace tool, so training and serving cannot disagree.
 *
 * After the transform the value is saturated to the policy's input format.
 */

/** How a raw counter becomes an integer. All transforms are integer-only (no FP in the kernel). */
export type Transform =
  | { op: 'identity' }
  /** Bit length: 0 for 0, else floor(log2 x) + 1 (the kernel's fls64). */
  | { op: 'bitlen' }
  /** Arithmetic shift right by `by`. */
  | { op: 'shr'; by: number }
  /** Add a constant (e.g. nice + 20 so it is never negative). */
  | { op: 'offset'; add: number };

export interface FeatureSource {
  name: string;
  /** `delta`: difference of a monotonic counter since the task's previous request; `level`: instantaneous value. */
  kind: 'delta' | 'level';
  /** The kernel field the hook reads. */
  kernel: string;
  /** Where the trace tool reads it in /proc. */
  proc: string;
  transform: Transform;
  description: string;
}

export const FEATURE_SOURCES: readonly FeatureSource[] = [
  {
    name: 'wait_ns_log2',
    kind: 'delta',
    kernel: 'p->sched_info.run_delay',
    proc: '/proc/<pid>/schedstat field 2',
    transform: { op: 'bitlen' },
    description: 'time spent runnable but waiting on a runqueue since the previous request, as a bit length of nanoseconds',
  },
  {
    name: 'exec_ns_log2',
    kind: 'delta',
    kernel: 'p->se.sum_exec_runtime',
    proc: '/proc/<pid>/schedstat field 1',
    transform: { op: 'bitlen' },
    description: 'CPU time consumed since the previous request, as a bit length of nanoseconds',
  },
  {
    name: 'nvcsw_delta',
    kind: 'delta',
    kernel: 'p->nvcsw',
    proc: '/proc/<pid>/status voluntary_ctxt_switches',
    transform: { op: 'identity' },
    description: 'voluntary context switches (the task blocked) since the previous request',
  },
  {
    name: 'nivcsw_delta',
    kind: 'delta',
    kernel: 'p->nivcsw',
    proc: '/proc/<pid>/status nonvoluntary_ctxt_switches',
    transform: { op: 'identity' },
    description: 'involuntary context switches (the task was preempted) since the previous request',
  },
  {
    name: 'util_avg',
    kind: 'level',
    kernel: 'p->se.avg.util_avg',
    proc: '/proc/<pid>/sched se.avg.util_avg',
    transform: { op: 'shr', by: 2 },
    description: 'PELT utilization (0..1024) divided by 4',
  },
  {
    name: 'nr_migrations_delta',
    kind: 'delta',
    kernel: 'p->se.nr_migrations',
    proc: '/proc/<pid>/sched se.nr_migrations',
    transform: { op: 'identity' },
    description: 'CPU migrations since the previous request',
  },
  {
    name: 'nice',
    kind: 'level',
    kernel: 'task_nice(p)',
    proc: '/proc/<pid>/stat field 19',
    transform: { op: 'offset', add: 20 },
    description: 'nice value plus 20 (0..39)',
  },
  {
    name: 'wakee_flips',
    kind: 'level',
    kernel: 'p->wakee_flips',
    proc: '/proc/<pid>/sched wakee_flips (where present)',
    transform: { op: 'identity' },
    description: 'how often the task switched wakee (decays each second)',
  },
  {
    name: 'stint_ns_log2',
    kind: 'level',
    kernel: 'p->se.sum_exec_runtime - p->se.prev_sum_exec_runtime',
    proc: 'not in /proc (se.prev_sum_exec_runtime is not shown): traces record null',
    transform: { op: 'bitlen' },
    description: 'the current run stint (at the tick) or the last one before the task slept (at a wakeup): CPU time since the task was last picked, as a bit length of nanoseconds',
  },
];

export const FEATURE_SOURCE_NAMES: readonly string[] = FEATURE_SOURCES.map((s) => s.name);

export function findSource(name: string): FeatureSource | undefined {
  return FEATURE_SOURCES.find((s) => s.name === name);
}

/** Apply a transform to a raw counter value (exact for any 64-bit value). */
export function applyTransform(t: Transform, raw: bigint): bigint {
  switch (t.op) {
    case 'identity':
      return raw;
    case 'bitlen':
      return raw <= 0n ? 0n : BigInt(raw.toString(2).length);
    case 'shr':
      return raw >> BigInt(t.by);
    case 'offset':
      return raw + BigInt(t.add);
  }
}

/** Raw counter → network input integer, saturated to [min, max] of the input format. */
export function featureValue(source: FeatureSource, raw: bigint, min: number, max: number): number {
  const v = applyTransform(source.transform, raw);
  if (v < BigInt(min)) return min;
  if (v > BigInt(max)) return max;
  return Number(v);
}

export function describeTransform(t: Transform): string {
  switch (t.op) {
    case 'identity':
      return 'x';
    case 'bitlen':
      return 'x == 0 ? 0 : floor(log2(x)) + 1';
    case 'shr':
      return `x >> ${t.by}`;
    case 'offset':
      return `x + ${t.add}`;
  }
}
