import { defineConfig } from 'vitest/config';

/**
 * Four test groups, by what they need (README "Tests"). Each group that needs cold builds does
 * them in its globalSetup, with progress, before its first test; test timeouts are then several
 * times the measured warm run, so no test passes or fails by the machine's speed.
 */
const MINUTE = 60_000;

export default defineConfig({
  test: {
    // Simulator and kernel builds are CPU-heavy; the machine kind has 2 cores.
    maxWorkers: 2,
    hookTimeout: 10 * MINUTE,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: MINUTE } },
      { extends: true, test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 10 * MINUTE, globalSetup: ['test/sim/prebuild.ts'] } },
      { extends: true, test: { name: 'lab', include: ['test/lab/**/*.test.ts'], testTimeout: 15 * MINUTE, globalSetup: ['test/lab/prebuild.ts'] } },
      { extends: true, test: { name: 'kernel', include: ['test/kernel/**/*.test.ts'], testTimeout: 15 * MINUTE, globalSetup: ['test/kernel/prebuild.ts'] } },
    ],
  },
});
