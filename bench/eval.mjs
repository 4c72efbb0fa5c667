#!/usr/bin/env node
// Scheduling quality of a policy on every workload, held out from its training data: the figures
// of docs/EVAL.md. Runs `nicsched eval` on mixed, schbench, hackbench, cyclictest and the held-out
// window of the committed trace, 10 seeds each (seeds 1..10; the reference trains on seeds 1000..),
// and prints, per workload, every variant's headline with its 95 % CI and the policy's paired
// differences. Run after `npm run build`:
//
//   node bench/eval.mjs [policy.yaml] [--seeds N] [--duration-ms N] [-o DIR]
//
// About 15 s on 2 CPUs for the reference (5 workloads x 10 seeds x 7 variants x 5 s simulated).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/nicsched.js');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const seeds = flag('--seeds', '10');
const duration = flag('--duration-ms', '5000');
const out = flag('-o', join(mkdtempSync(join(tmpdir(), 'nicsched-bench-eval-')), 'report'));
const policy = args[0] ?? join(root, 'examples/reference.yaml');
const trace = 'examples/traces/mixed-1.jsonl';

// The synthetic workloads and the trace's held-out window run in two invocations (--window is per run).
const runs = [
  ['--workload', 'mixed,hetero,schbench,hackbench,cyclictest', '-o', `${out}-synthetic`],
  ['--workload', trace, '--window', '0.7:1', '-o', `${out}-trace`],
];
const t0 = process.hrtime.bigint();
const workloads = [];
for (const extra of runs) {
  const cmd = ['eval', policy, '--seeds', seeds, '--duration-ms', duration, ...extra];
  const r = spawnSync('node', [bin, ...cmd], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`nicsched ${cmd.join(' ')} failed: ${r.stderr}`);
  console.log(`$ nicsched ${cmd.join(' ')}`);
  const report = JSON.parse(readFileSync(join(extra[extra.length - 1], 'report.json'), 'utf8'));
  workloads.push(...report.workloads);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

const fmt = (c) => (c && c.mean !== null ? `${c.mean.toFixed(c.mean >= 100 ? 0 : 1)} ± ${c.half === null ? '?' : c.half.toFixed(c.half >= 100 ? 0 : 1)}` : 'n/a');
const rel = (c) => (c ? `${c.relative_pct.mean >= 0 ? '+' : ''}${c.relative_pct.mean.toFixed(1)} % ± ${c.relative_pct.half.toFixed(1)} %${c.excludes_zero ? '' : ' (n.s.)'}` : 'n/a');
for (const w of workloads) {
  const key = w.headline;
  console.log(`\n${w.label} [${w.evaluation_data}]: ${key}, mean ± 95 % CI over ${seeds} seeds`);
  for (const v of w.variants) {
    const cmp = w.comparisons[v.id]?.[key];
    console.log(`  ${v.label.padEnd(36)} ${fmt(v.summary[key]).padStart(18)}   policy vs this: ${v.id === 'policy' ? '' : rel(cmp)}`);
  }
  const b = w.comparisons.cfs?.batchWorkMsPerS;
  console.log(`  batch throughput vs CFS: ${rel(b)}; gap CFS→oracle closed: ${w.gap_closed_pct === null ? 'n/a' : `${w.gap_closed_pct.toFixed(0)} %`}; goal ${w.goal.met ? 'met' : 'not met'}`);
}
console.log(`\n${workloads.length} workloads in ${seconds.toFixed(1)} s; reports in ${out}-synthetic/ and ${out}-trace/`);
