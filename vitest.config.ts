import { defineConfig } from 'vitest/config';

// CI sets STRATUS_TEST_REPORT to get the counts as JSON next to the usual output.
const report = process.env.STRATUS_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Native addons (better-sqlite3, fs-xattr) need real processes, not worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
