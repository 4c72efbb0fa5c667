/**
 * globalSetup of test/kernel: what the kernel tests build, built (or found cached) before they
 * start: the patched kernel with the driver and hook modules (scripts/build-kernel.sh), the
 * userspace harnesses (the hook's for the reference, tiny and the tiny policy beyond the nice
 * limit), the simulated card, and the full system's guest (scripts/build-system.sh:
 * modules and card for the TCG-scaled reference, the initramfs, the tiny policy's card).
 */

import { join } from 'node:path';
import { REFERENCE, ROOT, TINY } from '../helpers.js';
import { prebuild, script } from '../prebuild.js';
import { tinyClampPolicy } from './policies.js';

const DRIVER_HARNESS = join(ROOT, 'driver/userspace/build.sh');
const HOOK_HARNESS = join(ROOT, 'kernel-hook/userspace/build.sh');
const name = (file: string) => file.split('/').pop()!;

export default async function setup(): Promise<void> {
  // the kernel first: it takes both cores for a few minutes cold, and everything below needs it
  await prebuild('kernel', [{ label: 'patched kernel, nicsched.ko, nicsched_pci.ko, nicsched_hook.ko', run: async () => (await script('bash', [join(ROOT, 'scripts/build-kernel.sh')]))['KERNEL_BUILT'] }]);
  await prebuild(
    'kernel',
    [
      ...[[REFERENCE], [TINY], [REFERENCE, TINY]].map(([policy, rtl]) => ({
        label: `driver harness ${name(policy!)}${rtl ? ` on ${name(rtl)} RTL` : ''}`,
        run: async () => void (await script('bash', [DRIVER_HARNESS, '--policy', policy!, ...(rtl ? ['--rtl-policy', rtl] : [])])),
      })),
      // the hook harness of each policy the replay test compares (hook-replay.test.ts)
      ...[REFERENCE, TINY, tinyClampPolicy()].map((policy) => ({ label: `hook harness ${name(policy)}`, run: async () => void (await script('bash', [HOOK_HARNESS, '--policy', policy])) })),
      { label: `simulated card ${name(REFERENCE)}`, run: async () => void (await script('bash', [join(ROOT, 'sim/card/build.sh'), '--policy', REFERENCE])) },
      { label: 'full system: modules, card and initramfs for the TCG-scaled and the unscaled reference, tiny card', run: async () => void (await script('bash', [join(ROOT, 'scripts/build-system.sh')])) },
    ],
    2,
  );
}
