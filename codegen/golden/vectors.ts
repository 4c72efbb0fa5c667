/**
 * Test vectors: corner cases plus seeded random inputs. Every backend's testbench runs these, so a
 * given (policy, seed, count) names the same vectors everywhere.
 */

import type { Ir } from '../ir/ir.js';
import { formatRange } from '../numeric/format.js';
import { GoldenModel } from './model.js';

/** xorshift32: tiny, seeded, identical in TypeScript, Python and C. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    const span = max - min + 1;
    return min + Math.floor((this.next() / 0x1_0000_0000) * span);
  }
}

function cornerVectors(ir: Ir): number[][] {
  const n = ir.features.length;
  const { min, max } = formatRange(ir.input_format);
  const mid = Math.floor((min + max) / 2);
  const vectors: number[][] = [Array(n).fill(min), Array(n).fill(max), Array(n).fill(mid), Array.from({ length: n }, (_, i) => (i % 2 === 0 ? max : min)), Array.from({ length: n }, (_, i) => (i % 2 === 0 ? min : max))];
  if (min < 0) vectors.push(Array(n).fill(0), Array(n).fill(-1));
  for (let i = 0; i < n; i++) {
    vectors.push(Array.from({ length: n }, (_, k) => (k === i ? max : min)));
    vectors.push(Array.from({ length: n }, (_, k) => (k === i ? min : max)));
  }
  return vectors;
}

export function randomVectors(ir: Ir, count: number, rng: Rng): number[][] {
  const { min, max } = formatRange(ir.input_format);
  return Array.from({ length: count }, () => ir.features.map(() => rng.int(min, max)));
}

/** Vectors whose top scores tie (argmax must pick the lowest index); up to `want`, from `tries` samples. */
function tieVectors(ir: Ir, want: number, rng: Rng, tries = 20000): number[][] {
  if (ir.outputs < 2) return [];
  const model = new GoldenModel(ir);
  const found: number[][] = [];
  for (let t = 0; t < tries && found.length < want; t++) {
    const [v] = randomVectors(ir, 1, rng);
    const { scores } = model.infer(v!);
    const best = Math.max(...scores);
    if (scores.filter((s) => s === best).length > 1) found.push(v!);
  }
  return found;
}

/** The standard test set: corners, ties, then `count` random vectors. */
export function testVectors(ir: Ir, count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return [...cornerVectors(ir), ...tieVectors(ir, 16, rng), ...randomVectors(ir, count, rng)];
}
