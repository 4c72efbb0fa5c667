/**
 * The scheduler fork, proven with the real artifacts, one kernel built (the patched one):
 *  - the hook backend's generated header (catalogue, feature order, actions, limits);
 *  - the patch series applies strictly to Debian's linux-source-6.1 (a broken one does not), is
 *    upstream-formatted, and is checkpatch --strict clean, as are the module and its header;
 *  - scripts/build-kernel.sh builds the patched tinyconfig kernel and, against it, the driver and
 *    nicsched_hook.ko with W=1 C=1 (sparse): cached outside the clone by content, in beforeAll; a
 *    warm cache builds nothing, which a test checks;
 *  - the four hook sites in vmlinux are each one patched-out static branch; sparse reports nothing
 *    in the files the series adds nor on the lines it adds; the hook's own code, preprocessed by
 *    kbuild, touches no register;
 *  - the userspace harness (the module's nsh_logic.c, the driver's nicsched_core.c and the
 *    series' kernel/sched/nic.c, unchanged, on the Verilated NIC): feature transforms identical
 *    to codegen/spec/catalogue.ts, decisions identical to the golden model, expiry, drops,
 *    clamping, stall fallback at the first HZ=1000 tick after the timeout, a wedged card, a weight
 *    reload, a provider registered again, NOHZ_FULL's remote tick, tags with 512 CPUs, the tick
 *    window against the kernel's calc_delta_fair(), all-ones, kill switch, register accesses;
 *  - decision_ttl_ms has the kernel's limit; SCHED_NIC is dropped on PREEMPT_RT (the kernel's
 *    Kconfig).
 * Needs scripts/setup-kernel.sh (checkpatch, sparse, linux-source-6.1) and scripts/setup.sh
 * (Verilator); scripts/build-kernel.sh installs flex, bison, bc and libelf-dev when missing.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hookData, renderHook, xformCall } from '../../codegen/backends/hook/hook-backend.js';
import { BACKENDS } from '../../codegen/backends/index.js';
import { GoldenModel } from '../../codegen/golden/model.js';
import { formatRange } from '../../codegen/numeric/format.js';
import { loadPolicy } from '../../codegen/policy.js';
import { FEATURE_SOURCES, applyTransform, featureValue, type FeatureSource } from '../../codegen/spec/catalogue.js';
import { LIMITS } from '../../codegen/spec/limits.js';
import { cli, REFERENCE, ROOT, tempDir, TINY } from '../helpers.js';
import { hookSites } from '../../bench/lib/vmlinux.mjs';
import { reloadFixture } from './reload-fixture.js';

const PATCHES = join(ROOT, 'kernel-hook/patches/linux-6.1');
const MODULE = join(ROOT, 'kernel-hook/module');
const BUILD_KERNEL = join(ROOT, 'scripts/build-kernel.sh');
const KERNEL_BUILD_TIMEOUT = 40 * 60_000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { input?: string; timeout?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', input: opts.input, timeout: opts.timeout ?? 600_000, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function keyValues(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const CHECKPATCH = (() => {
  const r = run('bash', [join(ROOT, 'scripts/setup-kernel.sh'), '--print']);
  return keyValues(r.stdout)['CHECKPATCH'] ?? '';
})();

function checkpatch(args: string[]): Run {
  if (!CHECKPATCH) throw new Error('checkpatch missing; run scripts/setup-kernel.sh');
  return run('perl', [CHECKPATCH, '--strict', '--no-tree', '--show-types', ...args]);
}

const seriesFiles = readdirSync(PATCHES)
  .filter((f) => f.endsWith('.patch'))
  .sort();

// ---- the hook backend --------------------------------------------------------------------------

describe('hook backend', () => {
  it('runs in nicsched compile and emits hook/nicsched_hook_policy.h', () => {
    const hook = BACKENDS.find((b) => b.name === 'hook');
    expect(hook).toBeDefined();
    const files = hook!.emit(loadPolicy(REFERENCE));
    expect(files.map((f) => f.path)).toEqual(['hook/nicsched_hook_policy.h']);
  });

  it('carries every catalogue source, the feature order, the actions and the limits', () => {
    const policy = loadPolicy(REFERENCE);
    const h = renderHook(hookData(policy))[0]!.contents;
    for (const s of FEATURE_SOURCES) {
      const raw = s.kind === 'delta' ? 'u64' : 's64';
      expect(h).toContain(`= ${s.kernel};`);
      expect(h).toContain(`static inline s32 nsh_xform_${s.name}(${raw} x, s32 lo, s32 hi)`);
      expect(h).toContain(`return ${xformCall(s.transform, raw)};`);
    }
    const order = [...h.matchAll(/^\tf\[(\d+)\] = nsh_xform_(\w+)\(/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(order).toEqual(policy.ir.features.map((f, i) => [i, f.source]));
    expect(h).toContain(`#define NSH_POLICY_HASH32\t0x${policy.hash.slice(0, 8)}U`);
    expect(h).toContain(`#define NSH_POLICY_HASH\t\t"${policy.hash}"`);
    expect(h).toContain('#define NSH_DECISION_TTL_MS\t20');
    expect(h).toContain('#define NSH_STALL_TIMEOUT_MS\t4');
    expect(h).toContain('#define NSH_IN_MIN\t\t(0)\n#define NSH_IN_MAX\t\t(255)');
    expect(h).toMatch(/\{ "keep", 0 \},\n\t\{ "boost", -3 \},\n\t\{ "demote", 2 \},\n\t\{ "strong_boost", -6 \},\n\};/);
  });

  it('marks actions beyond the nice limit and refuses transforms C cannot do exactly', () => {
    const policy = loadPolicy(REFERENCE);
    policy.ir.actions[3] = { name: 'strong_boost', nice: -12 };
    const data = hookData(policy);
    expect(data.actions[3]).toMatchObject({ nice: -12, adj: -8, clamped: true });
    expect(renderHook(data)[0]!.contents).toContain('{ "strong_boost", -12 },\t/* applied as -8 */');
    expect(() => xformCall({ op: 'shr', by: 64 }, 'u64')).toThrow(/outside 0..63/);
    expect(() => xformCall({ op: 'offset', add: 2 ** 31 }, 's64')).toThrow(/outside/);
  });
});

// ---- the patch series ----------------------------------------------------------------------------

describe('patch series kernel-hook/patches/linux-6.1', () => {
  it('is an upstream-style series: numbered, signed off, one subject per patch', () => {
    expect(seriesFiles.length).toBe(4);
    seriesFiles.forEach((f, i) => {
      const text = readFileSync(join(PATCHES, f), 'utf8');
      expect(text).toMatch(new RegExp(`^Subject: \\[PATCH ${i + 1}/${seriesFiles.length}\\] \\S`, 'm'));
      expect(text).toMatch(/^Signed-off-by: .+ <.+@.+>$/m);
      expect(text).toMatch(/^From: /m);
      expect(text).toMatch(/^---$/m);
    });
  });

  it('applies strictly, in order, to Debian linux-source-6.1 (cached pristine extraction)', () => {
    const r = run('bash', [BUILD_KERNEL, '--check-apply'], { timeout: 600_000 });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(keyValues(r.stdout)).toMatchObject({ APPLY: 'ok', PATCHES: String(seriesFiles.length) });
    expect(keyValues(r.stdout)['PRISTINE']).toMatch(/\.cache\/nicsched\/kernel\/src\/[0-9a-f]{16}\/linux-source-6\.1$/);
    for (const f of seriesFiles) expect(r.stderr).toContain(`applies: ${f}`);
  });

  it('a series that does not match the tree fails to apply', () => {
    const dir = tempDir('nicsched-badseries-');
    for (const f of seriesFiles) copyFileSync(join(PATCHES, f), join(dir, f));
    const third = join(dir, seriesFiles[2]!);
    const text = readFileSync(third, 'utf8');
    const at = text.indexOf('\n \t', text.indexOf('diff --git a/kernel/sched/fair.c'));
    writeFileSync(third, `${text.slice(0, at)}\n \t/* not in linux-source-6.1 */${text.slice(at + 3)}`);
    const r = run('bash', [BUILD_KERNEL, '--check-apply', '--patches', dir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${seriesFiles[2]} does not apply to linux-source-6.1`);
  });

  it('checkpatch --strict: 0 errors, 0 warnings, 0 checks on every patch', () => {
    for (const f of seriesFiles) {
      const r = checkpatch([join(PATCHES, f)]);
      expect(r.stdout, f).toMatch(/total: 0 errors, 0 warnings, 0 checks, \d+ lines checked/);
      expect(r.status, f).toBe(0);
    }
  });
});

describe('checkpatch --strict on the module', () => {
  it('every module and harness source and the generated header of both example policies: clean', () => {
    const harnessDir = join(ROOT, 'kernel-hook/userspace');
    const files = [
      ...readdirSync(MODULE)
        .filter((f) => /\.[ch]$/.test(f))
        .map((f) => join(MODULE, f)),
      ...readdirSync(harnessDir)
        .filter((f) => /\.[ch]$/.test(f))
        .map((f) => join(harnessDir, f)),
    ];
    for (const policy of [REFERENCE, TINY]) {
      const out = join(tempDir(), 'nicsched_hook_policy.h');
      writeFileSync(out, renderHook(hookData(loadPolicy(policy)))[0]!.contents);
      files.push(out);
    }
    expect(files.length).toBe(10);
    for (const f of files) {
      const r = checkpatch(['-f', f]);
      expect(r.stdout, f).toMatch(/total: 0 errors, 0 warnings, 0 checks/);
      expect(r.status, f).toBe(0);
    }
  });
});

// ---- the kernel and the modules -----------------------------------------------------------------

/** Register accessors a module could call inline (readl() is inline asm on x86: nm -u never sees it). */
const MMIO_CALL = /\b(?:(?:__raw_)?(?:read|write)[bwlq](?:_relaxed|_be)?|io(?:read|write)(?:8|16|32|64)(?:be)?(?:_rep)?|memcpy_(?:from|to)io|memset_io|(?:in|out)[bwl](?:_p)?|(?:in|out)s[bwl])\s*\(/;
const HOOK_OWN_FILES = /(?:^|\/)(?:nsh_module\.c|nsh_logic\.[ch]|nsh_xform\.h|nicsched_hook_policy\.h)$/;

/**
 * The lines of the hook's own code (its sources and generated header, after kbuild's
 * preprocessor expanded every macro) that call a register accessor or reach the driver's
 * register window (core->regs).
 */
function registerAccess(preprocessed: string): string[] {
  let file = '';
  const hits: string[] = [];
  for (const line of preprocessed.split('\n')) {
    const marker = /^# \d+ "([^"]+)"/.exec(line);
    if (marker) {
      file = marker[1]!;
      continue;
    }
    if (HOOK_OWN_FILES.test(file) && (MMIO_CALL.test(line) || /->\s*regs\b/.test(line))) hits.push(`${file}: ${line.trim()}`);
  }
  return hits;
}

/** 1-based numbers of the lines the series added to @file (diff against the pristine tree), or 'new'. */
function seriesLines(pristine: string, tree: string, file: string): Set<number> | 'new' {
  if (!existsSync(join(pristine, file))) return 'new';
  const r = run('diff', ['--unchanged-line-format=', '--old-line-format=', '--new-line-format=%dn\n', join(pristine, file), join(tree, file)]);
  return new Set(r.stdout.split('\n').filter(Boolean).map(Number));
}

describe('scripts/build-kernel.sh: patched kernel + driver + nicsched_hook.ko', () => {
  let built: Record<string, string> = {};
  let firstRun: Run;
  let preprocessed = '';
  let sparse: string[] = [];
  let pristine = '';

  beforeAll(() => {
    // cold cache: extracts, applies, configures and builds (~2-3 min on 2 cores); warm: nothing
    firstRun = run('bash', [BUILD_KERNEL], { timeout: KERNEL_BUILD_TIMEOUT });
    built = keyValues(firstRun.stdout);
    const tree = built['KERNEL_TREE'];
    if (firstRun.status !== 0 || !tree) return;
    // the hook's sources through kbuild's preprocessor, in a copy of its build directory
    const copy = join(tempDir('nicsched-hook-pp-'), 'hook');
    expect(run('cp', ['-r', join(built['MODULES_DIR']!, 'hook'), copy]).status).toBe(0);
    const pp = run('make', ['-s', '-C', tree, `M=${copy}`, 'nsh_module.i', 'nsh_logic.i']);
    if (pp.status !== 0) throw new Error(`kbuild could not preprocess the hook:\n${pp.stderr.slice(-3000)}`);
    preprocessed = ['nsh_module.i', 'nsh_logic.i'].map((f) => readFileSync(join(copy, f), 'utf8')).join('\n');
    // sparse on the scheduler objects the series touches (checks every source again: C=2)
    const r = run('make', ['-C', tree, 'ARCH=x86_64', 'C=2', 'kernel/sched/build_policy.o', 'kernel/sched/fair.o', 'kernel/sched/core.o']);
    if (r.status !== 0) throw new Error(`sparse pass failed:\n${r.stderr.slice(-3000)}`);
    sparse = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /: (warning|error): /.test(l));
    pristine = keyValues(run('bash', [BUILD_KERNEL, '--check-apply']).stdout)['PRISTINE'] ?? '';
  }, KERNEL_BUILD_TIMEOUT);

  it('builds (or finds cached) a tinyconfig kernel with CONFIG_SCHED_NIC', () => {
    expect(firstRun.stderr).not.toMatch(/ERROR/);
    expect(firstRun.status).toBe(0);
    const tree = built['KERNEL_TREE']!;
    expect(tree).toMatch(/\.cache\/nicsched\/kernel\/build\/[0-9a-f]{16}\/linux$/);
    expect(existsSync(join(tree, 'arch/x86/boot/bzImage'))).toBe(true);
    const config = readFileSync(join(tree, '.config'), 'utf8');
    for (const opt of ['SCHED_NIC', 'SCHED_INFO', 'JUMP_LABEL', 'SMP', 'MODULES', 'MODULE_UNLOAD', 'DEBUG_FS', 'PCI', 'IRQ_WORK', '64BIT']) {
      expect(config, opt).toMatch(new RegExp(`^CONFIG_${opt}=y$`, 'm'));
    }
    const syms = run('nm', [built['VMLINUX']!]).stdout;
    for (const s of ['sched_nic_register', 'sched_nic_unregister', 'sched_nic_stop', 'sched_nic_wakeup', 'sched_nic_tick', 'sched_nic_key']) {
      expect(syms).toMatch(new RegExp(` ${s}$`, 'm'));
    }
    const info = readFileSync(join(tree, '..', 'info'), 'utf8');
    expect(info).toMatch(/^version=6\.1\.\d+$/m);
    expect(info).toContain(`patches=${seriesFiles.join(' ')}`);
    console.log(`kernel ${built['KERNEL_KEY']}: ${built['KERNEL_BUILT']}, built in ${built['KERNEL_SECONDS']} s`);
  });

  it('builds nicsched.ko and nicsched_hook.ko against it with W=1 C=1 and no warnings', () => {
    const log = readFileSync(join(built['MODULES_DIR']!, 'modules.log'), 'utf8');
    expect(log.split('\n').filter((l) => /\b(warning|error)\b/i.test(l))).toEqual([]);
    expect(log).toMatch(/CHECK\s+\S+\/hook\/nsh_module\.c/);
    expect(log).toMatch(/CHECK\s+\S+\/hook\/nsh_logic\.c/);
    const file = join(tempDir(), 'modinfo.bin');
    expect(run('objcopy', ['-O', 'binary', '--only-section=.modinfo', built['HOOK_KO']!, file]).status).toBe(0);
    const info = readFileSync(file, 'latin1').split('\0');
    expect(info).toContain('depends=nicsched');
    expect(info.find((s) => s.startsWith('vermagic='))).toMatch(/^vermagic=6\.1\.\d+ SMP mod_unload/);
    expect(info.filter((s) => s.startsWith('parm=')).map((s) => s.split(':')[0])).toEqual(expect.arrayContaining(['parm=device', 'parm=arm', 'parm=enabled']));
    const undef = run('nm', ['-u', built['HOOK_KO']!]).stdout;
    for (const s of ['sched_nic_register', 'sched_nic_stop', 'nicsched_core_decision', 'nicsched_core_submit', 'irq_work_queue']) expect(undef).toContain(s);
    // the exported accessors (an inline readl() never shows here: see the preprocessed check)
    for (const s of ['ioread32', 'iowrite32']) expect(undef).not.toMatch(new RegExp(`\\b${s}\\b`));
  });

  it('the hook module touches no register: none of its own lines, macros expanded by kbuild, calls an accessor (inline ones too) or reaches core->regs', () => {
    expect(preprocessed).toMatch(/^# \d+ ".*nsh_module\.c"/m);
    expect(preprocessed).toMatch(/\bnicsched_core_submit\s*\(/); // the hook's code is there
    expect(registerAccess(preprocessed)).toEqual([]);
    // the check sees an accessor where one is
    expect(registerAccess('# 1 "/x/nsh_module.c"\n (void)readl(nsh_ctx.core->regs);')).toHaveLength(1);
    expect(registerAccess('# 1 "./arch/x86/include/asm/io.h"\n static inline u32 readl(const volatile void *a)')).toEqual([]);
  });

  it('a warm cache rebuilds nothing', () => {
    const t0 = Date.now();
    const r = run('bash', [BUILD_KERNEL]);
    expect(r.status).toBe(0);
    expect(keyValues(r.stdout)).toMatchObject({ KERNEL_BUILT: 'cached', MODULES_BUILT: 'cached', KERNEL_TREE: built['KERNEL_TREE'] });
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('hook off: each of the four sites (wakeup, tick, and the tick window at migration and at a group change) is one patched-out static branch', () => {
    const sites = hookSites(built['VMLINUX']!) as Array<{ fn: { name: string } | null; insn: string; bytes: number; call: string; offline: number }>;
    expect(sites.map((s) => [s.fn?.name, s.call]).sort()).toEqual([
      ['enqueue_task_fair', 'sched_nic_wakeup'],
      ['migrate_task_rq_fair', 'sched_nic_migrate'],
      ['task_change_group_fair', 'sched_nic_migrate'],
      ['task_tick_fair', 'sched_nic_tick'],
    ]);
    for (const s of sites) {
      expect(s.insn, s.fn?.name).toMatch(/^(xchg %ax,%ax|nop\S*)/);
      expect([2, 5], s.fn?.name).toContain(s.bytes);
    }
    console.log(sites.map((s) => `${s.fn?.name}: ${s.insn} (${s.bytes} bytes), when on ${s.offline} instructions calling ${s.call}`).join('\n'));
  });

  it('sparse: no diagnostic in the files the series adds, none on a line it adds elsewhere in kernel/sched', () => {
    expect(pristine).toMatch(/linux-source-6\.1$/);
    const tree = built['KERNEL_TREE']!;
    const onSeries: string[] = [];
    const cache = new Map<string, Set<number> | 'new'>();
    for (const d of sparse) {
      const m = /^(\S+?):(\d+):\d+: /.exec(d);
      if (!m) continue;
      const file = m[1]!.startsWith(`${tree}/`) ? m[1]!.slice(tree.length + 1) : m[1]!;
      if (!cache.has(file)) cache.set(file, seriesLines(pristine, tree, file));
      const lines = cache.get(file)!;
      if (lines === 'new' || lines.has(Number(m[2]))) onSeries.push(d);
    }
    expect(sparse.length).toBeGreaterThan(0); // sparse ran (the tree has RCU address-space reports of its own)
    expect([...cache.keys()].filter((f) => cache.get(f) === 'new')).toEqual([]);
    expect(onSeries).toEqual([]);
    console.log(`sparse: ${sparse.length} diagnostics in kernel/sched, none on the series' lines`);
  });
});

// ---- the userspace harness ----------------------------------------------------------------------

function harness(policy: string): string {
  const r = run('bash', [join(ROOT, 'kernel-hook/userspace/build.sh'), '--policy', policy]);
  if (r.status !== 0) throw new Error(`harness build failed:\n${r.stderr.slice(-3000)}`);
  return join(r.stdout.trim().split('\n').pop()!, 'nsh_harness');
}

interface Report {
  checks: { ok: boolean; what: string }[];
  values: Record<string, number>;
  golden: number[][];
  status: number | null;
}

function report(r: Run): Report {
  const checks: Report['checks'] = [];
  const values: Record<string, number> = {};
  const golden: number[][] = [];
  for (const line of r.stdout.split('\n')) {
    let m = /^check (ok|FAIL) (.*)$/.exec(line);
    if (m) checks.push({ ok: m[1] === 'ok', what: m[2]! });
    m = /^value (\S+) (-?\d+)$/.exec(line);
    if (m) values[m[1]!] = Number(m[2]);
    if (line.startsWith('golden ')) golden.push(line.slice(7).split(' ').map(Number));
  }
  return { checks, values, golden, status: r.status };
}

function expectAllOk(rep: Report, min: number): void {
  expect(rep.checks.filter((c) => !c.ok).map((c) => c.what)).toEqual([]);
  expect(rep.checks.length).toBeGreaterThanOrEqual(min);
  expect(rep.values['failures']).toBe(0);
  expect(rep.status).toBe(0);
}

/** 0, 1, 2^k - 1, 2^k, 2^k + 1 for k = 1..64 (within u64), and 2^64 - 1. */
function edgeValues(): bigint[] {
  const v = new Set<bigint>([0n, 1n, 2n ** 64n - 1n]);
  for (let k = 1; k <= 64; k++) for (const d of [-1n, 0n, 1n]) v.add(2n ** BigInt(k) + d);
  return [...v].filter((x) => x >= 0n && x < 2n ** 64n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function xorshift(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= (s << 13n) & (2n ** 64n - 1n);
    s ^= s >> 7n;
    s ^= (s << 17n) & (2n ** 64n - 1n);
    return s;
  };
}

/** Raw values per source: u64 for counters; signed 64-bit for levels (negatives included). */
function rawValues(s: FeatureSource): bigint[] {
  const next = xorshift(0x9e3779b97f4a7c15n + BigInt(s.name.length));
  const u = [...edgeValues(), ...Array.from({ length: 400 }, () => next() >> (next() % 64n))];
  if (s.kind === 'delta') return u;
  const half = 2n ** 63n;
  const signed = u.map((x) => (x >= half ? x - 2n ** 64n : x));
  return [...signed, ...signed.map((x) => -x).filter((x) => x < half), -half, half - 1n];
}

const FORMATS = [
  { bits: 8, frac: 0, signed: false },
  { bits: 8, frac: 0, signed: true },
  { bits: 16, frac: 0, signed: false },
  { bits: 16, frac: 0, signed: true },
  { bits: 1, frac: 0, signed: false },
  { bits: 4, frac: 2, signed: true },
];

/** Compare the C transforms with `expected` (the catalogue's featureValue unless overridden). */
function compareTransforms(bin: string, expected = featureValue): { compared: number; mismatches: string[] } {
  const lines: string[] = [];
  const want: number[] = [];
  for (const s of FEATURE_SOURCES) {
    for (const f of FORMATS) {
      const { min, max } = formatRange(f);
      for (const raw of rawValues(s)) {
        lines.push(`${s.name} ${raw} ${min} ${max}`);
        want.push(expected(s, raw, min, max));
      }
    }
  }
  const r = run(bin, ['xform'], { input: `${lines.join('\n')}\n` });
  expect(r.status).toBe(0);
  const got = r.stdout.trim().split('\n').map(Number);
  expect(got.length).toBe(want.length);
  const mismatches = want.flatMap((w, i) => (w === got[i] ? [] : [`${lines[i]}: C ${got[i]}, catalogue ${w}`]));
  return { compared: want.length, mismatches };
}

describe('userspace harness: the module logic + driver core on the Verilated NIC', () => {
  let bin = '';
  let e2e: Report;
  beforeAll(async () => {
    bin = harness(REFERENCE);
    const reload = await reloadFixture();
    e2e = report(run(bin, ['e2e', '600', '--reload', reload.dir]));
  }, 600_000);

  it("unit: clamping, buckets, tags and the kernel patch's own bounds (<linux/sched/nic.h>)", () => {
    const rep = report(run(bin, ['unit']));
    expectAllOk(rep, 18);
    expect(rep.values['tick_vdelta_boost3_ns']).toBeLessThan(0);
    // task_struct::nic as README and the Kconfig help state it; the module's words fit its data
    expect(rep.values['sched_nic_task_bytes']).toBe(88);
    expect(rep.values['nsh_task_bytes']).toBeLessThanOrEqual(56);
    expect(rep.values['tick_vdelta_demote2_ns']).toBeGreaterThan(0);
  });

  it('every catalogue transform in C equals catalogue.ts on 0, 1, 2^k±1, 2^64-1, negatives and random values, in six formats', () => {
    const { compared, mismatches } = compareTransforms(bin);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(FEATURE_SOURCES.length * FORMATS.length * 500);
    console.log(`transforms: ${compared} comparisons, 0 mismatches`);
  });

  it('the comparison catches a transform that differs', () => {
    const wrong = (s: FeatureSource, raw: bigint, min: number, max: number) => (s.name === 'util_avg' ? featureValue({ ...s, transform: { op: 'shr', by: 3 } }, raw, min, max) : featureValue(s, raw, min, max));
    expect(compareTransforms(bin, wrong).mismatches.length).toBeGreaterThan(100);
  });

  it("policy features from synthetic task stats equal the catalogue's (deltas since the previous request, wrapping)", () => {
    const policy = loadPolicy(REFERENCE);
    const { min, max } = formatRange(policy.ir.input_format);
    // the harness's input columns (run_features in nsh_harness.c) and each catalogue expression over them
    const fields: Record<string, (v: readonly bigint[]) => bigint> = {
      'p->sched_info.run_delay': (v) => v[0]!,
      'p->se.sum_exec_runtime': (v) => v[1]!,
      'p->nvcsw': (v) => v[2]!,
      'p->nivcsw': (v) => v[3]!,
      'p->se.avg.util_avg': (v) => v[4]!,
      'p->se.nr_migrations': (v) => v[5]!,
      'task_nice(p)': (v) => v[6]! - 120n,
      'p->wakee_flips': (v) => v[7]!,
      'p->se.sum_exec_runtime - p->se.prev_sum_exec_runtime': (v) => BigInt.asIntN(64, v[1]! - v[8]!),
    };
    expect(Object.keys(fields).sort()).toEqual(FEATURE_SOURCES.map((s) => s.kernel).sort());
    const deltas = FEATURE_SOURCES.filter((s) => s.kind === 'delta');
    const next = xorshift(12345n);
    const edges = edgeValues();
    const pick = (bits: bigint) => (next() % 4n === 0n ? edges[Number(next() % BigInt(edges.length))]! : next() >> (64n - bits));
    const lines: string[] = [];
    const want: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const v = [pick(64n), pick(64n), pick(64n), pick(64n), next() % 1100n, pick(64n), 100n + (next() % 40n), next() % 2n ** 32n, pick(64n)];
      const prev = deltas.map(() => pick(64n));
      lines.push([...v, ...prev].join(' '));
      want.push(
        policy.ir.features
          .map((f) => {
            const s = FEATURE_SOURCES.find((x) => x.name === f.source)!;
            let raw = fields[s.kernel]!(v);
            if (s.kind === 'delta') raw = (raw - prev[deltas.indexOf(s)]!) & (2n ** 64n - 1n);
            return featureValue(s, raw, min, max);
          })
          .join(' '),
      );
    }
    const r = run(bin, ['features'], { input: `${lines.join('\n')}\n` });
    expect(r.status).toBe(0);
    const got = r.stdout.trim().split('\n');
    expect(got.length).toBe(want.length);
    expect(got.flatMap((g, i) => (g === want[i] ? [] : [`${lines[i]} -> C ${g}, catalogue ${want[i]}`])).slice(0, 5)).toEqual([]);
    expect(applyTransform({ op: 'bitlen' }, 0n)).toBe(0n);
  });

  it('e2e: decisions equal the golden model; expiry, drops, stall fallback at the first HZ=1000 tick after the timeout, all-ones, kill switch; no register access in the hooks, posted writes only when submitting, RESULT reads only when polling', () => {
    const rep = e2e;
    expectAllOk(rep, 38);
    const policy = loadPolicy(REFERENCE);
    const golden = new GoldenModel(policy.ir);
    // 600 tasks, then the decisions around the weight reload: every one the golden model's
    expect(rep.golden.length).toBeGreaterThanOrEqual(600);
    const wrong = rep.golden.filter((g) => golden.inferAction(g.slice(0, -1)) !== g[g.length - 1]);
    expect(wrong).toEqual([]);
    // more than one action (the reference keeps or boosts: it never demotes, docs/LEARNING.md)
    expect(new Set(rep.golden.map((g) => g[g.length - 1])).size).toBeGreaterThanOrEqual(2);
    // HZ=1000 ticks, the doorbell a third of a tick off them: the first tick at or after the timeout
    expect(rep.values['stall_tick_ns']).toBe(1_000_000);
    expect(rep.values['stall_detected_after_ns']).toBeGreaterThanOrEqual(rep.values['stall_timeout_ns']!);
    expect(rep.values['stall_detected_after_ns']! - rep.values['stall_timeout_ns']!).toBeLessThan(1_000_000);
    // the hooks touch no register; the submit path only posts its writes; the poller reads RESULT only
    expect(rep.values).toMatchObject({ hook_mmio_reads: 0, hook_mmio_writes: 0, submit_mmio_reads: 0, submit_refused_writes: 0 });
    expect(rep.values['submit_doorbells']).toBeGreaterThanOrEqual(600);
    expect(rep.values['submit_max_writes']).toBe(3); // 2 FEATURES_PACKED words + DOORBELL
    expect(rep.values['submit_writes_per_doorbell_x1000']).toBeGreaterThan(1000);
    expect(rep.values['submit_writes_per_doorbell_x1000']).toBeLessThanOrEqual(3000);
    expect(rep.values['poll_reads_per_answer_x1000']).toBeLessThanOrEqual(1000 * rep.values['poll_reads_per_answer_bound']!);
  });

  it("e2e, a wedged card (RESULT stays BUSY): the hook stops at the first HZ=1000 tick after the stall timeout on owned and shared slots, a manual re-arm does not bring it back, and the driver's poller stops reading", () => {
    const rep = e2e;
    expectAllOk(rep, 38);
    const stall = rep.values['stall_timeout_ns']!;
    for (const slot of ['owned', 'shared']) {
      const after = rep.values[`wedged_${slot}_stop_after_ns`]!;
      expect(after, slot).toBeGreaterThanOrEqual(stall);
      expect(after, slot).toBeLessThan(stall + 1_000_000);
      expect(rep.values[`wedged_${slot}_poller_reads_after_stop`], slot).toBe(0);
      expect(rep.values[`wedged_${slot}_poller_armed_after_stop`], slot).toBe(0);
    }
    expect(rep.values['wedged_rearm_stopped_after_ns']).toBeLessThan(stall + 1_000_000);
  });

  it("e2e, a weight reload under the armed hook: another policy of the same shape stops it before any of its decisions is installed, arming on it is refused; reloading the hook's own policy lets it arm again", () => {
    expectAllOk(e2e, 38);
    expect(e2e.values['reload_installed_after']).toBe(0);
    expect(e2e.values['reload_back_installed']).toBe(50);
    expect(e2e.checks.map((c) => c.what)).toContain('reload: arming on the other policy is refused (mismatch)');
  });

  it("e2e, a provider registered again (kernel/sched/nic.c): the previous registration's decisions and pending answers are not applied", () => {
    expectAllOk(e2e, 38);
    expect(e2e.values['provider_change_adj']).not.toBe(0);
    expect(e2e.values['provider_change_vruntime_moved_ns']).toBe(0);
  });

  it("e2e, NOHZ_FULL's remote tick: it watches the rq's CPU (a stalled request there stops the hook at the first tick after the timeout) and leaves the calling CPU's state alone", () => {
    expectAllOk(e2e, 38);
    const after = e2e.values['remote_tick_stop_after_ns']!;
    expect(after).toBeGreaterThanOrEqual(e2e.values['stall_timeout_ns']!);
    expect(after).toBeLessThan(e2e.values['stall_timeout_ns']! + 1_000_000);
  });

  it("the tick's vruntime correction equals the kernel's own calc_delta_fair() over the runtime since the decision was installed (at a tick or a wakeup) or the task migrated, within 1 ns per update_curr()", () => {
    const rep = report(run(bin, ['tick']));
    expectAllOk(rep, 10);
    expect(rep.values['tick_action_nice']).toBeLessThan(0);
    expect(rep.values['tick_install_ns']).toBe(0);
    for (const what of ['after_install', 'after_migration', 'after_wakeup_install']) {
      expect(rep.values[`tick_${what}_kernel_ns`], what).toBeLessThan(0);
      expect(Math.abs(rep.values[`tick_${what}_ns`]! - rep.values[`tick_${what}_kernel_ns`]!), what).toBeLessThanOrEqual(3);
    }
  });

  it("tags with NR_CPUS 512 on 4 slots: unique among the CPUs sharing a slot; CPU 257's answer is never installed as CPU 1's", () => {
    const rep = report(run(bin, ['tags', '512']));
    expectAllOk(rep, 5);
    expect(rep.values).toMatchObject({ tags_cpus: 512, tags_clashes: 0, tags_same_wire_tag: 0 });
  });
});

describe('userspace harness on a second shape whose policy asks beyond the nice limit (tiny, boost -12)', () => {
  let file = '';
  let bin = '';
  beforeAll(() => {
    const dir = tempDir('nicsched-hook-clamp-');
    const text = readFileSync(TINY, 'utf8').replace('name: tiny', 'name: tiny_clamp').replace('{ name: boost, nice: -2 }', '{ name: boost, nice: -12 }');
    expect(text).toContain('nice: -12');
    file = join(dir, 'tiny_clamp.yaml');
    writeFileSync(file, text);
    bin = harness(file);
  }, 600_000);

  it('e2e: clamped and counted, decisions golden', () => {
    const rep = report(run(bin, ['e2e', '200']));
    expectAllOk(rep, 40);
    expect(rep.values['actions_beyond_limit']).toBe(1);
    expect(rep.checks.map((c) => c.what)).toContain('action beyond the nice limit: clamped, counted');
    const golden = new GoldenModel(loadPolicy(file).ir);
    expect(rep.golden.filter((g) => golden.inferAction(g.slice(0, -1)) !== g[g.length - 1])).toEqual([]);
  });
});

// ---- decision TTL: one limit ----------------------------------------------------------------------

/** The tiny policy with another decision TTL, written next to a fresh directory. */
function tinyWithTtl(ttlMs: number): string {
  const text = readFileSync(TINY, 'utf8').replace('name: tiny', 'name: tiny_ttl').replace('decision_ttl_ms: 20', `decision_ttl_ms: ${ttlMs}`);
  expect(text).toContain(`decision_ttl_ms: ${ttlMs}`);
  const file = join(tempDir('nicsched-hook-ttl-'), 'tiny_ttl.yaml');
  writeFileSync(file, text);
  return file;
}

/** SCHED_NIC_TTL_MAX_NS as the series defines it in <linux/sched/nic.h>. */
function kernelTtlMaxNs(): number {
  const text = seriesFiles.map((f) => readFileSync(join(PATCHES, f), 'utf8')).join('\n');
  const m = /^\+#define SCHED_NIC_TTL_MAX_NS\s+(\d+)ULL$/m.exec(text);
  if (!m) throw new Error('the series defines no SCHED_NIC_TTL_MAX_NS');
  return Number(m[1]);
}

describe('decision_ttl_ms: the schema, the checker and the kernel agree', () => {
  let bin = '';
  beforeAll(() => {
    bin = harness(tinyWithTtl(LIMITS.maxTtlMs));
  }, 600_000);

  it("the policy limit is the kernel's SCHED_NIC_TTL_MAX_NS, in LIMITS and in the JSON Schema", () => {
    expect(LIMITS.maxTtlMs * 1_000_000).toBe(kernelTtlMaxNs());
    const schema = JSON.parse(readFileSync(join(ROOT, 'codegen/schema/policy-v1.schema.json'), 'utf8')) as { properties: { hook: { properties: { decision_ttl_ms: { maximum: number } } } } };
    expect(schema.properties.hook.properties.decision_ttl_ms.maximum).toBe(LIMITS.maxTtlMs);
  });

  it('nicsched check accepts the limit and refuses one millisecond more, naming the field and the limit', async () => {
    expect((await cli('check', tinyWithTtl(LIMITS.maxTtlMs))).code).toBe(0);
    const r = await cli('check', tinyWithTtl(LIMITS.maxTtlMs + 1));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/hook/decision_ttl_ms');
    expect(r.stderr).toContain(`above the maximum ${LIMITS.maxTtlMs}`);
  });

  it('the kernel side applies a decision with the longest TTL the checker accepts (harness, tiny policy)', () => {
    const rep = report(run(bin, ['e2e', '200']));
    expectAllOk(rep, 38);
    expect(rep.values['ttl_ns']).toBe(LIMITS.maxTtlMs * 1_000_000);
  });
});

// ---- PREEMPT_RT --------------------------------------------------------------------------------

describe("PREEMPT_RT: the kernel's own Kconfig, on an x86 that may select it (as the RT patchset makes it)", () => {
  let config: Record<string, string> = {};
  beforeAll(() => {
    const r = run('bash', [join(ROOT, 'kernel-hook/userspace/kconfig-rt.sh')]);
    if (r.status !== 0) throw new Error(`kconfig-rt.sh failed:\n${r.stderr.slice(-3000)}`);
    config = keyValues(r.stdout);
  }, 600_000);

  it('CONFIG_SCHED_NIC=y survives without PREEMPT_RT and is dropped with it', () => {
    expect(config).toEqual({ SCHED_NIC: 'y', RT_PREEMPT_RT: 'y', RT_SCHED_NIC: 'n' });
  });
});
