/**
 * `nicsched eval <policy>`: simulate workloads under CFS, the static baselines, the policy (via the
 * NIC and on the CPU) and the next-burst oracle, over N seeds, and write report.md, report.json
 * and the plots (codegen/eval/, docs/EVAL.md).
 */

import type { Command } from 'commander';
import { loadPolicy } from '../../policy.js';
import { inputError } from '../../util/errors.js';
import { writeOutputDir } from '../../util/output.js';
import { cfsTunables } from '../../eval/cfs.js';
import { readProvenance } from '../../eval/provenance.js';
import { runEval, type EvalOptions, type WorkloadSpec } from '../../eval/run.js';
import { DEFAULT_COSTS, type Costs } from '../../eval/sim.js';
import { parseWindow, traceWorkloads, WHOLE_TRACE } from '../../eval/trace-workload.js';
import { SYNTHETIC_WORKLOADS } from '../../eval/workload.js';
import type { CommandContext } from './index.js';

interface EvalCliOptions {
  workload: string;
  window?: string;
  cpus: string;
  durationMs: string;
  seeds: string;
  firstSeed: string;
  nicLatencyUs: string;
  staticNice: string;
  oracleThresholdUs: string;
  switchUs: string;
  migrationUs: string;
  wakeUs: string;
  ipiUs: string;
  balance: boolean;
  output: string;
  json?: boolean;
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw inputError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

function microseconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1_000_000) throw inputError(`--${name} must be a number of µs in [0, 1000000], got ${JSON.stringify(value)}`);
  return Math.round(n * 1000);
}

/** `mixed,schbench,trace.jsonl`: generators by name, anything else a trace file. */
function workloadSpecs(list: string, cpus: number, window: string | undefined): WorkloadSpec[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw inputError('--workload names no workload', {}, `use one or more of ${Object.keys(SYNTHETIC_WORKLOADS).join(', ')} or a trace file, comma-separated`);
  const w = window === undefined ? WHOLE_TRACE : parseWindow(window);
  return names.map((name) => {
    const gen = SYNTHETIC_WORKLOADS[name];
    if (gen) return { label: name, kind: name, make: (seed: number) => gen({ cpus, seed }) };
    const build = traceWorkloads(name, w);
    return { label: w === WHOLE_TRACE ? name : `${name} [${w.from}, ${w.to})`, kind: 'trace', make: build };
  });
}

function costsOf(o: EvalCliOptions): Costs {
  return { ...DEFAULT_COSTS, switchNs: microseconds('switch-us', o.switchUs), migrationNs: microseconds('migration-us', o.migrationUs), wakeNs: microseconds('wake-us', o.wakeUs), ipiNs: microseconds('ipi-us', o.ipiUs) };
}

const us = (ns: number) => String(ns / 1000);

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('eval')
    .description('simulate workloads under Linux 6.1 CFS, static baselines, the policy (NIC and CPU) and an oracle over N seeds; report latency tails and batch throughput with 95 % CIs')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--workload <list>', `comma-separated: ${Object.keys(SYNTHETIC_WORKLOADS).join(', ')}, or recorded traces (JSON Lines)`, 'mixed')
    .option('--window <from:to>', "replay only this share of each trace's time span (e.g. 0.7:1, the held-out part)")
    .option('--cpus <n>', 'simulated CPUs', '2')
    .option('--duration-ms <n>', 'simulated time per run', '5000')
    .option('--seeds <n>', 'runs per workload and variant, paired by seed', '10')
    .option('--first-seed <n>', 'seeds are first-seed .. first-seed + seeds - 1', '1')
    .option('--nic-latency-us <n>', 'doorbell → decision in host memory', '5')
    .option('--static-nice <n>', "the static baseline adds this to the batch class's nice", '8')
    .option('--oracle-threshold-us <n>', 'the oracle boosts bursts shorter than this', '1000')
    .option('--switch-us <n>', 'context switch cost', us(DEFAULT_COSTS.switchNs))
    .option('--migration-us <n>', 'cache refill after a migration', us(DEFAULT_COSTS.migrationNs))
    .option('--wake-us <n>', 'wakeup work charged to the waker', us(DEFAULT_COSTS.wakeNs))
    .option('--ipi-us <n>', 'remote wakeup / resched IPI latency', us(DEFAULT_COSTS.ipiNs))
    .option('--no-balance', 'no periodic, idle, newidle or active load balancing (wakeup placement stays)')
    .requiredOption('-o, --output <dir>', 'report directory (created; replaced only if nicsched made it)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: EvalCliOptions) => {
      const policy = loadPolicy(file);
      const cpus = integerOption('cpus', opts.cpus, 1, 64);
      const durationMs = integerOption('duration-ms', opts.durationMs, 1, 3_600_000);
      const nseeds = integerOption('seeds', opts.seeds, 1, 10_000);
      const first = integerOption('first-seed', opts.firstSeed, 0, 2 ** 32 - 1 - nseeds);
      const o: EvalOptions = {
        cpus,
        durationNs: durationMs * 1_000_000,
        nicLatencyNs: microseconds('nic-latency-us', opts.nicLatencyUs),
        seeds: Array.from({ length: nseeds }, (_, i) => first + i),
        staticNice: integerOption('static-nice', opts.staticNice, 0, 39),
        oracleThresholdNs: microseconds('oracle-threshold-us', opts.oracleThresholdUs),
        costs: costsOf(opts),
        balancing: opts.balance,
      };
      const specs = workloadSpecs(opts.workload, cpus, opts.window);
      const result = runEval(policy, specs, o, cfsTunables(cpus));
      const provenance = readProvenance(file);
      const { reportFiles, reportJson, summaryText } = await import('../../eval/report.js');
      const files = await reportFiles(result, provenance);
      writeOutputDir(opts.output, files, `${policy.hash}\n`);
      if (opts.json) ctx.json({ output: opts.output, files: files.map((f) => f.path), report: reportJson(result, provenance) });
      else ctx.io.out(`eval ${policy.ir.name}: ${specs.length} workload(s) x ${o.seeds.length} seeds, ${cpus} CPU(s), ${durationMs} ms -> ${opts.output}\n\n${summaryText(result, provenance)}`);
    });
}
