/**
 * The HLS backend: a Vitis HLS project per policy, in the hls4ml style. The logic is the
 * hand-written library in hls/ (copied into the output so it is self-contained); the backend emits
 * only the top function, one config struct per layer, the weights, a C++ testbench that compares
 * bit for bit with the golden model's answers, and run_hls.tcl.
 *
 * `hlsData` prepares everything the templates lay out; `renderHls` turns it into files. They are
 * separate so a test can render a deliberately wrong config and prove the comparison catches it.
 */

import { readFileSync } from 'node:fs';
import { describeFormat } from '../../numeric/format.js';
import { policyHash32Hex } from '../../ir/canonical.js';
import { networkSummary, type Ir, type IrLayer } from '../../ir/ir.js';
import type { CompiledPolicy } from '../../compiled.js';
import { indexBits } from '../../util/bits.js';
import { packagePath, packageVersion } from '../../util/paths.js';
import type { EmittedFile } from '../../util/output.js';
import type { Backend } from '../backend.js';
import { render } from '../../util/templates.js';
import { clockPeriodNs, fixedType, realLiteral } from './cpp.js';

/** The hand-written library, copied into <out>/hls/. */
export const HLS_LIBRARY = ['nicsched_types.h', 'nicsched_activation.h', 'nicsched_dense.h', 'nicsched_argmax.h', 'nicsched_testbench.h'];

/** What the backend generates into <out>/hls/, with the template of each. */
const HLS_GENERATED: ReadonlyArray<{ path: string; template: string }> = [
  { path: 'nicsched_policy.h', template: 'hls/nicsched_policy.h.hbs' },
  { path: 'nicsched_weights.h', template: 'hls/nicsched_weights.h.hbs' },
  { path: 'nicsched_policy.cpp', template: 'hls/nicsched_policy.cpp.hbs' },
  { path: 'nicsched_tb.cpp', template: 'hls/nicsched_tb.cpp.hbs' },
  { path: 'run_hls.tcl', template: 'hls/run_hls.tcl.hbs' },
  { path: 'README.md', template: 'hls/README.md.hbs' },
];

/** to_raw() returns long long: the accumulator's integers must fit one (validation allows ≤ 48 bits). */
const MAX_RAW_BITS = 63;

export interface HlsLayerData {
  index: number;
  config: string;
  inputs: number;
  units: number;
  reuse: number;
  strategy: 'latency' | 'resource';
  activation: 'relu' | 'linear';
  summary: string;
  /** C++ types; inputType of a later layer is the previous layer's output_t. */
  inputType: string;
  weightType: string;
  accumType: string;
  outputType: string;
  inFormat: string;
  weightFormat: string;
  accFormat: string;
  outFormat: string;
  /** Brace initializers, one per unit: `{w, w, …}`. */
  weightRows: { unit: number; initializer: string }[];
  biasInitializer: string;
  /** The array the layer reads (the top's features, or the previous layer's output) and writes. */
  inArray: string;
  outArray: string;
}

export interface HlsData {
  version: string;
  name: string;
  hash: string;
  hash32: string;
  summary: string;
  features: number;
  outputs: number;
  headArgmax: boolean;
  actionBits: number;
  actionNames: string;
  reuse: number;
  part: string;
  board: string;
  clockMhz: number;
  clockPeriod: string;
  project: string;
  layers: HlsLayerData[];
  lastOut: string;
  lastIndex: number;
  /** Headers the project lists: the generated ones, then the library's synthesizable ones. */
  headers: string[];
}

/** An invariant validation keeps (LIMITS.maxAccBits < MAX_RAW_BITS), asserted where it matters. */
function assertRepresentable(ir: Ir): void {
  for (const l of ir.layers) {
    if (l.accumulator.bits > MAX_RAW_BITS) throw new Error(`layer ${l.index}: a ${l.accumulator.bits}-bit accumulator passed validation but does not fit the testbench's 64-bit integers`);
  }
}

function braced(values: string[]): string {
  return `{${values.join(', ')}}`;
}

function layerData(ir: Ir, l: IrLayer): HlsLayerData {
  const reuse = ir.target.reuse;
  const config = `layer${l.index}_config`;
  return {
    index: l.index,
    config,
    inputs: l.inputs,
    units: l.units,
    reuse,
    strategy: reuse > 1 ? 'resource' : 'latency',
    activation: l.activation === 'relu' ? 'relu' : 'linear',
    summary: `${l.inputs} -> ${l.units}, ${l.activation}; in ${describeFormat(l.input_format)}, weights ${describeFormat(l.weight_format)}, acc ${describeFormat(l.accumulator)}, out ${describeFormat(l.output_format)} (shift ${l.shift})`,
    inputType: l.index === 0 ? fixedType(l.input_format) : `layer${l.index - 1}_config::output_t`,
    weightType: fixedType(l.weight_format),
    accumType: fixedType(l.accumulator),
    outputType: fixedType(l.output_format, 'requantize'),
    inFormat: describeFormat(l.input_format),
    weightFormat: describeFormat(l.weight_format),
    accFormat: describeFormat(l.accumulator),
    outFormat: describeFormat(l.output_format),
    weightRows: l.weights.map((row, unit) => ({ unit, initializer: braced(row.map((q) => realLiteral(q, l.weight_format.frac))) })),
    biasInitializer: braced(l.bias.map((q) => realLiteral(q, l.accumulator.frac))),
    inArray: l.index === 0 ? 'features' : `layer${l.index - 1}_out`,
    outArray: `layer${l.index}_out`,
  };
}

export function hlsData(policy: CompiledPolicy): HlsData {
  const { ir } = policy;
  assertRepresentable(ir);
  const layers = ir.layers.map((l) => layerData(ir, l));
  return {
    version: packageVersion(),
    name: ir.name,
    hash: policy.hash,
    hash32: policyHash32Hex(policy.hash),
    summary: `${networkSummary(ir)}, reuse ${ir.target.reuse}`,
    features: ir.features.length,
    outputs: ir.outputs,
    headArgmax: ir.head === 'argmax',
    actionBits: indexBits(ir.outputs),
    actionNames: ir.actions.map((a, k) => `${k} ${a.name}`).join(', '),
    reuse: ir.target.reuse,
    part: ir.target.part,
    board: ir.target.board,
    clockMhz: ir.target.clock_mhz,
    clockPeriod: clockPeriodNs(ir.target.clock_mhz),
    project: `nicsched_${ir.name}`,
    layers,
    lastOut: layers[layers.length - 1]!.outArray,
    lastIndex: layers.length - 1,
    headers: ['nicsched_policy.h', 'nicsched_weights.h', ...HLS_LIBRARY.filter((h) => h !== 'nicsched_testbench.h')],
  };
}

export function renderHls(data: HlsData): EmittedFile[] {
  const library = HLS_LIBRARY.map((name) => ({ path: `hls/${name}`, contents: readFileSync(packagePath('hls', name), 'utf8') }));
  const generated = HLS_GENERATED.map((g) => ({ path: `hls/${g.path}`, contents: render(g.template, data) }));
  return [...library, ...generated];
}

export function emitHls(policy: CompiledPolicy): EmittedFile[] {
  return renderHls(hlsData(policy));
}

export const hlsBackend: Backend = {
  name: 'hls',
  description: 'hls/: Vitis HLS top (nicsched_policy_top), layer configs, weights, C++ testbench, run_hls.tcl and the HLS library',
  emit: emitHls,
};
