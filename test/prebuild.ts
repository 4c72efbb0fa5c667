/**
 * The cold builds a test group needs, done once before its tests start (each group's vitest
 * globalSetup), with progress on the console: no test case waits for a Verilator model, a kernel
 * or a harness to build. Every step is cached by content by the code it calls, so a warm run only
 * checks its caches.
 */

import { spawn } from 'node:child_process';
import { ROOT } from './helpers.js';

export interface BuildStep {
  label: string;
  run: () => Promise<string | void>;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** Run the steps, `parallel` at a time, printing one line per step; fails with the first error. */
export async function prebuild(group: string, steps: BuildStep[], parallel = 1): Promise<void> {
  const start = performance.now();
  let next = 0;
  let done = 0;
  console.log(`[prebuild ${group}] ${steps.length} builds`);
  const worker = async (): Promise<void> => {
    while (next < steps.length) {
      const step = steps[next++]!;
      const t0 = performance.now();
      const note = await step.run().catch((e: unknown) => {
        throw new Error(`[prebuild ${group}] ${step.label} failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      console.log(`[prebuild ${group}] ${++done}/${steps.length} ${step.label}: ${note ? `${note}, ` : ''}${seconds(t0)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, steps.length) }, worker));
  console.log(`[prebuild ${group}] done in ${seconds(start)}`);
}

/** Run a build script of the repository; resolves to its KEY=value lines. Its stderr is the progress. */
export function script(cmd: string, args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`));
      const values: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        if (m) values[m[1]!] = m[2]!;
      }
      resolve(values);
    });
  });
}
