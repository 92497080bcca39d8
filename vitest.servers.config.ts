import { defineConfig } from 'vitest/config';

// `npm run test:servers`: the tests that start real database servers (Debian's mariadb-server and
// postgresql, see test/servers/). `npm test` leaves them out, so it passes with nothing but Node.
export default defineConfig({
  test: {
    include: ['test/servers/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
