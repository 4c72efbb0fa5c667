/**
 * The HLS backend, proven without Xilinx tools: g++ builds the generated testbench against the
 * real ap_int/ap_fixed headers with -Wall -Wextra -Werror (and again with UBSan + ASan), runs the
 * standard vectors through nicsched_policy_top, and every result is compared bit for bit with the
 * golden model, by the C++ testbench and again in TypeScript. A deliberately wrong format must
 * fail that comparison; run_hls.tcl runs under tclsh against a recorder of the Vitis commands.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitAll } from '../../codegen/backends/index.js';
import { emitHls, hlsData, HLS_LIBRARY, renderHls } from '../../codegen/backends/hls/hls-backend.js';
import { apTypesDir, csimVectors, CXX_FLAGS, formatCsimReport, type CsimReport } from '../../codegen/verify/csim.js';
import { testVectors, Rng } from '../../codegen/golden/vectors.js';
import { biasFormat } from '../../codegen/numeric/accumulator.js';
import { formatRange, requantize, type Format } from '../../codegen/numeric/format.js';
import type { CompiledPolicy } from '../../codegen/compiled.js';
import { compilePolicyText, loadPolicy } from '../../codegen/policy.js';
import { writeOutputDir } from '../../codegen/util/output.js';
import { cli, EXAMPLES, recordTcl, REFERENCE, ROOT, tempDir, TINY, writeTemp, type TclCall } from '../helpers.js';

const CSIM_TIMEOUT = 180_000;

function nameOf(file: string): string {
  return file.split('/').pop()!;
}

/** A policy file with some fields changed (same weights). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a policy document edited freely by each test
type PolicyDoc = Record<string, any>;

function variant(file: string, change: (doc: PolicyDoc) => void): CompiledPolicy {
  const doc = parse(readFileSync(file, 'utf8')) as PolicyDoc;
  change(doc);
  return compilePolicyText(JSON.stringify(doc));
}

function withReuse(file: string, reuse: number): CompiledPolicy {
  return variant(file, (doc) => {
    doc['name'] = `${doc['name']}_reuse${reuse}`;
    doc['target'].reuse = reuse;
  });
}

/** Bit-exact by both checks, and nothing printed by the compiler. */
function expectBitExact(r: CsimReport, vectors: number): void {
  expect(r.first_failure).toBeUndefined();
  expect(r.vectors).toBe(vectors);
  expect(r.passed).toBe(vectors);
  expect(r.failed).toBe(0);
  expect(r.testbench).toMatchObject({ exit_code: 0, passed: vectors, failed: 0 });
  expect(r.compiler.warnings).toBe('');
  expect(r.ok).toBe(true);
}

// ---- policies with unusual formats, generated with seeded random weights ---------------------

interface LayerShape {
  units: number;
  activation: 'relu' | 'none';
  weight: Format;
  output: Format;
}

/** Weights and biases spread over the whole range, a third of them at the extremes. */
function randomInt(rng: Rng, f: Format): number {
  const { min, max } = formatRange(f);
  const pick = rng.int(0, 5);
  return pick === 0 ? min : pick === 1 ? max : rng.int(min, max);
}

function generatedPolicy(name: string, inputFormat: Format, features: number, shapes: LayerShape[], head: 'argmax' | 'scores', seed: number, target: object = {}): CompiledPolicy {
  const rng = new Rng(seed);
  let inputs = features;
  let inFormat = inputFormat;
  const layers = shapes.map((s) => {
    const bias = biasFormat(inputs, inFormat, s.weight);
    const layer = {
      units: s.units,
      activation: s.activation,
      weight_format: s.weight,
      output_format: s.output,
      weights: Array.from({ length: s.units }, () => Array.from({ length: inputs }, () => randomInt(rng, s.weight))),
      bias: Array.from({ length: s.units }, () => randomInt(rng, bias)),
    };
    inputs = s.units;
    inFormat = s.output;
    return layer;
  });
  const outputs = shapes[shapes.length - 1]!.units;
  const doc = {
    nicsched: 1,
    name,
    features: Array.from({ length: features }, (_, i) => ({ name: `f${i}`, source: 'nice' })),
    input: inputFormat,
    layers,
    head,
    ...(head === 'argmax' ? { actions: Array.from({ length: outputs }, (_, k) => ({ name: `a${k}` })) } : {}),
    target: { board: 'au250', clock_mhz: 250, reuse: 1, ...target },
  };
  return compilePolicyText(JSON.stringify(doc), `${name}.json`);
}

const s = (bits: number, frac: number): Format => ({ bits, frac, signed: true });
const u = (bits: number, frac: number): Format => ({ bits, frac, signed: false });

const EDGE_POLICIES: Array<[string, () => CompiledPolicy]> = [
  // 16-bit signed inputs at frac −8 (I = 24 > W) and weights at frac 24 (I = −8 < 0); a left
  // shift (output frac above the accumulator's) that saturates; 1-bit unsigned weights; scores head.
  [
    'wide formats, negative and large I, left shift, scores head',
    () =>
      generatedPolicy(
        'edge_wide',
        s(16, -8),
        4,
        [
          { units: 6, activation: 'relu', weight: s(16, 24), output: u(16, 12) },
          { units: 5, activation: 'none', weight: u(1, 0), output: s(16, 20) },
          { units: 3, activation: 'none', weight: s(3, 1), output: s(16, 10) },
        ],
        'scores',
        11,
      ),
  ],
  // 1-bit formats everywhere, a requantize shift past the accumulator's MSB (32 > its width),
  // then all-zero inputs to the next layer; argmax over many ties.
  [
    '1-bit formats, shift past the accumulator MSB, ties',
    () =>
      generatedPolicy(
        'edge_narrow',
        u(1, 12),
        3,
        [
          { units: 2, activation: 'none', weight: s(2, 12), output: s(4, -8) },
          { units: 4, activation: 'relu', weight: s(1, -8), output: u(1, -8) },
          { units: 3, activation: 'none', weight: s(16, 0), output: s(1, -3) },
        ],
        'argmax',
        12,
      ),
  ],
  // Signed inputs (corners include 0 and −1), linear layer into an unsigned output (negatives
  // saturate to 0), narrow outputs that saturate often, resource strategy with reuse 5 on 7 inputs.
  [
    'signed inputs, saturation both ways, reuse 5',
    () =>
      generatedPolicy(
        'edge_saturate',
        s(8, 2),
        7,
        [
          { units: 9, activation: 'none', weight: s(8, 5), output: u(3, 1) },
          { units: 5, activation: 'relu', weight: s(6, 3), output: s(5, 2) },
          { units: 4, activation: 'none', weight: s(8, 4), output: s(2, 0) },
        ],
        'argmax',
        13,
        { reuse: 5 },
      ),
  ],
  // Odd frac combinations and a 64-input, 32-output layer pair at reuse 7.
  [
    '64 inputs, 32 outputs, reuse 7',
    () =>
      generatedPolicy(
        'edge_big',
        u(5, 3),
        64,
        [
          { units: 20, activation: 'relu', weight: s(9, 7), output: u(7, 3) },
          { units: 32, activation: 'none', weight: s(5, 2), output: s(9, 4) },
        ],
        'argmax',
        14,
        { reuse: 7, board: 'au280', clock_mhz: 300 },
      ),
  ],
];

// ---- the generated files ----------------------------------------------------------------------

describe('HLS backend output', () => {
  it('nicsched compile writes a self-contained hls/ directory', async () => {
    const out = join(tempDir(), 'out');
    const r = await cli('compile', REFERENCE, '-o', out, '--json');
    expect(r.code).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: string[] }).files;
    for (const f of ['nicsched_policy.h', 'nicsched_weights.h', 'nicsched_policy.cpp', 'nicsched_tb.cpp', 'run_hls.tcl', 'README.md', ...HLS_LIBRARY]) {
      expect(files).toContain(`hls/${f}`);
      expect(existsSync(join(out, 'hls', f))).toBe(true);
    }
    for (const lib of HLS_LIBRARY) expect(readFileSync(join(out, 'hls', lib), 'utf8')).toBe(readFileSync(join(ROOT, 'hls', lib), 'utf8'));
    expect(readFileSync(join(out, 'hls/README.md'), 'utf8')).toContain('vitis_hls -f run_hls.tcl');
  });

  it('never uses or ships hls_stream.h or ap_shift_reg.h', () => {
    for (const file of EXAMPLES) {
      for (const f of emitHls(loadPolicy(file))) {
        expect(f.path).not.toMatch(/hls_stream|ap_shift_reg/);
        expect(f.contents).not.toMatch(/#include\s*[<"](hls_stream|ap_shift_reg)\.h/);
      }
    }
  });

  it('every weight and bias literal is exactly q·2^-frac of the IR integer', () => {
    for (const [, make] of EDGE_POLICIES.concat([['reference', () => loadPolicy(REFERENCE)]])) {
      const policy = make();
      const text = emitHls(policy).find((f) => f.path === 'hls/nicsched_weights.h')!.contents;
      for (const l of policy.ir.layers) {
        const weights = new RegExp(`layer${l.index}_weights\\[\\d+\\]\\[\\d+\\] = \\{\\n([^;]*)\\};`).exec(text)![1]!;
        const rows = weights
          .trim()
          .split('\n')
          .map((line) => /\{([^}]*)\}/.exec(line)![1]!.split(', ').map(Number));
        expect(rows).toEqual(l.weights.map((row) => row.map((q) => q * 2 ** -l.weight_format.frac)));
        const bias = new RegExp(`layer${l.index}_bias\\[\\d+\\] = \\{([^}]*)\\};`).exec(text)![1]!.split(', ').map(Number);
        expect(bias).toEqual(l.bias.map((q) => q * 2 ** -l.accumulator.frac));
      }
    }
  });

  it('layer types map formats exactly: W = bits, I = bits − frac, AP_RND + AP_SAT on outputs', () => {
    const data = hlsData(EDGE_POLICIES[0]![1]());
    expect(data.layers[0]).toMatchObject({ inputType: 'ap_fixed<16, 24>', weightType: 'ap_fixed<16, -8>', outputType: 'ap_ufixed<16, 4, AP_RND, AP_SAT>', strategy: 'latency' });
    expect(data.layers[1]).toMatchObject({ inputType: 'layer0_config::output_t', weightType: 'ap_ufixed<1, 1>', outputType: 'ap_fixed<16, -4, AP_RND, AP_SAT>' });
    expect(hlsData(withReuse(TINY, 2)).layers.map((l) => l.strategy)).toEqual(['resource', 'resource']);
  });
});

// ---- requantize: the ap_fixed assignment against the golden model's rule ----------------------

describe('requantize through ap_fixed<W, I, AP_RND, AP_SAT> equals DESIGN.md §3', () => {
  interface Case {
    acc: Format;
    out: Format;
    relu: boolean;
  }
  // Accumulator formats up to 48 bits, shifts from −32 to +32, I < 0 and I > W, 1-bit outputs.
  const CASES: Case[] = [];
  for (const [accBits, accFrac] of [
    [12, 3],
    [12, 0],
    [5, 24],
    [20, 10],
    [48, 40],
    [48, -16],
    [30, 20],
    [3, -8],
  ] as const) {
    for (const out of [u(8, 0), s(8, 0), s(1, 0), u(1, 0), u(16, 12), s(16, -8), s(4, 24), u(3, accFrac - 32), s(5, accFrac + 32), s(6, accFrac), u(7, accFrac - 1)]) {
      if (Math.abs(accFrac - out.frac) > 32) continue;
      CASES.push({ acc: s(accBits, accFrac), out, relu: false }, { acc: s(accBits, accFrac), out, relu: true });
    }
  }

  /** A uniform integer in [min, max], also for spans beyond Rng.int's 32 bits of randomness. */
  function wideInt(rng: Rng, min: number, max: number): number {
    if (max - min < 2 ** 32) return rng.int(min, max);
    const low = 2 ** 24;
    const value = rng.int(Math.floor(min / low), Math.floor(max / low)) * low + rng.int(0, low - 1);
    return Math.max(min, Math.min(max, value));
  }

  /** Every accumulator value for narrow ones; otherwise the extremes, random values, and rounding ties ±1. */
  function accValues(c: Case, rng: Rng): number[] {
    const { min, max } = formatRange(c.acc);
    if (c.acc.bits <= 12) return Array.from({ length: max - min + 1 }, (_, k) => min + k);
    const shift = c.acc.frac - c.out.frac;
    const clamp = (v: number) => Math.max(min, Math.min(max, v));
    const values = [min, min + 1, -1, 0, 1, max - 1, max];
    for (let k = 0; k < 300; k++) {
      const v = wideInt(rng, min, max);
      values.push(v);
      if (shift > 0) {
        const tie = Math.floor(v / 2 ** shift) * 2 ** shift + 2 ** (shift - 1);
        values.push(clamp(tie - 1), clamp(tie), clamp(tie + 1));
      }
    }
    return values;
  }

  it(
    `${CASES.length} format pairs, bit-exact`,
    () => {
      const rng = new Rng(99);
      const values = CASES.map((c) => accValues(c, rng));
      const fixed = (f: Format, modes = '') => `${f.signed ? 'ap_fixed' : 'ap_ufixed'}<${f.bits}, ${f.bits - f.frac}${modes}>`;
      const body = CASES.map(
        (c, k) => `    {
        typedef ${fixed(c.acc)} acc_t;
        typedef ${fixed(c.out, ', AP_RND, AP_SAT')} out_t;
        static const long long values[] = {${values[k]!.join('LL, ')}LL};
        for (unsigned v = 0; v < sizeof values / sizeof values[0]; v++) {
            acc_t a = nicsched::from_raw<acc_t>(values[v]);
            ${c.relu ? 'a = nicsched::apply_relu(a);' : ''}
            std::printf("%lld\\n", nicsched::to_raw(nicsched::requantize<out_t>(a)));
        }
    }`,
      ).join('\n');
      const dir = tempDir('nicsched-requant-');
      const src = writeTemp('requantize.cpp', `#include <cstdio>\n#include "nicsched_activation.h"\nint main() {\n${body}\n    return 0;\n}\n`, dir);
      const build = spawnSync('g++', [...CXX_FLAGS, '-isystem', apTypesDir(), '-I', join(ROOT, 'hls'), src, '-o', join(dir, 'rq')], { encoding: 'utf8' });
      expect(build.stderr).toBe('');
      expect(build.status).toBe(0);
      const run = spawnSync(join(dir, 'rq'), { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(run.status).toBe(0);
      const got = run.stdout.trim().split('\n').map(Number);
      const want = CASES.flatMap((c, k) => values[k]!.map((a) => requantize(c.relu ? Math.max(a, 0) : a, c.acc.frac - c.out.frac, c.out)));
      expect(got.length).toBe(want.length);
      const firstBad = got.findIndex((g, i) => g !== want[i]);
      expect(firstBad).toBe(-1);
    },
    CSIM_TIMEOUT,
  );
});

// ---- C simulation ----------------------------------------------------------------------------

describe('csim: every example policy, ≥ 2000 random + corner + tie vectors, bit-exact', () => {
  for (const file of EXAMPLES) {
    const policy = loadPolicy(file);
    const vectors = testVectors(policy.ir, 2000, 21);

    it(
      `${nameOf(file)}: g++ ${CXX_FLAGS.join(' ')}`,
      async () => {
        expect(vectors.length).toBeGreaterThan(2000);
        expectBitExact(await csimVectors(policy, vectors), vectors.length);
      },
      CSIM_TIMEOUT,
    );

    it(
      `${nameOf(file)}: -fsanitize=undefined,address, clean`,
      async () => {
        const r = await csimVectors(policy, vectors, { sanitize: true });
        expect(r.compiler.command).toContain('-fsanitize=undefined,address');
        expectBitExact(r, vectors.length);
      },
      CSIM_TIMEOUT,
    );
  }
});

describe('csim: resource strategy (reuse > 1), bit-exact', () => {
  const variants: Array<[string, () => CompiledPolicy]> = [
    ['reference reuse 3 (16 inputs: 6 multipliers per unit)', () => withReuse(REFERENCE, 3)],
    ['reference reuse 8', () => withReuse(REFERENCE, 8)],
    ['tiny reuse 2', () => withReuse(TINY, 2)],
  ];
  for (const [label, make] of variants) {
    it(
      label,
      async () => {
        const policy = make();
        expect(hlsData(policy).layers.every((l) => l.strategy === 'resource')).toBe(true);
        const vectors = testVectors(policy.ir, 2000, 5);
        expectBitExact(await csimVectors(policy, vectors), vectors.length);
      },
      CSIM_TIMEOUT,
    );
  }
});

describe('csim: policies with unusual formats, bit-exact (also under the sanitizers)', () => {
  EDGE_POLICIES.forEach(([label, make], k) => {
    it(
      label,
      async () => {
        const policy = make();
        const vectors = testVectors(policy.ir, 2000, 30 + k);
        expectBitExact(await csimVectors(policy, vectors, { sanitize: k % 2 === 0 }), vectors.length);
      },
      CSIM_TIMEOUT,
    );
  });
});

describe('a deliberately mis-set format is caught (the check can fail)', () => {
  const policy = loadPolicy(REFERENCE);
  const vectors = testVectors(policy.ir, 500, 3);

  async function csimWith(change: (data: ReturnType<typeof hlsData>) => void): Promise<CsimReport> {
    const data = hlsData(policy);
    change(data);
    return csimVectors(policy, vectors, {}, renderHls(data));
  }

  function expectCaught(r: CsimReport): void {
    expect(r.ok).toBe(false);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.testbench.exit_code).toBe(1);
    expect(r.testbench.failed).toBe(r.failed);
    expect(r.first_failure).toBeDefined();
  }

  it(
    'layer 0 output rounding AP_TRN instead of AP_RND',
    async () => {
      const r = await csimWith((d) => {
        d.layers[0]!.outputType = d.layers[0]!.outputType.replace('AP_RND', 'AP_TRN');
      });
      expectCaught(r);
    },
    CSIM_TIMEOUT,
  );

  it(
    'layer 1 output frac 3 instead of 4',
    async () => {
      const r = await csimWith((d) => {
        expect(d.layers[1]!.outputType).toBe('ap_ufixed<8, 4, AP_RND, AP_SAT>');
        d.layers[1]!.outputType = 'ap_ufixed<8, 5, AP_RND, AP_SAT>';
      });
      expectCaught(r);
    },
    CSIM_TIMEOUT,
  );
});

// ---- run_hls.tcl under a recorder -------------------------------------------------------------

const VITIS_COMMANDS = ['open_project', 'set_top', 'add_files', 'open_solution', 'set_part', 'create_clock', 'csim_design', 'csynth_design', 'cosim_design', 'export_design'];

/** Defines every Vitis command as a proc that logs its arguments (tab-separated), then sources the script. */
const RECORDER = `
set log [open [lindex $argv 0] w]
foreach command {${VITIS_COMMANDS.join(' ')}} {
    proc $command {args} [format {puts $::log [join [concat %s $args] "\\t"]} $command]
}
rename exit __tcl_exit
proc exit {args} {
    puts $::log exit
    close $::log
    __tcl_exit 0
}
source [lindex $argv 1]
puts $::log "fell off the end without exit"
close $::log
`;

type Call = TclCall;

function recordRunHls(script: string, env: Record<string, string> = {}): Call[] {
  const dir = tempDir('nicsched-tcl-');
  return recordTcl(writeTemp('recorder.tcl', RECORDER, dir), script, { cwd: dir, env: { NICSCHED_COSIM: '', NICSCHED_AXILITE: '', ...env } });
}

function argAfter(call: Call, flag: string): string | undefined {
  const i = call.args.indexOf(flag);
  return i >= 0 ? call.args[i + 1] : undefined;
}

describe('run_hls.tcl drives Vitis HLS in the right order, with the board part, clock and existing files', () => {
  const cases: Array<[string, () => CompiledPolicy, string, string]> = [
    ['reference: au250 at 250 MHz', () => loadPolicy(REFERENCE), 'xcu250-figd2104-2-e', '4'],
    ['au280 at 300 MHz, reuse 7', EDGE_POLICIES[3]![1], 'xcu280-fsvh2892-2L-e', '3.333'],
    [
      'au50 at 161 MHz',
      () =>
        variant(TINY, (d) => {
          d['target'] = { board: 'au50', clock_mhz: 161 };
        }),
      'xcu50-fsvh2104-2-e',
      '6.211',
    ],
  ];
  for (const [label, make, part, period] of cases) {
    it(label, () => {
      const policy = make();
      const out = join(tempDir(), 'out');
      writeOutputDir(out, emitAll(policy), policy.hash);
      const calls = recordRunHls(join(out, 'hls/run_hls.tcl'));
      const order = calls.map((c) => c.command).filter((c, i, all) => c !== all[i - 1]);
      expect(order).toEqual(['open_project', 'set_top', 'add_files', 'open_solution', 'set_part', 'create_clock', 'csim_design', 'csynth_design', 'export_design', 'exit']);
      const one = (command: string) => calls.find((c) => c.command === command)!;
      expect(one('open_project').args).toEqual(['-reset', `nicsched_${policy.ir.name}`]);
      expect(one('set_top').args).toEqual(['nicsched_policy_top']);
      expect(one('set_part').args).toEqual([part]);
      expect(one('create_clock').args).toEqual(['-period', period, '-name', 'default']);
      expect(argAfter(one('export_design'), '-format')).toBe('ip_catalog');

      const added = calls.filter((c) => c.command === 'add_files');
      const paths = added.map((c) => c.args.find((a) => a.startsWith('/'))!);
      for (const p of paths) expect(existsSync(p), p).toBe(true);
      const design = added.filter((c) => c.args[0] !== '-tb').map((c) => c.args[0]!.split('/').pop());
      expect(design).toEqual(['nicsched_policy.cpp', 'nicsched_policy.h', 'nicsched_weights.h', 'nicsched_types.h', 'nicsched_activation.h', 'nicsched_dense.h', 'nicsched_argmax.h']);
      const testbench = added.filter((c) => c.args[0] === '-tb').map((c) => c.args[1]!.split('/').pop());
      expect(testbench).toEqual(['nicsched_tb.cpp', 'nicsched_testbench.h', 'vectors.csv', 'expected.csv']);
      expect(argAfter(added[0]!, '-cflags')).toMatch(/^-std=c\+\+14 -I\//);

      const argv = argAfter(one('csim_design'), '-argv')!.split(' ');
      expect(argv.slice(0, 2).map((p) => p.split('/').slice(-2).join('/'))).toEqual(['golden/vectors.csv', 'golden/expected.csv']);
      for (const p of argv.slice(0, 2)) expect(existsSync(p), p).toBe(true);
    });
  }

  it('NICSCHED_COSIM=1 adds cosim_design between synthesis and export', () => {
    const out = join(tempDir(), 'out');
    const policy = loadPolicy(TINY);
    writeOutputDir(out, emitAll(policy), policy.hash);
    const order = recordRunHls(join(out, 'hls/run_hls.tcl'), { NICSCHED_COSIM: '1' })
      .map((c) => c.command)
      .filter((c) => c !== 'add_files');
    expect(order).toEqual(['open_project', 'set_top', 'open_solution', 'set_part', 'create_clock', 'csim_design', 'csynth_design', 'cosim_design', 'export_design', 'exit']);
  });

  it('NICSCHED_AXILITE=1 compiles the top with -DNICSCHED_AXILITE', () => {
    const out = join(tempDir(), 'out');
    const policy = loadPolicy(TINY);
    writeOutputDir(out, emitAll(policy), policy.hash);
    const script = join(out, 'hls/run_hls.tcl');
    const cflags = (env: Record<string, string>) =>
      argAfter(
        recordRunHls(script, env).find((c) => c.command === 'add_files')!,
        '-cflags',
      );
    expect(cflags({})).not.toContain('NICSCHED_AXILITE');
    expect(cflags({ NICSCHED_AXILITE: '1' })).toMatch(/ -DNICSCHED_AXILITE$/);
  });
});

// ---- the CLI -------------------------------------------------------------------------------

describe('nicsched csim', () => {
  let vectorsFile: string;

  beforeAll(() => {
    vectorsFile = writeTemp('v.csv', 'wait_log2,run_log2\n3,1\n1,0\n0,3\n255,0\n2,2\n');
  });

  it(
    'reports a pass with --json',
    async () => {
      const r = await cli('csim', TINY, '--count', '300', '--seed', '4', '--json');
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as CsimReport;
      expect(report.ok).toBe(true);
      expect(report.passed).toBe(report.vectors);
      expect(report.vectors).toBeGreaterThan(300);
      expect(r.code).toBe(0);
    },
    CSIM_TIMEOUT,
  );

  it(
    'runs given vectors and prints passed/failed',
    async () => {
      const r = await cli('csim', TINY, '--vectors', vectorsFile);
      expect(r.stdout).toMatch(/vectors\s+5 passed, 0 failed/);
      expect(r.stdout).toMatch(/result\s+PASS/);
      expect(r.code).toBe(0);
    },
    CSIM_TIMEOUT,
  );

  it('bad vectors give a located error and exit 1', async () => {
    const bad = writeTemp('bad.csv', 'wait_log2,run_log2\n3,1\n1,256\n');
    const r = await cli('csim', TINY, '--vectors', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:3:3: run_log2 = 256 is outside the input format's range \[0, 255\]/);
    const r2 = await cli('csim', TINY, '--count', '-4');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/--count must be a non-negative integer/);
  });

  it(
    'a failing report names the first failing vector with the golden trace',
    async () => {
      // The CLI always builds the correct design, so break it here: layer 0 truncates instead of
      // rounding. (0, 3): acc [-2, 3], relu [0, 3], 3/2 = 1.5 rounds to 2 but truncates to 1.
      const policy = loadPolicy(TINY);
      const data = hlsData(policy);
      data.layers[0]!.outputType = data.layers[0]!.outputType.replace('AP_RND', 'AP_TRN');
      const r = await csimVectors(
        policy,
        [
          [0, 3],
          [3, 1],
        ],
        {},
        renderHls(data),
      );
      expect(r.ok).toBe(false);
      expect(r.passed).toBe(1);
      expect(r.first_failure).toEqual({ index: 0, input: [0, 3], expected: { action: 1, scores: [-2, 2] }, got: { action: 1, scores: [-1, 1] } });
      const text = formatCsimReport(r, policy);
      expect(text).toMatch(/first mismatch: vector 0 \[0, 3\]/);
      expect(text).toMatch(/golden layer 0: acc \[-2 3\] out \[0 2\]/);
      expect(text).toMatch(/result\s+FAIL/);
    },
    CSIM_TIMEOUT,
  );
});

// Keep the generated testbench's defaults in step with the files Vitis csim_design passes.
it('the testbench defaults and run_hls.tcl agree on the CSV names', () => {
  const files = emitHls(loadPolicy(TINY));
  const tb = files.find((f) => f.path === 'hls/nicsched_tb.cpp')!.contents;
  const tcl = files.find((f) => f.path === 'hls/run_hls.tcl')!.contents;
  for (const name of ['vectors.csv', 'expected.csv', 'results.csv']) {
    expect(tb).toContain(`"${name}"`);
    expect(tcl).toContain(name);
  }
});
