/**
 * Commands that live in their own modules (cli/commands/*). Each module exports
 * `register(program, ctx)`; main.ts calls every entry after its built-in commands, in this order
 * (the order of `nicsched --help`). A new command is one import and one entry here.
 */

import type { RegisterCommand } from './commands/index.js';
import { register as registerBuild } from './commands/build.js';
import { register as registerEstimate } from './commands/estimate.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerFlash } from './commands/flash.js';
import { register as registerImport } from './commands/import.js';
import { register as registerLearning } from './commands/learn.js';
import { register as registerSystem } from './commands/system.js';

export const COMMAND_MODULES: readonly RegisterCommand[] = [registerEstimate, registerBuild, registerFlash, registerLearning, registerImport, registerEval, registerSystem];
