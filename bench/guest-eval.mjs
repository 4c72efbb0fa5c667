#!/usr/bin/env node
// The scheduling evaluation inside the full-system guest (docs/EVAL.md, "In the guest"): the
// simulator's mixed or hetero workload (same generator parameters and per-task seeds, nsload simmix) in the
// patched kernel under QEMU TCG with the simulated card, hook off / hook on / static nice on the
// batch class, one boot per seed with the arms in rotated order, then the interactive tasks alone
// ("no batch": the latency the TCG guest shows with nothing competing). Prints every run's wakeup
// latency percentiles and CPU figures (mean ± 95 % CI over seeds), the paired relative
// differences between arms, the simulator's figures for the same seeds, and the guest's pooled
// latency distribution against the simulator's (percentile ladder, ratios, KS distance).
//
//   npx tsc -p tsconfig.json && node bench/guest-eval.mjs [--workload mixed|hetero] [--seeds N]
//        [--first-seed S] [--cpus N] [--duration S] [--static-nice N] [--time-scale K] [--icount SHIFT]
//        [--policy P] [--json out.json]
//
// Builds are cached (bash scripts/build-system.sh); each boot takes about 15 s plus 4 x duration.
import { writeFileSync } from 'node:fs';
import { formatGuestEval, runGuestEval } from '../dist/codegen/system/guest-eval.js';

const args = process.argv.slice(2);
function option(name, fallback) {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1] : fallback;
}
const root = new URL('..', import.meta.url).pathname;
const n = Number(option('seeds', '5'));
const first = Number(option('first-seed', '1'));
const options = {
  policy: option('policy', `${root}examples/reference.yaml`),
  workload: option('workload', 'mixed'),
  cpus: Number(option('cpus', '2')),
  seeds: Array.from({ length: n }, (_, k) => first + k),
  seconds: Number(option('duration', '5')),
  staticNice: Number(option('static-nice', '8')),
  timeScale: Number(option('time-scale', '50')),
  ...(option('icount', undefined) !== undefined ? { icountShift: Number(option('icount', undefined)) } : {}),
};
const t0 = Date.now();
const result = await runGuestEval(options, (m) => process.stderr.write(`[guest-eval] ${m}\n`));
const json = option('json', undefined);
if (json) writeFileSync(json, JSON.stringify(result) + '\n');
process.stdout.write(formatGuestEval(result));
console.log(`wall time ${((Date.now() - t0) / 1000).toFixed(0)} s${result.ok ? '' : "; PROBLEMS: see each boot's console.log under " + result.boots[0]?.workDir}`);
if (!result.ok) process.exitCode = 1;
