import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // They start database servers: `npm run test:servers` (vitest.servers.config.ts). The end-to-end
    // suites on the local stack: `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: [...configDefaults.exclude, 'test/servers/**', 'test/e2e/**'],
    setupFiles: ['test/setup.ts'],
    // A directory per run, where test/deploy's files share the packagings they have in common.
    globalSetup: ['test/global-setup.ts'],
    // Packaging and bundling tests spawn the Serverless Framework; give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one on this 2-core machine. Most test time
    // is spent waiting (child processes, local servers, simulated clocks), so two files at once
    // take 4.4 min where one at a time took 5.6.
    maxWorkers: 2,
  },
});
