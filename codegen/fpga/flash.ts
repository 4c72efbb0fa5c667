/**
 * `nicsched flash`: check a .bit against the board, the policy and the build manifest, then plan
 * (or, with --yes, run) the programming commands: Vivado's hardware manager over JTAG, or
 * Corundum's mqnic-fw over PCIe (write + verify the configuration flash, then boot from it).
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { render } from '../util/templates.js';
import { APP_ID } from '../ir/constants.js';
import { policyHash32 } from '../ir/canonical.js';
import type { CompiledPolicy } from '../compiled.js';
import type { Board } from '../spec/boards.js';
import { inputError } from '../util/errors.js';
import { hexUpper } from '../util/hex.js';
import type { BitHeader } from './bitfile.js';
import { MANIFEST_FILE, type BuildManifest } from './project.js';

export type FlashMethod = { kind: 'jtag'; hwServer: string } | { kind: 'pcie'; device: string };

const JTAG_TCL = 'nicsched_program.tcl';

const hex8 = (n: number) => hexUpper(n, 8);

/** `xcu250-figd2104-2-e` and `xcu250` (or `u250…` without the xc) name the same device. */
function partMatches(headerPart: string, board: Board): boolean {
  const device = (p: string) => p.toLowerCase().replace(/^xc/, '').split('-')[0];
  return device(headerPart) === device(board.part);
}

export function readManifest(bitFile: string): { manifest: BuildManifest; file: string } | null {
  const file = join(dirname(bitFile), MANIFEST_FILE);
  if (!existsSync(file)) return null;
  try {
    return { manifest: JSON.parse(readFileSync(file, 'utf8')) as BuildManifest, file };
  } catch (err) {
    throw inputError(`build manifest is not JSON: ${(err as Error).message}`, { file }, 'remove it or rebuild with nicsched build');
  }
}

export interface FlashChecks {
  header: BitHeader;
  board: Board;
  bitFile: string;
  policy?: CompiledPolicy;
  manifest?: { manifest: BuildManifest; file: string } | null;
}

function checkPart({ header, board, bitFile }: FlashChecks): void {
  if (partMatches(header.part, board)) return;
  throw inputError(`bitstream is for part ${header.part}, but --board ${board.name} is ${board.part}`, { file: bitFile }, `flash a bitstream built with nicsched build --board ${board.name}, or pass the board it was built for`);
}

/** The bitstream's UserID must be the first 32 bits of the policy hash (`nicsched build` and `flash`). */
export function checkUserId(header: BitHeader, bitFile: string, policy: CompiledPolicy): void {
  const expected = policyHash32(policy.hash);
  if (header.userId === null) {
    throw inputError(`bitstream header carries no UserID (design "${header.design}"), so it cannot be matched to policy ${policy.ir.name}`, { file: bitFile }, 'build it with nicsched build, which sets BITSTREAM.CONFIG.USERID to the policy hash');
  }
  if (header.userId !== expected) {
    throw inputError(`bitstream UserID ${hex8(header.userId)} is not policy ${policy.ir.name}'s hash ${hex8(expected)} (${policy.hash})`, { file: bitFile }, 'pass the policy this bitstream was built from, or rebuild it for this policy');
  }
}

function checkManifest({ header, board, policy, manifest }: FlashChecks): void {
  if (!manifest) return;
  const { manifest: m, file } = manifest;
  if (m.app_id !== hex8(APP_ID)) throw inputError(`build manifest APP_ID ${m.app_id} is not nicsched's ${hex8(APP_ID)}`, { file, pointer: '/app_id' }, 'this bitstream was not built by this nicsched; rebuild it');
  if (m.board !== board.name) throw inputError(`build manifest says board ${m.board}, --board is ${board.name}`, { file, pointer: '/board' }, `pass --board ${m.board} or flash a bitstream built for ${board.name}`);
  if (header.userId !== null && m.user_id !== hex8(header.userId)) {
    throw inputError(`build manifest UserID ${m.user_id} does not match the bitstream header's ${hex8(header.userId)}`, { file, pointer: '/user_id' }, 'the manifest belongs to another build; rebuild');
  }
  if (policy && m.policy_hash !== policy.hash) throw inputError(`build manifest policy hash ${m.policy_hash} is not --policy's ${policy.hash}`, { file, pointer: '/policy_hash' }, 'pass the policy this bitstream was built from');
}

/** Every refusal is an InputError (exit 1) naming the file and the fix. */
export function checkFlash(checks: FlashChecks): void {
  checkPart(checks);
  if (checks.policy) checkUserId(checks.header, checks.bitFile, checks.policy);
  checkManifest(checks);
}

function jtagTcl(bitFile: string, board: Board, hwServer: string): string {
  // A TCL word in braces: no substitution inside, so any path is taken literally.
  if (/[{}\\]/.test(bitFile)) throw inputError('the .bit path contains a brace or backslash, which the programming TCL cannot quote', { file: bitFile }, 'move or rename the file');
  return render('fpga/program_jtag.tcl.hbs', { bitBraced: `{${bitFile}}`, hwServer, hwDevice: `${board.device}_0` });
}

export interface FlashPlan {
  tool: 'vivado' | 'mqnic-fw';
  /** The command lines, in order. */
  commands: string[][];
  /** For JTAG: the TCL script written next to the .bit before Vivado runs. */
  script?: { path: string; contents: string };
  notes: string[];
}

export function flashPlan(bitFile: string, board: Board, method: FlashMethod): FlashPlan {
  if (method.kind === 'jtag') {
    const path = join(dirname(bitFile), JTAG_TCL);
    return {
      tool: 'vivado',
      commands: [['vivado', '-mode', 'batch', '-nojournal', '-nolog', '-source', path]],
      script: { path, contents: jtagTcl(bitFile, board, method.hwServer) },
      notes: ['JTAG programming is volatile: the card boots the flash image again at the next power cycle.'],
    };
  }
  return {
    tool: 'mqnic-fw',
    commands: [
      ['mqnic-fw', '-d', method.device, '-w', bitFile, '-y'],
      ['mqnic-fw', '-d', method.device, '-b', '-y'],
    ],
    notes: [
      'mqnic-fw (corundum utils/) reads the .bit itself: it strips the header, checks the part against the card and writes + verifies the configuration flash (-w), then boots the FPGA from flash with a PCIe hot reset (-b).',
      'It needs the card running a Corundum image already (mqnic driver loaded; -d takes /dev/mqnicN, an interface name or a PCI address).',
      "For flash tools that want .mcs/.bin: Corundum's board Makefile rule `make fpga.mcs` runs write_cfgmem -format mcs -interface SPIx4 -size 128 -loadbit {up <address> fpga.bit} (the address is in the stock board Makefile).",
    ],
  };
}

export const XRT_WARNING = [
  'warning: a card still on the Xilinx XRT shell (lspci -nn -d 10ee: lists it, e.g. 10ee:5000/5001 U200, 10ee:5004/5005 U250,',
  '  10ee:500c/500d U280, 10ee:5020/5021 U50) is a PCIe device the host is using: reprogramming it over JTAG drops the',
  '  link and can take the host down. Unload xocl/xclmgmt and remove the device (echo 1 > /sys/bus/pci/devices/<addr>/remove)',
  '  first, or flash over PCIe once it runs Corundum (lspci -nn -d 1234:1001).',
];

export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
