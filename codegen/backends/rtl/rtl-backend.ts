/**
 * The direct-RTL backend: a thin per-policy top (nicsched_policy.v), its constants
 * (nicsched_policy.vh) and a simulation top (nicsched_top.v), plus the hand-written library from
 * rtl/ so the output directory is self-contained. All logic is in the library.
 */

import { readFileSync } from 'node:fs';
import { describeFormat } from '../../numeric/format.js';
import { policyHash32Hex } from '../../ir/canonical.js';
import type { Ir, IrLayer } from '../../ir/ir.js';
import type { CompiledPolicy } from '../../compiled.js';
import { networkSummary, outputFormat } from '../../ir/ir.js';
import { hexDigits } from '../../util/hex.js';
import { packagePath, packageVersion } from '../../util/paths.js';
import type { EmittedFile } from '../../util/output.js';
import type { Backend } from '../backend.js';
import { render } from '../../util/templates.js';
import { packedRows } from './verilog.js';
import type { WeightBank } from '../../regmap/model.js';

/** Library files in compile order (the include file first). */
export const RTL_LIBRARY = ['nicsched_regs.vh', 'nicsched_argmax.v', 'nicsched_weight_bank.v', 'nicsched_dense.v', 'nicsched_result_dma.v', 'nicsched_app.v', 'mqnic_app_block.v'];
export const RTL_GENERATED = ['nicsched_policy.vh', 'nicsched_policy.v', 'nicsched_top.v'];

function bit(flag: boolean): number {
  return flag ? 1 : 0;
}

function layerData(ir: Ir, l: IrLayer, bank: WeightBank) {
  const at = bank.layers[l.index]!;
  const first = l.index === 0;
  const prev = `l${l.index - 1}`;
  return {
    index: l.index,
    first,
    inputs: l.inputs,
    units: l.units,
    activation: l.activation,
    inFormat: describeFormat(l.input_format),
    weightFormat: describeFormat(l.weight_format),
    accFormat: describeFormat(l.accumulator),
    outFormat: describeFormat(l.output_format),
    inBits: l.input_format.bits,
    inSigned: bit(l.input_format.signed),
    wBits: l.weight_format.bits,
    wSigned: bit(l.weight_format.signed),
    accBits: l.accumulator.bits,
    outBits: l.output_format.bits,
    outSigned: bit(l.output_format.signed),
    shift: l.shift,
    relu: bit(l.activation === 'relu'),
    levelsPerStage: ir.timing.levels_per_stage,
    reuse: ir.target.reuse,
    weightRows: packedRows(l.weights, l.weight_format.bits, (j) => `unit ${j}`),
    biasRows: packedRows([l.bias], l.accumulator.bits, () => 'bias'),
    weightCount: at.weightCount,
    weightWord: at.weightWord,
    weightEnd: at.weightWord + at.weightCount,
    biasWord: at.biasWord,
    biasEnd: at.biasWord + at.biasCount * at.wordsPerBias,
    cfgAddrBits: bank.addrBits,
    inValid: first ? 'in_valid' : `${prev}_valid`,
    inReady: first ? 'in_ready' : '',
    inMeta: first ? 'in_meta' : `${prev}_meta`,
    inData: first ? 'in_features' : `${prev}_data`,
  };
}

function policyData(policy: CompiledPolicy, version: string) {
  const { ir } = policy;
  const out = outputFormat(ir);
  const { figures, weightBank: bank } = policy.regmap;
  return {
    version,
    addrWidth: figures.addrWidth,
    cfgAddrBits: bank.addrBits,
    bankWords: bank.words,
    weightsBaseHex: hexDigits(bank.base, 8),
    name: ir.name,
    hash: policy.hash,
    hash32: policyHash32Hex(policy.hash),
    appId: hexDigits(figures.appId, 8),
    summary: `${networkSummary(ir)}, ${ir.target.slots} slots`,
    latency: ir.timing.latency,
    layerLatencies: ir.timing.layer_latency.join(' + '),
    ii: ir.timing.ii,
    slots: ir.target.slots,
    inputs: ir.features.length,
    inBits: ir.input_format.bits,
    inSigned: bit(ir.input_format.signed),
    outputs: ir.outputs,
    outBits: out.bits,
    outSigned: bit(out.signed),
    headArgmax: bit(ir.head === 'argmax'),
    layers: ir.layers.map((l) => layerData(ir, l, bank)),
    lastIndex: ir.layers.length - 1,
  };
}

export function emitRtl(policy: CompiledPolicy): EmittedFile[] {
  const data = policyData(policy, packageVersion());
  const generated: EmittedFile[] = [
    { path: 'rtl/nicsched_policy.vh', contents: render('rtl/nicsched_policy.vh.hbs', data) },
    { path: 'rtl/nicsched_policy.v', contents: render('rtl/nicsched_policy.v.hbs', data) },
    { path: 'rtl/nicsched_top.v', contents: render('rtl/nicsched_top.v.hbs', data) },
  ];
  const library = RTL_LIBRARY.map((name) => ({ path: `rtl/${name}`, contents: readFileSync(packagePath('rtl', name), 'utf8') }));
  const filelist = { path: 'rtl/files.f', contents: [...RTL_LIBRARY, ...RTL_GENERATED].filter((n) => n.endsWith('.v')).join('\n') + '\n' };
  return [...library, ...generated, filelist];
}

export const rtlBackend: Backend = {
  name: 'rtl',
  description: 'rtl/: the policy top (nicsched_policy.v), constants, simulation top and the RTL library',
  emit: emitRtl,
};
