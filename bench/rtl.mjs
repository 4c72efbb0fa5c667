#!/usr/bin/env node
// RTL figures for every example policy: latency (cycles, and ns at the target clock) and II as the
// IR predicts and as Verilator measures them, yosys `synth_xilinx -family xcup -noiopad` cell
// counts (LUT, FF, DSP48E2, BRAM, CARRY), the longest combinational path yosys sees (`ltp` with
// registers, DSPs and BRAMs cut out, in cells), and simulated inferences per second of wall time (nicsched_policy streaming bench).
//
//   npm run build && node bench/rtl.mjs [policy.yaml ...]
//
// Synthesis is codegen/fpga/yosys.ts, the same code `nicsched estimate` runs (uncached here).
// Needs scripts/setup.sh to have run (yosys, the venv). Takes a few minutes per policy (yosys).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitAll } from '../dist/codegen/backends/index.js';
import { testVectors } from '../dist/codegen/golden/vectors.js';
import { loadPolicy } from '../dist/codegen/policy.js';
import { writeOutputDir } from '../dist/codegen/util/output.js';
import { synthesize } from '../dist/codegen/fpga/yosys.js';
import { buildDirFor, makeJob, runBench } from '../dist/sim/bridge.js';

const root = new URL('..', import.meta.url).pathname;
const files = process.argv.slice(2);
const policies = files.length > 0 ? files : ['examples/tiny.yaml', 'examples/reference.yaml'].map((f) => join(root, f));
async function simulate(policy, rtl) {
  const vectors = testVectors(policy.ir, 5000, 1);
  const job = makeJob(policy, vectors, { seed: 1, ops: 0 });
  const app = await runBench({ bench: 'app', rtlDirs: [rtl], toplevel: 'nicsched_top', sim: 'verilator', buildDir: buildDirFor(policy, 'app', 'verilator'), job, testcases: ['test_latency'] });
  const stream = await runBench({ bench: 'policy', rtlDirs: [rtl], toplevel: 'nicsched_policy', sim: 'verilator', buildDir: buildDirFor(policy, 'policy', 'verilator'), job, testcases: ['test_stream'] });
  const run = stream.results.run ?? {};
  return {
    latency: app.results.latency?.measured ?? null,
    ii: stream.results.ii ?? null,
    mismatches: stream.results.mismatches ?? null,
    rate: run.run_seconds ? vectors.length / run.run_seconds : null,
  };
}

const rows = [];
for (const file of policies) {
  const policy = loadPolicy(file);
  const dir = join(mkdtempSync(join(tmpdir(), 'nicsched-bench-')), 'out');
  writeOutputDir(dir, emitAll(policy), policy.hash);
  const rtl = join(dir, 'rtl');
  const sim = await simulate(policy, rtl);
  const syn = synthesize(rtl, 'nicsched_top');
  const shape = [policy.ir.features.length, ...policy.ir.layers.map((l) => l.units)].join('-');
  rows.push({ name: `${policy.ir.name} (${shape}, reuse ${policy.ir.target.reuse})`, clock: policy.ir.target.clock_mhz, t: policy.ir.timing, sim, syn });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(
  [pad('policy', 28), pad('latency pred/meas', 18), pad('ns', 7), pad('II pred/meas', 13), pad('LUT', 7), pad('FF', 7), pad('DSP', 5), pad('BRAM', 5), pad('CARRY', 6), pad('ltp', 5), 'sim inf/s'].join(' '),
);
for (const r of rows) {
  console.log(
    [
      pad(r.name, 28),
      pad(`${r.t.latency}/${r.sim.latency}`, 18),
      pad(((r.t.latency * 1000) / r.clock).toFixed(1), 7),
      pad(`${r.t.ii}/${r.sim.ii}`, 13),
      pad(r.syn.lut, 7),
      pad(r.syn.ff, 7),
      pad(r.syn.dsp, 5),
      pad(r.syn.bram, 5),
      pad(r.syn.carry, 6),
      pad(r.syn.ltp ?? '-', 5),
      r.sim.rate ? Math.round(r.sim.rate) : '-',
    ].join(' '),
  );
}
console.log('\nlatency: doorbell accepted -> RESULT.VALID in cycles (IR prediction / Verilator measurement); ns at the policy clock.');
console.log('resources: yosys 0.23 synth_xilinx -family xcup -noiopad -flatten on nicsched_top (whole app: datapath, slots, AXI-Lite).');
console.log('ltp: longest chain of cells (LUT, CARRY, MUXF) between registers or DSPs, from yosys ltp. sim inf/s: wall-clock rate of the cocotb-driven Verilator streaming bench.');
