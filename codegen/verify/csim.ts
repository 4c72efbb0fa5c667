/**
 * The HLS verifier (`nicsched csim`): C simulation of the HLS backend's output without Xilinx tools. The generated
 * project goes to a temporary directory with the vectors and the golden model's answers; g++
 * builds the testbench against the real ap_int/ap_fixed headers (scripts/setup-hls.sh) with
 * -Wall -Wextra -Werror; the testbench compares every result bit for bit, and the results file it
 * writes is checked again here against the golden model, independently of the C++ comparison.
 */

import { shortHash } from '../ir/canonical.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmittedFile } from '../util/output.js';
import { emitHls } from '../backends/hls/hls-backend.js';
import { GoldenModel } from '../golden/model.js';
import type { CompiledPolicy } from '../compiled.js';
import { formatIntCsv, parseIntCsv } from '../util/csv.js';
import { inputError } from '../util/errors.js';
import { writeOutputDir } from '../util/output.js';
import { packagePath } from '../util/paths.js';
import { chooseVectors, type VectorChoice } from './vectors.js';

export interface CsimOptions extends VectorChoice {
  json?: boolean;
}

/** How the testbench is built. */
export interface CsimBuild {
  /** -fsanitize=undefined,address (no recovery). */
  sanitize?: boolean;
  /** Keep the work directory (its path is in the report). */
  keep?: boolean;
}

export interface CsimOutcome {
  action: number | null;
  scores: number[];
}

/** What the C++ testbench said: its exit code and its summary line `csim: N vectors, P passed, F failed`. */
export interface TestbenchVerdict {
  exit_code: number | null;
  summary: string | null;
  passed: number | null;
  failed: number | null;
}

export interface CsimReport {
  policy: string;
  policy_hash: string;
  vectors: number;
  /** Rows of the testbench's results file equal to the golden model (checked in TypeScript). */
  passed: number;
  failed: number;
  /** The C++ testbench's own verdict. */
  testbench: TestbenchVerdict;
  compiler: { command: string; warnings: string };
  seconds: { compile: number; run: number };
  first_failure?: { index: number; input: number[]; expected: CsimOutcome; got: CsimOutcome | null };
  work_dir?: string;
  ok: boolean;
}

/** Flags every csim build uses. The vendor headers come in with -isystem, so -Wall -Wextra apply to our code. */
export const CXX_FLAGS = ['-std=c++14', '-O2', '-Wall', '-Wextra', '-Werror'];
/**
 * The sanitizer build. ap_private.h sign-extends with `((int64_t)x << n) >> n`, which C++14/17
 * leave undefined when bits leave the type and C++20 defines (modular). Building it as C++20 keeps
 * every UBSan check on for our code without tripping over that vendor idiom.
 */
const SANITIZE_FLAGS = ['-std=c++20', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=undefined,address', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];

const TB_SOURCES = ['nicsched_policy.cpp', 'nicsched_tb.cpp'];

function cacheDir(): string {
  return process.env['NICSCHED_CACHE'] ?? join(homedir(), '.cache', 'nicsched');
}

/**
 * The ap_types headers' directory: $NICSCHED_AP_TYPES, or the cache, set up by
 * scripts/setup-hls.sh (idempotent; downloads the hls4ml wheel once) when it is not there yet.
 */
export function apTypesDir(): string {
  const explicit = process.env['NICSCHED_AP_TYPES'];
  if (explicit) {
    if (!existsSync(join(explicit, 'ap_fixed.h'))) throw inputError(`NICSCHED_AP_TYPES=${explicit} has no ap_fixed.h`, {}, 'point it at the ap_types headers or unset it');
    return explicit;
  }
  const dir = join(cacheDir(), 'ap_types');
  if (existsSync(join(dir, '.nicsched-ap-types')) && existsSync(join(dir, 'ap_fixed.h'))) return dir;
  const setup = spawnSync('bash', [packagePath('scripts/setup-hls.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (setup.status !== 0) {
    throw inputError(`cannot set up the ap_int/ap_fixed headers: ${(setup.stderr || setup.error?.message || '').trim()}`, {}, 'run scripts/setup-hls.sh (it needs PyPI once)');
  }
  return setup.stdout.trim().split('\n').pop()!;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ProcessResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(err.message.includes('ENOENT') ? inputError(`${cmd} not found`, {}, 'install g++ (scripts/setup.sh does)') : err));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - start) / 1000 }));
  });
}

/**
 * g++ through ccache when it is installed (scripts/setup.sh installs it): every csim build happens
 * in a new temporary directory, so paths are made relative to it (CCACHE_BASEDIR) and the
 * directory is left out of the hash; the same sources and flags then hit the cache, warnings
 * included.
 */
function compilerFor(workDir: string): { cmd: string; prefix: string[]; env: NodeJS.ProcessEnv } {
  const ccache = spawnSync('ccache', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!ccache) return { cmd: 'g++', prefix: [], env: process.env };
  return { cmd: 'ccache', prefix: ['g++'], env: { ...process.env, CCACHE_BASEDIR: workDir, CCACHE_NOHASHDIR: 'true' } };
}

/** Compile the two sources in parallel, then link. Any warning is an error (-Werror). */
async function buildTestbench(hlsDir: string, build: CsimBuild = {}): Promise<{ exe: string; command: string; warnings: string; seconds: number }> {
  const flags = [...(build.sanitize ? SANITIZE_FLAGS : CXX_FLAGS), '-isystem', apTypesDir(), '-I', hlsDir];
  const start = performance.now();
  const gxx = compilerFor(hlsDir);
  const compiled = await Promise.all(TB_SOURCES.map((src) => run(gxx.cmd, [...gxx.prefix, ...flags, '-c', src, '-o', `${src}.o`], hlsDir, gxx.env)));
  const link = compiled.every((c) => c.code === 0) ? await run('g++', [...flags, ...TB_SOURCES.map((s) => `${s}.o`), '-o', 'nicsched_tb'], hlsDir) : undefined;
  const warnings = [...compiled, ...(link ? [link] : [])].map((c) => c.stderr).join('');
  if (!link || link.code !== 0) throw new Error(`g++ failed to build the HLS testbench in ${hlsDir}:\n${warnings.slice(0, 8000)}`);
  return { exe: join(hlsDir, 'nicsched_tb'), command: `g++ ${flags.join(' ')}`, warnings, seconds: (performance.now() - start) / 1000 };
}

function expectedRows(policy: CompiledPolicy, vectors: number[][]): number[][] {
  const model = new GoldenModel(policy.ir);
  return vectors.map((v) => {
    const r = model.infer(v);
    return [r.action ?? -1, ...r.scores];
  });
}

function csvHeaders(policy: CompiledPolicy): { features: string[]; results: string[] } {
  return {
    features: policy.ir.features.map((f) => f.name),
    results: ['action', ...Array.from({ length: policy.ir.outputs }, (_, k) => `score${k}`)],
  };
}

/** Re-check the testbench's results.csv against the golden model. */
function compareResults(policy: CompiledPolicy, vectors: number[][], resultsFile: string): Pick<CsimReport, 'passed' | 'failed' | 'first_failure'> {
  const rows = existsSync(resultsFile) ? parseIntCsv(readFileSync(resultsFile, 'utf8'), resultsFile).rows : [];
  const expected = expectedRows(policy, vectors);
  const outcome = (row: number[] | undefined): CsimOutcome | null => (row ? { action: row[0] === -1 ? null : row[0]!, scores: row.slice(1) } : null);
  let passed = 0;
  let firstFailure: CsimReport['first_failure'];
  expected.forEach((want, index) => {
    const got = rows[index];
    if (got && got.length === want.length && got.every((v, k) => v === want[k])) passed++;
    else firstFailure ??= { index, input: vectors[index]!, expected: outcome(want)!, got: outcome(got) };
  });
  return { passed, failed: vectors.length - passed, ...(firstFailure ? { first_failure: firstFailure } : {}) };
}

function testbenchVerdict(code: number | null, stdout: string): TestbenchVerdict {
  const m = /^csim: (\d+) vectors, (\d+) passed, (\d+) failed$/m.exec(stdout);
  return m ? { exit_code: code, summary: m[0], passed: Number(m[2]), failed: Number(m[3]) } : { exit_code: code, summary: null, passed: null, failed: null };
}

/**
 * Build and run the HLS testbench on `vectors`. `files` are the HLS backend's files (default: what
 * it emits for the policy; a test passes deliberately wrong ones).
 */
export async function csimVectors(policy: CompiledPolicy, vectors: number[][], build: CsimBuild = {}, files: EmittedFile[] = emitHls(policy)): Promise<CsimReport> {
  const work = mkdtempSync(join(tmpdir(), `nicsched-csim-${policy.ir.name}-`));
  const out = join(work, 'out');
  const headers = csvHeaders(policy);
  writeOutputDir(out, [...files, { path: 'golden/vectors.csv', contents: formatIntCsv(headers.features, vectors) }, { path: 'golden/expected.csv', contents: formatIntCsv(headers.results, expectedRows(policy, vectors)) }], `${policy.hash}\n`);
  const hlsDir = join(out, 'hls');
  try {
    const tb = await buildTestbench(hlsDir, build);
    const results = join(hlsDir, 'results.csv');
    const ran = await run(tb.exe, [join(out, 'golden/vectors.csv'), join(out, 'golden/expected.csv'), results], hlsDir);
    const testbench = testbenchVerdict(ran.code, ran.stdout);
    if (testbench.summary === null) throw new Error(`the HLS testbench printed no summary (exit ${ran.code}):\n${ran.stdout.slice(-4000)}${ran.stderr.slice(-4000)}`);
    const comparison = compareResults(policy, vectors, results);
    const ok = comparison.failed === 0 && vectors.length > 0 && ran.code === 0 && testbench.passed === vectors.length;
    return {
      policy: policy.ir.name,
      policy_hash: policy.hash,
      vectors: vectors.length,
      ...comparison,
      testbench,
      compiler: { command: tb.command, warnings: tb.warnings },
      seconds: { compile: tb.seconds, run: ran.seconds },
      ...(build.keep ? { work_dir: work } : {}),
      ok,
    };
  } finally {
    if (!build.keep) rmSync(work, { recursive: true, force: true });
  }
}

export async function csim(policy: CompiledPolicy, opts: CsimOptions, build: CsimBuild = {}): Promise<CsimReport> {
  return csimVectors(policy, chooseVectors(policy, opts), build);
}

function describeOutcome(o: CsimOutcome | null): string {
  return o ? `action ${o.action ?? '-'} scores [${o.scores.join(', ')}]` : 'nothing';
}

export function formatCsimReport(r: CsimReport, policy: CompiledPolicy): string {
  const lines = [
    `csim ${r.policy} (${shortHash(r.policy_hash)}): ${r.compiler.command.replace(/ -isystem .*/, '')}`,
    `  vectors   ${r.passed} passed, ${r.failed} failed (of ${r.vectors}, bit-exact against the golden model)`,
    `  testbench ${r.testbench.summary ?? 'no summary'} (exit ${r.testbench.exit_code ?? 'signal'})`,
    `  time      compile ${r.seconds.compile.toFixed(1)} s, run ${r.seconds.run.toFixed(2)} s`,
  ];
  if (r.first_failure) {
    const f = r.first_failure;
    lines.push(`  first mismatch: vector ${f.index} [${f.input.join(', ')}]`);
    lines.push(`    expected ${describeOutcome(f.expected)}`);
    lines.push(`    got      ${describeOutcome(f.got)}`);
    for (const t of new GoldenModel(policy.ir).trace(f.input)) {
      lines.push(`    golden layer ${t.layer}: acc [${t.acc.join(' ')}] out [${t.output.join(' ')}]`);
    }
  }
  if (r.work_dir) lines.push(`  work dir  ${r.work_dir}`);
  lines.push(r.ok ? '  result    PASS' : '  result    FAIL');
  return lines.join('\n') + '\n';
}
