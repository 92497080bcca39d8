import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the end-to-end suites (test/e2e), each running the pipeline on the local stack
// (simulated clocks, real handlers, the real ASL). They take about three minutes on 2 cores, so
// `npm test` leaves them out and stays near five; CI (`.ci/run`) runs both.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most of their time is spent waiting (local servers, simulated clocks): two files at once.
    maxWorkers: 2,
  },
});
