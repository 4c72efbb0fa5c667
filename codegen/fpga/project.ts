/**
 * `nicsched build`: a Corundum app project for one Alveo board, laid out as Corundum lays out its
 * app projects under fpga/mqnic/Alveo/fpga_100g/ (corundum/corundum @ 1ca0151b):
 *
 *   app/nicsched/rtl/…                     the RTL library + the generated policy (fpga/app/nicsched)
 *   fpga_<BOARD>_app_nicsched/Makefile     Corundum's vivado.mk flow: stock lists + nicsched files
 *   fpga_<BOARD>_app_nicsched/config.tcl   stock config.tcl, then APP_ENABLE, APP_ID, AXIL_APP_CTRL_ADDR_WIDTH
 *   fpga_<BOARD>_app_nicsched/nicsched.xdc BITSTREAM.CONFIG.USERID = first 32 bits of the policy hash
 *   fpga_<BOARD>_app_nicsched/build.tcl    the same build as one Vivado batch run with stage markers
 *   fpga_<BOARD>_app_nicsched/stock_files.tcl  reads the stock project's file lists
 *   fpga_<BOARD>_app_nicsched/nicsched-build.json  manifest: policy hash, APP_ID, board, part
 *
 * Pure: returns files; the CLI writes them.
 */

import { resolve } from 'node:path';
import type { EmittedFile } from '../util/output.js';
import { emitRtl, RTL_GENERATED, RTL_LIBRARY } from '../backends/rtl/rtl-backend.js';
import { render } from '../util/templates.js';
import type { CompiledPolicy } from '../compiled.js';
import type { Board } from '../spec/boards.js';
import { hex, hexUpper } from '../util/hex.js';
import { packageVersion } from '../util/paths.js';

export const MANIFEST_FILE = 'nicsched-build.json';
const APP_RTL_DIR = 'app/nicsched/rtl';
export const BITSTREAM_FILE = 'fpga.bit';

/** Corundum's 100G board project directory names (fpga/mqnic/Alveo/fpga_100g/fpga_AU250 …). */
export function stockProject(board: Board): string {
  return `fpga_${board.name.toUpperCase()}`;
}

export function projectDirName(board: Board): string {
  return `${stockProject(board)}_app_nicsched`;
}

export interface BuildManifest {
  format: 'nicsched-build';
  version: 1;
  policy: string;
  policy_hash: string;
  /** BITSTREAM.CONFIG.USERID: the first 32 bits of the policy hash, as Vivado prints it in the .bit header. */
  user_id: string;
  app_id: string;
  board: string;
  part: string;
  axil_app_ctrl_addr_width: number;
  regmap_end: string;
  project: string;
  stock_project: string;
  bitstream: string;
}

export function buildManifest(policy: CompiledPolicy, board: Board): BuildManifest {
  return {
    format: 'nicsched-build',
    version: 1,
    policy: policy.ir.name,
    policy_hash: policy.hash,
    user_id: hexUpper(policy.regmap.figures.policyHashValue, 8),
    app_id: hexUpper(policy.regmap.figures.appId, 8),
    board: board.name,
    part: board.part,
    axil_app_ctrl_addr_width: policy.regmap.figures.addrWidth,
    regmap_end: hex(policy.regmap.figures.mapSize),
    project: projectDirName(board),
    stock_project: stockProject(board),
    bitstream: BITSTREAM_FILE,
  };
}

/** Files Vivado synthesizes (the simulation top nicsched_top.v is not one of them). */
function synthesisSources(): string[] {
  return [...RTL_LIBRARY, ...RTL_GENERATED].filter((n) => n.endsWith('.v') && n !== 'nicsched_top.v').map((n) => `${APP_RTL_DIR}/${n}`);
}

function includeSources(): string[] {
  return [...RTL_LIBRARY, ...RTL_GENERATED].filter((n) => n.endsWith('.vh')).map((n) => `${APP_RTL_DIR}/${n}`);
}

export interface ProjectOptions {
  /** A Corundum checkout; its fpga/mqnic/Alveo/fpga_100g becomes the default CORUNDUM_BOARD. */
  corundum?: string;
}

/** CORUNDUM_BOARD default: the checkout's fpga_100g directory, or `..` (the project copied into that tree). */
export function corundumBoardDir(corundum?: string): string {
  return corundum ? resolve(corundum, 'fpga/mqnic/Alveo/fpga_100g') : '..';
}

function templateData(policy: CompiledPolicy, board: Board, manifest: BuildManifest, opts: ProjectOptions) {
  return {
    version: packageVersion(),
    policyName: policy.ir.name,
    policyHash: policy.hash,
    boardUpper: board.name.toUpperCase(),
    part: board.part,
    stockProject: manifest.stock_project,
    corundumBoard: corundumBoardDir(opts.corundum),
    synFiles: synthesisSources(),
    incFiles: includeSources(),
    appIdHex: manifest.app_id.slice(2),
    userIdHex: manifest.user_id.slice(2),
    axilAppCtrlAddrWidth: manifest.axil_app_ctrl_addr_width,
    regmapEndHex: manifest.regmap_end,
  };
}

export function emitProject(policy: CompiledPolicy, board: Board, opts: ProjectOptions = {}): EmittedFile[] {
  const manifest = buildManifest(policy, board);
  const data = templateData(policy, board, manifest, opts);
  const dir = manifest.project;
  const rtl = emitRtl(policy).map((f) => ({ path: `app/nicsched/${f.path}`, contents: f.contents }));
  return [
    ...rtl,
    { path: `${dir}/Makefile`, contents: render('fpga/Makefile.hbs', data) },
    { path: `${dir}/config.tcl`, contents: render('fpga/config.tcl.hbs', data) },
    { path: `${dir}/nicsched.xdc`, contents: render('fpga/nicsched.xdc.hbs', data) },
    { path: `${dir}/build.tcl`, contents: render('fpga/build.tcl.hbs', data) },
    { path: `${dir}/stock_files.tcl`, contents: render('fpga/stock_files.tcl.hbs', data) },
    { path: `${dir}/${MANIFEST_FILE}`, contents: JSON.stringify(manifest, null, 2) + '\n' },
  ];
}
