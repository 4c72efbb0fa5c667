/**
 * globalSetup of test/kernel: the patched kernel with the driver and hook modules
 * (scripts/build-kernel.sh) and the userspace harnesses the tests run, built (or found cached)
 * before the tests start.
 */

import { join } from 'node:path';
import { REFERENCE, ROOT, TINY } from '../helpers.js';
import { prebuild, script } from '../prebuild.js';

const DRIVER_HARNESS = join(ROOT, 'driver/userspace/build.sh');
const HOOK_HARNESS = join(ROOT, 'kernel-hook/userspace/build.sh');

export default async function setup(): Promise<void> {
  await prebuild('kernel', [
    { label: 'patched kernel, nicsched.ko, nicsched_pci.ko, nicsched_hook.ko', run: async () => (await script('bash', [join(ROOT, 'scripts/build-kernel.sh')]))['KERNEL_BUILT'] },
  ]);
  await prebuild(
    'kernel',
    [
      ...[[REFERENCE], [TINY], [REFERENCE, TINY]].map(([policy, rtl]) => ({
        label: `driver harness ${policy!.split('/').pop()}${rtl ? ` on ${rtl.split('/').pop()} RTL` : ''}`,
        run: async () => void (await script('bash', [DRIVER_HARNESS, '--policy', policy!, ...(rtl ? ['--rtl-policy', rtl] : [])])),
      })),
      ...[REFERENCE, TINY].map((policy) => ({
        label: `hook harness ${policy.split('/').pop()}`,
        run: async () => void (await script('bash', [HOOK_HARNESS, '--policy', policy])),
      })),
    ],
    2,
  );
}
