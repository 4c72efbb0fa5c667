/** globalSetup of test/sim: every simulated design and bulk runner built (or found cached) before the tests run. */

import { buildBench } from '../../sim/bridge.js';
import { buildBulkRunner } from '../../sim/bulk.js';
import { prebuild } from '../prebuild.js';
import { benchBuild, BULK_DESIGNS, compileTo, DESIGNS } from './designs.js';

export default async function setup(): Promise<void> {
  await prebuild(
    'sim',
    [
      ...DESIGNS.map((d) => {
        const policy = d.policy();
        return {
          label: `${d.bench} ${policy.ir.name} (${policy.hash.slice(0, 8)}) ${d.sim}`,
          run: async () => ((await buildBench(benchBuild(policy, d.bench, d.sim))).cached ? 'cached' : 'built'),
        };
      }),
      ...BULK_DESIGNS.map((make) => {
        const policy = make();
        return {
          label: `bulk runner ${policy.ir.name} (${policy.hash.slice(0, 8)})`,
          run: async () => ((await buildBulkRunner(compileTo(policy))).cached ? 'cached' : 'built'),
        };
      }),
    ],
    2,
  );
}
