/** Shared by the lab commands (estimate, build, flash): board lookup and the missing-tool report (exit 3). */

import { BOARD_NAMES, findBoard, type Board } from '../../spec/boards.js';
import { ToolMissingError } from '../../fpga/tools.js';
import { inputError } from '../../util/errors.js';
import { EXIT_TOOL_MISSING } from '../exit.js';
import type { CommandContext } from './index.js';

export function boardOption(name: string, option = '--board'): Board {
  const board = findBoard(name);
  if (!board) throw inputError(`unknown board "${name}" (${option})`, {}, `use one of ${BOARD_NAMES.join(', ')}`);
  return board;
}

/** Run a command body; a missing lab tool prints what is missing and the commands, and exits 3. */
export async function withToolCheck(ctx: CommandContext, asJson: boolean, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    reportMissing(ctx, err, asJson);
  }
}

function reportMissing(ctx: CommandContext, err: ToolMissingError, asJson: boolean): void {
  ctx.state.exitCode = EXIT_TOOL_MISSING;
  if (asJson) {
    ctx.json({ error: 'tool-missing', tool: err.tool, message: err.message, commands: err.commands });
    return;
  }
  ctx.io.err(`error: ${err.message}\n`);
  ctx.io.err(`${err.heading}\n`);
  for (const command of err.commands) ctx.io.err(`  ${command}\n`);
}
