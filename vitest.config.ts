import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*', 'scripts'],
    globalSetup: ['./packages/test-db/src/global-setup.ts'],
  },
});
