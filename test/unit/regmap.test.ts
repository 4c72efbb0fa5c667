import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../codegen/policy.js';
import { exportRegmap, REGMAP_FORMATS } from '../../codegen/regmap/index.js';
import { regmapJson } from '../../codegen/regmap/export-json.js';
import { cli, EXAMPLES, REFERENCE, ROOT, tempDir } from '../helpers.js';

interface JsonField {
  name: string;
  lsb: number;
  width: number;
  mask: number;
}
interface JsonRegister {
  name: string;
  symbol: string;
  offset: number;
  address: number;
  access: string;
  reset: number;
  count?: number;
  stride?: number;
  fields: JsonField[];
}
interface JsonBlock {
  name: string;
  space: 'bar' | 'host';
  base: number;
  count?: number;
  stride?: number;
  registers: JsonRegister[];
}
interface JsonMap {
  blocks: JsonBlock[];
  addr_width: number;
  constants: Record<string, number>;
}

const policy = loadPolicy(REFERENCE);
const json = regmapJson(policy.regmap) as JsonMap;

/** Every register address in the card's window (the mailbox is host memory, not in the window). */
function allAddresses(map: JsonMap): Array<{ name: string; address: number }> {
  return map.blocks
    .filter((b) => b.space === 'bar')
    .flatMap((b) => Array.from({ length: b.count ?? 1 }, (_, n) => b.registers.flatMap((r) => Array.from({ length: r.count ?? 1 }, (_, i) => ({ name: `${b.name}[${n}].${r.name}[${i}]`, address: b.base + n * (b.stride ?? 0) + r.offset + i * (r.stride ?? 0) })))).flat());
}

describe('register model', () => {
  it('keeps the DESIGN.md §4 header', () => {
    const global = json.blocks[0]!;
    expect(global.registers.slice(0, 4).map((r) => [r.name, r.offset])).toEqual([
      ['ID', 0],
      ['VERSION', 4],
      ['POLICY_HASH', 8],
      ['CAPS', 12],
    ]);
    expect(global.registers[0]!.reset).toBe(0x4e534348);
    expect(global.registers[2]!.reset).toBe(Number.parseInt(policy.hash.slice(0, 8), 16));
  });

  it('has no overlapping registers, and every address fits the decoded width, 4-byte aligned', () => {
    for (const file of EXAMPLES) {
      const map = regmapJson(loadPolicy(file).regmap) as JsonMap;
      const addresses = allAddresses(map);
      expect(new Set(addresses.map((a) => a.address)).size).toBe(addresses.length);
      for (const a of addresses) {
        expect(a.address % 4).toBe(0);
        expect(a.address).toBeLessThan(2 ** map.addr_width);
      }
    }
  });

  it('its figures are what the blocks say: MAP_SIZE ends the last register, ADDR_WIDTH reaches it, WEIGHTS_WORDS fills the bank', () => {
    for (const file of EXAMPLES) {
      const { regmap } = loadPolicy(file);
      const map = regmapJson(regmap) as JsonMap;
      const ends = map.blocks.filter((b) => b.space === 'bar').flatMap((b) => b.registers.map((r) => b.base + ((b.count ?? 1) - 1) * (b.stride ?? 0) + r.offset + (r.count ?? 1) * (r.stride ?? 4)));
      expect(regmap.figures.mapSize).toBe(Math.max(...ends));
      expect(2 ** regmap.figures.addrWidth).toBeGreaterThanOrEqual(regmap.figures.mapSize);
      expect(2 ** (regmap.figures.addrWidth - 1)).toBeLessThan(Math.max(regmap.figures.mapSize, 2 ** 16));
      const weights = map.blocks.find((b) => b.name === 'weights')!;
      const bankEnd = Math.max(...weights.registers.map((r) => r.offset + (r.count ?? 1) * (r.stride ?? 4)));
      expect(regmap.figures.weightsWords).toBe(bankEnd / 4);
      expect(regmap.weightBank.words).toBe(bankEnd / 4);
      expect(map.constants['MAP_SIZE']).toBe(regmap.figures.mapSize);
      expect(map.constants['WEIGHTS_WORDS']).toBe(regmap.figures.weightsWords);
    }
  });

  it('the mailbox (layout v3.0) is host memory: a 16-byte entry per slot, one cache line apart, its ANSWER laid out as RESULT', () => {
    for (const file of EXAMPLES) {
      const { regmap, ir } = loadPolicy(file);
      const map = regmapJson(regmap) as JsonMap;
      const mailbox = map.blocks.find((b) => b.name === 'mailbox')!;
      expect(mailbox.space).toBe('host');
      expect(mailbox.count).toBe(ir.target.slots);
      expect(mailbox.stride).toBe(64);
      expect(mailbox.registers.map((r) => [r.name, r.offset])).toEqual([
        ['SEQ', 0],
        ['ANSWER', 4],
        ['LATENCY', 8],
        ['CHECK', 12],
      ]);
      expect(regmap.figures.mailboxEntryBytes).toBe(16);
      expect(regmap.figures.mailboxBytes).toBe(64 * ir.target.slots);
      const result = map.blocks.find((b) => b.name === 'slot')!.registers.find((r) => r.name === 'RESULT')!;
      expect(mailbox.registers.find((r) => r.name === 'ANSWER')!.fields).toEqual(result.fields);
      const global = map.blocks.find((b) => b.name === 'global')!;
      expect(global.registers.filter((r) => r.name.startsWith('DMA_')).map((r) => [r.name, r.offset, r.access])).toEqual([
        ['DMA_CTRL', 0x40, 'RW'],
        ['DMA_STATUS', 0x44, 'RO'],
        ['DMA_BASE_LO', 0x48, 'RW'],
        ['DMA_BASE_HI', 0x4c, 'RW'],
        ['DMA_WRITES', 0x50, 'RO'],
        ['DMA_ERRORS', 0x54, 'RO'],
      ]);
      expect(global.registers.find((r) => r.name === 'VERSION')!.reset).toBe(0x00030000);
    }
  });

  it('fields do not overlap inside a register and fit 32 bits', () => {
    for (const b of json.blocks)
      for (const r of b.registers) {
        let used = 0;
        for (const f of r.fields) {
          expect(f.lsb + f.width).toBeLessThanOrEqual(32);
          expect((used & f.mask) >>> 0).toBe(0);
          used = (used | f.mask) >>> 0;
        }
      }
  });
});

describe('every export carries the same offsets', () => {
  it('rtl/nicsched_regs.vh is the current Verilog export (for every policy)', () => {
    const committed = readFileSync(join(ROOT, 'rtl/nicsched_regs.vh'), 'utf8');
    for (const file of EXAMPLES) expect(exportRegmap(loadPolicy(file).regmap, 'v')).toBe(committed);
  });

  it('the C header compiles with -Wall -Wextra -Werror -pedantic and prints the JSON offsets and masks', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nicsched_regs.h'), exportRegmap(policy.regmap, 'c'));
    const lines: string[] = [];
    const prints: string[] = [];
    for (const b of json.blocks)
      for (const r of b.registers) {
        prints.push(`printf("%s %u\\n", "${r.symbol}", (unsigned)${r.symbol});`);
        lines.push(`${r.symbol} ${r.offset}`);
        for (const f of r.fields) {
          const base = `NICSCHED_${r.name}_${f.name}`;
          prints.push(`printf("%s %u %u\\n", "${base}", (unsigned)${base}_SHIFT, (unsigned)${base}_MASK);`);
          lines.push(`${base} ${f.lsb} ${f.mask}`);
        }
      }
    prints.push('printf("%s %u\\n", "FEATURE_3_7", (unsigned)NICSCHED_SLOT_FEATURE_ADDR(3, 7));');
    const slot = json.blocks[1]!;
    const feature = slot.registers.find((r) => r.name === 'FEATURE')!;
    lines.push(`FEATURE_3_7 ${slot.base + 3 * slot.stride! + feature.offset + 7 * 4}`);
    writeFileSync(join(dir, 'main.c'), `#include <stdio.h>\n#include "nicsched_regs.h"\nint main(void)\n{\n${prints.join('\n')}\nreturn 0;\n}\n`);
    const cc = spawnSync('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-o', join(dir, 'main'), join(dir, 'main.c')], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    const run = spawnSync(join(dir, 'main'), { encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual(lines);
  });

  it("a wrong layout trips the header's _Static_assert", () => {
    const dir = tempDir();
    const header = exportRegmap(policy.regmap, 'c').replace(/#define NICSCHED_REG_CAPS\s+0x00c/, '#define NICSCHED_REG_CAPS 0x010');
    writeFileSync(join(dir, 'h.c'), header);
    const cc = spawnSync('gcc', ['-std=c11', '-fsyntax-only', join(dir, 'h.c')], { encoding: 'utf8' });
    expect(cc.status).not.toBe(0);
    expect(cc.stderr).toMatch(/CAPS offset/);
  });

  it('the TypeScript module type-checks under strict and agrees with the JSON', async () => {
    const dir = tempDir();
    const file = join(dir, 'nicsched_regs.ts');
    writeFileSync(file, exportRegmap(policy.regmap, 'ts'));
    const tsc = spawnSync('npx', ['tsc', '--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), file], { cwd: ROOT, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated module, type-checked by tsc just above
    const mod = (await import(file)) as Record<string, any>;
    for (const b of json.blocks) for (const r of b.registers) expect(mod[b.name.toUpperCase()][r.name].offset).toBe(r.offset);
    expect(mod['slotAddress'](3, 'FEATURE', 7)).toBe(0x1000 + 3 * 0x400 + 0x100 + 28);
    const caps = json.blocks[0]!.registers.find((r) => r.name === 'CAPS')!.reset;
    expect(mod['decodeCaps'](caps)).toEqual({ inputs: 8, outputs: 4, slots: 4, flags: 2 });
    expect(mod['encodeCaps']({ inputs: 8, outputs: 4, slots: 4, flags: 2 })).toBe(caps);
    expect(mod['decodeAnswer'](0x80abcd02)).toEqual({ action: 2, tag: 0xabcd, busy: 0, valid: 1 });
    expect(mod['decodeResult'](0x80abcd02)).toEqual({ action: 2, tag: 0xabcd, busy: 0, valid: 1 });
  });

  it('Markdown and HTML document every register', () => {
    const md = exportRegmap(policy.regmap, 'md');
    const html = exportRegmap(policy.regmap, 'html');
    for (const b of json.blocks)
      for (const r of b.registers) {
        expect(md).toContain(`\`${r.symbol}\``);
        expect(html).toContain(`<code>${r.symbol}</code>`);
      }
  });
});

describe('nicsched regmap', () => {
  it('prints each format and writes -o', async () => {
    for (const format of Object.keys(REGMAP_FORMATS)) {
      const r = await cli('regmap', REFERENCE, '--format', format);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(exportRegmap(policy.regmap, format as keyof typeof REGMAP_FORMATS));
    }
    const out = join(tempDir(), 'regs.h');
    expect((await cli('regmap', REFERENCE, '--format', 'c', '-o', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('#define NICSCHED_REG_ID');
  });

  it('refuses an unknown format', async () => {
    const r = await cli('regmap', REFERENCE, '--format', 'xml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Allowed choices are json, c, v, ts, md, html/);
  });

  it('compile writes them all under regmap/', async () => {
    const out = join(tempDir(), 'o');
    expect((await cli('compile', REFERENCE, '-o', out)).code).toBe(0);
    for (const f of Object.values(REGMAP_FORMATS)) expect(readFileSync(join(out, 'regmap', f.file), 'utf8').length).toBeGreaterThan(100);
  });
});
