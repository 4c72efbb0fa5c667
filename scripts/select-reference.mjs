#!/usr/bin/env node
// The model-selection step of scripts/learn-reference.sh (docs/LEARNING.md): policy iteration with one
// policy shared by every task does not improve monotonically, so each round's policy is a candidate,
// and the reference is the candidate with the lowest mean, over the validation workloads, of its
// paired relative headline change against CFS (`nicsched eval`, mixed, schbench and hetero, 2 CPUs, 5 s).
// The validation seeds 500..509 are neither training seeds (1000..1009) nor evaluation seeds (1..10).
// A tie goes to the later candidate. Writes the record (a Markdown table, deterministic: no timings)
// and copies the chosen candidate to the output; prints CHOSEN=<candidate> on stdout.
//
//   node scripts/select-reference.mjs --record FILE.md --out reference.yaml round1.yaml round2.yaml
//
// Needs `npm run build`. About 10 s per candidate on 2 CPUs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VALIDATION = { workloads: 'mixed,schbench,hetero', firstSeed: 500, seeds: 10, durationMs: 5000 };

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const take = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || !args[i + 1]) throw new Error(`select-reference: ${name} <file> is required`);
  return args.splice(i, 2)[1];
};
const record = take('--record');
const out = take('--out');
if (args.length === 0) throw new Error('select-reference: name at least one candidate policy');

function validate(policy) {
  const dir = mkdtempSync(join(tmpdir(), 'nicsched-select-'));
  try {
    const cmd = ['eval', policy, '--workload', VALIDATION.workloads, '--seeds', String(VALIDATION.seeds), '--first-seed', String(VALIDATION.firstSeed), '--duration-ms', String(VALIDATION.durationMs), '--json', '-o', join(dir, 'report')];
    const r = spawnSync('node', [join(root, 'bin/nicsched.js'), ...cmd], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`nicsched ${cmd.join(' ')} failed: ${r.stderr}`);
    const { workloads } = JSON.parse(r.stdout).report;
    return workloads.map((w) => ({ label: w.label, headline: w.headline, vsCfs: w.comparisons.cfs[w.headline].relative_pct }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (c) => `${c.mean >= 0 ? '+' : ''}${c.mean.toFixed(1)} % ± ${c.half.toFixed(1)} %`;
const candidates = args.map((file) => {
  const rows = validate(file);
  return { file, rows, score: rows.reduce((a, r) => a + r.vsCfs.mean, 0) / rows.length };
});
let chosen = candidates[0];
for (const c of candidates) if (c.score <= chosen.score) chosen = c;

const labels = candidates[0].rows.map((r) => `${r.label} (${r.headline})`);
const lines = [
  '# Model selection of the reference policy',
  '',
  `Written by \`scripts/select-reference.mjs\` (run by \`scripts/learn-reference.sh\`; docs/LEARNING.md). Each candidate's headline against CFS on the validation seeds ${VALIDATION.firstSeed}–${VALIDATION.firstSeed + VALIDATION.seeds - 1} (neither training nor evaluation seeds): \`nicsched eval <candidate> --workload ${VALIDATION.workloads} --seeds ${VALIDATION.seeds} --first-seed ${VALIDATION.firstSeed} --duration-ms ${VALIDATION.durationMs}\`, paired relative difference, mean ± 95 % CI over the seeds. The reference is the candidate with the lowest mean over the workloads (the later one on a tie).`,
  '',
  `| candidate | ${labels.join(' | ')} | mean |`,
  `|---|${labels.map(() => '---:').join('|')}|---:|`,
  ...candidates.map((c) => `| \`${c.file}\`${c === chosen ? ' (chosen)' : ''} | ${c.rows.map((r) => pct(r.vsCfs)).join(' | ')} | ${c.score >= 0 ? '+' : ''}${c.score.toFixed(2)} % |`),
  '',
  `Chosen: \`${chosen.file}\`.`,
  '',
];
// both written whole, then renamed into place
writeFileSync(`${record}.tmp`, lines.join('\n'));
copyFileSync(chosen.file, `${out}.tmp`);
renameSync(`${record}.tmp`, record);
renameSync(`${out}.tmp`, out);
console.log(`CHOSEN=${chosen.file}`);
