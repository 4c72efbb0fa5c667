/**
 * One contract in every language: rtl/nicsched_dense.v, built once per parameter set of
 * sim/dense-sets.json (SHIFT from -32 to 32, every signedness, 1- to 16-bit formats, REUSE from 1
 * to N_IN, adder-tree cuts), in Verilator and Icarus, against the golden model's requantize on
 * random, corner and rounding-tie cases. The builds are cached by content (sim/prebuild_dense.py,
 * in beforeAll); each test runs one built bench.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { GoldenModel } from '../../codegen/golden/model.js';
import { refInfer } from '../../codegen/golden/reference.js';
import { formatRange } from '../../codegen/numeric/format.js';
import { packagePath } from '../../codegen/util/paths.js';
import { runBench, type Simulator } from '../../sim/bridge.js';
import { denseJob, denseLayer, loadDenseSets, prebuildDense, type DenseJob, type DenseSet } from '../../sim/dense.js';

const SIMS: Simulator[] = ['verilator', 'icarus'];
const SETS = loadDenseSets();

let builds: Map<string, string>;

beforeAll(async () => {
  builds = await prebuildDense(SIMS);
});

interface DenseSummary {
  outputs: number;
  mismatches: number;
  latencies: number[];
  ii: number[];
}

/** How often the cases hit the corners of requantize: rounding ties, saturation at either end. */
function coverage(set: DenseSet, job: DenseJob) {
  const { policy, layer } = denseLayer(set);
  const out = formatRange(layer.output_format);
  const counts = { ties: 0, high: 0, low: 0, relu: 0 };
  for (const c of job.cases) {
    const model = new GoldenModel({ ...policy.ir, layers: [{ ...layer, weights: c.weights, bias: c.bias }] });
    for (const x of c.inputs) {
      const t = model.trace(x)[0]!;
      t.acc.forEach((a, j) => {
        if (layer.shift > 0 && ((a % 2 ** layer.shift) + 2 ** layer.shift) % 2 ** layer.shift === 2 ** (layer.shift - 1)) counts.ties++;
        if (layer.activation === 'relu' && a < 0) counts.relu++;
        const r = t.output[j]!;
        const unsaturated = layer.shift > 0 ? Math.floor((t.activated[j]! + 2 ** (layer.shift - 1)) / 2 ** layer.shift) : t.activated[j]! * 2 ** -layer.shift;
        if (r === out.max && unsaturated > out.max) counts.high++;
        if (r === out.min && unsaturated < out.min) counts.low++;
      });
    }
  }
  return counts;
}

describe('the golden cases of every parameter set', () => {
  for (const set of SETS) {
    it(`${set.name}: the job's answers are the BigInt reference's, and reach ties and saturation`, () => {
      const job = denseJob(set);
      const { policy, layer } = denseLayer(set);
      for (const c of job.cases) {
        const ir = { ...policy.ir, layers: [{ ...layer, weights: c.weights, bias: c.bias }] };
        expect(c.inputs.map((x) => refInfer(ir, x).scores)).toEqual(c.expected);
      }
      const cov = coverage(set, job);
      console.log(`dense ${set.name}: ${job.cases.reduce((n, c) => n + c.inputs.length, 0)} inputs, SHIFT ${set.params.SHIFT}, coverage ${JSON.stringify(cov)}`);
      if (set.params.SHIFT > 0) expect(cov.ties).toBeGreaterThan(0);
      expect(cov.high + cov.low).toBeGreaterThan(0);
    });
  }
});

for (const sim of SIMS) {
  describe(`${sim}: nicsched_dense per parameter set, bit-exact against the golden model`, () => {
    for (const set of SETS) {
      const p = set.params;
      it(`${set.name} (N_IN ${p.N_IN}, N_OUT ${p.N_OUT}, SHIFT ${p.SHIFT}, REUSE ${p.REUSE}): ${set.what}`, async () => {
        const buildDir = builds.get(`${set.name}/${sim}`);
        expect(buildDir, `sim/prebuild_dense.py built ${set.name} for ${sim}`).toBeDefined();
        const job = denseJob(set);
        const r = await runBench({ bench: 'dense', rtlDirs: [packagePath('rtl')], toplevel: 'nicsched_dense', sim, buildDir: buildDir!, job, parameters: { ...p } });
        expect(r.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.message ?? ''}`)).toEqual([]);
        expect(r.cases.map((c) => c.name).sort()).toEqual(['test_bubbles', 'test_cases']);
        expect(r.exitCode).toBe(0);
        expect((r.results['run'] as { build_cached: boolean }).build_cached).toBe(true);
        const d = r.results['dense'] as DenseSummary;
        expect(d.outputs).toBe(job.cases.reduce((n, c) => n + c.inputs.length, 0));
        expect(d.mismatches).toBe(0);
        expect(d.latencies).toEqual([job.latency]);
        expect(d.ii).toEqual([p.REUSE]);
      });
    }
  });
}
