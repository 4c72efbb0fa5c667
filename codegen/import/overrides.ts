/**
 * The user's choices for an imported policy: an overrides template (a partial policy YAML without
 * weights) and command-line flags, flags winning. Every bad value names the flag or the template
 * place and what would fix it.
 */

import { readPolicyFile, locate, type PolicySource } from '../spec/source.js';
import { FEATURE_SOURCE_NAMES } from '../spec/catalogue.js';
import type { Format } from '../numeric/format.js';
import type { Head, HookPoint, SpecAction, SpecFeature, SpecHook, SpecTarget } from '../spec/types.js';
import { inputError, toPointer } from '../util/errors.js';
import type { LayerOverride } from './policy.js';

export interface ImportFlags {
  specOverrides?: string;
  name?: string;
  description?: string;
  features?: string;
  inputFormat?: string;
  actions?: string;
  head?: string;
  board?: string;
  clockMhz?: string;
  reuse?: string;
  slots?: string;
  hookPoints?: string;
  decisionTtlMs?: string;
  stallTimeoutMs?: string;
  weightBits?: string;
  activationBits?: string;
}

export interface Choices {
  name?: string;
  description?: string;
  features?: SpecFeature[];
  input?: Format;
  head?: Head;
  actions?: SpecAction[];
  target?: SpecTarget;
  hook?: SpecHook;
  layers?: LayerOverride[];
}

const TEMPLATE_FIELDS = ['nicsched', 'name', 'description', 'features', 'input', 'head', 'actions', 'target', 'hook', 'layers'];
const TEMPLATE_LAYER_FIELDS = ['weight_format', 'output_format'];

/** Read an overrides template: a partial policy whose layers carry formats only. */
export function readTemplate(file: string): Choices {
  const src = readPolicyFile(file);
  const data: unknown = src.document.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw inputError('an overrides template must be a mapping', { file, line: 1, col: 1 }, 'write policy fields such as `features:` and `actions:` (docs/IMPORT.md)');
  const doc = data as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!TEMPLATE_FIELDS.includes(key)) throw located(src, [key], `field "${key}" cannot be set in an overrides template`, `use one of: ${TEMPLATE_FIELDS.join(', ')} (weights come from the model)`);
  }
  checkTemplateLayers(src, doc['layers']);
  return doc as Choices;
}

function checkTemplateLayers(src: PolicySource, layers: unknown): void {
  if (layers === undefined) return;
  if (!Array.isArray(layers)) throw located(src, ['layers'], '"layers" must be a list (one entry per model layer)', 'give `- { weight_format: …, output_format: … }` per layer');
  layers.forEach((l: unknown, k) => {
    if (l === null || typeof l !== 'object' || Array.isArray(l)) throw located(src, ['layers', k], `layer ${k} must be a mapping`, 'give weight_format and/or output_format');
    for (const key of Object.keys(l)) {
      if (!TEMPLATE_LAYER_FIELDS.includes(key)) throw located(src, ['layers', k, key], `field "${key}" of a layer comes from the model and cannot be overridden`, `a template layer may set ${TEMPLATE_LAYER_FIELDS.join(' and ')}`);
    }
  });
}

function located(src: PolicySource, path: Array<string | number>, message: string, hint: string) {
  return inputError(message, { ...locate(src, path, true), pointer: toPointer(path) }, hint || undefined);
}

/** Flags on top of the template. */
export function mergeFlags(base: Choices, f: ImportFlags): Choices {
  const out: Choices = { ...base };
  if (f.name !== undefined) out.name = f.name;
  if (f.description !== undefined) out.description = f.description;
  if (f.features !== undefined) out.features = parseFeatures(f.features);
  if (f.inputFormat !== undefined) out.input = parseFormat(f.inputFormat, '--input-format');
  if (f.head !== undefined) out.head = parseHead(f.head);
  if (f.actions !== undefined) out.actions = parseActions(f.actions);
  const target = targetFlags(f);
  if (Object.keys(target).length) out.target = { ...base.target, ...target };
  const hook = hookFlags(f);
  if (Object.keys(hook).length) out.hook = { ...base.hook, ...hook };
  return out;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `--features wait_ns_log2,run=exec_ns_log2`: a source, or name=source. */
function parseFeatures(text: string): SpecFeature[] {
  return list(text).map((item) => {
    const [name, source] = item.includes('=') ? (item.split('=', 2) as [string, string]) : [item, item];
    if (!FEATURE_SOURCE_NAMES.includes(source)) throw inputError(`--features: unknown feature source "${source}"`, {}, `use sources from the catalogue (nicsched features): ${FEATURE_SOURCE_NAMES.join(', ')}`);
    return { name, source };
  });
}

/** `--actions keep,boost:-3,demote:2`: a name and an optional nice adjustment. */
function parseActions(text: string): SpecAction[] {
  return list(text).map((item) => {
    const [name, nice] = item.split(':', 2) as [string, string | undefined];
    if (nice === undefined) return { name };
    if (!/^[+-]?\d+$/.test(nice)) throw inputError(`--actions: "${item}" has nice "${nice}", not an integer`, {}, 'write name or name:nice, e.g. boost:-3');
    return { name, nice: Number(nice) };
  });
}

/** `u8.0`, `s16.-2`: signedness, bits, frac. */
function parseFormat(text: string, flag: string): Format {
  const m = /^([us])(\d+)\.(-?\d+)$/.exec(text.trim());
  if (!m) throw inputError(`${flag}: "${text}" is not a format`, {}, 'write u<bits>.<frac> or s<bits>.<frac>, e.g. u8.0');
  return { bits: Number(m[2]), frac: Number(m[3]), signed: m[1] === 's' };
}

function parseHead(text: string): Head {
  if (text !== 'argmax' && text !== 'scores') throw inputError(`--head: "${text}" is not a head`, {}, 'use argmax or scores');
  return text;
}

export function parseCount(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw inputError(`${flag}: "${text}" is not a whole number`, {}, `give a number such as ${fallback}`);
  return Number(text);
}

function targetFlags(f: ImportFlags): SpecTarget {
  const t: SpecTarget = {};
  if (f.board !== undefined) t.board = f.board;
  if (f.clockMhz !== undefined) t.clock_mhz = parseCount(f.clockMhz, '--clock-mhz', 250);
  if (f.reuse !== undefined) t.reuse = parseCount(f.reuse, '--reuse', 1);
  if (f.slots !== undefined) t.slots = parseCount(f.slots, '--slots', 4);
  return t;
}

function hookFlags(f: ImportFlags): SpecHook {
  const h: SpecHook = {};
  if (f.hookPoints !== undefined) h.points = list(f.hookPoints) as HookPoint[];
  if (f.decisionTtlMs !== undefined) h.decision_ttl_ms = parseCount(f.decisionTtlMs, '--decision-ttl-ms', 20);
  if (f.stallTimeoutMs !== undefined) h.stall_timeout_ms = parseCount(f.stallTimeoutMs, '--stall-timeout-ms', 4);
  return h;
}
