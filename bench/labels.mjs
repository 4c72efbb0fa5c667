#!/usr/bin/env node
// What a counterfactual dataset says, and what a policy trained on it does with it (docs/LEARNING.md,
// "Why round 2 collapsed"). For the dataset: label balance, the share of rows on which every action
// ties (all advantages 0), and per source and class, for each action, how often it beats keep by
// more than the margin, how often it loses by more, and its mean advantage over keep (ms²). With
// --policy: the policy's actions on the dataset's held-out rows (the 20 % split of `nicsched train
// --seed`, default 7) per source and class, the advantage they realize, and, over all rows, for each
// action the policy chooses, the labels of those rows and that action's mean advantage there.
//
//   npx tsc -p tsconfig.json && node bench/labels.mjs data.jsonl [--policy policy.yaml] [--seed 7]
import { readFileSync } from 'node:fs';
import { GoldenModel } from '../dist/codegen/golden/model.js';
import { readDataset } from '../dist/codegen/learn/dataset.js';
import { DEFAULT_TRAIN, splitRows } from '../dist/codegen/learn/train.js';
import { compilePolicyText } from '../dist/codegen/policy.js';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, 2)[1];
};
const policyFile = option('--policy');
const seed = Number(option('--seed') ?? '7');
const file = args[0];
if (!file) throw new Error('usage: node bench/labels.mjs data.jsonl [--policy policy.yaml] [--seed 7]');

const ds = readDataset(file);
if (!ds.rows.every((r) => r.c)) throw new Error(`${file}: not a counterfactual dataset (rows without "c")`);
const actions = ds.header.actions;
const keep = 0;
const margin = ds.header.simulated?.margin ?? 0.05;
const group = (r) => `${r.src.split(':')[1].replace(/\[.*$/, '')}/${r.class ?? '?'}`;
const pct = (n, d) => `${((100 * n) / d).toFixed(1)} %`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const counts = (xs) => actions.map((_, k) => xs.filter((x) => x === k).length);

const n = ds.rows.length;
console.log(`${file}: ${n} rows; labels ${actions.map((a, k) => `${a} ${counts(ds.rows.map((r) => r.y))[k]}`).join(', ')}; margin ${margin}`);
console.log(`rows on which every action ties (all advantages 0): ${pct(ds.rows.filter((r) => r.c.every((v) => v === 0)).length, n)}`);
const groups = [...new Set(ds.rows.map(group))].sort();
for (const g of groups) {
  const rows = ds.rows.filter((r) => group(r) === g);
  const cells = actions.map((a, k) => (k === keep ? null : `${a}: beats keep ${pct(rows.filter((r) => r.c[k] > margin).length, rows.length)}, loses ${pct(rows.filter((r) => r.c[k] < -margin).length, rows.length)}, mean ${mean(rows.map((r) => r.c[k])).toFixed(3)}`));
  console.log(`  ${g.padEnd(28)} ${String(rows.length).padStart(5)} rows | ${cells.filter(Boolean).join(' | ')}`);
}

if (policyFile) {
  const model = new GoldenModel(compilePolicyText(readFileSync(policyFile, 'utf8'), policyFile).ir);
  const { test } = splitRows(ds.rows, DEFAULT_TRAIN.holdout, seed);
  const chosen = (rows) => rows.map((r) => model.inferAction(r.x));
  const held = chosen(test);
  console.log(`\n${policyFile} on the ${test.length} held-out rows (seed ${seed}): realized advantage ${mean(test.map((r, i) => r.c[held[i]])).toFixed(4)} ms² per decision`);
  const line = (label, xs) => `  ${label.padEnd(28)} ${actions.map((a, k) => `${a} ${pct(counts(xs)[k], xs.length)}`).join(', ')}`;
  console.log(line('all', held));
  for (const g of groups)
    console.log(
      line(
        g,
        held.filter((_, i) => group(test[i]) === g),
      ),
    );
  const all = chosen(ds.rows);
  console.log(`\nover all ${n} rows, where the policy chooses`);
  actions.forEach((a, k) => {
    const rows = ds.rows.filter((_, i) => all[i] === k);
    if (rows.length === 0) return;
    console.log(`  ${a.padEnd(12)} ${String(rows.length).padStart(5)} rows: labels ${actions.map((b, j) => `${b} ${counts(rows.map((r) => r.y))[j]}`).join(', ')}; mean advantage of ${a} there ${mean(rows.map((r) => r.c[k])).toFixed(3)} ms²`);
  });
}
