#!/usr/bin/env node
// RTL figures for every example policy (or the policies given): latency (cycles, and ns at the
// target clock) and II as the IR predicts and as Verilator measures them; yosys `synth_xilinx
// -family xcup -noiopad -flatten -abc9` cell counts and timing (the critical path's arrival from
// yosys sta, the deepest path in logic levels, against the policy's clock); and simulation speed:
// inferences per second of the Verilator bulk runner (sim/bulk/, no Python in the loop, every
// vector compared with the golden model) beside the cocotb-driven streaming bench.
//
//   npm run build && node bench/rtl.mjs [--bulk-count N] [policy.yaml ...]
//
// Synthesis is codegen/fpga/yosys.ts, the same code `nicsched estimate` runs (uncached here).
// Needs scripts/setup.sh to have run (yosys, the venv). Takes a few minutes per policy (yosys).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitAll } from '../dist/codegen/backends/index.js';
import { checkTiming } from '../dist/codegen/fpga/timing-budget.js';
import { synthesize } from '../dist/codegen/fpga/yosys.js';
import { testVectors } from '../dist/codegen/golden/vectors.js';
import { loadPolicy } from '../dist/codegen/policy.js';
import { writeOutputDir } from '../dist/codegen/util/output.js';
import { buildDirFor, makeJob, runBench } from '../dist/sim/bridge.js';
import { runBulk } from '../dist/sim/bulk.js';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
let bulkCount = 1_000_000;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--bulk-count') bulkCount = Number(args[++i]);
  else files.push(args[i]);
}
const policies = files.length > 0 ? files : ['examples/tiny.yaml', 'examples/reference.yaml'].map((f) => join(root, f));

async function cocotb(policy, rtl) {
  const vectors = testVectors(policy.ir, 5000, 1);
  const job = makeJob(policy, vectors, { seed: 1, ops: 0 });
  const app = await runBench({ bench: 'app', rtlDirs: [rtl], toplevel: 'nicsched_top', sim: 'verilator', buildDir: buildDirFor(policy, 'app', 'verilator'), job, testcases: ['test_latency'] });
  const stream = await runBench({ bench: 'policy', rtlDirs: [rtl], toplevel: 'nicsched_policy', sim: 'verilator', buildDir: buildDirFor(policy, 'policy', 'verilator'), job, testcases: ['test_stream'] });
  const run = stream.results.run ?? {};
  return {
    latency: app.results.latency?.measured ?? null,
    ii: stream.results.ii ?? null,
    rate: run.run_seconds ? vectors.length / run.run_seconds : null,
  };
}

async function bulk(policy, rtl) {
  const vectors = testVectors(policy.ir, bulkCount, 1);
  const t0 = performance.now();
  const r = await runBulk(policy, rtl, vectors);
  return { ...r, total_seconds: (performance.now() - t0) / 1000 };
}

const rows = [];
for (const file of policies) {
  const policy = loadPolicy(file);
  const dir = join(mkdtempSync(join(tmpdir(), 'nicsched-bench-')), 'out');
  writeOutputDir(dir, emitAll(policy), policy.hash);
  const rtl = join(dir, 'rtl');
  const sim = await cocotb(policy, rtl);
  const fast = await bulk(policy, rtl);
  const syn = synthesize(rtl, 'nicsched_top');
  const timing = checkTiming(syn.timing, policy.ir.target.clock_mhz);
  const shape = [policy.ir.features.length, ...policy.ir.layers.map((l) => l.units)].join('-');
  rows.push({ name: `${policy.ir.name} (${shape}, ${policy.ir.target.slots} slots)`, clock: policy.ir.target.clock_mhz, t: policy.ir.timing, sim, fast, counts: syn.counts, timing });
}

const pad = (s, n) => String(s).padEnd(n);
console.log('latency, II and resources');
console.log([pad('policy', 30), pad('latency pred/meas', 18), pad('ns', 7), pad('II pred/meas', 13), pad('LUT', 7), pad('FF', 7), pad('DSP', 5), pad('BRAM', 5), 'CARRY4'].join(' '));
for (const r of rows) {
  console.log([pad(r.name, 30), pad(`${r.t.latency}/${r.sim.latency}`, 18), pad(((r.t.latency * 1000) / r.clock).toFixed(1), 7), pad(`${r.t.ii}/${r.sim.ii}`, 13), pad(r.counts.lut, 7), pad(r.counts.ff, 7), pad(r.counts.dsp, 5), pad(r.counts.bram, 5), r.counts.carry].join(' '));
}
console.log('\ntiming against the policy clock (yosys sta arrival; logic levels, budget 8)');
console.log([pad('policy', 30), pad('clock', 8), pad('arrival ps', 11), pad('margin ps', 10), pad('levels', 7), pad('over', 5), 'met'].join(' '));
for (const r of rows) {
  const t = r.timing;
  console.log([pad(r.name, 30), pad(`${r.clock} MHz`, 8), pad(t.critical?.arrival_ps ?? '-', 11), pad(t.arrival_margin_ps ?? '-', 10), pad(t.deepest?.levels.total ?? '-', 7), pad(t.endpoints_over, 5), t.met ? 'yes' : 'NO'].join(' '));
  console.log(`  critical: ${t.critical?.start} -> ${t.critical?.end}`);
  console.log(`  deepest:  ${t.deepest?.start} -> ${t.deepest?.end}`);
}
console.log('\nsimulation speed (inferences per second of wall time)');
console.log([pad('policy', 30), pad('vectors', 9), pad('bulk loop inf/s', 16), pad('bulk end-to-end s', 18), pad('mismatches', 11), pad('cocotb stream inf/s', 20)].join(' '));
for (const r of rows) {
  console.log([pad(r.name, 30), pad(r.fast.vectors, 9), pad(Math.round(r.fast.rate), 16), pad(r.fast.total_seconds.toFixed(1), 18), pad(r.fast.failed, 11), pad(r.sim.rate ? Math.round(r.sim.rate) : '-', 20)].join(' '));
}
console.log('\nlatency: doorbell accepted -> RESULT.VALID in cycles (IR prediction / Verilator measurement); ns at the policy clock.');
console.log('resources and timing: yosys synth_xilinx -family xcup -noiopad -flatten -abc9 on nicsched_top (whole app). The arrival uses');
console.log("yosys's xc7 cell delays, with no delay for CARRY4, MUXF and DSP48E2 and no routing; the level count walks through them.");
console.log('bulk loop: the Verilator runner streaming every vector through nicsched_policy + nicsched_argmax (-O3), compared with the golden');
console.log('model; end-to-end adds the golden answers, the CSV files and the runner build check. cocotb stream: the nicsched_policy bench.');
