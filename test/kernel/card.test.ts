/**
 * The simulated card (docs/CARD.md) with the real tools, started the way the full system starts
 * it (codegen/system): sim/card/build.sh builds nicsched-card (Verilated RTL of the reference
 * policy) and cardtool, scripts/build-kernel.sh the patched kernel, and the system initramfs gets
 * cardtool in /bin for each boot. QEMU 7.2 (TCG, -M pc) boots it with the card behind
 * x-pci-proxy-dev; the guest reaches BAR0 through sysfs, with no driver loaded, and every
 * expectation comes from the generated register map and the golden model (nicsched predict).
 * Prebuilt by test/kernel/prebuild.ts (sim/card/build.sh --policy examples/reference.yaml, and
 * scripts/build-system.sh for the kernel, the reference's modules and the initramfs).
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SystemBoot, type SystemBootOptions } from '../../codegen/system/boot.js';
import { buildGuest, type GuestBuild } from '../../codegen/system/build.js';
import { buildCard, CardProcess, type CardBuild } from '../../codegen/system/card.js';
import { formatFindings } from '../../codegen/system/dmesg.js';
import { Guest, PROXY_FD, type BootOptions } from '../../codegen/system/guest.js';
import { checkQemu } from '../../codegen/system/qemu.js';
import { cli, REFERENCE, tempDir, writeTemp } from '../helpers.js';

const POLICY = REFERENCE;

interface Register {
  name: string;
  offset: number;
  reset: number;
  fields?: Array<{ name: string; mask: number; lsb: number }>;
}
interface Block {
  name: string;
  base: number;
  stride?: number;
  registers: Register[];
}
interface Regmap {
  addr_width: number;
  constants: Record<string, number>;
  blocks: Block[];
}

let card: CardBuild;
let guestBuild: GuestBuild;
let qemu: string;
let map: Regmap;
let featureNames: string[];
const scratch = tempDir('nicsched-card-');
const progress = (m: string) => process.stderr.write(`  ${m}\n`);

beforeAll(async () => {
  card = await buildCard(POLICY, progress);
  guestBuild = await buildGuest(POLICY, progress);
  qemu = checkQemu().binary;
  const r = await cli('regmap', POLICY, '--format', 'json');
  expect(r.code).toBe(0);
  map = JSON.parse(r.stdout) as Regmap;
  const spec = parseYaml(readFileSync(POLICY, 'utf8')) as { features: Array<{ name: string }> };
  featureNames = spec.features.map((f) => f.name);
});

const MEMORY_MB = 256;
const COMMAND_TIMEOUT_MS = 30_000;
const running: Array<{ kill(): void }> = [];
let boots = 0;
const workDir = (name: string): string => join(scratch, `${++boots}-${name}`);

/** A guest with the card and cardtool, booted to its /init loop; afterAll kills it whatever happened. */
async function boot(name: string, o: Partial<SystemBootOptions> = {}): Promise<SystemBoot> {
  const b = await SystemBoot.start({
    qemu,
    bzImage: guestBuild.kernel.bzImage,
    initramfs: guestBuild.initramfs.path,
    card: card.binary,
    programs: [{ name: 'cardtool', path: card.cardtool }],
    cpus: 2,
    memoryMb: MEMORY_MB,
    workDir: workDir(name),
    ...o,
  });
  running.push(b);
  return b;
}

/** The card, and QEMU started on its socket with these options, not waiting for the guest. */
async function startWrongly(name: string, o: Partial<BootOptions>): Promise<{ card: CardProcess; guest: Guest }> {
  const dir = workDir(name);
  mkdirSync(dir, { recursive: true });
  const c = await CardProcess.start({ binary: card.binary, workDir: dir, log: false, requireRam: false });
  running.push(c);
  const g = Guest.start({ qemu, workDir: dir, kernel: guestBuild.kernel.bzImage, initrd: guestBuild.initramfs.path, cpus: 2, memoryMb: MEMORY_MB, card: c.child, ...o });
  running.push(g);
  return { card: c, guest: g };
}

/** Power off and check the whole kernel log: QEMU and the card exit 0. */
async function end(b: SystemBoot): Promise<void> {
  const e = await b.end();
  expect(e.findings, `kernel log problems (${b.workDir}/console.log):\n${formatFindings(e.findings)}`).toEqual([]);
  expect(e.lostAccesses, 'QEMU dropped guest accesses to the card').toEqual([]);
  expect(b.guest.exitCode()).toBe(0);
  expect(e.cardExit, e.cardStderr).toBe('exit 0');
}

afterAll(() => {
  for (const p of running) p.kill();
  rmSync(scratch, { recursive: true, force: true });
});

function reg(block: string, name: string): Register & { address: number } {
  const b = map.blocks.find((x) => x.name === block)!;
  const r = b.registers.find((x) => x.name === name)!;
  return { ...r, address: b.base + r.offset };
}
function field(block: string, name: string, f: string): { mask: number; lsb: number } {
  return reg(block, name).fields!.find((x) => x.name === f)!;
}
function slotReg(slot: number, name: string): number {
  const b = map.blocks.find((x) => x.name === 'slot')!;
  return b.base + slot * b.stride! + reg('slot', name).offset;
}
const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** KEY=value pairs of one cardtool line. */
function keys(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Z_0-9]+)=(\S+)/g)) out[m[1]!] = m[2]!;
  return out;
}

/** The golden model's answers for feature vectors (nicsched predict --json). */
async function golden(vectors: number[][]): Promise<Array<{ action: number; scores: number[] }>> {
  const csv = writeTemp('vectors.csv', `${featureNames.join(',')}\n${vectors.map((v) => v.join(',')).join('\n')}\n`, scratch);
  const r = await cli('predict', POLICY, '-i', csv, '--json');
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { results: Array<{ action: number; scores: number[] }> }).results;
}

/** Deterministic feature vectors inside every input format (0 .. 2^(bits-1) - 1), corners first. */
function vectors(count: number): number[][] {
  const n = map.constants['INPUTS']!;
  const top = 2 ** (map.constants['IN_BITS']! - 1) - 1;
  const out = [Array<number>(n).fill(0), Array<number>(n).fill(top)];
  let seed = 12345;
  while (out.length < count) {
    out.push(
      Array.from({ length: n }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % (top + 1);
      }),
    );
  }
  return out;
}

interface Stats {
  reads: Record<string, number>;
  writes: Record<string, number>;
  doorbells: number;
  results_valid: number;
  misaligned: number;
  masked: number;
  fault: string;
  sysmem: { syncs: number; regions: number; bytes: number };
}

describe('a guest with the card (reference policy)', () => {
  let b: SystemBoot;
  let g: Guest;
  let c: CardProcess;
  let tag = 100;
  const nextTag = (): number => ++tag;

  const stats = async (): Promise<Stats> => (await c.stats()) as unknown as Stats;
  const log = () => c.doorbells();
  const tool = async (args: string): Promise<string> => {
    const r = await g.run(`cardtool ${args}`, COMMAND_TIMEOUT_MS);
    expect(r.rc, r.output).toBe(0);
    return r.output;
  };
  const decide = async (slot: number, t: number, features: number[], maxPolls = 100000): Promise<Record<string, string>> => keys(await tool(`decide ${slot} ${t} ${features.join(' ')} ${maxPolls}`));

  beforeAll(async () => {
    b = await boot('main', { cardRequiresRam: false });
    g = b.guest;
    c = b.card!;
  });

  afterAll(() => b?.kill());

  it('enumerates as 10ee:4e53, class 12:00:00, with BAR0 as big as the register window', async () => {
    const info = keys(await tool('info'));
    expect(info['VENDOR']).toBe('0x10ee');
    expect(info['DEVICE_ID']).toBe('0x4e53');
    expect(info['CLASS']).toBe('0x120000');
    expect(Number(info['BAR0_SIZE'])).toBe(2 ** map.addr_width);
  });

  it('answers ID, VERSION, POLICY_HASH and CAPS with the generated values', async () => {
    const ids = keys(await tool('ids'));
    for (const name of ['ID', 'VERSION', 'POLICY_HASH', 'CAPS']) expect(ids[name], name).toBe(hex8(reg('global', name).reset));
    expect(ids['POLICY_HASH']).toBe(card.policyHash);
  });

  it('serves 8- and 16-bit reads and writes on their byte lanes', async () => {
    const id = reg('global', 'ID');
    expect((await tool(`r8 ${id.address + 3}`)).trim()).toBe(`0x${(id.reset >>> 24).toString(16).padStart(2, '0')}`);
    expect((await tool(`r16 ${id.address + 2}`)).trim()).toBe(`0x${(id.reset >>> 16).toString(16).padStart(4, '0')}`);
    const shadow = reg('global', 'SHADOW_HASH'); // RW, honours wstrb
    await tool(`w8 ${shadow.address + 1} 0xab`);
    const patched = ((shadow.reset & ~0xff00) | 0xab00) >>> 0;
    expect((await tool(`r32 ${shadow.address}`)).trim()).toBe(hex8(patched));
    await tool(`w32 ${shadow.address} ${shadow.reset}`);
    expect((await tool(`r32 ${shadow.address}`)).trim()).toBe(hex8(shadow.reset));

    // QEMU splits a read across two registers into aligned pieces: high half of ID, low half of VERSION
    const before = await stats();
    const version = reg('global', 'VERSION').reset;
    expect((await tool(`r32 ${id.address + 2}`)).trim()).toBe(hex8(((version & 0xffff) << 16) | (id.reset >>> 16)));
    expect((await stats()).misaligned).toBe(before.misaligned);
  });

  it("answers every doorbell with the golden model's action, and logs the features it latched and its answer", async () => {
    await tool('enable');
    const vs = vectors(24);
    const expected = await golden(vs);
    const slots = map.constants['SLOTS']!;
    const rung: Array<{ slot: number; tag: number; features: number[] }> = [];
    for (const [i, v] of vs.entries()) {
      const slot = i % slots;
      const t = nextTag();
      const r = await decide(slot, t, v);
      expect(r['VALID'], `vector ${v}`).toBe('1');
      expect(Number(r['ACTION']), `vector ${v}`).toBe(expected[i]!.action);
      rung.push({ slot, tag: t, features: v });
    }
    const entries = log();
    for (const [i, want] of rung.entries()) {
      const e = entries.find((x) => x.tag === want.tag && x.slot === want.slot)!;
      expect(e, `doorbell ${want.tag}`).toBeDefined();
      expect(e.delivered && e.answered).toBe(true);
      expect(e.features).toEqual(want.features);
      expect(e.action).toBe(expected[i]!.action);
      expect(e.scores).toEqual(expected[i]!.scores);
    }
    // every logged answer, whatever wrote it, agrees with the golden model on its own features
    const answered = entries.filter((e) => e.answered);
    const again = await golden(answered.map((e) => e.features!));
    answered.forEach((e, i) => expect([e.action, e.scores], `seq ${e.seq}`).toEqual([again[i]!.action, again[i]!.scores]));
  });

  it('counts each guest access by register kind, and logs one line per doorbell', async () => {
    const before = await stats();
    const linesBefore = log().length;
    const r = await decide(1, nextTag(), vectors(3)[2]!);
    const after = await stats();
    const polls = Number(r['POLLS']);
    const delta = (kind: 'reads' | 'writes'): Record<string, number> =>
      Object.fromEntries(
        Object.keys(after[kind])
          .filter((k) => k !== 'config')
          .map((k) => [k, after[kind][k]! - before[kind][k]!]),
      );
    expect(delta('writes')).toEqual({ id: 0, features: map.constants['PACKED_WORDS']!, doorbell: 1, result: 0, scores: 0, counters: 0, weights: 0, dma: 0, other: 0 });
    expect(delta('reads')).toEqual({ id: 0, features: 0, doorbell: 0, result: polls, scores: 0, counters: 0, weights: 0, dma: 0, other: 0 });
    expect(after.doorbells - before.doorbells).toBe(1);
    expect(after.results_valid - before.results_valid).toBe(1);
    expect(log().length).toBe(linesBefore + 1);
    expect(log().length).toBe(after.doorbells);
  });

  it('stall: RESULT reads BUSY and never VALID while the RTL still answers; stall off answers again', async () => {
    const v = vectors(5)[4]!;
    const [want] = await golden([v]);
    expect(await c.control('stall on')).toBe('ok fault=stall');
    const t = nextTag();
    const r = await decide(2, t, v, 50);
    expect(r['VALID']).toBe('0');
    expect(Number(r['POLLS'])).toBe(50);
    const result = Number(r['RESULT']);
    expect(result & field('slot', 'RESULT', 'BUSY').mask).not.toBe(0);
    expect((await stats()).masked).toBeGreaterThanOrEqual(50);
    const e = log().find((x) => x.tag === t)!;
    expect(e.fault).toBe('stall');
    expect(e.answered && e.action === want!.action).toBe(true);
    expect(await c.control('stall off')).toBe('ok fault=healthy');
    const ok = await decide(2, nextTag(), v);
    expect(ok['VALID']).toBe('1');
    expect(Number(ok['ACTION'])).toBe(want!.action);
  });

  it('slow: an answer shows no earlier than the commanded delay after its doorbell', async () => {
    expect(await c.control('slow 3000')).toBe('ok fault=slow:3000');
    const r = await decide(3, nextTag(), vectors(6)[5]!);
    expect(r['VALID']).toBe('1');
    expect(Number(r['WAIT_NS'])).toBeGreaterThanOrEqual(3_000_000);
    expect(Number(r['POLLS'])).toBeGreaterThan(1);
    expect(await c.control('healthy')).toBe('ok fault=healthy');
  });

  it('surprise removal: every read is all-ones and writes are dropped until healthy', async () => {
    const control = reg('global', 'CONTROL');
    const enable = field('global', 'CONTROL', 'ENABLE').mask;
    expect((await tool(`r32 ${control.address}`)).trim()).toBe(hex8(enable));
    expect(await c.control('remove')).toBe('ok fault=removed');
    const ids = keys(await tool('ids'));
    for (const name of ['ID', 'VERSION', 'POLICY_HASH', 'CAPS']) expect(ids[name]).toBe('0xffffffff');
    expect((await tool(`r16 ${slotReg(0, 'RESULT')}`)).trim()).toBe('0xffff');
    await tool(`w32 ${control.address} 0`);
    const t = nextTag();
    const r = await decide(0, t, vectors(2)[1]!, 20);
    expect(r['RESULT']).toBe('0xffffffff');
    expect(r['VALID']).toBe('0');
    const e = log().find((x) => x.tag === t)!;
    expect([e.delivered, e.answered, e.fault]).toEqual([false, false, 'removed']);
    expect(await c.control('healthy')).toBe('ok fault=healthy');
    expect((await tool(`r32 ${control.address}`)).trim()).toBe(hex8(enable)); // the write never landed
    expect(keys(await tool('ids'))['ID']).toBe(hex8(reg('global', 'ID').reset));
  });

  it('reads and writes guest RAM at the physical address of a guest page', async () => {
    const s = await stats();
    expect(s.sysmem.regions).toBeGreaterThan(0);
    const run = g.run('cardtool dma', COMMAND_TIMEOUT_MS);
    const m = await g.waitForOutput(/PHYS=(0x[0-9a-f]+)\nDATA=([0-9a-f]+)\n/, 10_000);
    const [phys, data] = [m[1]!, m[2]!];
    expect(await c.control(`mem-read ${phys} ${data.length / 2}`)).toBe(`ok ${data}`);
    const pattern = 'c0ffee0012345678a5a5a5a5';
    expect(await c.control(`mem-write ${phys} ${pattern}`)).toBe(`ok ${pattern.length / 2} bytes`);
    g.type('');
    const r = await run;
    expect(r.rc).toBe(0);
    expect(keys(r.output)['GOT']).toBe(pattern + data.slice(pattern.length));
    expect(await c.answer(`mem-read 0x${(s.sysmem.bytes * 4).toString(16)} 4`)).toMatch(/^error: .* is not guest RAM/);
  });

  it('takes round trips from the guest without a wrong answer', async () => {
    const r = keys(await tool('bench 2000'));
    expect(r['BAD']).toBe('0');
  });

  it('writes every result into guest RAM (layout v3.0): answers read from a page the guest gave, no register read, bit-exact', async () => {
    const n = 200;
    const inputs = map.constants['INPUTS']!;
    const vs = Array.from({ length: n }, (_, i) => Array.from({ length: inputs }, (_, k) => (i * 7 + k * 13) & 0x7f));
    const expected = await golden(vs);
    const latency = (reg('global', 'TIMING').reset & field('global', 'TIMING', 'LATENCY').mask) >>> field('global', 'TIMING', 'LATENCY').lsb;
    const s0 = await stats();
    const out = await tool(`dma-decide ${n}`);
    const s1 = await stats();
    const d = [...out.matchAll(/^D (\d+) SLOT=(\d+) TAG=(\d+) SEQ=(\d+) ACTION=(\d+) LATENCY=(\d+) CHECK_OK=(\d) SPINS=\d+$/gm)].map((m) => m.slice(1).map(Number));
    expect(d).toHaveLength(n);
    const slots = map.constants['SLOTS']!;
    const wrong = d.filter(([i, slot, t, , action, lat, ok]) => slot !== i! % slots || t !== (i! % 0xfffe) + 1 || action !== expected[i!]!.action || lat !== latency || ok !== 1);
    expect(wrong).toEqual([]);
    // one result after another: SEQ (INFERENCES after the result) grows by one per decision
    const seqs = d.map((x) => x[3]!);
    expect(seqs.slice(1).map((q, i) => q - seqs[i]!)).toEqual(Array<number>(n - 1).fill(1));
    expect(keys(out)).toMatchObject({ DECISIONS: String(n), LOST: '0', BAD_SEQ: '0', REG_READS: '0', DMA_ERRORS: '0', QUIESCED: '1' });
    expect(Number(keys(out)['DMA_WRITES'])).toBe(n);
    const r1 = s1 as Stats & { bus_master: boolean; dma_writes: number; dma_dropped: number };
    const r0 = s0 as typeof r1;
    expect(r1.bus_master).toBe(true);
    expect(r1.dma_writes - r0.dma_writes).toBe(n);
    expect(r1.dma_dropped).toBe(r0.dma_dropped);
    expect(r1.writes['doorbell']! - r0.writes['doorbell']!).toBe(n);
    // the only register reads: DMA_STATUS while quiescing, DMA_WRITES and DMA_ERRORS once
    for (const kind of ['result', 'scores', 'counters', 'features', 'id']) expect(r1.reads[kind]! - r0.reads[kind]!, kind).toBe(0);
    expect(r1.reads['dma']! - r0.reads['dma']!).toBeGreaterThanOrEqual(3);
  });

  it('refuses a malformed control command with the list of commands', async () => {
    expect(await c.answer('stall maybe')).toMatch(/^error: unknown or malformed command 'stall maybe' \(stall on\|off, remove, slow US/);
    expect(await c.answer('mem-read 0x0')).toMatch(/^error: usage: mem-read GPA LEN/);
  });

  it('exits 0 when the guest powers off and QEMU closes the socket', async () => {
    await end(b);
    expect(c.stderrText()).toMatch(/QEMU closed the socket after \d+ messages; stats \{/);
  });
});

describe('the card started with faults and flags', () => {
  it('--fault slow:2000 from the start, then healthy: with no log, time alone makes the answer visible at the first read', async () => {
    const b = await boot('slow', { cardFaults: ['slow:2000'], cardLog: false });
    try {
      const g = b.guest;
      const c = b.card!;
      expect((await c.stats()).fault).toBe('slow:2000');
      const [v, w] = vectors(4).slice(2);
      const [want, want2] = await golden([v!, w!]);
      const slow = keys(await g.must(`cardtool enable && cardtool decide 0 7 ${v!.join(' ')}`, COMMAND_TIMEOUT_MS));
      expect(slow['VALID']).toBe('1');
      expect(Number(slow['WAIT_NS'])).toBeGreaterThanOrEqual(2_000_000);
      expect(Number(slow['ACTION'])).toBe(want!.action);
      expect(await c.control('healthy')).toBe('ok fault=healthy');
      // a BAR round trip lasts far longer than the RTL's few cycles of latency
      const onTime = keys(await g.must(`cardtool decide 0 8 ${w!.join(' ')}`, COMMAND_TIMEOUT_MS));
      expect([onTime['VALID'], onTime['POLLS'], Number(onTime['ACTION'])]).toEqual(['1', '1', want2!.action]);
      await end(b);
    } finally {
      b.kill();
    }
  });

  it('--ram without fd-backed guest RAM: the first BAR access stops the card with the QEMU options to use', async () => {
    const b = await boot('no-shared-ram', { cardLog: false, sharedRam: false });
    try {
      const c = b.card!;
      // the access never completes: the guest is killed below, and the command with it
      const ids = b.guest.run('cardtool ids', COMMAND_TIMEOUT_MS).catch(() => undefined);
      await c.waitExit();
      expect(c.exitCode(), c.stderrText()).toBe(2);
      expect(c.stderrText()).toMatch(/before any SYNC_SYSMEM, and --ram asks for guest RAM: start QEMU with -object memory-backend-memfd/);
      b.kill();
      await ids;
    } finally {
      b.kill();
    }
  });
});

describe('a QEMU that does not fit', () => {
  const microvm = '/usr/bin/qemu-system-x86_64-microvm';

  it('--check-qemu passes the pinned QEMU and refuses one without x-pci-proxy-dev', () => {
    const ok = spawnCheck(card.binary, ['--check-qemu']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^QEMU_VERSION=QEMU emulator version 7\.2\.\d+ \(Debian 1:7\.2\+dfsg-7\+deb12u18/m);
    const bad = spawnCheck(card.binary, ['--check-qemu', microvm]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/qemu-system-x86_64-microvm has no x-pci-proxy-dev device/);
  });

  it('a QEMU that never creates the device on the socket: the card exits 3 and says what to check', async () => {
    const { card: c, guest: g } = await startWrongly('microvm', { qemu: microvm, machine: 'microvm', sharedRam: false });
    await g.waitExit();
    await c.stop(60_000);
    expect(g.exitCode()).not.toBe(0);
    expect(c.exitCode(), c.stderrText()).toBe(3);
    expect(c.stderrText()).toMatch(/QEMU closed the socket before sending any message: it did not create x-pci-proxy-dev on this socket/);
  });

  it('a QEMU that sends something else on the socket (its QMP monitor): the card exits 2 naming what came', async () => {
    const { card: c, guest: g } = await startWrongly('qmp', {
      sharedRam: false,
      device: ['-chardev', `socket,id=wrong,fd=${PROXY_FD}`, '-mon', 'chardev=wrong,mode=control'],
    });
    try {
      await c.waitExit();
      expect(c.exitCode(), c.stderrText()).toBe(2);
      expect(c.stderrText()).toMatch(/nicsched-card: (unexpected|malformed) message from QEMU: .*cmd \d+.*header bytes 7b 22 51 4d 50 22 .*\("\{"QMP"/);
    } finally {
      g.kill();
    }
  });
});

describe('malformed messages on the socket', () => {
  const header = (cmd: number, size: number): Buffer => {
    const b = Buffer.alloc(16);
    b.writeInt32LE(cmd, 0);
    b.writeBigUInt64LE(BigInt(size), 8);
    return b;
  };
  const pciConfig = (addr: number, val: number, len: number): Buffer => {
    const b = Buffer.alloc(12);
    b.writeUInt32LE(addr, 0);
    b.writeUInt32LE(val, 4);
    b.writeInt32LE(len, 8);
    return b;
  };
  const barRead = (addr: number, size: number): Buffer => {
    const b = Buffer.alloc(24);
    b.writeBigUInt64LE(BigInt(addr), 0);
    b.writeUInt32LE(size, 16);
    b.writeUInt8(1, 20);
    return b;
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['an unknown command', header(9, 0), /unexpected message from QEMU: an unknown command \(cmd 9, 0 payload bytes, 0 fds\)/],
    ['RET as a request', Buffer.concat([header(1, 8), Buffer.alloc(8)]), /unexpected message from QEMU: RET \(cmd 1/],
    ['BAR_READ of the wrong size', Buffer.concat([header(5, 12), Buffer.alloc(12)]), /malformed message from QEMU: BAR_READ \(cmd 5, 12 payload bytes, 0 fds\); QEMU 7\.2 sends 24 payload bytes and 0 fds/],
    ['SET_IRQFD without its eventfds', header(6, 0), /malformed message from QEMU: SET_IRQFD .*sends 0 payload bytes and 2 fds/],
    ['SYNC_SYSMEM without fds', Buffer.concat([header(0, 192), Buffer.alloc(192)]), /malformed message from QEMU: SYNC_SYSMEM .*1\.\.8 fds/],
    ['a payload larger than any QEMU sends', header(3, 1 << 20), /malformed message from QEMU: PCI_CFGREAD \(cmd 3, 1048576 payload bytes/],
    ['a config read of 3 bytes', Buffer.concat([header(3, 12), pciConfig(0, 0, 3)]), /PCI config read of 3 bytes at 0x0: not 1, 2 or 4 bytes/],
    ['a BAR read while BAR0 is not enabled', Buffer.concat([header(5, 24), barRead(0xfe000000, 4)]), /while memory decoding is off in the card's command register: QEMU and the card disagree/],
    ['half a header, then the end', header(3, 12).subarray(0, 7), /QEMU closed the socket in the middle of a message header \(7 of 16 bytes\)/],
  ];

  /** Send bytes on the card's socket, close it; the card's exit, stderr and the RET values it sent. */
  async function converse(bytes: Buffer): Promise<{ code: number | null; stderr: string; replies: bigint[] }> {
    const child = spawn(card.binary, ['--fd', '3'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const sock = child.stdio[3] as Readable & Writable;
    const chunks: Buffer[] = [];
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('error', () => undefined);
    sock.end(bytes);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const all = Buffer.concat(chunks);
    const replies: bigint[] = [];
    for (let at = 0; at + 24 <= all.length; at += 24) {
      expect([all.readInt32LE(at), all.readBigUInt64LE(at + 8)]).toEqual([1, 8n]); // RET, 8 bytes
      replies.push(all.readBigUInt64LE(at + 16));
    }
    return { code, stderr, replies };
  }

  it('an access across two registers (QEMU 7.2 splits them itself) is answered all-ones, and the card goes on', async () => {
    const base = 0xfe000000;
    const id = reg('global', 'ID');
    const r = await converse(
      Buffer.concat([
        header(2, 12),
        pciConfig(0x10, base, 4), // BAR0
        header(2, 12),
        pciConfig(0x04, 0x2, 2), // command: memory space
        header(5, 24),
        barRead(base + id.address + 2, 4),
        header(5, 24),
        barRead(base + id.address, 4),
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.replies).toEqual([0n, 0n, 0xffffffffn, BigInt(id.reset)]);
    expect(r.stderr).toMatch(/BAR read of 4 bytes at BAR0 \+ 0x2 crosses a 32-bit register: answered all-ones/);
  });

  it.each(cases)('%s: a clear error and exit 2', async (_name, bytes, message) => {
    const r = await converse(bytes);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

function spawnCheck(bin: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
