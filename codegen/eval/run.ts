/**
 * `nicsched eval`: every workload under every variant for N seeds, paired by seed.
 *
 * Variants in one run: stock CFS; the batch class at a static nice, as SCHED_BATCH and as
 * SCHED_IDLE; the policy through the NIC (as deployed); the same MLP on the CPU with zero
 * latency; the next-burst oracle; a coin flip that boosts half the wakeups. Each comparison is policy − variant per seed, with a 95 % CI
 * over seeds (stats.ts).
 */

import type { CompiledPolicy } from '../compiled.js';
import type { CfsTunables } from './cfs.js';
import { runMetrics, type RunMetrics } from './metrics.js';
import { coinProvider, cpuProvider, goldenInfer, nicProvider, oracleProvider, strongestBoost, type DecisionProvider } from './providers.js';
import { simulate, type Costs, type SimResult } from './sim.js';
import { meanCi, paired, type MeanCi, type PairedComparison } from './stats.js';
import { withBatchClass, type Workload, type WorkloadOrigin } from './workload.js';

export type VariantId = 'cfs' | 'nice' | 'sched_batch' | 'sched_idle' | 'policy' | 'policy_cpu' | 'oracle' | 'coin';
const VARIANTS: readonly VariantId[] = ['cfs', 'nice', 'sched_batch', 'sched_idle', 'policy', 'policy_cpu', 'oracle', 'coin'];
/** What the policy is compared with. */
export const BASELINES: readonly VariantId[] = ['cfs', 'nice', 'sched_batch', 'sched_idle', 'policy_cpu', 'oracle', 'coin'];

export interface EvalOptions {
  cpus: number;
  durationNs: number;
  nicLatencyNs: number;
  seeds: number[];
  /** Added to the batch class's nice in the `nice` variant (clamped to 19). */
  staticNice: number;
  /** The oracle boosts bursts shorter than this. */
  oracleThresholdNs: number;
  costs: Costs;
  balancing: boolean;
}

/** A workload to evaluate: a name and how to build it for a seed. */
export interface WorkloadSpec {
  label: string;
  kind: string;
  make(seed: number): Workload;
}

export interface VariantRuns {
  id: VariantId;
  label: string;
  runs: RunMetrics[];
}

export interface WorkloadResult {
  label: string;
  kind: string;
  origins: WorkloadOrigin[];
  variants: VariantRuns[];
}

export interface EvalResult {
  policy: { name: string; hash: string };
  options: EvalOptions;
  tunables: CfsTunables;
  workloads: WorkloadResult[];
}

function variantLabel(id: VariantId, policy: string, o: Pick<EvalOptions, 'staticNice' | 'nicLatencyNs' | 'oracleThresholdNs'>): string {
  switch (id) {
    case 'cfs':
      return 'CFS';
    case 'nice':
      return `static nice +${o.staticNice} (batch)`;
    case 'sched_batch':
      return 'SCHED_BATCH (batch)';
    case 'sched_idle':
      return 'SCHED_IDLE (batch)';
    case 'policy':
      return `${policy} via NIC (${o.nicLatencyNs / 1000} µs)`;
    case 'policy_cpu':
      return `${policy} on CPU (0 latency)`;
    case 'oracle':
      return `next-burst oracle (< ${o.oracleThresholdNs / 1000} µs)`;
    case 'coin':
      return 'coin flip (boosts half the wakeups)';
  }
}

function variantWorkload(id: VariantId, w: Workload, o: EvalOptions): Workload {
  switch (id) {
    case 'nice':
      return withBatchClass(w, { nice: (n) => Math.min(19, n + o.staticNice) }, `nice +${o.staticNice}`);
    case 'sched_batch':
      return withBatchClass(w, { policy: 'batch' }, 'SCHED_BATCH');
    case 'sched_idle':
      return withBatchClass(w, { policy: 'idle' }, 'SCHED_IDLE');
    default:
      return w;
  }
}

function variantProvider(id: VariantId, policy: CompiledPolicy, seed: number, o: EvalOptions): DecisionProvider | undefined {
  const ir = policy.ir;
  switch (id) {
    case 'policy':
      return nicProvider(ir, goldenInfer(ir), o.nicLatencyNs, o.cpus);
    case 'policy_cpu':
      return cpuProvider(ir, goldenInfer(ir));
    case 'oracle':
      return oracleProvider({ thresholdNs: o.oracleThresholdNs, adj: strongestBoost(ir), ttlNs: ir.hook.decision_ttl_ms * 1_000_000 });
    case 'coin':
      return coinProvider({ adj: strongestBoost(ir), ttlNs: ir.hook.decision_ttl_ms * 1_000_000, seed });
    default:
      return undefined;
  }
}

/** One seed of one workload under one variant: the simulator's whole result (`seed` seeds the coin). */
export function simulateVariant(id: VariantId, policy: CompiledPolicy, w: Workload, o: EvalOptions, seed = 0): SimResult {
  const decisions = variantProvider(id, policy, seed, o);
  return simulate(variantWorkload(id, w, o), { cpus: o.cpus, durationNs: o.durationNs, costs: o.costs, balancing: o.balancing, ...(decisions ? { decisions } : {}) });
}

/** One seed of one workload under one variant. */
function runVariant(id: VariantId, policy: CompiledPolicy, w: Workload, o: EvalOptions, seed: number): RunMetrics {
  return runMetrics(simulateVariant(id, policy, w, o, seed));
}

function evalWorkload(policy: CompiledPolicy, spec: WorkloadSpec, o: EvalOptions, variants: readonly VariantId[] = VARIANTS): WorkloadResult {
  const runs = new Map<VariantId, RunMetrics[]>(variants.map((v) => [v, []]));
  const origins: WorkloadOrigin[] = [];
  for (const seed of o.seeds) {
    const w = spec.make(seed);
    if (w.origin) origins.push(w.origin);
    for (const v of variants) runs.get(v)!.push(runVariant(v, policy, w, o, seed));
  }
  return { label: spec.label, kind: spec.kind, origins, variants: variants.map((id) => ({ id, label: variantLabel(id, policy.ir.name, o), runs: runs.get(id)! })) };
}

export function runEval(policy: CompiledPolicy, specs: readonly WorkloadSpec[], o: EvalOptions, tunables: CfsTunables): EvalResult {
  return { policy: { name: policy.ir.name, hash: policy.hash }, options: o, tunables, workloads: specs.map((s) => evalWorkload(policy, s, o)) };
}

/* ---- metrics over seeds ---------------------------------------------------------------------- */

export type MetricKey = 'wake.p50' | 'wake.p90' | 'wake.p99' | 'wake.p999' | 'wake.mean' | 'request.p50' | 'request.p90' | 'request.p99' | 'request.p999' | 'requestsPerS' | 'completionMs' | 'batchWorkMsPerS';

export const METRICS: readonly { key: MetricKey; label: string; lowerIsBetter: boolean }[] = [
  { key: 'wake.p50', label: 'interactive wakeup latency p50 (µs)', lowerIsBetter: true },
  { key: 'wake.p90', label: 'interactive wakeup latency p90 (µs)', lowerIsBetter: true },
  { key: 'wake.p99', label: 'interactive wakeup latency p99 (µs)', lowerIsBetter: true },
  { key: 'wake.p999', label: 'interactive wakeup latency p99.9 (µs)', lowerIsBetter: true },
  { key: 'wake.mean', label: 'interactive wakeup latency mean (µs)', lowerIsBetter: true },
  { key: 'request.p50', label: 'request latency p50 (µs)', lowerIsBetter: true },
  { key: 'request.p90', label: 'request latency p90 (µs)', lowerIsBetter: true },
  { key: 'request.p99', label: 'request latency p99 (µs)', lowerIsBetter: true },
  { key: 'request.p999', label: 'request latency p99.9 (µs)', lowerIsBetter: true },
  { key: 'requestsPerS', label: 'requests completed per s', lowerIsBetter: false },
  { key: 'completionMs', label: 'hackbench completion (ms)', lowerIsBetter: true },
  { key: 'batchWorkMsPerS', label: 'batch throughput (useful CPU ms per s)', lowerIsBetter: false },
];

export function metricValue(m: RunMetrics, key: MetricKey): number | null {
  switch (key) {
    case 'completionMs':
      return m.completionMs;
    case 'requestsPerS':
      return m.request ? m.requestsPerS : null;
    case 'batchWorkMsPerS':
      return m.batchWorkMsPerS;
    default: {
      const [group, p] = key.split('.') as ['wake' | 'request', 'p50' | 'p90' | 'p99' | 'p999' | 'mean'];
      return m[group]?.[p] ?? null;
    }
  }
}

/** The metric's per-seed values, or null if any seed lacks it. */
function seedValues(v: VariantRuns, key: MetricKey): number[] | null {
  const vals = v.runs.map((m) => metricValue(m, key));
  return vals.every((x): x is number => x !== null) ? vals : null;
}

export function summary(v: VariantRuns, key: MetricKey): MeanCi | null {
  const vals = seedValues(v, key);
  return vals ? meanCi(vals) : null;
}

export function variant(w: WorkloadResult, id: VariantId): VariantRuns | undefined {
  return w.variants.find((v) => v.id === id);
}

/** policy − baseline, paired by seed. */
export function compare(w: WorkloadResult, baseline: VariantId, key: MetricKey, subject: VariantId = 'policy'): PairedComparison | null {
  const a = variant(w, subject);
  const b = variant(w, baseline);
  const va = a && seedValues(a, key);
  const vb = b && seedValues(b, key);
  return va && vb ? paired(va, vb) : null;
}

/** The headline latency of a workload: request p99 where there are requests, else wakeup p99. */
export function headlineMetric(w: WorkloadResult): MetricKey {
  if (w.kind === 'hackbench') return 'completionMs';
  const cfs = variant(w, 'cfs');
  return cfs && seedValues(cfs, 'request.p99') ? 'request.p99' : 'wake.p99';
}

/**
 * Where the policy sits between CFS (0 %) and the oracle (100 %) on a metric, from the means:
 * (CFS − policy) / (CFS − oracle). Null when the oracle is not better than CFS there (it boosts
 * every short burst alike, which is no bound where waiting tasks are alike: schbench's workers).
 */
export function gapClosed(w: WorkloadResult, key: MetricKey): number | null {
  const m = (id: VariantId) => {
    const v = variant(w, id);
    return v ? (summary(v, key)?.mean ?? null) : null;
  };
  const cfs = m('cfs');
  const pol = m('policy');
  const ora = m('oracle');
  const lower = METRICS.find((m) => m.key === key)?.lowerIsBetter ?? true;
  if (cfs === null || pol === null || ora === null || (lower ? ora >= cfs : ora <= cfs)) return null;
  return ((cfs - pol) / (cfs - ora)) * 100;
}

/** The goal of docs/EVAL.md: ≥ 20 % better p99 than CFS and static nice (CI excluding zero) at ≤ 2 % batch loss. */
export interface GoalCheck {
  metric: MetricKey;
  vsCfs: PairedComparison | null;
  vsNice: PairedComparison | null;
  batchVsCfs: PairedComparison | null;
  met: boolean;
}

export function goalCheck(w: WorkloadResult): GoalCheck {
  const metric = headlineMetric(w);
  const vsCfs = compare(w, 'cfs', metric);
  const vsNice = compare(w, 'nice', metric);
  const batchVsCfs = compare(w, 'cfs', 'batchWorkMsPerS');
  const beats = (c: PairedComparison | null) => c !== null && c.relative.mean <= -20 && c.excludesZero && c.diff.hi < 0;
  const met = beats(vsCfs) && beats(vsNice) && batchVsCfs !== null && batchVsCfs.relative.mean >= -2;
  return { metric, vsCfs, vsNice, batchVsCfs, met };
}
