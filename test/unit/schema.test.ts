import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOARD_NAMES } from '../../codegen/spec/boards.js';
import { FEATURE_SOURCE_NAMES, FEATURE_SOURCES, applyTransform, featureValue } from '../../codegen/spec/catalogue.js';
import { LIMITS } from '../../codegen/spec/limits.js';
import { POLICY_SCHEMA } from '../../codegen/spec/validate.js';
import { EXAMPLES } from '../helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking the JSON Schema document
const schema = POLICY_SCHEMA as unknown as { properties: Record<string, any>; $defs: Record<string, any> };

describe('the published JSON Schema agrees with the compiler', () => {
  it('is draft 2020-12', () => {
    expect((POLICY_SCHEMA as { $schema: string }).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
  it('lists exactly the catalogue sources and the known boards', () => {
    expect(schema.properties['features'].items.properties.source.enum).toEqual(FEATURE_SOURCE_NAMES);
    expect(schema.properties['target'].properties.board.enum).toEqual(BOARD_NAMES);
  });
  it('carries the documented limits', () => {
    expect(schema.properties['features'].maxItems).toBe(LIMITS.maxInputs);
    expect(schema.properties['layers'].maxItems).toBe(LIMITS.maxLayers);
    expect(schema.$defs['layer'].properties.units.maximum).toBe(LIMITS.maxUnits);
    expect(schema.$defs['format'].properties.bits.maximum).toBe(LIMITS.maxBits);
    expect(schema.$defs['format'].properties.frac.minimum).toBe(LIMITS.minFrac);
    expect(schema.$defs['format'].properties.frac.maximum).toBe(LIMITS.maxFrac);
    expect(schema.properties['target'].properties.slots.maximum).toBe(LIMITS.maxSlots);
    expect(schema.properties['target'].properties.reuse.maximum).toBe(LIMITS.maxReuse);
    expect(schema.properties['actions'].maxItems).toBe(LIMITS.maxActions);
  });
  it('is referenced by every example for editors', () => {
    for (const f of EXAMPLES) expect(readFileSync(f, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/codegen\/schema\/policy-v1\.schema\.json/);
  });
});

describe('feature catalogue transforms', () => {
  const byName = Object.fromEntries(FEATURE_SOURCES.map((s) => [s.name, s]));
  it('has the required sources', () => {
    for (const n of ['wait_ns_log2', 'exec_ns_log2', 'nvcsw_delta', 'nivcsw_delta', 'util_avg', 'nr_migrations_delta', 'nice', 'wakee_flips']) expect(byName[n]).toBeDefined();
  });
  it('computes the documented integers', () => {
    expect(applyTransform({ op: 'bitlen' }, 0n)).toBe(0n);
    expect(applyTransform({ op: 'bitlen' }, 1n)).toBe(1n);
    expect(applyTransform({ op: 'bitlen' }, 1_000_000n)).toBe(20n); // 1 ms
    expect(applyTransform({ op: 'bitlen' }, 2n ** 64n - 1n)).toBe(64n);
    expect(featureValue(byName['util_avg']!, 1024n, 0, 255)).toBe(255);
    expect(featureValue(byName['util_avg']!, 512n, 0, 255)).toBe(128);
    expect(featureValue(byName['nice']!, -20n, 0, 255)).toBe(0);
    expect(featureValue(byName['nice']!, 19n, 0, 255)).toBe(39);
    expect(featureValue(byName['nvcsw_delta']!, 100000n, 0, 255)).toBe(255);
  });
});
