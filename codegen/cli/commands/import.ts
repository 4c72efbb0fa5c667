/** `nicsched import <model.onnx> -o policy.yaml`: ONNX MLP → policy spec (docs/IMPORT.md). */

import { shortHash } from '../../ir/canonical.js';
import type { Command } from 'commander';
import { describeFormat } from '../../numeric/format.js';
import { writeFileAtomic } from '../../util/output.js';
import { DEFAULT_ACTIVATION_BITS, DEFAULT_WEIGHT_BITS } from '../../import/defaults.js';
import type { ImportFlags } from '../../import/overrides.js';
import type { CommandContext } from './index.js';

interface Options extends ImportFlags {
  output: string;
  json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('import')
    .description('turn an ONNX MLP (Gemm/MatMul+Add/Relu/Flatten, from PyTorch or Keras) into a policy spec with float weights')
    .argument('<model>', 'the .onnx file')
    .requiredOption('-o, --output <policy>', 'policy file to write (YAML)')
    .option('--spec-overrides <template>', 'partial policy YAML: name, features, input, head, actions, target, hook, per-layer formats')
    .option('--features <list>', 'feature sources in input order: source or name=source, comma-separated')
    .option('--actions <list>', 'one action per output: name or name:nice, comma-separated')
    .option('--head <head>', 'argmax (default) or scores')
    .option('--name <name>', 'policy name (default: from the file name)')
    .option('--description <text>', 'policy description')
    .option('--input-format <format>', 'format of every input, e.g. u8.0 (default)')
    .option('--weight-bits <n>', `width of the default weight formats (default ${DEFAULT_WEIGHT_BITS})`)
    .option('--activation-bits <n>', `width of the default layer output formats (default ${DEFAULT_ACTIVATION_BITS})`)
    .option('--board <board>', 'target board')
    .option('--clock-mhz <mhz>', 'target clock')
    .option('--reuse <n>', 'multiplier reuse factor')
    .option('--slots <n>', 'request slots')
    .option('--hook-points <list>', 'hook points: wakeup,tick')
    .option('--decision-ttl-ms <ms>', 'decision lifetime')
    .option('--stall-timeout-ms <ms>', 'stall timeout before the hook disables itself')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: Options) => {
      // loaded on use: protobufjs is not needed by the other commands
      const { importOnnx, networkShape, quantizationLines } = await import('../../import/index.js');
      const r = importOnnx(file, opts, opts.output);
      writeFileAtomic(opts.output, r.text);
      if (opts.json) {
        ctx.json({
          source: r.source,
          output: opts.output,
          policy_hash: r.policy.hash,
          inputs: r.network.inputWidth,
          layers: r.policy.ir.layers.map((l) => ({ inputs: l.inputs, units: l.units, activation: l.activation, weight_format: describeFormat(l.weight_format), output_format: describeFormat(l.output_format), nodes: r.network.layers[l.index]!.nodes })),
          quantization: r.policy.quantization,
        });
        return;
      }
      ctx.io.out(`imported ${file} (${r.source.producer}, opset ${r.source.opset ?? '?'}) -> ${opts.output}: ${networkShape(r.network)}, policy hash ${shortHash(r.policy.hash)}\n`);
      for (const line of quantizationLines(r.policy.quantization)) ctx.io.out(`  ${line}\n`);
    });
}
