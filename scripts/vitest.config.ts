import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.ts';

// The repository's own tooling (scripts/run-tests.mjs, the vitest and turbo configuration).
export default mergeConfig(
  sharedConfig,
  defineProject({ test: { name: 'tooling', include: ['test/**/*.test.ts'] } }),
);
