/** `nicsched dataset`: trace(s) → labelled rows for a policy's feature list, plus a data card. */

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { buildDataset, dataCard, dataCardMarkdown, datasetJsonl, sha256 } from '../../learn/dataset.js';
import { LABEL_RULES, type LabelRule } from '../../learn/labels.js';
import { loadTemplate } from '../../learn/template.js';
import { readTrace } from '../../trace/read.js';
import { inputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/output.js';
import { packagePath } from '../../util/paths.js';
import type { CommandContext } from './index.js';

interface DatasetOptions {
  label: string;
  spec?: string;
  augment: string;
  seed: string;
  output: string;
  json?: boolean;
}

function nonNegativeInt(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw inputError(`${option} must be a non-negative integer, got "${text}"`, { pointer: `/${option}` }, `e.g. ${option} 1000`);
  return Number(text);
}

/** `data.jsonl` → `data.card.json` / `data.card.md` next to it. */
function cardPaths(output: string): { json: string; md: string } {
  const stem = output.replace(/\.jsonl$/, '');
  return { json: `${stem}.card.json`, md: `${stem}.card.md` };
}

function datasetCommand(ctx: CommandContext, traceFiles: string[], opts: DatasetOptions): void {
  if (!(LABEL_RULES as string[]).includes(opts.label)) throw inputError(`unknown label rule "${opts.label}"`, { pointer: '/--label' }, `use one of: ${LABEL_RULES.join(', ')}`);
  const template = loadTemplate(opts.spec ?? packagePath('examples/reference.template.yaml'));
  const traces = traceFiles.map((file) => ({ trace: readTrace(file), sha256: sha256(readFileSync(file)) }));
  const rows = nonNegativeInt(opts.augment, '--augment');
  const seed = nonNegativeInt(opts.seed, '--seed');
  const ds = buildDataset(template.spec, traces, { rule: opts.label as LabelRule, ...(rows > 0 ? { augment: { rows, seed } } : {}) });
  if (ds.rows.length === 0) throw inputError('no labelled rows: every sample lacked features or a next window', { file: traceFiles[0] }, 'trace for longer (a task needs at least two samples, three for --label outcome)');
  const text = datasetJsonl(ds);
  const card = dataCard(ds, opts.output, text);
  const cards = cardPaths(opts.output);
  writeFileAtomic(opts.output, text);
  writeFileAtomic(cards.json, JSON.stringify(card, null, 2) + '\n');
  writeFileAtomic(cards.md, dataCardMarkdown(card));
  if (opts.json) return ctx.json({ output: opts.output, cards, rows: card.rows, label_balance: card.label_balance });
  const balance = Object.entries(card.label_balance).map(([a, n]) => `${a} ${n}`).join(', ');
  ctx.io.out(`${card.rows.total} rows (${card.rows.from_traces} traced, ${card.rows.synthetic} synthetic, ${card.rows.dropped_unlabelled} unlabelled dropped); labels: ${balance} -> ${opts.output}, ${cards.md}\n`);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('dataset')
    .description('turn traces into (features, label) rows for a policy template, with a data card (docs/LEARNING.md)')
    .argument('<traces...>', 'trace files (.jsonl from `nicsched trace`)')
    .requiredOption('--label <rule>', `label rule: ${LABEL_RULES.join(' | ')}`)
    .option('--spec <template>', 'training template (a policy without weights); default examples/reference.template.yaml')
    .option('--augment <rows>', 'add this many synthetic rows (generator uniform-v1, heuristic labels)', '0')
    .option('--seed <n>', 'seed of the synthetic rows', '1')
    .requiredOption('-o, --output <file>', 'dataset to write (.jsonl); the data card goes next to it (.card.json, .card.md)')
    .option('--json', 'machine-readable summary')
    .action((traces: string[], opts: DatasetOptions) => datasetCommand(ctx, traces, opts));
}
