/**
 * `nicsched import`: ONNX models built here with the Python onnx package (test/fixtures/onnx_models.py),
 * decoded, imported, compiled and run through `nicsched predict`, against onnx.reference.
 *
 * The round trip compares every score with a per-vector error bound derived from the formats
 * (docs/IMPORT.md, "How close"): weights off by at most half a weight step, biases by half an
 * accumulator step, each requantize by half an output step, relu 1-Lipschitz, no saturation, plus
 * float32 rounding of the reference. The float weights in the bound come from the builder's sidecar,
 * not from the importer, so a transposed or mis-scaled import cannot hide inside it.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeModel } from '../../codegen/import/onnx-proto.js';
import { extractNetwork } from '../../codegen/import/onnx-graph.js';
import { tensorValues } from '../../codegen/import/onnx-tensor.js';
import { loadPolicy } from '../../codegen/policy.js';
import type { IrLayer } from '../../codegen/ir/ir.js';
import { InputError } from '../../codegen/util/errors.js';
import { cli, ROOT, tempDir, writeTemp } from '../helpers.js';

const PYTHON = join(ROOT, '.venv/bin/python');
const HELPER = join(ROOT, 'test/fixtures/onnx_models.py');
const FEATURES8 = 'wait_ns_log2,exec_ns_log2,nvcsw_delta,nivcsw_delta,util_avg,nr_migrations_delta,nice,wakee_flips';
const FEATURES6 = 'wait=wait_ns_log2,run=exec_ns_log2,nvcsw_delta,nivcsw_delta,util_avg,nice';

interface SidecarLayer {
  weights: number[][];
  bias: number[];
  activation: string;
}

function build(kind: string, dir: string, seed = 1): string {
  const file = join(dir, `${kind}.onnx`);
  execFileSync(PYTHON, [HELPER, 'build', kind, file, '--seed', String(seed)]);
  return file;
}

function sidecar(model: string): SidecarLayer[] {
  return (JSON.parse(readFileSync(`${model}.json`, 'utf8')) as { layers: SidecarLayer[] }).layers;
}

function reference(model: string, csv: string): { dtype: string; outputs: number[][] } {
  const out = `${csv}.ref.json`;
  execFileSync(PYTHON, [HELPER, 'eval', model, csv, out]);
  return JSON.parse(readFileSync(out, 'utf8')) as { dtype: string; outputs: number[][] };
}

/** Seeded integer vectors (mulberry32) in [0, max]. */
function vectors(count: number, width: number, max: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Array.from({ length: width }, () => Math.floor(next() * (max + 1))));
}

interface Trace {
  layer: number;
  activated: number[];
  output: number[];
}

/**
 * Per-score bound on |quantized − float| for one vector (docs/IMPORT.md, "How close"). For layer l
 * and unit j, with x̂ the quantized layer input and E_i its bound:
 *   E_j = Σ_i |W_ji|·E_i + Σ_i |ΔW_ji|·|x̂_i| + |Δb_j| + [shift > 0] 2^-(of+1) + float rounding,
 * where ΔW = Ŵ − W and Δb = b̂ − b, capped at half a step of their formats (2^-(wf+1), 2^-(af+1);
 * `quantizedWithinHalfStep` checks the cap is never needed for a correct import), W and b are the builder's floats (not the importer's), and the float
 * rounding of the reference is (n+3)·u·(Σ_i |W_ji|(|x̂_i| + E_i) + |b_j|) for unit roundoff u.
 * Saturation would break the bound, so the test checks that none happened.
 */
function scoreBounds(layers: SidecarLayer[], ir: IrLayer[], input: number[], trace: Trace[], u: number): number[] {
  let x = input.map((v) => v * 2 ** -ir[0]!.input_format.frac);
  let e = input.map(() => 0);
  ir.forEach((l, k) => {
    const { weights, bias } = layers[k]!;
    const t = trace[k]!;
    const wStep = 2 ** -l.weight_format.frac;
    const bStep = 2 ** -l.accumulator.frac;
    const dr = l.shift > 0 ? 2 ** -(l.output_format.frac + 1) : 0;
    expect(t.output).toEqual(t.activated.map((a) => (l.shift > 0 ? Math.floor((a + 2 ** (l.shift - 1)) / 2 ** l.shift) : a * 2 ** -l.shift))); // no saturation
    e = weights.map((row, j) => {
      const db = Math.min(Math.abs(l.bias[j]! * bStep - bias[j]!), bStep / 2);
      const carried = row.reduce((s, w, i) => s + Math.abs(w) * e[i]!, 0);
      const magnitude = row.reduce((s, w, i) => s + Math.abs(w) * (Math.abs(x[i]!) + e[i]!), Math.abs(bias[j]!));
      const weightError = row.reduce((s, w, i) => {
        const dw = Math.min(Math.abs(l.weights[j]![i]! * wStep - w), wStep / 2);
        return s + dw * Math.abs(x[i]!);
      }, 0);
      return (carried + weightError + db + dr + (row.length + 3) * u * magnitude) * (1 + 1e-12);
    });
    x = t.output.map((q) => q * 2 ** -l.output_format.frac);
  });
  return e;
}

/** Every quantized weight and bias is within half a step of the builder's float (no clamping, right orientation). */
function quantizedWithinHalfStep(layers: SidecarLayer[], ir: IrLayer[]): void {
  ir.forEach((l, k) => {
    const wStep = 2 ** -l.weight_format.frac;
    const bStep = 2 ** -l.accumulator.frac;
    const worstW = Math.max(...layers[k]!.weights.flatMap((row, j) => row.map((w, i) => Math.abs(l.weights[j]![i]! * wStep - w))));
    const worstB = Math.max(...layers[k]!.bias.map((b, j) => Math.abs(l.bias[j]! * bStep - b)));
    expect(worstW, `layer ${k} weights`).toBeLessThanOrEqual(wStep / 2);
    expect(worstB, `layer ${k} bias`).toBeLessThanOrEqual(bStep / 2);
  });
}

interface RoundTrip {
  vectors: number;
  maxError: number;
  maxBound: number;
  worstRatio: number;
  violations: number;
  decided: number;
  decidedAgree: number;
  agree: number;
  spread: number;
}

async function roundTrip(model: string, layers: SidecarLayer[], policyFile: string, inputs: number[][], names: string[]): Promise<RoundTrip> {
  const dir = tempDir();
  const csv = writeTemp('v.csv', [names.join(','), ...inputs.map((v) => v.join(','))].join('\n') + '\n', dir);
  const ref = reference(model, csv);
  const policy = loadPolicy(policyFile);
  expect(policy.quantization.every((q) => q.clamped === 0)).toBe(true);
  const r = await cli('predict', policyFile, '--input', csv, '--json', '--trace');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { results: { action: number | null; scores: number[] }[]; traces: Trace[][] };
  const u = ref.dtype === 'float64' ? 2 ** -53 : 2 ** -24;
  const outFrac = policy.ir.layers[policy.ir.layers.length - 1]!.output_format.frac;
  const stats: RoundTrip = { vectors: inputs.length, maxError: 0, maxBound: 0, worstRatio: 0, violations: 0, decided: 0, decidedAgree: 0, agree: 0, spread: 0 };
  const all: number[] = [];
  inputs.forEach((v, n) => {
    const y = ref.outputs[n]!;
    const q = doc.results[n]!.scores.map((s) => s * 2 ** -outFrac);
    const bound = scoreBounds(layers, policy.ir.layers, v, doc.traces[n]!, u);
    y.forEach((yj, j) => {
      const err = Math.abs(q[j]! - yj);
      stats.maxError = Math.max(stats.maxError, err);
      stats.maxBound = Math.max(stats.maxBound, bound[j]!);
      stats.worstRatio = Math.max(stats.worstRatio, err / bound[j]!);
      if (err > bound[j]!) stats.violations++;
      all.push(yj);
    });
    const top = argmaxOf(y);
    const margin = y[top]! - Math.max(...y.filter((_, j) => j !== top));
    const agrees = argmaxOf(doc.results[n]!.scores) === top;
    if (agrees) stats.agree++;
    if (margin > 2 * Math.max(...bound)) {
      stats.decided++;
      if (agrees) stats.decidedAgree++;
    }
  });
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  stats.spread = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  return stats;
}

function argmaxOf(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
}

async function importModel(model: string, ...flags: string[]): Promise<{ out: string; code: number; stdout: string; stderr: string }> {
  const out = join(tempDir(), 'policy.yaml');
  const r = await cli('import', model, '-o', out, ...flags);
  return { out, ...r };
}

describe('ONNX protobuf subset', () => {
  it('decodes a hand-written message and refuses truncated bytes with the offset', () => {
    // Model { producer_name (2) = "x", graph (7) = { name (2) = "g" } }
    const bytes = Uint8Array.from([0x12, 0x01, 0x78, 0x3a, 0x03, 0x12, 0x01, 0x67]);
    const m = decodeModel(bytes, 'm.onnx');
    expect(m.producer_name).toBe('x');
    expect(m.graph?.name).toBe('g');
    expect(m.graph?.node).toEqual([]);
    expect(() => decodeModel(bytes.subarray(0, 6), 'm.onnx')).toThrow(/m\.onnx: not a valid ONNX model: the protobuf is truncated or corrupt \(index out of range: \d+ \+ \d+ > 6; file has 6 bytes\)/);
    expect(() => decodeModel(new Uint8Array(0), 'm.onnx')).toThrow(InputError);
  });

  it('reads producer, opset, nodes and initializers of an onnx.helper model', () => {
    const model = build('torch', tempDir());
    const m = decodeModel(readFileSync(model), model);
    expect(m.producer_name).toBe('pytorch');
    expect(m.producer_version).toBe('2.5.1');
    expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(m.ir_version).toBeGreaterThanOrEqual(8);
    expect(m.graph!.node.map((n) => n.op_type)).toEqual(['Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    expect(m.graph!.node[3]!.attribute.find((a) => a.name === 'alpha')?.f).toBe(0.5);
    expect(m.graph!.node[3]!.attribute.find((a) => a.name === 'transB')?.i).toBe(1);
    expect(m.graph!.input[0]!.type?.tensor_type?.shape?.dim).toEqual([{ dim_param: 'N' }, { dim_value: 2 }, { dim_value: 4 }]);
  });

  it('raw_data and float_data initializers give the same float32 values; float64 and int64 decode', () => {
    const dir = tempDir();
    const raw = decodeModel(readFileSync(build('torch', dir)), 'raw').graph!.initializer;
    const typed = decodeModel(readFileSync(build('torch_float_data', dir)), 'typed').graph!.initializer;
    expect(raw[0]!.raw_data?.length).toBe(16 * 8 * 4);
    expect(typed[0]!.raw_data).toBeUndefined();
    expect(typed[0]!.float_data).toHaveLength(16 * 8);
    expect(raw.map(tensorValues)).toEqual(typed.map(tensorValues));
    const w0 = sidecar(join(dir, 'torch.onnx'))[0]!.weights.flat();
    expect(tensorValues(raw[0]!).values).toEqual(w0); // builder's float32 values, exactly
    const keras = decodeModel(readFileSync(build('keras', dir)), 'keras').graph!.initializer;
    expect(tensorValues(keras[0]!)).toEqual({ name: 'shape', dims: [2], values: [-1, 6] }); // INT64 raw_data
    const double = decodeModel(readFileSync(build('double', dir)), 'double').graph!.initializer;
    expect(double.map((t) => t.data_type)).toEqual([11, 11, 11]);
    expect(double[1]!.double_data).toHaveLength(10); // DOUBLE in double_data
    const w = sidecar(join(dir, 'double.onnx'))[0]!.weights; // [5 units][4 inputs]; MatMul stores [4][5]
    expect(tensorValues(double[0]!)).toEqual({ name: 'w0', dims: [4, 5], values: [0, 1, 2, 3].flatMap((i) => w.map((row) => row[i]!)) });
  });
});

describe('layer extraction', () => {
  for (const kind of ['torch', 'torch_float_data', 'keras', 'keras_raw', 'double']) {
    it(`${kind}: weights [units][inputs], bias and activation match the builder`, () => {
      const model = build(kind, tempDir());
      const net = extractNetwork(decodeModel(readFileSync(model), model).graph!, model);
      const expected = sidecar(model);
      expect(net.layers.map((l) => ({ weights: l.weights, bias: l.bias, activation: l.activation }))).toEqual(expected);
    });
  }
});

describe('round trip: onnx.reference vs nicsched predict on the imported policy', () => {
  const cases = [
    { kind: 'torch', flags: ['--features', FEATURES8, '--input-format', 'u6.0', '--actions', 'keep,boost:-3,demote:2', '--weight-bits', '12'], max: 63, width: 8, seed: 11 },
    { kind: 'keras', flags: ['--features', FEATURES6, '--input-format', 'u6.0', '--actions', 'a,b,c,d'], max: 63, width: 6, seed: 12 },
    { kind: 'double', flags: ['--features', 'wait_ns_log2,exec_ns_log2,nvcsw_delta,nivcsw_delta', '--head', 'scores', '--weight-bits', '10'], max: 255, width: 4, seed: 13 },
  ];
  for (const c of cases) {
    it(`${c.kind}: 600 seeded vectors, every score within its bound, argmax agrees where the margin exceeds twice the bound`, async () => {
      const model = build(c.kind, tempDir());
      const imported = await importModel(model, ...c.flags);
      expect(imported.code, imported.stderr).toBe(0);
      const policy = loadPolicy(imported.out);
      const names = policy.ir.features.map((f) => f.name);
      quantizedWithinHalfStep(sidecar(model), policy.ir.layers);
      const stats = await roundTrip(model, sidecar(model), imported.out, vectors(600, c.width, c.max, c.seed), names);
      console.log(`import round trip ${c.kind}: ${JSON.stringify(stats)}`);
      expect(stats.violations).toBe(0);
      expect(stats.decidedAgree).toBe(stats.decided);
      // Not vacuous: the bound is below the spread of the scores and decides most vectors' argmax
      // (the negative control below shows the score check failing).
      expect(stats.maxBound).toBeLessThan(stats.spread);
      expect(stats.decided).toBeGreaterThan(0.5 * stats.vectors);
    });
  }

  it('torch with the default 8-bit weights: still within the bound (too loose there to decide most argmaxes)', async () => {
    const model = build('torch', tempDir());
    const imported = await importModel(model, '--features', FEATURES8, '--input-format', 'u6.0', '--actions', 'keep,boost:-3,demote:2');
    expect(imported.code, imported.stderr).toBe(0);
    const policy = loadPolicy(imported.out);
    quantizedWithinHalfStep(sidecar(model), policy.ir.layers);
    const stats = await roundTrip(
      model,
      sidecar(model),
      imported.out,
      vectors(600, 8, 63, 11),
      policy.ir.features.map((f) => f.name),
    );
    console.log(`import round trip torch 8-bit weights: ${JSON.stringify(stats)}`);
    expect(stats.violations).toBe(0);
    expect(stats.decidedAgree).toBe(stats.decided);
  });

  it('the same check fails against a different model (negative control)', async () => {
    const dir = tempDir();
    const model = build('torch', dir, 1);
    const other = build('torch', tempDir(), 2);
    const imported = await importModel(other, '--features', FEATURES8, '--actions', 'keep,boost:-3,demote:2');
    expect(imported.code).toBe(0);
    const names = loadPolicy(imported.out).ir.features.map((f) => f.name);
    const stats = await roundTrip(model, sidecar(model), imported.out, vectors(100, 8, 255, 5), names);
    expect(stats.violations).toBeGreaterThan(50);
  });
});

describe('nicsched import: output', () => {
  it('writes a schema-valid policy with a header naming the source, its sha256, producer and opset', async () => {
    const model = build('torch', tempDir());
    const r = await importModel(model, '--features', FEATURES8, '--actions', 'keep,boost:-3,demote:2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(r.out, 'utf8');
    const sha = createHash('sha256').update(readFileSync(model)).digest('hex');
    expect(text).toMatch(/^# Imported by `nicsched import` from torch\.onnx\n/);
    expect(text).toContain(`# sha256 ${sha}\n`);
    expect(text).toMatch(/# producer pytorch 2\.5\.1; ONNX IR version \d+; opset ai\.onnx 17\n/);
    expect(text).toContain('# network 8 -> 16 -> 8 -> 3; layers from nodes: /fc0/Gemm+/act0/Relu | /fc1/Gemm+/act1/Relu | /fc2/Gemm\n');
    const doc = parse(text) as { name: string; layers: { quantize: boolean; weight_format: unknown; output_format: unknown }[] };
    expect(doc.name).toBe('torch');
    expect(doc.layers.every((l) => l.quantize)).toBe(true);
    // Layer 0: max |w| < 1 with 8 bits → s8.7; its output range over u8.0 inputs needs u16 at a coarser frac.
    const json = JSON.parse(r.stdout) as { source: { sha256: string; opset: number }; policy_hash: string; layers: { weight_format: string; output_format: string }[]; quantization: { clamped: number }[] };
    expect(json.source).toMatchObject({ sha256: sha, opset: 17 });
    expect(json.policy_hash).toBe(loadPolicy(r.out).hash);
    expect(json.layers.map((l) => l.output_format)).toEqual(
      doc.layers
        .map((l) => l.output_format)
        .map((f) => {
          const g = f as { bits: number; frac: number; signed: boolean };
          return `${g.signed ? 's' : 'u'}${g.bits}.${g.frac}`;
        }),
    );
    expect(json.quantization.every((q) => q.clamped === 0)).toBe(true);
    const check = await cli('check', r.out);
    expect(check.code).toBe(0);
    expect(readdirSync(join(r.out, '..'))).toEqual(['policy.yaml']); // atomic: no temp file left
  });

  it('takes features, actions, target, hook and per-layer formats from a template; flags win', async () => {
    const dir = tempDir();
    const model = build('keras', dir);
    const template = writeTemp(
      't.yaml',
      [
        'name: from_template',
        'features: [{ name: a, source: wait_ns_log2 }, { name: b, source: exec_ns_log2 }, { name: c, source: nvcsw_delta }, { name: d, source: nivcsw_delta }, { name: e, source: util_avg }, { name: f, source: nice }]',
        'input: { bits: 6, frac: 0, signed: false }',
        'head: scores',
        'target: { board: au50, reuse: 2 }',
        'hook: { points: [tick], decision_ttl_ms: 50 }',
        'layers:',
        '  - { weight_format: { bits: 10, frac: 9, signed: true } }',
        '  - { output_format: { bits: 12, frac: 3, signed: true } }',
        '',
      ].join('\n'),
      dir,
    );
    const r = await importModel(model, '--spec-overrides', template, '--name', 'flag_name', '--slots', '8');
    expect(r.code, r.stderr).toBe(0);
    const ir = loadPolicy(r.out).ir;
    expect(ir.name).toBe('flag_name');
    expect(ir.features.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(ir.head).toBe('scores');
    expect(ir.target).toMatchObject({ board: 'au50', reuse: 2, slots: 8 });
    expect(ir.hook).toMatchObject({ points: ['tick'], decision_ttl_ms: 50 });
    expect(ir.layers[0]!.weight_format).toEqual({ bits: 10, frac: 9, signed: true });
    expect(ir.layers[1]!.output_format).toEqual({ bits: 12, frac: 3, signed: true });
  });

  it('refuses bad templates and flags at their place, and leaves an existing output untouched', async () => {
    const dir = tempDir();
    const model = build('keras', dir);
    const out = writeTemp('policy.yaml', 'keep me\n', dir);
    const cases: Array<[string[], RegExp]> = [
      [['--spec-overrides', writeTemp('t.yaml', 'features: []\nlayers:\n  - { units: 3 }\n', dir)], /t\.yaml:3:\d+: \/layers\/0\/units: field "units" of a layer comes from the model/],
      [['--spec-overrides', writeTemp('u.yaml', 'weights: 1\n', dir)], /u\.yaml:1:1: \/weights: field "weights" cannot be set in an overrides template/],
      [['--features', 'wait_ns_log2,bogus', '--head', 'scores'], /--features: unknown feature source "bogus"/],
      [['--features', FEATURES6, '--input-format', 'q8'], /--input-format: "q8" is not a format/],
      [['--features', FEATURES6], /keras\.onnx: the model has 4 outputs and head is argmax, but no actions are given \(fix: give 4 actions with --actions/],
      [['--features', FEATURES6, '--actions', 'a,b'], /keras\.onnx: the imported policy would be invalid at \/actions: 2 actions for 4 outputs/],
      [['--features', FEATURES6, '--head', 'scores', '--board', 'vu9p'], /the imported policy would be invalid at \/target\/board/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli('import', model, '-o', out, ...flags);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });
});

describe('nicsched import: refusals name the place and exit 1', () => {
  const flags = ['--features', FEATURES8, '--actions', 'keep,boost:-3,demote:2'];
  const cases: Array<[string, RegExp]> = [
    ['sigmoid', /sigmoid\.onnx: graph node 4 \("\/act1\/Sigmoid"\): op Sigmoid is not supported \(supported: Gemm, MatMul\+Add, Relu, Flatten.*\(fix: replace it or export the model without it\)/],
    ['branchy', /branchy\.onnx: tensor "r" feeds 2 nodes \(graph node 2 \("\/left\/Gemm"\), graph node 3 \("\/right\/Gemm"\)\); the graph is not a single chain/],
    ['rank3', /rank3\.onnx: graph node 0 \("\/fc0\/Gemm"\): Gemm gets a tensor of rank 3 \(\[N, 2, 4\]\); a dense layer takes \[N, k\] \(fix: add a Flatten/],
    ['external', /external\.onnx: graph node 1 \("sequential\/dense\/MatMul"\): MatMul initializer "dense\/kernel" keeps its data in an external file/],
  ];
  for (const [kind, message] of cases) {
    it(kind, async () => {
      const r = await importModel(build(kind, tempDir()), ...flags);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(r.out)).toBe(false);
    });
  }

  it('input width against the features', async () => {
    const model = build('torch', tempDir());
    const r = await importModel(model, '--features', 'wait_ns_log2,exec_ns_log2', '--actions', 'a,b,c');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/torch\.onnx: graph input "input" has width 8 \(declared \[N, 2, 4\], flattened\) but 2 features are given \(wait_ns_log2, exec_ns_log2\) \(fix: give exactly 8 features/);
  });

  it('truncated and corrupt files, and a missing file', async () => {
    const dir = tempDir();
    const bytes = readFileSync(build('torch', dir));
    const truncated = writeTemp('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2)), dir);
    let r = await importModel(truncated, ...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`truncated\\.onnx: not a valid ONNX model: the protobuf is truncated or corrupt \\(index out of range: .*; file has ${Math.floor(bytes.length / 2)} bytes\\)`));
    const corrupt = Uint8Array.from(bytes);
    corrupt[0] = 0x0f; // field 1 with wire type 7, which does not exist
    r = await importModel(writeTemp('corrupt.onnx', corrupt, dir), ...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/corrupt\.onnx: not a valid ONNX model: the protobuf is truncated or corrupt \(field ir_version \(1\) of Model has wire type 7, not 0, at offset 0/);
    r = await importModel(writeTemp('text.onnx', 'nicsched: 1\nname: x\n', dir), ...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/text\.onnx: /);
    r = await importModel(join(dir, 'none.onnx'), ...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/none\.onnx: no such file/);
  });
});
