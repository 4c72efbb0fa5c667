/**
 * codegen/eval/hook.ts is a hand transcription of the C the kernel runs: kernel-hook/module/
 * nsh_logic.c (the module's logic) and the kernel side of the series (<linux/sched/nic.h>,
 * kernel/sched/nic.c). This test replays the same recorded hook events through both and compares
 * every line of what they did: each decision installed, each vruntime before and after a hook,
 * each request staged and doorbell rung (with its tag and features), each answer taken, dropped
 * or missed, every per-CPU counter, every done[] entry and the hook's stops.
 *
 * The C side is the hook harness (kernel-hook/userspace/nsh_harness.c replay: nsh_logic.c, the
 * series' nic.c and the driver's core, unchanged, on the policy's Verilated NIC, every answer held
 * on the card until the recording lets it land); the TypeScript side is hook-replay.ts over
 * hook.ts. Recordings come from the scheduling simulator (several workloads, seeds, 2 and 8 CPUs,
 * both example policies, a policy beyond the nice limit, and answers other than the policy's) and
 * from hand-written edge cases (hook-replay-cases.ts). The simulator's own adjustments, counters
 * and stop are held against the TypeScript replay of its recording, so the recording is complete.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { withBatchClass, SYNTHETIC_WORKLOADS } from '../../codegen/eval/workload.js';
import { loadPolicy } from '../../codegen/policy.js';
import { REFERENCE, ROOT, TINY } from '../helpers.js';
import { tinyClampPolicy } from './policies.js';
import { replayCases } from './hook-replay-cases.js';
import type { NshCounters } from '../../codegen/eval/hook.js';
import { recordingStats, recordingText, recordSimulation, replayTypeScript, traceLines, type AnswerRule, type Recording, type SimRecording, type TsReplay } from './hook-replay.js';

const HOOK_HARNESS = join(ROOT, 'kernel-hook/userspace/build.sh');
const DURATION_NS = 300_000_000;
const NIC_LATENCY_NS = 5_000;

function harness(policy: string): string {
  const r = spawnSync('bash', [HOOK_HARNESS, '--policy', policy], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`hook harness build failed:\n${(r.stderr ?? '').slice(-3000)}`);
  return join(r.stdout.trim().split('\n').pop()!, 'nsh_harness');
}

interface CReplay {
  lines: string[];
  stdout: string;
  stderr: string;
  status: number | null;
}

function replayC(bin: string, r: Recording): CReplay {
  const run = spawnSync(bin, ['replay'], { cwd: ROOT, encoding: 'utf8', input: recordingText(r), maxBuffer: 1 << 30 });
  const stdout = run.stdout ?? '';
  return { lines: traceLines(stdout), stdout, stderr: run.stderr ?? '', status: run.status };
}

/** The first line where the traces part, with the recorded event it belongs to; null when equal. */
function firstDifference(r: Recording, c: readonly string[], ts: readonly string[]): string | null {
  const n = Math.max(c.length, ts.length);
  for (let i = 0; i < n; i++) {
    if (c[i] === ts[i]) continue;
    const event = /^(\d+) /.exec(c[i] ?? ts[i] ?? '');
    const recorded = event ? recordingText({ header: r.header, events: [r.events[Number(event[1])]!] }).split('\n')[5] : '(end)';
    const context = (lines: readonly string[]) => lines.slice(Math.max(0, i - 4), i + 3).join('\n    ');
    return `line ${i + 1}, event ${recorded}\n  C:\n    ${context(c)}\n  TypeScript:\n    ${context(ts)}`;
  }
  return null;
}

interface Compared {
  events: number;
  hooks: number;
  lands: number;
  lines: number;
  installed: number;
  /** The hook's state at the end: armed, or why it stopped. */
  end: string;
}

/** Replays `r` through both sides and expects identical traces; returns what was compared. */
function expectSameReplay(bin: string, policy: CompiledPolicy, r: Recording, label: string): { compared: Compared; ts: TsReplay } {
  const c = replayC(bin, r);
  expect(
    c.stderr.split('\n').filter((l) => /FAIL|replay:/.test(l)),
    label,
  ).toEqual([]);
  expect(c.status, `${label}: ${c.stderr.slice(-2000)}`).toBe(0);
  expect(c.stdout, label).not.toMatch(/^check FAIL/m);
  const ts = replayTypeScript(policy.ir, r);
  expect(firstDifference(r, c.lines, ts.lines), label).toBeNull();
  return { compared: { ...recordingStats(r), lines: c.lines.length, installed: ts.counters.installed, end: ts.stop }, ts };
}

/** The simulator's own account of the run equals the TypeScript replay of its recording. */
function expectRecordingComplete(policy: CompiledPolicy, s: SimRecording, label: string): void {
  const ts = replayTypeScript(policy.ir, s.recording);
  expect(ts.adjustments, label).toEqual(s.adjustments);
  expect(ts.counters, label).toEqual(s.counters);
  expect(ts.stop, label).toBe(s.stopped?.reason ?? 'armed');
}

/** Answers other than the policy's, so every action (the strongest and the clamped ones) is taken. */
const rotated: AnswerRule = (f, golden, actions) => (golden + f.reduce((a, b) => a + b, 0)) % actions;

interface SimCase {
  label: string;
  rec: SimRecording;
}

function simulatorRecordings(policy: CompiledPolicy, answers: AnswerRule | undefined): SimCase[] {
  const out: SimCase[] = [];
  for (const [name, generate] of Object.entries(SYNTHETIC_WORKLOADS)) {
    for (const cpus of [2, 8]) {
      for (const seed of [1, 2]) {
        let workload = generate({ cpus, seed });
        if (name === 'mixed' && seed === 2) workload = withBatchClass(workload, { policy: 'batch' }, 'SCHED_BATCH');
        const rec = recordSimulation({ policy, workload, cpus, durationNs: DURATION_NS, nicLatencyNs: NIC_LATENCY_NS, ...(answers ? { answer: answers } : {}) });
        out.push({ label: `${policy.ir.name}${answers ? ' (rotated answers)' : ''} ${workload.name}, ${cpus} CPUs`, rec });
      }
    }
  }
  return out;
}

/** What a set of replays compared, as one line. */
function summary(what: string, list: readonly Compared[]): string {
  const sum = (k: 'events' | 'hooks' | 'lands' | 'lines' | 'installed') => list.reduce((a, c) => a + c[k], 0);
  const ends = new Map<string, number>();
  for (const c of list) ends.set(c.end, (ends.get(c.end) ?? 0) + 1);
  const endText = [...ends].map(([end, n]) => `${n} ${end === 'armed' ? 'still armed' : `stopped (${end})`}`).join(', ');
  return `${list.length} ${what}, ${sum('events')} events (${sum('hooks')} hook calls, ${sum('lands')} answers), ${sum('installed')} decisions installed, ${sum('lines')} trace lines identical; at the end ${endText}`;
}

const POLICIES: { name: string; file: () => string; answers: (AnswerRule | undefined)[] }[] = [
  { name: 'reference', file: () => REFERENCE, answers: [undefined, rotated] },
  { name: 'tiny', file: () => TINY, answers: [undefined] },
  { name: 'tiny_clamp (boost -12, beyond the nice limit)', file: tinyClampPolicy, answers: [undefined, rotated] },
];

for (const p of POLICIES) {
  describe(`hook replay, ${p.name}: nsh_logic.c and nic.c in the harness against hook.ts`, () => {
    let bin = '';
    let policy: CompiledPolicy;
    beforeAll(() => {
      const file = p.file();
      bin = harness(file);
      policy = loadPolicy(file);
    }, 600_000);

    it('simulator recordings (4 workloads, 2 seeds, 2 and 8 CPUs): the same decisions, adjustments, requests and counters', () => {
      const compared: Compared[] = [];
      for (const answers of p.answers) {
        for (const { label, rec } of simulatorRecordings(policy, answers)) {
          expectRecordingComplete(policy, rec, label);
          compared.push(expectSameReplay(bin, policy, rec.recording, label).compared);
        }
      }
      console.log(`${p.name}: ${summary('simulator recordings', compared)}`);
      expect(compared.reduce((a, c) => a + c.installed, 0)).toBeGreaterThan(0);
    });

    it('hand-written edge cases: TTL and stale boundaries, wrong tags, shared slots, stalls, reloads, a removed card, tick windows, placement and clamping, eviction', () => {
      const compared: Compared[] = [];
      for (const c of replayCases(policy)) {
        const { compared: one, ts } = expectSameReplay(bin, policy, c.recording, c.name);
        compared.push(one);
        for (const [k, v] of Object.entries(c.moves)) expect(ts.counters[k as keyof NshCounters], `${c.name}: ${k}`).toBeGreaterThanOrEqual(v);
        expect(ts.stop, c.name).toBe(c.end);
      }
      console.log(`${p.name}: ${summary('hand-written recordings', compared)}`);
    });
  });
}
