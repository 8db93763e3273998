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
  },
});
