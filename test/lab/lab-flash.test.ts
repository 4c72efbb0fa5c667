/**
 * The .bit header parser on files built here from the documented Xilinx layout (including truncated
 * and corrupt ones), and `nicsched flash`: refusals (part, UserID, APP_ID) and the exact dry run.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBitHeader } from '../../codegen/fpga/bitfile.js';
import { loadPolicy } from '../../codegen/policy.js';
import { InputError } from '../../codegen/util/errors.js';
import { cli, recordTcl, REFERENCE, tempDir, TINY, VIVADO_RECORDER } from '../helpers.js';
import { bitFile, type BitFields } from './vivado-fixtures.js';

// The sync word and a few words of a configuration stream: content does not matter to the header.
const DATA = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0xbb, 0x11, 0x22, 0x00, 0x44, 0xaa, 0x99, 0x55, 0x66]);

function fields(userId: string, part = 'xcu250-figd2104-2-e'): BitFields {
  return { design: `fpga;UserID=0X${userId};Version=2022.2`, part, date: '2026/11/28', time: '03:00:00', data: DATA };
}

function parseError(bytes: Uint8Array): string {
  try {
    parseBitHeader(bytes, 'x.bit');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('parsed without error');
}

const REF_HASH = loadPolicy(REFERENCE).hash;
const REF_USERID = REF_HASH.slice(0, 8).toUpperCase();

describe('.bit header parser', () => {
  it('reads design, part, date, time, UserID and the bitstream length', () => {
    const h = parseBitHeader(bitFile(fields('63505BCA')), 'x.bit');
    expect(h).toEqual({
      design: 'fpga;UserID=0X63505BCA;Version=2022.2',
      part: 'xcu250-figd2104-2-e',
      date: '2026/11/28',
      time: '03:00:00',
      bitstreamLength: 16,
      bitstreamOffset: 13 + 41 + 23 + 14 + 12 + 5,
      userId: 0x63505bca,
    });
  });

  it('a design name without UserID gives null', () => {
    expect(parseBitHeader(bitFile({ ...fields('0'), design: 'fpga;Version=2022.2' }), 'x.bit').userId).toBeNull();
  });

  it('names the field and byte offset of a truncation, wherever the file is cut', () => {
    const full = bitFile(fields('63505BCA'));
    expect(parseError(full.subarray(0, 1))).toBe('x.bit: truncated .bit file: header length at byte 0 (0x0) needs 2 bytes, the file has 1 left (fix: the file was cut short (copy it again from the build directory))');
    expect(parseError(full.subarray(0, 20))).toBe("x.bit: truncated .bit file: field 'a' (design name) text at byte 16 (0x10) needs 38 bytes, the file has 4 left (fix: the file was cut short (copy it again from the build directory))");
    expect(parseError(full.subarray(0, full.length - 3))).toContain("bitstream of 16 bytes declared by field 'e' at byte 108 (0x6c) needs 16 bytes, the file has 13 left");
    for (let cut = 0; cut < full.length; cut++) expect(parseError(full.subarray(0, cut))).toMatch(/^x\.bit: truncated \.bit file: .* at byte \d+ \(0x[0-9a-f]+\)/);
  });

  it('names the byte of a corruption', () => {
    const bad = bitFile(fields('63505BCA'));
    bad[5] = 0x00;
    expect(parseError(bad)).toBe('x.bit: not a valid .bit file: magic byte 3 is 0x0, expected 0xf0 at byte 5 (0x5) (fix: pass the .bit that Vivado wrote (write_bitstream), not a .bin or .mcs)');
    const key = bitFile(fields('63505BCA'));
    key[13 + 41] = 0x7a; // 'b' -> 'z'
    expect(parseError(key)).toContain('unknown field key 0x7a at byte 54 (0x36)');
    const unterminated = bitFile(fields('63505BCA'));
    unterminated[13 + 40] = 0x41;
    expect(parseError(unterminated)).toContain("field 'a' (design name) is not NUL-terminated at byte 16 (0x10)");
    expect(parseError(Buffer.concat([bitFile(fields('63505BCA')), Buffer.from([0])]))).toContain('1 bytes after the declared bitstream end at byte 124');
    const raw = Buffer.from(DATA); // a .bin: no header
    expect(parseError(raw)).toContain('header length is 65535, expected 9 at byte 0');
  });
});

/** A built .bit (and optionally the manifest `nicsched build` writes next to it). */
function labBit(userId: string, part?: string, manifest?: Record<string, unknown>): string {
  const dir = tempDir('nicsched-bit-');
  const file = join(dir, 'fpga.bit');
  writeFileSync(file, bitFile(fields(userId, part)));
  if (manifest) writeFileSync(join(dir, 'nicsched-build.json'), JSON.stringify(manifest));
  return file;
}

function manifestFor(hash: string, extra: Record<string, unknown> = {}) {
  return { format: 'nicsched-build', version: 1, policy: 'reference', policy_hash: hash, user_id: `0x${hash.slice(0, 8).toUpperCase()}`, app_id: '0x4E530001', board: 'au250', part: 'xcu250-figd2104-2-e', ...extra };
}

describe('nicsched flash refuses', () => {
  it('a bitstream for another part', async () => {
    const bit = labBit(REF_USERID, 'xcu280-fsvh2892-2L-e');
    const r = await cli('flash', bit, '--board', 'au250', '--jtag');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${bit}: bitstream is for part xcu280-fsvh2892-2L-e, but --board au250 is xcu250-figd2104-2-e (fix: flash a bitstream built with nicsched build --board au250, or pass the board it was built for)\n`);
    expect(r.stdout).toBe('');
  });

  it('a UserID that is not the policy hash', async () => {
    const bit = labBit(REF_USERID);
    const tiny = loadPolicy(TINY).hash;
    const r = await cli('flash', bit, '--board', 'au250', '--policy', TINY, '--pcie', '/dev/mqnic0');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${bit}: bitstream UserID 0x${REF_USERID} is not policy tiny's hash 0x${tiny.slice(0, 8).toUpperCase()} (${tiny}) (fix: pass the policy this bitstream was built from, or rebuild it for this policy)\n`);
  });

  it('a bitstream without UserID when --policy is given', async () => {
    const dir = tempDir();
    const bit = join(dir, 'fpga.bit');
    writeFileSync(bit, bitFile({ ...fields('0'), design: 'fpga;Version=2022.2' }));
    const r = await cli('flash', bit, '--board', 'au250', '--policy', REFERENCE, '--jtag');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bitstream header carries no UserID (design "fpga;Version=2022.2")');
  });

  it("an APP_ID in the manifest that is not nicsched's, and a manifest for another board or policy", async () => {
    const appId = labBit(REF_USERID, undefined, manifestFor(REF_HASH, { app_id: '0x12348001' }));
    const r = await cli('flash', appId, '--board', 'au250', '--jtag');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nicsched-build.json: /app_id: build manifest APP_ID 0x12348001 is not nicsched's 0x4E530001");
    const board = labBit(REF_USERID, undefined, manifestFor(REF_HASH, { board: 'au200' }));
    expect((await cli('flash', board, '--board', 'au250', '--jtag')).stderr).toContain('build manifest says board au200, --board is au250');
    // same first 32 bits (the UserID matches), another full hash in the manifest
    const sameUserId = REF_HASH.slice(0, 8) + '0'.repeat(56);
    const other = labBit(REF_USERID, undefined, manifestFor(sameUserId));
    expect((await cli('flash', other, '--board', 'au250', '--policy', REFERENCE, '--jtag')).stderr).toContain(`build manifest policy hash ${sameUserId.slice(0, 11)}`);
  });

  it('both or neither of --jtag and --pcie, and a truncated file (exit 1 naming the offset)', async () => {
    const bit = labBit(REF_USERID);
    expect((await cli('flash', bit, '--board', 'au250')).stderr).toBe('error: choose exactly one of --jtag and --pcie DEV (fix: e.g. --jtag, or --pcie /dev/mqnic0)\n');
    expect((await cli('flash', bit, '--board', 'au250', '--jtag', '--pcie', 'x')).code).toBe(1);
    const cut = join(tempDir(), 'cut.bit');
    writeFileSync(cut, readFileSync(bit).subarray(0, 60));
    const r = await cli('flash', cut, '--board', 'au250', '--jtag');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("truncated .bit file: field 'b' (part) text at byte 57 (0x39) needs 20 bytes, the file has 3 left");
  });
});

describe('nicsched flash dry run (exact text)', () => {
  it('--jtag prints the hardware-manager TCL, the Vivado command and the XRT warning', async () => {
    const bit = labBit(REF_USERID, undefined, manifestFor(REF_HASH));
    const dir = bit.slice(0, -'/fpga.bit'.length);
    const r = await cli('flash', bit, '--board', 'au250', '--policy', REFERENCE, '--jtag', '--hw-server', 'labhost:3121');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        `bitstream ${bit}`,
        `  design   fpga;UserID=0X${REF_USERID};Version=2022.2`,
        '  part     xcu250-figd2104-2-e (au250: xcu250-figd2104-2-e)',
        '  built    2026/11/28 03:00:00',
        '  length   16 bytes',
        `  UserID   0x${REF_USERID} = policy reference ${REF_HASH}`,
        `  APP_ID   0x4E530001 (${dir}/nicsched-build.json)`,
        '',
        'dry run, nothing ran; with --yes nicsched runs:',
        `  vivado -mode batch -nojournal -nolog -source ${dir}/nicsched_program.tcl`,
        `with ${dir}/nicsched_program.tcl:`,
        '  open_hw_manager',
        '  connect_hw_server -url labhost:3121',
        '  open_hw_target',
        '  current_hw_device [get_hw_devices xcu250_0]',
        '  refresh_hw_device -update_hw_probes false [current_hw_device]',
        `  set_property PROGRAM.FILE {${bit}} [current_hw_device]`,
        '  program_hw_devices [current_hw_device]',
        '  refresh_hw_device [current_hw_device]',
        '  close_hw_manager',
        'note: JTAG programming is volatile: the card boots the flash image again at the next power cycle.',
        'warning: a card still on the Xilinx XRT shell (lspci -nn -d 10ee: lists it, e.g. 10ee:5000/5001 U200, 10ee:5004/5005 U250,',
        '  10ee:500c/500d U280, 10ee:5020/5021 U50) is a PCIe device the host is using: reprogramming it over JTAG drops the',
        '  link and can take the host down. Unload xocl/xclmgmt and remove the device (echo 1 > /sys/bus/pci/devices/<addr>/remove)',
        '  first, or flash over PCIe once it runs Corundum (lspci -nn -d 1234:1001).',
        '',
      ].join('\n'),
    );
  });

  it('--pcie prints the mqnic-fw write/verify and boot commands', async () => {
    const bit = labBit(REF_USERID);
    const r = await cli('flash', bit, '--board', 'au250', '--pcie', '0000:81:00.0');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `bitstream ${bit}`,
        `  design   fpga;UserID=0X${REF_USERID};Version=2022.2`,
        '  part     xcu250-figd2104-2-e (au250: xcu250-figd2104-2-e)',
        '  built    2026/11/28 03:00:00',
        '  length   16 bytes',
        `  UserID   0x${REF_USERID} (not checked: no --policy)`,
        '  APP_ID   not checked: no nicsched-build.json next to the .bit',
        '',
        'dry run, nothing ran; with --yes nicsched runs:',
        `  mqnic-fw -d 0000:81:00.0 -w ${bit} -y`,
        '  mqnic-fw -d 0000:81:00.0 -b -y',
        'note: mqnic-fw (corundum utils/) reads the .bit itself: it strips the header, checks the part against the card and writes + verifies the configuration flash (-w), then boots the FPGA from flash with a PCIe hot reset (-b).',
        'note: It needs the card running a Corundum image already (mqnic driver loaded; -d takes /dev/mqnicN, an interface name or a PCI address).',
        "note: For flash tools that want .mcs/.bin: Corundum's board Makefile rule `make fpga.mcs` runs write_cfgmem -format mcs -interface SPIx4 -size 128 -loadbit {up <address> fpga.bit} (the address is in the stock board Makefile).",
        '',
      ].join('\n'),
    );
  });

  it('--yes without the tool exits 3 after the checks, naming the command', async () => {
    const bit = labBit(REF_USERID);
    const path = process.env.PATH;
    process.env.PATH = '/usr/bin:/bin';
    try {
      const r = await cli('flash', bit, '--board', 'au250', '--pcie', '/dev/mqnic0', '--yes');
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`error: mqnic-fw is not on PATH; nothing ran\nrun these where mqnic-fw is available:\n  mqnic-fw -d /dev/mqnic0 -w ${bit} -y\n  mqnic-fw -d /dev/mqnic0 -b -y\n`);
    } finally {
      process.env.PATH = path;
    }
  });

  it('the JTAG TCL runs under the Vivado recorder in order, with a file that exists', async () => {
    const bit = labBit(REF_USERID);
    const r = await cli('flash', bit, '--board', 'au280', '--jtag', '--json');
    expect(r.code).toBe(1); // part mismatch is checked before anything is planned
    const ok = labBit(REF_USERID, 'xcu280-fsvh2892-2L-e');
    const j = JSON.parse((await cli('flash', ok, '--board', 'au280', '--jtag', '--json')).stdout) as { script: { path: string; contents: string } };
    writeFileSync(j.script.path, j.script.contents);
    const calls = recordTcl(VIVADO_RECORDER, j.script.path).map((c) => [c.command, ...c.args]);
    expect(calls.map((c) => c[0])).toEqual([
      'source',
      'open_hw_manager',
      'connect_hw_server',
      'open_hw_target',
      'get_hw_devices',
      'current_hw_device',
      'current_hw_device',
      'refresh_hw_device',
      'current_hw_device',
      'set_property',
      'current_hw_device',
      'program_hw_devices',
      'current_hw_device',
      'refresh_hw_device',
      'close_hw_manager',
      'END',
    ]);
    expect(calls.find((c) => c[0] === 'get_hw_devices')).toEqual(['get_hw_devices', 'xcu280_0']);
    const program = calls.find((c) => c[0] === 'set_property')!;
    expect(program).toEqual(['set_property', 'PROGRAM.FILE', ok, 'hw_device_0']);
    expect(existsSync(program[2]!)).toBe(true);
  });
});
