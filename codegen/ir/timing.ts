/**
 * The RTL datapath's schedule, predicted from the IR. rtl/nicsched_dense.v and rtl/nicsched_app.v
 * implement exactly this (docs/HARDWARE.md); the simulation measures it and must agree.
 */

import { clog2 } from '../util/bits.js';
import type { IrTiming } from './ir.js';

/** Adder-tree levels between pipeline registers (a 16-input tree is one stage at 250 MHz). */
const DEFAULT_LEVELS_PER_STAGE = 4;

/**
 * Cycles from in_valid to out_valid of one nicsched_dense instance: REUSE cycles of multiplies
 * (ceil(inputs/REUSE) multipliers per unit), then the adder tree over one chunk, cut every
 * `levelsPerStage` levels, whose last stage also adds bias, applies relu, requantizes and saturates.
 */
export function denseLatency(inputs: number, reuse: number, levelsPerStage: number): number {
  const chunk = Math.ceil(inputs / reuse);
  return reuse + Math.max(1, Math.ceil(clog2(chunk) / levelsPerStage));
}

export function predictTiming(layerInputs: number[], reuse: number, levelsPerStage = DEFAULT_LEVELS_PER_STAGE): IrTiming {
  const layerLatency = layerInputs.map((n) => denseLatency(n, reuse, levelsPerStage));
  const datapath = layerLatency.reduce((a, b) => a + b, 0);
  return { levels_per_stage: levelsPerStage, layer_latency: layerLatency, latency: datapath + 1, ii: reuse };
}
