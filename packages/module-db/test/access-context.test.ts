// The Postgres transport's request context and error path, on a real PostgreSQL: the legacy
// per-claim settings auth.uid() reads first, a module that was never provisioned, a local
// definition newer than the installed one, and the platform function that tells which version is
// installed (dramac_module_status, called on the error path only).
import { randomUUID } from 'node:crypto';
import { connect, startTestDatabase, type TestDatabase, withDatabase } from '@dramac/test-db';
import { Kysely, type LogEvent, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleAdminClient } from '../src/admin';
import { createModuleDataClient } from '../src/client';
import { defineModule } from '../src/definition/define-module';
import { installModuleForSite, migratePlatform, provisionModuleDatabase } from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let site: string;
let alice: string;
let stranger: string;
const suffix = randomUUID().slice(0, 8);

/** A module whose rows are visible only to the user who owns them: the policy reads auth.uid(). */
const notes = defineModule({
  moduleId: randomUUID(),
  moduleType: 'system',
  version: '1.0.0',
  name: 'Notes',
  tables: [
    {
      name: 'notes',
      columns: [
        { name: 'owner_id', type: 'uuid' },
        { name: 'body', type: 'text' },
      ],
      rlsPolicies: [
        {
          name: 'own_notes',
          action: 'ALL',
          using: 'owner_id = auth.uid()',
          withCheck: 'owner_id = auth.uid()',
        },
      ],
    },
  ],
});

const crm = withFreshModuleId(crmModule);
/** The same module as the code of a newer version sees it: one more column, one more table. */
const crmNext = {
  ...crm,
  version: '1.1.0',
  tables: [
    ...crm.tables.map((t) =>
      t.name === 'deals'
        ? {
            ...t,
            columns: [...t.columns, { name: 'probability', type: 'integer', nullable: true }],
          }
        : t,
    ),
    { name: 'pipelines', columns: [{ name: 'name', type: 'text' }] },
  ],
} as unknown as typeof crm;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  await provisionModuleDatabase(db, notes);
  await provisionModuleDatabase(db, crm);
  const agency = await tdb.factory.agency();
  site = await tdb.factory.site(agency);
  alice = await tdb.factory.user();
  stranger = await tdb.factory.user();
  await tdb.factory.member(agency, alice);
  await tdb.factory.member(agency, stranger);
  await installModuleForSite(db, notes.moduleId, site);
  await installModuleForSite(db, crm.moduleId, site);
});
afterAll(() => tdb?.destroy());

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe('legacy claim settings (auth.uid() reads request.jwt.claim.sub first)', () => {
  it('a stale session-level request.jwt.claim.sub on a pooled connection does not change auth.uid()', async () => {
    const single = connect(tdb.url, 1);
    try {
      // Someone left a session-level claim on the one pooled connection (a PgBouncer session,
      // an older client): the stranger's id.
      await sql`select set_config('request.jwt.claim.sub', ${stranger}, false),
        set_config('request.jwt.claim.role', 'service_role', false),
        set_config('request.jwt.claim', ${JSON.stringify({ sub: stranger })}, false)`.execute(
        single,
      );
      const asAlice = createModuleDataClient({
        definition: notes,
        siteId: site,
        userId: alice,
        transport: createPostgresTransport(single),
      });
      // auth.uid() must be alice inside the call: her own note passes the policy's WITH CHECK...
      const [note] = await asAlice.insert('notes', { owner_id: alice, body: 'mine' });
      expect(note?.owner_id).toBe(alice);
      // ...a note for the stranger does not, and she reads only her own.
      expect(
        await rejection(asAlice.insert('notes', { owner_id: stranger, body: 'forged' })),
      ).toMatchObject({ code: 'ACCESS_DENIED', sqlstate: '42501' });
      expect((await asAlice.select('notes')).map((n) => n.body)).toEqual(['mine']);
      // Without a user, auth.uid() is null inside the call, not the stale value.
      const anonymous = createModuleDataClient({
        definition: notes,
        siteId: site,
        transport: createPostgresTransport(single),
      });
      expect(await anonymous.count('notes')).toBe(0);
      // The call's settings were transaction-local: the session value is what it was.
      const { rows } = await sql<{
        sub: string;
      }>`select current_setting('request.jwt.claim.sub') as sub`.execute(single);
      expect(rows[0]?.sub).toBe(stranger);
    } finally {
      await single.destroy();
    }
  });
});

describe('a module that was never provisioned', () => {
  it('fails with NOT_FOUND naming the module, not DATABASE_ERROR role ... does not exist', async () => {
    const ghost = withFreshModuleId(crmModule);
    const client = createModuleDataClient({
      definition: ghost,
      siteId: site,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    for (const call of [
      () => client.select('contacts'),
      () => client.insert('contacts', { first_name: 'A', last_name: 'B' }),
      () => client.transaction((tx) => tx.count('contacts')),
    ]) {
      const error = await rejection(call());
      expect(error).toMatchObject({ code: 'NOT_FOUND', moduleId: ghost.moduleId });
      expect(error.message).toContain(ghost.moduleId);
    }
    const admin = createModuleAdminClient({ definition: ghost, db });
    expect(await rejection(admin.count('contacts'))).toMatchObject({
      code: 'NOT_FOUND',
      moduleId: ghost.moduleId,
    });
  });
});

describe('a local definition newer than the installed one', () => {
  it('names the installed and the expected version (a missing column, a missing table, in a transaction)', async () => {
    const client = createModuleDataClient({
      definition: crmNext,
      siteId: site,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    const calls = [
      () => client.select('deals', { select: ['title', 'probability'] }),
      () => client.insert('deals', { title: 'x', probability: 10 }),
      () => client.count('pipelines'),
      () =>
        client.transaction(async (tx) => tx.update('deals', { probability: 1 }, { title: 'x' })),
    ];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error).toMatchObject({
        code: 'VERSION_MISMATCH',
        moduleId: crm.moduleId,
        installedVersion: '1.0.0',
        expectedVersion: '1.1.0',
      });
      expect(['42703', '42P01']).toContain(error.sqlstate);
      expect(error.message).toMatch(/1\.0\.0 is installed but this code expects 1\.1\.0/);
    }
    // What both versions have still works.
    expect(await client.count('deals')).toBe(0);
  });

  it('asks the database only on the error path: a call that works sends no status query', async () => {
    const statements: string[] = [];
    const logged = new Kysely<any>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: withDatabase(tdb.url, tdb.name), max: 2 }),
      }),
      log: (event: LogEvent) => {
        statements.push(event.query.sql);
      },
    });
    try {
      const client = createModuleDataClient({
        definition: crmNext,
        siteId: site,
        userId: alice,
        transport: createPostgresTransport(logged),
      });
      await client.count('deals');
      await client.insert('companies', { name: 'Acme' });
      expect(statements.some((s) => s.includes('dramac_module_status'))).toBe(false);
      await rejection(client.count('pipelines'));
      expect(statements.filter((s) => s.includes('dramac_module_status'))).toHaveLength(1);
    } finally {
      await logged.destroy();
    }
  });

  it('a missing column with the same version installed stays a DATABASE_ERROR (drift, not an upgrade)', async () => {
    const same = { ...crmNext, version: '1.0.0' } as typeof crm;
    const client = createModuleDataClient({
      definition: same,
      siteId: site,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    expect(await rejection(client.count('pipelines'))).toMatchObject({
      code: 'DATABASE_ERROR',
      sqlstate: '42P01',
    });
  });
});

describe('dramac_module_status', () => {
  const shortIdOf = (moduleId: string) => moduleId.replace(/-/g, '').slice(0, 8);

  it('is SECURITY DEFINER with search_path pg_catalog, pg_temp, and executable by the data and admin API roles only', async () => {
    const { rows } = await sql<{
      definer: boolean;
      config: string[] | null;
      data_api: boolean;
      admin_api: boolean;
      anon: boolean;
      authenticated: boolean;
      service_role: boolean;
      public_acl: boolean;
    }>`select p.prosecdef as definer, p.proconfig as config,
        has_function_privilege('dramac_data_api', p.oid, 'execute') as data_api,
        has_function_privilege('dramac_admin_api', p.oid, 'execute') as admin_api,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
        has_function_privilege('service_role', p.oid, 'execute') as service_role,
        coalesce(',' || array_to_string(p.proacl, ',') like '%,=X/%', true) as public_acl
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname = 'dramac_module_status'`.execute(db);
    expect(rows).toEqual([
      {
        definer: true,
        config: ['search_path=pg_catalog, pg_temp'],
        data_api: true,
        admin_api: true,
        anon: false,
        authenticated: false,
        service_role: false,
        public_acl: false,
      },
    ]);
  });

  it('tells a data-API login the installed version of a module it may act as', async () => {
    const login = `status_api_${suffix}`;
    await sql`create role ${sql.id(login)} login password 'x'`.execute(db);
    await sql`grant dramac_data_api to ${sql.id(login)}`.execute(db);
    const url = new URL(withDatabase(tdb.url, tdb.name));
    url.username = login;
    url.password = 'x';
    const api = connect(url.toString(), 1);
    try {
      const status = async (shortId: string) =>
        (
          await sql<{
            s: Record<string, unknown>;
          }>`select public.dramac_module_status(${shortId}) as s`.execute(api)
        ).rows[0]?.s;
      expect(await status(shortIdOf(crm.moduleId))).toMatchObject({
        installed: true,
        version: '1.0.0',
        status: 'active',
      });
      expect(await status('0badc0de')).toEqual({ installed: false });
      expect(await status("x' or 1=1 --")).toEqual({ installed: false });
    } finally {
      await api.destroy();
      await sql`drop owned by ${sql.id(login)}`.execute(db);
      await sql`drop role ${sql.id(login)}`.execute(db);
    }
  });

  it('is no oracle: a module role cannot call it, and a caller that may not act as a module learns nothing', async () => {
    // Module code runs as its module role: EXECUTE is not granted to it.
    const asModule = await rejection(
      db.transaction().execute(async (trx) => {
        await sql`select set_config('role', ${`modrole_${shortIdOf(notes.moduleId)}`}, true)`.execute(
          trx,
        );
        await sql`select public.dramac_module_status(${shortIdOf(crm.moduleId)})`.execute(trx);
      }),
    );
    expect(asModule).toMatchObject({ code: '42501' });
    // A login that somehow got EXECUTE but is no member of the module's roles: the same answer
    // for an installed module as for one that does not exist.
    const login = `status_probe_${suffix}`;
    await sql`create role ${sql.id(login)} login password 'x'`.execute(db);
    await sql`grant execute on function public.dramac_module_status(text) to ${sql.id(login)}`.execute(
      db,
    );
    const url = new URL(withDatabase(tdb.url, tdb.name));
    url.username = login;
    url.password = 'x';
    const probe = connect(url.toString(), 1);
    try {
      const { rows } = await sql<{
        installed: unknown;
        missing: unknown;
      }>`select public.dramac_module_status(${shortIdOf(crm.moduleId)}) as installed,
          public.dramac_module_status('0badc0de') as missing`.execute(probe);
      expect(rows[0]?.installed).toEqual({ installed: false });
      expect(rows[0]?.installed).toEqual(rows[0]?.missing);
    } finally {
      await probe.destroy();
      await sql`revoke execute on function public.dramac_module_status(text) from ${sql.id(login)}`.execute(
        db,
      );
      await sql`drop owned by ${sql.id(login)}`.execute(db);
      await sql`drop role ${sql.id(login)}`.execute(db);
    }
  });
});
