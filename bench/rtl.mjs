#!/usr/bin/env node
// RTL figures for every example policy: latency (cycles, and ns at the target clock) and II as the
// IR predicts and as Verilator measures them, yosys `synth_xilinx -family xcup -noiopad` cell
// counts (LUT, FF, DSP48E2, BRAM, CARRY), the longest combinational path yosys sees (`ltp` with
// registers, DSPs and BRAMs cut out, in cells), and simulated inferences per second of wall time (nicsched_policy streaming bench).
//
//   npm run build && node bench/rtl.mjs [policy.yaml ...]
//
// Needs scripts/setup.sh to have run (yosys, the venv). Takes a few minutes per policy (yosys).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitAll } from '../dist/codegen/backends/index.js';
import { testVectors } from '../dist/codegen/golden/vectors.js';
import { loadPolicy } from '../dist/codegen/policy.js';
import { writeOutputDir } from '../dist/codegen/util/output.js';
import { buildDirFor, makeJob, runBench } from '../dist/sim/bridge.js';

const root = new URL('..', import.meta.url).pathname;
const files = process.argv.slice(2);
const policies = files.length > 0 ? files : ['examples/tiny.yaml', 'examples/reference.yaml'].map((f) => join(root, f));
const SOURCES = ['nicsched_argmax.v', 'nicsched_weight_bank.v', 'nicsched_dense.v', 'nicsched_app.v', 'nicsched_policy.v', 'nicsched_top.v'];

function synthesize(rtl, top) {
  const script = join(rtl, 'synth.ys');
  writeFileSync(
    script,
    [
      `read_verilog -I${rtl} ${SOURCES.map((s) => join(rtl, s)).join(' ')}`,
      `synth_xilinx -family xcup -noiopad -flatten -top ${top}`,
      `tee -o ${join(rtl, 'stat.txt')} stat`,
      // Cut every path at flip-flops, DSP slices (registered inside), block RAMs and clock buffers,
      // so ltp measures the deepest chain of LUT/CARRY/MUX cells between registers.
      'delete t:FD* t:DSP48E2 t:RAMB* t:BUFG',
      `tee -o ${join(rtl, 'ltp.txt')} ltp`,
    ].join('\n') + '\n',
  );
  const r = spawnSync('yosys', ['-q', '-s', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`yosys failed:\n${r.stderr.slice(-3000)}`);
  const stat = readFileSync(join(rtl, 'stat.txt'), 'utf8');
  const count = (re) => [...stat.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  const ltp = /Longest topological path in \S+ \(length=(\d+)\)/.exec(readFileSync(join(rtl, 'ltp.txt'), 'utf8'));
  return {
    lut: count(/^\s+LUT\d\s+(\d+)$/gm),
    ff: count(/^\s+FD[A-Z]+\s+(\d+)$/gm),
    dsp: count(/^\s+DSP48E\d\s+(\d+)$/gm),
    bram: count(/^\s+RAMB\d+\S*\s+(\d+)$/gm),
    carry: count(/^\s+CARRY\d\s+(\d+)$/gm),
    ltp: ltp ? Number(ltp[1]) : null,
  };
}

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
