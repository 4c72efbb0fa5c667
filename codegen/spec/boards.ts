/**
 * Alveo boards nicsched targets. Parts are the ones Corundum's board Makefiles use; capacities are
 * the devices' totals (LUTs, flip-flops, DSP48E2 slices, 36 Kb block RAMs) and bound what a policy
 * may use.
 */

export interface Board {
  name: string;
  part: string;
  device: string;
  capacity: { lut: number; ff: number; dsp: number; bram36: number };
}

export const BOARDS: readonly Board[] = [
  { name: 'au50', part: 'xcu50-fsvh2104-2-e', device: 'xcu50', capacity: { lut: 872_000, ff: 1_743_000, dsp: 5_952, bram36: 1_344 } },
  { name: 'au200', part: 'xcu200-fsgd2104-2-e', device: 'xcu200', capacity: { lut: 1_182_000, ff: 2_364_000, dsp: 6_840, bram36: 2_160 } },
  { name: 'au250', part: 'xcu250-figd2104-2-e', device: 'xcu250', capacity: { lut: 1_728_000, ff: 3_456_000, dsp: 12_288, bram36: 2_688 } },
  { name: 'au280', part: 'xcu280-fsvh2892-2L-e', device: 'xcu280', capacity: { lut: 1_304_000, ff: 2_607_000, dsp: 9_024, bram36: 2_016 } },
];

export const BOARD_NAMES: readonly string[] = BOARDS.map((b) => b.name);

export function findBoard(name: string): Board | undefined {
  return BOARDS.find((b) => b.name === name);
}
