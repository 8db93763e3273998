import { connect, startTestDatabase, type TestDatabase, withDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleAdminClient } from '../src/admin';
import { createModuleDataClient } from '../src/client';
import { migratePlatform, provisionModuleDatabase } from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
const crm = withFreshModuleId(crmModule);
let shortId: string;
let siteA: string;
let siteB: string;
let siteOther: string;
let alice: string;

async function install(site: string) {
  await sql`insert into public.module_site_installations (module_short_id, site_id, module_id)
            values (${shortId}, ${site}, ${crm.moduleId})`.execute(db);
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  shortId = (await provisionModuleDatabase(db, crm)).shortId;
  const agency = await tdb.factory.agency();
  const otherAgency = await tdb.factory.agency();
  siteA = await tdb.factory.site(agency);
  siteB = await tdb.factory.site(agency);
  siteOther = await tdb.factory.site(otherAgency);
  alice = await tdb.factory.user();
  await tdb.factory.member(agency, alice);
  for (const site of [siteA, siteB, siteOther]) await install(site);
});
afterAll(() => tdb?.destroy());

describe('the Postgres transport', () => {
  it('creates, reads, counts, updates and deletes as the module role, stamped with the site', async () => {
    const client = createModuleDataClient({
      definition: crm,
      siteId: siteA,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    const [created] = await client.insert('contacts', {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      lead_score: 70,
    });
    expect(created).toMatchObject({
      first_name: 'Ada',
      site_id: siteA,
      status: 'lead',
      lead_score: 70,
      tags: [],
      custom_fields: {},
    });
    expect(typeof created?.created_at).toBe('string');
    expect(await client.count('contacts', { lead_score: { gte: 50 } })).toBe(1);
    const updated = await client.update(
      'contacts',
      { status: 'qualified' },
      { id: created?.id as string },
    );
    expect(updated).toHaveLength(1);
    expect(updated[0]?.status).toBe('qualified');
    expect(
      await client.select('contacts', {
        select: ['first_name', 'status'],
        where: { status: 'qualified' },
      }),
    ).toEqual([{ first_name: 'Ada', status: 'qualified' }]);
    expect(await client.delete('contacts', { id: created?.id as string })).toBe(1);
    expect(await client.count('contacts')).toBe(0);
  });

  it('never lets a call see another call’s context, with one pooled connection and interleaved calls', async () => {
    const single = connect(tdb.url, 1);
    try {
      const transport = createPostgresTransport(single);
      const clientA = createModuleDataClient({
        definition: crm,
        siteId: siteA,
        userId: alice,
        transport,
      });
      const clientB = createModuleDataClient({
        definition: crm,
        siteId: siteB,
        userId: alice,
        transport,
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? clientB : clientA).insert('companies', { name: `c${i}` }),
        ),
      );
      const [a, b] = await Promise.all([clientA.select('companies'), clientB.select('companies')]);
      expect(a.every((r) => r.site_id === siteA)).toBe(true);
      expect(b.every((r) => r.site_id === siteB)).toBe(true);
      expect([a.length, b.length]).toEqual([10, 10]);
      // Nothing survives on the connection after the calls: role and claims were transaction-local.
      const { rows } = await sql<{ role: string; claims: string | null }>`
        select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims`.execute(
        single,
      );
      expect(rows[0]).toEqual({ role: 'postgres', claims: null });
    } finally {
      await single.destroy();
    }
  });

  it('gives a user of another agency nothing, and refuses to write for them', async () => {
    const transport = createPostgresTransport(db);
    const owner = createModuleDataClient({
      definition: crm,
      siteId: siteOther,
      userId: alice,
      transport,
    });
    expect(await owner.select('companies')).toEqual([]);
    await expect(owner.insert('companies', { name: 'x' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      sqlstate: '42501',
    });
  });

  it('rolls a transaction back as a whole', async () => {
    const client = createModuleDataClient({
      definition: crm,
      siteId: siteA,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    const before = await client.count('companies');
    await expect(
      client.transaction(async (tx) => {
        await tx.insert('companies', { name: 'kept?' });
        await tx.insert('companies', { name: 'bad', employee_count: -1 });
      }),
    ).rejects.toMatchObject({ code: 'CONSTRAINT_VIOLATION', sqlstate: '23514' });
    expect(await client.count('companies')).toBe(before);
  });

  it('works for a non-superuser login that is a member of dramac_data_api only', async () => {
    await sql`create role app_server login password 'app' noinherit`.execute(db);
    await sql`grant dramac_data_api to app_server`.execute(db);
    const url = new URL(withDatabase(tdb.url, tdb.name));
    url.username = 'app_server';
    url.password = 'app';
    const appDb = connect(url.toString(), 2);
    try {
      const client = createModuleDataClient({
        definition: crm,
        siteId: siteA,
        userId: alice,
        transport: createPostgresTransport(appDb),
      });
      const [row] = await client.insert('deals', { title: 'Deal' });
      expect(row?.site_id).toBe(siteA);
      // The login itself holds no privilege on module tables.
      await expect(
        sql`select 1 from ${sql.id(`mod_${shortId}`, 'deals')}`.execute(appDb),
      ).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await appDb.destroy();
      await sql`drop owned by app_server`.execute(db);
      await sql`drop role app_server`.execute(db);
    }
  });
});

describe('the admin client', () => {
  it('sees every site of its module, and nothing of another module', async () => {
    const transport = createPostgresTransport(db);
    await createModuleDataClient({
      definition: crm,
      siteId: siteA,
      userId: alice,
      transport,
    }).insert('deals', { title: 'A' });
    await createModuleDataClient({
      definition: crm,
      siteId: siteB,
      userId: alice,
      transport,
    }).insert('deals', { title: 'B' });
    const admin = createModuleAdminClient({ definition: crm, db });
    const titles = (await admin.select('deals', { select: ['title', 'site_id'] })).map(
      (r) => r.site_id,
    );
    expect(new Set(titles)).toEqual(new Set([siteA, siteB]));
    // Inserting without a site is refused before SQL; with one, it lands there.
    await expect(admin.insert('deals', { title: 'x' })).rejects.toMatchObject({
      code: 'INVALID_QUERY',
    });
    const [row] = await admin.insert('deals', { title: 'for other agency', site_id: siteOther });
    expect(row?.site_id).toBe(siteOther);

    // PostgreSQL confines the admin role: another module's tables are off limits.
    const other = withFreshModuleId(crmModule);
    const otherResult = await provisionModuleDatabase(db, other);
    const otherAdmin = createModuleAdminClient({ definition: other, db });
    expect(await otherAdmin.count('deals')).toBe(0);
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`select set_config('role', ${`modadmin_${otherResult.shortId}`}, true)`.execute(
          trx,
        );
        await sql`select count(*) from ${sql.id(`mod_${shortId}`, 'deals')}`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('is out of reach of PostgREST: authenticator may become module roles, never admin roles', async () => {
    // PostgreSQL 16+ asks whether it may SET ROLE; 15 has no such privilege: membership is it.
    const { rows } = await sql<{ member: boolean; admin: boolean }>`
      with p as (select case when current_setting('server_version_num')::int >= 160000 then 'set' else 'member' end as how)
      select pg_has_role('authenticator', ${`modrole_${shortId}`}, p.how) as member,
             pg_has_role('authenticator', ${`modadmin_${shortId}`}, p.how) as admin from p`.execute(
      db,
    );
    expect(rows[0]).toEqual({ member: true, admin: false });
  });
});
