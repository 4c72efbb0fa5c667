/**
 * `nicsched check` accepts exactly what `nicsched compile` accepts: every refusal belongs to
 * validation, located like every other error. Fuzzed specs straddle the limits a backend could
 * trip over (the DSP budget of each board, reuse, wide formats, big layers).
 */

import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURE_SOURCE_NAMES } from '../../codegen/spec/catalogue.js';
import { BOARD_NAMES } from '../../codegen/spec/boards.js';
import { cli, tempDir, writeTemp } from '../helpers.js';

const formatArb = (signed?: boolean) => fc.record({ bits: fc.integer({ min: 1, max: 16 }), frac: fc.integer({ min: -8, max: 24 }), signed: signed === undefined ? fc.boolean() : fc.constant(signed) });

/** A spec that passes the schema and the shape checks, with sizes and formats from anywhere in the limits. */
const specArb = fc
  .record({
    features: fc.integer({ min: 1, max: 64 }),
    units: fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 160 })), { minLength: 1, maxLength: 3 }),
    input: formatArb(),
    layerFormats: fc.array(fc.record({ weight: formatArb(), output: formatArb(), relu: fc.boolean() }), { minLength: 3, maxLength: 3 }),
    board: fc.constantFrom(...BOARD_NAMES),
    reuse: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 64 })),
    slots: fc.integer({ min: 1, max: 64 }),
    head: fc.constantFrom('argmax', 'scores'),
  })
  .map((s) => {
    const units = s.units.map((u, k) => (k === s.units.length - 1 ? Math.min(u, 32) : u));
    let inputs = s.features;
    const layers = units.map((u, k) => {
      const f = s.layerFormats[k]!;
      // keep the requantize shift inside ±32 so the spec is valid apart from what is fuzzed here
      const inFrac = k === 0 ? s.input.frac : s.layerFormats[k - 1]!.output.frac;
      const outFrac = Math.max(inFrac + f.weight.frac - 32, Math.min(inFrac + f.weight.frac + 32, f.output.frac));
      const layer = {
        units: u,
        activation: f.relu ? 'relu' : 'none',
        weight_format: f.weight,
        output_format: { ...f.output, frac: outFrac },
        weights: Array.from({ length: u }, () => Array<number>(inputs).fill(0)),
        bias: Array<number>(u).fill(0),
      };
      inputs = u;
      return layer;
    });
    const outputs = units[units.length - 1]!;
    return {
      nicsched: 1,
      name: 'fuzzed',
      features: Array.from({ length: s.features }, (_, i) => ({ name: `f${i}`, source: FEATURE_SOURCE_NAMES[i % FEATURE_SOURCE_NAMES.length]! })),
      input: s.input,
      layers: layers.map((l, k) => (k === 0 ? l : { ...l })),
      head: s.head,
      ...(s.head === 'argmax' ? { actions: Array.from({ length: outputs }, (_, k) => ({ name: `a${k}` })) } : {}),
      target: { board: s.board, reuse: s.reuse, slots: s.slots },
    };
  });

describe('check accepts exactly what compile accepts', () => {
  it('for fuzzed specs around every limit, check succeeds if and only if compile succeeds, with the same located error', async () => {
    const dir = tempDir();
    const outcomes = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const file = writeTemp('policy.json', JSON.stringify(spec), dir);
        const check = await cli('check', file);
        const compile = await cli('compile', file, '-o', join(dir, 'out'));
        expect({ check: check.code, stderr: check.stderr }).toEqual({ check: compile.code, stderr: compile.stderr });
        expect([0, 1]).toContain(check.code);
        if (check.code === 0) outcomes.accepted++;
        else {
          outcomes.refused++;
          expect(check.stderr).toMatch(/^error: .*policy\.json:\d+:\d+: \//);
        }
      }),
      { numRuns: 60, seed: 18, endOnFailure: true },
    );
    // the generator must reach both sides of the limits, or the property says nothing
    expect(outcomes.accepted).toBeGreaterThan(5);
    expect(outcomes.refused).toBeGreaterThan(5);
  });
});
