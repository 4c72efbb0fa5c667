/**
 * What every command module receives. Command modules import these types from here; the list of
 * command modules is cli/command-modules.ts, so nothing here imports a command (no cycle).
 */

import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export interface CommandContext {
  io: CliIo;
  /** Set exitCode to report a non-zero exit without throwing (e.g. a check that failed). */
  state: { exitCode: number };
  /** Print a value as indented JSON on stdout. */
  json(value: unknown): void;
}

/** What a command module exports as `register`. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
