/**
 * The seed's verification checklist (EM-11), one test per item, against a real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { asUser, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOrphans,
  deprovisionModuleDatabase,
  getModuleRegistryEntry,
  installModuleForSite,
  migratePlatform,
  type ProvisionResult,
  provisionModuleDatabase,
  uninstallModuleFromSite,
} from '../src/index';
import { moduleCatalogSnapshot, onlyModules } from './catalog-snapshot';
import { bookingModule, crmModule } from './fixtures/sample-modules';
import { asModule, rejectionOf } from './module-request';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let crm: ProvisionResult;
let booking: ProvisionResult;
let userA: string;
let userB: string;
let siteA: string;
let siteB: string;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
  booking = await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
  const agencyA = await tdb.factory.agency();
  const agencyB = await tdb.factory.agency();
  siteA = await tdb.factory.site(agencyA);
  siteB = await tdb.factory.site(agencyB);
  userA = await tdb.factory.user();
  userB = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  await tdb.factory.member(agencyB, userB);
  for (const site of [siteA, siteB]) {
    await installModuleForSite(db, crm.moduleId, site);
    await installModuleForSite(db, booking.moduleId, site);
  }
  // One company per site, written by the module itself for each site's user.
  for (const [site, user, name] of [
    [siteA, userA, 'Acme A'],
    [siteB, userB, 'Bolt B'],
  ] as const) {
    await asModule(db, crm.role, { sub: user, site_id: site }, (trx) =>
      trx
        .withSchema(crm.schemaName)
        .insertInto('companies')
        .values({ site_id: site, name })
        .execute(),
    );
  }
});
afterAll(() => tdb?.destroy());

const asA = <T>(fn: Parameters<typeof asModule<T>>[3]) =>
  asModule(db, crm.role, { sub: userA, site_id: siteA }, fn);

describe('EM-11 verification checklist', () => {
  it('1. the module schema is created, owned by the module owner role, usable by the module role only', async () => {
    const { rows } = await sql<{ owner: string; module: boolean; anon: boolean; auth: boolean }>`
      select pg_get_userbyid(nspowner) as owner,
             has_schema_privilege(${crm.role}, nspname, 'usage') as module,
             has_schema_privilege('anon', nspname, 'usage') as anon,
             has_schema_privilege('authenticated', nspname, 'usage') as auth
      from pg_namespace where nspname = ${crm.schemaName}`.execute(db);
    expect(crm.schemaName).toBe(`mod_${crm.shortId}`);
    expect(rows).toEqual([
      { owner: `modowner_${crm.shortId}`, module: true, anon: false, auth: false },
    ]);
  });

  it('2. tables are created with the declared structure plus site_id, RLS forced', async () => {
    const { rows } = await sql<{ table_name: string; columns: string }>`
      select table_name, string_agg(column_name || ':' || data_type || ':' || is_nullable, ',' order by ordinal_position) as columns
      from information_schema.columns where table_schema = ${crm.schemaName}
      group by table_name order by table_name`.execute(db);
    expect(rows.map((r) => r.table_name)).toEqual(['activities', 'companies', 'contacts', 'deals']);
    expect(rows.find((r) => r.table_name === 'companies')?.columns).toBe(
      [
        'id:uuid:NO',
        'site_id:uuid:NO',
        'name:text:NO',
        'domain:text:YES',
        'industry:text:YES',
        'employee_count:integer:YES',
        'created_at:timestamp with time zone:NO',
        'updated_at:timestamp with time zone:NO',
      ].join(','),
    );
    const rls = await sql<{ n: number }>`
      select count(*)::int as n from pg_class
      where relnamespace = ${crm.schemaName}::regnamespace and relkind = 'r' and relrowsecurity and relforcerowsecurity`.execute(
      db,
    );
    expect(rls.rows[0]?.n).toBe(4);
  });

  it('3. indexes are applied: the site key and every declared index lead with site_id', async () => {
    const { rows } = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where schemaname = ${crm.schemaName} order by indexname`.execute(
      db,
    );
    const defs = rows.map((r) => r.indexdef);
    for (const table of ['contacts', 'companies', 'deals', 'activities']) {
      expect(defs).toContainEqual(
        expect.stringMatching(
          new RegExp(`ON ${crm.schemaName}\\.${table} USING btree \\(site_id, id\\)`),
        ),
      );
    }
    expect(defs).toContainEqual(expect.stringContaining('(site_id, last_name, first_name)'));
    expect(defs).toContainEqual(expect.stringContaining('USING gin (tags)'));
    expect(defs).toContainEqual(
      expect.stringMatching(
        /open_activities_idx .*\(site_id, contact_id, occurred_at\) WHERE \(NOT completed\)/,
      ),
    );
    // The planner really uses the site-leading index for a site's rows.
    await sql`analyze ${sql.id(crm.schemaName, 'contacts')}`.execute(db);
    const plan = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`
        explain select * from ${sql.id(crm.schemaName, 'contacts')} where site_id = ${siteA}::uuid and last_name = 'x'`.execute(
        trx,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index|Bitmap/);
  });

  describe('4. RLS enforces site isolation (module role, claims for site A)', () => {
    it('rows of site B are invisible', async () => {
      const names = await asA((trx) =>
        trx.withSchema(crm.schemaName).selectFrom('companies').select('name').execute(),
      );
      expect(names).toEqual([{ name: 'Acme A' }]);
      const all = await db
        .withSchema(crm.schemaName)
        .selectFrom('companies')
        .select('name')
        .orderBy('name')
        .execute();
      expect(all).toEqual([{ name: 'Acme A' }, { name: 'Bolt B' }]);
    });

    it("inserting a row with site B's id fails with 42501", async () => {
      const error = await rejectionOf(
        asA((trx) =>
          trx
            .withSchema(crm.schemaName)
            .insertInto('companies')
            .values({ site_id: siteB, name: 'Evil' })
            .execute(),
        ),
      );
      expect(error.code).toBe('42501');
      expect(error.message).toMatch(/row-level security/);
    });

    it("updating or deleting site B's rows affects 0 rows", async () => {
      const [updated, deleted] = await asA(async (trx) => {
        const u = await trx
          .withSchema(crm.schemaName)
          .updateTable('companies')
          .set({ name: 'Hijacked' })
          .where('site_id', '=', siteB)
          .executeTakeFirst();
        const d = await trx
          .withSchema(crm.schemaName)
          .deleteFrom('companies')
          .where('site_id', '=', siteB)
          .executeTakeFirst();
        return [u.numUpdatedRows, d.numDeletedRows];
      });
      expect([updated, deleted]).toEqual([0n, 0n]);
      const b = await db
        .withSchema(crm.schemaName)
        .selectFrom('companies')
        .select('name')
        .where('site_id', '=', siteB)
        .execute();
      expect(b).toEqual([{ name: 'Bolt B' }]);
    });

    it("moving one of A's rows to site B fails with 42501", async () => {
      const error = await rejectionOf(
        asA((trx) =>
          trx
            .withSchema(crm.schemaName)
            .updateTable('companies')
            .set({ site_id: siteB })
            .where('site_id', '=', siteA)
            .execute(),
        ),
      );
      expect(error.code).toBe('42501');
    });

    it("a user who is not a member of site A's agency sees nothing of A", async () => {
      const rows = await asModule(db, crm.role, { sub: userB, site_id: siteA }, (trx) =>
        trx.withSchema(crm.schemaName).selectFrom('companies').selectAll().execute(),
      );
      expect(rows).toEqual([]);
    });
  });

  describe('5. foreign keys work across schemas (module table -> public.sites)', () => {
    it('a site_id that is no site fails with 23503', async () => {
      // As the platform user: RLS is not what refuses it, the foreign key is.
      const error = await rejectionOf(
        db
          .withSchema(crm.schemaName)
          .insertInto('companies')
          .values({ site_id: randomUUID(), name: 'Nowhere' })
          .execute(),
      );
      expect(error.code).toBe('23503');
      expect(error.message).toContain('fk_companies_site_id');
    });

    it('deleting a site cascades to its module rows and installations', async () => {
      const agency = await tdb.factory.agency();
      const site = await tdb.factory.site(agency);
      await installModuleForSite(db, crm.moduleId, site, {
        seedRows: {
          companies: [{ name: 'Doomed' }],
          contacts: [{ first_name: 'D', last_name: 'Oomed' }],
        },
      });
      const count = async () => {
        const { rows } = await sql<{ n: number }>`
          select (select count(*) from ${sql.id(crm.schemaName, 'companies')} where site_id = ${site}::uuid)
               + (select count(*) from ${sql.id(crm.schemaName, 'contacts')} where site_id = ${site}::uuid)
               + (select count(*) from public.module_site_installations where site_id = ${site}::uuid) as n`.execute(
          db,
        );
        return Number(rows[0]?.n);
      };
      expect(await count()).toBe(3);
      await db.deleteFrom('sites').where('id', '=', site).execute();
      expect(await count()).toBe(0);
    });

    it("same-module foreign keys include site_id: a row cannot point at another site's row", async () => {
      const companyB = await db
        .withSchema(crm.schemaName)
        .selectFrom('companies')
        .select('id')
        .where('site_id', '=', siteB)
        .executeTakeFirstOrThrow();
      const error = await rejectionOf(
        db
          .withSchema(crm.schemaName)
          .insertInto('contacts')
          .values({ site_id: siteA, first_name: 'X', last_name: 'Y', company_id: companyB.id })
          .execute(),
      );
      expect(error.code).toBe('23503');
    });
  });

  it('6. the module can create, read, update and delete its own data', async () => {
    const result = await asA(async (trx) => {
      const t = trx.withSchema(crm.schemaName);
      const contact = await t
        .insertInto('contacts')
        .values({
          site_id: siteA,
          first_name: 'Ada',
          last_name: 'Lovelace',
          email: 'ada@example.test',
          tags: ['vip'],
        })
        .returning(['id', 'status', 'lead_score'])
        .executeTakeFirstOrThrow();
      await t
        .insertInto('deals')
        .values({ site_id: siteA, title: 'Engine', amount: '1200.50', contact_id: contact.id })
        .execute();
      const updated = await t
        .updateTable('contacts')
        .set({ lead_score: 90 })
        .where('id', '=', contact.id)
        .returning(['lead_score'])
        .executeTakeFirstOrThrow();
      const read = await t
        .selectFrom('deals')
        .select(['title', 'amount'])
        .where('contact_id', '=', contact.id)
        .execute();
      // ON DELETE SET NULL (contact_id) keeps the deal.
      const deleted = await t
        .deleteFrom('contacts')
        .where('id', '=', contact.id)
        .executeTakeFirst();
      const orphanDeal = await t
        .selectFrom('deals')
        .select('contact_id')
        .where('title', '=', 'Engine')
        .executeTakeFirstOrThrow();
      return { contact, updated, read, deleted: deleted.numDeletedRows, orphanDeal };
    });
    expect(result.contact).toMatchObject({ status: 'lead', lead_score: 0 });
    expect(result.updated).toEqual({ lead_score: 90 });
    expect(result.read).toEqual([{ title: 'Engine', amount: '1200.50' }]);
    expect(result.deleted).toBe(1n);
    expect(result.orphanDeal).toEqual({ contact_id: null });
  });

  describe('7. other modules cannot access the data', () => {
    it("another module's role gets permission denied (42501) on this module's tables", async () => {
      const schemaTable = await rejectionOf(
        asModule(db, booking.role, { sub: userA, site_id: siteA }, (trx) =>
          trx.withSchema(crm.schemaName).selectFrom('companies').selectAll().execute(),
        ),
      );
      expect(schemaTable.code).toBe('42501');
      const prefixTable = await rejectionOf(
        asModule(db, crm.role, { sub: userA, site_id: siteA }, (trx) =>
          trx
            .withSchema('public')
            .selectFrom(`mod_${booking.shortId}_calendars`)
            .selectAll()
            .execute(),
        ),
      );
      expect(prefixTable.code).toBe('42501');
      expect(prefixTable.message).toMatch(/permission denied/);
    });

    it('the API roles authenticated and anon get 42501 too', async () => {
      for (const role of ['authenticated', 'anon'] as const) {
        for (const table of [
          sql.id(crm.schemaName, 'companies'),
          sql.id('public', `mod_${booking.shortId}_calendars`),
        ]) {
          const error = await rejectionOf(
            asUser(db as Kysely<any>, { role, sub: userA, site_id: siteA }, (trx) =>
              sql`select * from ${table}`.execute(trx),
            ),
          );
          expect(error.code).toBe('42501');
        }
      }
    });
  });

  it('8. cleanup on uninstall leaves nothing in the catalog', async () => {
    const module = withFreshModuleId(crmModule);
    const shortId = module.moduleId.slice(0, 8);
    const withoutEvents = (s: string[]) =>
      onlyModules(s, [shortId]).filter((l) => !l.startsWith('event '));
    const before = withoutEvents(await moduleCatalogSnapshot(db));
    const provisioned = await provisionModuleDatabase(db, module);
    await installModuleForSite(db, provisioned.moduleId, siteA, {
      seedRows: { companies: [{ name: 'Temp' }] },
    });
    expect(withoutEvents(await moduleCatalogSnapshot(db))).not.toEqual(before);

    const purged = await uninstallModuleFromSite(db, provisioned.moduleId, siteA);
    expect(purged.deleted.companies).toBe(1);
    await deprovisionModuleDatabase(db, provisioned.moduleId);
    expect(withoutEvents(await moduleCatalogSnapshot(db))).toEqual(before);
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from pg_roles where rolname = ${provisioned.role})
           + (select count(*) from public.module_site_installations where module_short_id = ${shortId})
           + (select count(*) from public.module_database_versions where module_id = ${provisioned.moduleId}::uuid) as n`.execute(
      db,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('9. the registry tracks every object: registry tables == catalog tables, role and schema exist', async () => {
    for (const module of [crm, booking]) {
      const entry = await getModuleRegistryEntry(db, module.moduleId);
      expect(entry).toBeDefined();
      const { rows } = await sql<{ name: string }>`
        select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and (n.nspname = ${`mod_${module.shortId}`} or (n.nspname = 'public' and c.relname like ${`mod_${module.shortId}_%`}))
        order by 1`.execute(db);
      expect(rows.map((r) => r.name)).toEqual([...(entry?.qualifiedTables ?? [])].sort());
      expect(entry?.qualifiedTables).toEqual(module.tables);
      expect(entry?.roleName).toBe(module.role);
    }
    const report = await checkOrphans(db);
    const mine = (name: string) => name.includes(crm.shortId) || name.includes(booking.shortId);
    expect(report.orphanedObjects.filter((o) => mine(o.name))).toEqual([]);
    expect(report.missingObjects).toEqual([]);
  });
});
