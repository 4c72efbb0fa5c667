/**
 * Policy validation: the JSON Schema (ajv, draft 2020-12) first, then the semantic checks a schema
 * cannot express (shapes, integer ranges, name uniqueness, catalogue and board look-ups, accumulator
 * widths, the board's DSP budget). Every problem becomes a located diagnostic. Validation is the
 * only place a policy is refused: a spec that passes here lowers and compiles for every backend, so
 * `nicsched check` accepts exactly what `nicsched compile` accepts.
 */

import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { isScalar, visit } from 'yaml';
import schema from '../schema/policy-v1.schema.json' with { type: 'json' };
import { fits, formatRange, describeFormat, type Format } from '../numeric/format.js';
import { InputError, toPointer, fromPointer, type Diagnostic } from '../util/errors.js';
import { FEATURE_SOURCE_NAMES } from './catalogue.js';
import { LIMITS } from './limits.js';
import { accumulatorFor, biasFormat } from '../numeric/accumulator.js';
import { findBoard } from './boards.js';
import { dspBudget, DSP_BUDGET_SHARE, multipliers, reuseThatFits, type LayerShape } from './fit.js';
import { locate, type PolicySource } from './source.js';
import { DEFAULT_TARGET, type Spec, type SpecLayer } from './types.js';

export const POLICY_SCHEMA = schema;

const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
const validateSchema = ajv.compile(schema);

type Path = Array<string | number>;

interface Problem {
  path: Path;
  message: string;
  hint?: string;
  atKey?: boolean;
}

/** Validate a parsed policy document. Returns the typed spec or throws InputError with every problem. */
export function validateSpec(src: PolicySource): Spec {
  const data = toData(src);
  const schemaProblems = checkSchema(data);
  if (schemaProblems.length > 0) throw toInputError(src, schemaProblems);
  const spec = data as Spec;
  const semanticProblems = checkSemantics(spec);
  if (semanticProblems.length > 0) throw toInputError(src, semanticProblems);
  return spec;
}

/** The document as plain data; YAML-level failures (an alias without anchor, alias bombs) become input errors. */
function toData(src: PolicySource): unknown {
  checkScalarKeys(src);
  try {
    return src.document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new InputError({ file: src.file, line: 1, col: 1, message: `cannot read the document: ${(err as Error).message}`, hint: 'check YAML anchors (&name) and aliases (*name)' });
  }
}

/** Mapping keys must be plain scalars (YAML allows `? [a, b] : x`; a policy never needs it). */
function checkScalarKeys(src: PolicySource): void {
  visit(src.document, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
        const pos = src.lines.linePos(offset);
        throw new InputError({ file: src.file, line: pos.line, col: pos.col, message: 'a mapping key must be a plain name, not a list or mapping', hint: 'write `name: value`' });
      }
    },
  });
}

function toInputError(src: PolicySource, problems: Problem[]): InputError {
  const diagnostics: Diagnostic[] = problems.map((p) => ({
    ...locate(src, p.path, p.atKey),
    pointer: toPointer(p.path),
    message: p.message,
    ...(p.hint ? { hint: p.hint } : {}),
  }));
  return new InputError(diagnostics);
}

// ---------------------------------------------------------------------------------------------
// Schema

function checkSchema(data: unknown): Problem[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [{ path: [], message: 'a policy must be a mapping (object)', hint: 'start the file with `nicsched: 1` and `name: …` (see examples/)' }];
  }
  if (validateSchema(data)) return [];
  const errors = dropRedundant(validateSchema.errors ?? []);
  return errors.map(schemaProblem);
}

/** ajv with allErrors reports `if/then`-style cascades; keep one error per place and keyword. */
function dropRedundant(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function schemaProblem(e: ErrorObject): Problem {
  const path: Path = fromPointer(e.instancePath);
  const field = path.length > 0 ? `"${path[path.length - 1]}"` : 'the policy';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const allowed = allowedProperties(e.parentSchema);
      return {
        path: [...path, name],
        atKey: true,
        message: `unknown field "${name}"`,
        hint: `remove it or use one of: ${allowed.join(', ')}`,
      };
    }
    case 'required':
      return { path, message: `missing required field "${String(params['missingProperty'])}"`, hint: `add "${String(params['missingProperty'])}" here` };
    case 'type':
      return { path, message: `${field} must be ${article(String(params['type']))}`, hint: describeExpected(e) };
    case 'enum':
      return { path, message: `${field} must be one of: ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'const':
      return { path, message: `${field} must be ${JSON.stringify(params['allowedValue'])}`, hint: 'this compiler reads policy spec version 1' };
    case 'pattern':
      return { path, message: `${field} must be a lower-case identifier of at most ${LIMITS.maxNameLength} characters ([a-z][a-z0-9_]*)` };
    case 'minimum':
    case 'maximum':
      return { path, message: `${field} is ${e.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} ${String(params['limit'])}`, hint: limitHint(e) };
    case 'minItems':
      return { path, message: `${field} needs at least ${String(params['limit'])} item(s)` };
    case 'maxItems':
      return { path, message: `${field} has more than ${String(params['limit'])} items (limit)`, hint: 'see the limits in docs/SPEC.md' };
    case 'uniqueItems':
      return { path, message: `${field} lists an item twice` };
    case 'maxLength':
      return { path, message: `${field} is longer than ${String(params['limit'])} characters` };
    default:
      return { path, message: `${field} ${e.message ?? 'is invalid'}` };
  }
}

function allowedProperties(parentSchema: unknown): string[] {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The fix for a number above or below its limit; the TTL's limit is the kernel's. */
function limitHint(e: ErrorObject): string {
  if (e.keyword === 'maximum' && e.instancePath === '/hook/decision_ttl_ms') {
    return `at most ${LIMITS.maxTtlMs} ms: the kernel ignores a decision that expires more than 1 s ahead (SCHED_NIC_TTL_MAX_NS); see the limits in docs/SPEC.md`;
  }
  return 'see the limits in docs/SPEC.md';
}

function describeExpected(e: ErrorObject): string | undefined {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  return description;
}

// ---------------------------------------------------------------------------------------------
// Semantics

function checkSemantics(spec: Spec): Problem[] {
  return [
    ...checkUniqueNames(
      spec.features.map((f) => f.name),
      ['features'],
      'feature',
    ),
    ...checkFeatureSources(spec),
    ...checkLayers(spec),
    ...checkActions(spec),
    ...checkTarget(spec),
  ];
}

function checkUniqueNames(names: string[], base: Path, what: string): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  names.forEach((name, i) => {
    const prev = first.get(name);
    if (prev === undefined) first.set(name, i);
    else problems.push({ path: [...base, i, 'name'], message: `duplicate ${what} name "${name}" (also at ${toPointer([...base, prev])})`, hint: `give each ${what} its own name` });
  });
  return problems;
}

function checkFeatureSources(spec: Spec): Problem[] {
  // The schema's enum already restricts sources; this guards the catalogue and schema staying in step.
  return spec.features.flatMap((f, i) => (FEATURE_SOURCE_NAMES.includes(f.source) ? [] : [{ path: ['features', i, 'source'], message: `unknown feature source "${f.source}"`, hint: `use one of: ${FEATURE_SOURCE_NAMES.join(', ')}` }]));
}

function checkLayers(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  let inputs = spec.features.length;
  let inFormat: Format = spec.input;
  spec.layers.forEach((layer, k) => {
    problems.push(...checkLayer(layer, k, inputs, inFormat, k === spec.layers.length - 1));
    inputs = layer.units;
    inFormat = layer.output_format;
  });
  return problems;
}

function checkLayer(layer: SpecLayer, k: number, inputs: number, inFormat: Format, last: boolean): Problem[] {
  const base: Path = ['layers', k];
  const problems: Problem[] = [];
  if (last && layer.units > LIMITS.maxOutputs) {
    problems.push({ path: [...base, 'units'], message: `the last layer has ${layer.units} units; at most ${LIMITS.maxOutputs} outputs are supported`, hint: 'reduce the outputs or add a smaller final layer' });
  }
  const shift = inFormat.frac + layer.weight_format.frac - layer.output_format.frac;
  if (Math.abs(shift) > LIMITS.maxShift) {
    problems.push({
      path: [...base, 'output_format', 'frac'],
      message: `requantize shift ${shift} (input frac ${inFormat.frac} + weight frac ${layer.weight_format.frac} - output frac ${layer.output_format.frac}) exceeds ±${LIMITS.maxShift}`,
      hint: 'choose an output frac closer to the accumulator scale',
    });
  }
  const acc = accumulatorFor(inputs, inFormat, layer.weight_format);
  if (acc.bits > LIMITS.maxAccBits) {
    problems.push({ path: base, message: `layer ${k} needs a ${acc.bits}-bit accumulator; at most ${LIMITS.maxAccBits} bits are supported`, hint: 'narrow the formats or shrink the layer' });
  }
  problems.push(...checkWeightShape(layer, base, inputs));
  problems.push(...checkValues(layer, base, inputs, inFormat));
  return problems;
}

function checkWeightShape(layer: SpecLayer, base: Path, inputs: number): Problem[] {
  const problems: Problem[] = [];
  if (layer.weights.length !== layer.units) {
    problems.push({ path: [...base, 'weights'], message: `weights has ${layer.weights.length} rows but units is ${layer.units}`, hint: 'weights is [units][inputs]: one row per unit' });
  }
  layer.weights.forEach((row, j) => {
    if (row.length !== inputs) {
      problems.push({ path: [...base, 'weights', j], message: `weights row ${j} has ${row.length} values but the layer has ${inputs} inputs`, hint: 'each row holds one weight per input of this layer' });
    }
  });
  if (layer.bias.length !== layer.units) {
    problems.push({ path: [...base, 'bias'], message: `bias has ${layer.bias.length} values but units is ${layer.units}`, hint: 'give one bias per unit' });
  }
  return problems;
}

function checkValues(layer: SpecLayer, base: Path, inputs: number, inFormat: Format): Problem[] {
  const problems: Problem[] = [];
  const quantize = layer.quantize === true;
  const wf = layer.weight_format;
  const bf = biasFormat(inputs, inFormat, wf);
  layer.weights.forEach((row, j) =>
    row.forEach((w, i) => {
      const p = checkValue(w, wf, quantize, [...base, 'weights', j, i], `weight_format ${describeFormat(wf)}`);
      if (p) problems.push(p);
    }),
  );
  layer.bias.forEach((b, j) => {
    const p = checkValue(b, bf, quantize, [...base, 'bias', j], `the bias format ${describeFormat(bf)} (accumulator scale, as wide as the layer's product sum)`);
    if (p) problems.push(p);
  });
  return problems.slice(0, 20);
}

function checkValue(v: number, f: Format, quantize: boolean, path: Path, what: string): Problem | undefined {
  if (!Number.isFinite(v)) return { path, message: `value ${v} is not a finite number` };
  if (quantize) return undefined; // real values are clamped by quantization
  if (!Number.isInteger(v)) {
    return { path, message: `value ${v} is not an integer`, hint: 'give integers in the format, or set `quantize: true` on the layer to give real values' };
  }
  if (!fits(v, f)) {
    const r = formatRange(f);
    return { path, message: `value ${v} does not fit ${what}: range [${r.min}, ${r.max}]`, hint: 'rescale the value or widen the format' };
  }
  return undefined;
}

/** The board exists (the schema's enum and boards.ts agree) and the datapath fits its DSP budget. */
function checkTarget(spec: Spec): Problem[] {
  const target = { ...DEFAULT_TARGET, ...spec.target };
  const board = findBoard(target.board);
  if (!board) return [{ path: ['target', 'board'], message: `unknown board "${target.board}"`, hint: 'use one of the boards in docs/SPEC.md' }];
  const shapes: LayerShape[] = spec.layers.map((l, k) => ({ inputs: k === 0 ? spec.features.length : spec.layers[k - 1]!.units, units: l.units }));
  const needed = multipliers(shapes, target.reuse);
  const budget = dspBudget(board);
  if (needed <= budget) return [];
  const reuse = reuseThatFits(shapes, board, LIMITS.maxReuse);
  return [
    {
      path: ['target', 'reuse'],
      message: `policy does not fit ${board.name}: ${needed} multipliers at reuse ${target.reuse}, budget ${budget} DSP48E2 (${DSP_BUDGET_SHARE * 100}% of ${board.capacity.dsp})`,
      hint: reuse !== undefined ? `set target.reuse to ${reuse} or more, or shrink the layers` : 'shrink the layers',
    },
  ];
}

function checkActions(spec: Spec): Problem[] {
  const last = spec.layers[spec.layers.length - 1];
  if (!last) return [];
  const outputs = last.units;
  if (!spec.actions) {
    return spec.head === 'argmax' ? [{ path: [], message: `head is argmax but no actions are given`, hint: `add "actions" with ${outputs} entries, one per output` }] : [];
  }
  const problems = checkUniqueNames(
    spec.actions.map((a) => a.name),
    ['actions'],
    'action',
  );
  if (spec.actions.length !== outputs) {
    problems.push({ path: ['actions'], message: `${spec.actions.length} actions for ${outputs} outputs`, hint: 'give exactly one action per output of the last layer' });
  }
  return problems;
}
