/**
 * The learning loop's commands (docs/LEARNING.md): trace → dataset → train. One entry in
 * cli/command-modules.ts; each command lives in its own module.
 */

import type { Command } from 'commander';
import type { CommandContext } from './index.js';
import { register as registerDataset } from './dataset.js';
import { register as registerTrace } from './trace.js';
import { register as registerTrain } from './train.js';

export function register(program: Command, ctx: CommandContext): void {
  registerTrace(program, ctx);
  registerDataset(program, ctx);
  registerTrain(program, ctx);
}
