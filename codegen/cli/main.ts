/**
 * The `nicsched` command line. Exit codes (exit.ts): 0 ok, 1 bad input (a located message on
 * stderr), 2 internal error, 3 a lab tool is missing (the exact commands were printed).
 * Every command takes --json for machine use.
 */

import { shortHash } from '../ir/canonical.js';
import { Command, CommanderError, Option } from 'commander';
import { emitAll } from '../backends/index.js';
import { loadPolicy } from '../policy.js';
import { InputError } from '../util/errors.js';
import { packageVersion } from '../util/paths.js';
import { writeFileAtomic, writeOutputDir } from '../util/output.js';
import { exportRegmap, REGMAP_FORMATS, type RegmapFormat } from '../regmap/index.js';
import { formatPlan, planWords, reloadPlan } from '../regmap/reload.js';
import { csim, formatCsimReport, type CsimOptions } from '../verify/csim.js';
import { processIo, type CliIo } from './io.js';
import { runPredict } from './predict.js';
import { formatReport, simulate, type SimulateOptions } from '../verify/simulate.js';
import { summaryJson, summaryText } from './summary.js';
import { COMMAND_MODULES } from './command-modules.js';
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_OK } from './exit.js';
import { FEATURE_SOURCES, describeTransform } from '../spec/catalogue.js';
import { POLICY_SCHEMA } from '../spec/validate.js';

export { EXIT_OK, EXIT_INPUT, EXIT_INTERNAL, EXIT_TOOL_MISSING } from './exit.js';

function json(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

function buildProgram(io: CliIo, state: { exitCode: number }): Command {
  const program = new Command('nicsched').description('Compile MLP scheduling policies for FPGA NICs: golden model, RTL, HLS, register map, driver and scheduler hook.').version(packageVersion()).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('check')
    .description('validate a policy and print a summary: shapes, formats, accumulator widths, hash')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { json?: boolean }) => {
      const policy = loadPolicy(file);
      if (opts.json) json(io, summaryJson(policy));
      else io.out(summaryText(policy));
    });

  program
    .command('compile')
    .description("compile a policy and write ir.json plus every backend's outputs")
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .requiredOption('-o, --output <dir>', 'output directory (created; replaced only if nicsched made it)')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { output: string; json?: boolean }) => {
      const policy = loadPolicy(file);
      const files = emitAll(policy);
      writeOutputDir(opts.output, files, `${policy.hash}\n`);
      if (opts.json) json(io, { policy_hash: policy.hash, output: opts.output, files: files.map((f) => f.path) });
      else io.out(`compiled ${policy.ir.name} (${shortHash(policy.hash)}) -> ${opts.output}: ${files.length} files\n`);
    });

  program
    .command('predict')
    .description('run the golden model on input vectors (CSV: header of feature names, one row per vector)')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .requiredOption('-i, --input <csv>', 'input vectors')
    .option('--output <csv>', 'write results here instead of stdout')
    .option('--trace', 'per-layer trace (accumulator, activation, output) of every vector')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { input: string; output?: string; trace?: boolean; json?: boolean }) => {
      runPredict(io, loadPolicy(file), opts);
    });

  program
    .command('simulate')
    .description('compile the RTL, simulate it (cocotb) and compare every result with the golden model')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--vectors <csv>', 'input vectors (default: corner, tie and --count random vectors)')
    .option('--count <n>', 'random vectors', (v) => Number(v), 2000)
    .option('--seed <n>', 'seed of the random vectors', (v) => Number(v), 1)
    .addOption(new Option('--sim <simulator>', 'simulator').choices(['verilator', 'icarus']).default('verilator'))
    .option('--waves <file>', 'record waveforms (.fst or .vcd)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: SimulateOptions) => {
      const policy = loadPolicy(file);
      const report = await simulate(policy, opts);
      if (opts.json) json(io, report);
      else io.out(formatReport(report, policy.ir.target.clock_mhz));
      if (!report.ok) state.exitCode = EXIT_INPUT;
    });

  program
    .command('regmap')
    .description('export the register map of a policy')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(REGMAP_FORMATS)).default('md'))
    .option('-o, --output <file>', 'write here instead of stdout')
    .action((file: string, opts: { format: RegmapFormat; output?: string }) => {
      const text = exportRegmap(loadPolicy(file).regmap, opts.format);
      if (opts.output) writeFileAtomic(opts.output, text);
      else io.out(text);
    });

  program
    .command('csim')
    .description('C-simulate the HLS output (g++ with the ap_fixed headers) and compare every result with the golden model')
    .argument('<policy>', 'policy spec (.yaml or .json)')
    .option('--vectors <csv>', 'input vectors (default: corner, tie and --count random vectors)')
    .option('--count <n>', 'random vectors', (v) => Number(v), 2000)
    .option('--seed <n>', 'seed of the random vectors', (v) => Number(v), 1)
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: CsimOptions) => {
      const policy = loadPolicy(file);
      const report = await csim(policy, opts);
      if (opts.json) json(io, report);
      else io.out(formatCsimReport(report, policy));
      if (!report.ok) state.exitCode = EXIT_INPUT;
    });

  program
    .command('reload-plan')
    .description('can <new-policy> be loaded into a card running <running-policy> without a new bitstream? print the register writes')
    .argument('<running-policy>', 'the policy the bitstream was built from')
    .argument('<new-policy>', 'the policy to load')
    .option('--words <file>', 'also write the weights as a .words file for `nicschedctl reload` (driver/userspace)')
    .option('--json', 'machine-readable output')
    .action((runningFile: string, nextFile: string, opts: { json?: boolean; words?: string }) => {
      const plan = reloadPlan(loadPolicy(runningFile), loadPolicy(nextFile));
      if (opts.words && plan.compatible) writeFileAtomic(opts.words, planWords(plan));
      if (opts.json) json(io, plan);
      else io.out(formatPlan(plan));
      if (!plan.compatible) state.exitCode = EXIT_INPUT;
    });

  program
    .command('schema')
    .description('print the policy JSON Schema (draft 2020-12)')
    .action(() => json(io, POLICY_SCHEMA));

  program
    .command('features')
    .description('list the feature catalogue: sources, kernel fields and integer transforms')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      if (opts.json) return json(io, FEATURE_SOURCES);
      for (const s of FEATURE_SOURCES) io.out(`${s.name.padEnd(20)} ${s.kind.padEnd(5)} ${describeTransform(s.transform).padEnd(34)} ${s.kernel}\n`);
    });

  const ctx = { io, state, json: (value: unknown) => json(io, value) };
  for (const register of COMMAND_MODULES) register(program, ctx);
  return program;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const state = { exitCode: EXIT_OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    return reportError(err, io, argv.includes('--json'));
  }
}

function reportError(err: unknown, io: CliIo, asJson: boolean): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    return err.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
  }
  if (err instanceof InputError && asJson) {
    io.err(JSON.stringify({ error: 'input', diagnostics: err.diagnostics }, null, 2) + '\n');
    return EXIT_INPUT;
  }
  if (err instanceof InputError) {
    for (const d of err.diagnostics) io.err(`error: ${formatOne(d)}\n`);
    return EXIT_INPUT;
  }
  io.err(`internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT_INTERNAL;
}

function formatOne(d: InputError['diagnostics'][number]): string {
  return new InputError(d).message;
}
