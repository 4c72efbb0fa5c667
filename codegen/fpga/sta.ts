/**
 * The critical path yosys `sta` prints: the latest arrival at any endpoint, from the cell delay
 * models synth_xilinx -abc9 attaches (LUT pin-to-output delays, flip-flop clock-to-Q and setup,
 * clock buffer), walked back to its start. Net names are resolved against the netlist yosys wrote
 * after `sta` (its public names, the register a bit belongs to).
 */

export interface StaStep {
  /** Arrival at this cell's output, ps. */
  arrival_ps: number;
  cell: string;
  type: string;
  /** Input pin -> output pin. */
  arc: string;
  /** The net the cell drives. */
  net: string;
}

export interface StaReport {
  arrival_ps: number;
  /** The endpoint cell, its type and pin (FDRE, D), or null when the path ends on a cell without timing arcs (CARRY4, DSP48E2, MUXF) or an output. */
  endpoint: { cell: string; type: string; pin: string } | null;
  /** The net the path ends on. */
  end_net: string;
  /** The net the path starts from (a register output or a top-level input). */
  start_net: string;
  /** Cells from the start to the end, clock tree excluded. */
  steps: StaStep[];
}

/** A net as yosys prints it: `\name [3]`, `name`, `$abc$12$n5`. */
function netName(text: string): string {
  const m = /^\\?(.*?)(?: \[(\d+)\])?$/.exec(text.trim())!;
  return m[2] === undefined ? m[1]! : `${m[1]}[${m[2]}]`;
}

function cellName(text: string): string {
  return text.startsWith('\\') ? text.slice(1) : text;
}

const HEADER = /^Latest arrival time in '([^']+)' is (-?\d+):$/;
const ENDPOINT = /^\s+(-?\d+) (\S+) \(([\w$]+)\.(\w+)\)$/;
const ENDPOINT_UNKNOWN = /^\s+(-?\d+) \((<unknown>|<primary output>)\)$/;
const DRIVER = /^\s+(-?\d+) (\S+) \(([\w$]+)\.(\w+)->(\w+)\)$/;
const PRIMARY_INPUT = /^\s+(-?\d+)\s+(\S+(?: \[\d+\])?) \(<primary input>\)$/;
const NET = /^ {11}(\S.*)$/;
/** Clock tree cells: the path is reported from the register that launches it. */
const CLOCK_TREE = /^BUFG/;
const REGISTER = /^(FD[RSCP]E|SRL|RAMB|DSP48E2)/;

/**
 * Parse the text of yosys `sta` (0.23). Returns null when it found no timing path. The printed
 * path goes from the end back to the clock input; it is returned start to end, beginning at the
 * register (or input) that launches it.
 */
export function parseSta(text: string): StaReport | null {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => HEADER.test(l));
  if (at < 0) {
    if (/No timing paths found/.test(text)) return null;
    throw new Error('yosys sta: no "Latest arrival time" line in its output');
  }
  const arrival = Number(HEADER.exec(lines[at]!)![2]);
  let endpoint: StaReport['endpoint'] = null;
  const backwards: StaStep[] = [];
  let pendingNet: string | null = null;
  let endNet: string | null = null;
  let startNet: string | null = null;
  for (const line of lines.slice(at + 1)) {
    let m: RegExpExecArray | null;
    if (backwards.length === 0 && endNet === null && (m = ENDPOINT.exec(line)) && !DRIVER.test(line)) {
      endpoint = { cell: cellName(m[2]!), type: m[3]!, pin: m[4]! };
    } else if (ENDPOINT_UNKNOWN.test(line)) {
      endpoint = null;
    } else if ((m = NET.exec(line))) {
      pendingNet = netName(m[1]!);
      endNet ??= pendingNet;
    } else if ((m = DRIVER.exec(line))) {
      if (pendingNet === null) throw new Error(`yosys sta: a cell without the net it drives: ${line.trim()}`);
      backwards.push({ arrival_ps: Number(m[1]), cell: cellName(m[2]!), type: m[3]!, arc: `${m[4]}->${m[5]}`, net: pendingNet });
      pendingNet = null;
    } else if ((m = PRIMARY_INPUT.exec(line))) {
      startNet = netName(m[2]!);
      break;
    } else if (line.trim() !== '' && !/^Warning:/.test(line)) {
      break; // the histogram or the next pass
    }
  }
  const steps = backwards.reverse();
  // start at the register that launches the path: drop the clock tree in front of it
  const launch = steps.findIndex((s) => REGISTER.test(s.type));
  const path = launch >= 0 ? steps.slice(launch) : steps.filter((s) => !CLOCK_TREE.test(s.type));
  const start = launch >= 0 ? path.shift()!.net : startNet;
  if (start === null || endNet === null) throw new Error('yosys sta: could not read the critical path');
  return { arrival_ps: arrival, endpoint, end_net: endNet, start_net: start, steps: path };
}
