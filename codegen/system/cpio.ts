/**
 * The initramfs format: a cpio archive in the "newc" format (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst), written here so the archive is a
 * pure function of its entries: no timestamps, no owners, no inode numbers from the build
 * machine. The kernel unpacks concatenated archives in order, so a boot can append a small
 * archive of its own files to a cached one.
 */

export type CpioEntry = { kind: 'dir'; path: string; mode?: number } | { kind: 'file'; path: string; data: Uint8Array | string; mode?: number } | { kind: 'symlink'; path: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const TRAILER = 'TRAILER!!!';

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field ${n} does not fit 32 bits`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function entryBytes(entry: CpioEntry): { mode: number; data: Buffer } {
  switch (entry.kind) {
    case 'dir':
      return { mode: S_IFDIR | (entry.mode ?? 0o755), data: Buffer.alloc(0) };
    case 'file':
      return { mode: S_IFREG | (entry.mode ?? 0o644), data: Buffer.from(entry.data) };
    case 'symlink':
      return { mode: S_IFLNK | 0o777, data: Buffer.from(entry.target) };
  }
}

function checkPath(path: string): string {
  const p = path.replace(/^\/+/, '');
  if (p === '' || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new RangeError(`cpio path ${JSON.stringify(path)} is not a plain relative path`);
  }
  return p;
}

function record(name: string, ino: number, mode: number, data: Buffer): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return [header, nameBytes, Buffer.alloc(pad4(header.length + nameBytes.length)), data, Buffer.alloc(pad4(data.length))];
}

/**
 * A newc archive of the entries, in order (a directory must come before what it holds), and
 * the trailer. Owners are root, times are 0, inode numbers count from 1.
 */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, k) => {
    const name = checkPath(entry.path);
    if (seen.has(name)) throw new RangeError(`cpio path ${name} appears twice`);
    seen.add(name);
    const { mode, data } = entryBytes(entry);
    parts.push(...record(name, k + 1, mode, data));
  });
  parts.push(...record(TRAILER, 0, 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The directories leading to each path, parents first, for entries that need them. */
export function parentDirs(paths: readonly string[]): CpioEntry[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const segments = checkPath(path).split('/');
    for (let k = 1; k < segments.length; k++) dirs.add(segments.slice(0, k).join('/'));
  }
  return [...dirs].sort().map((path) => ({ kind: 'dir' as const, path }));
}
