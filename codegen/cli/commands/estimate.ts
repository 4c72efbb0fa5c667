/** `nicsched estimate <policy>`: yosys resource estimate of the generated app, IR latency/II, share of the board. */

import type { Command } from 'commander';
import { estimate, formatEstimate } from '../../fpga/estimate.js';
import { loadPolicy } from '../../policy.js';
import type { CommandContext } from './index.js';
import { boardOption, withToolCheck } from './lab-tools.js';

interface EstimateOptions {
  board?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('estimate')
    .description("estimate the app's resources (yosys synth_xilinx for UltraScale+), latency and II against a board's capacity")
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--board <board>', "board to compare against (default: the policy's target.board)")
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: EstimateOptions) => {
      await withToolCheck(ctx, Boolean(opts.json), () => {
        const policy = loadPolicy(file);
        const board = boardOption(opts.board ?? policy.ir.target.board);
        const report = estimate(policy, board);
        if (opts.json) ctx.json(report);
        else ctx.io.out(formatEstimate(report));
      });
    });
}
