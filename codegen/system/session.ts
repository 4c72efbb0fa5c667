/**
 * The full system driven from the host: the guest's vocabulary (sim/guest/init.sh) as typed
 * calls, with the card's view of each step. `nicsched system` and test/kernel/system.test.ts use
 * it; a phase is a set of workloads between two snapshots of every counter (guest debugfs and the
 * card's stats).
 */

import type { CardStats } from './card.js';
import { decisionLog, keyValues, sections, snapshot, HOOK_DEBUGFS, type DecisionLog, type Snapshot } from './debugfs.js';
import type { SystemBoot } from './boot.js';
import { nsloadArgs, parseWorkloadResult, type WorkloadName, type WorkloadResult } from './workloads.js';

export interface ProbeInfo {
  /** The driver's probe line in the kernel log. */
  dmesg: string;
  id: number;
  version: number;
  policyHash: number;
  shapeHash: number;
  slots: number;
  state: number;
}

export interface Phase {
  label: string;
  workloads: WorkloadResult[];
  /** Guest time the workloads took (their own clocks). */
  seconds: number;
  before: Snapshot;
  after: Snapshot;
  cardBefore?: CardStats;
  cardAfter?: CardStats;
}

const COMMAND_TIMEOUT_MS = 120_000;

export class SystemSession {
  constructor(readonly boot: SystemBoot) {}

  get guest() {
    return this.boot.guest;
  }

  get card() {
    return this.boot.card;
  }

  async setup(): Promise<void> {
    await this.guest.must('ns_setup', COMMAND_TIMEOUT_MS);
  }

  /** insmod nicsched.ko and nicsched_pci.ko; the probe as the kernel log and the ioctl show it. */
  async loadDriver(params = ''): Promise<ProbeInfo> {
    const before = this.guest.consoleText().length;
    await this.guest.must(`ns_insmod_driver ${params}`.trim(), COMMAND_TIMEOUT_MS);
    const info = keyValues(await this.guest.must('nicschedctl info', COMMAND_TIMEOUT_MS));
    const num = (k: string) => Number(info.get(k) ?? NaN);
    const dmesg =
      this.guest
        .consoleText()
        .slice(before)
        .split('\n')
        .find((l) => /nicsched_pci .*: policy 0x[0-9a-f]{8}:/.test(l)) ?? '';
    return { dmesg: dmesg.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim(), id: num('id'), version: num('version'), policyHash: num('policy_hash'), shapeHash: num('shape_hash'), slots: num('slots'), state: num('state') };
  }

  async loadHook(params = ''): Promise<void> {
    await this.guest.must(`ns_insmod_hook ${params}`.trim(), COMMAND_TIMEOUT_MS);
  }

  /** The kill switch (false) or re-arm (true). */
  async hook(on: boolean): Promise<void> {
    await this.guest.must(`ns_hook ${on ? 1 : 0}`, COMMAND_TIMEOUT_MS);
  }

  async show(): Promise<Snapshot> {
    return snapshot(await this.guest.must('ns_show', COMMAND_TIMEOUT_MS));
  }

  async decisions(): Promise<DecisionLog> {
    const out = await this.guest.must('ns_decisions', COMMAND_TIMEOUT_MS);
    return decisionLog(sections(out).get(`${HOOK_DEBUGFS}/decisions`) ?? '');
  }

  /** Run nsload with these arguments (ns_run) and parse its result line. */
  async nsload(args: string, seconds: number): Promise<WorkloadResult> {
    const command = `ns_run ${args}`;
    const out = await this.guest.must(command, COMMAND_TIMEOUT_MS + seconds * 20_000);
    return parseWorkloadResult(out, command);
  }

  async workload(name: WorkloadName, seconds: number): Promise<WorkloadResult> {
    return this.nsload(nsloadArgs(name, seconds), seconds);
  }

  /** Workloads between two snapshots of every counter; the card's stats right around them. */
  async phase(label: string, workloads: readonly WorkloadName[], seconds: number): Promise<Phase> {
    const before = await this.show();
    const cardBefore = await this.card?.stats();
    const results: WorkloadResult[] = [];
    for (const w of workloads) results.push(await this.workload(w, seconds));
    const cardAfter = await this.card?.stats();
    const after = await this.show();
    const guestSeconds = results.reduce((sum, r) => sum + Number(r.seconds ?? 0), 0);
    return { label, workloads: results, seconds: guestSeconds, before, after, cardBefore, cardAfter };
  }
}
