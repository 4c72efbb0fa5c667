import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '../codegen/cli/io.js';
import { main } from '../codegen/cli/main.js';
import { expect } from 'vitest';

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

/** One command a TCL script called under a recorder: its name and its arguments. */
export interface TclCall {
  command: string;
  args: string[];
}

/** The recorder of the Vivado commands nicsched's generated scripts use. */
export const VIVADO_RECORDER = join(ROOT, 'sim/tcl/vivado_recorder.tcl');

/**
 * Run `script` under tclsh with `recorder`, which defines the tool's commands as procs that log
 * each call (tab-separated) to the file named by its first argument; the run must write nothing
 * to stderr and exit 0. Returns the logged calls in order.
 */
export function recordTcl(recorder: string, script: string, o: { cwd?: string; env?: Record<string, string> } = {}): TclCall[] {
  const log = join(tempDir('nicsched-tcl-'), 'calls.log');
  const r = spawnSync('/usr/bin/tclsh', [recorder, log, script], { cwd: o.cwd, encoding: 'utf8', env: { ...process.env, ...o.env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [command, ...args] = line.split('\t');
      return { command: command!, args };
    });
}
