/**
 * Parsers of Vivado's report_utilization and report_timing_summary, on report text written here in
 * the documented layout (UltraScale+ sections and tables, Design Timing Summary block).
 */

import { describe, expect, it } from 'vitest';
import { parseTimingSummary, parseUtilization } from '../codegen/fpga/vivado-reports.js';
import { parseYosysStat } from '../codegen/fpga/yosys.js';

const UTILIZATION = `Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.
---------------------------------------------------------------------------------------------------------------
| Tool Version : Vivado v.2022.2 (lin64) Build 3671981 Fri Oct 14 04:59:54 MDT 2022
| Design       : fpga
| Device       : xcu250-figd2104-2-e
| Speed File   : -2
| Design State : Routed
---------------------------------------------------------------------------------------------------------------

Utilization Design Information

Table of Contents
-----------------
1. CLB Logic
1.1 Summary of Registers by Type
2. CLB Logic Distribution
3. BLOCKRAM
4. ARITHMETIC

1. CLB Logic
------------

+----------------------------+--------+-------+------------+-----------+-------+
|          Site Type         |  Used  | Fixed | Prohibited | Available | Util% |
+----------------------------+--------+-------+------------+-----------+-------+
| CLB LUTs                   | 143271 |     0 |          0 |   1728000 |  8.29 |
|   LUT as Logic             | 128004 |     0 |          0 |   1728000 |  7.41 |
|   LUT as Memory            |  15267 |     0 |          0 |    791040 |  1.93 |
| CLB Registers              | 201559 |     0 |          0 |   3456000 |  5.83 |
|   Register as Flip Flop    | 201559 |     0 |          0 |   3456000 |  5.83 |
| CARRY8                     |   3087 |     0 |          0 |    216000 |  1.43 |
| F7 Muxes                   |   2218 |     0 |          0 |    864000 |  0.26 |
+----------------------------+--------+-------+------------+-----------+-------+

3. BLOCKRAM
-----------

+-------------------+-------+-------+------------+-----------+-------+
|     Site Type     |  Used | Fixed | Prohibited | Available | Util% |
+-------------------+-------+-------+------------+-----------+-------+
| Block RAM Tile    | 400.5 |     0 |          0 |      2688 | 14.90 |
|   RAMB36/FIFO*    |   381 |     0 |          0 |      2688 | 14.17 |
|   RAMB18          |    39 |     0 |          0 |      5376 |  0.73 |
| URAM              |     0 |     0 |          0 |      1280 |  0.00 |
+-------------------+-------+-------+------------+-----------+-------+

4. ARITHMETIC
-------------

+-----------+------+-------+------------+-----------+-------+
| Site Type | Used | Fixed | Prohibited | Available | Util% |
+-----------+------+-------+------------+-----------+-------+
| DSPs      |  296 |     0 |          0 |     12288 |  2.41 |
|   DSP48E2 only | 296 |  0 |          0 |           |       |
+-----------+------+-------+------------+-----------+-------+
`;

/** Before Vivado 2020.1 the tables had no Prohibited column. */
const UTILIZATION_OLD = UTILIZATION.replace(/\| *Prohibited *\|/g, '|').replace(/^(\|[^|]+\|[^|]+\|[^|]+\|) *0 \|/gm, '$1').replace(/-+\+(?=-+\+-+\+\n)/g, '');

const TIMING = `------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints  
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------  
      0.104        0.000                      0               512381        0.010        0.000                      0               512381        0.000        0.000                       0                198742  


All user specified timing constraints are met.
`;

const TIMING_FAILED = TIMING.replace('      0.104        0.000                      0', '     -0.231      -14.872                    117').replace('All user specified timing constraints are met.', 'Timing constraints are not met.');

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
  it('sums LUT1..6, FD*, DSP48E2, RAMB*, CARRY and reads ltp', () => {
    const stat = `=== nicsched_top ===\n\n   Number of cells:                420\n     CARRY8                         12\n     DSP48E2                         8\n     FDRE                          300\n     FDSE                            4\n     LUT2                           40\n     LUT6                           50\n     RAMB36E2                        1\n     RAMB18E2                        2\n`;
    expect(parseYosysStat(stat, 'Longest topological path in nicsched_top (length=21):')).toEqual({ lut: 90, ff: 304, dsp: 8, bram: 3, carry: 12, ltp: 21 });
  });
});
