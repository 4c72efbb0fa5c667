/** Vivado report text in the documented layout (written here, not captured from a run), and a .bit builder. */

export const UTILIZATION = `Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.
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
export const UTILIZATION_OLD = UTILIZATION.replace(/\| *Prohibited *\|/g, '|')
  .replace(/^(\|[^|]+\|[^|]+\|[^|]+\|) *0 \|/gm, '$1')
  .replace(/-+\+(?=-+\+-+\+\n)/g, '');

export const TIMING = `------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints  
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------  
      0.104        0.000                      0               512381        0.010        0.000                      0               512381        0.000        0.000                       0                198742  


All user specified timing constraints are met.
`;

export const TIMING_FAILED = TIMING.replace('      0.104        0.000                      0', '     -0.231      -14.872                    117').replace('All user specified timing constraints are met.', 'Timing constraints are not met.');

export interface BitFields {
  design: string;
  part: string;
  date: string;
  time: string;
  data: Uint8Array;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function field(key: string, text: string): number[] {
  const bytes = [...Buffer.from(text + '\0', 'latin1')];
  return [key.charCodeAt(0), ...u16(bytes.length), ...bytes];
}

/** A .bit file per the documented layout: length 9 + magic, 0x0001, 'a'..'d' strings, 'e' + 4-byte length + data. */
export function bitFile(f: BitFields): Buffer {
  const n = f.data.length;
  return Buffer.from([...u16(9), 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, ...u16(1), ...field('a', f.design), ...field('b', f.part), ...field('c', f.date), ...field('d', f.time), 0x65, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, ...f.data]);
}
