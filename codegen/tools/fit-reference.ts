/**
 * Fits the reference policy (examples/reference.yaml, 8 -> 16 -> 8 -> 4) to a documented
 * heuristic, so the bundled policy does something meaningful until weights are learned from traces.
 *
 *   node dist/codegen/tools/fit-reference.js [-o examples/reference.yaml]
 *
 * Seeded and deterministic: the same compiler produces the same file byte for byte.
 *
 * The heuristic (features are the catalogue's integer transforms):
 *   strong_boost  wait_log2 >= 24 and run_log2 <= 20       waited ~8 ms+, ran < ~1 ms
 *   boost         wait_log2 >= 20 and run_log2 <= 22,      waited ~0.5 ms+, ran briefly,
 *                 or vol_switches >= 8 and run_log2 <= 20  or an interactive sleeper
 *   demote        run_log2 >= 24 and vol_switches <= 1      a CPU hog that never blocks
 *                 and util >= 128
 *   keep          otherwise
 */

import { writeFileSync } from 'node:fs';
import { GoldenModel } from '../golden/model.js';
import { Rng } from '../golden/vectors.js';
import { quantizeTensor } from '../ir/lower.js';
import { compilePolicyText } from '../policy.js';
import { formatRange, type Format } from '../ir/format.js';

const FEATURES = [
  { name: 'wait_log2', source: 'wait_ns_log2', max: 30 },
  { name: 'run_log2', source: 'exec_ns_log2', max: 30 },
  { name: 'vol_switches', source: 'nvcsw_delta', max: 32 },
  { name: 'invol_switches', source: 'nivcsw_delta', max: 32 },
  { name: 'util', source: 'util_avg', max: 255 },
  { name: 'migrations', source: 'nr_migrations_delta', max: 8 },
  { name: 'nice', source: 'nice', max: 39 },
  { name: 'wakee_flips', source: 'wakee_flips', max: 64 },
] as const;

const ACTIONS = [
  { name: 'keep', nice: 0 },
  { name: 'boost', nice: -3 },
  { name: 'demote', nice: 2 },
  { name: 'strong_boost', nice: -6 },
];

interface LayerShape {
  units: number;
  relu: boolean;
  weight: Format;
  output: Format;
}

const INPUT: Format = { bits: 8, frac: 0, signed: false };
const SHAPES: LayerShape[] = [
  { units: 16, relu: true, weight: { bits: 8, frac: 8, signed: true }, output: { bits: 8, frac: 4, signed: false } },
  { units: 8, relu: true, weight: { bits: 8, frac: 6, signed: true }, output: { bits: 8, frac: 4, signed: false } },
  { units: 4, relu: false, weight: { bits: 8, frac: 6, signed: true }, output: { bits: 8, frac: 4, signed: true } },
];

export function heuristic(x: readonly number[]): number {
  const [wait, run, vol, , util] = x as [number, number, number, number, number];
  if (wait >= 24 && run <= 20) return 3;
  if ((wait >= 20 && run <= 22) || (vol >= 8 && run <= 20)) return 1;
  if (run >= 24 && vol <= 1 && util >= 128) return 2;
  return 0;
}

function sample(rng: Rng): number[] {
  return FEATURES.map((f) => rng.int(0, f.max));
}

// --- a small float MLP, trained with Adam on softmax cross-entropy ------------------------------

interface Dense {
  w: Float64Array; // [out*in]
  b: Float64Array;
  inputs: number;
  units: number;
  relu: boolean;
  /** The output format's range as reals: training sees the saturation the hardware applies. */
  lo: number;
  hi: number;
  /** The weight format's range as reals: weights are projected into it after every step. */
  wMin: number;
  wMax: number;
}

function makeDense(inputs: number, shape: LayerShape, rng: Rng): Dense {
  const limit = Math.sqrt(6 / (inputs + shape.units)) / (inputs === FEATURES.length ? 32 : 1);
  const w = Float64Array.from({ length: inputs * shape.units }, () => ((rng.next() / 0x1_0000_0000) * 2 - 1) * limit);
  const out = formatRange(shape.output);
  const wr = formatRange(shape.weight);
  return {
    w,
    b: new Float64Array(shape.units),
    inputs,
    units: shape.units,
    relu: shape.relu,
    lo: shape.relu ? 0 : out.min * 2 ** -shape.output.frac,
    hi: out.max * 2 ** -shape.output.frac,
    wMin: wr.min * 2 ** -shape.weight.frac,
    wMax: wr.max * 2 ** -shape.weight.frac,
  };
}

function forward(layers: Dense[], x: number[]): Float64Array[] {
  const acts: Float64Array[] = [Float64Array.from(x)];
  for (const l of layers) {
    const input = acts[acts.length - 1]!;
    const y = new Float64Array(l.units);
    for (let j = 0; j < l.units; j++) {
      let s = l.b[j]!;
      for (let i = 0; i < l.inputs; i++) s += l.w[j * l.inputs + i]! * input[i]!;
      y[j] = Math.min(Math.max(s, l.lo), l.hi);
    }
    acts.push(y);
  }
  return acts;
}

class Adam {
  private m: Float64Array[];
  private v: Float64Array[];
  private t = 0;

  constructor(private readonly params: Float64Array[], private readonly lr: number) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  step(grads: Float64Array[]): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    this.params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
        const mh = m[i]! / (1 - b1 ** this.t);
        const vh = v[i]! / (1 - b2 ** this.t);
        p[i] = p[i]! - (this.lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
    });
  }
}

function backward(layers: Dense[], acts: Float64Array[], label: number, grads: Float64Array[]): void {
  const out = acts[acts.length - 1]!;
  const max = Math.max(...out);
  const exp = Array.from(out, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  let delta = Float64Array.from(exp, (e, k) => e / sum - (k === label ? 1 : 0));
  for (let k = layers.length - 1; k >= 0; k--) {
    const l = layers[k]!;
    const input = acts[k]!;
    const output = acts[k + 1]!;
    delta = delta.map((d, j) => (output[j]! > l.lo && output[j]! < l.hi ? d : 0));
    const gw = grads[2 * k]!;
    const gb = grads[2 * k + 1]!;
    const next = new Float64Array(l.inputs);
    for (let j = 0; j < l.units; j++) {
      gb[j] = gb[j]! + delta[j]!;
      for (let i = 0; i < l.inputs; i++) {
        gw[j * l.inputs + i] = gw[j * l.inputs + i]! + delta[j]! * input[i]!;
        next[i] = next[i]! + delta[j]! * l.w[j * l.inputs + i]!;
      }
    }
    delta = next;
  }
}

function train(seed: number): Dense[] {
  const rng = new Rng(seed);
  let inputs: number = FEATURES.length;
  const layers = SHAPES.map((s) => {
    const d = makeDense(inputs, s, rng);
    inputs = s.units;
    return d;
  });
  const data = Array.from({ length: 6000 }, () => sample(rng));
  const labels = data.map(heuristic);
  const params = layers.flatMap((l) => [l.w, l.b]);
  const adam = new Adam(params, 0.01);
  const batch = 64;
  for (let epoch = 0; epoch < 60; epoch++) {
    for (let start = 0; start < data.length; start += batch) {
      const grads = params.map((p) => new Float64Array(p.length));
      for (let n = start; n < Math.min(start + batch, data.length); n++) backward(layers, forward(layers, data[n]!), labels[n]!, grads);
      grads.forEach((g) => g.forEach((_, i) => (g[i] = g[i]! / batch)));
      adam.step(grads);
      for (const l of layers) l.w.forEach((v, i) => (l.w[i] = Math.min(Math.max(v, l.wMin), l.wMax)));
    }
  }
  return layers;
}

// --- quantize and write the policy --------------------------------------------------------------

function quantizedLayers(layers: Dense[]): { weights: number[][]; bias: number[] }[] {
  let inFormat = INPUT;
  return layers.map((l, k) => {
    const shape = SHAPES[k]!;
    const accFrac = inFormat.frac + shape.weight.frac;
    const w = quantizeTensor(Array.from(l.w), shape.weight).values;
    const b = Array.from(l.b, (v) => Math.round(v * 2 ** accFrac));
    inFormat = shape.output;
    return { weights: Array.from({ length: l.units }, (_, j) => w.slice(j * l.inputs, (j + 1) * l.inputs)), bias: b };
  });
}

function yamlFormat(f: Format): string {
  return `{ bits: ${f.bits}, frac: ${f.frac}, signed: ${f.signed} }`;
}

function policyYaml(q: { weights: number[][]; bias: number[] }[], report: string): string {
  const lines = [
    '# yaml-language-server: $schema=../codegen/schema/policy-v1.schema.json',
    '#',
    '# The reference policy: 8 features -> 16 -> 8 -> 4 actions. Generated by',
    '#   node dist/codegen/tools/fit-reference.js -o examples/reference.yaml',
    '# which fits it to the heuristic documented in codegen/tools/fit-reference.ts (seeded, reproducible).',
    ...report.split('\n').filter(Boolean).map((l) => `#   ${l}`),
    'nicsched: 1',
    'name: reference',
    'description: Boost tasks that waited long and ran briefly; demote CPU hogs that never block.',
    'features:',
    ...FEATURES.map((f) => `  - { name: ${f.name}, source: ${f.source} }`),
    `input: ${yamlFormat(INPUT)}`,
    'layers:',
  ];
  SHAPES.forEach((s, k) => {
    const layer = q[k]!;
    lines.push(`  - units: ${s.units}`, `    activation: ${s.relu ? 'relu' : 'none'}`, `    weight_format: ${yamlFormat(s.weight)}`, `    output_format: ${yamlFormat(s.output)}`, '    weights:');
    for (const row of layer.weights) lines.push(`      - [${row.join(', ')}]`);
    lines.push(`    bias: [${layer.bias.join(', ')}]`);
  });
  lines.push('head: argmax', 'actions:', ...ACTIONS.map((a) => (a.nice ? `  - { name: ${a.name}, nice: ${a.nice} }` : `  - { name: ${a.name} }`)));
  lines.push('target: { board: au250, clock_mhz: 250, reuse: 1, slots: 4 }', 'hook: { points: [wakeup, tick], decision_ttl_ms: 20, stall_timeout_ms: 4 }');
  return lines.join('\n') + '\n';
}

function agreement(layers: Dense[], model: GoldenModel, seed: number): { heuristicFloat: number; heuristicQuant: number; floatQuant: number } {
  const rng = new Rng(seed);
  const n = 5000;
  let hf = 0;
  let hq = 0;
  let fq = 0;
  for (let k = 0; k < n; k++) {
    const x = sample(rng);
    const h = heuristic(x);
    const out = forward(layers, x)[layers.length]!;
    const f = out.indexOf(Math.max(...out));
    const q = model.inferAction(x);
    hf += Number(h === f);
    hq += Number(h === q);
    fq += Number(f === q);
  }
  return { heuristicFloat: hf / n, heuristicQuant: hq / n, floatQuant: fq / n };
}

function main(): void {
  const outIndex = process.argv.indexOf('-o');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const layers = train(7);
  const draft = policyYaml(quantizedLayers(layers), '');
  const model = new GoldenModel(compilePolicyText(draft).ir);
  const a = agreement(layers, model, 99);
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const report = `held-out agreement (5000 samples): heuristic vs float ${pct(a.heuristicFloat)}, heuristic vs quantized ${pct(a.heuristicQuant)}, float vs quantized ${pct(a.floatQuant)}`;
  const yaml = policyYaml(quantizedLayers(layers), report);
  process.stderr.write(report + '\n');
  if (out) writeFileSync(out, yaml);
  else process.stdout.write(yaml);
}

main();
