/**
 * lintModuleDatabase against a real PostgreSQL: every fixture module lints clean (but for the
 * planner's known gap, foreign keys without an index), and every rule reports a violation built
 * by hand. Violations are made inside a transaction that the lint reads and that is then rolled
 * back, so each test starts from the clean, provisioned modules.
 */
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkModuleDatabase,
  isModuleDbError,
  LINT_CODES,
  type LintFinding,
  type LintReport,
  lintModuleDatabase,
  migratePlatform,
  type ProvisionResult,
  provisionModuleDatabase,
} from '../src/index';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';
import { rejectionOf } from './module-request';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let crm: ProvisionResult;
let booking: ProvisionResult;
let shop: ProvisionResult;
let widget: ProvisionResult;
/** Rules that reported a hand-made violation, for the closing tally. */
const reported = new Set<string>();

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  crm = await provisionModuleDatabase(db, withFreshModuleId(crmModule));
  booking = await provisionModuleDatabase(db, withFreshModuleId(bookingModule));
  shop = await provisionModuleDatabase(db, withFreshModuleId(shopModule));
  widget = await provisionModuleDatabase(db, withFreshModuleId(widgetModule));
});
afterAll(async () => {
  console.log(
    `[lint] rules with a hand-made violation reported: ${reported.size}/${LINT_CODES.length} (${[...reported].sort().join(', ')})`,
  );
  await tdb?.destroy();
});

class Rollback extends Error {}

/**
 * Runs `violate` and the lint in one transaction; then runs every finding's remedy, as written,
 * and requires the module to lint clean and show no drift; then rolls it all back.
 */
async function lintWith(
  module: ProvisionResult,
  violate: (trx: Transaction<any>) => Promise<unknown>,
): Promise<LintReport> {
  let report: LintReport | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await violate(trx);
      report = await lintModuleDatabase(trx, module.moduleId);
      // Findings about one object can share a remedy: each statement runs once.
      const done = new Set<string>();
      for (const f of report.findings) {
        for (const statement of f.remedy.split(';\n')) {
          if (done.has(statement)) continue;
          done.add(statement);
          await sql
            .raw(statement)
            .execute(trx)
            .catch((e: unknown) => {
              throw new Error(`remedy of ${f.code} ${f.object} failed: ${statement}: ${e}`);
            });
        }
      }
      const after = await lintModuleDatabase(trx, module.moduleId);
      expect(after.findings, 'lint after the remedies').toEqual([]);
      const drift = await checkModuleDatabase(trx, module.moduleId);
      expect(drift.differences, 'drift after the remedies').toEqual([]);
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  if (!report) throw new Error('no report');
  return report;
}

/** Expects exactly the given (code, object) findings (but for `ignore`d codes), and records them. */
function expectFindings(
  report: LintReport,
  expected: [string, string][],
  ignore: readonly string[] = [],
): void {
  const findings: LintFinding[] = report.findings.filter((f) => !ignore.includes(f.code));
  const got = findings.map((f) => [f.code, f.object]);
  expect(got.sort()).toEqual([...expected].sort());
  for (const f of findings) {
    expect(f.message).toMatch(/\S/);
    expect(f.remedy).toMatch(/\S/);
    expect(['error', 'warn', 'info']).toContain(f.level);
    expect(f.moduleId).toBe(report.modules[0]);
    reported.add(f.code);
  }
}

const t = (m: ProvisionResult, table: string) =>
  m.strategy === 'schema' ? `${m.schemaName}.${table}` : `public.mod_${m.shortId}_${table}`;
const id = (m: ProvisionResult, table: string) => {
  const [schema, name] = t(m, table).split('.') as [string, string];
  return sql.id(schema, name);
};

describe('fixture modules', () => {
  it('lint clean', async () => {
    const report = await lintModuleDatabase(db);
    for (const m of [crm, booking, shop, widget]) expect(report.modules).toContain(m.moduleId);
    const mine = report.findings.filter((f) =>
      [crm, booking, shop, widget].some((m) => m.moduleId === f.moduleId),
    );
    console.log(`[lint] fixture modules (crm, booking, shop, widget): ${mine.length} findings`);
    for (const f of mine) console.log(`[lint]   ${f.level} ${f.code} ${f.object}`);
    expect(mine).toEqual([]);
    for (const m of [crm, booking, shop, widget]) {
      const one = await lintModuleDatabase(db, m.moduleId);
      expect(one).toMatchObject({ ok: true, modules: [m.moduleId], findings: [] });
    }
  });

  it('refuses a bad module id and an unknown module with typed errors', async () => {
    const bad = await rejectionOf(lintModuleDatabase(db, "x'; drop table sites; --"));
    expect(isModuleDbError(bad)).toBe(true);
    expect(bad.code).toBe('DEFINITION_INVALID');
    const unknown = await rejectionOf(
      lintModuleDatabase(db, '00000000-0000-4000-8000-000000000000'),
    );
    expect(unknown.code).toBe('NOT_FOUND');
  });
});

describe('each rule reports a hand-made violation', () => {
  it('rls_disabled and rls_not_forced', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`alter table ${id(crm, 'companies')} disable row level security`.execute(trx);
      await sql`alter table ${id(crm, 'deals')} no force row level security`.execute(trx);
    });
    expectFindings(r, [
      ['rls_disabled', t(crm, 'companies')],
      ['rls_not_forced', t(crm, 'deals')],
    ]);
    const prefixed = await lintWith(booking, (trx) =>
      sql`alter table ${id(booking, 'calendars')} no force row level security`.execute(trx),
    );
    expectFindings(prefixed, [['rls_not_forced', t(booking, 'calendars')]]);
  });

  it('site_id_missing and no_primary_key on a hand-made table', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`create table ${id(crm, 'loose')} (note text)`.execute(trx);
      await sql`alter table ${id(crm, 'loose')} enable row level security, force row level security`.execute(
        trx,
      );
    });
    expectFindings(r, [
      ['site_id_missing', t(crm, 'loose')],
      ['no_primary_key', t(crm, 'loose')],
      ['site_policy_missing', t(crm, 'loose')],
    ]);
  });

  it('site_policy_missing when the site policy is dropped or altered', async () => {
    const dropped = await lintWith(crm, (trx) =>
      sql`drop policy dramac_site_isolation on ${id(crm, 'companies')}`.execute(trx),
    );
    expectFindings(dropped, [['site_policy_missing', t(crm, 'companies')]]);
    const altered = await lintWith(booking, (trx) =>
      sql`alter policy dramac_site_isolation on ${id(booking, 'calendars')}
          using (site_id = (select public.dramac_current_site_id()))`.execute(trx),
    );
    expectFindings(altered, [['site_policy_missing', t(booking, 'calendars')]]);
  });

  it('permissive_policy and policy_always_true', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`create policy extra_read on ${id(crm, 'companies')} as permissive for select
                using (site_id = (select public.dramac_current_site_id()))`.execute(trx);
      await sql`create policy open_door on ${id(crm, 'deals')} for select using (true)`.execute(
        trx,
      );
      await sql`create policy sneaky on ${id(crm, 'contacts')} as permissive for update
                using (site_id is null or 1 = 1) with check (false)`.execute(trx);
      // Restrictive and always true is harmless (it narrows nothing): no rule reports it, but it
      // is no part of the definition, so it is drift.
      await sql`create policy noop on ${id(crm, 'activities')} as restrictive using (true)`.execute(
        trx,
      );
    });
    expectFindings(r, [
      ['drift', `${t(crm, 'activities')}.noop`],
      ['permissive_policy', `${t(crm, 'companies')}.extra_read`],
      ['permissive_policy', `${t(crm, 'deals')}.open_door`],
      ['policy_always_true', `${t(crm, 'deals')}.open_door`],
      ['permissive_policy', `${t(crm, 'contacts')}.sneaky`],
      ['policy_always_true', `${t(crm, 'contacts')}.sneaky`],
    ]);
  });

  it('policy_function_per_row: helpers called without (select ...)', async () => {
    const r = await lintWith(booking, async (trx) => {
      await sql`create policy slow on ${id(booking, 'calendars')} as restrictive for select
                using (site_id = public.dramac_current_site_id())`.execute(trx);
      await sql`create policy slower on ${id(booking, 'resources')} as restrictive for select
                using (site_id::text = current_setting('request.jwt.claims', true)::jsonb ->> 'site_id')`.execute(
        trx,
      );
    });
    expectFindings(r, [
      ['policy_function_per_row', `${t(booking, 'calendars')}.slow`],
      ['policy_function_per_row', `${t(booking, 'resources')}.slower`],
    ]);
    expect(r.findings.find((f) => f.object.endsWith('.slow'))?.message).toContain(
      'dramac_current_site_id',
    );
  });

  it('a wrapped call, a row-dependent call and an immutable call are not reported', async () => {
    const r = await lintWith(booking, (trx) =>
      sql`create policy fast on ${id(booking, 'availability')} as restrictive for select
          using (site_id = (select public.dramac_current_site_id()) and abs(weekday) < 7)`.execute(
        trx,
      ),
    );
    // The hand-made policy is drift all the same (it is no part of the definition).
    expectFindings(r, [['drift', `${t(booking, 'availability')}.fast`]]);
  });

  it('site_id_unindexed when every full site-leading index is dropped', async () => {
    const r = await lintWith(crm, async (trx) => {
      const { rows } = await sql<{ index: string; constraint: string | null }>`
        select c.relname::text as index, k.conname::text as constraint
        from pg_index i join pg_class c on c.oid = i.indexrelid
        left join pg_constraint k on k.conindid = i.indexrelid and k.conrelid = i.indrelid
        where i.indrelid = ${t(crm, 'activities')}::regclass and i.indpred is null`.execute(trx);
      for (const row of rows) {
        await (row.constraint
          ? sql`alter table ${id(crm, 'activities')} drop constraint ${sql.id(row.constraint)}`
          : sql`drop index ${sql.id(crm.schemaName, row.index)}`
        ).execute(trx);
      }
    });
    // The primary key is (site_id, id): it goes too. open_activities_idx leads with site_id,
    // but it is partial: it does not count. Foreign keys lose their indexes as well; that rule is
    // tested on its own below.
    expectFindings(
      r,
      [
        ['site_id_unindexed', t(crm, 'activities')],
        ['no_primary_key', t(crm, 'activities')],
      ],
      ['unindexed_foreign_key'],
    );
  });

  it('unindexed_foreign_key, and an index leading with the key columns covers it', async () => {
    const addKeys = async (trx: Transaction<any>) => {
      await sql`alter table ${id(crm, 'companies')} add column owner_id uuid
                constraint companies_owner_fk references auth.users (id)`.execute(trx);
      await sql`alter table ${id(crm, 'companies')} add column parent_id uuid`.execute(trx);
      await sql`alter table ${id(crm, 'companies')} add constraint companies_parent_fk
                foreign key (site_id, parent_id) references ${id(crm, 'companies')} (site_id, id)`.execute(
        trx,
      );
    };
    const r = await lintWith(crm, addKeys);
    // The hand-added columns are no part of the definition: drift, whose remedy drops them (and
    // their keys with them).
    const drifted: [string, string][] = [
      ['drift', `${t(crm, 'companies')}.owner_id`],
      ['drift', `${t(crm, 'companies')}.parent_id`],
    ];
    expectFindings(r, [
      ...drifted,
      ['unindexed_foreign_key', `${t(crm, 'companies')}.companies_owner_fk`],
      ['unindexed_foreign_key', `${t(crm, 'companies')}.companies_parent_fk`],
    ]);
    const covered = await lintWith(crm, async (trx) => {
      await addKeys(trx);
      await sql`create index on ${id(crm, 'companies')} (owner_id, name)`.execute(trx);
      // A composite (site_id, col) key is covered by an index leading with (site_id, col).
      await sql`create index on ${id(crm, 'companies')} (site_id, parent_id, name)`.execute(trx);
    });
    expectFindings(covered, drifted);
  });

  it('api_role_grant on tables, columns, the schema and functions', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`grant select on ${id(crm, 'companies')} to anon`.execute(trx);
      await sql`grant update (name) on ${id(crm, 'companies')} to authenticated`.execute(trx);
      await sql`grant usage on schema ${sql.id(crm.schemaName)} to authenticated`.execute(trx);
      await sql`grant delete on ${id(crm, 'deals')} to public`.execute(trx);
      await sql`create function ${id(crm, 'helper')}() returns int language sql as 'select 1'`.execute(
        trx,
      );
    });
    expectFindings(r, [
      ['api_role_grant', t(crm, 'companies')],
      ['api_role_grant', `${t(crm, 'companies')}.name`],
      ['api_role_grant', crm.schemaName],
      ['api_role_grant', t(crm, 'deals')],
      // A new function is executable by PUBLIC unless revoked.
      ['api_role_grant', `${t(crm, 'helper')}()`],
    ]);
    const shared = await lintWith(widget, (trx) =>
      sql`grant select on public.module_data to anon`.execute(trx),
    );
    expectFindings(shared, [['api_role_grant', 'public.module_data']]);
  });

  it('security_definer_search_path and security_definer_public_execute', async () => {
    const r = await lintWith(booking, async (trx) => {
      await sql`create function ${sql.id('public', `mod_${booking.shortId}_peek`)}() returns bigint
                language sql security definer as 'select 1::bigint'`.execute(trx);
      await sql`create function ${sql.id('public', `mod_${booking.shortId}_safe`)}() returns bigint
                language sql security definer set search_path = '' as 'select 1::bigint'`.execute(
        trx,
      );
      await sql`revoke all on function ${sql.id('public', `mod_${booking.shortId}_safe`)}() from public`.execute(
        trx,
      );
    });
    const peek = `public.mod_${booking.shortId}_peek()`;
    expectFindings(r, [
      ['security_definer_search_path', peek],
      ['security_definer_public_execute', peek],
    ]);
  });

  it('a platform helper a policy calls is checked too', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`alter function public.dramac_current_site_id() reset search_path`.execute(trx);
      await sql`grant execute on function public.dramac_current_site_id() to public`.execute(trx);
    });
    expectFindings(r, [
      ['security_definer_search_path', 'public.dramac_current_site_id()'],
      ['security_definer_public_execute', 'public.dramac_current_site_id()'],
    ]);
  });

  it('view_without_security_invoker and materialized_view', async () => {
    const r = await lintWith(crm, async (trx) => {
      await sql`create view ${id(crm, 'all_companies')} as select * from ${id(crm, 'companies')}`.execute(
        trx,
      );
      await sql`create view ${id(crm, 'safe_companies')} with (security_invoker = true)
                as select * from ${id(crm, 'companies')}`.execute(trx);
      await sql`create materialized view ${id(crm, 'company_counts')} as
                select site_id, count(*) from ${id(crm, 'companies')} group by site_id`.execute(
        trx,
      );
    });
    expectFindings(r, [
      ['view_without_security_invoker', t(crm, 'all_companies')],
      ['materialized_view', t(crm, 'company_counts')],
      // A security_invoker view breaks no rule, but no view is part of a module: drift.
      ['drift', `${t(crm, 'safe_companies')}.safe_companies`],
    ]);
  });

  it('no_primary_key when the primary key is dropped', async () => {
    const r = await lintWith(shop, (trx) =>
      sql`alter table ${id(shop, 'cart_items')} drop constraint ${sql.id(`pk_mod_${shop.shortId}_cart_items`)}`.execute(
        trx,
      ),
    );
    expectFindings(r, [['no_primary_key', t(shop, 'cart_items')]]);
  });

  it('a rolled-back violation leaves the modules clean', async () => {
    const report = await lintModuleDatabase(db, crm.moduleId);
    expect(report.findings).toEqual([]);
  });
});
