/**
 * The scheduler-hook backend: hook/nicsched_hook_policy.h, the per-policy configuration of the
 * nicsched_hook kernel module (kernel-hook/module/). Everything else in the module is a
 * hand-written library; this header only carries data:
 *
 *   - the feature catalogue (codegen/spec/catalogue.ts), every source: how to read its kernel
 *     field, whether it is a delta or a level, and its integer transform fused with saturation to
 *     the policy's input format (a call into the library's nsh_xf_* functions);
 *   - the policy's features in input order, each naming its catalogue source;
 *   - the action table (name, requested nice-equivalent adjustment), the hook points, the
 *     decision TTL and the stall timeout, and the policy hash the driver must report.
 *
 * `hookData` prepares everything the template lays out; `renderHook` turns it into the file.
 */

import { describeFormat, formatRange } from '../../numeric/format.js';
import { policyHash32Hex } from '../../ir/canonical.js';
import type { CompiledPolicy } from '../../compiled.js';
import { FEATURE_SOURCES, describeTransform, type FeatureSource, type Transform } from '../../spec/catalogue.js';
import { HOOK_NICE_LIMIT, hookAdjustment } from '../../spec/limits.js';
import { packageVersion } from '../../util/paths.js';
import type { EmittedFile } from '../../util/output.js';
import type { Backend } from '../backend.js';
import { render } from '../../util/templates.js';

const HOOK_HEADER = 'hook/nicsched_hook_policy.h';

export interface HookSourceData {
  name: string;
  /** NSH_SRC_WAIT_NS_LOG2 */
  id: string;
  kind: 'delta' | 'level';
  /** Index into nsh_sample.delta[] or .level[]. */
  slot: number;
  /** NSH_DELTA_WAIT_NS_LOG2 / NSH_LEVEL_NICE: the index constant. */
  slotName: string;
  /** The kernel expression of the catalogue, over `const struct task_struct *p`. */
  kernel: string;
  /** C type of the raw value: u64 for monotonic counters (deltas wrap), s64 for levels. */
  rawType: 'u64' | 's64';
  /** Library call computing the saturated feature from `x`. */
  xform: string;
  transform: string;
  /** The catalogue's description, wrapped into comment lines. */
  descriptionLines: string[];
}

export interface HookFeatureData {
  index: number;
  name: string;
  source: string;
  xformFn: string;
  kind: 'delta' | 'level';
  delta: boolean;
  /** The catalogue source's index constant into nsh_sample.delta[] or .level[]. */
  slotName: string;
}

export interface HookActionData {
  index: number;
  name: string;
  nice: number;
  /** The adjustment the module applies: nice clamped to ±HOOK_NICE_LIMIT. */
  adj: number;
  clamped: boolean;
  last: boolean;
}

export interface HookData {
  version: string;
  name: string;
  hash: string;
  hash32: string;
  inputs: number;
  inFormat: string;
  inMin: number;
  inMax: number;
  inBits: number;
  inSigned: boolean;
  outputs: number;
  headArgmax: boolean;
  actions: HookActionData[];
  niceLimit: number;
  ttlMs: number;
  stallMs: number;
  pointWakeup: boolean;
  pointTick: boolean;
  sources: HookSourceData[];
  nrDelta: number;
  nrLevel: number;
  features: HookFeatureData[];
  anyDelta: boolean;
}

function cName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** A C integer literal for a value of at most 64 bits. */
function cInt(v: number): string {
  if (!Number.isSafeInteger(v)) throw new Error(`hook backend: ${v} is not a safe integer`);
  return v < 0 ? `(${v})` : `${v}`;
}

/** The library call of a transform of `x`, fused with saturation to [lo, hi]. */
export function xformCall(t: Transform, raw: 'u64' | 's64'): string {
  switch (t.op) {
    case 'identity':
      return `nsh_xf_identity_${raw}(x, lo, hi)`;
    case 'bitlen':
      return `nsh_xf_bitlen_${raw}(x, lo, hi)`;
    case 'shr':
      if (!Number.isInteger(t.by) || t.by < 0 || t.by > 63) throw new Error(`hook backend: shr by ${t.by} is outside 0..63`);
      return `nsh_xf_shr_${raw}(x, ${t.by}, lo, hi)`;
    case 'offset':
      if (!Number.isInteger(t.add) || Math.abs(t.add) >= 2 ** 31) throw new Error(`hook backend: offset ${t.add} is outside ±2^31`);
      return `nsh_xf_offset_${raw}(x, ${cInt(t.add)}, lo, hi)`;
  }
}

function sourceData(sources: readonly FeatureSource[]): HookSourceData[] {
  const next = { delta: 0, level: 0 };
  return sources.map((s) => {
    const slot = next[s.kind]++;
    const rawType = s.kind === 'delta' ? 'u64' : 's64';
    return {
      name: s.name,
      id: `NSH_SRC_${cName(s.name)}`,
      kind: s.kind,
      slot,
      slotName: `NSH_${s.kind === 'delta' ? 'DELTA' : 'LEVEL'}_${cName(s.name)}`,
      kernel: s.kernel,
      rawType,
      xform: xformCall(s.transform, rawType),
      transform: describeTransform(s.transform),
      descriptionLines: wrap(s.description, 90),
    };
  });
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function hookData(policy: CompiledPolicy): HookData {
  const { ir } = policy;
  const sources = sourceData(FEATURE_SOURCES);
  const byName = new Map(sources.map((s) => [s.name, s]));
  const range = formatRange(ir.input_format);
  const features = ir.features.map((f, index) => {
    const s = byName.get(f.source);
    if (!s) throw new Error(`hook backend: feature ${f.name} names ${f.source}, which the catalogue lacks`);
    return {
      index,
      name: f.name,
      source: s.name,
      xformFn: `nsh_xform_${s.name}`,
      kind: s.kind,
      delta: s.kind === 'delta',
      slotName: s.slotName,
    };
  });
  // head = scores has no actions: decisions carry action 0, which the hook treats as "keep".
  const table = ir.head === 'argmax' ? ir.actions : [{ name: 'keep', nice: 0 }];
  const actions = table.map((a, index) => {
    const adj = hookAdjustment(a.nice);
    return { index, name: a.name, nice: a.nice, adj, clamped: adj !== a.nice, last: index === table.length - 1 };
  });
  return {
    version: packageVersion(),
    name: ir.name,
    hash: policy.hash,
    hash32: policyHash32Hex(policy.hash),
    inputs: ir.features.length,
    inFormat: describeFormat(ir.input_format),
    inMin: range.min,
    inMax: range.max,
    inBits: ir.input_format.bits,
    inSigned: ir.input_format.signed,
    outputs: ir.outputs,
    headArgmax: ir.head === 'argmax',
    actions,
    niceLimit: HOOK_NICE_LIMIT,
    ttlMs: ir.hook.decision_ttl_ms,
    stallMs: ir.hook.stall_timeout_ms,
    pointWakeup: ir.hook.points.includes('wakeup'),
    pointTick: ir.hook.points.includes('tick'),
    sources,
    nrDelta: sources.filter((s) => s.kind === 'delta').length,
    nrLevel: sources.filter((s) => s.kind === 'level').length,
    features,
    anyDelta: features.some((f) => f.delta),
  };
}

export function renderHook(data: HookData): EmittedFile[] {
  return [{ path: HOOK_HEADER, contents: render('hook/nicsched_hook_policy.h.hbs', data) }];
}

function emitHook(policy: CompiledPolicy): EmittedFile[] {
  return renderHook(hookData(policy));
}

export const hookBackend: Backend = {
  name: 'hook',
  description: "hook/nicsched_hook_policy.h: the scheduler hook module's per-policy config (catalogue transforms, feature order, actions, limits, hash, TTL, stall timeout)",
  emit: emitHook,
};
