/**
 * The RTL datapath's schedule, predicted from the IR. rtl/nicsched_dense.v and rtl/nicsched_app.v
 * implement exactly this (docs/HARDWARE.md); the simulation measures it and must agree.
 */

import { clog2 } from '../util/bits.js';
import type { IrTiming } from './ir.js';

/**
 * Adder-tree levels between pipeline registers. Three levels of ~20-bit adders are at most 8 logic
 * levels on UltraScale+ (yosys synth_xilinx, `nicsched estimate`); four are 10.
 */
const DEFAULT_LEVELS_PER_STAGE = 3;

/**
 * Cycles nicsched_app adds to the datapath, doorbell to RESULT.VALID: the arbiter's grant register,
 * the selected slot's feature register (the policy's input), the result register (argmax, doorbell
 * time) and the write into the slot.
 */
const APP_STAGES = 4;

/**
 * Cycles from in_valid to out_valid of one nicsched_dense instance: REUSE cycles of multiplies
 * (ceil(inputs/REUSE) multipliers per unit, registered products), the adder tree over one chunk,
 * registered every `levelsPerStage` levels and at its root, then the last stage (bias, relu,
 * requantize, saturate).
 */
export function denseLatency(inputs: number, reuse: number, levelsPerStage: number): number {
  const chunk = Math.ceil(inputs / reuse);
  return reuse + Math.ceil(clog2(chunk) / levelsPerStage) + 1;
}

export function predictTiming(layerInputs: number[], reuse: number, levelsPerStage = DEFAULT_LEVELS_PER_STAGE): IrTiming {
  const layerLatency = layerInputs.map((n) => denseLatency(n, reuse, levelsPerStage));
  const datapath = layerLatency.reduce((a, b) => a + b, 0);
  return { levels_per_stage: levelsPerStage, layer_latency: layerLatency, latency: datapath + APP_STAGES, ii: reuse };
}
