import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GoldenModel } from '../../codegen/golden/model.js';
import { loadPolicy } from '../../codegen/policy.js';
import { cli, REFERENCE, ROOT, tempDir, TINY, writeTemp } from '../helpers.js';

describe('nicsched check', () => {
  it('prints shapes, formats, accumulator widths and the hash', async () => {
    const r = await cli('check', REFERENCE);
    expect(r.code).toBe(0);
    const hash = loadPolicy(REFERENCE).hash;
    expect(r.stdout).toContain(`hash      ${hash}`);
    expect(r.stdout).toMatch(/layer 0 +8 -> 16 +relu +in u8\.0 +w s8\.8 +acc s20\.8 +out u8\.4 +shift 4/);
    expect(r.stdout).toMatch(/layer 2 +8 -> 4 +none/);
    expect(r.stdout).toMatch(/latency 14 cycles/); // 3 + 4 + 3 (layers) + 4 (nicsched_app), HARDWARE.md
  });

  it('--json', async () => {
    const r = await cli('check', TINY, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { inputs: number; outputs: number; layers: { accumulator_format: string }[] };
    expect(doc.inputs).toBe(2);
    expect(doc.outputs).toBe(2);
    expect(doc.layers[0]!.accumulator_format).toBe('s18.1');
  });
});

describe('nicsched compile', () => {
  it('writes ir.json and the golden vectors, and replaces only its own output', async () => {
    const out = join(tempDir(), 'out');
    const first = await cli('compile', TINY, '-o', out, '--json');
    expect(first.code).toBe(0);
    const ir = JSON.parse(readFileSync(join(out, 'ir.json'), 'utf8')) as { policy_hash: string; ir: { name: string } };
    expect(ir.policy_hash).toBe(loadPolicy(TINY).hash);
    expect(ir.ir.name).toBe('tiny');
    expect(existsSync(join(out, 'golden/vectors.csv'))).toBe(true);
    writeFileSync(join(out, 'stale.txt'), 'x');
    const again = await cli('compile', REFERENCE, '-o', out);
    expect(again.code).toBe(0);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('golden/expected.csv is the golden model on golden/vectors.csv', async () => {
    const out = join(tempDir(), 'out');
    expect((await cli('compile', REFERENCE, '-o', out)).code).toBe(0);
    const vectors = readFileSync(join(out, 'golden/vectors.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    const expected = readFileSync(join(out, 'golden/expected.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    expect(vectors.length).toBeGreaterThanOrEqual(2000);
    const model = new GoldenModel(loadPolicy(REFERENCE).ir);
    vectors.forEach((v, k) => {
      const r = model.infer(v);
      expect(expected[k]).toEqual([r.action, ...r.scores]);
    });
  });
});

describe('nicsched predict', () => {
  const csv = 'wait_log2,run_log2\n3,1\n1,0\n0,3\n255,0\n';

  it('prints one action per vector', async () => {
    const input = writeTemp('v.csv', csv);
    const r = await cli('predict', TINY, '--input', input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('action\n0\n0\n1\n0\n');
  });

  it('writes --output and a per-layer --trace', async () => {
    const dir = tempDir();
    const input = writeTemp('v.csv', csv, dir);
    const output = join(dir, 'out.csv');
    const r = await cli('predict', TINY, '--input', input, '--output', output, '--trace');
    expect(r.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('action\n0\n0\n1\n0\n');
    expect(r.stderr).toContain('vector 1 layer 0: acc [3 1] act [3 1] out [2 1]');
  });

  it('scores head prints one column per output', async () => {
    const doc = parse(readFileSync(TINY, 'utf8')) as Record<string, unknown>;
    doc['head'] = 'scores';
    delete doc['actions'];
    const policy = writeTemp('scores.json', JSON.stringify(doc));
    const input = writeTemp('v.csv', csv);
    const r = await cli('predict', policy, '--input', input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('score0,score1\n1,-1\n1,-1\n-2,2\n127,-127\n');
  });

  it('--json carries scores and traces', async () => {
    const input = writeTemp('v.csv', csv);
    const r = await cli('predict', TINY, '--input', input, '--json', '--trace');
    const doc = JSON.parse(r.stdout) as { results: { action: number; scores: number[] }[]; traces: unknown[][] };
    expect(doc.results[2]).toEqual({ action: 1, scores: [-2, 2] });
    expect(doc.traces[0]).toHaveLength(2);
  });

  it('locates bad vectors', async () => {
    const cases: Array<[string, RegExp]> = [
      ['run_log2,wait_log2\n1,2\n', /:1:1: header is "run_log2,wait_log2".*wait_log2,run_log2/],
      ['wait_log2,run_log2\n1,2\n3\n', /:3:1: row has 1 columns, header has 2/],
      ['wait_log2,run_log2\n1,2\n3,x\n', /:3:3: "x" is not an integer/],
      ['wait_log2,run_log2\n1,256\n', /:2:3: run_log2 = 256 is outside the input format's range \[0, 255\]/],
    ];
    for (const [text, message] of cases) {
      const input = writeTemp('v.csv', text);
      const r = await cli('predict', TINY, '--input', input);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('the nicsched binary', () => {
  it('runs from bin/ after the build, with exit codes 0 and 1', () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT });
    const ok = spawnSync('node', [join(ROOT, 'bin/nicsched.js'), 'check', TINY], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('policy tiny');
    const bad = spawnSync('node', [join(ROOT, 'bin/nicsched.js'), 'check', '/nonexistent.yaml'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('no such file');
    const usage = spawnSync('node', [join(ROOT, 'bin/nicsched.js'), 'compile', TINY], { encoding: 'utf8' });
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/required option '-o, --output <dir>'/);
  });
});
