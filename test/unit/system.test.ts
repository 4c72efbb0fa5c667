/**
 * The host side of the full system without booting anything: the dmesg checker catches each
 * pattern it promises (and not the lines a clean boot prints), the initramfs writer's archives
 * are what GNU cpio reads, the debugfs parsers read the files' formats, the decision check finds a
 * wrong action wherever it is, and the guest policy scales only the hook's time limits.
 * test/kernel/system.test.ts runs all of it against the booted guest.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GoldenModel } from '../../codegen/golden/model.js';
import { loadPolicy } from '../../codegen/policy.js';
import type { Doorbell } from '../../codegen/system/card.js';
import { parentDirs, writeCpio } from '../../codegen/system/cpio.js';
import { decisionLog, histogramQuantile, hookState, snapshot, table } from '../../codegen/system/debugfs.js';
import { checkDecisions } from '../../codegen/system/decisions.js';
import { checkDmesg, type DmesgProblem } from '../../codegen/system/dmesg.js';
import { guestPolicy } from '../../codegen/system/guest-policy.js';
import { extraArchive } from '../../codegen/system/initramfs.js';
import { parseFault } from '../../codegen/system/run.js';
import { nsloadArgs, parseWorkloads, WORKLOADS } from '../../codegen/system/workloads.js';
import { InputError } from '../../codegen/util/errors.js';
import { REFERENCE, tempDir, TINY, writeTemp } from '../helpers.js';

// ---- the dmesg checker ---------------------------------------------------------------------

/** One excerpt per problem, as Linux 6.1 prints it (timestamps included). */
const SPLATS: Record<DmesgProblem, string> = {
  warn: `[   12.345678] ------------[ cut here ]------------
[   12.345679] WARNING: CPU: 1 PID: 123 at kernel/sched/nic.c:42 sched_nic_tick+0x4c/0x60
[   12.345680] Modules linked in: nicsched_hook(O) nicsched_pci(O) nicsched(O)`,
  bug: `[   40.000001] kernel BUG at mm/slub.c:4321!
[   40.000002] invalid opcode: 0000 [#1] PREEMPT SMP`,
  lockdep: `[   20.100000] ======================================================
[   20.100001] WARNING: possible circular locking dependency detected
[   20.100002] 6.1.192 #1 Tainted: G           O`,
  'atomic-sleep': `[    9.000000] BUG: scheduling while atomic: nsload/211/0x00000002
[    9.000001] Modules linked in: nicsched_hook(O)`,
  kmemleak: `[   61.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)`,
  'hung-task': `[   75.000000] INFO: task rmmod:234 blocked for more than 3 seconds.
[   75.000001]       Tainted: G           O       6.1.192 #1`,
  oops: `[   33.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010
[   33.000001] #PF: supervisor read access in kernel mode`,
  panic: `[   34.000000] Kernel panic - not syncing: Fatal exception in interrupt`,
  'soft-lockup': `[   90.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [nsload:300]`,
  'rcu-stall': `[  100.000000] rcu: INFO: rcu_sched self-detected stall on CPU
[  100.000001] rcu: 	0-....: (21002 ticks this GP) idle=9b4c/1/0x4000000000000000`,
};

/** Lines a clean boot of the guest prints that mention the same subsystems. */
const CLEAN = `[    0.052900] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.052925] ... MAX_LOCK_DEPTH:          48
[    0.052977] ... MAX_LOCKDEP_ENTRIES:     32768
[    0.041833] rcu: 	RCU lockdep checking is enabled.
[    0.041842] rcu: RCU calculated value of scheduler-enlistment delay is 25 jiffies.
[    4.087502] kmemleak: Kernel memory leak detector initialized (mem pool available: 15964)
[    4.095546] kmemleak: Automatic memory scanning thread started
[    5.949686] hrtimer: interrupt took 16935700 ns
[    6.000084] nicsched_hook: no /dev/nicsched0: load nicsched.ko and bind a card first
[    7.100000] nicsched_pci 0000:00:02.0: policy hash mismatch: expected 0x2dd69247, found 0xe4c3747b; load the driver built for this bitstream's policy
[    8.200000] nicsched_pci 0000:00:02.0: RESULT reads 0xffffffff: device removed; submits now fail with -ENODEV
[    9.000000] nicsched_hook: stopped: kill
nicsched init: the host channel closed`;

describe('dmesg checker (codegen/system/dmesg.ts)', () => {
  for (const [problem, text] of Object.entries(SPLATS) as Array<[DmesgProblem, string]>) {
    it(`catches ${problem}`, () => {
      const findings = checkDmesg(`${CLEAN}\n${text}\n${CLEAN}`);
      const first = CLEAN.split('\n').length + 1;
      expect(findings.length).toBeGreaterThan(0);
      expect(findings[0]!.problem).toBe(problem);
      expect(findings[0]!.line).toBeGreaterThanOrEqual(first);
      expect(findings[0]!.line).toBeLessThan(first + text.split('\n').length);
    });
  }

  it('passes the lines a clean boot prints', () => {
    expect(checkDmesg(CLEAN)).toEqual([]);
  });

  it('reads a kmemleak report from the kmemleak file too', () => {
    const report = 'unreferenced object 0xffff888003a1b000 (size 64):\n  comm "insmod", pid 120, jiffies 4294893296 (age 8.356s)';
    expect(checkDmesg(report).map((f) => f.problem)).toEqual(['kmemleak']);
  });
});

// ---- the initramfs writer -------------------------------------------------------------------

function cpio(args: string[], input: Buffer, cwd?: string) {
  const r = spawnSync('cpio', args, { input, cwd, encoding: 'buffer' });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('initramfs writer (codegen/system/cpio.ts)', () => {
  const entries = [
    ...parentDirs(['bin/busybox', 'lib/nicsched/x.ko', 'etc/nicsched/_']),
    { kind: 'file' as const, path: 'init', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { kind: 'file' as const, path: 'bin/busybox', data: Buffer.from([0, 1, 2, 3, 4]) },
    { kind: 'symlink' as const, path: 'bin/sh', target: 'busybox' },
    { kind: 'file' as const, path: 'lib/nicsched/x.ko', data: 'odd length' },
  ];

  it('writes a newc archive that GNU cpio lists and extracts byte for byte', () => {
    const archive = writeCpio(entries);
    const list = cpio(['-t', '--quiet'], archive);
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(['bin', 'etc', 'etc/nicsched', 'lib', 'lib/nicsched', 'init', 'bin/busybox', 'bin/sh', 'lib/nicsched/x.ko']);
    const dir = tempDir('cpio-');
    const out = cpio(['-i', '--quiet', '-d', '--no-absolute-filenames'], archive, dir);
    expect(out.status, out.stderr).toBe(0);
    expect(readFileSync(join(dir, 'init'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dir, 'init')).mode & 0o777).toBe(0o755);
    expect([...readFileSync(join(dir, 'bin/busybox'))]).toEqual([0, 1, 2, 3, 4]);
    expect(readlinkSync(join(dir, 'bin/sh'))).toBe('busybox');
    expect(readFileSync(join(dir, 'lib/nicsched/x.ko'), 'utf8')).toBe('odd length');
  });

  it("is a pure function of its entries; a boot's extra archive is 4-byte aligned for appending", () => {
    expect(writeCpio(entries).equals(writeCpio(entries))).toBe(true);
    // GNU cpio stops at the first trailer, the kernel reads on (the reload boot of
    // test/kernel/system.test.ts reads its .words files from such an appended archive)
    const extra = extraArchive([{ name: 'b.words', data: '1 2 3\n' }]);
    expect(cpio(['-t', '--quiet'], extra).stdout.trim()).toBe('etc/nicsched/b.words');
    // a boot's programs go to /bin, executable (the card test's cardtool)
    const program = writeTemp('tool', 'ELF');
    const withProgram = extraArchive([{ name: 'b.words', data: '' }], [{ name: 'tool', path: program }]);
    expect(
      cpio(['-tv', '--quiet'], withProgram)
        .stdout.trim()
        .split('\n')
        .map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).pop()}`),
    ).toEqual(['-rw-r--r-- etc/nicsched/b.words', '-rwxr-xr-x bin/tool']);
    expect(writeCpio(entries).length % 4).toBe(0);
    expect(extra.length % 4).toBe(0);
  });

  it('refuses paths that are not plain and relative, and duplicates', () => {
    expect(() => writeCpio([{ kind: 'file', path: '../x', data: '' }])).toThrow(/not a plain relative path/);
    expect(() =>
      writeCpio([
        { kind: 'dir', path: 'a' },
        { kind: 'dir', path: 'a' },
      ]),
    ).toThrow(/appears twice/);
    expect(() => extraArchive([{ name: 'a/b', data: '' }])).toThrow(/plain name/);
    expect(() => extraArchive([], [{ name: 'sbin/x', path: '/bin/true' }])).toThrow(/sbin\/x: a plain name, placed in \/bin\//);
  });
});

// ---- debugfs parsers ---------------------------------------------------------------------------

const SHOW = `=== /sys/kernel/debug/nicsched/nicsched0/counters
state 1
submitted 59
completed 57
polls 1236
poll_ns 415962550
hw_policy_hash 0xdb63cefc
=== /sys/kernel/debug/nicsched/nicsched0/slots
slot owner in_flight seq tag action valid submitted completed dropped errors timeouts
0 0 0 9 9 1 1 9 9 0 0 0
1 1 0 0 0 0 0 1 0 0 1 1
=== /sys/kernel/debug/nicsched_hook/state
state stopped
reason stall
policy reference_s200 db63cefcc18462b9486a08dad2e24ffe0e5e83c45e00b8f242ea318dd9c9e8b7
device nicsched0 hash 0xdb63cefc state 1
ttl_ms 1000
stall_timeout_ms 200
nice_limit 8
points wakeup tick
decision_log 4096
stall cpu 0 age_ns 206495357 prev_check_ns 199813369
=== /sys/kernel/debug/nicsched_hook/counters
staged 13
installed 4
submit_ns 30435830
=== /sys/kernel/debug/nicsched_hook/cpus
cpu slot shared staged overwritten
0 0 0 8 3
1 1 0 5 0
=== /sys/kernel/debug/nicsched_hook/histograms
# bucket k counts ns < 1024 << k (k = 0..14); the last bucket is open
bucket_ns 1024 2048 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304 8388608 16777216 33554432
answer 0 0 0 0 0 0 0 0 0 1 1 1 1 1 0 2
decision 0 0 0 0 0 0 0 0 0 0 0 0 0 2 1 1
`;

describe('debugfs parsers (codegen/system/debugfs.ts)', () => {
  it('reads ns_show: counters, tables, the hook state with its stall record, histograms', () => {
    const s = snapshot(SHOW);
    expect(s.driver).toMatchObject({ state: 1, submitted: 59, poll_ns: 415962550, hw_policy_hash: 0xdb63cefc });
    expect(s.slots[1]).toMatchObject({ slot: 1, owner: 1, timeouts: 1 });
    expect(s.hook).toMatchObject({ state: 'stopped', reason: 'stall', policyName: 'reference_s200', deviceHash: '0xdb63cefc', ttlMs: 1000, stallTimeoutMs: 200 });
    expect(s.hook.stalls).toEqual([{ cpu: 0, ageNs: 206495357, prevCheckNs: 199813369 }]);
    expect(s.hookCounters).toEqual({ staged: 13, installed: 4, submit_ns: 30435830 });
    expect(s.cpus).toEqual([
      { cpu: 0, slot: 0, shared: 0, staged: 8, overwritten: 3 },
      { cpu: 1, slot: 1, shared: 0, staged: 5, overwritten: 0 },
    ]);
    expect(histogramQuantile(s.histograms, s.histograms.answer, 0.5)).toBe(4194304);
    expect(histogramQuantile(s.histograms, s.histograms.answer, 0.99)).toBe(Infinity);
    expect(hookState('state armed\nreason none\n').stalls).toEqual([]);
    expect(table('a b\n1 2\n')).toEqual([{ a: 1, b: 2 }]);
  });

  it('reads the decision log', () => {
    const log = decisionLog('# kinds: a answer, r dropped out of range, s dropped stale, i installed\n# cpu 0 logged 3 kept 3\n0 a 0 257 2 1\n0 s 0 258 1 2\n0 i 3 257 2 1\n# cpu 1 logged 9000 kept 8192\n');
    expect(log.cpus.get(1)).toEqual({ logged: 9000, kept: 8192 });
    expect(log.entries).toEqual([
      { cpu: 0, kind: 'answer', slot: 0, tag: 257, action: 2, id: 1 },
      { cpu: 0, kind: 'stale', slot: 0, tag: 258, action: 1, id: 2 },
      { cpu: 0, kind: 'install', slot: 3, tag: 257, action: 2, id: 1 },
    ]);
  });
});

// ---- the decision check ------------------------------------------------------------------------

describe('decision check (codegen/system/decisions.ts)', () => {
  const policy = loadPolicy(REFERENCE);
  const golden = new GoldenModel(policy.ir);
  const features = [
    [19, 24, 0, 0, 109, 0, 20, 21],
    [0, 20, 4, 0, 3, 0, 20, 15],
    [25, 23, 4, 1, 0, 0, 20, 0],
    [27, 26, 125, 2, 10, 10, 20, 12],
  ];
  // CPU 0 on slot 0 and CPU 1 on slot 1, each the only CPU of its slot: both send tags 1, 2 (a
  // tag is unique among the CPUs of one slot only); one doorbell never answered
  const doorbells: Doorbell[] = features.map((f, k) => ({
    seq: k + 1,
    t_ns: k,
    slot: k % 2,
    tag: 1 + Math.floor(k / 2),
    delivered: true,
    fault: 'healthy',
    features: f,
    answered: true,
    action: golden.inferAction(f),
    scores: null,
  }));
  doorbells.push({ ...doorbells[0]!, seq: 5, tag: 3, answered: false, action: null });
  const entries = doorbells.slice(0, 4).flatMap((d) => {
    const cpu = d.slot;
    const id = d.tag;
    return [
      { cpu, kind: 'answer' as const, slot: d.slot, tag: d.tag, action: d.action!, id },
      { cpu: 1 - cpu, kind: 'install' as const, slot: d.slot, tag: d.tag, action: d.action!, id },
    ];
  });
  const slots = new Map([
    [0, 0],
    [1, 1],
  ]);
  const log = {
    cpus: new Map([
      [0, { logged: 4, kept: 4 }],
      [1, { logged: 4, kept: 4 }],
    ]),
    entries,
  };

  it('traces every doorbell through the golden model and the guest log', () => {
    expect(new Set(doorbells.slice(0, 4).map((d) => d.action)).size).toBeGreaterThan(1);
    const c = checkDecisions(doorbells, () => [golden], log, slots);
    expect(c).toMatchObject({ doorbells: 5, answered: 4, guestAnswers: 4, guestAnswersMatched: 4, installs: 4, installsMatched: 4, doorbellsSeenByGuest: 4 });
    expect(c.goldenMismatches).toEqual([]);
    expect(c.guestMismatches).toEqual([]);
    expect(c.truncatedCpus).toEqual([]);
  });

  it('finds a card answer the golden model disagrees with', () => {
    const wrong = doorbells.map((d) => (d.seq === 3 ? { ...d, action: (d.action! + 1) % 4 } : d));
    const c = checkDecisions(wrong, () => [golden], log, slots);
    expect(c.goldenMismatches.map((m) => m.seq)).toEqual([3]);
  });

  it("finds a guest answer or install whose action is not the card's", () => {
    const answer = { ...log, entries: entries.map((e, k) => (k === 2 ? { ...e, action: (e.action + 1) % 4 } : e)) };
    expect(checkDecisions(doorbells, () => [golden], answer, slots).guestMismatches).toMatchObject([{ kind: 'answer', seq: 2 }]);
    const install = { ...log, entries: entries.map((e, k) => (k === 5 ? { ...e, action: (e.action + 1) % 4 } : e)) };
    expect(checkDecisions(doorbells, () => [golden], install, slots).guestMismatches).toMatchObject([{ kind: 'install', cpu: 1 }]);
    const unknown = { ...log, entries: [...entries, { cpu: 0, kind: 'answer' as const, slot: 0, tag: 99, action: 0, id: 99 }] };
    expect(checkDecisions(doorbells, () => [golden], unknown, slots).guestMismatches).toMatchObject([{ tag: 99, card: null }]);
  });
});

// ---- options and the guest policy --------------------------------------------------------------

describe('nicsched system options', () => {
  it('parses workloads and faults, and refuses others by name', () => {
    expect(parseWorkloads('hackbench, schbench')).toEqual(['hackbench', 'schbench']);
    expect(() => parseWorkloads('hackbench,fio')).toThrow(InputError);
    expect(() => parseWorkloads('')).toThrow(/empty/);
    for (const w of WORKLOADS) expect(nsloadArgs(w, 3)).toMatch(/^(pipes|msg|timer|mixed) /);
    expect(parseFault('slow:250')).toBe('slow:250');
    expect(() => parseFault('slow:0')).toThrow(/unknown fault/);
    expect(() => parseFault('unplug')).toThrow(InputError);
  });

  it("scales only the hook time limits, capping the TTL at the kernel's 1000 ms", () => {
    const dir = tempDir('guest-policy-');
    const same = guestPolicy(TINY, 1, dir);
    expect(same.file).toBe(TINY);
    const gp = guestPolicy(REFERENCE, 50, dir);
    expect(gp.policy.ir.hook).toEqual({ points: ['wakeup', 'tick'], decision_ttl_ms: 1000, stall_timeout_ms: 200 });
    expect(gp.policy.hash).not.toBe(gp.original.hash);
    expect({ ...gp.policy.ir, hook: gp.original.ir.hook }).toEqual(gp.original.ir);
    expect(guestPolicy(REFERENCE, 50, dir).file).toBe(gp.file);
    expect(() => guestPolicy(REFERENCE, 0, dir)).toThrow(/--time-scale/);
  });
});
