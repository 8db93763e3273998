import { randomBytes, randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOrphans,
  deprovisionModuleDatabase,
  dropDueModules,
  getModuleRegistryEntry,
  getModuleStats,
  installModuleForSite,
  isModuleDbError,
  listModuleEvents,
  listModules,
  migratePlatform,
  provisionModuleDatabase,
  uninstallModuleFromSite,
} from '../src/index';
import { moduleCatalogSnapshot, onlyModules } from './catalog-snapshot';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';
import { asModule, rejectionOf } from './module-request';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let agency: string;
let user: string;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  agency = await tdb.factory.agency();
  user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
});
afterAll(() => tdb?.destroy());

const count = async (table: ReturnType<typeof sql.id>, siteId?: string) => {
  const where = siteId ? sql`where site_id = ${siteId}::uuid` : sql``;
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from ${table} ${where}`.execute(db);
  return rows[0]?.n;
};

describe('platform migration 4', () => {
  it('the API roles cannot execute platform functions (Supabase default privileges taken back)', async () => {
    const { rows } = await sql<{ fn: string; anon: boolean; auth: boolean; service: boolean }>`
      select p.oid::regprocedure::text as fn,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as auth,
             has_function_privilege('service_role', p.oid, 'execute') as service
      from pg_proc p where p.pronamespace = 'public'::regnamespace
        and (p.proname ~ '^dramac_' or p.proname in ('get_module_tables', 'module_schema_exists', 'get_module_storage_size'))
      order by 1`.execute(db);
    expect(rows.length).toBeGreaterThan(20);
    // HTTP-only platforms provision, upgrade, repair and remove modules, read their state and
    // mark sites public (for visitors),
    // through these entry points; nothing else is theirs.
    const entryPoints =
      /^(dramac_apply_module_(plan|upgrade|repair)|dramac_deprovision_module|dramac_drop_due_modules|dramac_read_module_state|dramac_set_site_public|get_module_tables|module_schema_exists|get_module_storage_size)\(/;
    for (const row of rows) {
      expect(row, row.fn).toMatchObject({ anon: false, auth: false });
      expect(row.service, row.fn).toBe(entryPoints.test(row.fn));
    }
  });

  it('every platform function pins its search_path with pg_temp last', async () => {
    const { rows } = await sql<{ fn: string; config: string | null }>`
      select p.oid::regprocedure::text as fn, array_to_string(p.proconfig, ',') as config
      from pg_proc p where p.pronamespace = 'public'::regnamespace
        and (p.proname ~ '^dramac_' or p.proname in ('get_module_tables', 'module_schema_exists', 'get_module_storage_size'))
      order by 1`.execute(db);
    for (const row of rows) {
      expect(
        row.config?.split(',').filter((c) => c.startsWith('search_path=')),
        row.fn,
      ).toEqual(['search_path=pg_catalog']);
      expect(row.config, row.fn).toContain('search_path=pg_catalog, pg_temp');
    }
  });

  it('the helper functions are STABLE, SECURITY DEFINER, with a pinned search_path', async () => {
    const { rows } = await sql<{
      proname: string;
      provolatile: string;
      prosecdef: boolean;
      config: string;
    }>`
      select proname, provolatile, prosecdef, array_to_string(proconfig, ',') as config from pg_proc
      where pronamespace = 'public'::regnamespace
        and proname in ('get_module_tables', 'module_schema_exists', 'get_module_storage_size') order by 1`.execute(
      db,
    );
    expect(rows).toEqual(
      ['get_module_storage_size', 'get_module_tables', 'module_schema_exists'].map((proname) => ({
        proname,
        provolatile: 's',
        prosecdef: true,
        config: 'search_path=pg_catalog, pg_temp',
      })),
    );
  });

  it('module_schema_exists answers only for module schema names; get_module_tables validates its input', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const { rows } = await sql<{ a: boolean; b: boolean; c: boolean }>`
      select public.module_schema_exists(${crm.schemaName}) as a, public.module_schema_exists('public') as b,
             public.module_schema_exists('mod_00000000') as c`.execute(db);
    expect(rows).toEqual([{ a: true, b: false, c: false }]);
    const error = await rejectionOf(
      sql`select * from public.get_module_tables('x"; drop table public.sites; --')`.execute(db),
    );
    expect(error.code).toBe('22023');
    const unknown = await sql`select * from public.get_module_tables('00000000', true)`.execute(db);
    expect(unknown.rows).toEqual([]);
  });
});

describe('installModuleForSite', () => {
  it('records the installation once (idempotent), logs site_installed once, seeds parents first', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    const companyId = randomUUID();
    const first = await installModuleForSite(db, crm.moduleId, site, {
      actor: 'test-suite',
      seedRows: {
        // Declared after contacts, which references it: inserted first all the same.
        contacts: [
          {
            first_name: 'Ada',
            last_name: 'L',
            company_id: companyId,
            custom_fields: { tier: [1, 2] },
          },
          { first_name: 'Bob', last_name: 'M', tags: ['a', 'b'], site_id: site },
        ],
        companies: [{ id: companyId, name: 'Acme' }],
      },
    });
    expect(first).toMatchObject({ status: 'installed', seeded: { companies: 1, contacts: 2 } });
    const again = await installModuleForSite(db, crm.moduleId, site, {
      seedRows: { companies: [{ name: 'Twice' }] },
    });
    expect(again).toMatchObject({ status: 'already_installed', seeded: {} });

    expect(await count(sql.id(crm.schemaName, 'companies'), site)).toBe(1);
    const ada = await db
      .withSchema(crm.schemaName)
      .selectFrom('contacts')
      .select(['custom_fields', 'company_id', 'tags'])
      .where('first_name', '=', 'Ada')
      .executeTakeFirstOrThrow();
    expect(ada).toEqual({ custom_fields: { tier: [1, 2] }, company_id: companyId, tags: [] });
    const installs = await db
      .selectFrom('module_site_installations' as any)
      .select(['status', 'module_id'])
      .where('site_id', '=', site)
      .execute();
    expect(installs).toEqual([{ status: 'active', module_id: crm.moduleId }]);
    const events = await listModuleEvents(db, crm.moduleId);
    expect(events.map((e) => e.event)).toEqual(['provisioned', 'site_installed']);
    expect(events[1]).toMatchObject({
      siteId: site,
      actor: 'test-suite',
      details: { seeded: { companies: 1, contacts: 2 } },
    });

    // Installed: the module (as its role, for a member of the agency) sees the seeded rows.
    const seen = await asModule(db, crm.role, { sub: user, site_id: site }, (trx) =>
      trx
        .withSchema(crm.schemaName)
        .selectFrom('contacts')
        .select('first_name')
        .orderBy('first_name')
        .execute(),
    );
    expect(seen).toEqual([{ first_name: 'Ada' }, { first_name: 'Bob' }]);
  });

  it('refuses bad seeds with every problem and its path, and writes nothing', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    const other = await tdb.factory.site(agency);
    const error = await rejectionOf(
      installModuleForSite(db, crm.moduleId, site, {
        seedRows: {
          companies: [
            { name: 'Ok' },
            { name: 'Bad', nope: 1 },
            { name: 'Elsewhere', site_id: other },
          ],
          invoices: [{ total: 1 }],
          'contacts; drop table x': [],
        },
      }),
    );
    expect(isModuleDbError(error)).toBe(true);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(
      error.issues.map((i: { path: string; code: string }) => `${i.path} ${i.code}`).sort(),
    ).toEqual([
      'seedRows.companies[1].nope unknown_column',
      'seedRows.companies[2].site_id site_mismatch',
      'seedRows.contacts; drop table x unknown_table',
      'seedRows.invoices unknown_table',
    ]);
    // A constraint PostgreSQL enforces: the whole install rolls back, installation included.
    const refused = await rejectionOf(
      installModuleForSite(db, crm.moduleId, site, {
        seedRows: { companies: [{ name: 'Ok' }, { name: 'Negative', employee_count: -1 }] },
      }),
    );
    expect(refused).toMatchObject({ code: 'PROVISIONING_FAILED', sqlstate: '23514' });
    expect(await count(sql.id(crm.schemaName, 'companies'))).toBe(0);
    expect(await count(sql.id('public', 'module_site_installations'), site)).toBe(0);
  });

  it('refuses an unknown module or site with NotFoundError, and ids that are not UUIDs', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    expect(await rejectionOf(installModuleForSite(db, randomUUID(), site))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await rejectionOf(installModuleForSite(db, crm.moduleId, randomUUID()))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await rejectionOf(installModuleForSite(db, 'crm', site))).toMatchObject({
      code: 'DEFINITION_INVALID',
      issues: [{ path: 'moduleId', code: 'invalid_module_id' }],
    });
    expect(await rejectionOf(installModuleForSite(db, crm.moduleId, "'; --"))).toMatchObject({
      issues: [{ path: 'siteId', code: 'invalid_site_id' }],
    });
  });

  it('a site where the module is not installed is refused, even for a member of its agency', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const installed = await tdb.factory.site(agency);
    const notInstalled = await tdb.factory.site(agency);
    await installModuleForSite(db, crm.moduleId, installed);
    // A row for the other site, written past RLS by the platform user.
    await db
      .withSchema(crm.schemaName)
      .insertInto('companies')
      .values({ site_id: notInstalled, name: 'Hidden' })
      .execute();

    const claims = { sub: user, site_id: notInstalled };
    const rows = await asModule(db, crm.role, claims, (trx) =>
      trx.withSchema(crm.schemaName).selectFrom('companies').selectAll().execute(),
    );
    expect(rows).toEqual([]);
    const insert = await rejectionOf(
      asModule(db, crm.role, claims, (trx) =>
        trx
          .withSchema(crm.schemaName)
          .insertInto('companies')
          .values({ site_id: notInstalled, name: 'No' })
          .execute(),
      ),
    );
    expect(insert.code).toBe('42501');
    // The same user on the installed site of the same agency is allowed.
    await asModule(db, crm.role, { sub: user, site_id: installed }, (trx) =>
      trx
        .withSchema(crm.schemaName)
        .insertInto('companies')
        .values({ site_id: installed, name: 'Yes' })
        .execute(),
    );
  });
});

describe('uninstallModuleFromSite', () => {
  it('exports the site rows, deletes them child-first, leaves other sites alone, logs site_purged', async () => {
    const shop = await provisionModuleDatabase(db, withFreshModuleId(shopModule));
    const siteA = await tdb.factory.site(agency);
    const siteB = await tdb.factory.site(agency);
    // Primary keys are per table, not per site: each site gets its own ids.
    const seed = (site: string) => {
      const customer = randomUUID();
      const product = randomUUID();
      return {
        customers: [{ id: customer, email: `c@${site}.test`, full_name: 'Cee' }],
        products: [
          {
            id: product,
            sku: 'SKU-1',
            name: 'Widget',
            price: '19.99',
            attributes: { colour: 'red' },
          },
          { sku: 'SKU-2', name: 'Gadget', price: '5.00', stock: 3 },
        ],
        orders: [{ customer_id: customer, total: '19.99' }],
        cart_items: [{ customer_id: customer, product_id: product, quantity: 2 }],
      };
    };
    await installModuleForSite(db, shop.moduleId, siteA, { seedRows: seed(siteA) });
    await installModuleForSite(db, shop.moduleId, siteB, { seedRows: seed(siteB) });

    const tableOf = (name: string) => sql.id('public', `mod_${shop.shortId}_${name}`);
    // What is stored, as PostgreSQL renders it; numeric columns as text, as the export keeps them.
    const numeric: Record<string, string> = { products: 'price', orders: 'total' };
    const snapshot = async (site: string) => {
      const out: Record<string, unknown[]> = {};
      for (const name of ['customers', 'products', 'orders', 'cart_items']) {
        const col = numeric[name];
        const asText = col
          ? sql`|| jsonb_build_object(${col}::text, ${sql.ref(`t.${col}`)}::text)`
          : sql``;
        const { rows } = await sql<{ row: unknown }>`
          select to_jsonb(t) ${asText} as row from ${tableOf(name)} t
          where site_id = ${site}::uuid order by id`.execute(db);
        out[name] = rows.map((r) => r.row);
      }
      return out;
    };
    const beforeA = await snapshot(siteA);
    const beforeB = await snapshot(siteB);

    const result = await uninstallModuleFromSite(db, shop.moduleId, siteA, {
      export: true,
      actor: 'admin',
    });
    expect(result.wasInstalled).toBe(true);
    expect(result.deleted).toEqual({ cart_items: 1, orders: 1, products: 2, customers: 1 });
    // Children first, so a RESTRICT key could not have stopped it.
    expect(Object.keys(result.deleted)).toEqual(['cart_items', 'orders', 'products', 'customers']);
    expect(result.exported).toEqual(beforeA);
    // JSON-safe and lossless: numeric as text, JSON round-trips.
    expect(JSON.parse(JSON.stringify(result.exported))).toEqual(result.exported);
    expect((result.exported?.products ?? []).map((p) => p.price).sort()).toEqual(['19.99', '5.00']);

    expect(await snapshot(siteA)).toEqual({
      customers: [],
      products: [],
      orders: [],
      cart_items: [],
    });
    expect(await snapshot(siteB)).toEqual(beforeB);
    const installs = await sql<{ site_id: string }>`
      select site_id from public.module_site_installations where module_short_id = ${shop.shortId}`.execute(
      db,
    );
    expect(installs.rows).toEqual([{ site_id: siteB }]);
    const events = await listModuleEvents(db, shop.moduleId);
    expect(events.at(-1)).toMatchObject({
      event: 'site_purged',
      siteId: siteA,
      actor: 'admin',
      details: { deleted: result.deleted, exported: true, wasInstalled: true },
    });

    // The module can no longer reach site A, even for a member of its agency.
    const error = await rejectionOf(
      asModule(db, shop.role, { sub: user, site_id: siteA }, (trx) =>
        trx
          .withSchema('public')
          .insertInto(`mod_${shop.shortId}_customers`)
          .values({ site_id: siteA, email: 'x@y.z', full_name: 'X' })
          .execute(),
      ),
    );
    expect(error.code).toBe('42501');

    // Again: nothing left to delete, nothing installed.
    const again = await uninstallModuleFromSite(db, shop.moduleId, siteA);
    expect(again).toMatchObject({ wasInstalled: false, deleted: { customers: 0 } });
    expect(again.exported).toBeUndefined();
  });

  it('deletes children first where a foreign key is NO ACTION (CRM activities -> contacts cascade, deals set null)', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    const contact = randomUUID();
    const deal = randomUUID();
    await installModuleForSite(db, crm.moduleId, site, {
      seedRows: {
        contacts: [{ id: contact, first_name: 'A', last_name: 'B' }],
        deals: [{ id: deal, title: 'D', contact_id: contact, stage: 'deleted' }],
        activities: [{ contact_id: contact, deal_id: deal, kind: 'call', payload: [1, { x: 2 }] }],
      },
    });
    const result = await uninstallModuleFromSite(db, crm.moduleId, site, { export: true });
    expect(result.deleted).toEqual({ activities: 1, deals: 1, companies: 0, contacts: 1 });
    // Exported as stored: the soft-deleted deal (hidden from the module by its restrictive policy) too.
    expect(result.exported?.deals).toMatchObject([{ id: deal, stage: 'deleted', amount: '0.00' }]);
    expect(result.exported?.activities).toMatchObject([{ payload: [1, { x: 2 }] }]);
  });

  it('purges a widget site from module_data only', async () => {
    const widget = await provisionModuleDatabase(db, withFreshModuleId(widgetModule));
    const other = await provisionModuleDatabase(db, withFreshModuleId(widgetModule));
    const siteA = await tdb.factory.site(agency);
    const siteB = await tdb.factory.site(agency);
    const seedRows = {
      testimonials: [
        { key: 't1', value: { text: 'Great' } },
        { key: 't2', value: [1] },
      ],
    };
    await installModuleForSite(db, widget.moduleId, siteA, { seedRows });
    await installModuleForSite(db, widget.moduleId, siteB, { seedRows });
    await installModuleForSite(db, other.moduleId, siteA, { seedRows });
    const seen = await asModule(db, widget.role, { sub: user, site_id: siteA }, (trx) =>
      trx
        .withSchema('public')
        .selectFrom('module_data')
        .select(['key', 'value'])
        .orderBy('key')
        .execute(),
    );
    expect(seen).toEqual([
      { key: 't1', value: { text: 'Great' } },
      { key: 't2', value: [1] },
    ]);

    const result = await uninstallModuleFromSite(db, widget.moduleId, siteA, { export: true });
    expect(result.deleted).toEqual({ module_data: 2 });
    expect(result.exported?.module_data).toMatchObject([
      { collection: 'testimonials', key: 't1', value: { text: 'Great' }, site_id: siteA },
      { collection: 'testimonials', key: 't2', value: [1] },
    ]);
    const { rows } = await sql<{ module_short_id: string; site_id: string; n: number }>`
      select module_short_id, site_id, count(*)::int as n from public.module_data
      where module_short_id in (${widget.shortId}, ${other.shortId}) group by 1, 2 order by 1, 2`.execute(
      db,
    );
    expect(rows).toEqual(
      [
        { module_short_id: widget.shortId, site_id: siteB, n: 2 },
        { module_short_id: other.shortId, site_id: siteA, n: 2 },
      ].sort((a, b) => (a.module_short_id < b.module_short_id ? -1 : 1)),
    );
  });

  it('refuses a connection that is subject to row-level security instead of deleting nothing', async () => {
    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    await installModuleForSite(db, crm.moduleId, site, {
      seedRows: { companies: [{ name: 'Kept' }] },
    });
    const error = await rejectionOf(
      db.transaction().execute(async (trx) => {
        await sql`set local role authenticated`.execute(trx);
        return uninstallModuleFromSite(trx, crm.moduleId, site);
      }),
    );
    expect(error.code).toBe('ACCESS_DENIED');
    expect(await count(sql.id(crm.schemaName, 'companies'), site)).toBe(1);
  });
});

describe('deprovisionModuleDatabase', () => {
  it.each([
    ['schema strategy', crmModule],
    ['prefix strategy', bookingModule],
    ['shared strategy', widgetModule],
  ])(
    'drop mode (%s) leaves nothing: role, tables, registry, installations, module_data, versions',
    async (_label, fixture) => {
      const module = withFreshModuleId(fixture);
      const shortId = module.moduleId.slice(0, 8);
      const mine = (s: string[]) =>
        onlyModules(s, [shortId]).filter((l) => !l.startsWith('event '));
      const before = mine(await moduleCatalogSnapshot(db));
      const p = await provisionModuleDatabase(db, module);
      const site = await tdb.factory.site(agency);
      const seedRows: Record<string, Record<string, unknown>[]> =
        p.strategy === 'shared'
          ? { notes: [{ key: 'k', value: 1 }] }
          : p.strategy === 'schema'
            ? { companies: [{ name: 'C' }] }
            : { calendars: [{ name: 'Cal' }] };
      await installModuleForSite(db, p.moduleId, site, { seedRows });

      const result = await deprovisionModuleDatabase(db, p.moduleId, { actor: 'admin' });
      expect(result).toMatchObject({
        status: 'dropped',
        moduleId: p.moduleId,
        strategy: p.strategy,
        schemaDropped: p.strategy === 'schema',
        tables: p.tables,
        missingTables: [],
        role: p.role,
        roleDropped: true,
        adminRole: p.strategy === 'shared' ? null : `modadmin_${shortId}`,
        adminRoleDropped: p.strategy !== 'shared',
        moduleDataRows: p.strategy === 'shared' ? 1 : 0,
        installations: 1,
      });
      expect(mine(await moduleCatalogSnapshot(db))).toEqual(before);
      const { rows } = await sql<Record<string, number>>`
      select (select count(*)::int from pg_roles where rolname in (${p.role}, ${`modadmin_${shortId}`})) as roles,
             (select count(*)::int from public.module_database_registry where module_id = ${p.moduleId}::uuid) as registry,
             (select count(*)::int from public.module_database_versions where module_id = ${p.moduleId}::uuid) as versions,
             (select count(*)::int from public.module_site_installations where module_short_id = ${shortId}) as installations,
             (select count(*)::int from public.module_data where module_short_id = ${shortId}) as module_data`.execute(
        db,
      );
      expect(rows[0]).toEqual({
        roles: 0,
        registry: 0,
        versions: 0,
        installations: 0,
        module_data: 0,
      });
      const events = await listModuleEvents(db, p.moduleId);
      expect(events.map((e) => e.event)).toEqual([
        'provisioned',
        'site_installed',
        'deprovisioned',
      ]);
      expect(events.at(-1)).toMatchObject({
        actor: 'admin',
        details: { roleDropped: true, installations: 1 },
      });
      expect(await getModuleRegistryEntry(db, p.moduleId)).toBeUndefined();

      // The same module can be provisioned again afterwards (no leftover version row or role).
      const again = await provisionModuleDatabase(db, module);
      expect(again.status).toBe('created');
      await deprovisionModuleDatabase(db, p.moduleId);
    },
  );

  it('a module that is not provisioned is a NotFoundError; a bad interval a DefinitionValidationError', async () => {
    expect(await rejectionOf(deprovisionModuleDatabase(db, randomUUID()))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const p = await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
    for (const retainFor of ['soon', '-1 day']) {
      const error = await rejectionOf(
        deprovisionModuleDatabase(db, p.moduleId, { mode: 'retain', retainFor }),
      );
      expect(error).toMatchObject({ code: 'DEFINITION_INVALID', issues: [{ path: 'retainFor' }] });
    }
    expect((await getModuleRegistryEntry(db, p.moduleId))?.status).toBe('active');
    await deprovisionModuleDatabase(db, p.moduleId);
  });

  it.each([
    // Before anything is dropped, the dependency check names what outside the module depends on
    // it (DROP TABLE would refuse; DROP SCHEMA ... CASCADE would take the view with it).
    ['prefix', bookingModule, 'calendars', 'DM004'],
    ['schema', crmModule, 'contacts', 'DM004'],
  ] as const)(
    '%s strategy: refuses to drop what an outside object depends on, changes nothing',
    async (_label, fixture, table, sqlstate) => {
      const p = await provisionModuleDatabase(db, withFreshModuleId(fixture));
      const view = sql.id('public', `v_${randomBytes(4).toString('hex')}`);
      const target =
        p.strategy === 'schema'
          ? sql.id(p.schemaName, table)
          : sql.id('public', `mod_${p.shortId}_${table}`);
      await sql`create view ${view} as select id from ${target}`.execute(db);
      const before = await moduleCatalogSnapshot(db);
      const error = await rejectionOf(deprovisionModuleDatabase(db, p.moduleId));
      expect(error).toMatchObject({ code: 'PROVISIONING_FAILED', sqlstate });
      expect((error as Error).message).toContain('view public.v_');
      expect(await moduleCatalogSnapshot(db)).toEqual(before);
      await sql`drop view ${view}`.execute(db);
      await deprovisionModuleDatabase(db, p.moduleId);
    },
  );

  it('retain mode revokes access at once; dropDueModules drops it once due', async () => {
    const p = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const site = await tdb.factory.site(agency);
    await installModuleForSite(db, p.moduleId, site, {
      seedRows: { companies: [{ name: 'Kept' }] },
    });
    const claims = { sub: user, site_id: site };
    const read = () =>
      asModule(db, p.role, claims, (trx) =>
        trx.withSchema(p.schemaName).selectFrom('companies').select('name').execute(),
      );
    expect(await read()).toEqual([{ name: 'Kept' }]);

    const retained = await deprovisionModuleDatabase(db, p.moduleId, {
      mode: 'retain',
      retainFor: '1 hour',
      actor: 'admin',
    });
    expect(retained).toMatchObject({ status: 'deprecated', tables: p.tables, installations: 1 });
    if (retained.status !== 'deprecated') throw new Error('unreachable');
    expect(new Date(retained.dropAfter).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await rejectionOf(read())).code).toBe('42501');
    const entry = await getModuleRegistryEntry(db, p.moduleId);
    expect(entry).toMatchObject({ status: 'deprecated', dropAfter: retained.dropAfter });
    // The data is kept, the installation suspended, new installs refused.
    expect(await count(sql.id(p.schemaName, 'companies'))).toBe(1);
    const installs = await sql<{ status: string }>`
      select status from public.module_site_installations where module_short_id = ${p.shortId}`.execute(
      db,
    );
    expect(installs.rows).toEqual([{ status: 'uninstalling' }]);
    expect(
      await rejectionOf(installModuleForSite(db, p.moduleId, await tdb.factory.site(agency))),
    ).toMatchObject({
      code: 'CONFLICT',
    });

    // Not due yet: nothing dropped.
    expect((await dropDueModules(db)).filter((d) => d.moduleId === p.moduleId)).toEqual([]);
    await sql`update public.module_database_registry set drop_after = now() - interval '1 second'
              where module_id = ${p.moduleId}::uuid`.execute(db);
    const dropped = await dropDueModules(db, { actor: 'scheduler' });
    expect(dropped.filter((d) => d.moduleId === p.moduleId)).toEqual([
      expect.objectContaining({
        status: 'dropped',
        schemaDropped: true,
        roleDropped: true,
        installations: 1,
      }),
    ]);
    expect(await getModuleRegistryEntry(db, p.moduleId)).toBeUndefined();
    const events = await listModuleEvents(db, p.moduleId);
    expect(events.map((e) => [e.event, e.actor])).toEqual([
      ['provisioned', null],
      ['site_installed', null],
      ['deprecated', 'admin'],
      ['deprovisioned', 'scheduler'],
    ]);
    expect(await dropDueModules(db)).toEqual([]);
  });

  it("retain with '0 seconds' is due at once", async () => {
    const p = await provisionModuleDatabase(db, withFreshModuleId(widgetModule));
    await deprovisionModuleDatabase(db, p.moduleId, { mode: 'retain', retainFor: '0 seconds' });
    const { rows } = await sql<{ ok: boolean }>`
      select has_table_privilege(${p.role}, 'public.module_data', 'select') as ok`.execute(db);
    expect(rows).toEqual([{ ok: false }]);
    const dropped = await dropDueModules(db);
    expect(dropped.map((d) => d.moduleId)).toEqual([p.moduleId]);
  });
});

describe('checkOrphans', () => {
  it('finds a hand-made module schema, a stray module role, and a registry table dropped by hand', async () => {
    const p = await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
    const strayShort = randomBytes(4).toString('hex');
    await sql`create schema ${sql.id(`mod_${strayShort}`)}`.execute(db);
    await sql`create table ${sql.id(`mod_${strayShort}`, 'loot')} (id int)`.execute(db);
    await sql`create table ${sql.id('public', `mod_${strayShort}_things`)} (id int)`.execute(db);
    await sql`create role ${sql.id(`modrole_${strayShort}`)} nologin`.execute(db);
    await sql`drop table ${sql.id('public', `mod_${p.shortId}_availability`)}`.execute(db);
    try {
      const report = await checkOrphans(db);
      expect(report.orphanedObjects).toEqual(
        expect.arrayContaining([
          { kind: 'schema', name: `mod_${strayShort}` },
          { kind: 'relation', name: `mod_${strayShort}.loot` },
          { kind: 'relation', name: `public.mod_${strayShort}_things` },
          { kind: 'role', name: `modrole_${strayShort}` },
        ]),
      );
      expect(report.orphanedObjects.filter((o) => o.name.includes(p.shortId))).toEqual([]);
      expect(report.missingObjects).toEqual([
        { kind: 'relation', name: `public.mod_${p.shortId}_availability`, moduleId: p.moduleId },
      ]);
      // Deprovisioning still works and says what was already gone.
      const result = await deprovisionModuleDatabase(db, p.moduleId);
      expect(result).toMatchObject({ missingTables: [`public.mod_${p.shortId}_availability`] });
      expect((await checkOrphans(db)).missingObjects).toEqual([]);
    } finally {
      await sql`drop schema ${sql.id(`mod_${strayShort}`)} cascade`.execute(db);
      await sql`drop table ${sql.id('public', `mod_${strayShort}_things`)}`.execute(db);
      await sql`drop role ${sql.id(`modrole_${strayShort}`)}`.execute(db);
    }
  });

  it('reports a registry row whose role and schema are gone', async () => {
    const p = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    await sql`drop schema ${sql.id(p.schemaName)} cascade`.execute(db);
    const roles = sql.join([
      sql.id(p.role),
      sql.id(`modadmin_${p.shortId}`),
      sql.id(`modowner_${p.shortId}`),
    ]);
    // The module's roles hold nothing once the schema is gone (their shared rights come through
    // group memberships, which DROP ROLE removes).
    await sql`drop role ${roles}`.execute(db);
    const report = await checkOrphans(db);
    expect(
      report.missingObjects
        .filter((m) => m.moduleId === p.moduleId)
        .map((m) => `${m.kind} ${m.name}`),
    ).toEqual([
      ...p.tables.map((t) => `relation ${t}`).sort(),
      `role modadmin_${p.shortId}`,
      `role modowner_${p.shortId}`,
      `role ${p.role}`,
      `schema ${p.schemaName}`,
    ]);
    // Deprovisioning a module whose objects are gone still clears the registry.
    await expect(deprovisionModuleDatabase(db, p.moduleId)).resolves.toMatchObject({
      schemaDropped: false,
      roleDropped: false,
      tables: [],
    });
  });
});

describe('getModuleStats, listModules, listModuleEvents', () => {
  it('exact counts vs estimated ones (after ANALYZE), bytes, both strategies', async () => {
    const booking = await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
    const site = await tdb.factory.site(agency);
    const calendars = Array.from({ length: 25 }, (_, i) => ({ name: `Cal ${i}` }));
    await installModuleForSite(db, booking.moduleId, site, { seedRows: { calendars } });

    const exact = await getModuleStats(db, booking.moduleId, { exact: true });
    expect(exact).toMatchObject({
      moduleId: booking.moduleId,
      shortId: booking.shortId,
      strategy: 'prefix',
    });
    expect(exact.tables.map((t) => [t.name, t.qualified, t.rowCount, t.estimated])).toEqual([
      ['calendars', `public.mod_${booking.shortId}_calendars`, 25, false],
      ['resources', `public.mod_${booking.shortId}_resources`, 0, false],
      ['appointments', `public.mod_${booking.shortId}_appointments`, 0, false],
      ['availability', `public.mod_${booking.shortId}_availability`, 0, false],
    ]);
    for (const t of exact.tables) expect(t.totalBytes).toBeGreaterThan(0);
    expect(exact.storageBytes).toBe(exact.tables.reduce((sum, t) => sum + t.totalBytes, 0));

    const estimated = await getModuleStats(db, booking.moduleId);
    expect(estimated.tables.every((t) => t.estimated)).toBe(true);
    await sql`analyze ${sql.id('public', `mod_${booking.shortId}_calendars`)}`.execute(db);
    const analyzed = await getModuleStats(db, booking.moduleId);
    expect(analyzed.tables[0]).toMatchObject({ name: 'calendars', rowCount: 25, estimated: true });

    const crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
    const crmStats = await getModuleStats(db, crm.moduleId, { exact: true });
    expect(crmStats.tables.map((t) => t.qualified)).toEqual(crm.tables);

    const widget = await provisionModuleDatabase(db, withFreshModuleId(widgetModule));
    await installModuleForSite(db, widget.moduleId, site, {
      seedRows: { faq: [{ key: 'a' }, { key: 'b' }] },
    });
    const widgetStats = await getModuleStats(db, widget.moduleId, { exact: true });
    expect(widgetStats.tables).toEqual([
      expect.objectContaining({
        name: 'module_data',
        qualified: 'public.module_data',
        rowCount: 2,
        estimated: false,
      }),
    ]);
    expect(await rejectionOf(getModuleStats(db, randomUUID()))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lists registry entries and events, typed and JSON-safe', async () => {
    const p = await provisionModuleDatabase(db, withFreshModuleId(shopModule), { actor: 'lister' });
    const modules = await listModules(db);
    const entry = modules.find((m) => m.moduleId === p.moduleId);
    expect(entry).toMatchObject({
      shortId: p.shortId,
      moduleType: 'integration',
      strategy: 'prefix',
      schemaName: null,
      roleName: p.role,
      tableNames: ['customers', 'products', 'orders', 'cart_items'],
      qualifiedTables: p.tables,
      version: '0.3.12',
      status: 'active',
      dropAfter: null,
      createdBy: 'lister',
    });
    expect(entry?.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
    expect(await getModuleRegistryEntry(db, p.moduleId.toUpperCase())).toEqual(entry);

    const all = await listModuleEvents(db);
    expect(all.some((e) => e.moduleId === p.moduleId && e.event === 'provisioned')).toBe(true);
    const limited = await listModuleEvents(db, undefined, { limit: 1 });
    expect(limited).toHaveLength(1);
    expect(limited[0]?.id).toBe(all.at(-1)?.id);
    expect(await rejectionOf(listModuleEvents(db, undefined, { limit: 0 }))).toMatchObject({
      code: 'DEFINITION_INVALID',
    });
  });
});
