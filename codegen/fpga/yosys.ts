/**
 * Yosys synthesis of the generated RTL for an UltraScale+ estimate: `synth_xilinx -family xcup
 * -noiopad -flatten`, cell counts (LUT, FF, DSP48E2, BRAM, CARRY) and the longest chain of
 * combinational cells between registers. bench/rtl.mjs and `nicsched estimate` both call this.
 * Results are cached by content (RTL sources + yosys version) under ~/.cache/nicsched/estimate.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmittedFile } from '../util/output.js';
import { findTool, ToolMissingError } from './tools.js';

/** Sources yosys reads, in order (the include files are found through -I). */
const YOSYS_SOURCES = ['nicsched_argmax.v', 'nicsched_weight_bank.v', 'nicsched_dense.v', 'nicsched_app.v', 'nicsched_policy.v', 'nicsched_top.v'];
/** Everything the synthesis result depends on: the sources and the headers they include. */
const YOSYS_INPUTS = [...YOSYS_SOURCES, 'nicsched_regs.vh', 'nicsched_policy.vh'];

export interface YosysCounts {
  lut: number;
  ff: number;
  dsp: number;
  bram: number;
  carry: number;
  /** Longest chain of LUT/CARRY/MUX cells between registers, DSPs or BRAMs (yosys `ltp`), or null. */
  ltp: number | null;
}

export interface YosysResult {
  counts: YosysCounts;
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

function synthScript(rtlDir: string, top: string): string {
  return [
    `read_verilog -I${rtlDir} ${YOSYS_SOURCES.map((s) => join(rtlDir, s)).join(' ')}`,
    `synth_xilinx -family xcup -noiopad -flatten -top ${top}`,
    `tee -o ${join(rtlDir, 'stat.txt')} stat`,
    // Cut every path at flip-flops, DSP slices (registered inside), block RAMs and clock buffers,
    // so ltp measures the deepest chain of LUT/CARRY/MUX cells between registers.
    'delete t:FD* t:DSP48E2 t:RAMB* t:BUFG',
    `tee -o ${join(rtlDir, 'ltp.txt')} ltp`,
  ].join('\n') + '\n';
}

function sumMatches(text: string, re: RegExp): number {
  return [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Cell counts from the text of yosys `stat` and `ltp`. */
export function parseYosysStat(stat: string, ltp: string): YosysCounts {
  const path = /Longest topological path in \S+ \(length=(\d+)\)/.exec(ltp);
  return {
    lut: sumMatches(stat, /^\s+LUT\d\s+(\d+)$/gm),
    ff: sumMatches(stat, /^\s+FD[A-Z]+\s+(\d+)$/gm),
    dsp: sumMatches(stat, /^\s+DSP48E\d\s+(\d+)$/gm),
    bram: sumMatches(stat, /^\s+RAMB\d+\S*\s+(\d+)$/gm),
    carry: sumMatches(stat, /^\s+CARRY\d\s+(\d+)$/gm),
    ltp: path ? Number(path[1]) : null,
  };
}

/** Synthesize the RTL in `rtlDir` (a compile output's rtl/) with `top` as the top module. */
export function synthesize(rtlDir: string, top = 'nicsched_top', yosys = requireYosys()): YosysCounts {
  const script = join(rtlDir, 'synth.ys');
  writeFileSync(script, synthScript(rtlDir, top));
  const r = spawnSync(yosys, ['-q', '-s', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`yosys failed:\n${r.stderr.slice(-3000)}`);
  return parseYosysStat(readFileSync(join(rtlDir, 'stat.txt'), 'utf8'), readFileSync(join(rtlDir, 'ltp.txt'), 'utf8'));
}

function estimateCacheDir(): string {
  return process.env.NICSCHED_ESTIMATE_CACHE ?? join(homedir(), '.cache/nicsched/estimate');
}

/** SHA-256 over the yosys version, the top and every RTL input (name and contents). */
export function synthesisKey(rtlFiles: readonly EmittedFile[], top: string, version: string): string {
  const hash = createHash('sha256');
  hash.update(`yosys\0${version}\0top\0${top}\0script\0${synthScript('<rtl>', top)}\0`);
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
    return { counts: JSON.parse(readFileSync(cacheFile, 'utf8')) as YosysCounts, version, cacheKey, cached: true };
  }
  const work = mkdtempSync(join(tmpdir(), 'nicsched-yosys-'));
  try {
    for (const f of rtlFiles) if (f.path.startsWith('rtl/')) writeFileSync(join(work, f.path.slice(4)), f.contents);
    const counts = synthesize(work, top, yosys);
    mkdirSync(cacheDir, { recursive: true });
    const temp = `${cacheFile}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify(counts) + '\n');
    renameSync(temp, cacheFile);
    return { counts, version, cacheKey, cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
