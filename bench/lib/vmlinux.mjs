// Reading the hook sites out of a built vmlinux with binutils (nm, readelf, objdump): shared by
// bench/hook-hotpath.mjs (the figures) and test/kernel/hook.test.ts (the checks).
//
//   taskStructSize(tree) -> sizeof(struct task_struct) in a built kernel tree, as its compiler
//     says through kbuild (one file compiled to assembly)
//   hookSites(vmlinux) -> [{ fn: { name, off }, insn, bytes, call, offline }]
//     every __jump_table entry keyed on sched_nic_key: the instruction CFS runs at the site while
//     no provider is registered, its length, and the out-of-line block the key enables (its
//     length in instructions and the sched_nic_* function it calls)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

export function symbols(vmlinux) {
  const syms = new Map();
  for (const line of sh('nm', ['-S', vmlinux]).split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) ([a-zA-Z]) (\S+)$/.exec(line) ?? /^([0-9a-f]+) ([a-zA-Z]) (\S+)$/.exec(line);
    if (!m) continue;
    const [addr, size, type, name] = m.length === 5 ? [m[1], m[2], m[3], m[4]] : [m[1], '0', m[2], m[3]];
    if (!syms.has(name)) syms.set(name, { addr: BigInt(`0x${addr}`), size: BigInt(`0x${size}`), type });
  }
  return syms;
}

export function sections(vmlinux) {
  const out = [];
  for (const line of sh('readelf', ['-SW', vmlinux]).split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m) out.push({ name: m[1], addr: BigInt(`0x${m[2]}`), off: BigInt(`0x${m[3]}`), size: BigInt(`0x${m[4]}`) });
  }
  return out;
}

function fileOffset(secs, va) {
  const s = secs.find((x) => x.addr !== 0n && va >= x.addr && va < x.addr + x.size);
  if (!s) throw new Error(`0x${va.toString(16)} is in no section`);
  return Number(s.off + (va - s.addr));
}

export function disasm(vmlinux, start, stop) {
  const text = sh('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${stop.toString(16)}`, vmlinux]);
  return text
    .split('\n')
    .map((l) => /^\s*([0-9a-f]+):\t(.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ addr: BigInt(`0x${m[1]}`), text: m[2].replace(/\s+/g, ' ').trim() }));
}

export function insnCount(vmlinux, syms, name) {
  const s = syms.get(name);
  if (!s) return null;
  return disasm(vmlinux, s.addr, s.addr + s.size).length;
}

export function containing(syms, va) {
  let best = null;
  for (const [name, s] of syms) {
    if (!/[tT]/.test(s.type) || s.size === 0n) continue;
    if (va >= s.addr && va < s.addr + s.size) best = { name, off: va - s.addr };
  }
  return best;
}

/** Hook sites: __jump_table entries (s32 code, s32 target, s64 key; all relative) keyed on sched_nic_key. */
export function hookSites(vmlinux, syms = symbols(vmlinux)) {
  const secs = sections(vmlinux);
  const bytes = readFileSync(vmlinux);
  const start = syms.get('__start___jump_table').addr;
  const stop = syms.get('__stop___jump_table').addr;
  const key = syms.get('sched_nic_key').addr;
  const base = fileOffset(secs, start);
  const sites = [];
  for (let va = start; va < stop; va += 16n) {
    const o = base + Number(va - start);
    const code = va + BigInt(bytes.readInt32LE(o));
    const target = va + 4n + BigInt(bytes.readInt32LE(o + 4));
    const k = (va + 8n + bytes.readBigInt64LE(o + 8)) & ~3n;
    if (k !== key) continue;
    const site = disasm(vmlinux, code, code + 8n)[0];
    const next = disasm(vmlinux, code, code + 16n)[1];
    const block = disasm(vmlinux, target, target + 64n);
    const end = block.findIndex((i) => /^(jmp|ret)/.test(i.text));
    // a call, or a tail call (jmp) when the site is the function's last statement
    const call = block.find((i) => /^(call|jmp)\s.*<sched_nic_/.test(i.text));
    sites.push({
      fn: containing(syms, code),
      insn: site.text,
      bytes: Number(next.addr - site.addr),
      call: call ? /<(sched_nic_\w+)>/.exec(call.text)[1] : '?',
      offline: end >= 0 ? end + 1 : block.length,
    });
  }
  return sites;
}

export function taskStructSize(tree) {
  const dir = mkdtempSync(join(tmpdir(), 'nicsched-tsz-'));
  try {
    writeFileSync(join(dir, 't.c'), '#include <linux/sched.h>\nint nicsched_task_struct_size = sizeof(struct task_struct);\n');
    writeFileSync(join(dir, 'Kbuild'), 'obj-m += t.o\n');
    sh('make', ['-s', '-C', tree, `M=${dir}`, 't.s']);
    const m = /^nicsched_task_struct_size:\s*\n\s*\.long\s+(\d+)/m.exec(readFileSync(join(dir, 't.s'), 'utf8'));
    if (!m) throw new Error(`no sizeof(struct task_struct) in ${dir}/t.s`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
