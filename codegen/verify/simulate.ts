/**
 * The RTL verifier (`nicsched simulate`): compile the policy's RTL, run every vector through it in
 * the Verilator bulk runner (sim/bulk.ts) and the protocol checks (header, latency, stream II) in
 * Verilator or Icarus through the cocotb benches, and compare every result with the golden model.
 * The report gives vectors passed and failed, the measured latency and II against the IR's
 * prediction, and, on a mismatch, the first failing vector with the golden model's per-layer trace.
 */

import { shortHash } from '../ir/canonical.js';
import { join } from 'node:path';
import { buildDirFor, makeJob, runBench, type BenchResult, type Simulator } from '../../sim/bridge.js';
import { runBulk, type BulkResult } from '../../sim/bulk.js';
import { emitAll } from '../backends/index.js';
import { GoldenModel } from '../golden/model.js';
import type { CompiledPolicy } from '../compiled.js';
import { writeOutputDir } from '../util/output.js';
import { chooseVectors, type VectorChoice } from './vectors.js';

export interface SimulateOptions extends VectorChoice {
  sim: Simulator;
  waves?: string;
  json?: boolean;
}

export interface LayerDiff {
  layer: number;
  expected: number[];
  got: number[] | null;
  match: boolean;
}

export interface SimulateReport {
  policy: string;
  policy_hash: string;
  simulator: Simulator;
  vectors: number;
  passed: number;
  failed: number;
  latency: { predicted: number; measured: number | null };
  ii: { predicted: number; measured: number | null };
  /** The Verilator bulk runner that checked every vector: inferences/s, loop time, measured II and datapath latency. */
  bulk: { rate: number; seconds: number; ii: number; latency: number };
  bench_tests: { name: string; passed: boolean; message?: string }[];
  first_failure?: {
    index: number;
    input: number[];
    expected: { action: number | null; scores: number[] };
    got: { action: number | null; scores: number[] | null };
    /** Golden vs RTL output of every layer for this vector (nicsched_policy's l<k>_data wires). */
    layers?: LayerDiff[];
  };
  ok: boolean;
}

function compileDesign(policy: CompiledPolicy, sim: Simulator): string {
  const dir = join(buildDirFor(policy, 'app', sim), '..', `${policy.ir.name}-${shortHash(policy.hash)}-design`);
  writeOutputDir(dir, emitAll(policy), `${policy.hash}\n`);
  return join(dir, 'rtl');
}

/** Vectors the cocotb protocol benches see (header, latency, stream II); the bulk runner checks every vector. */
const PROTOCOL_VECTORS = 256;

function compareVectors(bulk: BulkResult): Pick<SimulateReport, 'passed' | 'failed' | 'first_failure'> {
  const first = bulk.mismatches[0];
  const firstFailure = first ? { index: first.index, input: first.input, expected: first.expected, got: first.got } : undefined;
  return { passed: bulk.passed, failed: bulk.failed, ...(firstFailure ? { first_failure: firstFailure } : {}) };
}

/**
 * `design` is the policy whose RTL is simulated; it defaults to `policy`, whose golden model is the
 * reference. Tests pass a different design to prove that a mismatch is caught and explained.
 */
export async function simulate(policy: CompiledPolicy, opts: SimulateOptions, design: CompiledPolicy = policy): Promise<SimulateReport> {
  const vectors = chooseVectors(policy, opts);
  const rtlDir = compileDesign(design, opts.sim);
  const bulk = await runBulk(policy, rtlDir, vectors);
  const job = makeJob(policy, vectors.slice(0, PROTOCOL_VECTORS));
  // the builds are of the design's RTL, so they live in the design's build directories
  const app = await runBench({
    bench: 'app',
    rtlDirs: [rtlDir],
    toplevel: 'nicsched_top',
    sim: opts.sim,
    buildDir: buildDirFor(design, 'app', opts.sim),
    job,
    testcases: ['test_header', 'test_latency'],
    ...(opts.waves ? { waves: opts.waves } : {}),
  });
  const stream = await runBench({
    bench: 'policy',
    rtlDirs: [rtlDir],
    toplevel: 'nicsched_policy',
    sim: opts.sim,
    buildDir: buildDirFor(design, 'policy', opts.sim),
    job,
    testcases: ['test_stream'],
  });
  const result = report(policy, opts.sim, vectors, bulk, app, stream);
  if (result.first_failure) {
    result.first_failure.layers = await layerDiff(policy, design, result.first_failure.input, rtlDir, opts.sim);
  }
  return result;
}

/** Run one vector through nicsched_policy and compare every layer's output with the golden trace. */
async function layerDiff(policy: CompiledPolicy, design: CompiledPolicy, input: number[], rtlDir: string, sim: Simulator): Promise<LayerDiff[]> {
  const job = makeJob(policy, [input]);
  const r = await runBench({ bench: 'policy', rtlDirs: [rtlDir], toplevel: 'nicsched_policy', sim, buildDir: buildDirFor(design, 'policy', sim), job, testcases: ['test_trace'] });
  const traced = (r.results['trace'] as Array<{ layers: Array<number[] | null> }> | undefined)?.[0]?.layers ?? [];
  return new GoldenModel(policy.ir).trace(input).map((t, k) => {
    const got = traced[k] ?? null;
    return { layer: t.layer, expected: t.output, got, match: got !== null && got.join() === t.output.join() };
  });
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

function report(policy: CompiledPolicy, sim: Simulator, vectors: number[][], bulk: BulkResult, app: BenchResult, stream: BenchResult): SimulateReport {
  const comparison = compareVectors(bulk);
  const latency = numberOrNull((app.results['latency'] as { measured?: unknown } | undefined)?.measured);
  const ii = numberOrNull(stream.results['ii']);
  const benchTests = [...app.cases, ...stream.cases];
  const ok = comparison.failed === 0 && bulk.vectors === vectors.length && vectors.length > 0 && app.exitCode === 0 && stream.exitCode === 0 && latency === policy.ir.timing.latency && ii === policy.ir.timing.ii;
  if (benchTests.length === 0) throw new Error(`the simulation produced no results:\n${app.log.slice(-4000)}\n${stream.log.slice(-4000)}`);
  return {
    policy: policy.ir.name,
    policy_hash: policy.hash,
    simulator: sim,
    vectors: vectors.length,
    ...comparison,
    latency: { predicted: policy.ir.timing.latency, measured: latency },
    ii: { predicted: policy.ir.timing.ii, measured: ii },
    bulk: { rate: bulk.rate, seconds: bulk.seconds, ii: bulk.ii, latency: bulk.latency },
    bench_tests: benchTests,
    ok,
  };
}

export function formatReport(r: SimulateReport, clockMhz: number): string {
  const ns = (cycles: number | null) => (cycles === null ? 'n/a' : `${((cycles * 1000) / clockMhz).toFixed(1)} ns`);
  const lines = [
    `simulate ${r.policy} (${shortHash(r.policy_hash)}) in ${r.simulator}`,
    `  vectors   ${r.passed} passed, ${r.failed} failed (of ${r.vectors}, bit-exact against the golden model; Verilator bulk runner, ${Math.round(r.bulk.rate)} inferences/s)`,
    `  latency   ${r.latency.measured ?? 'n/a'} cycles measured, ${r.latency.predicted} predicted (${ns(r.latency.measured)} at ${clockMhz} MHz)`,
    `  II        ${r.ii.measured ?? 'n/a'} measured, ${r.ii.predicted} predicted`,
    `  benches   ${r.bench_tests.map((t) => `${t.name} ${t.passed ? 'ok' : 'FAILED'}`).join(', ')}`,
  ];
  if (r.first_failure) {
    const f = r.first_failure;
    lines.push(`  first mismatch: vector ${f.index} [${f.input.join(', ')}]`);
    lines.push(`    expected action ${f.expected.action ?? '-'} scores [${f.expected.scores.join(', ')}]`);
    lines.push(`    got      action ${f.got.action ?? '-'} scores [${f.got.scores?.join(', ') ?? 'none'}]`);
    for (const d of f.layers ?? []) {
      lines.push(`    layer ${d.layer}: golden [${d.expected.join(' ')}] rtl [${d.got?.join(' ') ?? 'none'}]${d.match ? '' : '   <-- differs'}`);
    }
  }
  for (const t of r.bench_tests.filter((c) => !c.passed && c.message)) lines.push(`  ${t.name}: ${t.message}`);
  lines.push(r.ok ? '  result    PASS' : '  result    FAIL');
  return lines.join('\n') + '\n';
}
