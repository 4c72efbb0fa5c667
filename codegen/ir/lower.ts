/**
 * Lowering: a validated spec becomes the IR. Floats are quantized (§3: round half to even, clamp),
 * defaults are filled in, accumulator widths are derived from worst-case bounds, and the RTL
 * schedule is predicted. Lowering refuses nothing: validation (spec/validate.ts) already has.
 */

import { findBoard } from '../spec/boards.js';
import { DEFAULT_HOOK, DEFAULT_TARGET, type Spec, type SpecLayer } from '../spec/types.js';
import { accumulatorFor, biasFormat } from '../numeric/accumulator.js';
import { formatRange, quantizeValue, type Format } from '../numeric/format.js';
import { IR_VERSION, type Ir, type IrLayer, type QuantizationReport } from './ir.js';
import { predictTiming } from './timing.js';

export interface Lowered {
  ir: Ir;
  quantization: QuantizationReport[];
}

export function lower(spec: Spec): Lowered {
  const quantization: QuantizationReport[] = [];
  const layers: IrLayer[] = [];
  let inputs = spec.features.length;
  let inFormat: Format = spec.input;
  spec.layers.forEach((layer, index) => {
    const lowered = lowerLayer(layer, index, inputs, inFormat, quantization);
    layers.push(lowered);
    inputs = lowered.units;
    inFormat = lowered.output_format;
  });
  const target = { ...DEFAULT_TARGET, ...spec.target };
  const board = findBoard(target.board);
  if (!board) throw new Error(`lowering a spec validation let through: unknown board "${target.board}"`);
  const hook = { ...DEFAULT_HOOK, ...spec.hook };
  const ir: Ir = {
    ir_version: IR_VERSION,
    name: spec.name,
    features: spec.features.map((f) => ({ name: f.name, source: f.source })),
    input_format: copyFormat(spec.input),
    layers,
    head: spec.head,
    outputs: inputs,
    actions: (spec.actions ?? []).map((a) => ({ name: a.name, nice: a.nice ?? 0 })),
    target: { board: board.name, part: board.part, clock_mhz: target.clock_mhz, reuse: target.reuse, slots: target.slots },
    hook: { points: [...hook.points], decision_ttl_ms: hook.decision_ttl_ms, stall_timeout_ms: hook.stall_timeout_ms },
    timing: predictTiming(
      layers.map((l) => l.inputs),
      target.reuse,
    ),
  };
  return { ir, quantization };
}

function copyFormat(f: Format): Format {
  return { bits: f.bits, frac: f.frac, signed: f.signed };
}

function lowerLayer(layer: SpecLayer, index: number, inputs: number, inFormat: Format, report: QuantizationReport[]): IrLayer {
  const weightFormat = copyFormat(layer.weight_format);
  const bf = biasFormat(inputs, inFormat, weightFormat);
  let weights = layer.weights.map((row) => [...row]);
  let bias = [...layer.bias];
  if (layer.quantize) {
    const w = quantizeTensor(weights.flat(), weightFormat);
    const b = quantizeTensor(bias, bf);
    weights = reshape(w.values, layer.units, inputs);
    bias = b.values;
    report.push({ layer: index, tensor: 'weights', max_abs_error: w.maxError, clamped: w.clamped });
    report.push({ layer: index, tensor: 'bias', max_abs_error: b.maxError, clamped: b.clamped });
  }
  const accumulator = accumulatorFor(inputs, inFormat, weightFormat);
  return {
    index,
    inputs,
    units: layer.units,
    activation: layer.activation,
    input_format: copyFormat(inFormat),
    weight_format: weightFormat,
    output_format: copyFormat(layer.output_format),
    accumulator,
    shift: accumulator.frac - layer.output_format.frac,
    weights,
    bias,
  };
}

function reshape(values: number[], rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, j) => values.slice(j * cols, (j + 1) * cols));
}

interface QuantizedTensor {
  values: number[];
  maxError: number;
  clamped: number;
}

export function quantizeTensor(reals: number[], f: Format): QuantizedTensor {
  const { min, max } = formatRange(f);
  let maxError = 0;
  let clamped = 0;
  const values = reals.map((v) => {
    const q = quantizeValue(v, f);
    const exact = v * 2 ** f.frac;
    if (exact < min - 0.5 || exact > max + 0.5) clamped++;
    maxError = Math.max(maxError, Math.abs(v - q * 2 ** -f.frac));
    return q;
  });
  return { values, maxError, clamped };
}
