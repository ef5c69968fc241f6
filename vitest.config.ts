import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'agent/test/**/*.test.ts',
      'collector/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Native addons (better-sqlite3) and child processes behave best in forked workers.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
