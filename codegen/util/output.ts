/**
 * Writing an output directory atomically: everything goes into a temporary sibling directory that
 * is renamed into place at the end, so a failure leaves nothing half-written. A directory is only
 * ever replaced if nicsched created it (it carries a stamp file).
 */

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { inputError } from './errors.js';

/** A file a backend or a lab step produced, not yet on disk. */
export interface EmittedFile {
  /** Relative to the output directory, with forward slashes. */
  path: string;
  contents: string;
}

const STAMP_FILE = '.nicsched-output';

export function writeOutputDir(dir: string, files: readonly EmittedFile[], stamp: string): void {
  const target = resolve(dir);
  checkReplaceable(target);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const temp = mkdtempSync(join(parent, `.${basename(target)}.tmp-`));
  chmodSync(temp, 0o777 & ~process.umask()); // mkdtemp makes it private; the output is an ordinary directory
  try {
    for (const f of files) writeInside(temp, f);
    writeFileSync(join(temp, STAMP_FILE), stamp);
    swapInto(temp, target);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
}

function checkReplaceable(target: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) {
    throw inputError('output path exists and is not a directory', { file: target }, 'choose another -o path');
  }
  const empty = readdirSync(target).length === 0;
  if (!empty && !existsSync(join(target, STAMP_FILE))) {
    throw inputError('output directory exists and was not created by nicsched; refusing to overwrite it', { file: target }, 'choose a new -o path or remove the directory yourself');
  }
}

function writeInside(root: string, f: EmittedFile): void {
  const path = resolve(root, f.path);
  if (!path.startsWith(root + '/')) throw new Error(`backend emitted a path outside the output: ${f.path}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, f.contents);
}

function swapInto(temp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(temp, target);
    return;
  }
  const old = `${temp}.old`;
  renameSync(target, old);
  renameSync(temp, target);
  rmSync(old, { recursive: true, force: true });
}

/** Write one file atomically (temp file + rename). */
export function writeFileAtomic(file: string, contents: string): void {
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  writeFileSync(temp, contents);
  renameSync(temp, target);
}
