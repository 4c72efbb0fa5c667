/**
 * The committed reference policy is rebuilt byte for byte (scripts/learn-reference.sh): counterfactual
 * datasets of both rounds regenerate exactly, both rounds train into their committed policies, and
 * the model selection on the validation seeds gives the committed record and chooses the committed
 * reference. About two minutes of simulation and training on the 2-core machine kind, so it runs
 * with the long computations, not in test/unit. The selection runs the built CLI (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../codegen/learn/dataset.js';
import { loadPolicy } from '../../codegen/policy.js';
import { REFERENCE, ROOT, cli, tempDir } from '../helpers.js';

/** Paths as scripts/learn-reference.sh writes them (relative to the repository root = vitest's cwd). */
const rel = (p: string) => relative(process.cwd(), join(ROOT, p));
const TEMPLATE = rel('examples/reference.template.yaml');
const TRACE = rel('examples/traces/mixed-1.jsonl');
const DATASET = rel('examples/traces/reference.data.jsonl');

describe('the reference policy', () => {
  it('is rebuilt byte for byte (scripts/learn-reference.sh): sources of both rounds regenerate exactly, both rounds train into the committed policies, and the selection chooses the committed reference', async () => {
    const round1 = rel('examples/traces/reference.round1.yaml');
    const committed = readDataset(DATASET);
    expect(committed.header).toMatchObject({ label: 'counterfactual', simulated: { generators: ['mixed', 'hetero', 'schbench'], seeds: [1000, 1009], sample_every: 2, behaviour: { name: 'reference', hash: loadPolicy(round1).hash } } });
    expect(committed.header.traces.map((t) => [t.file, t.window])).toEqual([[TRACE, [0, 0.7]]]);
    // One of the 40 sources of each round (3 generators and the trace, seeds 1000..1009), as the script makes them.
    const dir = tempDir();
    for (const [round, extra] of [
      [rel('examples/traces/reference.round1.data.jsonl'), []],
      [DATASET, ['--behaviour', round1]],
    ] as const) {
      const data = join(dir, `${round.length}.jsonl`);
      const d = await cli('dataset', '--label', 'counterfactual', '--spec', TEMPLATE, '--sim', 'mixed', '--seeds', '1000', '--sample-every', '2', ...extra, '-o', data);
      expect(d.code).toBe(0);
      const mine = readDataset(data).rows;
      expect(mine.length).toBeGreaterThan(300);
      expect(readDataset(round).rows.filter((r) => r.src.startsWith('sim:mixed:1000@'))).toEqual(mine);
    }
    const round2 = rel('examples/traces/reference.round2.yaml');
    for (const [data, policy] of [
      [rel('examples/traces/reference.round1.data.jsonl'), round1],
      [DATASET, round2],
    ] as const) {
      const out = join(dir, `${policy.length}.yaml`);
      const t = await cli('train', data, '--spec', TEMPLATE, '--seed', '7', '--epochs', '40', '--qat', '--objective', 'advantage', '-o', out);
      expect(t.code).toBe(0);
      expect(readFileSync(out, 'utf8'), policy).toBe(readFileSync(policy, 'utf8'));
    }
    const record = join(dir, 'selection.md');
    const chosen = join(dir, 'reference.yaml');
    const s = spawnSync('node', ['scripts/select-reference.mjs', '--record', record, '--out', chosen, round1, round2], { cwd: ROOT, encoding: 'utf8' });
    expect(s.status, s.stderr).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe(readFileSync(rel('examples/traces/reference.selection.md'), 'utf8'));
    expect(readFileSync(chosen, 'utf8')).toBe(readFileSync(REFERENCE, 'utf8'));
    expect(s.stdout).toMatch(/^CHOSEN=examples\/traces\/reference\.round[12]\.yaml$/m);
  });
});
