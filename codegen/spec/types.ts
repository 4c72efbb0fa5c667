/** Policy spec v1 as written by users (DESIGN.md §2), after schema validation. */

import type { Format } from '../numeric/format.js';

export type Activation = 'relu' | 'none';
export type Head = 'argmax' | 'scores';
export type HookPoint = 'wakeup' | 'tick';

export interface SpecFeature {
  name: string;
  source: string;
}

export interface SpecLayer {
  units: number;
  activation: Activation;
  weight_format: Format;
  output_format: Format;
  quantize?: boolean;
  weights: number[][];
  bias: number[];
}

export interface SpecAction {
  name: string;
  nice?: number;
}

export interface SpecTarget {
  board?: string;
  clock_mhz?: number;
  reuse?: number;
  slots?: number;
}

export interface SpecHook {
  points?: HookPoint[];
  decision_ttl_ms?: number;
  stall_timeout_ms?: number;
}

export interface Spec {
  nicsched: 1;
  name: string;
  description?: string;
  features: SpecFeature[];
  input: Format;
  layers: SpecLayer[];
  head: Head;
  actions?: SpecAction[];
  target?: SpecTarget;
  hook?: SpecHook;
}

/** Defaults filled in by lowering, so an explicit default and an omitted field hash the same. */
export const DEFAULT_TARGET = { board: 'au250', clock_mhz: 250, reuse: 1, slots: 4 } as const;
export const DEFAULT_HOOK = { points: ['wakeup', 'tick'] as HookPoint[], decision_ttl_ms: 20, stall_timeout_ms: 4 } as const;
