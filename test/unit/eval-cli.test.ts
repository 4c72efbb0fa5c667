/** `nicsched eval`: the report files, their well-formedness, recorded workloads and trace errors. */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdfPlot, el, escapeXml, stackedBarPlot } from '../../codegen/eval/svg.js';
import { traceWorkload } from '../../codegen/eval/trace-workload.js';
import { InputError } from '../../codegen/util/errors.js';
import { cli, REFERENCE, ROOT, tempDir, TINY, writeTemp } from '../helpers.js';

const PYTHON = join(ROOT, '.venv/bin/python');

/** Parse with python's xml.etree (a real XML parser); returns the root tag or the parse error. */
function parseXml(file: string): { ok: boolean; out: string } {
  const r = spawnSync(PYTHON, ['-c', 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().tag)', file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim() };
}

interface ReportJson {
  format: string;
  policy: { name: string };
  options: { cpus: number; durationNs: number; seed: number };
  baseline: { p50WakeLatencyUs: number; p99WakeLatencyUs: number; batchThroughputMsPerS: number; wakeups: number; decisions: unknown };
  policy_variant: { p99WakeLatencyUs: number; batchThroughputMsPerS: number; decisions: { requested: number; installed: number; applied: number; dropped: number } };
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
  it('writes report.md, report.json and two SVG plots that parse as XML (reference policy, mixed workload)', async () => {
    const out = join(tempDir(), 'report');
    const r = await cli('eval', REFERENCE, '--cpus', '2', '--duration-ms', '1500', '--seed', '5', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| interactive wakeup latency p99 \(µs\) \| [\d.]+ \| [\d.]+ \|/);
    expect(r.stdout).toMatch(/\| batch throughput \(CPU ms per s\) \| [\d.]+ \| [\d.]+ \|/);
    for (const f of ['report.md', 'report.json', 'latency-cdf.svg', 'cpu-share.svg']) expect(existsSync(join(out, f))).toBe(true);
    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
    expect(doc.format).toBe('nicsched-eval');
    expect(doc.options).toMatchObject({ cpus: 2, durationNs: 1500 * 1e6, seed: 5 });
    expect(doc.baseline.wakeups).toBeGreaterThan(100);
    expect(doc.baseline.decisions).toBeNull();
    expect(doc.policy_variant.decisions.requested).toBeGreaterThan(0);
    expect(doc.policy_variant.decisions.installed).toBeGreaterThan(0);
    // 2 CPUs, 4 hogs: the batch class keeps most of both CPUs (at most 2000 ms/s).
    expect(doc.baseline.batchThroughputMsPerS).toBeGreaterThan(1000);
    expect(doc.baseline.batchThroughputMsPerS).toBeLessThanOrEqual(2000);
    expect(parseXml(join(out, 'latency-cdf.svg'))).toEqual({ ok: true, out: '{http://www.w3.org/2000/svg}svg' });
    expect(parseXml(join(out, 'cpu-share.svg'))).toEqual({ ok: true, out: '{http://www.w3.org/2000/svg}svg' });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('# nicsched eval: reference');
    expect(md).toContain('sched_latency 12 ms, min_granularity 1.5 ms, wakeup_granularity 2 ms');
    expect(md).toMatch(/Decisions: \d+ requested, \d+ installed, applied \d+ times/);
  });

  it('runs the tiny policy, and --json gives the same report as report.json', async () => {
    const out = join(tempDir(), 'report');
    const r = await cli('eval', TINY, '--cpus', '1', '--duration-ms', '500', '-o', out, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: string[]; report: ReportJson };
    expect(doc.files.sort()).toEqual(['cpu-share.svg', 'latency-cdf.svg', 'report.json', 'report.md']);
    expect(doc.report).toEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(doc.report.policy.name).toBe('tiny');
  });

  it('is deterministic: the same seed writes the same report.json, another seed does not', async () => {
    const dir = tempDir();
    const run = async (seed: string, name: string) => {
      expect((await cli('eval', REFERENCE, '--duration-ms', '400', '--seed', seed, '-o', join(dir, name))).code).toBe(0);
      return readFileSync(join(dir, name, 'report.json'), 'utf8');
    };
    const a = await run('9', 'a');
    expect(await run('9', 'b')).toBe(a);
    expect(await run('10', 'c')).not.toBe(a);
  });

  it('replays a recorded trace: the hog is batch, the blocking task interactive', async () => {
    const trace = writeTemp('trace.jsonl', traceText());
    const out = join(tempDir(), 'report');
    const r = await cli('eval', REFERENCE, '--workload', trace, '--cpus', '1', '--duration-ms', '1000', '-o', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { report: ReportJson };
    // Task 2 wakes 5 times per 10 ms: ~500 wakeups in 1 s. Task 1 gets the rest of the CPU.
    expect(doc.report.baseline.wakeups).toBeGreaterThan(450);
    expect(doc.report.baseline.batchThroughputMsPerS).toBeGreaterThan(850);
    expect(doc.report.baseline.batchThroughputMsPerS).toBeLessThan(950);
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
  });
});

describe('the SVG writer', () => {
  it('escapes text and attributes, so odd labels still parse', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    expect(el('text', { x: 1.005, label: '<&>' }, 'x < y')).toBe('<text x="1" label="&lt;&amp;&gt;">x &lt; y</text>');
    const file = writeTemp('odd.svg', cdfPlot('a < b & "c"', 'x & y', [{ label: '<policy>', color: '#f00', values: [1, 2, 30, 400] }, { label: 'empty', color: '#00f', values: [] }]));
    expect(parseXml(file).ok).toBe(true);
    const bars = writeTemp('bars.svg', stackedBarPlot('s', 'y', [{ label: 'A&B', parts: [{ label: 'x', value: 0.4, color: '#123' }] }]));
    expect(parseXml(bars).ok).toBe(true);
  });

  it('the parser used above does reject malformed XML', () => {
    const file = writeTemp('broken.svg', '<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>');
    expect(parseXml(file).ok).toBe(false);
  });
});
