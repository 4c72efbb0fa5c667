/**
 * Boot a guest in QEMU with the simulated card (docs/CARD.md): build or reuse the card
 * (sim/card/build.sh) and the patched kernel (scripts/build-kernel.sh), pack a minimal busybox
 * initramfs with cardtool, start QEMU and nicsched-card on the two ends of one socketpair, and
 * drive the guest's shell over the serial console. Used by test/kernel/card.test.ts and
 * bench/card.mjs.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { packagePath } from '../../codegen/util/paths.js';

export const PINNED_QEMU = 'Debian 1:7.2+dfsg-7+deb12u18';

/** KEY=value lines of a build script's stdout. */
export function parseKeys(stdout: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) keys[m[1]!] = m[2]!;
  }
  return keys;
}

function runScript(script: string, args: string[]): Record<string, string> {
  const r = spawnSync('bash', [packagePath(script), ...args], {
    cwd: packagePath('.'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-4000)}`);
  return parseKeys(r.stdout);
}

export interface CardBuild {
  card: string;
  cardtool: string;
  regsH: string;
  policyHash: string;
  clockMhz: number;
  seconds: number;
  built: boolean;
}

/** sim/card/build.sh --policy P (cached by content). */
export function buildCard(policy: string): CardBuild {
  const k = runScript('sim/card/build.sh', ['--policy', policy]);
  return {
    card: k['CARD']!,
    cardtool: k['CARDTOOL']!,
    regsH: k['REGS_H']!,
    policyHash: k['POLICY_HASH']!,
    clockMhz: Number(k['CLOCK_MHZ']),
    seconds: Number(k['CARD_SECONDS']),
    built: k['CARD_BUILT'] === 'built',
  };
}

/** The patched kernel's bzImage (scripts/build-kernel.sh --no-modules, cached by content). */
export function buildKernel(): string {
  const k = runScript('scripts/build-kernel.sh', ['--no-modules']);
  return join(k['KERNEL_TREE']!, 'arch/x86/boot/bzImage');
}

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -echo -onlcr
echo "CARD-GUEST-READY $(cut -d' ' -f1 /proc/uptime)"
export PS1='' PS2=''
exec sh
`;

/**
 * A busybox-static initramfs in dir: /init mounts proc, sys and devtmpfs, prints
 * CARD-GUEST-READY <uptime> and runs a shell on the console; /bin/cardtool is the guest tool.
 */
export function buildInitramfs(dir: string, cardtool: string): string {
  const root = join(dir, 'initramfs');
  for (const d of ['bin', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
  if (!existsSync('/bin/busybox')) throw new Error('/bin/busybox missing: apt-get install busybox-static');
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  copyFileSync(cardtool, join(root, 'bin/cardtool'));
  chmodSync(join(root, 'bin/cardtool'), 0o755);
  writeFileSync(join(root, 'init'), INIT, { mode: 0o755 });
  const cpio = join(dir, 'initramfs.cpio');
  const r = spawnSync('sh', ['-c', `cd "${root}" && find . | cpio -o -H newc --quiet > "${cpio}"`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cpio failed: ${r.stderr}`);
  return cpio;
}

/** Text arriving on a stream, searchable while it grows. */
class Transcript {
  text = '';
  private waiters: Array<() => void> = [];
  constructor(stream: Readable | null) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      this.text += chunk.replace(/\r/g, '');
      for (const w of this.waiters.splice(0)) w();
    });
  }
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface GuestOptions {
  kernel: string;
  initramfs: string;
  card: string;
  /** Extra card flags: --log, --fault, --ram. The control socket is always given. */
  cardArgs?: string[];
  controlPath: string;
  cpus?: number;
  memoryMb?: number;
  /** fd-backed guest RAM (memory-backend-memfd), so the card gets SYNC_SYSMEM; default true. */
  sharedRam?: boolean;
  qemu?: string;
  /** QEMU's -M (default pc). */
  machine?: string;
  /** Replaces the -device argument (to start QEMU wrongly on purpose). */
  device?: string[];
}

/** The QEMU command line for a guest with the card on fd 3. */
export function qemuArgs(opts: GuestOptions): string[] {
  const mem = opts.memoryMb ?? 256;
  const args = [
    '-M',
    opts.machine ?? 'pc',
    '-smp',
    String(opts.cpus ?? 2),
    '-m',
    `${mem}M`,
    '-display',
    'none',
    '-vga',
    'none',
    '-nic',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    '-kernel',
    opts.kernel,
    '-initrd',
    opts.initramfs,
    '-append',
    'console=ttyS0 panic=-1 quiet',
  ];
  if (opts.sharedRam ?? true) {
    args.push('-object', `memory-backend-memfd,id=mem,size=${mem}M,share=on`, '-machine', 'memory-backend=mem');
  }
  args.push(...(opts.device ?? ['-device', 'x-pci-proxy-dev,id=nic0,fd=3']));
  return args;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Every guest still running, killed when this process exits (a test that timed out included). */
const running = new Set<CardGuest>();
process.once('exit', () => {
  for (const g of running) g.kill();
});

/**
 * QEMU and the card, connected: QEMU gets one end of a socketpair as fd 3 (libuv makes stdio
 * pipes with socketpair(AF_UNIX, SOCK_STREAM)), the card gets the other end as its fd 3, and
 * this process closes its copy before the event loop can read from it.
 */
export class CardGuest {
  readonly qemu: ChildProcess;
  readonly card: ChildProcess;
  readonly console: Transcript;
  readonly cardStderr: Transcript;
  readonly qemuStderr: Transcript;
  readonly startedAt = Date.now();
  private seq = 0;

  constructor(readonly opts: GuestOptions) {
    this.qemu = spawn(opts.qemu ?? 'qemu-system-x86_64', qemuArgs(opts), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const link = this.qemu.stdio[3] as Readable & Writable;
    this.card = spawn(opts.card, ['--fd', '3', '--control', opts.controlPath, ...(opts.cardArgs ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe', link],
    });
    link.destroy();
    this.console = new Transcript(this.qemu.stdout);
    this.qemuStderr = new Transcript(this.qemu.stderr);
    this.cardStderr = new Transcript(this.card.stderr);
    this.qemu.stdin?.on('error', () => undefined);
    running.add(this);
    void Promise.all([exited(this.qemu), exited(this.card)]).then(() => running.delete(this));
  }

  /** Wait until the console matches re (checked on everything since the boot), or fail. */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.console.text.slice(from));
      if (m) return m;
      if (this.qemu.exitCode !== null || this.qemu.signalCode !== null) {
        throw new Error(`QEMU exited (${this.qemu.exitCode ?? this.qemu.signalCode}) before ${re}:\n${this.diagnostics()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}:\n${this.diagnostics()}`);
      await Promise.race([this.console.changed(), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
    }
  }

  /** The guest is at its shell prompt; returns the guest's uptime then, in seconds. */
  async booted(timeoutMs = 60_000): Promise<number> {
    const m = await this.waitFor(/CARD-GUEST-READY ([0-9.]+)\n/, timeoutMs);
    return Number(m[1]);
  }

  /** Run a shell command in the guest; its output and exit status. */
  async sh(command: string, timeoutMs = 30_000): Promise<{ out: string; status: number }> {
    const n = ++this.seq;
    const from = this.console.text.length;
    this.qemu.stdin!.write(`${command}; echo "@@@""END ${n} $?"\n`);
    const m = await this.waitFor(new RegExp(`^([\\s\\S]*?)@@@END ${n} (\\d+)\\n`), timeoutMs, from);
    return { out: m[1]!, status: Number(m[2]) };
  }

  /** Type a line into the guest's console (for a program that reads stdin). */
  type(line: string): void {
    this.qemu.stdin!.write(`${line}\n`);
  }

  /** One control command, one line back. */
  control(line: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.opts.controlPath);
      let text = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`control '${line}': no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      sock.setEncoding('utf8');
      sock.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      sock.on('connect', () => sock.write(`${line}\n`));
      sock.on('data', (chunk: string) => {
        text += chunk;
        const eol = text.indexOf('\n');
        if (eol >= 0) {
          clearTimeout(timer);
          sock.end();
          resolve(text.slice(0, eol));
        }
      });
    });
  }

  /** Wait for the control socket the card creates at start. */
  async controlReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/nicsched-card: ready/.test(this.cardStderr.text)) {
      if (this.card.exitCode !== null) throw new Error(`the card exited (${this.card.exitCode}):\n${this.cardStderr.text}`);
      if (Date.now() > deadline) throw new Error(`the card did not get ready:\n${this.cardStderr.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** poweroff -f in the guest; both processes' exits. */
  async poweroff(timeoutMs = 30_000): Promise<{ qemu: Exit; card: Exit }> {
    this.qemu.stdin!.write('poweroff -f\n');
    return this.exits(timeoutMs);
  }

  /** Both processes' exits (killing them after timeoutMs). */
  async exits(timeoutMs = 30_000): Promise<{ qemu: Exit; card: Exit }> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const [qemu, card] = await Promise.all([exited(this.qemu), exited(this.card)]);
    clearTimeout(timer);
    return { qemu, card };
  }

  kill(): void {
    for (const p of [this.qemu, this.card]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  diagnostics(): string {
    return `--- console (last 3000 chars)\n${this.console.text.slice(-3000)}\n--- QEMU stderr\n${this.qemuStderr.text.slice(-2000)}\n--- card stderr\n${this.cardStderr.text.slice(-2000)}`;
  }
}
