/** `nicsched eval`: the report files, their well-formedness, recorded workloads and trace errors. */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { traceWorkload } from '../../codegen/eval/trace-workload.js';
import { cli, REFERENCE, ROOT, tempDir, TINY, writeTemp } from '../helpers.js';

const PYTHON = join(ROOT, '.venv/bin/python');

/** Parse with python's xml.etree (a real XML parser); returns the root tag or the parse error. */
function parseXml(file: string): { ok: boolean; out: string } {
  const r = spawnSync(PYTHON, ['-c', 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().tag)', file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim() };
}

interface Ci {
  n: number;
  mean: number;
  half: number | null;
}

interface WorkloadJson {
  label: string;
  kind: string;
  evaluation_data: string;
  headline: string;
  variants: { id: string; label: string; summary: Record<string, Ci | null>; runs: { decisions: { requested: number; installed: number } | null; batchWorkMsPerS: number }[] }[];
  comparisons: Record<string, Record<string, { relative_pct: Ci; excludes_zero: boolean } | null>>;
  gap_closed_pct: number | null;
  goal: { metric: string; met: boolean };
}

interface ReportJson {
  format: string;
  version: number;
  policy: { name: string };
  options: { cpus: number; durationNs: number; seeds: number[] };
  workloads: WorkloadJson[];
}

function readReport(dir: string): ReportJson {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReportJson;
}

const HEADER = { type: 'header', version: 1, source: 'synthetic:test', host: 'h', kernel: '6.1', interval_ms: 10, started: '2026-11-28T00:00:00Z', features: [] };

function sample(t: number, tid: number, exec: number, wait: number, nvcsw: number, cls?: string): object {
  const raw = { wait_ns: wait, exec_ns: exec, nvcsw, nivcsw: 0, util_avg: 100, nr_migrations: 0, nice: 0, wakee_flips: 0 };
  return { type: 'sample', t_ns: t, pid: tid, tid, comm: `t${tid}`, ...(cls ? { class: cls } : {}), raw, features: null };
}

/** Task 1: a hog (10 ms of CPU per 10 ms). Task 2: 5 bursts of 0.2 ms per 10 ms, sleeping the rest. */
function traceText(intervals = 20): string {
  const lines: object[] = [HEADER];
  for (let k = 0; k <= intervals; k++) {
    const t = k * 10_000_000;
    lines.push(sample(t, 1, t, 0, 0));
    lines.push(sample(t, 2, k * 1_000_000, 0, k * 5));
  }
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('nicsched eval', () => {
  it('writes report.md, report.json and Vega plots: every variant, CIs over seeds, paired comparisons (reference, mixed)', async () => {
    const out = join(tempDir(), 'report');
    const r = await cli('eval', REFERENCE, '--cpus', '2', '--duration-ms', '800', '--seeds', '3', '--first-seed', '5', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/interactive wakeup latency p99 \(µs\): CFS [\d.]+ ± [\d.]+;/);
    expect(r.stdout).toMatch(/policy vs CFS [-+][\d.]+ % ± [\d.]+ %/);
    for (const f of ['report.md', 'report.json', 'latency-tail-mixed.svg', 'headline-mixed.svg', 'cpu-share.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const doc = readReport(out);
    expect(doc).toMatchObject({ format: 'nicsched-eval', version: 2, options: { cpus: 2, durationNs: 800 * 1e6, seeds: [5, 6, 7] } });
    const w = doc.workloads[0]!;
    expect(w.variants.map((v) => v.id)).toEqual(['cfs', 'nice', 'sched_batch', 'sched_idle', 'policy', 'policy_cpu', 'oracle', 'coin']);
    expect(w.headline).toBe('wake.p99');
    expect(w.evaluation_data).toBe('held-out'); // the reference trained on seeds 1000..1009
    for (const v of w.variants) {
      expect(v.summary['wake.p99']!.n).toBe(3);
      expect(v.summary['wake.p99']!.half).not.toBeNull();
      expect(v.runs).toHaveLength(3);
    }
    const cfs = w.variants[0]!;
    expect(cfs.runs.every((m) => m.decisions === null)).toBe(true);
    expect(w.variants.find((v) => v.id === 'policy')!.runs.every((m) => m.decisions!.requested > 0 && m.decisions!.installed > 0)).toBe(true);
    // 2 CPUs, 4 hogs: the batch class keeps most of both CPUs (at most 2000 ms/s)
    expect(cfs.summary['batchWorkMsPerS']!.mean).toBeGreaterThan(1000);
    expect(cfs.summary['batchWorkMsPerS']!.mean).toBeLessThanOrEqual(2000);
    expect(Object.keys(w.comparisons)).toEqual(['cfs', 'nice', 'sched_batch', 'sched_idle', 'policy_cpu', 'oracle', 'coin']);
    expect(w.comparisons['cfs']!['wake.p99']!.relative_pct.n).toBe(3);
    for (const f of ['latency-tail-mixed.svg', 'headline-mixed.svg', 'cpu-share.svg']) expect(parseXml(join(out, f)), f).toEqual({ ok: true, out: '{http://www.w3.org/2000/svg}svg' });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('# nicsched eval: reference');
    expect(md).toContain('sched_latency 12 ms, min_granularity 1.5 ms, wakeup_granularity 2 ms');
    expect(md).toMatch(/Where the policy sits on interactive wakeup latency p99 \(µs\): -?\d+ % of the way from CFS/);
    expect(md).toMatch(/Hook decisions per run \(mean\): \d+ requested, \d+ installed, applied \d+ times/);
    expect(md).toContain("held out: no seed or trace window of this workload is in the policy's training data");
  });

  it('a variant identical to CFS gives a zero paired difference (SCHED_BATCH hogs never wake)', async () => {
    const out = join(tempDir(), 'report');
    expect((await cli('eval', TINY, '--cpus', '1', '--duration-ms', '300', '--seeds', '2', '-o', out)).code).toBe(0);
    const w = readReport(out).workloads[0]!;
    const cfs = w.variants.find((v) => v.id === 'cfs')!;
    const batch = w.variants.find((v) => v.id === 'sched_batch')!;
    expect(batch.summary).toEqual(cfs.summary);
    expect(w.comparisons['sched_batch']!['wake.p99']).toMatchObject({ relative_pct: { mean: 0, half: 0 }, excludes_zero: false });
  });

  it('runs the tiny policy, and --json gives the same report as report.json', async () => {
    const out = join(tempDir(), 'report');
    const r = await cli('eval', TINY, '--cpus', '1', '--duration-ms', '300', '--seeds', '2', '-o', out, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: string[]; report: ReportJson };
    expect(doc.files.sort()).toEqual(['cpu-share.svg', 'headline-mixed.svg', 'latency-tail-mixed.svg', 'report.json', 'report.md']);
    expect(doc.report).toEqual(readReport(out));
    expect(doc.report.policy.name).toBe('tiny');
  });

  it('is deterministic: the same seeds write the same report.json, other seeds do not', async () => {
    const dir = tempDir();
    const runOnce = async (first: string, name: string) => {
      expect((await cli('eval', REFERENCE, '--duration-ms', '300', '--seeds', '2', '--first-seed', first, '-o', join(dir, name))).code).toBe(0);
      return readFileSync(join(dir, name, 'report.json'), 'utf8');
    };
    const a = await runOnce('9', 'a');
    expect(await runOnce('9', 'b')).toBe(a);
    expect(await runOnce('10', 'c')).not.toBe(a);
  });

  it('runs schbench, hackbench and cyclictest: request latency, completion time and timer jitter are their headlines', async () => {
    const out = join(tempDir(), 'report');
    const r = await cli('eval', TINY, '--workload', 'schbench,hackbench,cyclictest', '--cpus', '2', '--duration-ms', '400', '--seeds', '2', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = readReport(out);
    expect(doc.workloads.map((w) => [w.kind, w.headline])).toEqual([
      ['schbench', 'request.p99'],
      ['hackbench', 'completionMs'],
      ['cyclictest', 'wake.p99'],
    ]);
    const cfs = (i: number) => doc.workloads[i]!.variants[0]!.summary;
    expect(cfs(0)['request.p999']!.mean).toBeGreaterThanOrEqual(cfs(0)['request.p99']!.mean);
    expect(cfs(1)['completionMs']!.mean).toBeGreaterThan(0);
    expect(cfs(1)['completionMs']!.mean).toBeLessThan(400);
    for (const f of ['latency-tail-schbench.svg', 'latency-tail-hackbench.svg', 'latency-tail-cyclictest.svg']) expect(parseXml(join(out, f)).ok, f).toBe(true);
  });

  it("flags in-sample evaluation from the policy's provenance line", async () => {
    const text = readFileSync(TINY, 'utf8');
    const trained = writeTemp('trained.yaml', `# provenance: {"synthetic":[{"generator":"mixed","seeds":[1,3]}],"traces":[]}\n${text}`);
    const dir = tempDir();
    const status = async (first: string) => {
      const out = join(dir, `r${first}`);
      expect((await cli('eval', trained, '--cpus', '1', '--duration-ms', '200', '--seeds', '2', '--first-seed', first, '-o', out)).code).toBe(0);
      return [readReport(out).workloads[0]!.evaluation_data, readFileSync(join(out, 'report.md'), 'utf8')] as const;
    };
    const [inSample, md] = await status('3'); // seeds 3, 4: 3 was trained on
    expect(inSample).toBe('in-sample');
    expect(md).toContain('**IN-SAMPLE**');
    expect((await status('4'))[0]).toBe('held-out');
  });

  it('replays a recorded trace: the hog is batch, the blocking task interactive; --window keeps a share of it', async () => {
    const trace = writeTemp('trace.jsonl', traceText());
    const out = join(tempDir(), 'report');
    const r = await cli('eval', REFERENCE, '--workload', trace, '--cpus', '1', '--duration-ms', '1000', '--seeds', '2', '-o', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { report: ReportJson };
    const cfs = doc.report.workloads[0]!.variants[0]!;
    // Task 2 wakes 5 times per 10 ms: ~500 wakeups in 1 s. Task 1 gets the rest of the CPU.
    expect(cfs.summary['batchWorkMsPerS']!.mean).toBeGreaterThan(850);
    expect(cfs.summary['batchWorkMsPerS']!.mean).toBeLessThan(950);
    const w = traceWorkload(traceText(10), 'mem.jsonl', { from: 0.5, to: 1 });
    expect(w.name).toContain('[0.5, 1)');
    expect(w.origin).toMatchObject({ kind: 'trace', window: { from: 0.5, to: 1 } });
    const bad = await cli('eval', REFERENCE, '--workload', trace, '--window', '0.8:0.2', '-o', join(tempDir(), 'r'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--window must be FROM:TO with 0 <= FROM < TO <= 1');
  });

  it('estimates per-task behaviour from counter deltas', () => {
    const w = traceWorkload(traceText(2), 'mem.jsonl');
    expect(w.tasks.map((t) => [t.name, t.cls])).toEqual([
      ['t1/1', 'batch'],
      ['t2/2', 'interactive'],
    ]);
    const it2 = w.tasks[1]!.phases();
    // dt 10 ms, Δexec 1 ms, Δwait 0, Δnvcsw 5: 5 × (run 0.2 ms, sleep (10 - 1 - 0)/5 = 1.8 ms)
    expect([it2.next().value, it2.next().value]).toEqual([
      { kind: 'run', ns: 200_000 },
      { kind: 'sleep', ns: 1_800_000 },
    ]);
  });

  it('a bad trace line is a located error, exit 1 (the trace reader of codegen/trace/read.ts)', async () => {
    const lines = traceText(2).split('\n');
    lines[2] = '{"type":"sample","t_ns":"soon"}';
    const trace = writeTemp('bad.jsonl', lines.join('\n'));
    const r = await cli('eval', REFERENCE, '--workload', trace, '-o', join(tempDir(), 'r'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${trace}:3:1: /t_ns: "t_ns" must be an integer, got "soon"`);
    lines[2] = '{not json';
    const notJson = writeTemp('bad2.jsonl', lines.join('\n'));
    expect((await cli('eval', REFERENCE, '--workload', notJson, '-o', join(tempDir(), 'r'))).stderr).toMatch(new RegExp(`${notJson.replace(/[.]/g, '\\.')}:3:1: not valid JSON`));
    expect(() => traceWorkload('{"type":"sample"}\n', 'x.jsonl')).toThrow(/x\.jsonl:1:1: \/type: the first line must be the trace header/);
    const back = [JSON.stringify(HEADER), JSON.stringify(sample(10, 1, 5, 0, 0)), JSON.stringify(sample(5, 1, 6, 0, 0))].join('\n');
    expect(() => traceWorkload(back, 'y.jsonl')).toThrow(/y\.jsonl:3:1: \/t_ns: samples must be ordered by t_ns/);
    const down = [JSON.stringify(HEADER), JSON.stringify(sample(0, 1, 5, 0, 0)), JSON.stringify(sample(10, 1, 4, 0, 0))].join('\n');
    expect(() => traceWorkload(down, 'z.jsonl')).toThrow(/z\.jsonl:3:1: \/raw: task 1: a cumulative counter went down since line 2/);
    const noExec = [JSON.stringify(HEADER), JSON.stringify({ ...sample(0, 1, 5, 0, 0), raw: { ...(sample(0, 1, 5, 0, 0) as { raw: object }).raw, exec_ns: null } })].join('\n');
    expect(() => traceWorkload(noExec, 'n.jsonl')).toThrow(/n\.jsonl:2:1: \/raw\/exec_ns: raw.exec_ns is null/);
  });

  it('rejects bad options with a message', async () => {
    const r = await cli('eval', REFERENCE, '--cpus', '0', '-o', join(tempDir(), 'r'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--cpus must be an integer in [1, 64]');
    const s = await cli('eval', REFERENCE, '--seeds', '0', '-o', join(tempDir(), 'r'));
    expect(s.stderr).toContain('--seeds must be an integer in [1, 10000]');
  });
});

describe('the plots', () => {
  it('the parser used below rejects malformed XML', () => {
    const file = writeTemp('broken.svg', '<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>');
    expect(parseXml(file).ok).toBe(false);
  });

  it("render through Vega to SVG, and resvg rasterizes the tail plot with the policy's line in it", async () => {
    const out = join(tempDir(), 'report');
    expect((await cli('eval', TINY, '--cpus', '1', '--duration-ms', '300', '--seeds', '2', '-o', out)).code).toBe(0);
    const svg = readFileSync(join(out, 'latency-tail-mixed.svg'), 'utf8');
    for (const text of ['vs CFS', 'vs static nice +8 (batch)', 'vs next-burst oracle', 'p99.9', 'µs (log scale)']) expect(svg, text).toContain(text);
    const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 1 }, font: { loadSystemFonts: true }, background: 'white' }).render();
    const bytes = png.asPng();
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.width).toBeGreaterThan(600);
    expect(png.height).toBeGreaterThan(400);
    const rgba = png.pixels;
    const count = (r: number, g: number, b: number) => {
      let n = 0;
      for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i]! - r) < 8 && Math.abs(rgba[i + 1]! - g) < 8 && Math.abs(rgba[i + 2]! - b) < 8) n++;
      return n;
    };
    expect(count(0xd6, 0x27, 0x28)).toBeGreaterThan(200); // the policy's red lines, in all six panels
    expect(count(0x2c, 0xa0, 0x2c)).toBeGreaterThan(20); // the oracle's green
    expect(count(255, 255, 255)).toBeLessThan(png.width * png.height); // not a blank page
  });
});
