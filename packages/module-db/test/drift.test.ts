import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTypeName, normalizeCatalogTypeName } from '../src/drift/catalog-type-name';
import {
  ALLOWED_BASE_TYPES,
  type ColumnType,
  checkModuleDatabase,
  type DriftReport,
  deprovisionModuleDatabase,
  isModuleDbError,
  type ModulePlan,
  migratePlatform,
  planModuleDatabase,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '../src/index';
import { formatColumnType } from '../src/sql/column-type';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

/** Provisions a fresh copy of `module` and returns its plan (for physical names). */
async function provision(module: { moduleId: string }): Promise<ModulePlan> {
  const fresh = withFreshModuleId(module);
  await provisionModuleDatabase(db, fresh, { actor: 'drift-test' });
  return planModuleDatabase(await validateModuleDefinition(fresh));
}

/** `schema.table` of a logical table of the plan, as a Kysely identifier. */
function ref(plan: ModulePlan, logical: string): RawBuilder<unknown> {
  const [schema, table] = qualified(plan, logical).split('.') as [string, string];
  return sql.id(schema, table);
}

function qualified(plan: ModulePlan, logical: string): string {
  const found = plan.tables.find((t) =>
    t.endsWith(plan.strategy === 'schema' ? `.${logical}` : `_${logical}`),
  );
  if (!found) throw new Error(`no table ${logical} in the plan`);
  return found;
}

function objectName(plan: ModulePlan, logical: string, key: string): string {
  const table = plan.desired.tables.find((t) => t.key === logical);
  const found = table
    ? [...table.constraints, ...table.indexes, ...table.policies, ...table.triggers].find(
        (o) => o.key === key,
      )
    : undefined;
  if (!found) throw new Error(`no object ${key} on ${logical}`);
  return found.name;
}

async function check(label: string, plan: ModulePlan): Promise<DriftReport> {
  const report = await checkModuleDatabase(db, plan.moduleId);
  const summary = report.differences.map((d) => `${d.kind}(${d.object ?? d.table})`).join(', ');
  console.log(`[drift] ${label}: ${summary || 'no drift'}`);
  return report;
}

/** The report lists exactly one difference, of `kind`, on `table`/`object`. */
function expectOnly(
  report: DriftReport,
  expected: { kind: string; table: string; object?: string; expected?: string; actual?: string },
): void {
  expect(report.ok).toBe(false);
  expect(report.differences).toEqual([expect.objectContaining(expected)]);
  expect(report.differences[0]?.message).toMatch(/\S/);
}

describe('catalogTypeName matches format_type for every allowed type', () => {
  const withArgs: Partial<Record<ColumnType['base'], number[][]>> = {
    varchar: [[], [20]],
    numeric: [[], [10, 2]],
    time: [[], [3]],
    timestamp: [[], [3]],
    timestamptz: [[], [0], [3]],
  };
  const types: ColumnType[] = ALLOWED_BASE_TYPES.flatMap((base) =>
    (withArgs[base] ?? [[]]).flatMap((args) =>
      [false, true].map((array) => ({ base, args, array })),
    ),
  );

  it('spells each type like the catalog, citext with or without its schema qualifier', async () => {
    await db.transaction().execute(async (trx) => {
      await sql`create schema drift_types`.execute(trx);
      let create = trx.schema.withSchema('drift_types').createTable('t');
      types.forEach((type, i) => {
        create = create.addColumn(`c${i}`, sql.raw(formatColumnType(type)));
      });
      await create.execute();
      const read = async () => {
        const { rows } = await sql<{ name: string; type: string }>`
          select attname::text as name, format_type(atttypid, atttypmod) as type from pg_attribute
          where attrelid = 'drift_types.t'::regclass and attnum > 0 order by attnum`.execute(trx);
        return rows.map((r) => r.type);
      };
      const visible = await read();
      // Off the search_path, format_type qualifies citext with its schema (extensions.citext).
      await sql`set local search_path = pg_catalog`.execute(trx);
      const qualifiedTypes = await read();
      expect(qualifiedTypes.some((t) => t.startsWith('extensions.citext'))).toBe(true);
      const expected = types.map(catalogTypeName);
      console.log(
        `[drift] format_type: ${types.map((t, i) => `${formatColumnType(t)} -> ${visible[i]}`).join('; ')}`,
      );
      expect(visible.map(normalizeCatalogTypeName)).toEqual(expected);
      expect(qualifiedTypes.map(normalizeCatalogTypeName)).toEqual(expected);
      await sql`drop schema drift_types cascade`.execute(trx);
    });
  });

  it('leaves unqualified names alone and refuses forged types', () => {
    expect(normalizeCatalogTypeName('double precision[]')).toBe('double precision[]');
    expect(normalizeCatalogTypeName('"my schema".citext')).toBe('citext');
    expect(() => catalogTypeName({ base: 'money' as never, args: [], array: false })).toThrow(
      TypeError,
    );
  });
});

describe('checkModuleDatabase on fresh provisions', () => {
  it.each([
    ['crm (schema strategy)', crmModule],
    ['booking (prefix strategy)', bookingModule],
    ['shop (prefix strategy, citext)', shopModule],
    ['widget (shared strategy)', widgetModule],
  ])('%s has no drift', async (label, module) => {
    const plan = await provision(module);
    const report = await check(`fresh ${label}`, plan);
    expect(report).toMatchObject({
      moduleId: plan.moduleId,
      shortId: plan.shortId,
      ok: true,
      differences: [],
    });
  });

  it('refuses an unknown module with NotFoundError and a malformed id with a validation error', async () => {
    const unknown = await checkModuleDatabase(db, randomUUID()).catch((e: unknown) => e);
    expect(isModuleDbError(unknown) && unknown.code).toBe('NOT_FOUND');
    const malformed = await checkModuleDatabase(db, 'not-a-uuid').catch((e: unknown) => e);
    expect(isModuleDbError(malformed) && malformed.code).toBe('DEFINITION_INVALID');
  });
});

describe('checkModuleDatabase reports hand-made changes', () => {
  it('ADD COLUMN -> unexpected_column', async () => {
    const plan = await provision(crmModule);
    await sql`alter table ${ref(plan, 'contacts')} add column nickname text`.execute(db);
    expectOnly(await check('add column', plan), {
      kind: 'unexpected_column',
      table: qualified(plan, 'contacts'),
      object: 'nickname',
      actual: 'text',
    });
  });

  it('DROP COLUMN -> missing_column', async () => {
    const plan = await provision(crmModule);
    await sql`alter table ${ref(plan, 'contacts')} drop column phone`.execute(db);
    expectOnly(await check('drop column', plan), {
      kind: 'missing_column',
      table: qualified(plan, 'contacts'),
      object: 'phone',
      expected: 'text',
    });
  });

  it('ALTER COLUMN ... TYPE -> column_type', async () => {
    const plan = await provision(bookingModule);
    await sql`alter table ${ref(plan, 'appointments')} alter column customer_email type varchar(400)`.execute(
      db,
    );
    expectOnly(await check('alter column type', plan), {
      kind: 'column_type',
      table: qualified(plan, 'appointments'),
      object: 'customer_email',
      expected: 'character varying(320)',
      actual: 'character varying(400)',
    });
  });

  it('ALTER COLUMN ... DROP NOT NULL -> column_nullability', async () => {
    const plan = await provision(crmModule);
    await sql`alter table ${ref(plan, 'contacts')} alter column first_name drop not null`.execute(
      db,
    );
    expectOnly(await check('drop not null', plan), {
      kind: 'column_nullability',
      table: qualified(plan, 'contacts'),
      object: 'first_name',
      expected: 'not null',
      actual: 'nullable',
    });
  });

  it('DROP INDEX -> missing_index', async () => {
    const plan = await provision(crmModule);
    const index = objectName(plan, 'deals', 'index:btree(stage)');
    await sql`drop index ${sql.id(plan.schema, index)}`.execute(db);
    expectOnly(await check('drop index', plan), {
      kind: 'missing_index',
      table: qualified(plan, 'deals'),
      object: index,
    });
  });

  it('CREATE INDEX -> unexpected_index', async () => {
    const plan = await provision(bookingModule);
    await sql`create index drift_extra_idx on ${ref(plan, 'calendars')} (name)`.execute(db);
    expectOnly(await check('create index', plan), {
      kind: 'unexpected_index',
      table: qualified(plan, 'calendars'),
      object: 'drift_extra_idx',
    });
  });

  it('an index left invalid by a failed concurrent build -> invalid_index', async () => {
    const plan = await provision(crmModule);
    const index = objectName(plan, 'deals', 'index:btree(stage)');
    // What a failed CREATE INDEX CONCURRENTLY leaves behind, without needing a failing build.
    await sql`update pg_index set indisvalid = false
      where indexrelid = ${`${plan.schema}.${index}`}::regclass`.execute(db);
    expectOnly(await check('invalid index', plan), {
      kind: 'invalid_index',
      table: qualified(plan, 'deals'),
      object: index,
    });
  });

  it('DROP CONSTRAINT (a check) -> missing_constraint', async () => {
    const plan = await provision(crmModule);
    const check_ = objectName(plan, 'contacts', 'check:lead_score');
    await sql`alter table ${ref(plan, 'contacts')} drop constraint ${sql.id(check_)}`.execute(db);
    expectOnly(await check('drop check constraint', plan), {
      kind: 'missing_constraint',
      table: qualified(plan, 'contacts'),
      object: check_,
      expected: 'check',
    });
  });

  it('ADD CONSTRAINT -> unexpected_constraint', async () => {
    const plan = await provision(crmModule);
    await sql`alter table ${ref(plan, 'companies')} add constraint drift_name_check check (name <> '')`.execute(
      db,
    );
    expectOnly(await check('add check constraint', plan), {
      kind: 'unexpected_constraint',
      table: qualified(plan, 'companies'),
      object: 'drift_name_check',
      actual: 'check',
    });
  });

  it('NO FORCE ROW LEVEL SECURITY -> rls_not_forced', async () => {
    const plan = await provision(crmModule);
    await sql`alter table ${ref(plan, 'deals')} no force row level security`.execute(db);
    expectOnly(await check('no force rls', plan), {
      kind: 'rls_not_forced',
      table: qualified(plan, 'deals'),
    });
  });

  it('DISABLE ROW LEVEL SECURITY -> rls_not_enabled', async () => {
    const plan = await provision(bookingModule);
    await sql`alter table ${ref(plan, 'calendars')} disable row level security`.execute(db);
    expectOnly(await check('disable rls', plan), {
      kind: 'rls_not_enabled',
      table: qualified(plan, 'calendars'),
    });
  });

  it('DROP POLICY -> missing_policy', async () => {
    const plan = await provision(crmModule);
    await sql`drop policy hide_deleted_deals on ${ref(plan, 'deals')}`.execute(db);
    expectOnly(await check('drop policy', plan), {
      kind: 'missing_policy',
      table: qualified(plan, 'deals'),
      object: 'hide_deleted_deals',
    });
  });

  it('a new permissive policy -> unexpected_policy (it widens access)', async () => {
    const plan = await provision(crmModule);
    await sql`create policy everyone_reads on ${ref(plan, 'contacts')} as permissive for select to ${sql.id(plan.role)} using (true)`.execute(
      db,
    );
    const report = await check('new permissive policy', plan);
    expectOnly(report, {
      kind: 'unexpected_policy',
      table: qualified(plan, 'contacts'),
      object: 'everyone_reads',
      actual: 'permissive',
    });
    expect(report.differences[0]?.message).toMatch(/widens access/);
  });

  it('a module policy made permissive, or the site policy for another role -> policy kinds', async () => {
    const plan = await provision(crmModule);
    const deals = ref(plan, 'deals');
    // A permissive twin under the module policy's name: PostgreSQL cannot ALTER a policy's mode.
    await sql`drop policy hide_deleted_deals on ${deals}`.execute(db);
    await sql`create policy hide_deleted_deals on ${deals} as permissive for all to ${sql.id(plan.role)} using (stage <> 'deleted')`.execute(
      db,
    );
    await sql`alter policy dramac_site_isolation on ${deals} to public`.execute(db);
    const report = await check('policy mode, command and roles', plan);
    expect(report.differences.map((d) => [d.kind, d.object, d.expected, d.actual])).toEqual([
      ['policy_roles', 'dramac_site_isolation', plan.role, 'PUBLIC'],
      ['policy_not_restrictive', 'hide_deleted_deals', 'restrictive', 'permissive'],
      ['policy_command', 'hide_deleted_deals', 'SELECT', 'ALL'],
    ]);
  });

  it('GRANT SELECT ... TO anon -> unexpected_grant', async () => {
    const plan = await provision(bookingModule);
    await sql`grant select on ${ref(plan, 'appointments')} to anon`.execute(db);
    expectOnly(await check('grant select to anon', plan), {
      kind: 'unexpected_grant',
      table: qualified(plan, 'appointments'),
      object: 'anon',
      expected: '',
      actual: 'SELECT',
    });
  });

  it('GRANT ... TO PUBLIC and column grants -> unexpected_grant', async () => {
    const plan = await provision(shopModule);
    const customers = ref(plan, 'customers');
    await sql`grant truncate on ${customers} to public`.execute(db);
    await sql`grant update (email) on ${customers} to authenticated`.execute(db);
    const report = await check('grant to public and column grant', plan);
    // The catalog's own entries: the grant to PUBLIC (which reaches every role) and the column
    // grant, each once, with the statement that takes it back.
    expect(
      report.differences
        .map((d) => [d.kind, d.object, d.actual, d.repair])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual([
      [
        'unexpected_grant',
        'authenticated',
        'UPDATE (email)',
        [
          `revoke update ("email") on table "public"."${qualified(plan, 'customers').split('.')[1]}" from "authenticated"`,
        ],
      ],
      [
        'unexpected_grant',
        'PUBLIC',
        'TRUNCATE',
        [
          `revoke truncate on table "public"."${qualified(plan, 'customers').split('.')[1]}" from public`,
        ],
      ],
    ]);
  });

  it('REVOKE DELETE ... FROM modrole_x -> missing_grant', async () => {
    const plan = await provision(crmModule);
    await sql`revoke delete on ${ref(plan, 'activities')} from ${sql.id(plan.role)}`.execute(db);
    expectOnly(await check('revoke delete from module role', plan), {
      kind: 'missing_grant',
      table: qualified(plan, 'activities'),
      object: plan.role,
      expected: 'DELETE',
      actual: '',
    });
  });

  it('DROP TRIGGER -> missing_trigger; DISABLE TRIGGER -> trigger_disabled', async () => {
    const plan = await provision(crmModule);
    const contactsTrigger = objectName(plan, 'contacts', 'trigger:updated_at');
    const dealsTrigger = objectName(plan, 'deals', 'trigger:updated_at');
    await sql`drop trigger ${sql.id(contactsTrigger)} on ${ref(plan, 'contacts')}`.execute(db);
    await sql`alter table ${ref(plan, 'deals')} disable trigger ${sql.id(dealsTrigger)}`.execute(
      db,
    );
    const report = await check('drop and disable trigger', plan);
    expect(report.differences).toEqual([
      expect.objectContaining({
        kind: 'missing_trigger',
        table: qualified(plan, 'contacts'),
        object: contactsTrigger,
      }),
      expect.objectContaining({
        kind: 'trigger_disabled',
        table: qualified(plan, 'deals'),
        object: dealsTrigger,
      }),
    ]);
  });

  it('CREATE TABLE inside the module schema -> unexpected_table', async () => {
    const plan = await provision(crmModule);
    await sql`create table ${sql.id(plan.schema, 'scratch')} (id int)`.execute(db);
    expectOnly(await check('create table in module schema', plan), {
      kind: 'unexpected_table',
      table: `${plan.schema}.scratch`,
      object: 'scratch',
      actual: 'table',
    });
  });

  it('CREATE TABLE with the module prefix in public -> unexpected_table', async () => {
    const plan = await provision(shopModule);
    const name = `mod_${plan.shortId}_scratch`;
    await sql`create table ${sql.id('public', name)} (id int)`.execute(db);
    expectOnly(await check('create prefixed table', plan), {
      kind: 'unexpected_table',
      table: `public.${name}`,
      object: name,
    });
  });

  it('DROP TABLE -> missing_table (and nothing about its parts)', async () => {
    const plan = await provision(bookingModule);
    await sql`drop table ${ref(plan, 'availability')}`.execute(db);
    expectOnly(await check('drop table', plan), {
      kind: 'missing_table',
      table: qualified(plan, 'availability'),
    });
  });

  it('a deprecated module is expected to hold no grants', async () => {
    const plan = await provision(crmModule);
    await deprovisionModuleDatabase(db, plan.moduleId, { mode: 'retain' });
    const report = await check('deprecated (retain)', plan);
    expect(report.differences.filter((d) => d.kind.endsWith('_grant'))).toEqual([]);
  });
});
