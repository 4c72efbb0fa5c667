/**
 * The IR: the quantized integer network every backend exports. It is fully resolved (defaults
 * filled in, floats quantized, accumulator widths derived) so no backend re-derives anything.
 * Its canonical JSON is hashed into the policy hash (see canonical.ts).
 */

import type { Accumulator } from '../numeric/accumulator.js';
import type { Format } from '../numeric/format.js';
import type { Activation, Head, HookPoint } from '../spec/types.js';

export const IR_VERSION = 1;

export interface IrFeature {
  name: string;
  source: string;
}

export interface IrLayer {
  index: number;
  inputs: number;
  units: number;
  activation: Activation;
  input_format: Format;
  weight_format: Format;
  output_format: Format;
  /** Signed; frac = input frac + weight frac. */
  accumulator: Accumulator;
  /** acc.frac - out.frac: > 0 rounds half up and shifts right, ≤ 0 shifts left. */
  shift: number;
  /** [units][inputs], integers in weight_format. */
  weights: number[][];
  /** [units], integers at accumulator scale. */
  bias: number[];
}

export interface IrAction {
  name: string;
  nice: number;
}

export interface IrTarget {
  board: string;
  part: string;
  clock_mhz: number;
  reuse: number;
  slots: number;
}

export interface IrHook {
  points: HookPoint[];
  decision_ttl_ms: number;
  stall_timeout_ms: number;
}

export interface IrTiming {
  /** Adder-tree levels between pipeline registers in the RTL datapath. */
  levels_per_stage: number;
  /** Cycles each layer takes from input valid to output valid. */
  layer_latency: number[];
  /** Cycles from an accepted DOORBELL to RESULT.VALID with an idle pipeline. */
  latency: number;
  /** Cycles between accepted inferences at full rate. */
  ii: number;
}

export interface Ir {
  ir_version: typeof IR_VERSION;
  name: string;
  features: IrFeature[];
  input_format: Format;
  layers: IrLayer[];
  head: Head;
  outputs: number;
  actions: IrAction[];
  target: IrTarget;
  hook: IrHook;
  timing: IrTiming;
}

/** Per-tensor quantization report (only when a layer used `quantize: true`); not part of the IR. */
export interface QuantizationReport {
  layer: number;
  tensor: 'weights' | 'bias';
  /** Largest |real − q·2^-frac| over the tensor. */
  max_abs_error: number;
  /** How many values were clamped to the format's range. */
  clamped: number;
}

/** A lowered policy: the IR with its hash. codegen/compiled.ts's CompiledPolicy adds the models built from it. */
export interface LoweredPolicy {
  /** The policy file it came from, for located errors in later stages. */
  file?: string;
  ir: Ir;
  /** SHA-256 of the canonical IR, hex. */
  hash: string;
  quantization: QuantizationReport[];
}

/** "8-16-8-4 MLP, head argmax": the network's widths, input first, and its head. */
export function networkSummary(ir: Ir): string {
  return `${[ir.features.length, ...ir.layers.map((l) => l.units)].join('-')} MLP, head ${ir.head}`;
}

export function outputFormat(ir: Ir): Format {
  const last = ir.layers[ir.layers.length - 1];
  if (!last) throw new Error('IR has no layers');
  return last.output_format;
}
