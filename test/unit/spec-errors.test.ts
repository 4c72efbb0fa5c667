import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, TINY, writeTemp } from '../helpers.js';

const tiny = readFileSync(TINY, 'utf8');

interface BadCase {
  name: string;
  /** The policy file's text, or bytes. */
  contents: string | Uint8Array;
  /** Expected fragment of the message. */
  message: RegExp;
  /** Expected `line:col` (where the source has lines). */
  at?: string;
  /** Expected JSON pointer. */
  pointer?: string;
}

function edit(from: string, to: string): string {
  if (!tiny.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return tiny.replace(from, to);
}

function lineOf(text: string, fragment: string): number {
  return text.slice(0, text.indexOf(fragment)).split('\n').length;
}

const cases: BadCase[] = [
  { name: 'malformed YAML', contents: edit('head: argmax', 'head: [argmax'), message: /malformed YAML\/JSON/ },
  {
    name: 'unknown field',
    contents: edit('head: argmax', 'head: argmax\ncolour: blue'),
    message: /unknown field "colour".*remove it or use one of: nicsched, name, description, features/,
    at: `${lineOf(edit('head: argmax', 'head: argmax\ncolour: blue'), 'colour')}:1`,
    pointer: '/colour',
  },
  {
    name: 'unknown nested field',
    contents: edit('activation: relu', 'activation: relu\n    dropout: 0.1'),
    message: /unknown field "dropout"/,
    pointer: '/layers/0/dropout',
  },
  {
    name: 'wrong weight shape (row length)',
    contents: edit('- [2, -1]', '- [2, -1, 4]'),
    message: /row 0 has 3 values but the layer has 2 inputs/,
    at: `${lineOf(tiny, '- [2, -1]')}:9`,
    pointer: '/layers/0/weights/0',
  },
  {
    name: 'wrong weight shape (rows)',
    contents: edit('      - [1, 1]    # h1', '      # removed'),
    message: /weights has 1 rows but units is 2/,
    pointer: '/layers/0/weights',
  },
  { name: 'bias length', contents: edit('bias: [1, 0]', 'bias: [1]'), message: /bias has 1 values but units is 2/, pointer: '/layers/0/bias' },
  {
    name: 'weight out of format',
    contents: edit('- [2, -1]', '- [200, -1]'),
    message: /value 200 does not fit weight_format s8\.1: range \[-128, 127\]/,
    pointer: '/layers/0/weights/0/0',
  },
  { name: 'non-integer weight', contents: edit('- [2, -1]', '- [2.5, -1]'), message: /not an integer.*quantize: true/, pointer: '/layers/0/weights/0/0' },
  {
    name: 'bias out of format',
    contents: edit('bias: [1, 0]', 'bias: [1, 99999999]'),
    message: /does not fit the bias format/,
    pointer: '/layers/0/bias/1',
  },
  {
    name: 'duplicate feature name',
    contents: edit('{ name: run_log2, source: exec_ns_log2 }', '{ name: wait_log2, source: exec_ns_log2 }'),
    message: /duplicate feature name "wait_log2"/,
    pointer: '/features/1/name',
  },
  { name: 'duplicate action name', contents: edit('{ name: boost, nice: -2 }', '{ name: keep, nice: -2 }'), message: /duplicate action name "keep"/, pointer: '/actions/1/name' },
  { name: 'duplicate key', contents: edit('head: argmax', 'head: argmax\nhead: scores'), message: /malformed YAML\/JSON: Map keys must be unique/ },
  { name: 'unknown source', contents: edit('source: exec_ns_log2', 'source: exec_time'), message: /must be one of: wait_ns_log2/, pointer: '/features/1/source' },
  { name: 'unknown board', contents: edit('board: au250', 'board: vcu118'), message: /must be one of: au50, au200, au250, au280/, pointer: '/target/board' },
  { name: 'bits limit exceeded', contents: edit('input: { bits: 8,', 'input: { bits: 17,'), message: /above the maximum 16/, pointer: '/input/bits' },
  { name: 'slots limit exceeded', contents: edit('slots: 2', 'slots: 65'), message: /above the maximum 64/, pointer: '/target/slots' },
  { name: 'actions count', contents: edit('  - { name: boost, nice: -2 }\n', ''), message: /1 actions for 2 outputs/, pointer: '/actions' },
  { name: 'missing field', contents: edit('head: argmax\n', ''), message: /missing required field "head"/, pointer: '' },
  { name: 'wrong version', contents: edit('nicsched: 1', 'nicsched: 2'), message: /must be 1.*spec version 1/, pointer: '/nicsched' },
  { name: 'bad name', contents: edit('name: tiny', 'name: Tiny-Policy'), message: /lower-case identifier/, pointer: '/name' },
  { name: 'not a mapping', contents: '- 1\n- 2\n', message: /must be a mapping/ },
  { name: 'collection as a key', contents: 'nicsched: 1\n? [a, b]\n: 3\n', message: /mapping key must be a plain name/, at: '2:3' },
  { name: 'empty file', contents: '', message: /file is empty/, at: '1:1' },
  { name: 'non-UTF-8', contents: Buffer.concat([Buffer.from('nicsched: 1\nname: t'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), message: /not valid UTF-8 \(byte 0xff at offset 19\)/, at: '2:8' },
];

describe('invalid specs give located errors, exit 1 and write nothing', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const file = writeTemp('policy.yaml', c.contents);
      const out = join(tempDir(), 'out');
      const r = await cli('compile', file, '-o', out);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).toContain(file);
      if (c.at) expect(r.stderr).toContain(`${file}:${c.at}`);
      if (c.pointer !== undefined) expect(r.stderr).toContain(`: ${c.pointer === '' ? '/' : c.pointer}: `);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('missing file', async () => {
    const r = await cli('check', '/nonexistent/policy.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/policy.yaml: no such file/);
  });

  it('directory given as file', async () => {
    const dir = tempDir();
    const r = await cli('check', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}: is a directory`);
  });

  it('JSON errors carry line and column too', async () => {
    const file = writeTemp('policy.json', '{\n  "nicsched": 1,\n  "name": "x",\n  "bogus": true\n}\n');
    const r = await cli('check', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:4:3: /bogus: unknown field "bogus"`);
  });

  it('--json reports diagnostics as JSON', async () => {
    const file = writeTemp('policy.yaml', edit('- [2, -1]', '- [200, -1]'));
    const r = await cli('check', file, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stderr) as { diagnostics: { pointer: string; line: number }[] };
    expect(doc.diagnostics[0]!.pointer).toBe('/layers/0/weights/0/0');
    expect(doc.diagnostics[0]!.line).toBe(lineOf(tiny, '- [2, -1]'));
  });

  it('an existing directory nicsched did not create is never overwritten', async () => {
    const out = tempDir();
    mkdirSync(join(out, 'mine'));
    const r = await cli('compile', TINY, '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/was not created by nicsched; refusing to overwrite/);
    expect(existsSync(join(out, 'mine'))).toBe(true);
    expect(existsSync(join(out, 'ir.json'))).toBe(false);
  });
});
