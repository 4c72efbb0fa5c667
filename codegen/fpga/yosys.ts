/**
 * Yosys synthesis of the generated RTL for an UltraScale+ estimate: `synth_xilinx -family xcup
 * -noiopad -flatten -abc9`, cell counts (LUT, FF, DSP48E2, BRAM, CARRY) and timing evidence: the
 * critical path by arrival (yosys `sta` on the -abc9 cell delay models) and the deepest path by
 * logic levels (codegen/fpga/netlist-levels.ts on the netlist yosys writes). bench/rtl.mjs and
 * `nicsched estimate` both call this. Results are cached by content (RTL sources, script, yosys
 * version, timing analysis version) under ~/.cache/nicsched/estimate.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RTL_LIBRARY } from '../backends/rtl/rtl-backend.js';
import type { EmittedFile } from '../util/output.js';
import { synthTiming, type SynthTiming } from './timing-budget.js';
import { findTool, ToolMissingError } from './tools.js';

/**
 * Sources yosys reads, in order: the RTL library (without the Corundum wrapper, which needs
 * Corundum's own modules) and the generated tops; the include files are found through -I.
 */
const YOSYS_SOURCES = [...RTL_LIBRARY.filter((f) => f.endsWith('.v') && f !== 'mqnic_app_block.v'), 'nicsched_policy.v', 'nicsched_top.v'];
/** Everything the synthesis result depends on: the sources and the headers they include. */
const YOSYS_INPUTS = [...YOSYS_SOURCES, ...RTL_LIBRARY.filter((f) => f.endsWith('.vh')), 'nicsched_policy.vh'];
/** Bump when the analysis of yosys's output changes what a cached result holds. */
const ANALYSIS_VERSION = 'timing-1';

export interface YosysCounts {
  lut: number;
  ff: number;
  dsp: number;
  bram: number;
  carry: number;
}

export interface Synthesis {
  counts: YosysCounts;
  timing: SynthTiming;
}

export interface YosysResult extends Synthesis {
  version: string;
  cacheKey: string;
  cached: boolean;
}

const YOSYS_INSTALL = 'sudo apt-get install yosys';

function requireYosys(): string {
  const yosys = findTool('yosys');
  if (!yosys) {
    throw new ToolMissingError('yosys', 'yosys is not installed (nicsched estimate synthesizes the generated RTL with yosys 0.23 or newer)', [YOSYS_INSTALL], 'install it (Debian/Ubuntu), then run the command again:');
  }
  return yosys;
}

function yosysVersion(yosys = requireYosys()): string {
  const r = spawnSync(yosys, ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${yosys} -V failed: ${r.stderr}`);
  return r.stdout.trim();
}

function synthScript(rtlDir: string, top: string, sources: readonly string[] = YOSYS_SOURCES): string {
  return (
    [
      `read_verilog -I${rtlDir} ${sources.map((s) => join(rtlDir, s)).join(' ')}`,
      `synth_xilinx -family xcup -noiopad -flatten -abc9 -top ${top}`,
      `tee -q -o ${join(rtlDir, 'stat.txt')} stat`,
      `tee -q -o ${join(rtlDir, 'sta.txt')} sta`,
      // the netlist alone (the cell library modules are not needed to walk it)
      'delete =A:blackbox =A:whitebox',
      `write_json ${join(rtlDir, 'netlist.json')}`,
    ].join('\n') + '\n'
  );
}

function sumMatches(text: string, re: RegExp): number {
  return [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Cell counts from the text of yosys `stat`. */
export function parseYosysStat(stat: string): YosysCounts {
  return {
    lut: sumMatches(stat, /^\s+LUT\d\s+(\d+)$/gm),
    ff: sumMatches(stat, /^\s+FD[A-Z]+\s+(\d+)$/gm),
    dsp: sumMatches(stat, /^\s+DSP48E\d\s+(\d+)$/gm),
    bram: sumMatches(stat, /^\s+RAMB\d+\S*\s+(\d+)$/gm),
    carry: sumMatches(stat, /^\s+CARRY\d\s+(\d+)$/gm),
  };
}

/** Synthesize the RTL in `rtlDir` (a compile output's rtl/, or `sources` there) with `top` as the top module. */
export function synthesize(rtlDir: string, top = 'nicsched_top', yosys = requireYosys(), sources: readonly string[] = YOSYS_SOURCES): Synthesis {
  const script = join(rtlDir, 'synth.ys');
  writeFileSync(script, synthScript(rtlDir, top, sources));
  const r = spawnSync(yosys, ['-q', '-s', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`yosys failed:\n${r.stderr.slice(-3000)}`);
  const counts = parseYosysStat(readFileSync(join(rtlDir, 'stat.txt'), 'utf8'));
  const timing = synthTiming(readFileSync(join(rtlDir, 'sta.txt'), 'utf8'), readFileSync(join(rtlDir, 'netlist.json'), 'utf8'), top);
  return { counts, timing };
}

function estimateCacheDir(): string {
  return process.env.NICSCHED_ESTIMATE_CACHE ?? join(homedir(), '.cache/nicsched/estimate');
}

/** SHA-256 over the yosys version, the top and every RTL input (name and contents). */
export function synthesisKey(rtlFiles: readonly EmittedFile[], top: string, version: string): string {
  const hash = createHash('sha256');
  hash.update(`yosys\0${version}\0top\0${top}\0script\0${synthScript('<rtl>', top)}\0analysis\0${ANALYSIS_VERSION}\0`);
  for (const name of YOSYS_INPUTS) {
    const file = rtlFiles.find((f) => f.path === `rtl/${name}`);
    if (!file) throw new Error(`RTL backend did not emit rtl/${name}`);
    hash.update(`${name}\0${file.contents}\0`);
  }
  return hash.digest('hex');
}

/** Synthesize emitted RTL files (the rtl backend's output), reusing a cached result with the same key. */
export function synthesizeCached(rtlFiles: readonly EmittedFile[], top = 'nicsched_top', cacheDir = estimateCacheDir()): YosysResult {
  const yosys = requireYosys();
  const version = yosysVersion(yosys);
  const cacheKey = synthesisKey(rtlFiles, top, version);
  const cacheFile = join(cacheDir, `${cacheKey}.json`);
  if (existsSync(cacheFile)) {
    return { ...(JSON.parse(readFileSync(cacheFile, 'utf8')) as Synthesis), version, cacheKey, cached: true };
  }
  const work = mkdtempSync(join(tmpdir(), 'nicsched-yosys-'));
  try {
    for (const f of rtlFiles) if (f.path.startsWith('rtl/')) writeFileSync(join(work, f.path.slice(4)), f.contents);
    const result = synthesize(work, top, yosys);
    mkdirSync(cacheDir, { recursive: true });
    const temp = `${cacheFile}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify(result) + '\n');
    renameSync(temp, cacheFile);
    return { ...result, version, cacheKey, cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
