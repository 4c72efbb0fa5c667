/**
 * `nicsched system <policy>`: the whole product on one machine. Compile the policy (its hook time
 * limits scaled for TCG), build or reuse the kernel, the modules, the card and the initramfs,
 * boot, load both modules, run the workloads with the hook off, then on, optionally inject a
 * fault, unload, scan for leaks, power off, and report the counters and figures.
 */

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GoldenModel } from '../golden/model.js';
import { inputError } from '../util/errors.js';
import { SystemBoot } from './boot.js';
import { buildCard, type CardBuild } from './card.js';
import { buildGuest, cacheDir, type GuestBuild, type Progress } from './build.js';
import { checkDecisions, cpuSlots } from './decisions.js';
import { checkDmesg } from './dmesg.js';
import { sections } from './debugfs.js';
import { guestPolicy, type GuestPolicy } from './guest-policy.js';
import { checkQemu } from './qemu.js';
import { phaseFigures, type FaultFigures, type SystemReport } from './report.js';
import { SystemSession, type Phase } from './session.js';
import type { WorkloadName } from './workloads.js';

export interface SystemOptions {
  policy: string;
  cpus: number;
  workloads: WorkloadName[];
  seconds: number;
  fault?: string;
  timeScale: number;
  /**
   * After the hook-on run (results by DMA into guest RAM, layout 3.0, the driver's default), reload
   * the modules with results by MMIO (the poller, as layout 2.0) and run the hook-on workloads
   * again in the same boot: a third phase.
   */
  mmioPhase?: boolean;
  /** Where console.log, doorbells.jsonl and report.json go (default: a new temporary dir). */
  workDir?: string;
  qemu?: string;
}

/** Hook options for the runs: loaded stopped (the "off" phase), decision log on. */
export const HOOK_PARAMS = 'arm=0 decision_log=16384';

export function parseFault(spec: string): string {
  if (spec === 'stall' || spec === 'remove' || /^slow:[1-9]\d{0,6}$/.test(spec)) return spec;
  throw inputError(`unknown fault "${spec}" (--fault)`, {}, 'use stall, remove or slow:US (1 to 9999999 microseconds)');
}

async function faultPhase(session: SystemSession, spec: string, seconds: number): Promise<FaultFigures> {
  const card = session.card!;
  await card.fault(spec);
  const timer = await session.workload('timer', seconds);
  // one more second under load: a stopped hook and a gone card leave the poller idle
  const before = await card.stats();
  await session.nsload('batch -b 1 -d 1', 1);
  const after = await card.stats();
  const snap = await session.show();
  const stall = snap.hook.stalls[0];
  return {
    fault: spec,
    hookState: snap.hook.state,
    hookReason: snap.hook.reason,
    stall: stall ? { cpu: stall.cpu, ageMs: stall.ageNs / 1e6, prevCheckMs: stall.prevCheckNs / 1e6 } : undefined,
    resultReadsAfter: (after.reads.result ?? 0) - (before.reads.result ?? 0),
    timer,
  };
}

export interface SystemBuild {
  guestPolicy: GuestPolicy;
  guest: GuestBuild;
  card: CardBuild;
}

/** Everything a boot needs for the policy, built or found in the caches. */
export async function buildSystem(policy: string, timeScale: number, progress: Progress): Promise<SystemBuild> {
  const gp = guestPolicy(resolve(policy), timeScale, cacheDir());
  progress(`policy ${gp.original.ir.name} ${gp.original.hash.slice(0, 16)}; the guest runs ${gp.file === resolve(policy) ? 'it as written' : `${gp.file} (hook time limits x${timeScale})`}`);
  const guest = await buildGuest(gp.file, progress);
  const card = await buildCard(gp.file, progress);
  return { guestPolicy: gp, guest, card };
}

/** The KEY=value lines of `nicsched system --build-only` (and scripts/build-system.sh). */
export function buildKeyValues(b: SystemBuild): string {
  const lines = {
    GUEST_POLICY: b.guestPolicy.file,
    GUEST_POLICY_HASH: b.guestPolicy.policy.hash,
    KERNEL_TREE: b.guest.kernel.tree,
    BZIMAGE: b.guest.kernel.bzImage,
    MODULES_DIR: b.guest.kernel.modulesDir,
    INITRAMFS: b.guest.initramfs.path,
    CARD: b.card.binary,
  };
  return Object.entries(lines)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/** The hook-on workloads again with the driver reloaded for results by MMIO (the poller). */
async function mmioPhase(session: SystemSession, o: SystemOptions, progress: Progress): Promise<Phase> {
  progress('hook on, results by MMIO: reloading the modules with dma_results=0');
  await session.hook(false);
  await session.guest.must('ns_rmmod_all', 120_000);
  const probe = await session.loadDriver('dma_results=0');
  if (!probe.dmesg.endsWith('results by MMIO')) throw new Error(`nicsched.ko dma_results=0 did not choose results by MMIO: '${probe.dmesg}'`);
  await session.loadHook(HOOK_PARAMS);
  await session.hook(true);
  return session.phase('hook on, results by MMIO', o.workloads, o.seconds);
}

export async function runSystem(o: SystemOptions, progress: Progress): Promise<SystemReport> {
  const qemu = checkQemu(o.qemu);
  if (o.cpus < 1 || o.cpus > 8) throw inputError(`--cpus must be in [1, 8] (the kernel's NR_CPUS), got ${o.cpus}`);
  const { guestPolicy: gp, guest: guestBuild, card: cardBuild } = await buildSystem(o.policy, o.timeScale, progress);
  const workDir = o.workDir ? resolve(o.workDir) : mkdtempSync(join(tmpdir(), 'nicsched-system-'));
  mkdirSync(workDir, { recursive: true });
  progress(`booting ${o.cpus} CPU(s) under QEMU (TCG); files in ${workDir}`);
  const boot = await SystemBoot.start({ qemu: qemu.binary, bzImage: guestBuild.kernel.bzImage, initramfs: guestBuild.initramfs.path, card: cardBuild.binary, cpus: o.cpus, workDir });
  try {
    const session = new SystemSession(boot);
    await session.setup();
    const probe = await session.loadDriver();
    await session.loadHook(HOOK_PARAMS);
    // with a fault, the hook-off run also times the timer task: the fault's run compares with it
    const offWorkloads: WorkloadName[] = o.fault && !o.workloads.includes('timer') ? [...o.workloads, 'timer'] : o.workloads;
    progress(`hook off: ${offWorkloads.join(', ')}`);
    const off = await session.phase('hook off', offWorkloads, o.seconds);
    await session.hook(true);
    progress(`hook on: ${o.workloads.join(', ')}`);
    const on = await session.phase('hook on', o.workloads, o.seconds);
    const log = await session.decisions();
    const golden = new GoldenModel(gp.policy.ir);
    const decisions = checkDecisions(boot.card!.doorbells(), () => [golden], log, cpuSlots(on.after.cpus));
    let fault: FaultFigures | undefined;
    if (o.fault) {
      progress(`fault ${o.fault}: timer workload`);
      fault = await faultPhase(session, o.fault, o.seconds);
      fault.timerHookOff = off.workloads.find((w) => w.workload === 'timer');
    }
    const phases = [phaseFigures(off), phaseFigures(on)];
    if (o.mmioPhase) phases.push(phaseFigures(await mmioPhase(session, o, progress)));
    progress('unloading the modules, kmemleak scan, power off');
    await boot.guest.must('ns_rmmod_all', 120_000);
    const kmemleak = sections(await boot.guest.must('ns_kmemleak', 300_000)).get('kmemleak') ?? '';
    const end = await boot.end();
    const report: SystemReport = {
      policy: {
        file: o.policy,
        name: gp.original.ir.name,
        hash: gp.original.hash,
        guestFile: gp.file,
        guestHash: gp.policy.hash,
        timeScale: o.timeScale,
        ttlMs: gp.policy.ir.hook.decision_ttl_ms,
        stallTimeoutMs: gp.policy.ir.hook.stall_timeout_ms,
      },
      qemu: { binary: qemu.binary, packageVersion: qemu.packageVersion, tested: qemu.tested },
      cpus: o.cpus,
      kernel: { release: boot.guest.release, key: guestBuild.kernel.key },
      probe,
      phases,
      fault,
      decisions,
      dmesg: [...end.findings, ...checkDmesg(kmemleak)],
      lostAccesses: end.lostAccesses,
      kmemleak: kmemleak.trim(),
      workDir,
      ok: false,
    };
    report.ok = report.dmesg.length === 0 && report.lostAccesses.length === 0 && decisions.goldenMismatches.length === 0 && decisions.guestMismatches.length === 0;
    writeFileSync(join(workDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } catch (err) {
    boot.kill();
    throw err;
  }
}
