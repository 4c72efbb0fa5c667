/**
 * QEMU for the full-system guest: find it, check that it has the multi-process proxy device
 * (x-pci-proxy-dev), and build its command line. The tested QEMU is Debian bookworm's
 * qemu-system-x86; TCG only (no KVM needed).
 */

import { spawnSync } from 'node:child_process';
import { findTool, ToolMissingError } from '../fpga/tools.js';

export const QEMU_TESTED = '1:7.2+dfsg-7+deb12u18';
const QEMU_BINARY = 'qemu-system-x86_64';
const INSTALL = ['sudo bash scripts/setup-system.sh', `# or: sudo apt-get install qemu-system-x86 (tested: ${QEMU_TESTED})`];

export interface QemuInfo {
  binary: string;
  /** The Debian package version installed, or "unknown" outside Debian. */
  packageVersion: string;
  /** The installed version is the tested one (a Debian binary rebuild, +bN, counts as tested). */
  tested: boolean;
}

function debianVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'qemu-system-x86'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown';
}

/** Find QEMU and check it has x-pci-proxy-dev; a ToolMissingError (exit 3) names the package. */
export function checkQemu(explicit?: string): QemuInfo {
  const binary = findTool(QEMU_BINARY, explicit);
  if (!binary) {
    throw new ToolMissingError(QEMU_BINARY, `${QEMU_BINARY} is not installed (nicsched system boots the guest in QEMU: Debian's qemu-system-x86 ${QEMU_TESTED})`, INSTALL, 'install it, then run the command again:');
  }
  const packageVersion = debianVersion();
  const help = spawnSync(binary, ['-device', 'help'], { encoding: 'utf8', timeout: 30_000 });
  if (!`${help.stdout}${help.stderr}`.includes('"x-pci-proxy-dev"')) {
    throw new ToolMissingError(
      QEMU_BINARY,
      `${binary} (package qemu-system-x86 ${packageVersion}) has no x-pci-proxy-dev device, which the simulated card plugs into; nicsched was tested with Debian's qemu-system-x86 ${QEMU_TESTED}`,
      INSTALL,
      'install the tested QEMU, then run the command again:',
    );
  }
  const tested = packageVersion === QEMU_TESTED || packageVersion.startsWith(`${QEMU_TESTED}+b`);
  return { binary, packageVersion, tested };
}

export interface QemuArgsOptions {
  kernel: string;
  initrd: string;
  cpus: number;
  memoryMb: number;
  /** The kernel console (ttyS0) goes to this file. */
  consoleLog: string;
  /** The proxy device's socket: the fd number QEMU inherits (the card holds the other end). */
  proxyFd?: number;
  /** QEMU's -M (default pc). */
  machine?: string;
  /**
   * With a card, guest RAM as a shared memfd QEMU hands to the card (default true); without it the
   * card sees no guest RAM.
   */
  sharedRam?: boolean;
  /** Arguments in place of `-device x-pci-proxy-dev` on the proxy fd (a QEMU set up wrongly on purpose). */
  device?: readonly string[];
  append?: readonly string[];
  /**
   * Guest time from instruction counts (`-icount shift=N,sleep=off`: 2^N ns per instruction, idle
   * time skipped) instead of the host's clock; the kernel comes up this way with one vCPU only.
   */
  icountShift?: number;
}

/**
 * ttyS0 is the kernel console (a file), ttyS1 the host channel (QEMU's stdin and stdout). With a
 * card, guest RAM is a shared memfd so QEMU can hand it to the card process, and the card is PCI
 * device nic0 behind x-pci-proxy-dev.
 *
 * TCG runs single-threaded (every vCPU on one host thread): x-pci-proxy-dev releases QEMU's big
 * lock while it waits for the card's reply, and Debian's QEMU 7.2 (deb12u18) drops an access
 * that another vCPU thread makes to the same device meanwhile ("Blocked re-entrant IO on
 * MemoryRegion: bar-region-0"): with multi-threaded TCG, doorbells of one CPU were lost while
 * another CPU's MMIO waited for the card.
 */
export function qemuArgs(o: QemuArgsOptions): string[] {
  const append = ['console=ttyS0', 'panic=-1', 'log_buf_len=1M', 'printk.devkmsg=on', ...(o.append ?? [])];
  const args = [
    '-M',
    o.machine ?? 'pc',
    '-accel',
    'tcg,thread=single',
    ...(o.icountShift !== undefined ? ['-icount', `shift=${o.icountShift},sleep=off`] : []),
    '-smp',
    String(o.cpus),
    '-m',
    `${o.memoryMb}M`,
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    o.kernel,
    '-initrd',
    o.initrd,
    '-append',
    append.join(' '),
    '-chardev',
    `file,id=console,path=${o.consoleLog}`,
    '-serial',
    'chardev:console',
    '-chardev',
    'stdio,id=host,signal=off',
    '-serial',
    'chardev:host',
  ];
  if (o.proxyFd === undefined) return args;
  if (o.sharedRam ?? true) args.push('-object', `memory-backend-memfd,id=mem,size=${o.memoryMb}M,share=on`, '-machine', 'memory-backend=mem');
  args.push(...(o.device ?? ['-device', `x-pci-proxy-dev,id=nic0,fd=${o.proxyFd}`]));
  return args;
}

/** The host niceness of QEMU and the card when the host allows it (root). */
const GUEST_NICE = -10;

/**
 * Under TCG the guest's clocks follow the host's wall clock, so when QEMU or the card waits for a
 * host CPU, guest time jumps: on a host busy with other work (a build beside the tests) a request
 * the card answers within a few round trips can read as a stall past the hook's timeout. When the
 * host allows it (root), QEMU and the card start at nice GUEST_NICE, ahead of ordinary host work;
 * `nice` execs the program, so the pid is the program's.
 */
export function atGuestPriority(binary: string, args: readonly string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command: binary, args: [...args] };
  return { command: 'nice', args: ['-n', String(GUEST_NICE), binary, ...args] };
}
