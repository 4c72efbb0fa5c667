/**
 * Parsers of Vivado's report_utilization and report_timing_summary, on report text written here in
 * the documented layout (UltraScale+ sections and tables, Design Timing Summary block).
 */

import { describe, expect, it } from 'vitest';
import { parseTimingSummary, parseUtilization } from '../../codegen/fpga/vivado-reports.js';
import { parseYosysStat } from '../../codegen/fpga/yosys.js';
import { TIMING, TIMING_FAILED, UTILIZATION, UTILIZATION_OLD } from './vivado-fixtures.js';

describe('report_utilization parser', () => {
  it('reads LUT, FF, CARRY8, BRAM tiles and DSPs by column name', () => {
    expect(parseUtilization(UTILIZATION)).toEqual({
      lut: { used: 143271, available: 1728000, percent: 8.29 },
      ff: { used: 201559, available: 3456000, percent: 5.83 },
      carry: { used: 3087, available: 216000, percent: 1.43 },
      bram_tile: { used: 400.5, available: 2688, percent: 14.9 },
      dsp: { used: 296, available: 12288, percent: 2.41 },
    });
  });

  it('reads the pre-2020.1 layout (no Prohibited column) the same', () => {
    expect(UTILIZATION_OLD).not.toContain('Prohibited');
    expect(parseUtilization(UTILIZATION_OLD)).toEqual(parseUtilization(UTILIZATION));
  });

  it('names a missing row', () => {
    expect(() => parseUtilization(UTILIZATION.replace('| DSPs ', '| XXXX '))).toThrow('report_utilization: no "DSPs" row in the utilization report');
  });
});

describe('report_timing_summary parser', () => {
  it('reads WNS/TNS/WHS/THS and whether constraints are met', () => {
    expect(parseTimingSummary(TIMING)).toEqual({ wns_ns: 0.104, tns_ns: 0, tns_failing_endpoints: 0, whs_ns: 0.01, ths_ns: 0, ths_failing_endpoints: 0, met: true });
    expect(parseTimingSummary(TIMING_FAILED)).toEqual({ wns_ns: -0.231, tns_ns: -14.872, tns_failing_endpoints: 117, whs_ns: 0.01, ths_ns: 0, ths_failing_endpoints: 0, met: false });
  });

  it('names what is missing', () => {
    expect(() => parseTimingSummary('nothing')).toThrow('no "Design Timing Summary" section');
    expect(() => parseTimingSummary(TIMING.replace(/ {6}0\.104.*\n/, '\n'))).toThrow(/columns but \d+ values/);
  });
});

describe('yosys stat parser', () => {
  it('sums LUT1..6, FD*, DSP48E2, RAMB*, CARRY', () => {
    const stat = `=== nicsched_top ===\n\n   Number of cells:                420\n     CARRY4                         12\n     DSP48E2                         8\n     FDRE                          300\n     FDSE                            4\n     LUT2                           40\n     LUT6                           50\n     RAMB36E2                        1\n     RAMB18E2                        2\n`;
    expect(parseYosysStat(stat)).toEqual({ lut: 90, ff: 304, dsp: 8, bram: 3, carry: 12 });
  });
});
