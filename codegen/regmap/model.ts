/**
 * The register model: one elaborated description of every register the card exposes and of every
 * figure derived from it, built once from the IR into CompiledPolicy.regmap. Every exporter (JSON,
 * C, Verilog, TypeScript, Markdown, HTML) walks this model generically and invents nothing; the RTL
 * backend, the lab project and the reload planner read its typed figures instead of re-deriving
 * them. rtl/nicsched_regs.vh is the policy-independent part of the Verilog export.
 *
 * Layout v3.0 (docs/HARDWARE.md): a global block at 0x0000, one block per request slot at
 * SLOT_BASE + n·SLOT_STRIDE, and the shadow weight bank at WEIGHTS_BASE, all in the card's register
 * window (space 'bar'); and the result mailbox the card writes into host memory by DMA (space
 * 'host'): one entry per slot at DMA_BASE + n·MAILBOX_STRIDE. Registers and entry words are 32
 * bits, little-endian.
 */

import { policyHash32 } from '../ir/canonical.js';
import { APP_ID, REG_ID, REG_VERSION } from '../ir/constants.js';
import { outputFormat, type Ir } from '../ir/ir.js';
import { LIMITS } from '../spec/limits.js';
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
  /** The constant that names `count` (FEATURE: INPUTS). */
  countConstant?: ConstantName;
  /** What a read returns when it is not the stored value (WO registers). */
  readsAs?: string;
}

export type BlockName = 'global' | 'slot' | 'weights' | 'mailbox';

/** Where a block lives: the card's register window, or host memory the card writes by DMA. */
export type AddressSpace = 'bar' | 'host';

export interface Block {
  name: BlockName;
  space: AddressSpace;
  /** Offset in its space; a host block's base is the address the driver programs (DMA_BASE). */
  base: number;
  description: string;
  registers: Register[];
  /** Block arrays (slots): instance count and byte stride. */
  count?: number;
  stride?: number;
  /** The constant that names `count` (slots: SLOTS). */
  countConstant?: ConstantName;
  /** Offsets fixed by the layout, the same for every policy (the weights block's follow the policy's shapes). */
  fixedOffsets: boolean;
}

/** Every figure the register map implies, typed. The exports carry them as named constants (CONSTANTS). */
export interface MapFigures {
  idValue: number;
  versionValue: number;
  policyHashValue: number;
  appId: number;
  slots: number;
  inputs: number;
  outputs: number;
  inBits: number;
  outBits: number;
  tagBits: number;
  latency: number;
  featuresPerWord: number;
  packedWords: number;
  weightsWords: number;
  shapeHashValue: number;
  /** Address bits the AXI-Lite slave decodes (at least 16; covers the weights block). */
  addrWidth: number;
  /** Bytes from address 0 to the end of the last register: the window a host maps. */
  mapSize: number;
  /** Bytes of one result entry the card writes (the DMA write's length). */
  mailboxEntryBytes: number;
  /** Bytes of host memory the mailbox takes: one stride per slot (the driver allocates this). */
  mailboxBytes: number;
}

/** One layer's tensors in the shadow weight bank, in 32-bit words from the bank's base. */
export interface WeightBankLayer {
  index: number;
  /** Weight [j][i] is word weightWord + j·inputs + i (its low weight_format.bits bits). */
  weightWord: number;
  weightCount: number;
  /** Bias [j] takes words biasWord + j·wordsPerBias …, low word first. */
  biasWord: number;
  biasCount: number;
  wordsPerBias: number;
}

/** The shadow weight bank as the RTL instantiates it and a reload writes it. */
export interface WeightBank {
  /** Byte address of word 0. */
  base: number;
  words: number;
  /** Word-address bits a bank decodes (at least 1). */
  addrBits: number;
  layers: WeightBankLayer[];
}

export interface Constant {
  name: ConstantName;
  value: number;
  description: string;
}

export interface RegisterMap {
  version: { major: number; minor: number };
  figures: MapFigures;
  weightBank: WeightBank;
  /** Layout maxima (policy-independent), exported with the Verilog layout. */
  limits: { maxSlots: number; maxInputs: number; maxOutputs: number };
  blocks: Block[];
  /** The figures as the named constants every export carries, in CONSTANTS order. */
  constants: Constant[];
}

/** The named constants of every export, each a figure of the model. */
const CONSTANTS = [
  { name: 'ID_VALUE', figure: 'idValue', description: 'ID register value' },
  { name: 'VERSION_VALUE', figure: 'versionValue', description: 'VERSION register value' },
  { name: 'POLICY_HASH_VALUE', figure: 'policyHashValue', description: 'POLICY_HASH of this policy' },
  { name: 'APP_ID', figure: 'appId', description: 'Corundum application ID' },
  { name: 'SLOTS', figure: 'slots', description: 'request slots' },
  { name: 'INPUTS', figure: 'inputs', description: 'features per slot' },
  { name: 'OUTPUTS', figure: 'outputs', description: 'scores per slot' },
  { name: 'IN_BITS', figure: 'inBits', description: 'input width' },
  { name: 'OUT_BITS', figure: 'outBits', description: 'output width' },
  { name: 'TAG_BITS', figure: 'tagBits', description: 'doorbell tag width' },
  { name: 'LATENCY', figure: 'latency', description: 'predicted doorbell-to-result cycles' },
  { name: 'FEATURES_PER_WORD', figure: 'featuresPerWord', description: 'inputs per FEATURES_PACKED word' },
  { name: 'PACKED_WORDS', figure: 'packedWords', description: 'FEATURES_PACKED words per slot' },
  { name: 'WEIGHTS_WORDS', figure: 'weightsWords', description: '32-bit words of the shadow weight bank' },
  { name: 'SHAPE_HASH_VALUE', figure: 'shapeHashValue', description: 'hash of the hardware shape: a reload needs weights of the same shape' },
  { name: 'ADDR_WIDTH', figure: 'addrWidth', description: 'address bits the register map decodes' },
  { name: 'MAP_SIZE', figure: 'mapSize', description: 'bytes from 0 to the end of the last register (weights block included)' },
  { name: 'MAILBOX_ENTRY_BYTES', figure: 'mailboxEntryBytes', description: 'bytes of one result entry the card writes into host memory' },
  { name: 'MAILBOX_BYTES', figure: 'mailboxBytes', description: 'bytes of host memory the result mailbox takes (one stride per slot)' },
] as const satisfies ReadonlyArray<{ name: string; figure: keyof MapFigures; description: string }>;

export type ConstantName = (typeof CONSTANTS)[number]['name'];

/** Offsets fixed by the layout (v1.0, v2.0 and v3.0), independent of the policy; the maxima are the spec's (spec/limits.ts). */
const LAYOUT = {
  slotBase: 0x1000,
  slotStride: 0x400,
  scoreOffset: 0x080,
  featureOffset: 0x100,
  packedOffset: 0x200,
  weightsBase: 0x20000,
  /** A result entry per slot in host memory, one cache line apart (no two slots share a line). */
  mailboxStride: 0x40,
  mailboxEntryBytes: 16,
  maxSlots: LIMITS.maxSlots,
  maxInputs: LIMITS.maxInputs,
  maxOutputs: LIMITS.maxOutputs,
  tagBits: 16,
} as const;

/** Features per FEATURES_PACKED word: as many whole inputs as fit 32 bits. */
function featuresPerWord(inBits: number): number {
  return Math.floor(32 / inBits);
}

/** 32-bit words one bias entry of this width takes in the weight bank (low word first). */
export function biasWords(bits: number): number {
  return Math.ceil(bits / 32);
}

const field = (name: string, lsb: number, width: number, description: string): Field => ({ name, lsb, width, description });

/** A register value from its fields: `values` by field name (missing fields are 0). */
function packFields(fields: readonly Field[], values: Readonly<Record<string, number>>): number {
  return fields.reduce((word, f) => {
    const v = values[f.name] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** f.width) throw new Error(`register field ${f.name} cannot hold ${v} in ${f.width} bits`);
    return word + v * 2 ** f.lsb;
  }, 0);
}

/** A flags field's value with the named flags set (`set` by flag name; unnamed flags are 0). */
function packFlags(fields: readonly Field[], name: string, set: Readonly<Record<string, boolean>>): number {
  const flags = fields.find((f) => f.name === name)?.flags ?? [];
  for (const k of Object.keys(set)) if (!flags.some((f) => f.name === k)) throw new Error(`register field ${name} has no flag ${k}`);
  return flags.reduce((v, f) => v | (set[f.name] ? 1 << f.bit : 0), 0);
}

const CAPS_FIELDS: Field[] = [
  field('INPUTS', 0, 8, 'features per slot'),
  field('OUTPUTS', 8, 8, 'outputs of the last layer'),
  field('SLOTS', 16, 8, 'request slots'),
  {
    ...field('FLAGS', 24, 8, 'feature flags'),
    flags: [
      { name: 'HEAD_SCORES', bit: 0, description: 'head is scores (no argmax)' },
      { name: 'DMA_RESULTS', bit: 1, description: 'results can be written into host memory (DMA_CTRL, the mailbox)' },
    ],
  },
];
const FORMAT_FIELDS: Field[] = [field('IN_BITS', 0, 8, 'input width'), field('IN_SIGNED', 8, 1, 'inputs are signed'), field('OUT_BITS', 16, 8, 'output width'), field('OUT_SIGNED', 24, 1, 'outputs are signed')];
const RESULT_FIELDS: Field[] = [field('ACTION', 0, 8, 'argmax index (0 for head = scores)'), field('TAG', 8, LAYOUT.tagBits, 'tag of the doorbell'), field('BUSY', 30, 1, 'an inference is pending or in flight'), field('VALID', 31, 1, 'ACTION, TAG and SCORE hold a result')];
const TIMING_FIELDS: Field[] = [field('LATENCY', 0, 16, 'doorbell-to-result cycles'), field('II', 16, 16, 'cycles between inferences')];

function globalBlock(ir: Ir, hash32: number): Block {
  const out = outputFormat(ir);
  const flags = packFlags(CAPS_FIELDS, 'FLAGS', { HEAD_SCORES: ir.head === 'scores', DMA_RESULTS: true });
  const caps = packFields(CAPS_FIELDS, { INPUTS: ir.features.length, OUTPUTS: ir.outputs, SLOTS: ir.target.slots, FLAGS: flags });
  const format = packFields(FORMAT_FIELDS, { IN_BITS: ir.input_format.bits, IN_SIGNED: Number(ir.input_format.signed), OUT_BITS: out.bits, OUT_SIGNED: Number(out.signed) });
  const timing = packFields(TIMING_FIELDS, { LATENCY: ir.timing.latency, II: ir.timing.ii });
  return {
    name: 'global',
    space: 'bar',
    base: 0x0000,
    fixedOffsets: true,
    description: 'Identification, control, status and counters.',
    registers: [
      { name: 'ID', offset: 0x000, access: 'RO', reset: REG_ID, description: 'Block identifier "NSCH".', fields: [] },
      { name: 'VERSION', offset: 0x004, access: 'RO', reset: REG_VERSION, description: 'Register-layout version.', fields: [field('MINOR', 0, 16, 'minor'), field('MAJOR', 16, 16, 'major')] },
      { name: 'POLICY_HASH', offset: 0x008, access: 'RO', reset: hash32, description: 'First 32 bits (big-endian) of the SHA-256 policy hash.', fields: [] },
      { name: 'CAPS', offset: 0x00c, access: 'RO', reset: caps, description: 'Capabilities.', fields: CAPS_FIELDS },
      {
        name: 'CONTROL',
        offset: 0x010,
        access: 'RW',
        reset: 0,
        description: 'Control.',
        fields: [field('ENABLE', 0, 1, 'accept doorbells'), field('SOFT_RESET', 1, 1, 'write 1: clear slots, pipeline, counters and ERROR; reads 0')],
      },
      { name: 'STATUS', offset: 0x014, access: 'RO', reset: 0, description: 'Status.', fields: [field('ENABLED', 0, 1, 'CONTROL.ENABLE'), field('BUSY', 1, 1, 'a slot is pending or in flight')] },
      {
        name: 'ERROR',
        offset: 0x018,
        access: 'W1C',
        reset: 0,
        description: 'Sticky error bits; write 1 to clear.',
        fields: [field('DOORBELL_DISABLED', 0, 1, 'doorbell while CONTROL.ENABLE = 0'), field('DOORBELL_BUSY', 1, 1, 'doorbell on a busy slot'), field('FEATURE_BUSY', 2, 1, 'feature write on a busy slot'), field('BAD_ADDRESS', 3, 1, 'access to an unmapped address')],
      },
      { name: 'TIMING', offset: 0x01c, access: 'RO', reset: timing, description: "The compiler's prediction.", fields: TIMING_FIELDS },
      { name: 'INFERENCES', offset: 0x020, access: 'RO', reset: 0, description: 'Results written (wraps).', fields: [] },
      { name: 'LAT_LAST', offset: 0x024, access: 'RO', reset: 0, description: 'Doorbell-to-result cycles of the last result.', fields: [] },
      { name: 'LAT_MAX', offset: 0x028, access: 'RO', reset: 0, description: 'Largest LAT_LAST since reset.', fields: [] },
      { name: 'ERRORS', offset: 0x02c, access: 'RO', reset: 0, description: 'Error events (wraps).', fields: [] },
      { name: 'FORMAT', offset: 0x030, access: 'RO', reset: format, description: 'Input and output number formats.', fields: FORMAT_FIELDS },
      {
        name: 'RELOAD',
        offset: 0x034,
        access: 'W1S',
        reset: 0,
        description: 'Weight reload.',
        fields: [field('COMMIT', 0, 1, 'write 1: swap the shadow bank in between inferences; reads 1 until done')],
      },
      { name: 'SHADOW_HASH', offset: 0x038, access: 'RW', reset: hash32, description: 'POLICY_HASH the shadow bank holds; COMMIT copies it to POLICY_HASH.', fields: [] },
      { name: 'RELOADS', offset: 0x03c, access: 'RO', reset: 0, description: 'Commits done (wraps).', fields: [] },
      {
        name: 'DMA_CTRL',
        offset: 0x040,
        access: 'RW',
        reset: 0,
        description: 'Results into host memory (layout v3.0). Cleared by CONTROL.SOFT_RESET.',
        fields: [field('ENABLE', 0, 1, 'write every result into the mailbox at DMA_BASE as well as into RESULT')],
      },
      {
        name: 'DMA_STATUS',
        offset: 0x044,
        access: 'RO',
        reset: 0,
        description: 'Mailbox writes.',
        fields: [field('ACTIVE', 0, 1, 'a mailbox write is queued or in flight: host memory may still change')],
      },
      { name: 'DMA_BASE_LO', offset: 0x048, access: 'RW', reset: 0, description: 'Bus address of the mailbox, bits [31:0]; bits [11:0] read 0 (the mailbox is one 4 KiB page). Change only while DMA_STATUS.ACTIVE = 0.', fields: [] },
      { name: 'DMA_BASE_HI', offset: 0x04c, access: 'RW', reset: 0, description: 'Bus address of the mailbox, bits [63:32].', fields: [] },
      { name: 'DMA_WRITES', offset: 0x050, access: 'RO', reset: 0, description: 'Mailbox writes completed (their status came back; wraps).', fields: [] },
      { name: 'DMA_ERRORS', offset: 0x054, access: 'RO', reset: 0, description: 'Mailbox writes whose status reported an error (wraps).', fields: [] },
    ],
  };
}

function slotBlock(ir: Ir): Block {
  const inBits = ir.input_format.bits;
  const perWord = featuresPerWord(inBits);
  return {
    name: 'slot',
    space: 'bar',
    base: LAYOUT.slotBase,
    count: ir.target.slots,
    stride: LAYOUT.slotStride,
    countConstant: 'SLOTS',
    fixedOffsets: true,
    description: 'A request slot: features in, doorbell, result out. One owner (CPU) per slot.',
    registers: [
      { name: 'DOORBELL', offset: 0x000, access: 'WO', reset: 0, readsAs: '0', description: "Start an inference on this slot's features.", fields: [field('TAG', 0, LAYOUT.tagBits, 'returned in RESULT.TAG')] },
      {
        name: 'RESULT',
        offset: 0x004,
        access: 'RO',
        reset: 0,
        description: 'The last result of this slot.',
        fields: RESULT_FIELDS,
      },
      { name: 'SCORE', offset: LAYOUT.scoreOffset, count: ir.outputs, countConstant: 'OUTPUTS', stride: 4, access: 'RO', reset: 0, description: 'Last-layer output k, sign- or zero-extended.', fields: [] },
      { name: 'FEATURE', offset: LAYOUT.featureOffset, count: ir.features.length, countConstant: 'INPUTS', stride: 4, access: 'RW', reset: 0, description: 'Input i (low input-width bits stored); ignored while BUSY.', fields: [] },
      {
        name: 'FEATURES_PACKED',
        offset: LAYOUT.packedOffset,
        count: Math.ceil(ir.features.length / perWord),
        countConstant: 'PACKED_WORDS',
        stride: 4,
        access: 'RW',
        reset: 0,
        description: `The same inputs, ${perWord} per word: input w·${perWord}+m at bits [m·${inBits} +: ${inBits}]. A write updates the inputs whose bits lie in strobed bytes; ignored while BUSY.`,
        fields: [],
      },
    ],
  };
}

/** Word offsets of every layer's weights and biases: a layer's weights, then its biases, layer after layer. */
function weightBank(ir: Ir): WeightBank {
  const layers: WeightBankLayer[] = [];
  let word = 0;
  for (const l of ir.layers) {
    const weightWord = word;
    const wordsPerBias = biasWords(l.accumulator.bits);
    word += l.units * l.inputs;
    layers.push({ index: l.index, weightWord, weightCount: l.units * l.inputs, biasWord: word, biasCount: l.units, wordsPerBias });
    word += l.units * wordsPerBias;
  }
  return { base: LAYOUT.weightsBase, words: word, addrBits: indexBits(word), layers };
}

/** The shadow weight bank as registers: every weight and bias of every layer, write-only, swapped in by RELOAD.COMMIT. */
function weightsBlock(ir: Ir, bank: WeightBank): Block {
  const registers = ir.layers.flatMap((l): Register[] => {
    const at = bank.layers[l.index]!;
    const multiword = at.wordsPerBias > 1 ? ', low word first' : '';
    return [
      { name: `L${l.index}_WEIGHT`, offset: 4 * at.weightWord, count: at.weightCount, stride: 4, access: 'WO', reset: 0, readsAs: '0', description: `Layer ${l.index} weight [j][i] at element j·${l.inputs}+i, low ${l.weight_format.bits} bits (two's complement).`, fields: [] },
      { name: `L${l.index}_BIAS`, offset: 4 * at.biasWord, count: at.biasCount, stride: 4 * at.wordsPerBias, access: 'WO', reset: 0, readsAs: '0', description: `Layer ${l.index} bias [j], ${l.accumulator.bits}-bit two's complement at accumulator scale${multiword}.`, fields: [] },
    ];
  });
  return { name: 'weights', space: 'bar', base: bank.base, fixedOffsets: false, description: 'Shadow weight bank (reset: the compiled weights). Written over AXI-Lite, swapped in atomically by RELOAD.COMMIT.', registers };
}

/**
 * The result mailbox in host memory (layout v3.0): with DMA_CTRL.ENABLE the card writes each
 * result of slot n as one entry of MAILBOX_ENTRY_BYTES at DMA_BASE + n·MAILBOX_STRIDE. CHECK ties
 * the words of one entry together, so an entry read while the card rewrites it (torn) is
 * recognized; SEQ orders entries, so an old one (stale) is too.
 */
function mailboxBlock(ir: Ir): Block {
  return {
    name: 'mailbox',
    space: 'host',
    base: 0,
    count: ir.target.slots,
    stride: LAYOUT.mailboxStride,
    countConstant: 'SLOTS',
    fixedOffsets: true,
    description: 'Result entries the card writes into host memory by DMA, one per slot, at DMA_BASE + n * STRIDE.',
    registers: [
      { name: 'SEQ', offset: 0x0, access: 'RO', reset: 0, description: 'INFERENCES after this result: grows with every result of the card (wraps), so a newer entry of a slot has a later SEQ.', fields: [] },
      { name: 'ANSWER', offset: 0x4, access: 'RO', reset: 0, description: 'The result as RESULT shows it (VALID = 1, BUSY = 0).', fields: RESULT_FIELDS },
      { name: 'LATENCY', offset: 0x8, access: 'RO', reset: 0, description: 'Doorbell-to-result cycles of this result (LAT_LAST).', fields: [] },
      { name: 'CHECK', offset: 0xc, access: 'RO', reset: 0, description: 'NOT (SEQ XOR ANSWER XOR LATENCY): an entry whose words come from two writes fails it, and so does never-written (zeroed) memory.', fields: [] },
    ],
  };
}

/** Bytes from address 0 to the end of the last register: the register window a host must map. */
function mapEnd(blocks: Block[]): number {
  return blocks.filter((b) => b.space === 'bar').reduce((max, b) => Math.max(max, ...b.registers.map((r) => addressOf(b, r, (b.count ?? 1) - 1, (r.count ?? 1) - 1) + (r.stride ?? 4))), 0);
}

/** The register model of a lowered policy whose policy hash is `hash`. The front end builds it once. */
export function buildRegisterMap(ir: Ir, hash: string): RegisterMap {
  const hash32 = policyHash32(hash);
  const bank = weightBank(ir);
  const blocks = [globalBlock(ir, hash32), slotBlock(ir), weightsBlock(ir, bank), mailboxBlock(ir)];
  const mapSize = mapEnd(blocks);
  const perWord = featuresPerWord(ir.input_format.bits);
  const figures: MapFigures = {
    idValue: REG_ID,
    versionValue: REG_VERSION,
    policyHashValue: hash32,
    appId: APP_ID,
    slots: ir.target.slots,
    inputs: ir.features.length,
    outputs: ir.outputs,
    inBits: ir.input_format.bits,
    outBits: outputFormat(ir).bits,
    tagBits: LAYOUT.tagBits,
    latency: ir.timing.latency,
    featuresPerWord: perWord,
    packedWords: Math.ceil(ir.features.length / perWord),
    weightsWords: bank.words,
    shapeHashValue: shapeHash32(ir),
    addrWidth: indexBits(mapSize, 16),
    mapSize,
    mailboxEntryBytes: LAYOUT.mailboxEntryBytes,
    mailboxBytes: ir.target.slots * LAYOUT.mailboxStride,
  };
  return {
    version: { major: REG_VERSION >>> 16, minor: REG_VERSION & 0xffff },
    figures,
    weightBank: bank,
    limits: { maxSlots: LAYOUT.maxSlots, maxInputs: LAYOUT.maxInputs, maxOutputs: LAYOUT.maxOutputs },
    blocks,
    constants: CONSTANTS.map((c) => ({ name: c.name, value: figures[c.figure], description: c.description })),
  };
}

/** The block named `name`. */
export function blockOf(map: RegisterMap, name: BlockName): Block {
  const block = map.blocks.find((b) => b.name === name);
  if (!block) throw new Error(`register model has no ${name} block`);
  return block;
}

/** The register named `name` in `block`. */
export function registerOf(block: Block, name: string): Register {
  const reg = block.registers.find((r) => r.name === name);
  if (!reg) throw new Error(`register model has no ${block.name}.${name}`);
  return reg;
}

/** Absolute address of register `reg` in block instance `n`, element `i`. */
export function addressOf(block: Block, reg: Register, n = 0, i = 0): number {
  return block.base + n * (block.stride ?? 0) + reg.offset + i * (reg.stride ?? 0);
}

export function fieldMask(f: Field): number {
  return (f.width === 32 ? 0xffffffff : ((1 << f.width) - 1) << f.lsb) >>> 0;
}
