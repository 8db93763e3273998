import { connect, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratePlatform, provisionModuleDatabase, syncPostgrestSchemas } from '../src/index';
import { bookingModule, crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
const role = `pgrst_${Math.random().toString(16).slice(2, 10)}`;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  // A role of this file's own: pgrst.db_schemas on the shared authenticator is cluster-wide.
  await sql`create role ${sql.id(role)} login noinherit`.execute(db);
  await sql`alter role ${sql.id(role)} set pgrst.db_schemas = 'public, graphql_public'`.execute(db);
});
afterAll(async () => {
  await sql`drop role if exists ${sql.id(role)}`.execute(db);
  await tdb?.destroy();
});

it('adds active schema modules to pgrst.db_schemas, keeps the others, and tells PostgREST to reload', async () => {
  const listener = new pg.Client({ connectionString: tdb.url });
  await listener.connect();
  const notes: string[] = [];
  listener.on('notification', (n) => notes.push(`${n.channel}:${n.payload}`));
  await listener.query('listen pgrst');
  try {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    await provisionModuleDatabase(db, withFreshModuleId(bookingModule)); // prefix: nothing to expose
    const first = await syncPostgrestSchemas(db, { role });
    expect(first).toEqual({ schemas: ['public', 'graphql_public', crm.schemaName], changed: true });
    const again = await syncPostgrestSchemas(db, { role });
    expect(again.changed).toBe(false);
    const { rows } = await sql<{ setting: string }>`
      select s.setting from pg_db_role_setting d, unnest(d.setconfig) s(setting)
      where d.setrole = ${role}::regrole and s.setting like 'pgrst.%'`.execute(db);
    expect(rows).toEqual([
      { setting: `pgrst.db_schemas=public, graphql_public, ${crm.schemaName}` },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(notes).toEqual(['pgrst:reload config']);
  } finally {
    await listener.end();
  }
});

it('provisions and exposes in one transaction with exposeToPostgrest', async () => {
  const single = connect(tdb.url, 1);
  try {
    const result = await provisionModuleDatabase(single, withFreshModuleId(crmModule), {
      exposeToPostgrest: true,
    });
    const { rows } = await sql<{ setting: string }>`
      select s.setting from pg_db_role_setting d, unnest(d.setconfig) s(setting)
      where d.setrole = 'authenticator'::regrole and s.setting like 'pgrst.db_schemas=%'`.execute(
      db,
    );
    expect(rows[0]?.setting).toContain(result.schemaName);
  } finally {
    await single.destroy();
  }
});
