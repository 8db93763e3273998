import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModulePlan } from '../src/index';
import { migratePlatform, planModuleDatabase, validateModuleDefinition } from '../src/index';
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

class Rollback extends Error {}

/**
 * Takes the platform's fixed steps by hand (the roles, the schema, CREATE on public for a prefixed
 * module), runs every planned statement as the module's owner role, as the platform does,
 * inspects the catalog, then rolls back.
 */
async function runPlanAndRollBack<T>(
  plan: ModulePlan,
  inspect: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  let seen: T | undefined;
  await expect(
    db.transaction().execute(async (trx) => {
      const owner = plan.ownerRole;
      await sql`create role ${sql.id(plan.role)} nologin inherit`.execute(trx);
      await sql`grant dramac_module_roles to ${sql.id(plan.role)}`.execute(trx);
      if (owner && plan.adminRole) {
        await sql`create role ${sql.id(plan.adminRole)} nologin noinherit`.execute(trx);
        await sql`create role ${sql.id(owner)} nologin inherit`.execute(trx);
        await sql`grant dramac_module_owners to ${sql.id(owner)}`.execute(trx);
        if (plan.strategy === 'schema') {
          await sql`create schema ${sql.id(plan.schema)} authorization ${sql.id(owner)}`.execute(
            trx,
          );
        } else {
          await sql`grant create on schema public to ${sql.id(owner)}`.execute(trx);
        }
        await sql`set local role ${sql.id(owner)}`.execute(trx);
      }
      for (const statement of plan.statements) {
        await sql.raw(statement.sql).execute(trx);
      }
      await sql`reset role`.execute(trx);
      seen = await inspect(trx);
      throw new Rollback();
    }),
  ).rejects.toBeInstanceOf(Rollback);
  return seen as T;
}

async function catalog(trx: Kysely<any>, plan: ModulePlan) {
  const tables = await sql<{ name: string; rls: boolean; forced: boolean; policies: number }>`
    select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
           (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and (n.nspname || '.' || c.relname) = any(${plan.tables}::text[])
    order by 1`.execute(trx);
  const role = await sql<{
    rolcanlogin: boolean;
  }>`select rolcanlogin from pg_roles where rolname = ${plan.role}`.execute(trx);
  return { tables: tables.rows, role: role.rows[0] };
}

describe.each([
  ['CRM (schema strategy)', crmModule, 'schema'],
  ['Booking (prefix strategy)', bookingModule, 'prefix'],
  ['Shop', shopModule, undefined],
])('the planned SQL of %s runs on a real PostgreSQL', (_label, module, strategy) => {
  it('executes every statement, creates what the plan lists, and rolls back to nothing', async () => {
    const definition = await validateModuleDefinition(withFreshModuleId(module));
    if (strategy) expect(definition.strategy).toBe(strategy);
    const plan = planModuleDatabase(definition);
    expect(plan.statements.length).toBeGreaterThan(definition.tables.length * 5);

    const seen = await runPlanAndRollBack(plan, (trx) => catalog(trx, plan));
    expect(seen.role).toEqual({ rolcanlogin: false });
    expect(seen.tables.map((t) => t.name)).toEqual([...plan.tables].sort());
    for (const table of seen.tables) {
      expect(table).toMatchObject({ rls: true, forced: true });
      expect(table.policies).toBeGreaterThanOrEqual(1);
    }

    const after = await catalog(db, plan);
    expect(after).toEqual({ tables: [], role: undefined });
  });
});

it('the widget plan (shared strategy) has no statement: the platform grants it module_data', async () => {
  const definition = await validateModuleDefinition(withFreshModuleId(widgetModule));
  expect(definition.strategy).toBe('shared');
  const plan = planModuleDatabase(definition);
  expect(plan.statements).toEqual([]);
  const seen = await runPlanAndRollBack(plan, async (trx) => {
    const { rows } = await sql<{ ok: boolean }>`
      select has_table_privilege(${plan.role}, 'public.module_data', 'select') as ok`.execute(trx);
    return rows[0]?.ok;
  });
  // Membership in dramac_module_roles alone gives nothing in module_data: widgets get it
  // through dramac_widget_roles when the platform installs them.
  expect(seen).toBe(false);
});

it('the platform migration is idempotent', async () => {
  const again = await migratePlatform(db);
  expect(again.applied).toEqual([]);
  expect(again.version).toBeGreaterThanOrEqual(1);
});
