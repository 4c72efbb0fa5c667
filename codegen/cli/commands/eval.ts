/**
 * `nicsched eval <policy>`: simulate a workload under stock CFS and under the policy's hook and
 * write report.md, report.json and two SVG plots (codegen/eval/, docs/EVAL.md).
 */

import type { Command } from 'commander';
import { loadPolicy } from '../../policy.js';
import { inputError } from '../../util/errors.js';
import { writeOutputDir } from '../../util/output.js';
import { evalTable, reportFiles, reportJson, runEval } from '../../eval/run.js';
import { readTraceWorkload } from '../../eval/trace-workload.js';
import { mixedWorkload, type Workload } from '../../eval/workload.js';
import type { CommandContext } from './index.js';

interface EvalCliOptions {
  workload: string;
  cpus: string;
  durationMs: string;
  seed: string;
  nicLatencyUs: string;
  output: string;
  json?: boolean;
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw inputError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

function workloadOf(spec: string, cpus: number, seed: number): Workload {
  return spec === 'mixed' ? mixedWorkload({ cpus, seed }) : readTraceWorkload(spec);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('eval')
    .description('simulate a workload under Linux 6.1 CFS with and without the policy\'s hook; report wakeup latency and batch throughput')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--workload <mixed|trace.jsonl>', 'the synthetic mixed workload or a recorded trace (JSON Lines)', 'mixed')
    .option('--cpus <n>', 'simulated CPUs', '2')
    .option('--duration-ms <n>', 'simulated time', '5000')
    .option('--seed <n>', 'seed of the synthetic workload', '1')
    .option('--nic-latency-us <n>', 'doorbell → decision in host memory', '5')
    .requiredOption('-o, --output <dir>', 'report directory (created; replaced only if nicsched made it)')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: EvalCliOptions) => {
      const policy = loadPolicy(file);
      const cpus = integerOption('cpus', opts.cpus, 1, 64);
      const durationMs = integerOption('duration-ms', opts.durationMs, 1, 3_600_000);
      const seed = integerOption('seed', opts.seed, 0, 2 ** 32 - 1);
      const nicLatencyUs = integerOption('nic-latency-us', opts.nicLatencyUs, 0, 1_000_000);
      const workload = workloadOf(opts.workload, cpus, seed);
      const result = runEval(policy, workload, { cpus, durationNs: durationMs * 1_000_000, nicLatencyNs: nicLatencyUs * 1000, seed });
      const files = reportFiles(result);
      writeOutputDir(opts.output, files, `${policy.hash}\n`);
      if (opts.json) ctx.json({ output: opts.output, files: files.map((f) => f.path), report: reportJson(result) });
      else ctx.io.out(`eval ${policy.ir.name} on ${result.workload}, ${cpus} CPU(s), ${durationMs} ms -> ${opts.output}\n\n${evalTable(result)}`);
    });
}
