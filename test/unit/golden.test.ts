import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, GoldenModel } from '../../codegen/golden/model.js';
import { refInfer, refRange, refRequantize } from '../../codegen/golden/reference.js';
import { testVectors } from '../../codegen/golden/vectors.js';
import { formatRange, requantize, roundHalfEven, quantizeValue, type Format } from '../../codegen/numeric/format.js';
import { loadPolicy } from '../../codegen/policy.js';
import { EXAMPLES, TINY } from '../helpers.js';

const formatArb: fc.Arbitrary<Format> = fc.record({
  bits: fc.integer({ min: 1, max: 16 }),
  frac: fc.integer({ min: -8, max: 24 }),
  signed: fc.boolean(),
});

describe('golden model: hand-computed vectors (examples/tiny.yaml, worked in docs/SPEC.md)', () => {
  const model = new GoldenModel(loadPolicy(TINY).ir);
  const cases: Array<[number[], number[], number[], number]> = [
    // input, hidden (layer 0 output), scores, action
    [[3, 1], [3, 2], [1, -1], 0], // acc 6 -> 3.0; acc 4 -> 2.0
    [[1, 0], [2, 1], [1, -1], 0], // acc 3 (1.5) rounds half up to 2; acc 1 (0.5) to 1
    [[0, 3], [0, 2], [-2, 2], 1], // relu clips acc -2; acc 3 (1.5) -> 2
    [[255, 0], [255, 128], [127, -127], 0], // acc 511 saturates to 255
    [[2, 2], [2, 2], [0, 0], 0], // tie: lowest index wins
  ];
  for (const [x, hidden, scores, action] of cases) {
    it(`[${x}] -> hidden [${hidden}], scores [${scores}], action ${action}`, () => {
      expect(model.trace(x)[0]!.output).toEqual(hidden);
      expect(model.infer(x)).toEqual({ action, scores });
    });
  }

  it('rejects inputs outside the input format', () => {
    expect(() => model.infer([256, 0])).toThrow(/outside \[0, 255\]/);
    expect(() => model.infer([1])).toThrow(/expected 2 inputs/);
  });
});

describe('requantize (§3) against the independent BigInt formulation', () => {
  it('matches for any accumulator, shift and output format', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }), fc.integer({ min: -32, max: 32 }), formatArb, (a, s, f) => {
        expect(requantize(a, s, f)).toBe(Number(refRequantize(BigInt(a), s, f)));
      }),
      { numRuns: 20000 },
    );
  });

  it('rounds half toward +infinity for positive shifts', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100000, max: 100000 }), fc.integer({ min: 1, max: 20 }), (k, s) => {
        const wide: Format = { bits: 16, frac: 0, signed: true };
        const half = k * 2 ** s + 2 ** (s - 1); // exactly k + 0.5 after the shift
        const expected = Math.min(Math.max(k + 1, -32768), 32767);
        expect(requantize(half, s, wide)).toBe(expected);
        expect(requantize(half - 1, s, wide)).toBe(Math.min(Math.max(k, -32768), 32767));
      }),
    );
  });

  it('saturates at both ends and shifts left for non-positive shifts', () => {
    const u8: Format = { bits: 8, frac: 0, signed: false };
    const s8: Format = { bits: 8, frac: 0, signed: true };
    expect(requantize(-5, 0, u8)).toBe(0);
    expect(requantize(1000, 0, u8)).toBe(255);
    expect(requantize(-1000, 2, s8)).toBe(-128);
    expect(requantize(1000, 2, s8)).toBe(127);
    expect(requantize(3, -2, s8)).toBe(12);
    expect(requantize(-33, -2, s8)).toBe(-128);
    expect(requantize(-3, 1, s8)).toBe(-1); // -1.5 rounds half up to -1
    expect(requantize(-5, 1, s8)).toBe(-2); // -2.5 -> -2
  });

  it('format ranges agree', () => {
    fc.assert(
      fc.property(formatArb, (f) => {
        const [lo, hi] = refRange(f);
        expect(formatRange(f)).toEqual({ min: Number(lo), max: Number(hi) });
      }),
    );
  });
});

describe('quantization: round half to even, then clamp', () => {
  it('rounds ties to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, -2, 2, 3]);
  });
  it('clamps into the format', () => {
    const s8f6: Format = { bits: 8, frac: 6, signed: true };
    expect(quantizeValue(0.5, s8f6)).toBe(32);
    expect(quantizeValue(5, s8f6)).toBe(127);
    expect(quantizeValue(-5, s8f6)).toBe(-128);
    expect(quantizeValue(1 / 128, s8f6)).toBe(0); // 0.5 -> even (0)
    expect(quantizeValue(3 / 128, s8f6)).toBe(2); // 1.5 -> 2
  });
});

describe('argmax', () => {
  it('picks the lowest index on ties', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([5, 5, 5])).toBe(0);
    expect(argmax([-2, -1, -1])).toBe(1);
  });
});

describe('golden model equals the BigInt reference on every example policy', () => {
  for (const file of EXAMPLES) {
    it(file.split('/').pop()!, () => {
      const { ir } = loadPolicy(file);
      const model = new GoldenModel(ir);
      const vectors = testVectors(ir, 3000, 42);
      let ties = 0;
      for (const v of vectors) {
        const got = model.infer(v);
        expect(got).toEqual(refInfer(ir, v));
        const best = Math.max(...got.scores);
        if (got.scores.filter((s) => s === best).length > 1) ties++;
      }
      expect(ties).toBeGreaterThan(0); // the vector set exercises argmax ties
    });
  }
});
