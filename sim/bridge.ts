/**
 * The TypeScript ↔ cocotb bridge. A bench run is: write a job file (policy facts, vectors, the
 * golden model's answers), run sim/run_bench.py through child_process with the project venv, read
 * cocotb's results.xml and the bench's JSON results back.
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GoldenModel } from '../codegen/golden/model.js';
import { policyHash32, shortHash } from '../codegen/ir/canonical.js';
import type { CompiledPolicy } from '../codegen/compiled.js';
import { outputFormat } from '../codegen/ir/ir.js';
import { packagePath } from '../codegen/util/paths.js';
import { regmapJson } from '../codegen/regmap/export-json.js';

export type Simulator = 'verilator' | 'icarus';
export type BenchName = 'app' | 'policy' | 'dense';

export interface PolicyFacts {
  inputs: number;
  outputs: number;
  in_bits: number;
  in_signed: boolean;
  out_bits: number;
  out_signed: boolean;
  head: 'argmax' | 'scores';
  slots: number;
  hash32: number;
  latency: number;
  /** Latency of nicsched_policy alone (in_valid → out_valid). */
  pipeline_latency: number;
  ii: number;
}

export interface Expected {
  action: number;
  scores: number[];
}

export interface SimJob {
  policy: PolicyFacts;
  vectors: number[][];
  expected: Expected[];
  /** Output width and signedness of every layer, to read nicsched_policy's l<k>_data wires. */
  trace_layers: { units: number; bits: number; signed: boolean }[];
  fuzz?: { seed: number; ops: number };
  /** The register model (regmap.json shape): the benches derive every address from it. */
  regmap: object;
  /** test_reload: the shadow-bank write sequence (reloadPlan) and the golden results after COMMIT. */
  reload?: { writes: { address: number; value: number }[]; shadow_hash: number; expected_after_reload: Expected[] };
}

export interface BenchRequest<Job extends object = SimJob> {
  bench: BenchName;
  rtlDirs: string[];
  toplevel: string;
  sim: Simulator;
  buildDir: string;
  job: Job;
  /** Toplevel parameters set at build time (run_bench.py --param NAME=VALUE). */
  parameters?: Readonly<Record<string, number>>;
  testcases?: string[];
  waves?: string;
  seed?: number;
}

export interface TestCaseResult {
  name: string;
  passed: boolean;
  message?: string;
}

export interface BenchResult {
  exitCode: number;
  /** The bench's JSON results (shape documented in sim/benches/test_<bench>.py). */
  results: Record<string, unknown>;
  cases: TestCaseResult[];
  log: string;
  /** Removed after a passing run; kept (with job.json, results.xml, log.txt) after a failing one. */
  resultsFile: string;
}

function policyFacts(policy: CompiledPolicy): PolicyFacts {
  const { ir } = policy;
  const out = outputFormat(ir);
  return {
    inputs: ir.features.length,
    outputs: ir.outputs,
    in_bits: ir.input_format.bits,
    in_signed: ir.input_format.signed,
    out_bits: out.bits,
    out_signed: out.signed,
    head: ir.head,
    slots: ir.target.slots,
    hash32: policyHash32(policy.hash),
    latency: ir.timing.latency,
    pipeline_latency: ir.timing.layer_latency.reduce((a, b) => a + b, 0),
    ii: ir.timing.ii,
  };
}

export function makeJob(policy: CompiledPolicy, vectors: number[][], fuzz?: SimJob['fuzz']): SimJob {
  const model = new GoldenModel(policy.ir);
  const expected = vectors.map((v) => {
    const r = model.infer(v);
    return { action: r.action ?? 0, scores: r.scores };
  });
  const traceLayers = policy.ir.layers.map((l) => ({ units: l.units, bits: l.output_format.bits, signed: l.output_format.signed }));
  return { policy: policyFacts(policy), vectors, expected, trace_layers: traceLayers, regmap: regmapJson(policy.regmap), ...(fuzz ? { fuzz } : {}) };
}

/** Build directories live outside the clone, keyed by what they were built from. */
export function buildDirFor(policy: CompiledPolicy, bench: BenchName, sim: Simulator): string {
  const base = process.env['NICSCHED_CACHE'] ?? join(homedir(), '.cache', 'nicsched');
  return join(base, 'sim', `${policy.ir.name}-${shortHash(policy.hash)}-${bench}-${sim}`);
}

export function pythonPath(): string {
  return packagePath('.venv', 'bin', 'python');
}

/** A bench build, without a run: what a prebuild phase needs to warm the cache. */
export type BenchBuild = Pick<BenchRequest, 'bench' | 'rtlDirs' | 'toplevel' | 'sim' | 'buildDir'>;

/** Build a bench's simulator (or find it cached). Resolves to the build log; rejects when it fails. */
export async function buildBench(req: BenchBuild): Promise<{ cached: boolean; log: string }> {
  if (!existsSync(pythonPath())) throw new Error(`no simulation venv at ${pythonPath()}: run scripts/setup.sh`);
  const args = [packagePath('sim', 'run_bench.py'), '--bench', req.bench, ...req.rtlDirs.flatMap((d) => ['--rtl-dir', d]), '--toplevel', req.toplevel, '--sim', req.sim, '--build-dir', req.buildDir, '--build-only'];
  const { code, log } = await run(pythonPath(), args);
  if (code !== 0) throw new Error(`building ${req.toplevel} (${req.bench}, ${req.sim}) failed (exit ${code}):\n${log.slice(-3000)}`);
  return { cached: /build cached/.test(log), log };
}

let runCounter = 0;

export async function runBench<Job extends object>(req: BenchRequest<Job>): Promise<BenchResult> {
  // Job, results and JUnit files are per call, in <build-dir>.runs/<tag>/: several runs (tests in
  // parallel, other clones) may share a build dir, which run_bench.py locks while it builds and
  // runs (and wipes before a rebuild). A passing run's files are removed; a failing run's stay.
  const key = createHash('sha256')
    .update(JSON.stringify([req.bench, req.testcases ?? [], req.seed ?? 0]))
    .digest('hex')
    .slice(0, 8);
  const runDir = join(`${req.buildDir}.runs`, `${key}-${process.pid}-${++runCounter}`);
  mkdirSync(runDir, { recursive: true });
  const jobFile = join(runDir, 'job.json');
  const resultsFile = join(runDir, 'results.json');
  writeFileSync(jobFile, JSON.stringify(req.job));
  const args = [
    packagePath('sim', 'run_bench.py'),
    '--bench',
    req.bench,
    ...req.rtlDirs.flatMap((d) => ['--rtl-dir', d]),
    '--toplevel',
    req.toplevel,
    '--sim',
    req.sim,
    '--build-dir',
    req.buildDir,
    '--job',
    jobFile,
    '--results',
    resultsFile,
    ...(req.testcases ?? []).flatMap((t) => ['--testcase', t]),
    ...Object.entries(req.parameters ?? {}).flatMap(([name, value]) => ['--param', `${name}=${value}`]),
    ...(req.waves ? ['--waves', req.waves] : []),
    ...(req.seed !== undefined ? ['--seed', String(req.seed)] : []),
  ];
  if (!existsSync(pythonPath())) throw new Error(`no simulation venv at ${pythonPath()}: run scripts/setup.sh`);
  const { code, log } = await run(pythonPath(), args);
  writeFileSync(join(runDir, 'log.txt'), log);
  const results = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
  const xml = join(runDir, 'results.xml');
  const cases = existsSync(xml) ? parseJunit(readFileSync(xml, 'utf8')) : [];
  if (code === 0) rmSync(runDir, { recursive: true, force: true });
  return { exitCode: code, results, cases, log, resultsFile };
}

function run(cmd: string, args: string[]): Promise<{ code: number; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, log: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** cocotb's JUnit XML: one <testcase name=…> per test, with a <failure> child when it failed. */
function parseJunit(xml: string): TestCaseResult[] {
  const cases: TestCaseResult[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const name = /\bname="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '?';
    const body = m[3] ?? '';
    const failure = /<(failure|error)\b([^>]*)/.exec(body);
    const message = failure ? /\bmessage="([^"]*)"/.exec(failure[2] ?? '')?.[1] : undefined;
    cases.push({ name, passed: !failure, ...(message ? { message } : {}) });
  }
  return cases;
}
