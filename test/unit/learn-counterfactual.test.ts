/**
 * Labels from outcomes (codegen/learn/counterfactual.ts): the continuations are faithful to the run
 * they branch from, an action that helps wins, the dataset and card say how rows were made, and a
 * trained policy carries its provenance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuProvider } from '../../codegen/eval/providers.js';
import { DEFAULT_COSTS, NO_COSTS, Simulator, simulate } from '../../codegen/eval/sim.js';
import { mixedWorkload, schbenchWorkload, withBatchClass, type Workload } from '../../codegen/eval/workload.js';
import { chooseLabel, DEFAULT_COUNTERFACTUAL, hasRequests, keepIndex, labelRun, latencyCost, type CounterfactualOptions } from '../../codegen/learn/counterfactual.js';
import { readDataset } from '../../codegen/learn/dataset.js';
import { loadTemplate } from '../../codegen/learn/template.js';
import { lower } from '../../codegen/ir/lower.js';
import { cli, ROOT, tempDir } from '../helpers.js';

const MS = 1_000_000;
const TEMPLATE = join(ROOT, 'examples/reference.template.yaml');
const IR = lower(loadTemplate(TEMPLATE).spec).ir;

function options(o: Partial<CounterfactualOptions>): CounterfactualOptions {
  return { ...DEFAULT_COUNTERFACTUAL, cpus: 1, costs: NO_COSTS, ...o };
}

/** 1 CPU: 2 hogs at nice -10 next to 3 interactive tasks, so a waking task often cannot preempt. */
function heavy(seed: number): Workload {
  return withBatchClass(mixedWorkload({ cpus: 1, seed }), { nice: () => -10 }, 'nice -10');
}

describe('choosing the label', () => {
  it('the cheapest action, unless it beats keep by no more than the margin', () => {
    expect(chooseLabel([5, 4.99, 6, 3], 0, 0.05)).toBe(3);
    expect(chooseLabel([5, 4.97, 6, 5], 0, 0.05)).toBe(0);
    expect(chooseLabel([5, 4.9, 6, 5], 0, 0.05)).toBe(1);
    expect(chooseLabel([2, 2, 2, 2], 0, 0)).toBe(0);
    expect(keepIndex(IR)).toBe(0);
  });
});

describe("the cost of a window counts each wait once, in the latency the workload's headline measures", () => {
  /** A run stopped at `at` ms, and the marks of `from` ms before (what the labeller keeps at a decision point). */
  function window(w: Workload, from: number, at: number) {
    const sim = new Simulator(w, { cpus: 2, durationNs: at * MS, costs: DEFAULT_COSTS, decisions: cpuProvider(IR, () => 0, { deferred: true }) });
    sim.runUntil(from * MS);
    const marks = { wake: sim.state.tasks.map((t) => t.wakeLatency.length), request: sim.state.tasks.map((t) => t.requestLatency.length), batchWork: 0 };
    sim.runUntil(at * MS);
    sim.state.now = at * MS;
    return { state: sim.state, marks };
  }

  it('schbench: its requests from their intended arrival; the wakeups on their path are inside them and not counted again', () => {
    const { state, marks } = window(schbenchWorkload({ cpus: 2, seed: 3 }), 200, 240);
    expect(hasRequests(state)).toBe(true);
    const cost = latencyCost(state, marks);
    const worker = state.tasks.find((t, i) => t.requestLatency.length > marks.request[i]! + 1)!;
    expect(worker.wakeLatency.length).toBeGreaterThan(marks.wake[worker.idx]!);
    const wakeups = structuredClone(state);
    for (const t of wakeups.tasks) t.wakeLatency = t.wakeLatency.map((l) => l + 5 * MS);
    expect(latencyCost(wakeups, marks)).toBe(cost);
    const slower = structuredClone(state);
    const k = marks.request[worker.idx]!;
    slower.tasks[worker.idx]!.requestLatency[k] = worker.requestLatency[k]! + MS;
    expect(latencyCost(slower, marks)).toBeCloseTo(cost + ((worker.requestLatency[k]! + MS) / MS) ** 2 - (worker.requestLatency[k]! / MS) ** 2, 9);
  });

  it('mixed: its interactive wakeups', () => {
    const { state, marks } = window(mixedWorkload({ cpus: 2, seed: 3 }), 200, 240);
    expect(hasRequests(state)).toBe(false);
    const cost = latencyCost(state, marks);
    const later = structuredClone(state);
    const t = later.tasks.find((task, i) => task.cls === 'interactive' && task.wakeLatency.length > marks.wake[i]!)!;
    t.wakeLatency[marks.wake[t.idx]!]! += MS;
    expect(latencyCost(later, marks)).toBeGreaterThan(cost);
  });
});

describe('counterfactual continuations', () => {
  const o = options({ durationNs: 600 * MS, horizonNs: 40 * MS, sampleEvery: 3 });

  it("leave the run they branch from untouched, and keep's continuation is that run", () => {
    const w = heavy(3);
    const { points, base } = labelRun(w, IR, o);
    expect(points.length).toBeGreaterThan(20);
    const plain = simulate(w, { cpus: 1, durationNs: o.durationNs, costs: o.costs, decisions: cpuProvider(IR, () => 0, { deferred: true }) });
    expect(base.tasks).toEqual(plain.tasks);
    // Replay the base run event by event; at each labelled instant, what happened over the next
    // horizon must cost exactly what the labeller's `keep` continuation said.
    const sim = new Simulator(w, { cpus: 1, durationNs: o.durationNs, costs: o.costs, decisions: cpuProvider(IR, () => 0, { deferred: true }) });
    let checked = 0;
    for (const p of points.filter((_, i) => i % 5 === 0)) {
      while (sim.state.events[0]!.at <= p.atNs) sim.step(Infinity);
      const marks = { wake: sim.state.tasks.map((t) => t.wakeLatency.length), request: sim.state.tasks.map((t) => t.requestLatency.length), batchWork: 0 };
      const ahead = Simulator.resume(sim.snapshot(), { cpus: 1, durationNs: p.atNs + o.horizonNs, costs: o.costs, decisions: cpuProvider(IR, () => 0, { deferred: true }) });
      ahead.runUntil(p.atNs + o.horizonNs);
      ahead.state.now = p.atNs + o.horizonNs;
      expect(latencyCost(ahead.state, marks)).toBeCloseTo(p.costs[0]!, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(4);
  });

  it('boosting an interactive task that cannot preempt heavy hogs costs less than keeping it', () => {
    // Hogs at nice -10 advance their vruntime 9.3x slower than real time; an interactive task placed
    // at min_vruntime - 3 ms often lands within wakeup_gran of them and waits a whole slice. A boost
    // (latency/16 per level more credit) lets it preempt at its next wakeup.
    // Counted over the decision points of two seeds (a mean would be ruled by a few long stalls).
    const inter = [3, 4].flatMap((seed) => labelRun(heavy(seed), IR, o).points.filter((p) => p.cls === 'interactive'));
    const strong = IR.actions.findIndex((a) => a.name === 'strong_boost');
    const better = inter.filter((p) => p.costs[strong]! < p.costs[0]! - o.margin).length;
    const worse = inter.filter((p) => p.costs[strong]! > p.costs[0]! + o.margin).length;
    expect(better).toBeGreaterThan(2 * worse);
    const boosted = inter.filter((p) => IR.actions[p.y]!.nice < 0).length;
    expect(boosted).toBeGreaterThan(inter.length / 3);
  });

  it('under a behaviour policy: the run is that policy\'s, and labels answer "this action now, the policy afterwards"', () => {
    // A behaviour that boosts every task: the base run is exactly the policy's run (decided at the
    // request, applied from the task's next hook), and a continuation that answers with boost again
    // is that run: its cost is the cost of the behaviour's own choice.
    const boost = IR.actions.findIndex((a) => a.name === 'boost');
    const behaviour = { name: 'all-boost', hash: 'x', ir: IR, infer: () => boost };
    const w = heavy(6);
    const ob = options({ durationNs: 500 * MS, sampleEvery: 5, behaviour });
    const { points, base } = labelRun(w, IR, ob);
    const plain = simulate(w, { cpus: 1, durationNs: ob.durationNs, costs: ob.costs, decisions: cpuProvider(IR, () => boost, { deferred: true }) });
    expect(base.tasks).toEqual(plain.tasks);
    expect(base.hook).toEqual(plain.hook);
    const keepRun = labelRun(w, IR, options({ durationNs: 500 * MS, sampleEvery: 5 }));
    expect(points.map((p) => p.costs)).not.toEqual(keepRun.points.map((p) => p.costs));
  });

  it('are deterministic', () => {
    const a = labelRun(heavy(5), IR, options({ durationNs: 300 * MS, sampleEvery: 4 })).points;
    const b = labelRun(heavy(5), IR, options({ durationNs: 300 * MS, sampleEvery: 4 })).points;
    expect(a).toEqual(b);
  });
});

describe('nicsched dataset --label counterfactual', () => {
  it('writes simulated rows, a card that says how, and train writes the provenance eval reads', async () => {
    const dir = tempDir();
    const out = join(dir, 'cf.jsonl');
    const r = await cli('dataset', '--label', 'counterfactual', '--spec', TEMPLATE, '--sim', 'mixed', '--seeds', '1000-1001', '--duration-ms', '300', '--sample-every', '3', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ds = readDataset(out);
    expect(ds.header.label).toBe('counterfactual');
    expect(ds.header.simulated).toMatchObject({ generators: ['mixed'], seeds: [1000, 1001], cpus: 2, duration_ns: 300 * MS, horizon_ns: 40 * MS, sample_every: 3, costs: DEFAULT_COSTS });
    expect(ds.rows.length).toBeGreaterThan(30);
    expect(ds.rows.every((row) => /^sim:mixed:100[01]@\d+$/.test(row.src) && (row.class === 'interactive' || row.class === 'batch'))).toBe(true);
    expect(new Set(ds.rows.map((row) => row.src.split('@')[0]))).toEqual(new Set(['sim:mixed:1000', 'sim:mixed:1001']));
    const card = readFileSync(join(dir, 'cf.card.md'), 'utf8');
    expect(card).toContain('from simulated decision points');
    expect(card).toMatch(/simulated \(codegen\/learn\/counterfactual\.ts\): mixed and the traces below \(replayed\), seeds 1000–1001/);
    const policy = join(dir, 'p.yaml');
    expect((await cli('train', out, '--spec', TEMPLATE, '--seed', '1', '--epochs', '2', '-o', policy)).code).toBe(0);
    expect(readFileSync(policy, 'utf8')).toContain('# provenance: {"synthetic":[{"generator":"mixed","seeds":[1000,1001]}],"traces":[]}');
  });

  it('refuses what it cannot do, with a fix', async () => {
    const none = await cli('dataset', '--label', 'counterfactual', '-o', join(tempDir(), 'x.jsonl'));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--label counterfactual needs traces or --sim generators');
    const aug = await cli('dataset', '--label', 'counterfactual', '--sim', 'mixed', '--augment', '10', '-o', join(tempDir(), 'x.jsonl'));
    expect(aug.stderr).toContain('--augment needs --label heuristic');
    const gen = await cli('dataset', '--label', 'counterfactual', '--sim', 'nosuch', '-o', join(tempDir(), 'x.jsonl'));
    expect(gen.stderr).toContain('unknown workload generator "nosuch"');
    const heur = await cli('dataset', '--label', 'heuristic', '-o', join(tempDir(), 'x.jsonl'));
    expect(heur.stderr).toContain('--label heuristic needs at least one trace');
    const other = await cli('dataset', '--label', 'counterfactual', '--sim', 'mixed', '--behaviour', join(ROOT, 'examples/tiny.yaml'), '-o', join(tempDir(), 'x.jsonl'));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("the behaviour policy's features (wait_ns_log2, exec_ns_log2) or actions");
  });
});
