import { defineConfig } from 'vitest/config';

/**
 * Settings every package's vitest config extends: tests import workspace packages from source
 * through the `@dramac/source` export condition, so no build is needed before `pnpm test`.
 */
export const sharedConfig = defineConfig({
  resolve: {
    conditions: ['@dramac/source', 'module', 'browser', 'development|production'],
  },
  ssr: {
    resolve: {
      conditions: ['@dramac/source', 'module', 'node', 'development|production'],
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Type tests (`*.test-d.ts`) are tests like any other: vitest runs tsc over the package's
    // tsconfig and counts each `test` in them, so `pnpm test` reports (and fails on) them too.
    // Errors elsewhere in the package are left to `pnpm typecheck`, which run-tests.mjs runs
    // first: reporting them twice would only add noise.
    typecheck: {
      enabled: true,
      include: ['**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
      ignoreSourceErrors: true,
    },
  },
});
