/**
 * `nicsched import`: an ONNX MLP → a policy spec with float weights (`quantize: true`).
 * Reads the file, decodes the protobuf subset, extracts the layer chain, applies the user's choices,
 * and compiles the result once so that only a valid policy is ever written.
 */

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { compilePolicyText } from '../policy.js';
import type { CompiledPolicy } from '../compiled.js';
import { InputError, inputError } from '../util/errors.js';
import { FEATURE_SOURCE_NAMES } from '../spec/catalogue.js';
import { DEFAULT_ACTIVATION_BITS, DEFAULT_INPUT_FORMAT, DEFAULT_WEIGHT_BITS } from './defaults.js';
import { decodeModel, type OnnxModel } from './onnx-proto.js';
import { extractNetwork, networkShape, type FloatNetwork } from './onnx-graph.js';
import { mergeFlags, parseCount, readTemplate, type Choices, type ImportFlags } from './overrides.js';
import { specYaml } from '../spec/write.js';
import { buildSpec, headerLines, quantizationLines, type PolicyChoices, type SourceInfo } from './policy.js';

export interface ImportResult {
  text: string;
  policy: CompiledPolicy;
  source: SourceInfo;
  network: FloatNetwork;
}

export { DEFAULT_INPUT_FORMAT, DEFAULT_WEIGHT_BITS, DEFAULT_ACTIVATION_BITS };

export function importOnnx(file: string, flags: ImportFlags, outputName: string): ImportResult {
  const bytes = readModelBytes(file);
  const model = decodeModel(bytes, file);
  const source = sourceInfo(file, bytes, model);
  if (!model.graph) throw inputError('the model has no graph', { file }, 'export the model again');
  const network = extractNetwork(model.graph, file);
  const template = flags.specOverrides ? readTemplate(flags.specOverrides) : {};
  const choices = complete(mergeFlags(template, flags), flags, network, file);
  const spec = buildSpec(network, choices);
  const draft = specYaml(spec, headerLines(source, network));
  const policy = compileChecked(draft, file, flags.specOverrides);
  const text = specYaml(spec, [...headerLines(source, network), 'Quantization (worst |float - quantized| per tensor):', ...quantizationLines(policy.quantization).map((l) => `  ${l}`)]);
  return { text, policy: compileChecked(text, file, flags.specOverrides, outputName), source, network };
}

function readModelBytes(file: string): Uint8Array {
  try {
    if (statSync(file).isDirectory()) throw inputError('is a directory, not an .onnx file', { file }, 'give the path of the exported model');
    return readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(code === 'ENOENT' ? 'no such file' : `cannot read the model: ${(err as Error).message}`, { file }, 'give the path of an .onnx file');
  }
}

function sourceInfo(file: string, bytes: Uint8Array, model: OnnxModel): SourceInfo {
  const opset = model.opset_import.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx')?.version;
  const producer = `${model.producer_name || 'unknown producer'}${model.producer_version ? ` ${model.producer_version}` : ''}`;
  return { file: basename(file), sha256: createHash('sha256').update(bytes).digest('hex'), producer, irVersion: model.ir_version, opset };
}

/** Fill what the user left out, and check what only the model can tell (input width). */
function complete(c: Choices, flags: ImportFlags, net: FloatNetwork, file: string): PolicyChoices {
  const features = c.features;
  const declared = net.inputShape.length > 2 ? ` (declared [${net.inputShape.map((d) => d ?? 'N').join(', ')}], flattened)` : '';
  const catalogue = FEATURE_SOURCE_NAMES.join(', ');
  if (!features || features.length === 0) {
    throw inputError(`graph input "${net.input}" has width ${net.inputWidth}${declared} but no features are given`, { file }, `name ${net.inputWidth} feature sources in input order with --features (catalogue: ${catalogue}) or in the template's "features"`);
  }
  if (features.length !== net.inputWidth) {
    throw inputError(`graph input "${net.input}" has width ${net.inputWidth}${declared} but ${features.length} features are given (${features.map((f) => f.name).join(', ')})`, { file }, `give exactly ${net.inputWidth} features, one per input column in order`);
  }
  const head = c.head ?? 'argmax';
  const outputs = net.layers[net.layers.length - 1]!.units;
  if (head === 'argmax' && !c.actions) {
    throw inputError(`the model has ${outputs} outputs and head is argmax, but no actions are given`, { file }, `give ${outputs} actions with --actions (e.g. keep,boost:-3) or use --head scores`);
  }
  if (c.layers && c.layers.length !== net.layers.length) {
    throw inputError(`the overrides template gives formats for ${c.layers.length} layers but the model has ${net.layers.length}`, { file: flags.specOverrides, pointer: '/layers' }, 'give one entry per model layer, in order');
  }
  return {
    name: c.name ?? defaultName(file),
    ...(c.description !== undefined ? { description: c.description } : {}),
    features,
    input: c.input ?? { ...DEFAULT_INPUT_FORMAT },
    head,
    ...(c.actions ? { actions: c.actions } : {}),
    ...(c.target ? { target: c.target } : {}),
    ...(c.hook ? { hook: c.hook } : {}),
    ...(c.layers ? { layers: c.layers } : {}),
    weightBits: bitsFlag(flags.weightBits, '--weight-bits', DEFAULT_WEIGHT_BITS),
    activationBits: bitsFlag(flags.activationBits, '--activation-bits', DEFAULT_ACTIVATION_BITS),
  };
}

function bitsFlag(text: string | undefined, flag: string, fallback: number): number {
  const bits = parseCount(text, flag, fallback);
  if (bits < 2 || bits > 16) throw inputError(`${flag} ${bits} is outside 2 … 16`, {}, 'formats are 1 to 16 bits wide (docs/SPEC.md)');
  return bits;
}

/** A policy name from the file name: lower case, [a-z0-9_], starting with a letter. */
function defaultName(file: string): string {
  const stem = basename(file)
    .replace(/\.onnx$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const name = /^[a-z]/.test(stem) ? stem : `model_${stem}`;
  return name.slice(0, 32).replace(/_+$/, '') || 'model';
}

/** Validate the generated policy; its problems are the user's choices, so say where they came from. */
function compileChecked(text: string, file: string, template: string | undefined, outputName = '<imported policy>'): CompiledPolicy {
  try {
    return compilePolicyText(text, outputName);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const from = template ? `the flags or ${template}` : 'the flags';
    throw new InputError(
      err.diagnostics.map((d) => ({
        file,
        message: `the imported policy would be invalid at ${d.pointer ?? '/'}: ${d.message}`,
        hint: `${d.hint ? `${d.hint}; ` : ''}set it with ${from}`,
      })),
    );
  }
}

export { networkShape, quantizationLines };
