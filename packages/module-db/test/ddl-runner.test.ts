/**
 * The one function every module's statements run in, `dramac_ddl.run` (platform migration 10).
 *
 * - At rest it belongs to dramac_platform and runs nothing, and no API or provisioner role can
 *   reach it.
 * - A provisioning connection keeps one compiled form of it, however many modules it provisions:
 *   migrations 6-9 created and dropped a function per call, and PostgreSQL kept every dropped
 *   one's compiled form in the backend until the connection closed.
 * - Migration 10 on a database already at 9 changes nothing that works.
 *
 * The hostile-plan suites check that whatever a plan's statements do to it does not outlive the
 * call (`runnerProblems` in every `expectContained`).
 */
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deprovisionModuleDatabase,
  migratePlatform,
  PLATFORM_MIGRATIONS,
  provisionModuleDatabase,
} from '../src/index';
import { bookingModule, crmModule, shopModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';
import { runnerProblems } from './support/end-state';

let tdb: TestDatabase;
let db: Kysely<any>;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  // Up to migration 9 first: migration 10 must then find the runner in place and keep it working.
  const first = await migratePlatform(db, { to: 9 });
  expect(first.version).toBe(9);
});
afterAll(async () => {
  await tdb?.destroy();
});

/** The compiled PL/pgSQL functions of one backend whose name mentions `needle`. */
async function compiledFunctions(conn: Kysely<any>, needle: string): Promise<string[]> {
  const { rows } = await sql<{ ident: string }>`
    select coalesce(ident, '') as ident from pg_backend_memory_contexts
    where name = 'PL/pgSQL function' and coalesce(ident, '') like ${`%${needle}%`}
    order by 1`.execute(conn);
  return rows.map((r) => r.ident);
}

describe('the DDL runner', () => {
  it('is in place after migration 9 and migration 10 applies over it without a change', async () => {
    expect(await runnerProblems(db)).toEqual([]);
    const crm = withFreshModuleId(crmModule);
    await provisionModuleDatabase(db, crm);
    const next = await migratePlatform(db);
    expect(next.applied).toEqual(
      PLATFORM_MIGRATIONS.filter((m) => m.version > 9).map((m) => m.version),
    );
    expect(await runnerProblems(db)).toEqual([]);
    // The module provisioned before still upgrades; a new one still provisions.
    const upgraded = await provisionModuleDatabase(db, {
      ...crm,
      version: '1.1.0',
      tables: crm.tables.map((t, i) =>
        i === 0
          ? { ...t, columns: [...t.columns, { name: 'nickname', type: 'text', nullable: true }] }
          : t,
      ),
    });
    expect(upgraded.status).toBe('upgraded');
    await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
    expect(await runnerProblems(db)).toEqual([]);
  });

  it('runs nothing at rest, even for its owner', async () => {
    const error = await sql`select dramac_ddl.run(array['select 1'])`.execute(db).then(
      () => null,
      (e: { code?: string; message?: string }) => e,
    );
    expect(error?.code).toBe('42501');
    expect(error?.message).toMatch(/only as that module's owner role/);
  });

  it.each(['dramac_provisioner', 'service_role', 'authenticated', 'anon'])(
    'cannot be reached by %s',
    async (role) => {
      const error = await db
        .transaction()
        .execute(async (trx) => {
          await sql`select set_config('role', ${role}, true)`.execute(trx);
          await sql`select dramac_ddl.run(array['select 1'])`.execute(trx);
        })
        .then(
          () => null,
          (e: { code?: string; message?: string }) => e,
        );
      expect(error?.code).toBe('42501');
      expect(error?.message).toMatch(/permission denied for schema dramac_ddl/);
    },
  );

  it('is compiled once per connection, however many modules the connection provisions', async () => {
    await db.connection().execute(async (conn) => {
      const before = await compiledFunctions(conn, 'dramac_ddl');
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const def = withFreshModuleId(i % 2 === 0 ? shopModule : crmModule);
        await provisionModuleDatabase(conn, def);
        ids.push(def.moduleId);
      }
      for (const id of ids) await deprovisionModuleDatabase(conn, id, { mode: 'drop' });
      const compiled = await compiledFunctions(conn, 'dramac_ddl');
      // No growth: the runner's one form (freed and compiled again at each change of owner), plus
      // at most the one its last CREATE OR REPLACE validated (PostgreSQL compiles a PL/pgSQL body
      // to check it, under another cache key). With a function created per call, each provision
      // left two forms here (validated and run) until the connection closed: twelve more.
      expect(compiled.length, compiled.join(', ')).toBeLessThanOrEqual(Math.max(before.length, 1));
      expect(compiled.length, compiled.join(', ')).toBeLessThanOrEqual(2);
      expect(compiled.every((c) => c.startsWith('dramac_ddl.run('))).toBe(true);
    });
    expect(await runnerProblems(db)).toEqual([]);
  });
});
