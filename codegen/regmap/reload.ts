/**
 * Reload plans: can a new policy be loaded into a card running another one without a new
 * bitstream, and with which register writes? The hardware is fixed by the topology and the
 * formats (widths, shifts, slots, reuse); only weights and biases live in the shadow bank.
 */

import { canonicalJson, policyHash32, shortHash } from '../ir/canonical.js';
import type { Ir, LoweredPolicy } from '../ir/ir.js';
import { addressOf, biasWords, blockOf, registerOf, type RegisterMap, type WeightBank } from './model.js';
import { hex } from '../util/hex.js';
import { hardwareShape, layerShape } from './shape.js';

export interface RegisterWrite {
  address: number;
  value: number;
  what: string;
}

export interface ReloadPlan {
  compatible: boolean;
  /** Why the new policy needs a new bitstream (empty when compatible). */
  reasons: string[];
  running_hash: string;
  new_hash: string;
  /** Shape hashes (SHAPE_HASH_VALUE of each policy's register map): equal when compatible. */
  running_shape: number;
  new_shape: number;
  /** Shadow-bank writes, then SHADOW_HASH, then RELOAD.COMMIT. Empty when incompatible. */
  writes: RegisterWrite[];
}

function diffFields(a: Record<string, unknown>, b: Record<string, unknown>, prefix: string): string[] {
  return Object.keys(a)
    .filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]))
    .map((k) => `${prefix}${k} differs: running ${canonicalJson(a[k])}, new ${canonicalJson(b[k])}`);
}

function differences(running: Ir, next: Ir): string[] {
  const top = diffFields(hardwareShape(running), hardwareShape(next), '');
  if (running.layers.length !== next.layers.length) return top;
  return [...top, ...running.layers.flatMap((l, k) => diffFields(layerShape(l), layerShape(next.layers[k]!), `layer ${k} `))];
}

function mask(bits: number): number {
  return bits >= 32 ? 0xffffffff : 2 ** bits - 1;
}

/** Two's complement of `value` in `bits`, split into 32-bit words, low word first. */
function wordsOf(value: number, bits: number): number[] {
  const modulus = 1n << BigInt(bits);
  const raw = ((BigInt(value) % modulus) + modulus) % modulus;
  return Array.from({ length: biasWords(bits) }, (_, w) => Number((raw >> BigInt(32 * w)) & 0xffffffffn));
}

/** Every weight and bias word of `ir`, written where the running bitstream's weight bank has it. */
function weightWrites(bank: WeightBank, ir: Ir): RegisterWrite[] {
  const writes: RegisterWrite[] = [];
  const address = (word: number) => bank.base + 4 * word;
  for (const l of ir.layers) {
    const at = bank.layers[l.index]!;
    l.weights.forEach((row, j) =>
      row.forEach((w, i) => {
        const k = j * l.inputs + i;
        writes.push({ address: address(at.weightWord + k), value: (w & mask(l.weight_format.bits)) >>> 0, what: `L${l.index}_WEIGHT[${k}] = ${w}` });
      }),
    );
    l.bias.forEach((b, j) =>
      wordsOf(b, l.accumulator.bits).forEach((word, w) => {
        writes.push({ address: address(at.biasWord + j * at.wordsPerBias + w), value: word, what: `L${l.index}_BIAS[${j}]${w > 0 ? `.word${w}` : ''} = ${b}` });
      }),
    );
  }
  return writes;
}

/** A compiled policy as far as a reload is concerned: its IR, hash and register model. */
export type ReloadSide = Pick<LoweredPolicy, 'ir' | 'hash'> & { regmap: RegisterMap };

export function reloadPlan(running: ReloadSide, next: ReloadSide): ReloadPlan {
  const reasons = differences(running.ir, next.ir);
  const base = { running_hash: running.hash, new_hash: next.hash, running_shape: running.regmap.figures.shapeHashValue, new_shape: next.regmap.figures.shapeHashValue };
  if (reasons.length > 0) return { compatible: false, reasons, ...base, writes: [] };
  const global = blockOf(running.regmap, 'global');
  const reg = (name: string) => addressOf(global, registerOf(global, name));
  const writes = [...weightWrites(running.regmap.weightBank, next.ir), { address: reg('SHADOW_HASH'), value: policyHash32(next.hash), what: `SHADOW_HASH = ${next.hash.slice(0, 8)}` }, { address: reg('RELOAD'), value: 1, what: 'RELOAD.COMMIT' }];
  return { compatible: true, reasons: [], ...base, writes };
}

/**
 * The reload as a `.words` file, the input of `nicschedctl reload` (NICSCHED_IOC_RELOAD) and of the
 * driver harness: policy hash (32 bits), shape hash, word count, then the weights block from word
 * 0, one hex number per line. The driver writes SHADOW_HASH and COMMIT itself.
 */
export function planWords(plan: ReloadPlan): string {
  if (!plan.compatible) throw new Error('planWords: the plan is not compatible');
  const bank = plan.writes.slice(0, -2);
  const base = bank[0]?.address ?? 0;
  bank.forEach((w, i) => {
    if (w.address !== base + 4 * i) throw new Error(`planWords: shadow write ${i} at ${hex(w.address)} is not contiguous`);
  });
  const header = [policyHash32(plan.new_hash), plan.new_shape, bank.length];
  return [...header, ...bank.map((w) => w.value)].map((v) => hex(v)).join('\n') + '\n';
}

export function formatPlan(plan: ReloadPlan): string {
  if (!plan.compatible) {
    return [`cannot reload ${shortHash(plan.new_hash)} into a card running ${shortHash(plan.running_hash)}: a new bitstream is needed`, ...plan.reasons.map((r) => `  ${r}`)].join('\n') + '\n';
  }
  return [`# reload ${shortHash(plan.new_hash)} into a card running ${shortHash(plan.running_hash)}: ${plan.writes.length} writes`, ...plan.writes.map((w) => `${hex(w.address, 6)} ${hex(w.value, 8)}  # ${w.what}`)].join('\n') + '\n';
}
