import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file may start a worker pool of its own; two files at a time fit this 2-core machine.
    maxWorkers: 2,
  },
});
