/**
 * Does a policy fit its board? Checked at compile time so an oversized policy is refused with the
 * reason instead of failing hours into synthesis. The estimate is deliberately conservative: every
 * multiplier is counted as one DSP48E2 slice (weights ≤ 18 bits × inputs ≤ 27 bits).
 */

import type { Ir } from '../../ir/ir.js';
import { findBoard } from '../../spec/boards.js';
import { inputError } from '../../util/errors.js';

/** Share of the device nicsched may take: the rest belongs to the Corundum NIC. */
export const DSP_BUDGET_SHARE = 0.5;

export function multipliers(ir: Ir, reuse = ir.target.reuse): number {
  return ir.layers.reduce((sum, l) => sum + l.units * Math.ceil(l.inputs / reuse), 0);
}

export function checkFits(ir: Ir, file?: string): void {
  const board = findBoard(ir.target.board);
  if (!board) throw inputError(`unknown board "${ir.target.board}"`, { file, pointer: '/target/board' });
  const budget = Math.floor(board.capacity.dsp * DSP_BUDGET_SHARE);
  const needed = multipliers(ir);
  if (needed <= budget) return;
  let reuse = ir.target.reuse;
  while (reuse < 64 && multipliers(ir, reuse) > budget) reuse++;
  const fix = multipliers(ir, reuse) <= budget ? `set target.reuse to ${reuse} or more, or shrink the layers` : 'shrink the layers';
  throw inputError(
    `policy does not fit ${board.name}: ${needed} multipliers at reuse ${ir.target.reuse}, budget ${budget} DSP48E2 (${DSP_BUDGET_SHARE * 100}% of ${board.capacity.dsp})`,
    { file, pointer: '/target/reuse' },
    fix,
  );
}
