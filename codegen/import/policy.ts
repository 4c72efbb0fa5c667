/**
 * An imported float network plus the user's choices (flags and/or an overrides template) becomes a
 * policy spec with `quantize: true` layers, written as YAML with a header naming its source.
 */

import type { Format } from '../numeric/format.js';
import type { Head, Spec, SpecAction, SpecFeature, SpecHook, SpecLayer, SpecTarget } from '../spec/types.js';
import type { QuantizationReport } from '../ir/ir.js';
import { chooseFormats } from './formats.js';
import { networkShape, type FloatNetwork } from './onnx-graph.js';

/** Formats a template may set per layer; everything else of a layer comes from the model. */
export interface LayerOverride {
  weight_format?: Format;
  output_format?: Format;
}

export interface PolicyChoices {
  name: string;
  description?: string;
  features: SpecFeature[];
  input: Format;
  head: Head;
  actions?: SpecAction[];
  target?: SpecTarget;
  hook?: SpecHook;
  layers?: LayerOverride[];
  weightBits: number;
  activationBits: number;
}

export interface SourceInfo {
  file: string;
  sha256: string;
  producer: string;
  irVersion: number | undefined;
  opset: number | undefined;
}

export function buildSpec(net: FloatNetwork, choices: PolicyChoices): Spec {
  const defaults = chooseFormats(net.layers, choices.input, choices.weightBits, choices.activationBits);
  const layers: SpecLayer[] = net.layers.map((l, k) => ({
    units: l.units,
    activation: l.activation,
    weight_format: choices.layers?.[k]?.weight_format ?? defaults[k]!.weight_format,
    output_format: choices.layers?.[k]?.output_format ?? defaults[k]!.output_format,
    quantize: true,
    weights: l.weights,
    bias: l.bias,
  }));
  return {
    nicsched: 1,
    name: choices.name,
    ...(choices.description !== undefined ? { description: choices.description } : {}),
    features: choices.features,
    input: choices.input,
    layers,
    head: choices.head,
    ...(choices.actions ? { actions: choices.actions } : {}),
    ...(choices.target ? { target: choices.target } : {}),
    ...(choices.hook ? { hook: choices.hook } : {}),
  };
}

export function headerLines(src: SourceInfo, net: FloatNetwork): string[] {
  return [
    `Imported by \`nicsched import\` from ${src.file}`,
    `sha256 ${src.sha256}`,
    `producer ${src.producer}; ONNX IR version ${src.irVersion ?? '?'}; opset ai.onnx ${src.opset ?? '?'}`,
    `network ${networkShape(net)}; layers from nodes: ${net.layers.map((l) => l.nodes.join('+')).join(' | ')}`,
    "Weights and biases are the model's floats; `quantize: true` lets the compiler round them (roundHalfEven).",
    'Default formats: docs/IMPORT.md. Edit the formats here or pass --spec-overrides to change them.',
  ];
}

export function quantizationLines(report: QuantizationReport[]): string[] {
  return report.map((r) => `layer ${r.layer} ${r.tensor.padEnd(7)} max |error| ${r.max_abs_error.toPrecision(3)}${r.clamped ? `, ${r.clamped} clamped` : ''}`);
}
