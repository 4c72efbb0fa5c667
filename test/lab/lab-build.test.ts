/**
 * `nicsched build`: the Corundum app project it writes, its TCL run under tclsh against the Vivado
 * recorder (sim/tcl/vivado_recorder.tcl), its Makefile resolved by make against a stand-in Corundum
 * tree, its parameters cross-checked with the register map and the IR, and exit 3 without Vivado.
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitProject } from '../../codegen/fpga/project.js';
import { policyHash32 } from '../../codegen/ir/canonical.js';
import { APP_ID } from '../../codegen/ir/constants.js';
import { loadPolicy } from '../../codegen/policy.js';
import { BOARDS, findBoard, type Board } from '../../codegen/spec/boards.js';
import { EXIT_TOOL_MISSING } from '../../codegen/cli/exit.js';
import { cli, EXAMPLES, recordTcl, REFERENCE, tempDir, TINY, VIVADO_RECORDER, type TclCall } from '../helpers.js';
import { fakeCorundum, STOCK_IP, STOCK_SYN, STOCK_XDC } from './corundum-fixture.js';
import { bitFile, TIMING, UTILIZATION } from './vivado-fixtures.js';
import { BUILD_STAGES } from '../../codegen/fpga/vivado.js';

/** PATH without any vivado, so the test means the same on a lab machine. */
const NO_VIVADO_PATH = '/usr/bin:/bin';

type Call = TclCall;

function record(script: string, env: Record<string, string>, cwd: string): Call[] {
  return recordTcl(VIVADO_RECORDER, script, { cwd, env });
}

async function buildProject(policy: string, board: Board, extra: string[] = []) {
  const out = join(tempDir(), 'project');
  const path = process.env.PATH;
  process.env.PATH = NO_VIVADO_PATH;
  try {
    const r = await cli('build', policy, '--board', board.name, '-o', out, ...extra);
    return { out, project: join(out, `fpga_${board.name.toUpperCase()}_app_nicsched`), ...r };
  } finally {
    process.env.PATH = path;
  }
}

const AU250 = findBoard('au250')!;

describe('nicsched build without Vivado', () => {
  it('writes the project, exits 3 and prints what is missing and the exact commands', async () => {
    const r = await buildProject(REFERENCE, AU250);
    expect(r.code).toBe(EXIT_TOOL_MISSING);
    const hash = loadPolicy(REFERENCE).hash;
    expect(r.stdout).toBe(`wrote ${r.project} (17 files; policy ${hash.slice(0, 16)}, UserID 0x${hash.slice(0, 8).toUpperCase()}, APP_ID 0x4E530001, xcu250-figd2104-2-e)\n`);
    expect(r.stderr).toBe(
      [
        'error: cannot build a bitstream here; missing: Vivado: no `vivado` on PATH (give --vivado BIN); Corundum: no --corundum DIR (a checkout holding fpga/mqnic/Alveo/fpga_100g). The project is written; nothing ran.',
        'run these where vivado is available:',
        '  # with Vivado (2022.2 or newer, with UltraScale+ device support) and a Corundum checkout (corundum/corundum @ 1ca0151b layout):',
        `  nicsched build ${REFERENCE} --board au250 --corundum <corundum> --vivado <path/to/vivado> --jobs 4 -o ${r.out}`,
        '  # or run the written project by hand:',
        `  cd ${r.project}`,
        '  CORUNDUM_BOARD=<corundum>/fpga/mqnic/Alveo/fpga_100g NICSCHED_JOBS=4 vivado -mode batch -nojournal -log build.log -source build.tcl',
        "  # or with Corundum's own flow (vivado.mk):",
        `  make -C ${r.project} CORUNDUM_BOARD=<corundum>/fpga/mqnic/Alveo/fpga_100g`,
        '',
      ].join('\n'),
    );
    expect(existsSync(join(r.project, 'build.tcl'))).toBe(true);
    expect(existsSync(join(r.project, 'fpga.bit'))).toBe(false);
  });

  it('--vivado naming a missing file is a missing tool too, and --json says so', async () => {
    const { root } = fakeCorundum(AU250);
    const r = await buildProject(TINY, AU250, ['--corundum', root, '--vivado', '/nonexistent/vivado', '--json']);
    expect(r.code).toBe(EXIT_TOOL_MISSING);
    const doc = JSON.parse(r.stdout) as { error: string; tool: string; message: string; commands: string[] };
    expect(doc.error).toBe('tool-missing');
    expect(doc.message).toContain('Vivado: /nonexistent/vivado is not an executable file');
    expect(doc.message).not.toContain('Corundum:');
    expect(doc.commands).toContain(`CORUNDUM_BOARD=${join(root, 'fpga/mqnic/Alveo/fpga_100g')} NICSCHED_JOBS=4 vivado -mode batch -nojournal -log build.log -source build.tcl`);
  });

  it('refuses a Corundum checkout whose board project targets another part (exit 1)', async () => {
    const { root } = fakeCorundum(findBoard('au200')!);
    const r = await buildProject(TINY, findBoard('au200')!, ['--corundum', root]);
    expect(r.code).toBe(EXIT_TOOL_MISSING); // au200 matches: only Vivado is missing
    const wrong = fakeCorundum(findBoard('au200')!);
    const moved = await buildProject(TINY, AU250, ['--corundum', wrong.root]);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('no Corundum stock project for au250');
  });

  it('rejects an unknown board with the list of boards', async () => {
    const r = await cli('build', TINY, '--board', 'vcu118', '-o', join(tempDir(), 'x'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: unknown board "vcu118" (--board) (fix: use one of au50, au200, au250, au280)\n');
  });
});

describe.each(BOARDS.map((b) => [b.name, b] as const))('generated project for %s', (_name, board) => {
  it('build.tcl runs under the Vivado recorder: order, part, parameters, and every file exists', async () => {
    const { root, boardDir } = fakeCorundum(board);
    const r = await buildProject(REFERENCE, board, ['--corundum', root]);
    expect(r.code).toBe(EXIT_TOOL_MISSING);
    const calls = record(join(r.project, 'build.tcl'), { CORUNDUM_BOARD: boardDir, NICSCHED_JOBS: '3' }, tempDir());
    expect(calls.filter((c) => c.command === 'MISSING' || c.command === 'ERROR')).toEqual([]);
    expect(calls.at(-1)!.command).toBe('END');

    const flow = calls.map((c) => c.command).filter((c) => ['create_project', 'add_files', 'launch_runs', 'wait_on_run', 'open_run', 'opt_design', 'place_design', 'phys_opt_design', 'route_design', 'report_utilization', 'report_timing_summary', 'write_bitstream'].includes(c));
    expect(flow).toEqual(['create_project', 'add_files', 'add_files', 'add_files', 'add_files', 'launch_runs', 'wait_on_run', 'open_run', 'opt_design', 'place_design', 'phys_opt_design', 'route_design', 'report_utilization', 'report_timing_summary', 'write_bitstream']);
    expect(calls.find((c) => c.command === 'create_project')!.args).toEqual(['-force', '-part', board.part, 'fpga']);
    expect(calls.find((c) => c.command === 'launch_runs')!.args).toEqual(['-jobs', '3', 'synth_1']);

    // Sources: the stock list, then nicsched's app block and policy; constraints include the USERID.
    const added = calls.filter((c) => c.command === 'add_files').flatMap((c) => c.args.slice(2).join(' ').split(' '));
    for (const f of [...STOCK_SYN, ...STOCK_XDC]) expect(added).toContain(join(boardDir, f));
    for (const f of ['mqnic_app_block.v', 'nicsched_app.v', 'nicsched_policy.v', 'nicsched_dense.v']) expect(added.map((p) => p.split('/').pop())).toContain(f);
    expect(added.some((p) => p.endsWith('nicsched_top.v'))).toBe(false);
    const sourced = calls.filter((c) => c.command === 'source').map((c) => c.args[0]!);
    for (const f of STOCK_IP) expect(sourced).toContain(join(boardDir, f));

    // config.tcl: stock parameters, then nicsched's; BAR2 sized from the register map.
    const policy = loadPolicy(REFERENCE);
    const width = policy.regmap.figures.addrWidth;
    const generics = calls.filter((c) => c.command === 'set_property' && c.args[0] === 'generic');
    const last = generics.at(-1)!.args[1]!.split(' ');
    expect(last).toContain(`APP_ID=32'h${APP_ID.toString(16).toUpperCase()}`);
    expect(last).toContain('APP_ENABLE=1');
    expect(last).toContain(`AXIL_APP_CTRL_ADDR_WIDTH=${width}`);
    expect(last).toContain('AXIL_APP_CTRL_DATA_WIDTH=32');
    expect(last).toContain("FPGA_ID=32'h04b57093"); // the stock parameters survive
    const bar2 = calls.filter((c) => c.command === 'set_property' && c.args[0] === 'CONFIG.pf0_bar2_aperture_bits');
    expect(bar2.map((c) => c.args[1])).toEqual(['0', String(width)]);
    const userid = calls.find((c) => c.command === 'set_property' && c.args[0] === 'BITSTREAM.CONFIG.USERID');
    expect(userid).toBeUndefined(); // the USERID is a constraint (nicsched.xdc), applied with the design
    const xdc = readFileSync(join(r.project, 'nicsched.xdc'), 'utf8');
    expect(xdc).toContain(`set_property BITSTREAM.CONFIG.USERID 0x${policyHash32(policy.hash).toString(16).toUpperCase().padStart(8, '0')} [current_design]`);
  });

  it('nicsched.xdc runs under the recorder as the constraint Vivado applies', async () => {
    const { root } = fakeCorundum(board);
    const r = await buildProject(TINY, board, ['--corundum', root]);
    const calls = record(join(r.project, 'nicsched.xdc'), {}, r.project);
    const hash32 = loadPolicy(TINY).hash.slice(0, 8).toUpperCase();
    expect(calls).toEqual([
      { command: 'source', args: [join(r.project, 'nicsched.xdc')] },
      { command: 'current_design', args: [] },
      { command: 'set_property', args: ['BITSTREAM.CONFIG.USERID', `0x${hash32}`, 'design_1'] },
      { command: 'END', args: [] },
    ]);
  });

  it('the Makefile hands vivado.mk the stock lists plus nicsched files, all of which exist', async () => {
    const { root, boardDir } = fakeCorundum(board);
    const r = await buildProject(TINY, board, ['--corundum', root]);
    const make = spawnSync('make', ['-s', '-C', r.project, 'print-lists'], { encoding: 'utf8' });
    expect(make.stderr).toBe('');
    expect(make.status).toBe(0);
    const lines = make.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]);
    expect(lines[0]).toEqual(['FPGA_PART', board.part]);
    for (const [kind, path] of lines.slice(1)) {
      const full = path.startsWith('/') ? path : join(r.project, path);
      expect(existsSync(full), `${kind} ${path}`).toBe(true);
    }
    const syn = lines.filter(([k]) => k === 'SYN').map(([, p]) => p);
    expect(syn.slice(0, STOCK_SYN.length)).toEqual(STOCK_SYN.map((f) => join(boardDir, f)));
    expect(syn).toContain('../app/nicsched/rtl/mqnic_app_block.v');
    expect(lines.filter(([k]) => k === 'INC').map(([, p]) => p)).toEqual(['../app/nicsched/rtl/nicsched_regs.vh', '../app/nicsched/rtl/nicsched_policy.vh']);
    expect(
      lines
        .filter(([k]) => k === 'XDC')
        .map(([, p]) => p)
        .at(-1),
    ).toBe('./nicsched.xdc');
    expect(lines.filter(([k]) => k === 'CONFIG').map(([, p]) => p)).toEqual(['./config.tcl']);
  });
});

describe('project parameters agree with the register map and the IR', () => {
  it.each(EXAMPLES.map((f) => [f.split('/').pop()!, f] as const))('%s', (_name, file) => {
    const policy = loadPolicy(file);
    const files = emitProject(policy, AU250);
    const text = (suffix: string) => files.find((f) => f.path.endsWith(suffix))!.contents;
    const manifest = JSON.parse(text('nicsched-build.json')) as Record<string, unknown>;
    const width = Number(/AXIL_APP_CTRL_ADDR_WIDTH "(\d+)"/.exec(text('config.tcl'))![1]);
    const { figures } = policy.regmap;
    // BAR2 holds every register, the weights block (0x20000…) included, and the RTL decodes that width.
    expect(2 ** width).toBeGreaterThanOrEqual(figures.mapSize);
    expect(figures.mapSize).toBeGreaterThan(0x20000);
    expect(manifest['regmap_end']).toBe(`0x${figures.mapSize.toString(16)}`);
    expect(width).toBe(figures.addrWidth);
    expect(text('nicsched_policy.vh')).toMatch(new RegExp(`NICSCHED_ADDR_WIDTH\\s*=\\s*${width}\\b`));
    expect(text('config.tcl')).toContain(`dict set params APP_ID "32'h${APP_ID.toString(16).toUpperCase()}"`);
    expect(text('nicsched_policy.vh')).toMatch(new RegExp(`NICSCHED_APP_ID\\s*=\\s*32'h${APP_ID.toString(16)}`, 'i'));
    expect(text('nicsched_policy.vh').toLowerCase()).toContain(policy.hash.slice(0, 8));
    expect(manifest).toMatchObject({ policy_hash: policy.hash, app_id: '0x4E530001', board: 'au250', part: AU250.part, axil_app_ctrl_addr_width: width, user_id: `0x${policy.hash.slice(0, 8).toUpperCase()}` });
    expect(text('Makefile')).toContain(`FPGA_PART = ${AU250.part}\n`);
  });
});

/**
 * The Vivado-present path, with a stand-in `vivado` (a shell script, since there is no Vivado
 * here): it prints build.tcl's stage markers and leaves the files a run would leave. This checks
 * nicsched's side only: progress, the bitstream/UserID check, the report parsing.
 */
describe('nicsched build with a stand-in vivado', () => {
  function fakeVivado(outputs: { bit?: Buffer; reports?: boolean }): string {
    const dir = tempDir('nicsched-fake-vivado-');
    if (outputs.bit) writeFileSync(join(dir, 'fpga.bit'), outputs.bit);
    if (outputs.reports) {
      writeFileSync(join(dir, 'fpga_utilization.rpt'), UTILIZATION);
      writeFileSync(join(dir, 'fpga_timing_summary.rpt'), TIMING);
    }
    const script = join(dir, 'vivado');
    const stages = BUILD_STAGES.map((s) => `echo "NICSCHED-STAGE ${s}"`).join('\n');
    writeFileSync(script, `#!/bin/sh\n[ "$*" = "-mode batch -nojournal -log build.log -source build.tcl" ] || exit 9\n[ -f build.tcl ] || exit 8\necho "jobs $NICSCHED_JOBS board $CORUNDUM_BOARD" > args.txt\n${stages}\ncp ${dir}/*.bit ${dir}/*.rpt . 2>/dev/null\nexit 0\n`);
    chmodSync(script, 0o755);
    return script;
  }

  function bitFor(userId: string): Buffer {
    return bitFile({ design: `fpga;UserID=0X${userId};Version=2022.2`, part: 'xcu250-figd2104-2-e', date: '2026/11/28', time: '04:00:00', data: Uint8Array.from([0xaa, 0x99, 0x55, 0x66]) });
  }

  const userId = () => loadPolicy(TINY).hash.slice(0, 8).toUpperCase();

  it("reports progress by stage, then Vivado's utilization and timing, only with a bitstream carrying the UserID", async () => {
    const { root, boardDir } = fakeCorundum(AU250);
    const vivado = fakeVivado({ bit: bitFor(userId()), reports: true });
    const r = await buildProject(TINY, AU250, ['--corundum', root, '--vivado', vivado, '--jobs', '6']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(1, 10)).toEqual(BUILD_STAGES.map((s, k) => `[${k + 1}/9] ${s}`));
    expect(lines.slice(10)).toEqual([
      `bitstream ${join(r.project, 'fpga.bit')} (UserID 0x${userId()}, xcu250-figd2104-2-e)`,
      'utilization (Vivado, whole design): LUT 143271 (8.29%), FF 201559 (5.83%), BRAM tiles 400.5 (14.9%), DSP 296 (2.41%)',
      'timing (Vivado): WNS 0.104 ns, WHS 0.01 ns, all constraints met',
    ]);
    expect(readFileSync(join(r.project, 'args.txt'), 'utf8')).toBe(`jobs 6 board ${boardDir}\n`);
  });

  it('no bitstream: exit 1, never success', async () => {
    const { root } = fakeCorundum(AU250);
    const r = await buildProject(TINY, AU250, ['--corundum', root, '--vivado', fakeVivado({ reports: true })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: Vivado finished but wrote no ${join(r.project, 'fpga.bit')}; see ${join(r.project, 'build.log')}\n`);
    expect(r.stdout).not.toContain('bitstream ');
  });

  it('a bitstream with another UserID: exit 1', async () => {
    const { root } = fakeCorundum(AU250);
    const r = await buildProject(TINY, AU250, ['--corundum', root, '--vivado', fakeVivado({ bit: bitFor('DEADBEEF'), reports: true })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`bitstream UserID 0xDEADBEEF is not policy tiny's hash 0x${userId()}`);
  });
});
