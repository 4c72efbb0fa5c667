/**
 * The simulated card (docs/CARD.md) as the full system uses it: build it for a policy
 * (sim/card/build.sh, cached by content), start it on one end of the socketpair QEMU gets the
 * other end of, talk to its control socket (faults, stats) and read its doorbell log.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { packagePath } from '../util/paths.js';
import { BuildError, runKeyValueScript, type Progress } from './build.js';
import { PROXY_FD } from './guest.js';
import { atGuestPriority } from './qemu.js';

export interface CardBuild {
  binary: string;
  /** The guest tool built with the card (docs/CARD.md, cardtool), static for an initramfs. */
  cardtool: string;
  /** The policy's generated nicsched_regs.h the card was built with. */
  regsH: string;
  policyHash: string;
  clockMhz: number;
  key: string;
  built: boolean;
  seconds: number;
}

/** sim/card/build.sh --policy P: the card with P's Verilated nicsched_top. */
export async function buildCard(policyFile: string, progress: Progress): Promise<CardBuild> {
  const script = packagePath('sim/card/build.sh');
  if (!existsSync(script)) throw new BuildError(`${script} is missing: the simulated card is part of this repository (sim/card)`);
  const v = await runKeyValueScript(script, ['--policy', policyFile], progress);
  if (!v.CARD || !existsSync(v.CARD)) throw new BuildError(`${script} printed no CARD= line naming an existing binary`);
  return {
    binary: v.CARD,
    cardtool: v.CARDTOOL ?? '',
    regsH: v.REGS_H ?? '',
    policyHash: v.POLICY_HASH ?? '',
    clockMhz: Number(v.CLOCK_MHZ ?? 0),
    key: v.CARD_KEY ?? '',
    built: v.CARD_BUILT === 'built',
    seconds: Number(v.CARD_SECONDS ?? 0),
  };
}

/** One line of the card's doorbell log (docs/CARD.md). */
export interface Doorbell {
  seq: number;
  t_ns: number;
  slot: number;
  tag: number;
  delivered: boolean;
  fault: string;
  features: number[] | null;
  answered: boolean;
  action: number | null;
  scores: number[] | null;
}

/** The card's `stats` answer: BAR accesses by register kind, doorbells, faults, RTL cycles. */
export interface CardStats {
  reads: Record<string, number>;
  writes: Record<string, number>;
  bar_reads: number;
  bar_writes: number;
  doorbells: number;
  results_valid: number;
  /** Result entries the RTL wrote into guest RAM (results by DMA), and those it could not. */
  dma_writes: number;
  dma_dropped: number;
  fault: string;
  cycles: number;
  uptime_ns: number;
  [key: string]: unknown;
}

export class CardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardError';
  }
}

export interface CardStartOptions {
  binary: string;
  workDir: string;
  /** Faults from the start (--fault): stall, remove, slow:US. */
  faults?: readonly string[];
  /** The doorbell log (--log, default true); off, the card spends no time writing it. */
  log?: boolean;
  /** Require guest RAM (--ram, default true): a BAR access before QEMU sent it stops the card. */
  requireRam?: boolean;
  readyTimeoutMs?: number;
}

export class CardProcess {
  readonly child: ChildProcess;
  readonly controlPath: string;
  readonly logPath: string;
  private stderr = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitWaiters: Array<() => void> = [];

  private constructor(o: CardStartOptions) {
    this.controlPath = join(o.workDir, 'card.sock');
    this.logPath = join(o.workDir, 'doorbells.jsonl');
    const args = ['--fd', String(PROXY_FD), '--control', this.controlPath];
    if (o.log ?? true) args.push('--log', this.logPath);
    if (o.requireRam ?? true) args.push('--ram');
    for (const f of o.faults ?? []) args.push('--fault', f);
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe'];
    stdio[PROXY_FD] = 'pipe';
    const run = atGuestPriority(o.binary, args);
    this.child = spawn(run.command, run.args, { stdio });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-16384);
    });
    const killOnExit = () => this.kill();
    process.once('exit', killOnExit);
    this.child.on('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      this.exit = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w();
    });
    this.child.on('error', (err) => {
      this.stderr += `\n${err.message}`;
      this.exit ??= { code: null, signal: null };
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  /** Start the card and wait for its "ready" line (its control socket exists from then on). */
  static async start(o: CardStartOptions): Promise<CardProcess> {
    const card = new CardProcess(o);
    const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
    while (!card.stderr.includes('nicsched-card: ready')) {
      if (card.exit) throw new CardError(`the card (${o.binary}) exited before it was ready (${card.exitText()}):\n${card.stderr.trim()}`);
      if (Date.now() > deadline) {
        card.child.kill('SIGKILL');
        throw new CardError(`the card (${o.binary}) was not ready within ${(o.readyTimeoutMs ?? 30_000) / 1000} s:\n${card.stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return card;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  stderrText(): string {
    return this.stderr;
  }

  exitText(): string {
    if (!this.exit) return 'running';
    return this.exit.signal ? `signal ${this.exit.signal}` : `exit ${this.exit.code}`;
  }

  exitCode(): number | null | undefined {
    return this.exit?.code;
  }

  /** One control command, one line back; an "error: ..." answer is a CardError. */
  async control(line: string, timeoutMs = 10_000): Promise<string> {
    const answer = await this.answer(line, timeoutMs);
    if (answer.startsWith('error')) throw new CardError(`card control "${line}": ${answer}`);
    return answer;
  }

  /** One control command and the line the card answers, "error: ..." included. */
  answer(line: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.controlPath);
      let text = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        sock.destroy();
        reject(new CardError(`card control "${line}": ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
      sock.setEncoding('utf8');
      sock.on('error', (err) => fail(err.message));
      sock.on('connect', () => sock.write(`${line}\n`));
      sock.on('data', (chunk: string) => {
        text += chunk;
        const eol = text.indexOf('\n');
        if (eol < 0) return;
        clearTimeout(timer);
        sock.end();
        resolve(text.slice(0, eol));
      });
    });
  }

  async stats(): Promise<CardStats> {
    const answer = await this.control('stats');
    try {
      return JSON.parse(answer) as CardStats;
    } catch {
      throw new CardError(`card control "stats" answered something that is not JSON: ${answer.slice(0, 200)}`);
    }
  }

  /** A fault now: "stall", "remove", "slow:US" (the --fault spelling) or "healthy". */
  async fault(spec: string): Promise<string> {
    const slow = /^slow:(\d+)$/.exec(spec);
    if (spec === 'stall') return this.control('stall on');
    if (spec === 'remove' || spec === 'healthy') return this.control(spec);
    if (slow) return this.control(`slow ${slow[1]}`);
    throw new CardError(`unknown fault "${spec}" (use stall, remove or slow:US)`);
  }

  /** The doorbell log so far, one record per doorbell, in order. */
  doorbells(): Doorbell[] {
    if (!existsSync(this.logPath)) return [];
    const lines = readFileSync(this.logPath, 'utf8').split('\n');
    const out: Doorbell[] = [];
    lines.forEach((line, k) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line) as Doorbell);
      } catch {
        // the last line may be partly written while the card runs
        if (k < lines.length - 2) throw new CardError(`${this.logPath}:${k + 1}: not a JSON line: ${line.slice(0, 120)}`);
      }
    });
    return out;
  }

  /** Wait for the card to exit (it does when QEMU closes the socket); kill it after timeoutMs. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.waitExit();
    clearTimeout(timer);
  }

  /** The card's exit, whenever it comes. */
  waitExit(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
