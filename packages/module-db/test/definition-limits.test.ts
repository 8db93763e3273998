/**
 * Size limits on definitions (issue 13, item 13): a definition is input, and an oversized one
 * must be refused quickly with a typed error (`DefinitionValidationError`, code
 * `DEFINITION_INVALID`, the offending path) before any SQL runs, by `validateModuleDefinition`
 * and by `provisionModuleDatabase`; the error must not echo the oversized input back.
 *
 * The huge definitions go to `provisionModuleDatabase` on a Kysely that refuses to send any query:
 * if validation lets them through, the test fails at the first query instead of provisioning 500
 * tables. The smaller ones (a 1 MB name, ...) go to the real database, and nothing of them may
 * remain.
 *
 * Status on today's code (commit b7dc8cb): 500 x 100 (9 s of blocked event loop here), 5,000
 * tables, 2,000 columns, 1,000 indexes, 10,000 migration steps, a 1 MB display name and a 1 MB
 * semantic version are all accepted by validation, so those 14 tests fail (the 1 MB name is even
 * provisioned; the 1 MB version fails only in PostgreSQL, "index row requires 12048 bytes").
 * Variants that pass today: 1 MB defaults, checks and policy expressions, and a 100k-character
 * table name, are already refused with a typed error.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DefinitionIssue,
  isDefinitionValidationError,
  migratePlatform,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '../src/index';
import { leftovers } from './support/end-state';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

/** A Kysely that fails the test's expectations by throwing on the first query it would send. */
const noSql = new Kysely<any>({
  dialect: new PostgresDialect({
    pool: {
      connect: async () => {
        throw new Error('SQL was about to be sent: the definition was not refused by validation');
      },
      end: async () => undefined,
    } as never,
  }),
});

const MB = 1024 * 1024;
/** How long refusing may take. */
const FAST_MS = 1500;

const column = (i: number) => ({ name: `c${i}`, type: 'text', nullable: true });
const base = (patch: Record<string, unknown> = {}) => ({
  moduleId: randomUUID(),
  moduleType: 'app',
  version: '1.0.0',
  tables: [{ name: 'items', columns: [{ name: 'title', type: 'text' }] }],
  ...patch,
});
const withTable = (table: Record<string, unknown>) =>
  base({ tables: [{ name: 'items', columns: [{ name: 'title', type: 'text' }], ...table }] });

interface Case {
  readonly name: string;
  readonly make: () => Record<string, unknown>;
  /** Where the issue is reported: a path prefix. */
  readonly path: RegExp;
  /** Small enough to hand to the real database (its leftovers are checked). */
  readonly realDatabase: boolean;
}

const cases: Case[] = [
  {
    name: '500 tables x 100 columns',
    make: () =>
      base({
        tables: Array.from({ length: 500 }, (_, t) => ({
          name: `t${t}`,
          columns: Array.from({ length: 100 }, (_, c) => column(c)),
        })),
      }),
    path: /^tables/,
    realDatabase: false,
  },
  {
    name: '5,000 tables of one column',
    make: () =>
      base({
        tables: Array.from({ length: 5000 }, (_, t) => ({ name: `t${t}`, columns: [column(0)] })),
      }),
    path: /^tables/,
    realDatabase: false,
  },
  {
    name: '2,000 columns in one table (over PostgreSQL 1,600)',
    make: () => withTable({ columns: Array.from({ length: 2000 }, (_, c) => column(c)) }),
    path: /^tables\[0\]/,
    realDatabase: false,
  },
  {
    name: '1,000 indexes on one table',
    make: () =>
      withTable({
        columns: Array.from({ length: 10 }, (_, c) => column(c)),
        indexes: Array.from({ length: 1000 }, (_, i) => ({
          name: `i${i}`,
          columns: [`c${i % 10}`],
        })),
      }),
    path: /^tables\[0\]/,
    realDatabase: false,
  },
  {
    name: '10,000 declared migration steps',
    make: () =>
      base({
        migrations: Array.from({ length: 10_000 }, () => ({
          kind: 'backfill',
          table: 'items',
          column: 'title',
          value: "'x'",
        })),
      }),
    path: /^migrations/,
    realDatabase: false,
  },
  {
    name: 'a 1 MB display name',
    make: () => base({ name: 'n'.repeat(MB) }),
    path: /^name/,
    realDatabase: true,
  },
  {
    name: 'a 1 MB default literal',
    make: () =>
      withTable({ columns: [{ name: 'title', type: 'text', default: `'${'d'.repeat(MB)}'` }] }),
    path: /^tables\[0\]\.columns\[0\]/,
    realDatabase: true,
  },
  {
    name: 'a 1 MB check expression',
    make: () =>
      withTable({
        columns: [{ name: 'title', type: 'text', check: `title <> '${'k'.repeat(MB)}'` }],
      }),
    path: /^tables\[0\]\.columns\[0\]/,
    realDatabase: true,
  },
  {
    name: 'a 1 MB policy expression',
    make: () =>
      withTable({
        rlsPolicies: [{ name: 'p', action: 'SELECT', using: `title <> '${'p'.repeat(MB)}'` }],
      }),
    path: /^tables\[0\]\.rlsPolicies/,
    realDatabase: true,
  },
  {
    name: 'a 1 MB semantic version (pre-release part)',
    make: () => base({ version: `1.0.0-${'v'.repeat(MB)}` }),
    path: /^version/,
    realDatabase: true,
  },
  {
    name: 'a 100k-character table name (variant refused today)',
    make: () => withTable({ name: 't'.repeat(100_000) }),
    path: /^tables\[0\]/,
    realDatabase: true,
  },
];

function expectRefused(error: unknown, c: Case, ms: number) {
  expect(
    isDefinitionValidationError(error),
    `typed error, got: ${String(error).slice(0, 300)}`,
  ).toBe(true);
  const issues = (error as { issues: readonly DefinitionIssue[] }).issues;
  expect(
    issues.some((i) => c.path.test(i.path)),
    `an issue at ${c.path}: ${JSON.stringify(issues.slice(0, 3)).slice(0, 300)}`,
  ).toBe(true);
  expect(
    JSON.stringify(issues).length + (error as Error).message.length,
    'the error echoes the oversized input',
  ).toBeLessThan(20_000);
  expect(ms, 'refusing took too long').toBeLessThan(FAST_MS);
}

describe('definition size limits', () => {
  for (const c of cases) {
    it(`validateModuleDefinition refuses ${c.name}, fast`, { timeout: 180_000 }, async () => {
      const input = c.make();
      const started = performance.now();
      const error = await validateModuleDefinition(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectRefused(error ?? new Error('accepted'), c, performance.now() - started);
    });

    it(`provisionModuleDatabase refuses ${c.name} before any SQL`, {
      timeout: 180_000,
    }, async () => {
      const input = c.make();
      const target = c.realDatabase ? db : noSql;
      const started = performance.now();
      const error = await provisionModuleDatabase(target, input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectRefused(error ?? new Error('accepted'), c, performance.now() - started);
      if (c.realDatabase) {
        const short = String(input.moduleId).replaceAll('-', '').slice(0, 8);
        expect(await leftovers(db, short)).toEqual([]);
      }
    });
  }

  it('the limits leave ordinary definitions alone (20 tables of 40 columns)', async () => {
    const def = base({
      tables: Array.from({ length: 20 }, (_, t) => ({
        name: `t${t}`,
        columns: Array.from({ length: 40 }, (_, c) => column(c)),
      })),
    });
    const validated = await validateModuleDefinition(def);
    expect(validated.tables).toHaveLength(20);
  });
});
