import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineProject({
    resolve: {
      alias: {
        'server-only': fileURLToPath(new URL('./test/support/server-only.ts', import.meta.url)),
      },
    },
    test: {
      name: 'playground',
      include: ['test/**/*.test.ts'],
      // One browser session walks the screens step by step; on a loaded 2-core machine a step
      // (a server action plus a re-render) can take far longer than the shared 30 s default.
      testTimeout: 120_000,
      hookTimeout: 400_000,
    },
  }),
);
