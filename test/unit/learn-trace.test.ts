/**
 * The trace tool: real processes on this machine, features equal to the catalogue transforms of the
 * raw deltas and to what the golden model's input path computes; located errors for bad traces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputsFromFeatures, inputsFromRaw } from '../../codegen/golden/inputs.js';
import { loadPolicy } from '../../codegen/policy.js';
import { FEATURE_SOURCES, applyTransform } from '../../codegen/spec/catalogue.js';
import { rawField } from '../../codegen/trace/features.js';
import type { TraceSample } from '../../codegen/trace/format.js';
import { parseStat } from '../../codegen/trace/proc.js';
import { parseTrace, readTrace } from '../../codegen/trace/read.js';
import { runSampler } from '../../codegen/trace/sampler.js';
import { REFERENCE, ROOT, cli, tempDir } from '../helpers.js';

/** A child that sleeps 20 ms and spins ~5 ms, forever: it both runs and blocks in every window. */
function sleeperSpinner(): ChildProcess {
  const program = 'use Time::HiRes qw(sleep time); while (1) { sleep(0.02); my $t = time + 0.005; 1 while time < $t; }';
  return spawn('perl', ['-e', program], { stdio: 'ignore' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('trace: features from /proc', () => {
  let child: ChildProcess;
  let samples: TraceSample[];

  beforeAll(async () => {
    child = sleeperSpinner();
    const result = await runSampler({ durationS: 1.2, intervalMs: 100, pids: [child.pid!] });
    samples = result.samples;
  });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  it('records raw counters and derives every feature with the catalogue transform of the delta', () => {
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(samples[0]!.features).toBeNull(); // no previous sample
    const withFeatures = samples.filter((s) => s.features !== null);
    expect(withFeatures.length).toBe(samples.length - 1);
    let compared = 0;
    for (let i = 1; i < samples.length; i++) {
      const prev = samples[i - 1]!;
      const cur = samples[i]!;
      for (const s of FEATURE_SOURCES) {
        const now = cur.raw[rawField(s)];
        if (now === null) {
          expect(cur.features![s.name]).toBeUndefined();
          continue;
        }
        const raw = s.kind === 'delta' ? BigInt(now) - BigInt(prev.raw[rawField(s)]!) : BigInt(now);
        expect(cur.features![s.name], `${s.name} at sample ${i}`).toBe(Number(applyTransform(s.transform, raw)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
    // The child both ran and blocked, so these features are not trivially zero.
    expect(withFeatures.some((s) => s.features!['exec_ns_log2']! >= 20)).toBe(true);
    expect(withFeatures.some((s) => s.features!['nvcsw_delta']! > 0)).toBe(true);
  });

  it("gives the same policy inputs as the golden model's input path from raw counters", () => {
    const ir = loadPolicy(REFERENCE).ir;
    for (let i = 1; i < samples.length; i++) {
      const prev = samples[i - 1]!;
      const cur = samples[i]!;
      const raw: Record<string, bigint> = {};
      for (const s of FEATURE_SOURCES) {
        const now = cur.raw[rawField(s)];
        if (now !== null) raw[s.name] = s.kind === 'delta' ? BigInt(now) - BigInt(prev.raw[rawField(s)]!) : BigInt(now);
      }
      expect(inputsFromFeatures(ir, cur.features!)).toEqual(inputsFromRaw(ir, raw));
    }
  });

  it('reads the nice field after a comm holding spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, k) => String(k + 3));
    fields[19 - 3] = '-5';
    expect(parseStat(`42 (a) b (c) ${fields.join(' ')}`)).toEqual({ comm: 'a) b (c', nice: -5 });
  });
});

describe('nicsched trace (CLI)', () => {
  it('skips vanished pids with a counted warning and writes a readable trace', async () => {
    const child = sleeperSpinner();
    try {
      const out = join(tempDir(), 't.jsonl');
      const r = await cli('trace', '--pids', `${child.pid},999999999`, '--duration', '0.3', '--interval', '100', '-o', out);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: skipped [1-9]\d* reads/);
      const trace = readTrace(out);
      expect(new Set(trace.samples.map((s) => s.pid))).toEqual(new Set([child.pid]));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--workload mixed labels classes and kills the children at the end', async () => {
    const out = join(tempDir(), 'w.jsonl');
    const r = await cli('trace', '--workload', 'mixed', '--duration', '0.5', '--interval', '100', '-o', out, '--json');
    expect(r.code).toBe(0);
    const trace = readTrace(out);
    const classes = new Set(trace.samples.map((s) => s.class));
    expect(classes).toEqual(new Set(['interactive', 'periodic', 'batch']));
    const pids = [...new Set(trace.samples.map((s) => s.pid))];
    expect(pids.length).toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('rejects a bad --pids list with exit 1', async () => {
    const r = await cli('trace', '--pids', '1,x', '-o', join(tempDir(), 'x.jsonl'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/pids/1');
  });
});

describe('reading traces: located errors', () => {
  const committed = readFileSync(join(ROOT, 'examples/traces/mixed-1.jsonl'), 'utf8').split('\n').slice(0, 20);

  function broken(edit: (lines: string[]) => void): string {
    const lines = [...committed];
    edit(lines);
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  it('names file:line and the field of a bad counter', async () => {
    const file = broken((l) => (l[5] = l[5]!.replace(/"wait_ns":\d+/, '"wait_ns":"many"')));
    const r = await cli('dataset', file, '--label', 'heuristic', '-o', join(tempDir(), 'd.jsonl'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:6:1: /raw/wait_ns`);
  });

  it('reads a trace written before stint_ns was recorded with stint_ns null, and names a bad one', () => {
    const old = readTrace(broken(() => undefined));
    expect(committed[3]).not.toContain('stint_ns');
    expect(old.samples.length).toBeGreaterThan(10);
    expect(old.samples.every((s) => s.raw.stint_ns === null)).toBe(true);
    const bad = broken((l) => (l[7] = l[7]!.replace('"raw":{', '"raw":{"stint_ns":-1.5,')));
    expect(() => readTrace(bad)).toThrow(/bad\.jsonl:8:1: \/raw\/stint_ns: raw counter "stint_ns" must be an integer or null/);
  });

  it('names file:line of a line that is not JSON, and a missing header', () => {
    const notJson = broken((l) => (l[3] = '{"type":"sample",'));
    expect(() => readTrace(notJson)).toThrow(new RegExp(`${notJson}:4:1: not valid JSON`));
    expect(() => parseTrace(committed.slice(1).join('\n'), 'x.jsonl')).toThrow(/x\.jsonl:1:1: \/type: the first line must be the trace header/);
  });

  it('rejects unknown feature sources and samples out of time order', () => {
    const unknown = broken((l) => (l[10] = l[10]!.replace('"features":{', '"features":{"bogus":1,')));
    expect(() => readTrace(unknown)).toThrow(/bad\.jsonl:11:1: \/features\/bogus: unknown feature source/);
    const order = broken((l) => ([l[8], l[9]] = [l[9]!.replace(/"t_ns":\d+/, '"t_ns":999999999999'), l[8]!]));
    expect(() => readTrace(order)).toThrow(/bad\.jsonl:10:1: \/t_ns: samples must be ordered/); // line 9 jumped ahead
  });
});
