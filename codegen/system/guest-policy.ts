/**
 * The policy the guest runs. Under TCG the guest executes tens of times slower than hardware
 * while its clock follows the host's, so a doorbell's answer takes milliseconds of guest time
 * (docs/SYSTEM.md). The hook's time limits are scaled by a factor for the guest:
 * decision_ttl_ms and stall_timeout_ms times `scale`, the TTL capped at the kernel's 1000 ms
 * (SCHED_NIC_TTL_MAX_NS). Everything else is the policy as written, so the card, the driver
 * and the hook are built from this scaled spec, and its hash is the one the guest sees.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadPolicy } from '../policy.js';
import type { CompiledPolicy } from '../compiled.js';
import { inputError } from '../util/errors.js';

const KERNEL_TTL_MAX_MS = 1000;

export interface GuestPolicy {
  /** The spec the guest's card, driver and hook are built from. */
  file: string;
  policy: CompiledPolicy;
  scale: number;
  /** The policy as the user wrote it (its hash differs when scale > 1). */
  original: CompiledPolicy;
}

function scaledHook(original: CompiledPolicy, scale: number): { decision_ttl_ms: number; stall_timeout_ms: number } {
  const { decision_ttl_ms: ttl, stall_timeout_ms: stall } = original.ir.hook;
  return { decision_ttl_ms: Math.min(ttl * scale, KERNEL_TTL_MAX_MS), stall_timeout_ms: Math.min(stall * scale, 10_000) };
}

/** The guest's policy for `file` at `scale` (1: the file itself), written under `cacheDir`. */
export function guestPolicy(file: string, scale: number, cacheDir: string): GuestPolicy {
  if (!Number.isInteger(scale) || scale < 1 || scale > 1000) throw inputError(`--time-scale must be an integer in [1, 1000], got ${scale}`);
  const original = loadPolicy(file);
  if (scale === 1) return { file, policy: original, scale, original };
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const hook = scaledHook(original, scale);
  doc.setIn(['hook', 'points'], [...original.ir.hook.points]);
  doc.setIn(['hook', 'decision_ttl_ms'], hook.decision_ttl_ms);
  doc.setIn(['hook', 'stall_timeout_ms'], hook.stall_timeout_ms);
  const text = `# ${basename(file)} with the hook's time limits scaled by ${scale} for the TCG guest (nicsched system --time-scale)\n${doc.toString()}`;
  const dir = join(cacheDir, 'system', 'policies');
  const out = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, out);
  }
  return { file: out, policy: loadPolicy(out), scale, original };
}
