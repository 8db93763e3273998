/**
 * A database laid out as a Supabase project is (fixtures/supabase-layout-sql.ts, condensed from
 * Supabase's own init scripts and migrations): supabase_admin the superuser; postgres a
 * non-superuser with CREATEROLE and BYPASSRLS that owns the database, the platform tables and
 * runs the platform migration; the auth schema belongs to supabase_admin. Everything runs as
 * postgres: the platform migrates, every strategy provisions and serves the SDK, upgrades, drift,
 * lint, uninstall and deprovision work; what postgres cannot grant (schema auth) is reported with
 * the remedy, and works once the schema's owner has run it. On PostgreSQL 17 here and on 15 in
 * the (pg15) project.
 */
import { randomUUID } from 'node:crypto';
import {
  connect,
  createPlatformFactory,
  type EmbeddedPostgresServer,
  PLATFORM_FIXTURES_SQL,
  runScripts,
  startEmbeddedPostgres,
} from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createModuleAdminClient } from '../src/admin';
import { createModuleDataClient } from '../src/client';
import {
  AUTH_GRANTS_SQL,
  checkModuleDatabase,
  checkPlatformPrerequisites,
  defineModule,
  deprovisionModuleDatabase,
  installModuleForSite,
  lintModuleDatabase,
  migratePlatform,
  provisionModuleDatabase,
  uninstallModuleFromSite,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';
import {
  SUPABASE_LAYOUT_AS_ADMIN_SQL,
  SUPABASE_LAYOUT_DEMOTE_SQL,
  SUPABASE_LAYOUT_INIT_SQL,
} from './fixtures/supabase-layout-sql';

// A cluster of its own: the layout changes cluster-wide roles (postgres is demoted).
let server: EmbeddedPostgresServer;
let adminUrl: string;
let db: Kysely<any>; // as postgres, the non-superuser
let siteA: string;
let siteB: string;
let alice: string;
let bob: string;

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

beforeAll(async () => {
  server = await startEmbeddedPostgres({ superuser: 'supabase_admin' });
  adminUrl = server.url;
  const postgresUrl = new URL(adminUrl);
  postgresUrl.username = 'postgres';
  postgresUrl.password = 'postgres';
  await runScripts(adminUrl, [SUPABASE_LAYOUT_AS_ADMIN_SQL]);
  await runScripts(postgresUrl.toString(), [SUPABASE_LAYOUT_INIT_SQL]);
  await runScripts(adminUrl, [SUPABASE_LAYOUT_DEMOTE_SQL]);
  // The platform's own tables, created by the platform as postgres.
  await runScripts(postgresUrl.toString(), [PLATFORM_FIXTURES_SQL]);
  db = connect(postgresUrl.toString());
  const factory = createPlatformFactory(db);
  const agencyA = await factory.agency();
  const agencyB = await factory.agency();
  siteA = await factory.site(agencyA);
  siteB = await factory.site(agencyB);
  alice = await factory.user();
  bob = await factory.user();
  await factory.member(agencyA, alice);
  await factory.member(agencyB, bob);
});
afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

function client(
  definition: Parameters<typeof createModuleDataClient>[0]['definition'],
  siteId: string,
  userId: string,
) {
  return createModuleDataClient({
    definition,
    siteId,
    userId,
    transport: createPostgresTransport(db),
  });
}

describe('a Supabase-layout database, everything as its non-superuser postgres', () => {
  it('is laid out as Supabase lays it out', async () => {
    const { rows } = await sql<{
      rolname: string;
      rolsuper: boolean;
      rolcreaterole: boolean;
      rolbypassrls: boolean;
    }>`
      select rolname, rolsuper, rolcreaterole, rolbypassrls from pg_roles
      where rolname in ('postgres', 'supabase_admin') order by rolname`.execute(db);
    expect(rows).toEqual([
      { rolname: 'postgres', rolsuper: false, rolcreaterole: true, rolbypassrls: true },
      { rolname: 'supabase_admin', rolsuper: true, rolcreaterole: true, rolbypassrls: true },
    ]);
    const { rows: owners } = await sql<{ db: string; auth: string; users: string }>`
      select (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) as db,
        (select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'auth') as auth,
        (select pg_get_userbyid(relowner) from pg_class where oid = 'auth.users'::regclass) as users`.execute(
      db,
    );
    expect(owners).toEqual([
      { db: 'postgres', auth: 'supabase_admin', users: 'supabase_auth_admin' },
    ]);
    const { rows: version } = await sql<{ major: number }>`
      select current_setting('server_version_num')::int / 10000 as major`.execute(db);
    expect(version[0]?.major).toBe(inject('dramacPostgres').majorVersion);
  });

  it('migrates the platform, and warns that module roles cannot use schema auth yet', async () => {
    const result = await migratePlatform(db);
    expect(result.version).toBeGreaterThanOrEqual(7);
    expect(result.applied[0]).toBe(1);
    const report = await checkPlatformPrerequisites(db, 'provision');
    expect(report.missing).toEqual([]);
    expect(report.warnings).toEqual([
      expect.objectContaining({ name: 'USAGE on schema auth for module roles' }),
    ]);
    expect(report.warnings[0]?.remedy).toContain(AUTH_GRANTS_SQL);
    expect((await migratePlatform(db)).applied).toEqual([]);
  });

  it('provisions every strategy (schema, prefix, shared) and installs them on both sites', async () => {
    for (const module of [crmModule, shopModule, widgetModule]) {
      expect((await provisionModuleDatabase(db, module)).status).toBe('created');
      for (const site of [siteA, siteB]) await installModuleForSite(db, module.moduleId, site);
    }
    const { rows } = await sql<{ strategy: string }>`
      select strategy from public.module_database_registry order by strategy`.execute(db);
    expect(rows.map((r) => r.strategy)).toEqual(['prefix', 'schema', 'shared']);
  });

  it('serves the SDK per site and user; the admin client sees every site of its module', async () => {
    const crmA = client(crmModule, siteA, alice);
    await crmA.insert('contacts', { first_name: 'Ada', last_name: 'Lovelace' });
    await client(crmModule, siteB, bob).insert('contacts', { first_name: 'Bob', last_name: 'B' });
    expect((await crmA.select('contacts')).map((r) => r.first_name)).toEqual(['Ada']);
    // Bob on site A: not a member of its agency.
    expect(await client(crmModule, siteA, bob).count('contacts')).toBe(0);
    // citext, from Supabase's extensions schema.
    const shopA = client(shopModule, siteA, alice);
    await shopA.insert('customers', { email: 'Ada@Example.test', full_name: 'Ada' });
    expect(await shopA.count('customers', { email: 'ada@example.test' })).toBe(1);
    // The widget (shared strategy): rows in public.module_data, as the module's role with claims.
    const widgetRole = `modrole_${widgetModule.moduleId.slice(0, 8)}`;
    const asWidget = (site: string, user: string, fn: (trx: Kysely<any>) => Promise<number>) =>
      db.transaction().execute(async (trx) => {
        await sql`select set_config('request.jwt.claims', ${JSON.stringify({ sub: user, site_id: site, role: widgetRole })}, true),
          set_config('role', ${widgetRole}, true)`.execute(trx);
        return fn(trx);
      });
    await asWidget(siteA, alice, async (trx) => {
      await sql`insert into public.module_data (collection, key, value) values ('quotes', 'q1', '{"text":"hi"}')`.execute(
        trx,
      );
      return 1;
    });
    const countWidgetRows = (trx: Kysely<any>) =>
      sql<{ n: number }>`select count(*)::int as n from public.module_data`
        .execute(trx)
        .then((r) => r.rows[0]?.n ?? -1);
    expect(await asWidget(siteA, alice, countWidgetRows)).toBe(1);
    expect(await asWidget(siteB, bob, countWidgetRows)).toBe(0);
    const admin = createModuleAdminClient({ definition: crmModule, db });
    expect(await admin.count('contacts')).toBe(2);
  });

  it('upgrades, and drift and lint find nothing', async () => {
    const next: typeof crmModule = {
      ...crmModule,
      version: '1.1.0',
      tables: crmModule.tables.map((t) =>
        t.name === 'contacts'
          ? { ...t, columns: [...t.columns, { name: 'nickname', type: 'text', nullable: true }] }
          : t,
      ),
    } as any;
    expect((await provisionModuleDatabase(db, next)).status).toBe('upgraded');
    expect((await client(next, siteA, alice).select('contacts'))[0]).toMatchObject({
      first_name: 'Ada',
      nickname: null,
    });
    for (const module of [crmModule, shopModule]) {
      const drift = await checkModuleDatabase(db, module.moduleId);
      expect({ module: module.moduleId, differences: drift.differences }).toEqual({
        module: module.moduleId,
        differences: [],
      });
    }
    const lint = await lintModuleDatabase(db);
    expect(lint.findings.filter((f) => f.level !== 'info')).toEqual([]);
  });

  it('refuses a module that needs schema auth with the database error, until the schema owner grants it', async () => {
    const refused = await provisionModuleDatabase(db, bookingModule).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PROVISIONING_FAILED', sqlstate: '42501' });
    expect((refused as Error).message).toMatch(/permission denied for schema auth/);
    // Nothing half-done stays behind.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from public.module_database_registry where module_id = ${bookingModule.moduleId}`.execute(
      db,
    );
    expect(rows).toEqual([{ n: 0 }]);

    // The one-time grant the warning names, run by the schema's owner.
    await runScripts(adminUrl, [AUTH_GRANTS_SQL]);
    expect((await checkPlatformPrerequisites(db, 'provision')).warnings).toEqual([]);
    expect((await provisionModuleDatabase(db, bookingModule)).status).toBe('created');
    // A module policy reading auth.uid(): each user sees only their own notes.
    expect((await provisionModuleDatabase(db, notes)).status).toBe('created');
    await installModuleForSite(db, notes.moduleId, siteA);
    const mine = client(notes, siteA, alice);
    await mine.insert('notes', { owner_id: alice, body: 'mine' });
    expect(await mine.count('notes')).toBe(1);
  });

  it('uninstalls from a site and deprovisions as postgres (BYPASSRLS)', async () => {
    const removed = await uninstallModuleFromSite(db, crmModule.moduleId, siteB);
    expect(removed).toMatchObject({ siteId: siteB });
    expect(await createModuleAdminClient({ definition: crmModule, db }).count('contacts')).toBe(1);
    const dropped = await deprovisionModuleDatabase(db, shopModule.moduleId);
    expect(dropped).toMatchObject({ status: 'dropped' });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_roles where rolname like ${`%${shopModule.moduleId.slice(0, 8)}`}`.execute(
      db,
    );
    expect(rows).toEqual([{ n: 0 }]);
  });
});
