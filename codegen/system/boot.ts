/**
 * One boot of the full system: the card process (optional), QEMU with the kernel and the
 * initramfs (plus this boot's own files), the guest's /init loop; at the end the kernel log
 * checked by the one dmesg checker.
 */

import { copyFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardProcess } from './card.js';
import { checkDmesg, type DmesgFinding } from './dmesg.js';
import { Guest } from './guest.js';
import { extraArchive, type GuestProgram } from './initramfs.js';

export interface SystemBootOptions {
  qemu: string;
  bzImage: string;
  initramfs: string;
  /** The card binary; without it the guest boots with no device. */
  card?: string;
  cardFaults?: readonly string[];
  /** The card's doorbell log and its demand for guest RAM (card.ts; both default true). */
  cardLog?: boolean;
  cardRequiresRam?: boolean;
  /** Guest RAM shared with the card (qemu.ts; default true). */
  sharedRam?: boolean;
  cpus: number;
  memoryMb?: number;
  /** Files for /etc/nicsched/ in the guest. */
  files?: ReadonlyArray<{ name: string; data: string | Uint8Array }>;
  /** Static programs for /bin/ in the guest (the card's cardtool). */
  programs?: readonly GuestProgram[];
  append?: readonly string[];
  /** Guest time from instruction counts (qemu.ts). */
  icountShift?: number;
  workDir: string;
  bootTimeoutMs?: number;
}

/*
 * Debian's QEMU 7.2 guards devices against re-entrant I/O; x-pci-proxy-dev drops the big lock
 * while it waits for the card, so a second vCPU thread reaching the device meanwhile has its access
 * dropped with this warning. The guest runs single-threaded TCG to avoid it (qemu.ts); the
 * warning, should it appear anyway, means guest MMIO was lost.
 */
const QEMU_LOST_ACCESS = /Blocked re-entrant IO/;

export interface BootEnd {
  console: string;
  findings: DmesgFinding[];
  /** QEMU warnings that mean a guest access never reached the card. */
  lostAccesses: string[];
  cardExit: string | undefined;
  cardStderr: string | undefined;
}

export class SystemBoot {
  private constructor(
    readonly guest: Guest,
    readonly card: CardProcess | undefined,
    readonly workDir: string,
  ) {}

  static async start(o: SystemBootOptions): Promise<SystemBoot> {
    mkdirSync(o.workDir, { recursive: true });
    const initrd = join(o.workDir, 'initramfs.cpio');
    copyFileSync(o.initramfs, initrd);
    if (o.files?.length || o.programs?.length) appendFileSync(initrd, extraArchive(o.files ?? [], o.programs ?? []));
    const card = o.card ? await CardProcess.start({ binary: o.card, workDir: o.workDir, faults: o.cardFaults ?? [], log: o.cardLog, requireRam: o.cardRequiresRam }) : undefined;
    try {
      const guest = await Guest.boot({
        qemu: o.qemu,
        workDir: o.workDir,
        kernel: o.bzImage,
        initrd,
        cpus: o.cpus,
        memoryMb: o.memoryMb ?? 512,
        append: o.append ?? [],
        icountShift: o.icountShift,
        sharedRam: o.sharedRam,
        card: card?.child,
        bootTimeoutMs: o.bootTimeoutMs ?? 120_000,
      });
      return new SystemBoot(guest, card, o.workDir);
    } catch (err) {
      card?.kill();
      if (card && err instanceof Error) err.message += `\ncard (${card.exitText()}) stderr:\n${card.stderrText().trim().split('\n').slice(-15).join('\n')}`;
      throw err;
    }
  }

  /** Power off, wait for QEMU and the card, and check the whole kernel log. */
  async end(): Promise<BootEnd> {
    await this.guest.poweroff();
    await this.card?.stop();
    const console = this.guest.consoleText();
    const lostAccesses = this.guest
      .stderrText()
      .split('\n')
      .filter((l) => QEMU_LOST_ACCESS.test(l));
    return { console, findings: checkDmesg(console), lostAccesses, cardExit: this.card?.exitText(), cardStderr: this.card?.stderrText() };
  }

  /** Kill both processes (after a failure). */
  kill(): void {
    this.guest.kill();
    this.card?.kill();
  }
}
