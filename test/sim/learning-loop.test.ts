/**
 * The learning loop end to end, as README runs it (scripts/learning-loop.sh), with small knobs:
 * a live trace of a mixed workload on this machine, a dataset, seeded training, the learned
 * policy's RTL in Verilator, and the evaluation against CFS on both workloads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../codegen/policy.js';
import { ROOT, tempDir } from '../helpers.js';

interface EvalVariant {
  id: string;
  summary: Record<string, { n: number } | null>;
  runs: { decisions: { requested: number } | null }[];
}

function readReport(dir: string): { workloads: { variants: EvalVariant[] }[]; policy: { hash: string } } {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReturnType<typeof readReport>;
}

describe('learning loop (scripts/learning-loop.sh)', () => {
  it('trace -> dataset -> train -> simulate -> eval runs end to end', { timeout: 600_000 }, () => {
    const out = join(tempDir('nicsched-loop-'), 'loop');
    const env = { ...process.env, TRACE_SECONDS: '4', AUGMENT: '1500', EPOCHS: '6', SIM_COUNT: '60' };
    const r = spawnSync('bash', [join(ROOT, 'scripts/learning-loop.sh'), out], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);

    for (const f of ['trace.jsonl', 'data.jsonl', 'data.card.json', 'data.card.md', 'policy.yaml']) expect(existsSync(join(out, f)), f).toBe(true);
    const card = JSON.parse(readFileSync(join(out, 'data.card.json'), 'utf8')) as { rows: { total: number; from_traces: number; synthetic: number } };
    expect(card.rows.synthetic).toBe(1500);
    expect(card.rows.from_traces).toBeGreaterThan(20); // 7 tasks x ~40 samples traced live
    expect(card.rows.total).toBe(card.rows.from_traces + card.rows.synthetic);
    const policy = loadPolicy(join(out, 'policy.yaml'));
    expect(r.stdout).toContain('result    PASS'); // the learned policy's RTL, bit-exact in Verilator

    for (const name of ['eval-mixed', 'eval-trace']) {
      const dir = join(out, name);
      for (const f of ['report.md', 'cpu-share.svg']) expect(existsSync(join(dir, f)), `${name}/${f}`).toBe(true);
      const report = readReport(dir);
      expect(report.policy.hash).toBe(policy.hash);
      const [cfs, policyRuns] = ['cfs', 'policy'].map((id) => report.workloads[0]!.variants.find((v) => v.id === id)!);
      expect(cfs!.summary['wake.p99']!.n).toBeGreaterThan(0);
      expect(cfs!.runs.every((m) => m.decisions === null)).toBe(true);
      expect(policyRuns!.runs.every((m) => m.decisions!.requested > 0)).toBe(true);
    }
  });
});
