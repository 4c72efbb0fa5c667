/**
 * globalSetup of test/lab: yosys synthesis of every example policy, and of the tiny policy with 64
 * slots, into the shared estimate cache (what `nicsched estimate` reads), before the tests start.
 * The test that proves a fresh cache runs yosys still runs it, on the tiny policy, in its own
 * empty cache.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { estimate } from '../../codegen/fpga/estimate.js';
import { findBoard } from '../../codegen/spec/boards.js';
import { cli, ROOT, TINY } from '../helpers.js';
import { prebuild } from '../prebuild.js';
import { withSlots } from '../sim/designs.js';

const EXAMPLES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.template.yaml'))
  .map((f) => join(ROOT, 'examples', f));

export default async function setup(): Promise<void> {
  await prebuild(
    'lab',
    [
      ...EXAMPLES.map((file) => ({
        label: `yosys synth_xilinx ${file.split('/').pop()}`,
        run: async () => {
          const r = await cli('estimate', file, '--json');
          if (r.code !== 0) throw new Error(r.stderr);
          return (JSON.parse(r.stdout) as { cache: { hit: boolean } }).cache.hit ? 'cached' : 'built';
        },
      })),
      {
        // the 64-slot tiny policy: the widest slot decode and arbiter (lab-estimate's timing goal)
        label: 'yosys synth_xilinx tiny.yaml with 64 slots',
        run: async () => {
          const policy = withSlots(TINY, 64);
          return estimate(policy, findBoard(policy.ir.target.board)!).cache.hit ? 'cached' : 'built';
        },
      },
    ],
    2,
  ); // two yosys runs at a time: the reference's takes most of the time, the tiny ones fit beside it
}
