import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleDataClient } from '../src/client';
import {
  installModuleForSite,
  migratePlatform,
  planModuleDatabase,
  planModuleUpgrade,
  provisionModuleDatabase,
  readInstalledDefinition,
  renderUpgradePlan,
  validateModuleDefinition,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { moduleCatalogSnapshot, onlyModules } from './catalog-snapshot';
import { crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let site: string;
let user: string;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agency = await tdb.factory.agency();
  site = await tdb.factory.site(agency);
  user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
});
afterAll(() => tdb?.destroy());

type Def = typeof crmModule;
function edit(def: Def, version: string, fn: (tables: any[]) => void, migrations?: unknown[]) {
  const copy = JSON.parse(JSON.stringify(def));
  fn(copy.tables);
  return { ...copy, version, ...(migrations ? { migrations } : {}) };
}
const table = (tables: any[], name: string) => tables.find((t) => t.name === name);

async function installWithData() {
  const v1 = withFreshModuleId(crmModule);
  const result = await provisionModuleDatabase(db, v1);
  await installModuleForSite(db, v1.moduleId, site);
  const client = createModuleDataClient({
    definition: v1,
    siteId: site,
    userId: user,
    transport: createPostgresTransport(db),
  });
  const [company] = await client.insert('companies', { name: 'Acme', employee_count: 5 });
  await client.insert('contacts', [
    { first_name: 'Ada', last_name: 'Lovelace', phone: '123', company_id: company?.id as string },
    { first_name: 'Alan', last_name: 'Turing' },
  ]);
  await client.insert('deals', { title: 'Big', amount: 10 });
  return { v1, result };
}

/** Index and constraint names in the catalog for the module vs. a fresh install of `def`. */
async function namesMatchFreshInstall(def: unknown) {
  const plan = planModuleDatabase(await validateModuleDefinition(def));
  const expected = plan.desired.tables
    .flatMap((t) => [
      ...t.constraints.map((c) => `${t.schema}.${t.name}:${c.name}`),
      ...t.indexes
        .filter((i) => i.constraint === null)
        .map((i) => `${t.schema}.${t.name}:${i.name}`),
    ])
    .sort();
  const { rows } = await sql<{ name: string }>`
    select n.nspname || '.' || c.relname || ':' || k.conname as name from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where (n.nspname || '.' || c.relname) = any(${plan.tables}::text[])
    union
    select i.schemaname || '.' || i.tablename || ':' || i.indexname from pg_indexes i
    where (i.schemaname || '.' || i.tablename) = any(${plan.tables}::text[])
      and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`.execute(db);
  return { actual: rows.map((r) => r.name).sort(), expected };
}

describe('upgrades', () => {
  it('applies additive changes automatically and keeps the data', async () => {
    const { v1 } = await installWithData();
    const v2 = edit(v1 as Def, '1.1.0', (tables) => {
      tables.push({ name: 'notes', columns: [{ name: 'body', type: 'text' }] });
      table(tables, 'contacts').columns.push(
        { name: 'website', type: 'text', nullable: true },
        { name: 'priority', type: 'integer', default: '0' },
      );
      table(tables, 'contacts').indexes.push({ columns: ['website'] });
      const deals = table(tables, 'deals');
      deals.columns.find((c: any) => c.name === 'title').nullable = true;
      const companies = table(tables, 'companies');
      delete companies.columns.find((c: any) => c.name === 'employee_count').check;
      deals.rlsPolicies = [
        ...(deals.rlsPolicies ?? []),
        { name: 'no_lost', action: 'SELECT', using: "stage <> 'lost'" },
      ];
    });
    const installed = await readInstalledDefinition(db, v1.moduleId);
    const upgrade = planModuleUpgrade(
      (installed as NonNullable<typeof installed>).definition,
      await validateModuleDefinition(v2),
    );
    expect(upgrade.refused).toEqual([]);
    expect(new Set(upgrade.changes.map((c) => c.class))).toEqual(new Set(['additive']));
    console.log(
      `[upgrade] additive plan:\n${renderUpgradePlan(upgrade)
        .split('\n')
        .filter((l) => l.startsWith('--   '))
        .join('\n')}`,
    );

    const result = await provisionModuleDatabase(db, v2, { actor: 'tester' });
    expect(result).toMatchObject({ status: 'upgraded', version: '1.1.0' });
    const client = createModuleDataClient({
      definition: v2,
      siteId: site,
      userId: user,
      transport: createPostgresTransport(db),
    });
    expect(await client.count('contacts')).toBe(2);
    expect((await client.select('contacts', { where: { first_name: 'Ada' } }))[0]).toMatchObject({
      website: null,
      priority: 0,
      phone: '123',
    });
    await client.insert('notes', { body: 'new table works' });
    await client.update('companies', { employee_count: -1 }, { name: 'Acme' }); // check relaxed
    expect(await namesMatchFreshInstall(v2)).toMatchObject({
      actual: (await namesMatchFreshInstall(v2)).expected,
    });

    const history = await sql<{ version: string; applied_by: string | null }>`
      select version, applied_by from public.module_database_versions where module_id = ${v1.moduleId} order by applied_at`.execute(
      db,
    );
    expect(history.rows).toEqual([
      { version: '1.0.0', applied_by: null },
      { version: '1.1.0', applied_by: 'tester' },
    ]);
    const again = await provisionModuleDatabase(db, v2);
    expect(again.status).toBe('unchanged');
  });

  it('refuses undeclared destructive changes, listing each, and changes nothing', async () => {
    const { v1 } = await installWithData();
    const v2 = edit(v1 as Def, '2.0.0', (tables) => {
      const contacts = table(tables, 'contacts');
      contacts.columns = contacts.columns.filter((c: any) => c.name !== 'phone'); // drop
      contacts.columns.find((c: any) => c.name === 'lead_score').type = 'bigint'; // type change
      contacts.columns.push({ name: 'source', type: 'text' }); // NOT NULL, no default
      contacts.columns.find((c: any) => c.name === 'email').nullable = false; // new NOT NULL
      const idx = tables.findIndex((t) => t.name === 'activities');
      tables.splice(idx, 1); // drop table
    });
    const before = onlyModules(await moduleCatalogSnapshot(db), [v1.moduleId.slice(0, 8)]);
    const error = await provisionModuleDatabase(db, v2).catch((e: unknown) => e as any);
    expect(error.code).toBe('UPGRADE_REFUSED');
    expect(
      error.changes.map((c: any) => `${c.kind}:${c.table}${c.object ? `.${c.object}` : ''}`).sort(),
    ).toEqual(
      [
        'add_column:contacts.source',
        'alter_type:contacts.lead_score',
        'drop_column:contacts.phone',
        'drop_table:activities',
        'set_not_null:contacts.email',
      ].sort(),
    );
    expect(onlyModules(await moduleCatalogSnapshot(db), [v1.moduleId.slice(0, 8)])).toEqual(before);
  });

  it('applies declared steps: renames, drops, type changes and backfills, with names as a fresh install', async () => {
    const { v1 } = await installWithData();
    const v2 = edit(
      v1 as Def,
      '2.0.0',
      (tables) => {
        const contacts = table(tables, 'contacts');
        contacts.columns.find((c: any) => c.name === 'phone').name = 'phone_number';
        contacts.columns.find((c: any) => c.name === 'lead_score').type = 'bigint';
        contacts.columns = contacts.columns.filter((c: any) => c.name !== 'tags');
        contacts.indexes = contacts.indexes.filter((i: any) => !i.columns.includes('tags'));
        contacts.columns.push({ name: 'source', type: 'text' });
        contacts.indexes.push({ columns: ['phone_number'] });
        const deals = table(tables, 'deals');
        deals.name = 'opportunities';
        table(tables, 'activities').foreignKeys = table(tables, 'activities').foreignKeys.map(
          (fk: any) =>
            fk.references.table === 'deals'
              ? { ...fk, references: { ...fk.references, table: 'opportunities' } }
              : fk,
        );
      },
      [
        { kind: 'renameColumn', table: 'contacts', from: 'phone', to: 'phone_number' },
        { kind: 'alterType', table: 'contacts', column: 'lead_score', using: 'lead_score::bigint' },
        { kind: 'dropColumn', table: 'contacts', column: 'tags' },
        { kind: 'backfill', table: 'contacts', column: 'source', value: "'import'" },
        { kind: 'renameTable', from: 'deals', to: 'opportunities' },
      ],
    );
    const result = await provisionModuleDatabase(db, v2);
    expect(result.status).toBe('upgraded');
    const client = createModuleDataClient({
      definition: v2,
      siteId: site,
      userId: user,
      transport: createPostgresTransport(db),
    });
    const ada = (await client.select('contacts', { where: { first_name: 'Ada' } }))[0];
    expect(ada).toMatchObject({ phone_number: '123', source: 'import', lead_score: '0' }); // bigint reads as exact text
    expect(ada).not.toHaveProperty('tags');
    expect(await client.count('opportunities')).toBe(1);
    const names = await namesMatchFreshInstall(v2);
    expect(names.actual).toEqual(names.expected);
  });

  it('refuses a downgrade and a changed definition under the same version', async () => {
    const { v1 } = await installWithData();
    const older = { ...v1, version: '0.9.0' };
    await expect(provisionModuleDatabase(db, older)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('downgrade'),
    });
    const same = edit(v1 as Def, v1.version, (tables) => {
      table(tables, 'companies').columns.push({ name: 'x', type: 'text', nullable: true });
    });
    await expect(provisionModuleDatabase(db, same)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('needs a new version'),
    });
  });

  it('retries a lock timeout a bounded number of times', async () => {
    const { v1, result } = await installWithData();
    const v2 = edit(v1 as Def, '1.2.0', (tables) => {
      table(tables, 'companies').columns.push({ name: 'vat', type: 'text', nullable: true });
    });
    const holder = await (await import('@dramac/test-db')).connect(tdb.url, 1);
    try {
      const locked = holder.transaction().execute(async (trx) => {
        await sql`lock table ${sql.id(result.schemaName, 'companies')} in access exclusive mode`.execute(
          trx,
        );
        await new Promise((r) => setTimeout(r, 700));
      });
      await new Promise((r) => setTimeout(r, 50));
      const upgraded = await provisionModuleDatabase(db, v2, {
        lockTimeoutMs: 150,
        lockRetries: 5,
      });
      await locked;
      expect(upgraded.status).toBe('upgraded');
      const events = await sql<{ details: any }>`
        select details from public.module_database_events where module_id = ${v1.moduleId} and event = 'upgraded'`.execute(
        db,
      );
      expect(events.rows).toHaveLength(1);
    } finally {
      await holder.destroy();
    }
  });
});
