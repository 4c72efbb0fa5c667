/**
 * The guest's initramfs: Debian's static busybox, /init (sim/guest/init.sh), the static guest
 * programs (nicschedctl from driver/userspace, nsload from sim/guest) and the three modules.
 * Everything is cached by content under <cache>/guest/: the static binaries by their sources,
 * flags and compiler, the archive by the bytes of everything in it. A boot appends a small
 * archive of its own files (extraArchive) to a copy of the cached one.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packagePath } from '../util/paths.js';
import { parentDirs, writeCpio, type CpioEntry } from './cpio.js';

export const BUSYBOX = '/bin/busybox';
const CFLAGS = ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-pthread'];
const RECIPE = 'initramfs/v1';

export interface GuestModules {
  driverKo: string;
  pciKo: string;
  hookKo: string;
}

export interface Initramfs {
  path: string;
  key: string;
  built: boolean;
}

type Progress = (message: string) => void;

function sha256(...parts: Array<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

function gccVersion(): string {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('gcc is not installed (the guest programs are built with gcc -static): run scripts/setup.sh');
  return r.stdout.split('\n')[0]!;
}

/** Write a file atomically: a unique temporary name, then rename (concurrent builders agree). */
function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** gcc -static of one program, cached by its sources, flags and compiler. */
function staticProgram(cache: string, name: string, main: string, headers: readonly string[], libs: readonly string[], progress: Progress): string {
  const sources = [main, ...headers].map((f) => readFileSync(f));
  const key = sha256(RECIPE, name, gccVersion(), CFLAGS.join(' '), libs.join(' '), ...sources).slice(0, 16);
  const out = join(cache, 'bin', `${name}-${key}`);
  if (existsSync(out)) return out;
  progress(`gcc -static ${name}`);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('gcc', [...CFLAGS, '-o', tmp, main, ...libs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -static ${main} failed:\n${r.stderr}`);
  renameSync(tmp, out);
  return out;
}

export function guestPrograms(cache: string, progress: Progress): { nicschedctl: string; nsload: string } {
  return {
    nicschedctl: staticProgram(cache, 'nicschedctl', packagePath('driver/userspace/nicschedctl.c'), [packagePath('driver/uapi/nicsched.h')], [], progress),
    nsload: staticProgram(cache, 'nsload', packagePath('sim/guest/nsload.c'), [], ['-lm'], progress),
  };
}

function fileEntry(path: string, source: string, mode = 0o644): CpioEntry {
  return { kind: 'file', path, data: readFileSync(source), mode };
}

function initramfsEntries(modules: GuestModules, programs: { nicschedctl: string; nsload: string }): CpioEntry[] {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (bash scripts/setup-system.sh)`);
  const files: CpioEntry[] = [
    fileEntry('init', packagePath('sim/guest/init.sh'), 0o755),
    fileEntry('bin/busybox', BUSYBOX, 0o755),
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    fileEntry('bin/nicschedctl', programs.nicschedctl, 0o755),
    fileEntry('bin/nsload', programs.nsload, 0o755),
    fileEntry('lib/nicsched/nicsched.ko', modules.driverKo),
    fileEntry('lib/nicsched/nicsched_pci.ko', modules.pciKo),
    fileEntry('lib/nicsched/nicsched_hook.ko', modules.hookKo),
  ];
  const mountPoints = ['dev', 'proc', 'sys', 'tmp', 'etc/nicsched'].map((dir) => `${dir}/_`);
  return [...parentDirs([...files.map((f) => f.path), ...mountPoints]), ...files];
}

/** Build (or find) the initramfs for these modules. */
export function buildInitramfs(cache: string, modules: GuestModules, progress: Progress): Initramfs {
  const programs = guestPrograms(join(cache, 'guest'), progress);
  const entries = initramfsEntries(modules, programs);
  const archive = writeCpio(entries);
  const key = sha256(RECIPE, archive).slice(0, 16);
  const path = join(cache, 'guest', 'initramfs', `${key}.cpio`);
  if (existsSync(path)) return { path, key, built: false };
  progress(`initramfs ${key}: ${(archive.length / 1048576).toFixed(1)} MiB`);
  writeAtomic(path, archive);
  return { path, key, built: true };
}

/** A host program for the guest's /bin/ (static: the initramfs has no libraries). */
export interface GuestProgram {
  name: string;
  path: string;
}

function plainName(name: string, where: string): string {
  if (name.includes('/')) throw new RangeError(`extra guest file ${name}: a plain name, placed in ${where}`);
  return name;
}

/**
 * A small archive of one boot's files under /etc/nicsched/ and programs under /bin/ (appended to
 * the cached initramfs).
 */
export function extraArchive(files: ReadonlyArray<{ name: string; data: string | Uint8Array }>, programs: readonly GuestProgram[] = []): Buffer {
  const entries: CpioEntry[] = [...files.map((f): CpioEntry => ({ kind: 'file', path: `etc/nicsched/${plainName(f.name, '/etc/nicsched/')}`, data: f.data })), ...programs.map((p) => fileEntry(`bin/${plainName(p.name, '/bin/')}`, p.path, 0o755))];
  return writeCpio(entries);
}
