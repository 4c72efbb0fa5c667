/**
 * The nice limit is defined once on the TypeScript side (spec/limits.ts) and agrees with the
 * kernel patch; every TypeScript copy still in the tree must equal it.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookData } from '../../codegen/backends/hook/hook-backend.js';
import { NSH_NICE_LIMIT, SCHED_NIC_NICE_MAX } from '../../codegen/eval/hook.js';
import { loadPolicy } from '../../codegen/policy.js';
import { HOOK_NICE_LIMIT, hookAdjustment, LIMITS } from '../../codegen/spec/limits.js';
import { ROOT, TINY } from '../helpers.js';

describe('the hook nice limit', () => {
  it("is the kernel patch's SCHED_NIC_NICE_MAX", () => {
    const dir = join(ROOT, 'kernel-hook/patches/linux-6.1');
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const defined = [...text.matchAll(/^\+#define SCHED_NIC_NICE_MAX\s+(\d+)\s*$/gm)].map((m) => Number(m[1]));
    expect(defined).toEqual([HOOK_NICE_LIMIT]);
  });

  it('is what the scheduling simulator applies', () => {
    expect(SCHED_NIC_NICE_MAX).toBe(HOOK_NICE_LIMIT);
    expect(NSH_NICE_LIMIT).toBe(HOOK_NICE_LIMIT);
  });

  it('clamps every nice an action may ask for, as the generated header lists it', () => {
    for (let nice = -LIMITS.maxNiceDelta; nice <= LIMITS.maxNiceDelta; nice++) {
      expect(hookAdjustment(nice)).toBe(Math.abs(nice) <= HOOK_NICE_LIMIT ? nice : Math.sign(nice) * HOOK_NICE_LIMIT);
    }
    const data = hookData(loadPolicy(TINY));
    expect(data.niceLimit).toBe(HOOK_NICE_LIMIT);
    for (const a of data.actions) expect(a.adj).toBe(hookAdjustment(a.nice));
  });
});
