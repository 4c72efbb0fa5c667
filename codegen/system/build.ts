/**
 * Everything a full-system boot needs, built or found in the caches (all keyed by content, all
 * outside the clone): the patched kernel and the modules for one policy (scripts/build-kernel.sh),
 * the simulated card for a policy (sim/card/build.sh) and the initramfs (initramfs.ts). The
 * scripts' progress lines go to `progress`; their KEY=value lines are the result.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../util/paths.js';
import { buildInitramfs, type Initramfs } from './initramfs.js';

export type Progress = (message: string) => void;

export function cacheDir(): string {
  return process.env.NICSCHED_CACHE ?? join(homedir(), '.cache', 'nicsched');
}

export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

/** Run a build script; stderr lines are progress, KEY=value lines on stdout the result. */
export function runKeyValueScript(script: string, args: readonly string[], progress: Progress): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: packagePath() });
    let stdout = '';
    let stderrTail: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        progress(line);
        stderrTail = [...stderrTail, line].slice(-30);
      }
    });
    child.on('error', (err) => reject(new BuildError(`cannot run ${script}: ${err.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new BuildError(`${script} ${args.join(' ')} failed (exit ${code}):\n${[...stderrTail, partial].join('\n').trim()}`));
        return;
      }
      const values: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
        if (m) values[m[1]!] = m[2]!;
      }
      resolve(values);
    });
  });
}

function required(values: Record<string, string>, key: string, script: string): string {
  const v = values[key];
  if (!v) throw new BuildError(`${script} printed no ${key}= line`);
  return v;
}

export interface KernelBuild {
  tree: string;
  bzImage: string;
  key: string;
  built: boolean;
  seconds: number;
  modulesDir: string;
  driverKo: string;
  pciKo: string;
  hookKo: string;
  modulesBuilt: boolean;
}

/** scripts/build-kernel.sh --policy P: the one kernel and the modules for P. */
export async function buildKernel(policyFile: string, progress: Progress): Promise<KernelBuild> {
  const script = packagePath('scripts/build-kernel.sh');
  const v = await runKeyValueScript(script, ['--policy', policyFile], progress);
  const tree = required(v, 'KERNEL_TREE', script);
  const modulesDir = required(v, 'MODULES_DIR', script);
  const kernel: KernelBuild = {
    tree,
    bzImage: join(tree, 'arch/x86/boot/bzImage'),
    key: required(v, 'KERNEL_KEY', script),
    built: v.KERNEL_BUILT === 'built',
    seconds: Number(v.KERNEL_SECONDS ?? 0),
    modulesDir,
    driverKo: required(v, 'DRIVER_KO', script),
    pciKo: join(modulesDir, 'nicsched_pci.ko'),
    hookKo: required(v, 'HOOK_KO', script),
    modulesBuilt: v.MODULES_BUILT === 'built',
  };
  for (const f of [kernel.bzImage, kernel.driverKo, kernel.pciKo, kernel.hookKo]) {
    if (!existsSync(f)) throw new BuildError(`${script} reported ${f}, which does not exist`);
  }
  return kernel;
}

export interface GuestBuild {
  kernel: KernelBuild;
  initramfs: Initramfs;
}

/** The kernel, the modules for the policy and the initramfs holding them. */
export async function buildGuest(policyFile: string, progress: Progress): Promise<GuestBuild> {
  const kernel = await buildKernel(policyFile, progress);
  const initramfs = buildInitramfs(cacheDir(), kernel, progress);
  return { kernel, initramfs };
}
