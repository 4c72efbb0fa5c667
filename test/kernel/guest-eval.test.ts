/**
 * The scheduling evaluation inside the full-system guest (codegen/system/guest-eval.ts,
 * docs/EVAL.md "In the guest"): nsload's simmix mode draws the simulator's mixed and hetero workloads phase
 * for phase, and one boot runs it with the hook off, on and with static nice on the batch class
 * (2 vCPUs, host clock, hook limits x50), a second one on 1 vCPU with guest time from instruction
 * counts and the hook limits as written. Correctness only, never timing: the arms ran and reported, the hook-on arm made decisions that
 * the card, the golden model and the guest's log agree on, the other arms made none, and the
 * kernel log is clean. The figures come from bench/guest-eval.mjs.
 *
 * Prebuild: npx tsc -p tsconfig.json && bash scripts/build-system.sh
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { heteroWorkload, MIXED_SHAPE, mixedWorkload, type Phase } from '../../codegen/eval/workload.js';
import { cacheDir } from '../../codegen/system/build.js';
import { formatFindings } from '../../codegen/system/dmesg.js';
import { armOrder, distributions, formatGuestEval, GUEST_RUNS, GUEST_WORKLOADS, guestEvalBoot, parseSimmix, runGuestEval, simmixArgs, simulatorRuns, type GuestBootRun, type GuestEvalOptions, type GuestEvalResult, type GuestWorkload } from '../../codegen/system/guest-eval.js';
import { guestPrograms } from '../../codegen/system/initramfs.js';
import { checkQemu } from '../../codegen/system/qemu.js';
import { buildSystem, type SystemBuild } from '../../codegen/system/run.js';
import { REFERENCE, tempDir } from '../helpers.js';

const TIME_SCALE = 50;
let qemu = '';
let sys: SystemBuild;
let unscaled: SystemBuild;
let nsload = '';
const progress = (m: string) => process.stderr.write(`  ${m}\n`);

beforeAll(async () => {
  qemu = checkQemu().binary;
  sys = await buildSystem(REFERENCE, TIME_SCALE, progress);
  unscaled = await buildSystem(REFERENCE, 1, progress);
  nsload = guestPrograms(join(cacheDir(), 'guest'), progress).nsload;
});

/** The simulator's first `count` sleep/run pairs of each interactive task, as nsload -P prints them. */
function simulatorPhases(workload: GuestWorkload, seed: number, cpus: number, count: number): string {
  const w = (workload === 'hetero' ? heteroWorkload : mixedWorkload)({ cpus, seed });
  return w.tasks
    .filter((t) => t.cls === 'interactive')
    .map((t, k) => {
      const it = t.phases();
      const pairs: string[] = [];
      for (let j = 0; j < count; j++) {
        const sleep = it.next().value as Phase;
        const run = it.next().value as Phase;
        if (sleep.kind !== 'sleep' || run.kind !== 'run') throw new Error(`task ${k}: expected sleep then run, got ${sleep.kind}, ${run.kind}`);
        pairs.push(`sleep:${sleep.ns} run:${run.ns}`);
      }
      return `${k} ${pairs.join(' ')}\n`;
    })
    .join('');
}

describe("nsload simmix is the simulator's mixed and hetero workloads", () => {
  it('draws the same sleeps and bursts for every interactive task (seeds 1, 7, 2^20)', () => {
    for (const workload of GUEST_WORKLOADS) {
      for (const seed of [1, 7, 1 << 20]) {
        const args = simmixArgs({ workload, seed, cpus: 2, seconds: 1, batchNice: 0, samples: false }).split(' ');
        const r = spawnSync(nsload, [...args, '-P', '200'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout, `${workload} seed ${seed}`).toBe(simulatorPhases(workload, seed, 2, 200));
      }
    }
    expect(simmixArgs({ workload: 'hetero', seed: 3, cpus: 1, seconds: 4, batchNice: 0, samples: false })).toMatch(/^simmix -s 3 -i 3 -b 2 -n 0 -d 4 -S 500000,500000,100000000 -B 20000,20000,10000000 -M [\d.]+,[\d.]+,[\d.]+ -R 16$/);
    expect(simmixArgs({ seed: 3, cpus: 2, seconds: 4, batchNice: 8, samples: true })).toBe(`simmix -s 3 -i ${MIXED_SHAPE.interactivePerCpu * 2} -b ${MIXED_SHAPE.batchPerCpu * 2} -n 8 -d 4 -S 8000000,500000,50000000 -B 500000,50000,5000000 -L`);
  });

  it('refuses bad arguments and checks its result line', () => {
    for (const bad of [
      ['-s', '-1'],
      ['-s', String((1 << 20) + 1)],
      ['-n', '20'],
      ['-S', '1,2'],
      ['-B', '5,9,3'],
      ['-M', '1000,2000', '-R', '16'], // one mean for one thread (-i 1)
      ['-M', '1000'], // no -R
      ['-M', '-5', '-R', '16'],
    ]) {
      const r = spawnSync(nsload, ['simmix', '-i', '1', '-b', '0', ...bad, '-P', '1'], { encoding: 'utf8' });
      expect(r.status, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/bad value for -|usage/);
    }
    expect(() => parseSimmix({ workload: 'simmix', seed: 1 })).toThrow(/"interactive"|"wakeup"/);
    expect(() => parseSimmix({ workload: 'mixed' })).toThrow(/workload is "mixed"/);
  });
});

/** The checks every evaluation boot must pass, whatever its timing. */
function checkBoot(boot: GuestBootRun, cpus: number, staticNice: number): void {
  expect(boot.runs.map((r) => r.arm)).toEqual([...boot.order, 'floor']);
  for (const r of boot.runs) {
    const x = r.result;
    const batch = r.arm === 'floor' ? 0 : MIXED_SHAPE.batchPerCpu * cpus;
    expect(x.seed).toBe(boot.seed);
    expect(x.interactive).toBe(MIXED_SHAPE.interactivePerCpu * cpus);
    expect(x.batch).toBe(batch);
    expect(x.batchNice).toBe(r.arm === 'nice' ? staticNice : 0);
    expect(x.wakeups).toBeGreaterThan(0);
    expect(x.samplesNs).toHaveLength(x.wakeups);
    expect(x.batchLoopsPerS > 0).toBe(batch > 0);
    expect(x.batchCpuMsPerS > 0).toBe(batch > 0);
    expect(x.interactiveCpuMsPerS).toBeGreaterThan(0);
    expect(x.wake.p50).toBeLessThanOrEqual(x.wake.p99);
    if (r.arm === 'on') {
      expect(r.decisions.hookState).toBe('armed');
      expect(r.decisions.doorbells).toBeGreaterThan(0);
      expect(r.decisions.installed).toBeGreaterThan(0);
      expect(r.decisions.applied).toBeGreaterThan(0);
    } else {
      expect(r.decisions.hookState).not.toBe('armed');
      expect(r.decisions.doorbells).toBe(0);
      expect(r.decisions.staged).toBe(0);
    }
  }
  expect(boot.decisions.answered).toBeGreaterThan(0);
  expect(boot.decisions.goldenMismatches).toEqual([]);
  expect(boot.decisions.guestMismatches).toEqual([]);
  expect(boot.dmesg, formatFindings(boot.dmesg)).toEqual([]);
  expect(boot.lostAccesses).toEqual([]);
}

describe('one boot: hook off, on and static nice', () => {
  it('runs each arm and the floor, decides only with the hook on, and leaves the kernel log clean', async () => {
    const o: GuestEvalOptions = { policy: REFERENCE, cpus: 2, seeds: [1], seconds: 2, staticNice: 8, timeScale: TIME_SCALE };
    const boot = await guestEvalBoot(sys, qemu, 1, armOrder(1), o, tempDir('nicsched-guest-eval-'), progress);
    expect(boot.order).toEqual(['on', 'nice', 'off']);
    checkBoot(boot, 2, 8);

    // the report over this boot and the simulator's runs of the same seed
    const res: GuestEvalResult = {
      policy: { name: 'reference', hash: sys.guestPolicy.original.hash, guestHash: sys.guestPolicy.policy.hash, timeScale: TIME_SCALE, ttlMs: 1000, stallTimeoutMs: 200 },
      workload: 'mixed',
      qemu: 'test',
      kernel: boot.kernel,
      cpus: 2,
      seconds: 2,
      staticNice: 8,
      seeds: [1],
      boots: [boot],
      sim: simulatorRuns(sys.guestPolicy.original, o),
      ok: true,
    };
    const dist = distributions(res);
    expect(dist.map((d) => d.arm)).toEqual([...GUEST_RUNS]);
    for (const d of dist) {
      expect(d.guest.n).toBe(boot.runs.find((r) => r.arm === d.arm)!.result.wakeups);
      expect(d.sim.n).toBeGreaterThan(0);
      for (const ks of [d.ks, d.ksWaited].filter((k) => !Number.isNaN(k))) {
        expect(ks).toBeGreaterThanOrEqual(0);
        expect(ks).toBeLessThanOrEqual(1);
      }
    }
    const text = formatGuestEval(res);
    expect(text).toMatch(/wakeup p99 \(us\)/);
    expect(text).toMatch(/hook on vs hook off/);
    expect(text).toMatch(/no batch/);
    expect(text).toMatch(/mismatches 0; kernel log and QEMU problems 0/);
  }, 180_000);

  it('with guest time from instruction counts, one vCPU runs the policy as written (the hetero workload)', async () => {
    const o: GuestEvalOptions = { policy: REFERENCE, workload: 'hetero', cpus: 1, seeds: [2], seconds: 2, staticNice: 8, timeScale: 1, icountShift: 0 };
    const boot = await guestEvalBoot(unscaled, qemu, 2, armOrder(2), o, tempDir('nicsched-guest-eval-icount-'), progress);
    expect(boot.order).toEqual(['nice', 'off', 'on']);
    checkBoot(boot, 1, 8);
    // the hook's own 4 ms stall timeout held: it was still armed at the end of its run
    expect(unscaled.guestPolicy.policy.ir.hook.stall_timeout_ms).toBe(4);
  }, 180_000);

  it('refuses -icount with more than one vCPU', async () => {
    await expect(runGuestEval({ policy: REFERENCE, cpus: 2, seeds: [1], seconds: 1, staticNice: 8, timeScale: 1, icountShift: 0 }, progress)).rejects.toThrow(/--icount needs --cpus 1/);
    await expect(runGuestEval({ policy: REFERENCE, workload: 'busy' as GuestWorkload, cpus: 1, seeds: [1], seconds: 1, staticNice: 8, timeScale: 1 }, progress)).rejects.toThrow(/--workload must be one of mixed, hetero/);
  });
});
