import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite's TypeScript transform skips .cts by default; src/timings' hook modules are .cts (CommonJS
  // output, so the hook process skips Node's ES-module loader start-up) and tests import them.
  oxc: { include: /\.(m?ts|cts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Several suites spawn worker processes and servers; two cores are all this machine has.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
