/**
 * Logic levels between registers in a synthesized netlist (yosys `write_json` after
 * `synth_xilinx`): the deepest chain of LUT, CARRY, MUXF and unregistered DSP cells from a
 * startpoint (a register output, a top-level input) to an endpoint (a register input, a top-level
 * output). Yosys's own `sta` stops at cells without timing arcs (CARRY4, MUXF7/8, DSP48E2); this
 * walks through them, so a path through an adder's carry chain is counted whole.
 *
 * Counting, as Vivado counts logic levels on UltraScale+: every LUT (and INV) is one level, every
 * MUXF one, an unregistered DSP48E2 one. Yosys 0.23 maps carry chains to CARRY4 cells (4 bits);
 * UltraScale+ has CARRY8 (8 bits), so along one chain (CO[3] -> CI) two consecutive CARRY4 cells
 * count as one CARRY level: a run of n chained CARRY4 cells on a path is ceil(n / 2) levels.
 */

/** A bit of the netlist: yosys numbers nets from 2; "0", "1", "x", "z" are constants. */
type BitRef = number | string;

export interface YosysCell {
  type: string;
  parameters?: Record<string, string>;
  connections: Record<string, BitRef[]>;
}

export interface YosysNet {
  hide_name: number;
  bits: BitRef[];
  attributes?: Record<string, string>;
}

export interface YosysModule {
  ports: Record<string, { direction: 'input' | 'output' | 'inout'; bits: BitRef[] }>;
  cells: Record<string, YosysCell>;
  netnames: Record<string, YosysNet>;
}

export interface Levels {
  lut: number;
  /** CARRY levels as UltraScale+ CARRY8 cells (two chained CARRY4 = one). */
  carry: number;
  /** CARRY4 cells on the path, as yosys mapped them. */
  carry4: number;
  muxf: number;
  /** Unregistered DSP48E2 slices on the path. */
  dsp: number;
  /** lut + carry + muxf + dsp */
  total: number;
}

export interface LevelPath {
  start: string;
  end: string;
  levels: Levels;
  /** Cell types along the path, start to end. */
  cells: string[];
}

export interface LevelReport {
  deepest: LevelPath | null;
  /** The deepest path into each register (bits of one register merged) that is over budget, deepest first. */
  over_budget: LevelPath[];
  /** Endpoint bits whose deepest path has more than `budget` levels. */
  endpoints_over: number;
  endpoints: number;
  budget: number;
}

type Kind = 'lut' | 'carry' | 'muxf' | 'dsp' | 'seq' | 'lutram' | 'clock';

const DSP_REGISTERS = ['AREG', 'BREG', 'CREG', 'DREG', 'ADREG', 'MREG', 'PREG', 'ACASCREG', 'BCASCREG'];

function kindOf(name: string, cell: YosysCell): Kind {
  const t = cell.type;
  if (/^LUT[1-6]$/.test(t) || t === 'INV') return 'lut';
  if (t === 'CARRY4' || t === 'CARRY8') return 'carry';
  if (/^MUXF[789]$/.test(t)) return 'muxf';
  if (t === 'DSP48E2') {
    const registered = DSP_REGISTERS.some((p) => parseInt(cell.parameters?.[p] ?? '0', 2) !== 0);
    return registered ? 'seq' : 'dsp';
  }
  if (/^FD[RSCP]E(_1)?$/.test(t) || /^SRLC?(16|32)E$/.test(t) || /^RAMB(18|36)E2$/.test(t)) return 'seq';
  if (/^RAM(16|32|64|128|256)X1[SD]$/.test(t) || /^RAM(32|64)M(8|16)?$/.test(t)) return 'lutram';
  if (/^BUFG(CE)?$/.test(t)) return 'clock';
  throw new Error(`timing analysis: cell ${name} has type ${t}, which codegen/fpga/netlist-levels.ts does not know (add it to kindOf)`);
}

const OUTPUT_PORTS: Record<Kind, RegExp> = {
  lut: /^O$/,
  muxf: /^O$/,
  clock: /^O$/,
  carry: /^(CO|O)$/,
  dsp: /^(P|PCOUT|ACOUT|BCOUT|CARRYOUT|CARRYCASCOUT|MULTSIGNOUT|OVERFLOW|UNDERFLOW|PATTERNB?DETECT|XOROUT)$/,
  lutram: /^(DO[A-H]|SPO|DPO|O)$/,
  seq: /^(Q|Q31|DOUT|CASDOUT|CASOUT|DBITERR|SBITERR|ECCPARITY|RDADDRECC|P|PCOUT|ACOUT|BCOUT|CARRYOUT|CARRYCASCOUT|MULTSIGNOUT|OVERFLOW|UNDERFLOW|PATTERNB?DETECT|XOROUT)/,
};

/** Clock pins: neither startpoints nor endpoints. */
const CLOCK_PINS = /^(C|CLK|WCLK|CLKARDCLK|CLKBWRCLK)$/;

/**
 * Distributed RAM (LUTRAM): the write is clocked (every input is an endpoint, as into a
 * register), the read is asynchronous through the LUT: a read address to the data out is one LUT
 * level, and the stored bits start a path as a register's output does.
 */
const LUTRAM_READ_ADDRESS = /^(ADDR[A-H]|A\d*|DPRA\d*)$/;

interface Arc {
  from: number;
  /** The input is a carry cell's CI, driven by another carry cell's CO (one chain). */
  chained: boolean;
}

interface Driver {
  cell: string;
  type: string;
  kind: Kind;
  arcs: Arc[];
}

/** Which input bits a carry cell's output bit `i` depends on (CO[i]: S/DI[0..i]; O[i]: S[0..i], DI[0..i-1]). */
function carryInputs(cell: YosysCell, port: 'CO' | 'O', i: number): { pin: string; bit: BitRef }[] {
  const c = cell.connections;
  const inputs: { pin: string; bit: BitRef }[] = [];
  for (const pin of ['CI', 'CI_TOP', 'CYINIT']) for (const bit of c[pin] ?? []) inputs.push({ pin, bit });
  for (let k = 0; k <= i; k++) {
    const s = c['S']?.[k];
    if (s !== undefined) inputs.push({ pin: 'S', bit: s });
    const di = c['DI']?.[k];
    if (di !== undefined && (port === 'CO' || k < i)) inputs.push({ pin: 'DI', bit: di });
  }
  return inputs;
}

/** The netlist as a graph of bits: who drives each bit, which bits are endpoints, what a bit is called. */
export class Netlist {
  readonly drivers = new Map<number, Driver>();
  /** Endpoint bits with a label (register input pin or top-level output). */
  readonly endpoints = new Map<number, string>();
  private readonly names = new Map<number, string>();

  constructor(private readonly module: YosysModule) {
    this.indexNames();
    const carryOutputs = new Set<number>();
    const cells = Object.entries(module.cells).map(([name, cell]) => ({ name, cell, kind: kindOf(name, cell) }));
    for (const { cell, kind } of cells) {
      if (kind === 'carry') for (const b of cell.connections['CO'] ?? []) if (typeof b === 'number') carryOutputs.add(b);
    }
    for (const { name, cell, kind } of cells) this.addCell(name, cell, kind, carryOutputs);
    for (const [port, p] of Object.entries(module.ports)) {
      if (p.direction === 'input') continue;
      p.bits.forEach((b, i) => {
        if (typeof b === 'number') this.endpoints.set(b, p.bits.length > 1 ? `${port}[${i}]` : port);
      });
    }
  }

  private indexNames(): void {
    // prefer public names, then register names (the library's *_reg convention), then the shortest
    const isReg = (name: string): number => (/_reg$/.test(name) ? 0 : 1);
    const entries = Object.entries(this.module.netnames).sort(([a, na], [b, nb]) => na.hide_name - nb.hide_name || isReg(a) - isReg(b) || a.length - b.length);
    for (const [name, net] of entries) {
      net.bits.forEach((b, i) => {
        if (typeof b === 'number' && !this.names.has(b)) this.names.set(b, net.bits.length > 1 ? `${name}[${i}]` : name);
      });
    }
  }

  name(bit: number): string {
    return this.names.get(bit) ?? `net ${bit}`;
  }

  /** A register cell by what it holds, with its pin; another cell by its type and pin. */
  pinLabel(cellName: string, pin: string): string {
    const cell = this.module.cells[cellName];
    if (!cell) return `${cellName} (${pin})`;
    return kindOf(cellName, cell) === 'seq' ? `${this.registerName(cell)} (${cell.type}.${pin})` : `${cell.type} ${cellName} (${pin})`;
  }

  /** The cells that read `bit`, as "TYPE.PIN". */
  readers(bit: number): string[] {
    const out: string[] = [];
    for (const [name, cell] of Object.entries(this.module.cells)) {
      const outputs = OUTPUT_PORTS[kindOf(name, cell)];
      for (const [pin, bits] of Object.entries(cell.connections)) if (!outputs.test(pin) && bits.includes(bit)) out.push(`${cell.type}.${pin}`);
    }
    return out;
  }

  /** Bit of a wire as yosys printed it ("name[3]" or "name"), or null. */
  bitOf(printed: string): number | null {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(printed)!;
    const net = this.module.netnames[m[1]!] ?? this.module.netnames[printed];
    if (!net) return null;
    const bit = net.bits[m[2] === undefined || !this.module.netnames[m[1]!] ? 0 : Number(m[2])];
    return typeof bit === 'number' ? bit : null;
  }

  private addCell(name: string, cell: YosysCell, kind: Kind, carryOutputs: Set<number>): void {
    const outputs = OUTPUT_PORTS[kind];
    const conns = Object.entries(cell.connections);
    const inputBits = conns.filter(([pin]) => !outputs.test(pin) && !CLOCK_PINS.test(pin)).flatMap(([pin, bits]) => bits.map((bit) => ({ pin, bit })));
    if (kind === 'seq') {
      const q = this.registerName(cell);
      for (const { pin, bit } of inputBits) if (typeof bit === 'number') this.endpoints.set(bit, `${q} (${cell.type}.${pin})`);
      return;
    }
    if (kind === 'clock') return;
    if (kind === 'lutram') {
      this.addLutram(name, cell, inputBits);
      return;
    }
    for (const [pin, bits] of conns) {
      if (!outputs.test(pin)) continue;
      bits.forEach((out, i) => {
        if (typeof out !== 'number') return;
        const ins = kind === 'carry' ? carryInputs(cell, pin as 'CO' | 'O', i) : inputBits;
        const arcs = ins.filter((x): x is { pin: string; bit: number } => typeof x.bit === 'number').map((x) => ({ from: x.bit, chained: kind === 'carry' && x.pin === 'CI' && carryOutputs.has(x.bit) }));
        this.drivers.set(out, { cell: name, type: cell.type, kind, arcs });
      });
    }
  }

  private addLutram(name: string, cell: YosysCell, inputBits: { pin: string; bit: BitRef }[]): void {
    const label = `${cell.type} ${name}`;
    for (const { pin, bit } of inputBits) if (typeof bit === 'number') this.endpoints.set(bit, `${label} (${pin})`);
    const arcs = inputBits.filter((x): x is { pin: string; bit: number } => typeof x.bit === 'number' && LUTRAM_READ_ADDRESS.test(x.pin)).map((x) => ({ from: x.bit, chained: false }));
    for (const [pin, bits] of Object.entries(cell.connections)) {
      if (!OUTPUT_PORTS.lutram.test(pin)) continue;
      for (const out of bits) if (typeof out === 'number') this.drivers.set(out, { cell: name, type: cell.type, kind: 'lut', arcs });
    }
  }

  /** A register cell is named by what it holds: its output net. */
  registerName(cell: YosysCell): string {
    const q = (cell.connections['Q'] ?? cell.connections['P'] ?? cell.connections['DOUTADOUT'] ?? [])[0];
    return typeof q === 'number' ? this.name(q) : cell.type;
  }
}

/** Best path into a bit, for one carry-run state. */
interface Best {
  levels: Levels;
  prev: { bit: number; odd: boolean } | null;
  type: string | null;
}

const ZERO: Levels = { lut: 0, carry: 0, carry4: 0, muxf: 0, dsp: 0, total: 0 };

function step(levels: Levels, kind: Kind, newCarryLevel: boolean): Levels {
  const next = { ...levels };
  if (kind === 'lut') next.lut++;
  else if (kind === 'muxf') next.muxf++;
  else if (kind === 'dsp') next.dsp++;
  else if (kind === 'carry') {
    next.carry4++;
    if (newCarryLevel) next.carry++;
  }
  next.total = next.lut + next.carry + next.muxf + next.dsp;
  return next;
}

/** [not in an odd run of chained carries, in an odd run] */
type BitBest = [Best, Best | null];

class LevelWalker {
  private readonly memo = new Map<number, BitBest>();

  constructor(private readonly net: Netlist) {}

  best(bit: number): BitBest {
    const done = this.memo.get(bit);
    if (done) return done;
    // iterative post-order walk: carry chains and deep logic must not overflow the JS stack
    const stack: { bit: number; expanded: boolean }[] = [{ bit, expanded: false }];
    const onStack = new Set<number>();
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (this.memo.has(top.bit)) {
        stack.pop();
        continue;
      }
      const driver = this.net.drivers.get(top.bit);
      if (!driver) {
        this.memo.set(top.bit, [{ levels: ZERO, prev: null, type: null }, null]);
        stack.pop();
        continue;
      }
      if (!top.expanded) {
        top.expanded = true;
        onStack.add(top.bit);
        for (const arc of driver.arcs) {
          if (this.memo.has(arc.from)) continue;
          if (onStack.has(arc.from)) throw new Error(`timing analysis: combinational loop through ${this.net.name(arc.from)}`);
          stack.push({ bit: arc.from, expanded: false });
        }
        continue;
      }
      onStack.delete(top.bit);
      stack.pop();
      this.memo.set(top.bit, this.combine(driver));
    }
    return this.memo.get(bit)!;
  }

  private combine(driver: Driver): BitBest {
    let even: Best | null = null;
    let odd: Best | null = null;
    const better = (a: Best | null, b: Best): Best => (a === null || b.levels.total > a.levels.total ? b : a);
    for (const arc of driver.arcs) {
      const [inEven, inOdd] = this.memo.get(arc.from)!;
      const sources: { best: Best; odd: boolean }[] = [{ best: inEven, odd: false }];
      if (inOdd) sources.push({ best: inOdd, odd: true });
      for (const src of sources) {
        const prev = { bit: arc.from, odd: src.odd };
        if (driver.kind !== 'carry') {
          even = better(even, { levels: step(src.best.levels, driver.kind, false), prev, type: driver.type });
        } else if (arc.chained && src.odd) {
          // the second CARRY4 of a CARRY8
          even = better(even, { levels: step(src.best.levels, 'carry', false), prev, type: driver.type });
        } else {
          odd = better(odd, { levels: step(src.best.levels, 'carry', true), prev, type: driver.type });
        }
      }
    }
    return [even ?? { levels: ZERO, prev: null, type: driver.type }, odd];
  }

  deepestAt(bit: number): { best: Best; odd: boolean } {
    const [even, odd] = this.best(bit);
    return odd && odd.levels.total > even.levels.total ? { best: odd, odd: true } : { best: even, odd: false };
  }

  /** The path into `bit`, start to end: start bit and cell types. */
  trace(bit: number, odd: boolean): { start: number; cells: string[] } {
    const cells: string[] = [];
    let cur: { bit: number; odd: boolean } = { bit, odd };
    for (;;) {
      const entry = this.memo.get(cur.bit)![cur.odd ? 1 : 0]!;
      if (!entry.prev) return { start: cur.bit, cells: cells.reverse() };
      cells.push(entry.type!);
      cur = entry.prev;
    }
  }
}

/** The deepest path to any endpoint, and how many endpoints are deeper than `budget` levels. */
export function analyzeLevels(net: Netlist, budget: number): LevelReport {
  const walker = new LevelWalker(net);
  const path = (e: { bit: number; odd: boolean; levels: Levels }): LevelPath => {
    const { start, cells } = walker.trace(e.bit, e.odd);
    return { start: net.name(start), end: net.endpoints.get(e.bit)!, levels: e.levels, cells };
  };
  let deepest: { bit: number; odd: boolean; levels: Levels } | null = null;
  let over = 0;
  const overByRegister = new Map<string, { bit: number; odd: boolean; levels: Levels }>();
  for (const [bit, label] of net.endpoints) {
    const { best, odd } = walker.deepestAt(bit);
    const entry = { bit, odd, levels: best.levels };
    if (best.levels.total > budget) {
      over++;
      const register = label.replace(/\[\d+\]/g, '');
      const seen = overByRegister.get(register);
      if (!seen || seen.levels.total < best.levels.total) overByRegister.set(register, entry);
    }
    if (deepest === null || best.levels.total > deepest.levels.total) deepest = entry;
  }
  if (deepest === null) return { deepest: null, over_budget: [], endpoints_over: 0, endpoints: 0, budget };
  const overBudget = [...overByRegister.values()].sort((a, b) => b.levels.total - a.levels.total).map(path);
  return {
    deepest: path(deepest),
    over_budget: overBudget,
    endpoints_over: over,
    endpoints: net.endpoints.size,
    budget,
  };
}

/** The top module of a yosys JSON netlist. */
export function topModule(json: string, top: string): YosysModule {
  const doc = JSON.parse(json) as { modules?: Record<string, YosysModule> };
  const module = doc.modules?.[top];
  if (!module) throw new Error(`yosys netlist has no module ${top} (modules: ${Object.keys(doc.modules ?? {}).join(', ')})`);
  return module;
}
