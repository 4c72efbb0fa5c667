/**
 * Does a policy fit its board? Validation refuses an oversized policy with the reason, instead of a
 * failure hours into synthesis. The estimate is deliberately conservative: every multiplier is
 * counted as one DSP48E2 slice (weights ≤ 18 bits × inputs ≤ 27 bits).
 */

import type { Board } from './boards.js';

/** Share of the device nicsched may take: the rest belongs to the Corundum NIC. */
export const DSP_BUDGET_SHARE = 0.5;

/** A dense layer as the datapath sees it. */
export interface LayerShape {
  inputs: number;
  units: number;
}

/** Multipliers of the datapath: ceil(inputs / reuse) per unit. */
export function multipliers(layers: readonly LayerShape[], reuse: number): number {
  return layers.reduce((sum, l) => sum + l.units * Math.ceil(l.inputs / reuse), 0);
}

export function dspBudget(board: Board): number {
  return Math.floor(board.capacity.dsp * DSP_BUDGET_SHARE);
}

/** The smallest reuse (up to `maxReuse`) whose multipliers fit the budget, or undefined. */
export function reuseThatFits(layers: readonly LayerShape[], board: Board, maxReuse: number): number | undefined {
  for (let reuse = 1; reuse <= maxReuse; reuse++) if (multipliers(layers, reuse) <= dspBudget(board)) return reuse;
  return undefined;
}
