import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Simulator builds are CPU-heavy; the machine has 2 cores.
    maxWorkers: 2,
  },
});
