/**
 * Commands that live in their own modules. Each module exports `register(program, ctx)`; main.ts
 * calls every entry of COMMAND_MODULES after its built-in commands, in this order (the order of
 * `nicsched --help`).
 */

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { register as registerImport } from './import.js';
import { register as registerLearning } from './learn.js';
import { register as registerEstimate } from './estimate.js';
import { register as registerBuild } from './build.js';
import { register as registerFlash } from './flash.js';
import { register as registerEval } from './eval.js';
import { register as registerSystem } from './system.js';

export interface CommandContext {
  io: CliIo;
  /** Set exitCode to report a non-zero exit without throwing (e.g. a check that failed). */
  state: { exitCode: number };
  /** Print a value as indented JSON on stdout. */
  json(value: unknown): void;
}

export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

export const COMMAND_MODULES: RegisterCommand[] = [registerEstimate, registerBuild, registerFlash, registerLearning, registerImport, registerEval, registerSystem];
