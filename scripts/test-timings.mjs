#!/usr/bin/env node
// Per-file timing summary of a vitest run, from its JSON report (scripts/test.sh writes
// out/test-report.json): the slowest files first, with their group and test counts, then the
// total per group. .ci/run prints it after every run, so slow growth shows.
//
//   node scripts/test-timings.mjs [out/test-report.json]
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[2] ?? 'out/test-report.json';
if (!existsSync(file)) {
  console.error(`test-timings: no ${file} (scripts/test.sh writes it)`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const root = process.cwd();
const rows = report.testResults.map((r) => {
  const path = relative(root, r.name);
  const tests = r.assertionResults ?? [];
  return {
    path,
    group: path.split('/')[1] ?? '?',
    seconds: (r.endTime - r.startTime) / 1000,
    tests: tests.length,
    failed: tests.filter((t) => t.status === 'failed').length,
  };
});
rows.sort((a, b) => b.seconds - a.seconds);
const width = Math.max(...rows.map((r) => r.path.length), 4);
console.log(`\ntest timings (${file}): wall time per file, slowest first`);
console.log(`${'file'.padEnd(width)}  ${'seconds'.padStart(8)}  tests  failed`);
for (const r of rows) console.log(`${r.path.padEnd(width)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.tests).padStart(5)}  ${String(r.failed).padStart(6)}`);
const groups = new Map();
for (const r of rows) groups.set(r.group, (groups.get(r.group) ?? 0) + r.seconds);
console.log(`per group (sum of file times; files of a group run 2 at a time): ${[...groups].map(([g, s]) => `${g} ${s.toFixed(0)} s`).join(', ')}`);
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + (report.numTodoTests ?? 0)} skipped`);
