/**
 * Policy variants the kernel tests build harnesses for, written the same way wherever they are
 * needed (a test and the group's prebuild), so the content-keyed harness cache is shared.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, TINY } from '../helpers.js';

/** The tiny policy whose boost asks for nice -12, beyond the hook's limit of 8 (applied as -8). */
export function tinyClampPolicy(): string {
  const text = readFileSync(TINY, 'utf8').replace('name: tiny', 'name: tiny_clamp').replace('{ name: boost, nice: -2 }', '{ name: boost, nice: -12 }');
  if (!text.includes('nice: -12')) throw new Error('examples/tiny.yaml changed: its boost action is not { name: boost, nice: -2 }');
  const file = join(tempDir('nicsched-hook-clamp-'), 'tiny_clamp.yaml');
  writeFileSync(file, text);
  return file;
}
