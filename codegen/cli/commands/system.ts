/**
 * `nicsched system <policy>`: boot the patched kernel in QEMU with the simulated card running the
 * policy, load the driver and the hook, run workloads with the hook off and on, and report the
 * counters and figures (codegen/system/, docs/SYSTEM.md).
 */

import type { Command } from 'commander';
import { inputError } from '../../util/errors.js';
import { BuildError } from '../../system/build.js';
import { CardError } from '../../system/card.js';
import { GuestError } from '../../system/guest.js';
import { formatReport } from '../../system/report.js';
import { buildKeyValues, buildSystem, parseFault, runSystem } from '../../system/run.js';
import { parseWorkloads } from '../../system/workloads.js';
import { EXIT_INPUT } from '../exit.js';
import type { CommandContext } from './index.js';
import { withToolCheck } from './lab-tools.js';

interface SystemCliOptions {
  cpus: string;
  workload: string;
  duration: string;
  fault?: string;
  timeScale: string;
  dir?: string;
  buildOnly?: boolean;
  json?: boolean;
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw inputError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

/** A build, the card or the guest failed: a finding of the run, reported with exit 1. */
function isRunFailure(err: unknown): err is Error {
  return err instanceof BuildError || err instanceof CardError || err instanceof GuestError;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('system')
    .description('boot the patched kernel in QEMU with the simulated card, load the driver and the hook, run workloads with the hook off and on, and report')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--cpus <n>', 'guest CPUs (1-8)', '2')
    .option('--workload <list>', 'comma-separated: hackbench, schbench, timer, mixed', 'hackbench,schbench,mixed')
    .option('--duration <s>', 'seconds per workload (hackbench runs a fixed size)', '3')
    .option('--fault <fault>', 'after the hook-on run: stall, remove or slow:US at the card, then a timer workload')
    .option('--time-scale <k>', "multiply the hook's decision TTL and stall timeout by k for the TCG guest (1: as written)", '50')
    .option('--dir <dir>', 'keep console.log, doorbells.jsonl and report.json here (default: a new temporary directory)')
    .option('--build-only', 'build (or find in the caches) the kernel, modules, card and initramfs; print KEY=value lines')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: SystemCliOptions) => {
      await withToolCheck(ctx, Boolean(opts.json), async () => {
        const progress = (message: string) => ctx.io.err(`[system] ${message}\n`);
        if (opts.buildOnly) {
          ctx.io.out(buildKeyValues(await buildSystem(file, integerOption('time-scale', opts.timeScale, 1, 1000), progress)));
          return;
        }
        const options = {
          policy: file,
          cpus: integerOption('cpus', opts.cpus, 1, 8),
          workloads: parseWorkloads(opts.workload),
          seconds: integerOption('duration', opts.duration, 1, 600),
          fault: opts.fault === undefined ? undefined : parseFault(opts.fault),
          timeScale: integerOption('time-scale', opts.timeScale, 1, 1000),
          workDir: opts.dir,
        };
        const report = await runSystem(options, progress).catch((err: unknown) => {
          if (!isRunFailure(err)) throw err;
          ctx.state.exitCode = EXIT_INPUT;
          if (opts.json) ctx.json({ error: err.name, message: err.message });
          else ctx.io.err(`error: nicsched system: ${err.message}\n`);
          return undefined;
        });
        if (!report) return;
        if (opts.json) ctx.json(report);
        else ctx.io.out(formatReport(report));
        if (!report.ok) ctx.state.exitCode = EXIT_INPUT;
      });
    });
}
