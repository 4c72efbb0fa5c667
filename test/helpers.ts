import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '../codegen/cli/io.js';
import { main } from '../codegen/cli/main.js';

export const ROOT = new URL('..', import.meta.url).pathname;
export const TINY = join(ROOT, 'examples/tiny.yaml');
export const REFERENCE = join(ROOT, 'examples/reference.yaml');
export const EXAMPLES = [TINY, REFERENCE];

export function tempDir(prefix = 'nicsched-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(name: string, contents: string | Uint8Array, dir = tempDir()): string {
  const file = join(dir, name);
  writeFileSync(file, contents);
  return file;
}

/** Run the CLI in-process; returns exit code and captured output. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}
