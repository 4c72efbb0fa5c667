#!/usr/bin/env node
// Full-system figures (docs/SYSTEM.md): the patched kernel booted in QEMU (TCG) with the simulated
// card, in one boot: the hook off, then on with results by DMA into guest RAM (layout 3.0, the
// driver's default), then on again with the modules reloaded for results by MMIO (dma_results=0:
// the poller, as layout 2.0). Per phase: decisions per second (doorbells at the card), decisions
// installed in tasks per second, MMIO writes and reads per decision counted at the card, result
// writes into guest RAM per decision, the driver's poller passes per second (each one an hrtimer
// interrupt), the guest's time per decision in the submit irq_work and the poller, the age of an
// answer when the hook takes it (doorbell to decision seen, histogram buckets), and a
// hackbench-like and a schbench-like run of the workload program (sim/guest/nsload.c).
// Over several boots: mean and 95 % confidence interval (Student t), and for the workloads the
// paired difference hook on (DMA) - hook off of each boot.
//
//   npx tsc -p tsconfig.json && node bench/system.mjs [--runs N] [--cpus N] [--duration S]
//        [--time-scale K] [--policy P]
//
// Each boot takes about a minute and a half here (builds are cached: bash scripts/build-system.sh).
import { runSystem } from '../dist/codegen/system/run.js';

const args = process.argv.slice(2);
function option(name, fallback) {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1] : fallback;
}
const root = new URL('..', import.meta.url).pathname;
const runs = Number(option('runs', '5'));
const cpus = Number(option('cpus', '2'));
const seconds = Number(option('duration', '3'));
const timeScale = Number(option('time-scale', '50'));
const policy = option('policy', `${root}examples/reference.yaml`);

// two-sided 95 % Student t quantiles by degrees of freedom
const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];

function stats(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, half: NaN };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { n, mean, half: ((T95[n - 1] ?? 1.96) * sd) / Math.sqrt(n) };
}

function show(values, digits) {
  const s = stats(values);
  if (!s.n) return '-';
  const m = s.mean.toFixed(digits);
  return Number.isFinite(s.half) ? `${m} ± ${s.half.toFixed(digits)}` : m;
}

const workload = (phase, name) => phase.workloads.find((w) => w.workload === name);
const figures = [
  ['decisions/s (doorbells at the card)', (p) => p.decisionsPerSecond, 1, false],
  ['decisions installed in tasks /s', (p) => p.installedPerSecond, 1, false],
  ['MMIO writes per decision (card)', (p) => (p.doorbells ? p.mmio.writesPerDoorbell : NaN), 2, false],
  ['MMIO reads per decision (card)', (p) => (p.doorbells ? p.mmio.readsPerDoorbell : NaN), 2, false],
  ['result writes into guest RAM per decision', (p) => (p.doorbells ? p.dmaWritesPerDoorbell : NaN), 2, false],
  ['poller passes (hrtimer interrupts) /s', (p) => p.pollsPerSecond, 0, false],
  ['guest us per decision: submit irq_work', (p) => (p.doorbells ? p.guestNsPerDecision.submit / 1000 : NaN), 0, false],
  ['guest us per decision: poller', (p) => (p.doorbells ? p.guestNsPerDecision.poll / 1000 : NaN), 0, false],
  ['answer age when taken, p50 bucket ms <', (p) => (p.doorbells ? p.answerNs.p50 / 1e6 : NaN), 2, false],
  ['answer age when taken, p99 bucket ms <', (p) => (p.doorbells ? p.answerNs.p99 / 1e6 : NaN), 2, false],
  ['hackbench-like: 10000 messages, s', (p) => Number(workload(p, 'pipes').seconds), 3, true],
  ['schbench-like: requests/s', (p) => Number(workload(p, 'msg').requests_per_s), 0, true],
  ['schbench-like: wakeup p50 us', (p) => workload(p, 'msg').wakeup.p50_us, 0, true],
  ['schbench-like: wakeup p99 us', (p) => workload(p, 'msg').wakeup.p99_us, 0, true],
  ['schbench-like: request p99 us', (p) => workload(p, 'msg').request.p99_us, 0, true],
];

const reports = [];
for (let k = 0; k < runs; k++) {
  const t0 = Date.now();
  const r = await runSystem({ policy, cpus, workloads: ['hackbench', 'schbench'], seconds, timeScale, mmioPhase: true }, () => undefined);
  if (!r.ok) throw new Error(`boot ${k + 1}: the run found problems (see ${r.workDir}/report.json)`);
  reports.push(r);
  process.stderr.write(`boot ${k + 1}/${runs}: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${r.phases[1].doorbells} doorbells, golden mismatches ${r.decisions.goldenMismatches.length}\n`);
}

const r0 = reports[0];
console.log(`nicsched system: ${r0.policy.name}, hook time limits x${timeScale} (ttl ${r0.policy.ttlMs} ms, stall ${r0.policy.stallTimeoutMs} ms), ${cpus} CPUs, Linux ${r0.kernel.release}, QEMU ${r0.qemu.packageVersion} TCG single-threaded`);
console.log(`${runs} boots, ${seconds} s per timed workload; mean ± 95 % CI half-width; "on - off" pairs the two phases of each boot`);
const width = 42;
const phaseNames = ['hook off', 'on: DMA (v3)', 'on: MMIO (v2)'];
console.log(`${'figure'.padEnd(width)}${phaseNames.map((n) => n.padEnd(22)).join('')}on DMA - off`);
for (const [name, get, digits, paired] of figures) {
  const cols = phaseNames.map((_, k) => reports.map((r) => get(r.phases[k])));
  const diff = paired
    ? show(
        cols[1].map((v, k) => v - cols[0][k]),
        digits,
      )
    : '';
  console.log(`${name.padEnd(width)}${cols.map((c) => show(c, digits).padEnd(22)).join('')}${diff}`);
}
const checked = reports.reduce((a, r) => a + r.decisions.answered, 0);
const mismatches = reports.reduce((a, r) => a + r.decisions.goldenMismatches.length + r.decisions.guestMismatches.length, 0);
console.log(`decisions traced (card log = golden model = guest log): ${checked}, mismatches ${mismatches}; kernel log problems ${reports.reduce((a, r) => a + r.dmesg.length, 0)}`);
