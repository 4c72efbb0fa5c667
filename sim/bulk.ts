/**
 * Bulk simulation: every vector through the policy's RTL in a Verilator C++ runner (sim/bulk/),
 * with no Python in the loop, compared with the golden model. The runner streams the vectors into
 * nicsched_policy + nicsched_argmax at the datapath's II and checks each output against the golden
 * answers written next to them (the CSV format of `nicsched compile`'s golden/). The slots and the
 * AXI-Lite register file around the datapath are the cocotb benches' concern (sim/bridge.ts).
 *
 * The runner is built by sim/bulk/build.sh (cached by content under ~/.cache/nicsched/bulk).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoldenModel, type LayerTrace } from '../codegen/golden/model.js';
import type { CompiledPolicy } from '../codegen/compiled.js';
import { formatIntCsv } from '../codegen/util/csv.js';
import { packagePath } from '../codegen/util/paths.js';

/** Mismatches reported in full (input, answers, golden per-layer trace); `failed` counts them all. */
export const BULK_MISMATCHES_REPORTED = 100;

export interface BulkAnswer {
  /** null when the head is scores (no action). */
  action: number | null;
  scores: number[];
}

export interface BulkMismatch {
  index: number;
  input: number[];
  expected: BulkAnswer;
  got: BulkAnswer;
  /** The golden model's output of every layer for this vector. */
  golden_trace: LayerTrace[];
}

export interface BulkResult {
  vectors: number;
  passed: number;
  failed: number;
  /** The first BULK_MISMATCHES_REPORTED mismatches, by vector index. */
  mismatches: BulkMismatch[];
  /** Clock cycles simulated, and the wall time of the simulation loop alone. */
  cycles: number;
  seconds: number;
  /** Inferences per second of wall time in the simulation loop. */
  rate: number;
  /** Cycles per accepted input, measured over the whole stream. */
  ii: number;
  /** in_valid to out_valid of the first vector (nicsched_policy's latency). */
  latency: number;
  runner: { path: string; cached: boolean };
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function keyValues(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!;
  }
  return values;
}

/** Build the runner for a compiled policy's rtl/ (or find it cached). */
export async function buildBulkRunner(rtlDir: string): Promise<{ path: string; cached: boolean }> {
  const r = await run('bash', [packagePath('sim', 'bulk', 'build.sh'), '--rtl-dir', rtlDir]);
  const kv = keyValues(r.stdout);
  if (r.code !== 0 || !kv['BULK_RUNNER']) throw new Error(`building the bulk runner for ${rtlDir} failed (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
  return { path: kv['BULK_RUNNER'], cached: kv['BULK_CACHED'] === '1' };
}

function parseMismatches(text: string, outputs: number): { index: number; got: BulkAnswer }[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .slice(0, BULK_MISMATCHES_REPORTED)
    .map((line) => {
      const cells = line.split(',').map(Number);
      if (cells.length !== 2 + outputs) throw new Error(`bulk runner: bad mismatch line "${line}"`);
      return { index: cells[0]!, got: { action: cells[1]! < 0 ? null : cells[1]!, scores: cells.slice(2) } };
    });
}

/**
 * Run `vectors` through the RTL in `rtlDir` and compare every output with `policy`'s golden model
 * (normally the policy the RTL was compiled from; a different one proves mismatches are caught).
 */
export async function runBulk(policy: CompiledPolicy, rtlDir: string, vectors: number[][]): Promise<BulkResult> {
  const runner = await buildBulkRunner(rtlDir);
  if (vectors.length === 0) return { vectors: 0, passed: 0, failed: 0, mismatches: [], cycles: 0, seconds: 0, rate: 0, ii: 0, latency: 0, runner };
  const model = new GoldenModel(policy.ir);
  const expected = vectors.map((v) => model.infer(v));
  const dir = mkdtempSync(join(tmpdir(), 'nicsched-bulk-'));
  try {
    const scoreNames = Array.from({ length: policy.ir.outputs }, (_, k) => `score${k}`);
    writeFileSync(
      join(dir, 'vectors.csv'),
      formatIntCsv(
        policy.ir.features.map((f) => f.name),
        vectors,
      ),
    );
    writeFileSync(
      join(dir, 'expected.csv'),
      formatIntCsv(
        ['action', ...scoreNames],
        expected.map((e) => [e.action ?? -1, ...e.scores]),
      ),
    );
    const mismatchFile = join(dir, 'mismatches.csv');
    const r = await run(runner.path, [join(dir, 'vectors.csv'), join(dir, 'expected.csv'), mismatchFile]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`bulk runner failed (exit ${r.code}): ${r.stderr.trim()}`);
    const kv = keyValues(r.stdout);
    const failed = Number(kv['MISMATCHES']);
    const mismatches = parseMismatches(readFileSync(mismatchFile, 'utf8'), policy.ir.outputs)
      .sort((a, b) => a.index - b.index)
      .map(({ index, got }) => ({ index, input: vectors[index]!, expected: expected[index]!, got, golden_trace: model.trace(vectors[index]!) }));
    return {
      vectors: Number(kv['VECTORS']),
      passed: Number(kv['VECTORS']) - failed,
      failed,
      mismatches,
      cycles: Number(kv['CYCLES']),
      seconds: Number(kv['SECONDS']),
      rate: Number(kv['RATE']),
      ii: Number(kv['II']),
      latency: Number(kv['LATENCY']),
      runner,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
