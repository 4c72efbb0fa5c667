/**
 * The designs test/sim simulates, named once: the test files run them, and the project's
 * globalSetup (test/sim/prebuild.ts) builds every one of them before any test starts, so no test
 * case waits for a cold Verilator or Icarus build.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { emitAll } from '../../codegen/backends/index.js';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { compilePolicyText, loadPolicy } from '../../codegen/policy.js';
import { writeOutputDir } from '../../codegen/util/output.js';
import { buildDirFor, type BenchBuild, type BenchName, type Simulator } from '../../sim/bridge.js';
import { REFERENCE, tempDir, TINY } from '../helpers.js';

export const SIMS: Simulator[] = ['verilator', 'icarus'];

/** Compile `policy` into a new temporary directory; returns its rtl/. */
export function compileTo(policy: CompiledPolicy): string {
  const dir = join(tempDir(), 'out');
  writeOutputDir(dir, emitAll(policy), policy.hash);
  return join(dir, 'rtl');
}

type PolicyDoc = { name: string; target: { reuse: number; slots: number }; layers: { weights: number[][] }[] };

function variant(file: string, suffix: string, edit: (doc: PolicyDoc) => void): CompiledPolicy {
  const doc = parse(readFileSync(file, 'utf8')) as PolicyDoc;
  doc.name = `${doc.name}_${suffix}`;
  edit(doc);
  return compilePolicyText(JSON.stringify(doc));
}

/** A policy with another reuse factor (same weights). */
export function withReuse(file: string, reuse: number): CompiledPolicy {
  return variant(file, `reuse${reuse}`, (doc) => (doc.target.reuse = reuse));
}

/** A policy with another slot count (same weights). */
export function withSlots(file: string, slots: number): CompiledPolicy {
  return variant(file, `slots${slots}`, (doc) => (doc.target.slots = slots));
}

/** The tiny policy with one weight of layer 1 changed: RTL that must not match tiny's golden model. */
export function tinyWithOtherWeights(): CompiledPolicy {
  const doc = parse(readFileSync(TINY, 'utf8')) as PolicyDoc;
  doc.layers[1]!.weights[0]![0] = 2;
  return compilePolicyText(JSON.stringify(doc));
}

const TOPLEVEL: Record<BenchName, string> = { app: 'nicsched_top', policy: 'nicsched_policy', dense: 'nicsched_dense' };

export interface Design {
  policy: () => CompiledPolicy;
  bench: BenchName;
  sim: Simulator;
}

/** The build of a design: its RTL compiled into a new directory, and the cache directory it builds in. */
export function benchBuild(policy: CompiledPolicy, bench: BenchName, sim: Simulator): BenchBuild {
  return { bench, rtlDirs: [compileTo(policy)], toplevel: TOPLEVEL[bench], sim, buildDir: buildDirFor(policy, bench, sim) };
}

const app = (policy: () => CompiledPolicy, sims: Simulator[] = SIMS): Design[] => sims.map((sim) => ({ policy, bench: 'app', sim }));
const stream = (policy: () => CompiledPolicy): Design => ({ policy, bench: 'policy', sim: 'verilator' });

/** The policies whose RTL a test runs through the bulk runner (bulk.test.ts, `nicsched simulate` runs). */
export const BULK_DESIGNS: Array<() => CompiledPolicy> = [() => loadPolicy(TINY), () => loadPolicy(REFERENCE), () => withReuse(REFERENCE, 4), tinyWithOtherWeights];

/** Every design a test in test/sim simulates (rtl.test.ts, reload.test.ts, `nicsched simulate` runs). */
export const DESIGNS: Design[] = [
  ...app(() => loadPolicy(TINY)),
  ...app(() => loadPolicy(REFERENCE)),
  ...app(() => withSlots(TINY, 60), ['verilator']),
  ...app(() => withSlots(TINY, 61), ['verilator']),
  ...app(() => withSlots(TINY, 64)),
  stream(() => loadPolicy(REFERENCE)),
  stream(() => withReuse(REFERENCE, 3)),
  stream(() => withReuse(REFERENCE, 8)),
  stream(() => withReuse(TINY, 2)),
  stream(() => loadPolicy(TINY)),
  ...app(() => withReuse(REFERENCE, 4), ['verilator']),
  stream(() => withReuse(REFERENCE, 4)),
  ...app(tinyWithOtherWeights, ['verilator']),
  stream(tinyWithOtherWeights),
];
