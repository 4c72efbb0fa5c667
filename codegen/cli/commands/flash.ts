/**
 * `nicsched flash <bit> --board B (--jtag | --pcie DEV)`: refuse a bitstream for another part,
 * another policy (UserID) or another application (APP_ID in the build manifest); print the exact
 * programming commands (dry run, the default) or run them with --yes.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseBitHeader, type BitHeader } from '../../fpga/bitfile.js';
import { checkFlash, flashPlan, formatCommand, readManifest, XRT_WARNING, type FlashMethod, type FlashPlan } from '../../fpga/flash.js';
import { findTool, ToolMissingError } from '../../fpga/tools.js';
import type { CompiledPolicy } from '../../compiled.js';
import { loadPolicy } from '../../policy.js';
import type { Board } from '../../spec/boards.js';
import { APP_ID } from '../../ir/constants.js';
import { inputError } from '../../util/errors.js';
import { hexUpper } from '../../util/hex.js';
import { EXIT_INPUT } from '../exit.js';
import type { CommandContext } from './index.js';
import { boardOption, withToolCheck } from './lab-tools.js';

interface FlashOptions {
  board: string;
  policy?: string;
  jtag?: boolean;
  hwServer: string;
  pcie?: string;
  yes?: boolean;
  json?: boolean;
}

function method(opts: FlashOptions): FlashMethod {
  if (Boolean(opts.jtag) === (opts.pcie !== undefined)) throw inputError('choose exactly one of --jtag and --pcie DEV', {}, 'e.g. --jtag, or --pcie /dev/mqnic0');
  return opts.jtag ? { kind: 'jtag', hwServer: opts.hwServer } : { kind: 'pcie', device: opts.pcie! };
}

function readBit(file: string): { path: string; header: BitHeader } {
  const path = resolve(file);
  if (!existsSync(path)) throw inputError('bitstream not found', { file }, 'pass the fpga.bit written by nicsched build');
  return { path, header: parseBitHeader(readFileSync(path), file) };
}

function describe(bit: string, header: BitHeader, board: Board, policy: CompiledPolicy | undefined, manifestFile: string | undefined): string[] {
  const userId = header.userId === null ? 'none' : hexUpper(header.userId, 8);
  return [
    `bitstream ${bit}`,
    `  design   ${header.design}`,
    `  part     ${header.part} (${board.name}: ${board.part})`,
    `  built    ${header.date} ${header.time}`,
    `  length   ${header.bitstreamLength} bytes`,
    `  UserID   ${userId}${policy ? ` = policy ${policy.ir.name} ${policy.hash}` : ' (not checked: no --policy)'}`,
    `  APP_ID   ${manifestFile ? `${hexUpper(APP_ID, 8)} (${manifestFile})` : 'not checked: no nicsched-build.json next to the .bit'}`,
  ];
}

function planText(plan: FlashPlan, methodKind: FlashMethod['kind'], yes: boolean): string[] {
  const lines = [yes ? 'running:' : 'dry run, nothing ran; with --yes nicsched runs:'];
  for (const argv of plan.commands) lines.push(`  ${formatCommand(argv)}`);
  if (plan.script) {
    lines.push(`with ${plan.script.path}:`);
    for (const l of plan.script.contents.trimEnd().split('\n')) lines.push(`  ${l}`);
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (methodKind === 'jtag') lines.push(...XRT_WARNING);
  return lines;
}

/** Xilinx-shell PCIe functions the host sees now (lspci), for the JTAG warning; empty when lspci is absent. */
function xrtShells(): string[] {
  const lspci = findTool('lspci');
  if (!lspci) return [];
  const r = spawnSync(lspci, ['-nn', '-d', '10ee:'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => /\[10ee:50[0-9a-f]{2}\]/i.test(l));
}

function run(ctx: CommandContext, plan: FlashPlan, toolPath: string): void {
  if (plan.script) writeFileSync(plan.script.path, plan.script.contents);
  for (const argv of plan.commands) {
    const r = spawnSync(toolPath, argv.slice(1), { stdio: 'inherit' });
    if (r.status !== 0) {
      ctx.io.err(`error: ${formatCommand(argv)} exited with ${r.status ?? r.signal}\n`);
      ctx.state.exitCode = EXIT_INPUT;
      return;
    }
  }
  ctx.io.out('done\n');
}

function runFlash(ctx: CommandContext, file: string, opts: FlashOptions): void {
  const board = boardOption(opts.board);
  const how = method(opts);
  const { path, header } = readBit(file);
  const policy = opts.policy ? loadPolicy(opts.policy) : undefined;
  const manifest = readManifest(path);
  checkFlash({ header, board, bitFile: path, policy, manifest });
  const plan = flashPlan(path, board, how);
  if (opts.json && !opts.yes) {
    ctx.json({ bitstream: path, header, board: board.name, part: board.part, policy_hash: policy?.hash ?? null, manifest: manifest?.file ?? null, dry_run: true, commands: plan.commands, script: plan.script ?? null, notes: plan.notes });
    return;
  }
  const text = [...describe(path, header, board, policy, manifest?.file), '', ...planText(plan, how.kind, Boolean(opts.yes))];
  ctx.io.out(text.join('\n') + '\n');
  if (!opts.yes) return;
  const tool = findTool(plan.tool);
  if (!tool) throw new ToolMissingError(plan.tool, `${plan.tool} is not on PATH; nothing ran`, plan.commands.map(formatCommand));
  if (how.kind === 'jtag') for (const shell of xrtShells()) ctx.io.err(`warning: XRT shell present: ${shell}\n`);
  run(ctx, plan, tool);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('flash')
    .description('check a .bit against the board, policy and build manifest, then print (or with --yes run) the JTAG or PCIe programming commands')
    .argument('<bit>', 'the fpga.bit written by nicsched build')
    .requiredOption('--board <board>', 'au50 | au200 | au250 | au280')
    .option('--policy <policy>', 'the policy the bitstream must carry (UserID = first 32 bits of its hash)')
    .option('--jtag', "program the FPGA over JTAG with Vivado's hardware manager (volatile)")
    .option('--hw-server <host:port>', 'hw_server for --jtag', 'localhost:3121')
    .option('--pcie <dev>', "write the configuration flash with Corundum's mqnic-fw and boot from it (/dev/mqnic0, interface or PCI address)")
    .option('--yes', 'run the commands (default: print them)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: FlashOptions) => {
      await withToolCheck(ctx, Boolean(opts.json), () => runFlash(ctx, file, opts));
    });
}
