/** `nicsched trace`: sample per-task scheduler counters from /proc into a trace (JSON Lines). */

import type { Command } from 'commander';
import { runSampler, traceJsonl } from '../../trace/sampler.js';
import { startWorkload, stopWorkload, type WorkloadTask } from '../../trace/workload.js';
import { inputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/output.js';
import type { CommandContext } from './index.js';

interface TraceOptions {
  duration: string;
  interval: string;
  pids?: string;
  workload?: string;
  output: string;
  json?: boolean;
}

function positiveNumber(text: string, option: string, max: number): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > max) throw inputError(`${option} must be a number in (0, ${max}], got "${text}"`, { pointer: `/${option}` }, `e.g. ${option} 10`);
  return v;
}

function parsePidList(text: string): number[] {
  const pids = text.split(',').map((p) => p.trim());
  return pids.map((p, k) => {
    if (!/^\d+$/.test(p) || Number(p) <= 0) throw inputError(`--pids entry ${k + 1} ("${p}") is not a process id`, { pointer: `/pids/${k}` }, 'give comma-separated positive integers, e.g. --pids 1,42');
    return Number(p);
  });
}

async function traceCommand(ctx: CommandContext, opts: TraceOptions): Promise<void> {
  const durationS = positiveNumber(opts.duration, '--duration', 3600);
  const intervalMs = Math.round(positiveNumber(opts.interval, '--interval', 60_000));
  const listed = opts.pids !== undefined ? parsePidList(opts.pids) : [];
  let workload: WorkloadTask[] = [];
  const stop = () => stopWorkload(workload);
  const interrupted = () => {
    stop();
    process.exit(130);
  };
  // Children must not outlive the tracer: kill them on exit and on Ctrl-C / SIGTERM too.
  process.once('exit', stop);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (opts.workload !== undefined) workload = startWorkload(opts.workload);
    const pids = opts.pids === undefined && workload.length === 0 ? undefined : [...listed, ...workload.map((w) => w.pid)];
    const classes = new Map(workload.map((w) => [w.pid, w.class]));
    const result = await runSampler({ durationS, intervalMs, ...(pids ? { pids } : {}), classes });
    writeFileAtomic(opts.output, traceJsonl(result.header, result.samples));
    if (result.skipped > 0) ctx.io.err(`warning: skipped ${result.skipped} reads of vanished or unreadable tasks\n`);
    const summary = { output: opts.output, samples: result.samples.length, tasks: result.tasks, skipped: result.skipped, workload: workload.length };
    if (opts.json) ctx.json(summary);
    else ctx.io.out(`traced ${result.tasks} tasks, ${result.samples.length} samples (${durationS} s every ${intervalMs} ms) -> ${opts.output}\n`);
  } finally {
    stop();
    process.off('exit', stop);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('trace')
    .description('sample per-task scheduler counters from /proc into a trace (JSON Lines, see docs/LEARNING.md)')
    .option('--duration <s>', 'seconds to trace', '10')
    .option('--interval <ms>', 'sampling interval in milliseconds', '100')
    .option('--pids <list>', 'comma-separated process ids to trace (all their threads); default: every process')
    .option('--workload <name>', 'spawn a synthetic workload (mixed: interactive sleepers, a periodic task, batch hogs), trace and label it, kill it at the end')
    .requiredOption('-o, --output <file>', 'trace file to write (atomically)')
    .option('--json', 'machine-readable summary')
    .action((opts: TraceOptions) => traceCommand(ctx, opts));
}
