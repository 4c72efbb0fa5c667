/**
 * dataset → train → quantize: label rules, data card, seeded reproducible training, the reported
 * agreement recomputed with the golden model and located errors (the byte-for-byte rebuild of the
 * committed reference policy is test/sim/learn-reference.test.ts: a minute of training).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argmax, GoldenModel } from '../../codegen/golden/model.js';
import { readDataset, type DatasetRow } from '../../codegen/learn/dataset.js';
import { heuristicAction, outcomeAction } from '../../codegen/learn/labels.js';
import { trainPolicy } from '../../codegen/learn/pipeline.js';
import { loadTemplate } from '../../codegen/learn/template.js';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { advantageTarget, DEFAULT_TRAIN, floatScores, geometry, inputScaling, outputStep, REGRESS_CLIP, REGRESS_MARGIN, REGRESS_SCALE, regressTarget, splitRows, trainFloat, weightStep } from '../../codegen/learn/train.js';
import { Rng } from '../../codegen/golden/vectors.js';
import { quantizeValue, requantize, type Format } from '../../codegen/numeric/format.js';
import type { Spec } from '../../codegen/spec/types.js';
import { compilePolicyText } from '../../codegen/policy.js';
import { ROOT, cli, tempDir } from '../helpers.js';

/** Paths as scripts/learn-reference.sh writes them (relative to the repository root = vitest's cwd). */
const rel = (p: string) => relative(process.cwd(), join(ROOT, p));
const TEMPLATE = rel('examples/reference.template.yaml');
const TRACE = rel('examples/traces/mixed-1.jsonl');
const DATASET = rel('examples/traces/reference.data.jsonl');

function subset(file: string, rows: number): string {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, rows + 1);
  const out = join(tempDir(), 'small.jsonl');
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

describe('nicsched dataset', () => {
  it('labels trace rows by the heuristic of their inputs and writes a data card', async () => {
    const dir = tempDir();
    const out = join(dir, 'd.jsonl');
    const r = await cli('dataset', TRACE, '--label', 'heuristic', '--spec', TEMPLATE, '-o', out);
    expect(r.code).toBe(0);
    const ds = readDataset(out);
    const sources = ds.header.features.map((f) => f.source);
    for (const row of ds.rows) {
      const f = Object.fromEntries(sources.map((s, i) => [s, row.x[i]!]));
      expect(ds.header.actions[row.y]).toBe(heuristicAction(f));
    }
    const card = JSON.parse(readFileSync(join(dir, 'd.card.json'), 'utf8')) as { rows: { total: number }; label_balance: Record<string, number>; traces: { host: string }[] };
    expect(card.rows.total).toBe(ds.rows.length);
    expect(Object.values(card.label_balance).reduce((a, b) => a + b, 0)).toBe(ds.rows.length);
    expect(card.traces[0]!.host).toBe('vm'); // from the trace header, not this machine
    expect(readFileSync(join(dir, 'd.card.md'), 'utf8')).toContain('## Label balance');
  });

  it('labels by the outcome of the next window of the same task', async () => {
    const out = join(tempDir(), 'o.jsonl');
    const r = await cli('dataset', TRACE, '--label', 'outcome', '--spec', TEMPLATE, '-o', out);
    expect(r.code).toBe(0);
    const ds = readDataset(out);
    const trace = readFileSync(TRACE, 'utf8').split('\n');
    const sampleAt = (src: string) => JSON.parse(trace[Number(src.split(':')[1]) - 1]!) as { tid: number; features: Record<string, number> };
    const byLine = new Map(ds.rows.map((row) => [Number(row.src.split(':')[1]), row]));
    let checked = 0;
    for (const [line, row] of [...byLine].slice(0, 300)) {
      const s = sampleAt(`x:${line}`);
      const nextLine = trace.findIndex((t, k) => k + 1 > line && t !== '' && (JSON.parse(t) as { tid: number }).tid === s.tid) + 1;
      const next = sampleAt(`x:${nextLine}`);
      const sat = (f: Record<string, number>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.min(255, v)]));
      expect(ds.header.actions[row.y]).toBe(outcomeAction(sat(s.features), sat(next.features)));
      checked++;
    }
    expect(checked).toBe(300);
    const r2 = await cli('dataset', TRACE, '--label', 'outcome', '--augment', '10', '-o', join(tempDir(), 'x.jsonl'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('--label heuristic');
  });
});

describe('templates: located errors', () => {
  it('refuses weights in a template, naming file:line and the pointer', async () => {
    const text = readFileSync(TEMPLATE, 'utf8').replace('    activation: none\n', '    activation: none\n    bias: [0, 0, 0, 0]\n');
    const file = join(tempDir(), 't.yaml');
    writeFileSync(file, text);
    const r = await cli('train', DATASET, '--spec', file, '-o', join(tempDir(), 'p.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file}:30:5: /layers/2/bias: a training template's layers carry no "bias"`));
  });

  it('validates the rest like a policy (e.g. a bad activation)', () => {
    const file = join(tempDir(), 't.yaml');
    writeFileSync(file, readFileSync(TEMPLATE, 'utf8').replace('activation: none', 'activation: tanh'));
    expect(() => loadTemplate(file)).toThrow(/t\.yaml:29:17: \/layers\/2\/activation/);
  });

  it('a dataset row with a bad label names file:line and /y; a mismatched template is refused', async () => {
    const lines = readFileSync(DATASET, 'utf8').split('\n');
    lines[4] = lines[4]!.replace(/"y":\d/, '"y":9');
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join('\n'));
    const r = await cli('train', file, '--spec', TEMPLATE, '-o', join(tempDir(), 'p.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:5:1: /y: "y" = 9 is not an action index in [0, 3]`);
    const r2 = await cli('train', DATASET, '--spec', rel('examples/tiny.yaml'), '-o', join(tempDir(), 'p.yaml'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('/layers/0/weights');
  });
});

describe('nicsched train', () => {
  const small = subset(DATASET, 1500);

  it('is deterministic for a seed; another seed gives other weights', async () => {
    const dir = tempDir();
    const run = async (seed: string, name: string) => {
      const r = await cli('train', small, '--spec', TEMPLATE, '--seed', seed, '--epochs', '3', '--qat', '-o', join(dir, name));
      expect(r.code).toBe(0);
      return readFileSync(join(dir, name), 'utf8');
    };
    const a = await run('3', 'a.yaml');
    const b = await run('3', 'b.yaml');
    const c = await run('4', 'c.yaml');
    expect(a).toBe(b);
    const weights = (y: string) => y.split('\n').filter((l) => l.startsWith('      - ['));
    expect(weights(c)).not.toEqual(weights(a));
  });

  it('reports the float vs quantized agreement the golden model recomputes', async () => {
    const ds = readDataset(small);
    const t = loadTemplate(TEMPLATE);
    const result = await trainPolicy(ds, t, { seed: 5, epochs: 4, qat: true });
    const model = new GoldenModel(compilePolicyText(result.yaml).ir);
    const { test } = splitRows(ds.rows, DEFAULT_TRAIN.holdout, 5);
    const agree = (rows: DatasetRow[]) => rows.filter((r) => argmax(floatScores(t.spec, result.floatLayers, r.x)) === model.inferAction(r.x)).length / rows.length;
    expect(agree(test)).toBe(result.heldOut.float_vs_quantized);
    expect(test.length).toBe(result.heldOut.rows);
    expect(result.yaml).toContain(`float vs quantized ${(agree(test) * 100).toFixed(2)} %`);
  });
});

/** A one-layer spec with these formats: the geometry train.ts derives for it is what QAT uses. */
function oneLayer(input: Format, weight: Format, output: Format, relu: boolean): Spec {
  return { nicsched: 1, name: 'qat', features: [{ name: 'x', source: 'nice' }], input, layers: [{ units: 1, activation: relu ? 'relu' : 'none', weight_format: weight, output_format: output, weights: [[0]], bias: [0] }], head: 'scores' };
}

const small = (signed: boolean) => fc.record({ bits: fc.integer({ min: 1, max: 10 }), frac: fc.integer({ min: -4, max: 8 }), signed: fc.constant(signed) });

describe("the QAT step of training is the hardware's arithmetic", () => {
  it('outputs: relu, clip, then round half up equals requantize (round, then saturate) on every accumulator, ties and both ends included', async () => {
    await tf.setBackend('cpu');
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }), (inSigned, wSigned, outSigned, relu, seed) => {
        const formats = fc.sample(fc.tuple(small(inSigned), small(wSigned), small(outSigned)), { numRuns: 1, seed })[0]!;
        const [input, weight, output] = formats;
        const g = geometry(oneLayer(input, weight, output, relu))[0]!;
        const accFrac = input.frac + weight.frac;
        const shift = accFrac - output.frac;
        // every accumulator within 2^12 of a rounding tie, of both ends of the output range and of 0
        const step = 2 ** Math.max(shift, 0);
        const centres = [0, output.signed ? -(2 ** (output.bits - 1)) : 0, output.signed ? 2 ** (output.bits - 1) - 1 : 2 ** output.bits - 1].map((k) => k * step + (shift > 0 ? 2 ** (shift - 1) : 0));
        const accs = [...new Set(centres.flatMap((c) => Array.from({ length: 65 }, (_, d) => c + d - 32)))].filter((a) => Math.abs(a) < 2 ** 22);
        const got = tf.tidy(
          () =>
            outputStep(
              tf.tensor1d(
                accs.map((a) => a * 2 ** -accFrac),
                'float32',
              ),
              g,
              true,
            ).arraySync() as number[],
        );
        const want = accs.map((a) => requantize(relu ? Math.max(a, 0) : a, shift, output));
        expect(got.map((v) => v * 2 ** output.frac + 0)).toEqual(want.map((v) => v + 0));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("weights: inside the projected range, rounding half to even equals lowering's quantizeValue", async () => {
    await tf.setBackend('cpu');
    fc.assert(
      fc.property(small(true), fc.integer({ min: 0, max: 2 ** 31 }), (weight, seed) => {
        const g = geometry(oneLayer({ bits: 8, frac: 0, signed: false }, weight, { bits: 8, frac: 0, signed: true }, false))[0]!;
        // reals on a grid 8 times finer than the weight's, so half the points are ties or near them
        const reals = fc.sample(fc.integer({ min: Math.ceil(g.wMin * 2 ** (weight.frac + 3)), max: Math.floor(g.wMax * 2 ** (weight.frac + 3)) }), { numRuns: 64, seed }).map((k) => k * 2 ** -(weight.frac + 3));
        const got = tf.tidy(() => weightStep(tf.tensor1d(reals, 'float32'), g, true).arraySync() as number[]);
        expect(got.map((v) => v * 2 ** weight.frac + 0)).toEqual(reals.map((r) => quantizeValue(r, weight) + 0)); // + 0: -0 is 0
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('--objective regress', () => {
  it("fits each action's advantage: targets are 0 for keep, scaled and clipped for the others; a dataset without advantages is refused", async () => {
    const row = { x: [0], y: 0, c: [0, 0.3, -100, 10], src: 't' };
    // keep 0; boost 4·(0.3 − 0.05) = 1; demote clipped at -7.5; strong_boost 4·9.95 = 39.8 → 7.5
    expect(regressTarget(row, 0)).toEqual([0, 1, -REGRESS_CLIP, REGRESS_CLIP]);
    expect(REGRESS_SCALE * (0.3 - REGRESS_MARGIN)).toBeCloseTo(1, 12);
    const heuristic = join(tempDir(), 'h.jsonl');
    expect((await cli('dataset', TRACE, '--label', 'heuristic', '--spec', TEMPLATE, '-o', heuristic)).code).toBe(0);
    const r = await cli('train', heuristic, '--spec', TEMPLATE, '--objective', 'regress', '--epochs', '1', '-o', join(tempDir(), 'p.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--objective regress needs every row's advantages");
    const bad = await cli('train', heuristic, '--spec', TEMPLATE, '--objective', 'guess', '-o', join(tempDir(), 'p.yaml'));
    expect(bad.stderr).toContain('--objective must be classify, regress, advantage');
  });

  it("reports the advantage the golden model's choices realize on held-out rows", async () => {
    const ds = readDataset(subset(DATASET, 1200));
    const t = loadTemplate(TEMPLATE);
    const result = await trainPolicy(ds, t, { seed: 3, epochs: 3, qat: false, objective: 'regress' });
    const model = new GoldenModel(compilePolicyText(result.yaml).ir);
    const { test } = splitRows(ds.rows, DEFAULT_TRAIN.holdout, 3);
    const realized = test.reduce((a, r) => a + r.c![model.inferAction(r.x)]!, 0) / test.length;
    expect(result.heldOut.advantage!.quantized).toBeCloseTo(realized, 12);
    expect(result.heldOut.advantage!.best).toBeGreaterThanOrEqual(result.heldOut.advantage!.quantized);
    expect(result.yaml).toContain(`quantized ${realized.toFixed(4)}`);
  });
});

/**
 * Rows where boost wins a quarter of the time by a lot (label boost) and loses the rest by a little
 * (label keep) when the first input is high, and always loses otherwise; demote and strong_boost
 * always lose. The most frequent winner is keep everywhere; the expected advantage of boost where
 * the first input is high is 0.25·4 − 0.75·0.5 = +0.625.
 */
function rareLargeWins(n: number): DatasetRow[] {
  const rng = new Rng(99);
  return Array.from({ length: n }, (_, i) => {
    const x = Array.from({ length: 8 }, () => rng.int(0, 255));
    const high = x[0]! >= 128;
    const boostWins = high && rng.int(0, 3) === 0;
    const c = [0, high ? (boostWins ? 4 : -0.5) : -1, -2, -2];
    return { x, y: boostWins ? 1 : 0, c, src: `t:${i}` };
  });
}

describe('--objective advantage', () => {
  it("the payoff of a row is each action's advantage over keep, less the margin for the others", () => {
    expect(advantageTarget({ x: [0], y: 0, c: [0, 0.3, -100, 10], src: 't' }, 0)).toEqual([0, 0.3 - REGRESS_MARGIN, -100 - REGRESS_MARGIN, 10 - REGRESS_MARGIN]);
    expect(() => advantageTarget({ x: [0], y: 0, src: 't' }, 0)).toThrow('needs a counterfactual dataset');
  });

  it('chooses the action with the highest expected advantage, where classify chooses the most frequent winner', async () => {
    const t = loadTemplate(TEMPLATE);
    const rows = rareLargeWins(3000);
    const high = rows.filter((r) => r.x[0]! >= 128);
    const boostShare = async (objective: 'classify' | 'advantage') => {
      const layers = await trainFloat(t.spec, rows, { ...DEFAULT_TRAIN, seed: 1, epochs: 6, qat: false, objective });
      const choices = (rs: DatasetRow[]) => rs.map((r) => argmax(floatScores(t.spec, layers, r.x)));
      return { high: choices(high).filter((a) => a === 1).length / high.length, low: choices(rows.filter((r) => r.x[0]! < 128)).filter((a) => a !== 0).length };
    };
    expect(high.filter((r) => r.y === 1).length / high.length).toBeLessThan(0.3);
    const classify = await boostShare('classify');
    const advantage = await boostShare('advantage');
    expect(classify.high).toBeLessThan(0.05);
    expect(advantage.high).toBeGreaterThan(0.9);
    expect(advantage.low).toBeLessThan(rows.length * 0.02);
  });
});

describe('training steps on standardized inputs', () => {
  it('keeps the first layer alive on raw counters: no more than 2 of its 16 units are dead on every row', async () => {
    const t = loadTemplate(TEMPLATE);
    const rows = readDataset(subset(DATASET, 3000)).rows;
    const layers = await trainFloat(t.spec, rows, { ...DEFAULT_TRAIN, seed: 7, epochs: 3, qat: false });
    const first = layers[0]!;
    const dead = first.w.filter((w, j) => rows.every((r) => w.reduce((a, wi, i) => a + wi * r.x[i]!, first.b[j]!) <= 0)).length;
    expect(dead).toBeLessThanOrEqual(2);
  });

  it("the scaling is the training rows' mean and standard deviation, 1 for a constant input", () => {
    const s = inputScaling([
      { x: [1, 20], y: 0, src: 'a' },
      { x: [3, 20], y: 0, src: 'b' },
    ]);
    expect(s).toEqual({ shift: [2, 20], scale: [1, 1] });
    expect(
      inputScaling([
        { x: [0, 5], y: 0, src: 'a' },
        { x: [4, 5], y: 0, src: 'b' },
      ]).scale,
    ).toEqual([2, 1]);
  });
});
