import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyModulePlan,
  isModuleDbError,
  type ModulePlan,
  migratePlatform,
  planModuleDatabase,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '../src/index';
import { moduleCatalogSnapshot, onlyModules } from './catalog-snapshot';
import { bookingModule, crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

async function catchError(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('provisionModuleDatabase', () => {
  it('creates the schema, role, tables, RLS, policies and registry rows in one go', async () => {
    const module = withFreshModuleId(crmModule);
    const result = await provisionModuleDatabase(db, module, { actor: 'test-suite' });
    expect(result).toMatchObject({ success: true, status: 'created', strategy: 'schema' });
    expect(result.statementsApplied).toBeGreaterThan(30);
    const schema = result.schemaName;

    const tables = await sql<{ name: string; owner: string; rls: boolean; forced: boolean }>`
      select c.relname as name, pg_get_userbyid(c.relowner) as owner, c.relrowsecurity as rls, c.relforcerowsecurity as forced
      from pg_class c where c.relnamespace = ${schema}::regnamespace and c.relkind = 'r' order by 1`.execute(
      db,
    );
    expect(tables.rows).toEqual(
      ['activities', 'companies', 'contacts', 'deals'].map((name) => ({
        name,
        owner: `modowner_${result.shortId}`,
        rls: true,
        forced: true,
      })),
    );

    const role = await sql<{ rolcanlogin: boolean; rolsuper: boolean }>`
      select rolcanlogin, rolsuper from pg_roles where rolname = ${result.role}`.execute(db);
    expect(role.rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);

    // Structure: the site column, its foreign key to public.sites, and the site-leading key.
    const columns = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
      select column_name, data_type, is_nullable from information_schema.columns
      where table_schema = ${schema} and table_name = 'contacts' and column_name in ('id', 'site_id', 'email', 'lead_score')
      order by column_name`.execute(db);
    expect(columns.rows).toEqual([
      { column_name: 'email', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'id', data_type: 'uuid', is_nullable: 'NO' },
      { column_name: 'lead_score', data_type: 'integer', is_nullable: 'NO' },
      { column_name: 'site_id', data_type: 'uuid', is_nullable: 'NO' },
    ]);
    const fks = await sql<{ def: string }>`
      select pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = ${`${schema}.contacts`}::regclass and contype = 'f' order by 1`.execute(db);
    expect(fks.rows.map((r) => r.def).sort()).toEqual([
      'FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE',
      `FOREIGN KEY (site_id, company_id) REFERENCES ${schema}.companies(site_id, id) ON DELETE SET NULL (company_id)`,
    ]);
    const indexes = await sql<{ def: string }>`
      select indexdef as def from pg_indexes where schemaname = ${schema} and tablename = 'contacts' order by 1`.execute(
      db,
    );
    expect(indexes.rows.map((r) => r.def).join('\n')).toContain('(site_id, id)');

    // API roles have no privilege at all on module tables.
    const privileges = await sql<{ role: string; any: boolean }>`
      select r as role, has_table_privilege(r, ${`${schema}.contacts`}, 'select,insert,update,delete') as any
      from unnest(array['anon', 'authenticated', 'service_role', ${result.role}]) r`.execute(db);
    expect(privileges.rows).toEqual([
      { role: 'anon', any: false },
      { role: 'authenticated', any: false },
      { role: 'service_role', any: false },
      { role: result.role, any: true },
    ]);

    const registry = await sql<Record<string, unknown>>`
      select module_id, module_short_id, strategy, uses_schema, schema_name, role_name, table_names, version, status, created_by
      from public.module_database_registry where module_id = ${result.moduleId}`.execute(db);
    expect(registry.rows).toEqual([
      {
        module_id: result.moduleId,
        module_short_id: result.shortId,
        strategy: 'schema',
        uses_schema: true,
        schema_name: schema,
        role_name: result.role,
        table_names: ['contacts', 'companies', 'deals', 'activities'],
        version: '1.0.0',
        status: 'active',
        created_by: 'test-suite',
      },
    ]);
    const events = await sql<{ event: string }>`
      select event from public.module_database_events where module_id = ${result.moduleId}`.execute(
      db,
    );
    expect(events.rows).toEqual([{ event: 'provisioned' }]);
  });

  it('re-applying the same definition runs no DDL and says unchanged', async () => {
    const module = withFreshModuleId(bookingModule);
    const first = await provisionModuleDatabase(db, module);
    const before = await moduleCatalogSnapshot(db);
    // Same content, keys in another order: same checksum.
    const reordered = Object.fromEntries(Object.entries(module).reverse());
    const second = await provisionModuleDatabase(db, reordered);
    expect(first.status).toBe('created');
    expect(second).toMatchObject({ status: 'unchanged', statementsApplied: 0 });
    expect(await moduleCatalogSnapshot(db)).toEqual(before);
  });

  it('a different definition under the same version is refused (a change needs a new version)', async () => {
    const module = withFreshModuleId(bookingModule);
    await provisionModuleDatabase(db, module);
    const changed = { ...module, name: 'renamed' };
    const error = await catchError(provisionModuleDatabase(db, changed));
    expect(isModuleDbError(error)).toBe(true);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`installed at version ${module.version}`);
  });

  it('two concurrent provisions of one module: one applies, the other waits and reports unchanged', async () => {
    const module = withFreshModuleId(crmModule);
    const results = await Promise.all([
      provisionModuleDatabase(db, module),
      provisionModuleDatabase(db, module),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['created', 'unchanged']);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_namespace where nspname = ${results[0]?.schemaName}`.execute(
      db,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('a short-id collision is refused with both module ids named, and nothing changes', async () => {
    const first = withFreshModuleId(bookingModule);
    await provisionModuleDatabase(db, first);
    // Same first 8 hex digits, a different module.
    const twin = { ...first, moduleId: `${first.moduleId.slice(0, 8)}-${randomUUID().slice(9)}` };
    const before = await moduleCatalogSnapshot(db);
    const error = await catchError(provisionModuleDatabase(db, twin));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(first.moduleId);
    expect(error.message).toContain(twin.moduleId);
    expect(await moduleCatalogSnapshot(db)).toEqual(before);
  });

  it('a failure at any statement index leaves nothing behind', async () => {
    const definition = await validateModuleDefinition(withFreshModuleId(crmModule));
    const plan = planModuleDatabase(definition);
    const before = onlyModules(await moduleCatalogSnapshot(db), [plan.shortId]);
    let failures = 0;
    for (let i = 0; i < plan.statements.length; i++) {
      // Statements 0..i run, then one that PostgreSQL refuses (the table does not exist).
      const sabotaged: ModulePlan = {
        ...plan,
        statements: [
          ...plan.statements.slice(0, i + 1),
          {
            kind: 'grant',
            target: 'x',
            description: 'fails',
            sql: `grant select on table "public"."no_such_table" to "${plan.role}"`,
            parameters: [],
          },
        ],
      };
      const error = await catchError(applyModulePlan(db, sabotaged, definition));
      expect(error).toMatchObject({
        code: 'PROVISIONING_FAILED',
        sqlstate: '42P01',
        statementIndex: i + 1,
      });
      expect(error.statement).toContain('no_such_table');
      expect(onlyModules(await moduleCatalogSnapshot(db), [plan.shortId])).toEqual(before);
      failures++;
    }
    console.log(
      `[provision] failed at each of ${failures} statement indexes: nothing left behind each time`,
    );
    expect(failures).toBe(plan.statements.length);
  });
});

describe('dramac_apply_module_plan refuses plans that reach outside their module', () => {
  let victim: Awaited<ReturnType<typeof provisionModuleDatabase>>;
  beforeAll(async () => {
    victim = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
  });

  // The statements run as the module's owner role: PostgreSQL refuses what it may not touch
  // (42501), and what it may do but the plan does not describe is refused by the end-state
  // check (DM004). Nothing is taken from the SQL text.
  const hostile: Array<
    [string, (plan: ModulePlan, victimSchema: string, victimRole: string) => string, string]
  > = [
    [
      'a second statement after a semicolon',
      (p) => `create table "${p.schema}"."x" (a int); drop table public.sites`,
      '42501',
    ],
    ['a comment hiding the rest', (p) => `create table "${p.schema}"."x" (a int) -- `, 'DM004'],
    [
      'an escape-string literal',
      (p) => `create table "${p.schema}"."x" (a text default E'\\'')`,
      'DM004',
    ],
    [
      'a dollar-quoted body',
      (p) => `create table "${p.schema}"."x" (a text default $$x$$)`,
      'DM004',
    ],
    ['DROP of a platform table', () => 'drop table public.sites', '42501'],
    [
      'a table in another module schema',
      (_p, s) => `create table "${s}"."stolen" (a int)`,
      '42501',
    ],
    [
      'a grant to an API role',
      (p) => `grant select on table "${p.schema}"."contacts" to "anon"`,
      'DM004',
    ],
    [
      'a grant on another module table to itself',
      (p, s) => `grant select on table "${s}"."contacts" to "${p.role}"`,
      '42501',
    ],
    [
      'a permissive policy on another module table',
      (p, s) =>
        `create policy "open" on "${s}"."contacts" as permissive for all to "${p.role}" using (true)`,
      '42501',
    ],
    [
      'disabling RLS on a platform table',
      () => 'alter table "public"."sites" no force row level security',
      '42501',
    ],
    [
      'a copy of another module table',
      (p, s) => `create table "${p.schema}"."copy" as select * from "${s}"."contacts"`,
      '42501',
    ],
  ];

  it.each(hostile)('refuses %s', async (_label, statement, code) => {
    const definition = await validateModuleDefinition(withFreshModuleId(crmModule));
    const plan = planModuleDatabase(definition);
    const sqlText = statement(plan, victim.schemaName, victim.role);
    const kind = sqlText.startsWith('create table')
      ? 'create_table'
      : sqlText.startsWith('grant')
        ? 'grant'
        : sqlText.startsWith('create policy')
          ? 'create_policy'
          : sqlText.startsWith('alter table')
            ? 'enable_rls'
            : 'revoke';
    const before = onlyModules(await moduleCatalogSnapshot(db), [plan.shortId, victim.shortId]);
    const evil: ModulePlan = {
      ...plan,
      statements: [
        ...plan.statements,
        { kind, target: 'x', description: 'hostile', sql: sqlText, parameters: [] },
      ],
    };
    const error = await catchError(applyModulePlan(db, evil, definition));
    expect(error.sqlstate).toBe(code);
    expect(onlyModules(await moduleCatalogSnapshot(db), [plan.shortId, victim.shortId])).toEqual(
      before,
    );
  });
});
