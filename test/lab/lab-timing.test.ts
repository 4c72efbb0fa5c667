/**
 * Timing evidence: the logic-level walk over yosys netlists (hand-made netlists with known
 * answers), the parser of yosys `sta` output (its real text), and the check against the clock on
 * a design synthesized here with the real yosys that is deliberately too deep for 250 MHz.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeLevels, Netlist, type YosysCell, type YosysModule } from '../../codegen/fpga/netlist-levels.js';
import { parseSta } from '../../codegen/fpga/sta.js';
import { checkTiming, formatTiming, LEVEL_BUDGET } from '../../codegen/fpga/timing-budget.js';
import { synthesize } from '../../codegen/fpga/yosys.js';
import { tempDir } from '../helpers.js';

const YOSYS_TIMEOUT = 900_000;

type Bits = (number | string)[];

const ff = (d: number, q: number): YosysCell => ({ type: 'FDRE', connections: { C: [2], CE: ['1'], R: ['0'], D: [d], Q: [q] } });
const lut = (inputs: number[], o: number): YosysCell => ({
  type: `LUT${inputs.length}`,
  connections: { ...Object.fromEntries(inputs.map((b, i) => [`I${i}`, [b]])), O: [o] },
});
/** A CARRY4 adding s (propagate) with carry in `ci`; CO[3] is the bit at index 3 of `co`. */
const carry4 = (ci: number | string, s: Bits, co: number[], o: number[]): YosysCell => ({
  type: 'CARRY4',
  connections: { CI: [ci], CYINIT: ['0'], DI: ['0', '0', '0', '0'], S: s, CO: co, O: o },
});

function netlist(cells: Record<string, YosysCell>, names: Record<string, number[]>): Netlist {
  const module: YosysModule = {
    ports: { clk: { direction: 'input', bits: [2] }, d: { direction: 'input', bits: [3] } },
    cells,
    netnames: Object.fromEntries(Object.entries(names).map(([name, bits]) => [name, { hide_name: 0, bits }])),
  };
  return new Netlist(module);
}

describe('logic levels between registers', () => {
  it('walks through a carry chain: three chained CARRY4 are two CARRY8 levels', () => {
    const net = netlist(
      {
        a: ff(3, 10),
        l: lut([10, 10], 11),
        c0: carry4('0', [11, 11, 11, 11], [20, 21, 22, 23], [50, 51, 52, 53]),
        c1: carry4(23, [11, 11, 11, 11], [24, 25, 26, 27], [54, 55, 56, 57]),
        c2: carry4(27, [11, 11, 11, 11], [28, 29, 30, 31], [58, 59, 60, 61]),
        b: ff(31, 40),
      },
      { a_reg: [10], b_reg: [40], sum: [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61] },
    );
    const r = analyzeLevels(net, LEVEL_BUDGET);
    expect(r.deepest).toEqual({
      start: 'a_reg',
      end: 'b_reg (FDRE.D)',
      levels: { lut: 1, carry: 2, carry4: 3, muxf: 0, dsp: 0, total: 3 },
      cells: ['LUT2', 'CARRY4', 'CARRY4', 'CARRY4'],
    });
    expect(r.endpoints_over).toBe(0);
  });

  it('counts MUXF and an unregistered DSP48E2 as levels; a registered DSP48E2 ends and starts paths', () => {
    const dsp = (preg: string, a: number, p: number): YosysCell => ({ type: 'DSP48E2', parameters: { AREG: '0', BREG: '0', MREG: '0', PREG: preg }, connections: { CLK: [2], A: [a], B: ['1'], P: [p] } });
    const net = netlist(
      {
        a: ff(3, 10),
        l0: lut([10], 11),
        l1: lut([10, 11], 12),
        m: { type: 'MUXF7', connections: { I0: [11], I1: [12], S: [10], O: [13] } },
        d0: dsp('00000000000000000000000000000000', 13, 14),
        b: ff(14, 15),
        l3: lut([15], 19),
        d1: dsp('00000000000000000000000000000001', 19, 16),
        l2: lut([16], 17),
        c: ff(17, 18),
      },
      { a_reg: [10], b_reg: [15], c_reg: [18], product: [16] },
    );
    const r = analyzeLevels(net, 3);
    expect(r.deepest).toMatchObject({ start: 'a_reg', end: 'b_reg (FDRE.D)', levels: { lut: 2, carry: 0, muxf: 1, dsp: 1, total: 4 } });
    expect(r.endpoints_over).toBe(1);
    expect(r.over_budget.map((p) => [p.end, p.levels.total])).toEqual([['b_reg (FDRE.D)', 4]]);
    // the registered DSP: its input is an endpoint (1 level), its output a startpoint (1 level to c)
    const d = analyzeLevels(net, 0);
    expect(d.over_budget.map((p) => `${p.start} -> ${p.end}`)).toContain('b_reg -> product (DSP48E2.A)');
    expect(d.over_budget.map((p) => `${p.start} -> ${p.end}`)).toContain('product -> c_reg (FDRE.D)');
  });

  it('a distributed RAM (RAM64M8): its write pins are endpoints, its read is one LUT level from the address, its data a startpoint', () => {
    const ram: YosysCell = {
      type: 'RAM64M8',
      connections: { WCLK: [2], WE: [11], DIA: [12], ADDRA: [10, 10, 10, 10, 10, 10], ADDRH: [13, 13, 13, 13, 13, 13], DOA: [20], DOH: [21] },
    };
    const net = netlist(
      {
        a: ff(3, 10),
        we: lut([10], 11),
        di: lut([10, 11], 12),
        wa: ff(3, 13),
        m: ram,
        l: lut([20, 21], 22),
        l2: lut([22], 23),
        b: ff(23, 30),
      },
      { a_reg: [10], wa_reg: [13], q_mem: [20, 21], b_reg: [30] },
    );
    const paths = (budget: number) => analyzeLevels(net, budget).over_budget.map((p) => `${p.start} -> ${p.end}: ${p.levels.lut}`);
    // a_reg -> ADDRA: the read (1 LUT) and the two LUTs after it: 3 levels into b_reg
    expect(analyzeLevels(net, LEVEL_BUDGET).deepest).toMatchObject({ start: 'a_reg', end: 'b_reg (FDRE.D)', levels: { lut: 3, total: 3 }, cells: ['RAM64M8', 'LUT2', 'LUT1'] });
    // the write data path ends at the RAM: two LUTs into DIA, not through to b_reg
    expect(paths(1)).toContain('a_reg -> RAM64M8 m (DIA): 2');
    expect(paths(0)).toContain('a_reg -> RAM64M8 m (WE): 1');
  });

  it('names a cell type it does not know, and a combinational loop', () => {
    expect(() => netlist({ x: { type: 'URAM288', connections: {} } }, {})).toThrow('timing analysis: cell x has type URAM288, which codegen/fpga/netlist-levels.ts does not know (add it to kindOf)');
    const loop = netlist({ l0: lut([3, 11], 10), l1: lut([10], 11), b: ff(11, 12) }, { ring: [10] });
    expect(() => analyzeLevels(loop, LEVEL_BUDGET)).toThrow(/timing analysis: combinational loop through/);
  });
});

// yosys 0.23 `sta` output, as it prints it (the path from the end back to the clock input)
const STA_TEXT = `4. Executing STA pass (static timing analysis).
Warning: Module 'CARRY4' has no timing arcs!
Latest arrival time in 'deep' is 2438:
    2438 $auto$ff.cc:266:slice$2626 (FDRE.D)
           $63\\f[5:0] [0]
    2438 $auto$abc9_ops.cc:1545:reintegrate$10397 (LUT6.I5->O)
           $techmap10438$auto$abc9_ops.cc:1545:reintegrate$10397.A [5]
    2311 $abc$10391$lut$aiger10390$1503 (LUT6.I5->O)
           $techmap10437$abc$10391$lut$aiger10390$1503.A [5]
    1041 $abc$10391$lut$aiger10390$1453 (LUT6.I0->O)
           \\req_reg [60]
     399 $auto$ff.cc:266:slice$2815 (FDRE.C->Q)
           $auto$clkbufmap.cc:294:execute$10609
      96 $auto$clkbufmap.cc:261:execute$10607 (BUFG.I->O)
       0   \\clk (<primary input>)

Arrival histogram:
 legend: * represents 5 endpoint(s)
`;

describe('yosys sta output', () => {
  it('reads the arrival, the endpoint, the launching register and the cells between, start to end', () => {
    const r = parseSta(STA_TEXT)!;
    expect(r.arrival_ps).toBe(2438);
    expect(r.endpoint).toEqual({ cell: '$auto$ff.cc:266:slice$2626', type: 'FDRE', pin: 'D' });
    expect(r.start_net).toBe('req_reg[60]');
    expect(r.end_net).toBe('$63\\f[5:0][0]');
    expect(r.steps.map((s) => [s.arrival_ps, s.type, s.arc])).toEqual([
      [1041, 'LUT6', 'I0->O'],
      [2311, 'LUT6', 'I5->O'],
      [2438, 'LUT6', 'I5->O'],
    ]);
  });

  it('a path ending on a cell without timing arcs has no endpoint cell; no path at all is null', () => {
    const cut = STA_TEXT.replace('    2438 $auto$ff.cc:266:slice$2626 (FDRE.D)\n', '    2438 (<unknown>)\nWarning: Critical-path does not terminate in a recognised endpoint.\n');
    const r = parseSta(cut)!;
    expect(r.endpoint).toBeNull();
    expect(r.end_net).toBe('$63\\f[5:0][0]');
    expect(r.steps).toHaveLength(3);
    expect(parseSta('4. Executing STA pass (static timing analysis).\nNo timing paths found.\n')).toBeNull();
    expect(() => parseSta('nothing')).toThrow('yosys sta: no "Latest arrival time" line in its output');
  });
});

// A linear priority encoder over 64 requests and a 128-bit adder, between registers: far deeper
// than 8 levels (12 or so LUTs; 32 CARRY4) whatever yosys maps.
const DEEP_V = `\`default_nettype none
module deep (
    input  wire         clk,
    input  wire [63:0]  req,
    input  wire [127:0] a,
    input  wire [127:0] b,
    output reg  [5:0]   first,
    output reg  [127:0] sum
);
reg [63:0] req_reg;
reg [127:0] a_reg;
reg [127:0] b_reg;
reg [5:0] f;
integer i;
always @* begin
    f = 6'd0;
    for (i = 63; i >= 0; i = i - 1) begin
        if (req_reg[i]) f = i[5:0];
    end
end
always @(posedge clk) begin
    req_reg <= req;
    a_reg <= a;
    b_reg <= b;
    first <= f;
    sum <= a_reg + b_reg;
end
endmodule
`;

describe('the check against the clock (real yosys)', () => {
  it(
    'a deliberately deep design is over budget at 250 MHz (levels) and at 1 GHz (arrival)',
    () => {
      const dir = tempDir('nicsched-deep-');
      writeFileSync(join(dir, 'deep.v'), DEEP_V);
      const { timing } = synthesize(dir, 'deep', undefined, ['deep.v']);

      const at250 = checkTiming(timing, 250);
      expect(at250.period_ps).toBe(4000);
      expect(at250.met).toBe(false);
      expect(at250.deepest!.levels.total).toBeGreaterThan(LEVEL_BUDGET);
      expect(at250.level_margin).toBe(LEVEL_BUDGET - at250.deepest!.levels.total);
      expect(at250.deepest!.start).toMatch(/^(a_reg|b_reg|req_reg)\[\d+\]$/);
      expect(at250.deepest!.end).toMatch(/^(sum|first)\[\d+\] \(FDRE\.D\)$/);
      // the adder's carry chain: 32 CARRY4 cells, of which a path from bit 0 crosses all
      const adder = at250.over_budget.find((p) => p.end.startsWith('sum['))!;
      expect(adder.levels.carry4).toBeGreaterThanOrEqual(30);
      expect(adder.levels.carry).toBe(Math.ceil(adder.levels.carry4 / 2));
      expect(at250.over_budget.some((p) => p.start.startsWith('req_reg[') && p.end.startsWith('first['))).toBe(true);
      expect(at250.endpoints_over).toBeGreaterThan(0);

      // the arrival: a LUT chain from req_reg to first, with clock-to-Q; over a 1 ns period
      const c = at250.critical!;
      expect(c.start).toMatch(/^req_reg\[\d+\]$/);
      expect(c.end).toMatch(/^first\[\d\] \(FDRE\.D\)$/);
      expect(c.levels.lut).toBe(c.cells.length);
      expect(at250.arrival_margin_ps).toBe(4000 - c.arrival_ps);
      const at1000 = checkTiming(timing, 1000);
      expect(c.arrival_ps).toBeGreaterThan(1000);
      expect(at1000.arrival_margin_ps).toBeLessThan(0);
      expect(at1000.met).toBe(false);

      const text = formatTiming(at1000).join('\n');
      expect(text).toContain('timing    1000 MHz: period 1000 ps, at most 8 logic levels between registers: NOT MET');
      expect(text).toContain(`critical path (latest arrival): ${c.arrival_ps} ps, margin ${1000 - c.arrival_ps} ps (OVER)`);
      expect(text).toMatch(/deepest path: \d+ levels \(\d+ LUT, \d+ CARRY8 = \d+ CARRY4, 0 MUXF, 0 DSP\), margin -\d+ \(OVER\)/);
      expect(text).toContain('not modeled:');
    },
    YOSYS_TIMEOUT,
  );
});
