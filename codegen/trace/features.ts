/**
 * Raw counters → catalogue features, the one path used by the trace tool and the dataset builder.
 * Transforms come from codegen/spec/catalogue.ts (no re-implementation): `delta` sources take the
 * difference from the task's previous sample, `level` sources the current value.
 */

import { FEATURE_SOURCES, applyTransform, type FeatureSource } from '../spec/catalogue.js';
import type { RawCounters } from './format.js';

/** Catalogue source → the RawCounters field the trace records for it. */
const RAW_FIELD: Readonly<Record<string, keyof RawCounters>> = {
  wait_ns_log2: 'wait_ns',
  exec_ns_log2: 'exec_ns',
  nvcsw_delta: 'nvcsw',
  nivcsw_delta: 'nivcsw',
  util_avg: 'util_avg',
  nr_migrations_delta: 'nr_migrations',
  nice: 'nice',
  wakee_flips: 'wakee_flips',
  stint_ns_log2: 'stint_ns',
};

export function rawField(source: FeatureSource): keyof RawCounters {
  const field = RAW_FIELD[source.name];
  if (!field) throw new Error(`trace: catalogue source ${source.name} has no raw counter field`);
  return field;
}

/**
 * The raw value a source's transform is applied to: the delta since `prev` for `delta` sources,
 * the current value for `level` sources; null when the counter is absent (either sample).
 */
function rawInput(source: FeatureSource, prev: RawCounters, cur: RawCounters): bigint | null {
  const field = rawField(source);
  const now = cur[field];
  if (now === null) return null;
  if (source.kind === 'level') return BigInt(now);
  const before = prev[field];
  return before === null ? null : BigInt(now) - BigInt(before);
}

/** True when a cumulative counter went backwards: the tid was reused by a new task. */
export function countersRestarted(prev: RawCounters, cur: RawCounters): boolean {
  return FEATURE_SOURCES.some((s) => {
    if (s.kind !== 'delta') return false;
    const f = rawField(s);
    const a = prev[f];
    const b = cur[f];
    return a !== null && b !== null && b < a;
  });
}

/**
 * Features of one sample (catalogue transform, before saturation to a policy's input format).
 * A source whose raw counter this kernel does not expose is left out of the record.
 */
export function deriveFeatures(prev: RawCounters, cur: RawCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of FEATURE_SOURCES) {
    const raw = rawInput(s, prev, cur);
    if (raw !== null) out[s.name] = Number(applyTransform(s.transform, raw));
  }
  return out;
}
