/**
 * The register model: one elaborated description of every register the card exposes, built from
 * the IR. Every exporter (JSON, C, Verilog, TypeScript, Markdown, HTML) walks this model and
 * invents nothing; rtl/nicsched_regs.vh is the policy-independent part of the Verilog export.
 *
 * Layout v2.0 (docs/HARDWARE.md): a global block at 0x0000, one block per request slot at
 * SLOT_BASE + n·SLOT_STRIDE, and the shadow weight bank at WEIGHTS_BASE. Registers are 32 bits,
 * little-endian.
 */

import { APP_ID, REG_ID, REG_VERSION } from '../ir/constants.js';
import { policyHash32 } from '../ir/canonical.js';
import { outputFormat, type CompiledPolicy } from '../ir/ir.js';
import { indexBits } from '../util/bits.js';
import { shapeHash32 } from './shape.js';

/** RO read-only; RW read-write; WO write-only (reads as `readsAs`); W1C write 1 to clear; W1S write 1 to set (hardware clears). */
export type Access = 'RO' | 'RW' | 'WO' | 'W1C' | 'W1S';

export interface Field {
  name: string;
  lsb: number;
  width: number;
  description: string;
  /** Named bits inside a multi-bit flags field. */
  flags?: { name: string; bit: number; description: string }[];
}

export interface Register {
  name: string;
  /** Offset inside its block; for an array, of element 0. */
  offset: number;
  access: Access;
  reset: number;
  description: string;
  fields: Field[];
  /** Register arrays (FEATURE[i], SCORE[k]): element count and byte stride. */
  count?: number;
  stride?: number;
  /** What a read returns when it is not the stored value (WO registers). */
  readsAs?: string;
}

export interface Block {
  name: string;
  base: number;
  description: string;
  registers: Register[];
  /** Block arrays (slots): instance count and byte stride. */
  count?: number;
  stride?: number;
}

export interface RegisterMap {
  version: { major: number; minor: number };
  /** Address bits the AXI-Lite slave decodes. */
  addrWidth: number;
  blocks: Block[];
  /** Named constants every export carries (ID value, version value, policy facts). */
  constants: { name: string; value: number; description: string }[];
}

/** Offsets fixed by layout v1.0, independent of the policy. */
export const LAYOUT = {
  slotBase: 0x1000,
  slotStride: 0x400,
  scoreOffset: 0x080,
  featureOffset: 0x100,
  packedOffset: 0x200,
  weightsBase: 0x20000,
  maxSlots: 64,
  maxInputs: 64,
  maxOutputs: 32,
  tagBits: 16,
} as const;

/** Features per FEATURES_PACKED word: as many whole inputs as fit 32 bits. */
export function featuresPerWord(inBits: number): number {
  return Math.floor(32 / inBits);
}

/** 32-bit words one bias entry of this width takes in the weight bank (low word first). */
export function biasWords(bits: number): number {
  return Math.ceil(bits / 32);
}

const field = (name: string, lsb: number, width: number, description: string): Field => ({ name, lsb, width, description });

function globalBlock(policy: CompiledPolicy): Block {
  const { ir } = policy;
  const out = outputFormat(ir);
  const caps = ir.features.length | (ir.outputs << 8) | (ir.target.slots << 16) | ((ir.head === 'scores' ? 1 : 0) << 24);
  const format = ir.input_format.bits | (Number(ir.input_format.signed) << 8) | (out.bits << 16) | (Number(out.signed) << 24);
  const timing = ir.timing.latency | (ir.timing.ii << 16);
  return {
    name: 'global',
    base: 0x0000,
    description: 'Identification, control, status and counters.',
    registers: [
      { name: 'ID', offset: 0x000, access: 'RO', reset: REG_ID, description: 'Block identifier "NSCH".', fields: [] },
      { name: 'VERSION', offset: 0x004, access: 'RO', reset: REG_VERSION, description: 'Register-layout version.', fields: [field('MINOR', 0, 16, 'minor'), field('MAJOR', 16, 16, 'major')] },
      { name: 'POLICY_HASH', offset: 0x008, access: 'RO', reset: policyHash32(policy.hash), description: 'First 32 bits (big-endian) of the SHA-256 policy hash.', fields: [] },
      {
        name: 'CAPS', offset: 0x00c, access: 'RO', reset: caps >>> 0, description: 'Capabilities.',
        fields: [field('INPUTS', 0, 8, 'features per slot'), field('OUTPUTS', 8, 8, 'outputs of the last layer'), field('SLOTS', 16, 8, 'request slots'), { ...field('FLAGS', 24, 8, 'feature flags'), flags: [{ name: 'HEAD_SCORES', bit: 0, description: 'head is scores (no argmax)' }] }],
      },
      {
        name: 'CONTROL', offset: 0x010, access: 'RW', reset: 0, description: 'Control.',
        fields: [field('ENABLE', 0, 1, 'accept doorbells'), field('SOFT_RESET', 1, 1, 'write 1: clear slots, pipeline, counters and ERROR; reads 0')],
      },
      { name: 'STATUS', offset: 0x014, access: 'RO', reset: 0, description: 'Status.', fields: [field('ENABLED', 0, 1, 'CONTROL.ENABLE'), field('BUSY', 1, 1, 'a slot is pending or in flight')] },
      {
        name: 'ERROR', offset: 0x018, access: 'W1C', reset: 0, description: 'Sticky error bits; write 1 to clear.',
        fields: [
          field('DOORBELL_DISABLED', 0, 1, 'doorbell while CONTROL.ENABLE = 0'),
          field('DOORBELL_BUSY', 1, 1, 'doorbell on a busy slot'),
          field('FEATURE_BUSY', 2, 1, 'feature write on a busy slot'),
          field('BAD_ADDRESS', 3, 1, 'access to an unmapped address'),
        ],
      },
      { name: 'TIMING', offset: 0x01c, access: 'RO', reset: timing >>> 0, description: "The compiler's prediction.", fields: [field('LATENCY', 0, 16, 'doorbell-to-result cycles'), field('II', 16, 16, 'cycles between inferences')] },
      { name: 'INFERENCES', offset: 0x020, access: 'RO', reset: 0, description: 'Results written (wraps).', fields: [] },
      { name: 'LAT_LAST', offset: 0x024, access: 'RO', reset: 0, description: 'Doorbell-to-result cycles of the last result.', fields: [] },
      { name: 'LAT_MAX', offset: 0x028, access: 'RO', reset: 0, description: 'Largest LAT_LAST since reset.', fields: [] },
      { name: 'ERRORS', offset: 0x02c, access: 'RO', reset: 0, description: 'Error events (wraps).', fields: [] },
      {
        name: 'FORMAT', offset: 0x030, access: 'RO', reset: format >>> 0, description: 'Input and output number formats.',
        fields: [field('IN_BITS', 0, 8, 'input width'), field('IN_SIGNED', 8, 1, 'inputs are signed'), field('OUT_BITS', 16, 8, 'output width'), field('OUT_SIGNED', 24, 1, 'outputs are signed')],
      },
      {
        name: 'RELOAD', offset: 0x034, access: 'W1S', reset: 0, description: 'Weight reload.',
        fields: [field('COMMIT', 0, 1, 'write 1: swap the shadow bank in between inferences; reads 1 until done')],
      },
      { name: 'SHADOW_HASH', offset: 0x038, access: 'RW', reset: policyHash32(policy.hash), description: 'POLICY_HASH the shadow bank holds; COMMIT copies it to POLICY_HASH.', fields: [] },
      { name: 'RELOADS', offset: 0x03c, access: 'RO', reset: 0, description: 'Commits done (wraps).', fields: [] },
    ],
  };
}

function slotBlock(policy: CompiledPolicy): Block {
  const { ir } = policy;
  return {
    name: 'slot',
    base: LAYOUT.slotBase,
    count: ir.target.slots,
    stride: LAYOUT.slotStride,
    description: 'A request slot: features in, doorbell, result out. One owner (CPU) per slot.',
    registers: [
      { name: 'DOORBELL', offset: 0x000, access: 'WO', reset: 0, readsAs: '0', description: "Start an inference on this slot's features.", fields: [field('TAG', 0, LAYOUT.tagBits, 'returned in RESULT.TAG')] },
      {
        name: 'RESULT', offset: 0x004, access: 'RO', reset: 0, description: 'The last result of this slot.',
        fields: [field('ACTION', 0, 8, 'argmax index (0 for head = scores)'), field('TAG', 8, LAYOUT.tagBits, 'tag of the doorbell'), field('BUSY', 30, 1, 'an inference is pending or in flight'), field('VALID', 31, 1, 'ACTION, TAG and SCORE hold a result')],
      },
      { name: 'SCORE', offset: LAYOUT.scoreOffset, count: ir.outputs, stride: 4, access: 'RO', reset: 0, description: 'Last-layer output k, sign- or zero-extended.', fields: [] },
      { name: 'FEATURE', offset: LAYOUT.featureOffset, count: ir.features.length, stride: 4, access: 'RW', reset: 0, description: 'Input i (low input-width bits stored); ignored while BUSY.', fields: [] },
      {
        name: 'FEATURES_PACKED', offset: LAYOUT.packedOffset, count: Math.ceil(ir.features.length / featuresPerWord(ir.input_format.bits)), stride: 4, access: 'RW', reset: 0,
        description: `The same inputs, ${featuresPerWord(ir.input_format.bits)} per word: input w·${featuresPerWord(ir.input_format.bits)}+m at bits [m·${ir.input_format.bits} +: ${ir.input_format.bits}]. A write updates the inputs whose bits lie in strobed bytes; ignored while BUSY.`,
        fields: [],
      },
    ],
  };
}

/** The shadow weight bank: every weight and bias of every layer, write-only, swapped in by RELOAD.COMMIT. */
function weightsBlock(policy: CompiledPolicy): Block {
  const registers: Register[] = [];
  let offset = 0;
  for (const l of policy.ir.layers) {
    registers.push({ name: `L${l.index}_WEIGHT`, offset, count: l.units * l.inputs, stride: 4, access: 'WO', reset: 0, readsAs: '0', description: `Layer ${l.index} weight [j][i] at element j·${l.inputs}+i, low ${l.weight_format.bits} bits (two's complement).`, fields: [] });
    offset += 4 * l.units * l.inputs;
    const words = biasWords(l.accumulator.bits);
    registers.push({ name: `L${l.index}_BIAS`, offset, count: l.units, stride: 4 * words, access: 'WO', reset: 0, readsAs: '0', description: `Layer ${l.index} bias [j], ${l.accumulator.bits}-bit two's complement at accumulator scale${words > 1 ? ', low word first' : ''}.`, fields: [] });
    offset += 4 * words * l.units;
  }
  return { name: 'weights', base: LAYOUT.weightsBase, description: 'Shadow weight bank (reset: the compiled weights). Written over AXI-Lite, swapped in atomically by RELOAD.COMMIT.', registers };
}

/** Bytes from address 0 to the end of the last register: the register window a host must map. */
function mapEnd(blocks: Block[]): number {
  return blocks.reduce((max, b) => Math.max(max, ...b.registers.map((r) => addressOf(b, r, (b.count ?? 1) - 1, (r.count ?? 1) - 1) + (r.stride ?? 4))), 0);
}

/** 32-bit words of the shadow weight bank (every weight, then every bias word, per layer). */
function bankWords(block: Block): number {
  return block.registers.reduce((max, r) => Math.max(max, (r.offset + (r.count ?? 1) * (r.stride ?? 4)) / 4), 0);
}

/** Address bits the slave must decode to reach every register. */
function addressWidth(blocks: Block[]): number {
  return indexBits(mapEnd(blocks), 16);
}

export function buildRegisterMap(policy: CompiledPolicy): RegisterMap {
  const { ir } = policy;
  const out = outputFormat(ir);
  const weights = weightsBlock(policy);
  const blocks = [globalBlock(policy), slotBlock(policy), weights];
  return {
    version: { major: REG_VERSION >>> 16, minor: REG_VERSION & 0xffff },
    addrWidth: addressWidth(blocks),
    blocks,
    constants: [
      { name: 'ID_VALUE', value: REG_ID, description: 'ID register value' },
      { name: 'VERSION_VALUE', value: REG_VERSION, description: 'VERSION register value' },
      { name: 'POLICY_HASH_VALUE', value: policyHash32(policy.hash), description: 'POLICY_HASH of this policy' },
      { name: 'APP_ID', value: APP_ID, description: 'Corundum application ID' },
      { name: 'SLOTS', value: ir.target.slots, description: 'request slots' },
      { name: 'INPUTS', value: ir.features.length, description: 'features per slot' },
      { name: 'OUTPUTS', value: ir.outputs, description: 'scores per slot' },
      { name: 'IN_BITS', value: ir.input_format.bits, description: 'input width' },
      { name: 'OUT_BITS', value: out.bits, description: 'output width' },
      { name: 'TAG_BITS', value: LAYOUT.tagBits, description: 'doorbell tag width' },
      { name: 'LATENCY', value: ir.timing.latency, description: 'predicted doorbell-to-result cycles' },
      { name: 'FEATURES_PER_WORD', value: featuresPerWord(ir.input_format.bits), description: 'inputs per FEATURES_PACKED word' },
      { name: 'PACKED_WORDS', value: Math.ceil(ir.features.length / featuresPerWord(ir.input_format.bits)), description: 'FEATURES_PACKED words per slot' },
      { name: 'WEIGHTS_WORDS', value: bankWords(weights), description: '32-bit words of the shadow weight bank' },
      { name: 'SHAPE_HASH_VALUE', value: shapeHash32(ir), description: 'hash of the hardware shape: a reload needs weights of the same shape' },
      { name: 'ADDR_WIDTH', value: addressWidth(blocks), description: 'address bits the register map decodes' },
      { name: 'MAP_SIZE', value: mapEnd(blocks), description: 'bytes from 0 to the end of the last register (weights block included)' },
    ],
  };
}

/** Absolute address of register `reg` in block instance `n`, element `i`. */
export function addressOf(block: Block, reg: Register, n = 0, i = 0): number {
  return block.base + n * (block.stride ?? 0) + reg.offset + i * (reg.stride ?? 0);
}

export function fieldMask(f: Field): number {
  return (f.width === 32 ? 0xffffffff : ((1 << f.width) - 1) << f.lsb) >>> 0;
}
