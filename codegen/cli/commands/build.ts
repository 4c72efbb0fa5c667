/**
 * `nicsched build <policy> --board B -o DIR`: write a Corundum app project for the board
 * (atomically), then run Vivado on it when Vivado is found. Without Vivado: exit 3 with the exact
 * commands. Success is only ever reported with a bitstream whose UserID is the policy's.
 */

import { shortHash } from '../../ir/canonical.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseBitHeader } from '../../fpga/bitfile.js';
import { checkUserId } from '../../fpga/flash.js';
import { BITSTREAM_FILE, buildManifest, corundumBoardDir, emitProject, projectDirName, stockProject, type BuildManifest } from '../../fpga/project.js';
import { findTool, ToolMissingError } from '../../fpga/tools.js';
import { BUILD_STAGES, buildCommand, runVivadoBuild } from '../../fpga/vivado.js';
import { parseTimingSummary, parseUtilization } from '../../fpga/vivado-reports.js';
import type { CompiledPolicy } from '../../compiled.js';
import { loadPolicy } from '../../policy.js';
import type { Board } from '../../spec/boards.js';
import { inputError } from '../../util/errors.js';
import { writeOutputDir } from '../../util/output.js';
import { EXIT_INPUT } from '../exit.js';
import type { CommandContext } from './index.js';
import { boardOption, withToolCheck } from './lab-tools.js';

interface BuildOptions {
  board: string;
  corundum?: string;
  vivado?: string;
  jobs: number;
  output: string;
  json?: boolean;
}

/** The commands the lab runs: regenerate with --corundum/--vivado, or run build.tcl by hand. */
function labCommands(policyFile: string, board: Board, opts: BuildOptions): string[] {
  const projectDir = join(resolve(opts.output), projectDirName(board));
  const corundum = opts.corundum ? resolve(opts.corundum) : '<corundum>';
  const boardDir = opts.corundum ? corundumBoardDir(corundum) : `${corundum}/fpga/mqnic/Alveo/fpga_100g`;
  const manual = buildCommand({ vivado: 'vivado', projectDir, corundumBoard: boardDir, jobs: opts.jobs });
  return [
    '# with Vivado (2022.2 or newer, with UltraScale+ device support) and a Corundum checkout (corundum/corundum @ 1ca0151b layout):',
    `nicsched build ${policyFile} --board ${board.name} --corundum ${corundum} --vivado <path/to/vivado> --jobs ${opts.jobs} -o ${resolve(opts.output)}`,
    '# or run the written project by hand:',
    `cd ${projectDir}`,
    `${Object.entries(manual.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} ${manual.argv.join(' ')}`,
    "# or with Corundum's own flow (vivado.mk):",
    `make -C ${projectDir} CORUNDUM_BOARD=${boardDir}`,
  ];
}

function missingTools(vivado: string | undefined, opts: BuildOptions): string[] {
  const missing: string[] = [];
  if (!vivado) missing.push(opts.vivado ? `Vivado: ${opts.vivado} is not an executable file` : 'Vivado: no `vivado` on PATH (give --vivado BIN)');
  if (!opts.corundum) missing.push('Corundum: no --corundum DIR (a checkout holding fpga/mqnic/Alveo/fpga_100g)');
  return missing;
}

function checkCorundum(corundum: string, board: Board): string {
  const boardDir = corundumBoardDir(corundum);
  const stock = join(boardDir, stockProject(board), 'Makefile');
  if (!existsSync(stock)) throw inputError(`no Corundum stock project for ${board.name}: ${stock} does not exist`, { file: corundum }, 'pass --corundum the root of a corundum/corundum checkout');
  const part = /^FPGA_PART\s*=\s*(\S+)/m.exec(readFileSync(stock, 'utf8'))?.[1];
  if (part !== board.part) throw inputError(`Corundum's ${stockProject(board)} targets ${part ?? 'no FPGA_PART'}, nicsched's ${board.name} is ${board.part}`, { file: stock }, 'use a Corundum checkout whose board projects match codegen/spec/boards.ts');
  return boardDir;
}

interface BuildResult {
  manifest: BuildManifest;
  bitstream: string;
  utilization: ReturnType<typeof parseUtilization>;
  timing: ReturnType<typeof parseTimingSummary>;
}

/** After Vivado: a bitstream must exist and carry the policy's UserID; then the reports are read. */
function collectResults(projectDir: string, policy: CompiledPolicy, manifest: BuildManifest): BuildResult {
  const bitstream = join(projectDir, BITSTREAM_FILE);
  if (!existsSync(bitstream)) throw new Error(`Vivado finished but wrote no ${bitstream}; see ${join(projectDir, 'build.log')}`);
  checkUserId(parseBitHeader(readFileSync(bitstream), bitstream), bitstream, policy);
  const utilization = parseUtilization(readFileSync(join(projectDir, 'fpga_utilization.rpt'), 'utf8'));
  const timing = parseTimingSummary(readFileSync(join(projectDir, 'fpga_timing_summary.rpt'), 'utf8'));
  return { manifest, bitstream, utilization, timing };
}

function formatResult(r: BuildResult): string {
  const u = r.utilization;
  return (
    [
      `bitstream ${r.bitstream} (UserID ${r.manifest.user_id}, ${r.manifest.part})`,
      `utilization (Vivado, whole design): LUT ${u.lut.used} (${u.lut.percent}%), FF ${u.ff.used} (${u.ff.percent}%), BRAM tiles ${u.bram_tile.used} (${u.bram_tile.percent}%), DSP ${u.dsp.used} (${u.dsp.percent}%)`,
      `timing (Vivado): WNS ${r.timing.wns_ns} ns, WHS ${r.timing.whs_ns} ns, ${r.timing.met ? 'all constraints met' : 'CONSTRAINTS NOT MET'}`,
    ].join('\n') + '\n'
  );
}

async function runBuild(ctx: CommandContext, file: string, opts: BuildOptions): Promise<void> {
  const board = boardOption(opts.board);
  if (!Number.isInteger(opts.jobs) || opts.jobs < 1) throw inputError(`--jobs must be a positive integer, got ${opts.jobs}`, {}, 'e.g. --jobs 8');
  const policy: CompiledPolicy = loadPolicy(file);
  const corundumBoard = opts.corundum ? checkCorundum(opts.corundum, board) : undefined;
  const files = emitProject(policy, board, { corundum: opts.corundum });
  writeOutputDir(opts.output, files, `${policy.hash}\n`);
  const manifest = buildManifest(policy, board);
  const projectDir = join(resolve(opts.output), projectDirName(board));
  if (!opts.json) ctx.io.out(`wrote ${projectDir} (${files.length} files; policy ${shortHash(policy.hash)}, UserID ${manifest.user_id}, APP_ID ${manifest.app_id}, ${board.part})\n`);

  const vivado = findTool('vivado', opts.vivado);
  const missing = missingTools(vivado, opts);
  if (!vivado || !corundumBoard) {
    throw new ToolMissingError('vivado', `cannot build a bitstream here; missing: ${missing.join('; ')}. The project is written; nothing ran.`, labCommands(file, board, opts));
  }
  const code = await runVivadoBuild({ vivado, projectDir, corundumBoard, jobs: opts.jobs }, (stage) => {
    if (!opts.json) ctx.io.out(`[${BUILD_STAGES.indexOf(stage) + 1}/${BUILD_STAGES.length}] ${stage}\n`);
  });
  if (code !== 0) {
    ctx.io.err(`error: Vivado exited with ${code}; see ${join(projectDir, 'build.log')}\n`);
    ctx.state.exitCode = EXIT_INPUT;
    return;
  }
  let result: BuildResult;
  try {
    result = collectResults(projectDir, policy, manifest);
  } catch (err) {
    ctx.io.err(`error: ${(err as Error).message}\n`);
    ctx.state.exitCode = EXIT_INPUT;
    return;
  }
  if (opts.json) ctx.json({ status: 'built', ...result });
  else ctx.io.out(formatResult(result));
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('build')
    .description('write a Corundum app project for an Alveo board and build the bitstream with Vivado (exit 3 with the lab commands when Vivado is missing)')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .requiredOption('--board <board>', 'au50 | au200 | au250 | au280')
    .option('--corundum <dir>', 'a corundum/corundum checkout (its fpga/mqnic/Alveo/fpga_100g board projects)')
    .option('--vivado <bin>', 'the vivado executable (default: vivado on PATH)')
    .option('--jobs <n>', 'parallel Vivado jobs', (v) => Number(v), 4)
    .requiredOption('-o, --output <dir>', 'output directory (created; replaced only if nicsched made it)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: BuildOptions) => {
      await withToolCheck(ctx, Boolean(opts.json), () => runBuild(ctx, file, opts));
    });
}
