/** globalSetup of test/sim: every simulated design and bulk runner built (or found cached) before the tests run. */

import { buildBench } from '../../sim/bridge.js';
import { buildBulkRunner } from '../../sim/bulk.js';
import { prebuildDense } from '../../sim/dense.js';
import { prebuild } from '../prebuild.js';
import { benchBuild, BULK_DESIGNS, compileTo, DESIGNS } from './designs.js';

export default async function setup(): Promise<void> {
  const designs = DESIGNS.map((d) => {
    const policy = d.policy();
    return {
      label: `${d.bench} ${policy.ir.name} (${policy.hash.slice(0, 8)}) ${d.sim}`,
      run: async () => ((await buildBench(benchBuild(policy, d.bench, d.sim))).cached ? 'cached' : 'built'),
    };
  });
  const bulk = BULK_DESIGNS.map((make) => {
    const policy = make();
    return {
      label: `bulk runner ${policy.ir.name} (${policy.hash.slice(0, 8)})`,
      run: async () => ((await buildBulkRunner(compileTo(policy))).cached ? 'cached' : 'built'),
    };
  });
  const dense = {
    label: 'nicsched_dense, every parameter set of sim/dense-sets.json, Verilator and Icarus',
    run: async () => `${(await prebuildDense()).size} builds`,
  };
  await prebuild('sim', [...designs, ...bulk, dense], 2);
}
