#!/usr/bin/env node
// Front-end figures: check and compile time of the reference policy (Node start included) and
// golden-model throughput. Targets (issue #2): check+compile < 1 s, golden >= 1e6 vectors/s.
// Run after `npm run build`:  node bench/frontend.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoldenModel } from '../dist/codegen/golden/model.js';
import { randomVectors, Rng } from '../dist/codegen/golden/vectors.js';
import { loadPolicy } from '../dist/codegen/policy.js';

const root = new URL('..', import.meta.url).pathname;
const policyFile = join(root, 'examples/reference.yaml');
const bin = join(root, 'bin/nicsched.js');

function timeCommand(args, runs = 5) {
  const times = [];
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('node', [bin, ...args], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`nicsched ${args.join(' ')} failed: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const check = timeCommand(['check', policyFile]);
const out = mkdtempSync(join(tmpdir(), 'nicsched-bench-'));
const compile = timeCommand(['compile', policyFile, '-o', join(out, 'o')]);
rmSync(out, { recursive: true, force: true });

const model = new GoldenModel(loadPolicy(policyFile).ir);
const vectors = randomVectors(model.ir, 100_000, new Rng(1));
let sink = 0;
for (const v of vectors.slice(0, 10_000)) sink += model.inferAction(v); // warm up the JIT
const t0 = process.hrtime.bigint();
const rounds = 10;
for (let r = 0; r < rounds; r++) for (const v of vectors) sink += model.inferAction(v);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (rounds * vectors.length) / seconds;

const macs = model.ir.layers.reduce((s, l) => s + l.inputs * l.units, 0);
console.log(
  `policy            reference (${model.ir.layers
    .map((l) => l.inputs)
    .concat(model.ir.outputs)
    .join('-')}, ${macs} MACs/vector)`,
);
console.log(`check             ${check.toFixed(0)} ms (median of 5, node start included; target < 1000 ms for check+compile)`);
console.log(`compile           ${compile.toFixed(0)} ms (median of 5, writes ir.json + golden vectors)`);
console.log(`check+compile     ${(check + compile).toFixed(0)} ms`);
console.log(`golden model      ${(rate / 1e6).toFixed(2)} M vectors/s (target >= 1.00)  [checksum ${sink % 1000}]`);
