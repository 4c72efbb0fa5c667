/**
 * The weight-reload fixture shared by the driver and hook tests: policy B has the reference
 * policy's hardware shape and other weights (layer 0's input columns reversed, the last layer's
 * rows and biases rotated), policy C another shape (layer 0's output frac one lower: as many
 * weight words, other shifts). The .words files are the input of the harnesses' reload phases,
 * written from `nicsched reload-plan --json`.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { cli, REFERENCE, tempDir, TINY } from '../helpers.js';

export interface PlanJson {
  compatible: boolean;
  reasons: string[];
  new_hash: string;
  new_shape: number;
  writes: Array<{ address: number; value: number; what: string }>;
}

export async function reloadPlan(running: string, next: string): Promise<{ code: number; plan: PlanJson }> {
  const r = await cli('reload-plan', running, next, '--json');
  return { code: r.code, plan: JSON.parse(r.stdout) as PlanJson };
}

/**
 * A .words file for the harness from a compatible plan: policy hash, shape hash, count, then the
 * weights-block words. The plan must be the shadow-bank image from word 0, then SHADOW_HASH and
 * RELOAD.COMMIT (what the driver's reload writes itself).
 */
export function wordsFile(plan: PlanJson): string {
  expect(plan.compatible).toBe(true);
  const bank = plan.writes.slice(0, -2);
  expect(plan.writes.slice(-2).map((w) => w.what.split(' ')[0])).toEqual(['SHADOW_HASH', 'RELOAD.COMMIT']);
  bank.forEach((w, i) => expect(w.address).toBe(0x20000 + 4 * i));
  const hash = Number.parseInt(plan.new_hash.slice(0, 8), 16);
  return [hash, plan.new_shape, bank.length, ...bank.map((w) => w.value)].map((v) => `0x${v.toString(16)}`).join('\n') + '\n';
}

export interface ReloadFixture {
  dir: string;
  policyB: string;
  policyC: string;
  planAC: { code: number; plan: PlanJson };
  hashB: number;
}

/**
 * Writes policies B and C as YAML and the reload directory: to.words (B), back.words (A),
 * wrong-shape.words (C) and wrong-size.words (tiny).
 */
export async function reloadFixture(): Promise<ReloadFixture> {
  const dir = tempDir('nicsched-reload-');
  const ref = parseYaml(readFileSync(REFERENCE, 'utf8')) as { name: string; layers: Array<{ weights: number[][]; bias: number[]; output_format: { frac: number } }> };
  const b = structuredClone(ref);
  b.name = 'reference_b';
  b.layers[0]!.weights = b.layers[0]!.weights.map((row) => [...row].reverse());
  const last = b.layers[b.layers.length - 1]!;
  last.weights = [...last.weights.slice(1), last.weights[0]!];
  last.bias = [...last.bias.slice(1), last.bias[0]!];
  const c = structuredClone(ref);
  c.name = 'reference_c';
  c.layers[0]!.output_format.frac -= 1;
  const policyB = join(dir, 'b.yaml');
  const policyC = join(dir, 'c.yaml');
  writeFileSync(policyB, stringifyYaml(b));
  writeFileSync(policyC, stringifyYaml(c));

  const planAB = await reloadPlan(REFERENCE, policyB);
  expect(planAB.code).toBe(0);
  writeFileSync(join(dir, 'to.words'), wordsFile(planAB.plan));
  writeFileSync(join(dir, 'back.words'), wordsFile((await reloadPlan(policyB, REFERENCE)).plan));
  writeFileSync(join(dir, 'wrong-shape.words'), wordsFile((await reloadPlan(policyC, policyC)).plan));
  writeFileSync(join(dir, 'wrong-size.words'), wordsFile((await reloadPlan(TINY, TINY)).plan));
  const planAC = await reloadPlan(REFERENCE, policyC);
  return { dir, policyB, policyC, planAC, hashB: Number.parseInt(planAB.plan.new_hash.slice(0, 8), 16) };
}
