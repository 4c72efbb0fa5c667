/**
 * A booted guest: QEMU running the kernel and the initramfs, and the host side of the channel to
 * the guest's /init (sim/guest/init.sh) on the second serial port.
 *
 *   host -> guest   "<id> <command>\n"; a command that reads stdin gets the lines typed next
 *   guest -> host   "@@ns ready <kernel release> <cpus> <uptime>", then per command
 *                   "@@ns <id> begin", its output, "@@ns <id> end <exit code>"
 *
 * Every wait has a deadline; when it passes, QEMU is killed and the error says what was awaited
 * and quotes the end of the kernel console, so a hung or crashed guest is never a silent hang.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { atGuestPriority, qemuArgs, type QemuArgsOptions } from './qemu.js';

/** The fd number the proxy socket has in QEMU (and in the card process). */
export const PROXY_FD = 3;

export interface BootOptions extends Omit<QemuArgsOptions, 'consoleLog' | 'proxyFd'> {
  qemu: string;
  /** console.log (the kernel console) and qemu.err are written here. */
  workDir: string;
  /** The card process, spawned with stdio[PROXY_FD] = 'pipe': one end of a socketpair. */
  card?: ChildProcess;
  bootTimeoutMs: number;
}

export interface CommandResult {
  command: string;
  rc: number;
  output: string;
  seconds: number;
}

export class GuestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestError';
  }
}

interface Pending {
  id: number;
  command: string;
  started: number;
  begun: boolean;
  lines: string[];
  resolve(result: CommandResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const READY = /^@@ns ready (\S+) (\d+) ([0-9.]+)$/;
const BEGIN = /^@@ns (\d+) begin$/;
const END = /^@@ns (\d+) end (\d+)$/;

export class Guest {
  readonly consoleLog: string;
  release = '';
  cpus = 0;
  /** The guest's uptime (s, /proc/uptime) when its /init loop started. */
  uptime = 0;
  private readonly qemu: ChildProcess;
  private buffer = '';
  private nextId = 1;
  private pending: Pending | undefined;
  private readonly readiness: Promise<void>;
  private readyWaiter: { resolve(): void; reject(err: Error): void } | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private qemuStderr = '';
  private readonly exitWaiters: Array<() => void> = [];

  private constructor(o: Omit<BootOptions, 'bootTimeoutMs'>) {
    this.consoleLog = join(o.workDir, 'console.log');
    const stdio: Array<'pipe' | 'ignore' | Socket> = ['pipe', 'pipe', 'pipe'];
    if (o.card) {
      const end = o.card.stdio[PROXY_FD] as Socket | null;
      if (!end) throw new GuestError(`the card process has no stdio[${PROXY_FD}] socket (spawn it with stdio[${PROXY_FD}] = 'pipe')`);
      stdio[PROXY_FD] = end;
    }
    const args = qemuArgs({ ...o, consoleLog: this.consoleLog, proxyFd: o.card ? PROXY_FD : undefined });
    const run = atGuestPriority(o.qemu, args);
    this.qemu = spawn(run.command, run.args, { stdio });
    if (o.card) {
      // QEMU has its own copy of this end now; ours must go before the event loop reads from it.
      (o.card.stdio[PROXY_FD] as Socket).destroy();
    }
    this.qemu.stdout!.setEncoding('utf8');
    this.qemu.stdout!.on('data', (chunk: string) => this.onData(chunk));
    this.qemu.stderr!.setEncoding('utf8');
    this.qemu.stderr!.on('data', (chunk: string) => {
      this.qemuStderr = (this.qemuStderr + chunk).slice(-8192);
    });
    this.qemu.stdin!.on('error', () => undefined);
    this.qemu.on('error', (err) => this.onExit(null, null, err));
    this.qemu.on('exit', (code, signal) => this.onExit(code, signal));
    // a host process that ends (a test timing out, ^C) leaves no QEMU behind
    this.killOnExit = () => this.kill();
    process.once('exit', this.killOnExit);
    this.readiness = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    this.readiness.catch(() => undefined); // awaited by ready(), if at all
  }

  private readonly killOnExit: () => void;

  /** QEMU's stderr (warnings such as a blocked access to the proxy device end up here). */
  stderrText(): string {
    return this.qemuStderr;
  }

  /** Start QEMU and wait for the guest's "@@ns ready" line. */
  static async boot(o: BootOptions): Promise<Guest> {
    const guest = Guest.start(o);
    await guest.ready(o.bootTimeoutMs);
    return guest;
  }

  /** Start QEMU without waiting for the guest (for a QEMU expected to fail; ready() waits). */
  static start(o: Omit<BootOptions, 'bootTimeoutMs'>): Guest {
    return new Guest(o);
  }

  /** Wait for the guest's "@@ns ready" line; past the deadline QEMU is killed. */
  async ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(this.failure(`the guest did not reach its /init loop within ${timeoutMs / 1000} s`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.readiness, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** QEMU's exit code once it has exited (null after a signal). */
  exitCode(): number | null | undefined {
    return this.exitInfo?.code;
  }

  /** The kernel console so far (the whole kernel log: console=ttyS0 at the default log level). */
  consoleText(): string {
    return existsSync(this.consoleLog) ? readFileSync(this.consoleLog, 'utf8') : '';
  }

  /** Run one command of the guest's vocabulary; resolves with its exit code and output. */
  run(command: string, timeoutMs: number): Promise<CommandResult> {
    if (command.includes('\n')) throw new GuestError(`a guest command is one line: ${JSON.stringify(command)}`);
    if (this.pending) throw new GuestError(`"${command}" sent while "${this.pending.command}" runs`);
    if (!this.running) return Promise.reject(this.failure(`cannot run "${command}": QEMU has exited`));
    const id = this.nextId++;
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        reject(this.failure(`the guest command "${command}" did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending = { id, command, started: Date.now(), begun: false, lines: [], resolve, reject, timer };
      this.qemu.stdin!.write(`${id} ${command}\n`);
    });
  }

  /** Type a line to the running command's stdin (a command that waits for one). */
  type(line: string): void {
    if (!this.pending) throw new GuestError(`typed ${JSON.stringify(line)} while no command runs`);
    this.qemu.stdin!.write(`${line}\n`);
  }

  /** Wait until the running command's output so far matches re. */
  async waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.pending;
      if (!p) throw new GuestError(`no command runs whose output could match ${re}`);
      const m = re.exec(p.lines.map((l) => `${l}\n`).join(''));
      if (m) return m;
      if (Date.now() > deadline) throw this.failure(`the output of "${p.command}" did not match ${re} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Like run(), but a non-zero exit code is an error quoting the output. */
  async must(command: string, timeoutMs: number): Promise<string> {
    const r = await this.run(command, timeoutMs);
    if (r.rc !== 0) throw new GuestError(`the guest command "${command}" failed with exit code ${r.rc}:\n${r.output.trimEnd()}`);
    return r.output;
  }

  /** Power off (ns_poweroff) and wait for QEMU to exit. */
  async poweroff(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    const exited = this.waitExit();
    this.qemu.stdin!.write(`${this.nextId++} ns_poweroff\n`);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.running) this.qemu.kill('SIGKILL');
  }

  waitExit(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** An error naming what failed, QEMU's exit and stderr, and the end of the kernel console. */
  failure(what: string): GuestError {
    const exit = this.exitInfo ? `QEMU exited (${this.exitInfo.signal ?? `code ${this.exitInfo.code}`})` : 'QEMU was killed';
    const stderr = this.qemuStderr.trim() ? `\nQEMU stderr:\n${this.qemuStderr.trim()}` : '';
    const tail = this.consoleText().trimEnd().split('\n').slice(-40).join('\n');
    return new GuestError(`${what}; ${exit}.${stderr}\nlast kernel console lines (${this.consoleLog}):\n${tail}`);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const ready = READY.exec(line);
    if (ready && this.readyWaiter) {
      this.release = ready[1]!;
      this.cpus = Number(ready[2]);
      this.uptime = Number(ready[3]);
      this.readyWaiter.resolve();
      this.readyWaiter = undefined;
      return;
    }
    const p = this.pending;
    if (!p) return;
    const begin = BEGIN.exec(line);
    if (begin && Number(begin[1]) === p.id) {
      p.begun = true;
      return;
    }
    const end = END.exec(line);
    if (end && Number(end[1]) === p.id) {
      clearTimeout(p.timer);
      this.pending = undefined;
      p.resolve({ command: p.command, rc: Number(end[2]), output: p.lines.join('\n') + (p.lines.length ? '\n' : ''), seconds: (Date.now() - p.started) / 1000 });
      return;
    }
    if (p.begun) p.lines.push(line);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    process.removeListener('exit', this.killOnExit);
    if (err) this.qemuStderr += `\n${err.message}`;
    if (this.readyWaiter) {
      this.readyWaiter.reject(this.failure('QEMU exited before the guest reached its /init loop'));
      this.readyWaiter = undefined;
    }
    const p = this.pending;
    if (p) {
      clearTimeout(p.timer);
      this.pending = undefined;
      p.reject(this.failure(`the guest stopped while running "${p.command}"`));
    }
    for (const w of this.exitWaiters.splice(0)) w();
  }
}
