import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly; `npm test` builds dist/ first (pretest) because
// some tests spawn the real CLI (bin/credctl -> dist/) and worker threads need compiled JS.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
