/** `nicsched train`: fit a template's MLP to a dataset (tfjs, seeded) and write the quantized policy. */

import type { Command } from 'commander';
import { readDataset } from '../../learn/dataset.js';
import { loadTemplate } from '../../learn/template.js';
import { OBJECTIVES } from '../../learn/train.js';
import { inputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/output.js';
import type { CommandContext } from './index.js';

interface TrainCliOptions {
  spec: string;
  output: string;
  seed: string;
  epochs: string;
  qat?: boolean;
  objective: string;
  regressScale: string;
  json?: boolean;
}

function boundedInt(text: string, option: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min || v > max) throw inputError(`${option} must be an integer in [${min}, ${max}], got "${text}"`, { pointer: `/${option}` }, `e.g. ${option} ${min + 1}`);
  return v;
}

async function trainCommand(ctx: CommandContext, datasetFile: string, opts: TrainCliOptions): Promise<void> {
  const seed = boundedInt(opts.seed, '--seed', 0, 0xffff_ffff);
  const epochs = boundedInt(opts.epochs, '--epochs', 1, 10_000);
  const template = loadTemplate(opts.spec);
  const dataset = readDataset(datasetFile);
  // loaded on use: tfjs takes longer to load than every other command needs to run
  const { describeAgreement, trainPolicy } = await import('../../learn/pipeline.js');
  const objective = OBJECTIVES.find((o) => o === opts.objective);
  if (!objective) throw inputError(`--objective must be ${OBJECTIVES.join(', ')}, got "${opts.objective}"`, { pointer: '/--objective' }, 'regress and advantage need a counterfactual dataset');
  const regressScale = Number(opts.regressScale);
  if (!(regressScale > 0 && regressScale <= 1000)) throw inputError(`--regress-scale must be a number in (0, 1000], got "${opts.regressScale}"`, { pointer: '/--regress-scale' }, 'e.g. --regress-scale 1');
  const result = await trainPolicy(dataset, template, { seed, epochs, qat: opts.qat === true, objective, regressScale });
  writeFileAtomic(opts.output, result.yaml);
  if (opts.json) return ctx.json({ output: opts.output, held_out: result.heldOut, training: result.trainSet, seconds: result.seconds, clamped: result.clamped });
  const label = `label (${dataset.header.label})`;
  ctx.io.out(`trained ${template.spec.name} in ${result.seconds.toFixed(1)} s -> ${opts.output}\n  held out: ${describeAgreement(result.heldOut, label)}\n  training: ${describeAgreement(result.trainSet, label)}\n`);
  const regressOnTies = objective !== 'classify' && result.heldOut.advantage !== undefined && result.heldOut.advantage.quantized >= 0.9 * result.heldOut.advantage.float;
  if (result.heldOut.float_vs_quantized < 0.99 && !regressOnTies) ctx.io.err(`warning: float vs quantized agreement is below the 99 % target; try --qat or more epochs\n`);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('train')
    .description('train the float MLP of a template on a dataset (tfjs, seeded), quantize it and write the policy (docs/LEARNING.md)')
    .argument('<dataset>', 'dataset (.jsonl from `nicsched dataset`)')
    .requiredOption('--spec <template>', 'training template: a policy whose layers omit weights and bias')
    .requiredOption('-o, --output <file>', 'policy to write (atomically)')
    .option('--seed <n>', 'seed of initial weights, split and shuffling', '1')
    .option('--epochs <n>', 'float training epochs', '40')
    .option('--qat', 'then fine-tune quantization-aware (epochs/2 more, lr/10)')
    .option('--objective <o>', "classify (cross-entropy on the label), regress (scores fit each action's advantage over keep) or advantage (maximize the expected advantage over keep); regress and advantage need a counterfactual dataset", 'classify')
    .option('--regress-scale <x>', 'regress: score units per unit of advantage (targets clip at ±7.5)', '4')
    .option('--json', 'machine-readable summary')
    .action((dataset: string, opts: TrainCliOptions) => trainCommand(ctx, dataset, opts));
}
