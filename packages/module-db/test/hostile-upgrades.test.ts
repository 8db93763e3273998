/**
 * Hostile upgrade plans (issue 13, items 1, 2, 3, 5, 6, 7, 8 through `dramac_apply_module_upgrade`,
 * with variants). Each attempt installs a fresh attacker module at 1.0.0 (legitimately, with one
 * row on the victims' site), plans the legitimate upgrade to 1.1.0 (a nullable column `extra`
 * and a NOT NULL column `code` filled by a declared backfill), tampers with the plan, and runs it
 * three ways: as `service_role`, as a LOGIN member of `dramac_provisioner`, and through
 * `applyModuleUpgrade`. Each test asserts that the attack's goal was not reached, that victims,
 * platform tables and the calling session are untouched, and that a refused upgrade left the
 * module exactly as it was (its catalog shape equals a fresh 1.0.0 install's).
 *
 * Status on today's code (commit b7dc8cb): 68 attacks x 3 doors. The 41 attacks marked
 * `today: 'succeeds'` reach their goal on every door, so their 123 tests fail: the membership
 * exists; the site policy was dropped with its unquoted name, altered inside a statement that
 * contains ' rename to ' in a literal, or renamed away and recreated `USING (true)`; a column or
 * constraint references another module's table; a backfill, a column default, a USING clause, a
 * CHECK or a CREATE TABLE AS read another module's rows or the registry (copied into the attacker's
 * table or module_data, or leaked in the error); a prefixed module's "backfill" (or a schema module
 * claiming the prefix strategy) updated the registry, installations, versions, events, module_data
 * or another module's table; TRUNCATE/REFERENCES/TRIGGER or a column grant was given; RLS was
 * turned off or the site policy renamed behind a shadowed catalog; session settings or locks stayed
 * behind. The 27 attacks marked `today: 'stopped'` are variants today's checks or PostgreSQL
 * already stop (81 tests pass today), among them the `escape:` attacks aimed at a DDL helper the
 * statements could turn into SECURITY INVOKER.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  definitionChecksum,
  installModuleForSite,
  type ModuleUpgradePlan,
  migratePlatform,
  planModuleUpgrade,
  provisionModuleDatabase,
  type ValidatedModuleDefinition,
  validateModuleDefinition,
} from '../src/index';
import {
  type AttackEnv,
  type Attempt,
  attempt,
  CALLERS,
  type Caller,
  createAttackEnv,
  dropAttackEnv,
} from './support/attack-harness';
import {
  foreignKeyTargets,
  isMember,
  moduleShape,
  namespaceContains,
  policiesOf,
  privilegesOn,
  rlsOf,
} from './support/end-state';
import {
  insertAfter,
  literal,
  type PlanLike,
  replaceDeep,
  replaceWhere,
  type StatementLike,
  shadow,
  siteExpr,
  stmt,
  tamperPlan,
} from './support/hostile-plan';
import {
  type Attacker,
  attackerSource,
  expectContained,
  newAttacker,
  type Reference,
  referenceShapes,
  restoreVictims,
  setUpVictims,
  type Victims,
  victimSnapshot,
} from './support/victims';

let tdb: TestDatabase;
let db: Kysely<any>;
let env: AttackEnv;
let v: Victims;
let reference: Reference;
/** The catalog shape of a fresh 1.0.0 install with one row, per strategy: what a refused upgrade leaves. */
const installedShape: Record<string, string> = {};

type Strategy = 'prefix' | 'schema';

/** The 1.1.0 definition: `extra text null`, `code text not null` backfilled with 'x'. */
function nextSource(source: any) {
  const next = JSON.parse(JSON.stringify(source));
  next.version = '1.1.0';
  next.tables[0].columns.push(
    { name: 'extra', type: 'text', nullable: true },
    { name: 'code', type: 'text' },
  );
  next.migrations = [{ kind: 'backfill', table: 'notes', column: 'code', value: "'x'" }];
  return next;
}

/** A fresh attacker module installed at 1.0.0 with one row, and its legitimate upgrade plan. */
interface Installed extends Attacker {
  readonly next: ValidatedModuleDefinition;
  readonly upgrade: ModuleUpgradePlan;
  readonly fromChecksum: string;
}
async function installAttacker(strategy: Strategy): Promise<Installed> {
  const m = await newAttacker(strategy, attackerSource(strategy, randomUUID()));
  await provisionModuleDatabase(db, m.def);
  await installModuleForSite(db, m.def.moduleId, v.site);
  const [schema, rel] = m.table.split('.') as [string, string];
  await sql`insert into ${sql.id(schema, rel)} (site_id, body, qty) values (${v.site}::uuid, 'hello', 1)`.execute(
    db,
  );
  const next = await validateModuleDefinition(nextSource(m.def.source));
  return {
    ...m,
    next,
    upgrade: planModuleUpgrade(m.def, next),
    fromChecksum: definitionChecksum(m.def),
  };
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  env = await createAttackEnv(tdb);
  v = await setUpVictims(db, tdb.factory);
  reference = await referenceShapes(db);
  for (const strategy of ['prefix', 'schema'] as const) {
    const m = await installAttacker(strategy);
    installedShape[strategy] = await moduleShape(db, m.short);
  }
}, 120_000);

afterEach(async () => {
  if (v) await restoreVictims(db, v);
});

const tally = new Map<string, { reached: number; total: number }>();
afterAll(async () => {
  for (const [door, t] of tally) {
    console.log(
      `[hostile-upgrades] ${door}: ${t.reached} of ${t.total} attacks reached their goal`,
    );
  }
  await dropAttackEnv(env);
  await tdb?.destroy();
});

interface UpgradeAttack {
  readonly name: string;
  readonly strategy: Strategy;
  readonly today: 'succeeds' | 'stopped';
  build(m: Installed): PlanLike;
  prepare?(m: Installed): string[];
  goal?(m: Installed, a: Attempt): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------
const isBackfill = (s: StatementLike) => s.kind === 'backfill';

/** The upgrade plus `extra` statements at the end. */
const adding = (m: Installed, ...extra: StatementLike[]): PlanLike =>
  tamperPlan(m.upgrade, { statements: (s) => insertAfter(s, undefined, ...extra) });

/** The upgrade with its backfill statement replaced by `sql` (kind `backfill`). */
const backfill = (m: Installed, sqlText: string): PlanLike =>
  tamperPlan(m.upgrade, {
    statements: (s) => replaceWhere(s, isBackfill, (x) => ({ ...x, sql: sqlText })),
  });

/** A literal that carries the module's prefix, so today's "contains the prefix" check passes. */
const prefixLiteral = (m: Installed) => `' "public"."mod_${m.short}_'`;

/** A sub-select of the vault's secret, as SQL text inside a query_to_xml call. */
const vaultQuery = () => literal(`select secret from ${v.vault.quoted}`);

/** The DDL helper through which the platform may run the module's statements (migration 6). */
const helperOf = (_m: Installed) => '"dramac_ddl"."run"';

const expectNotMember = async (member: string, role: string) =>
  expect(await isMember(db, member, role), `${member} may act as ${role}`).toBe(false);

const expectSitePolicy = async (m: Installed) => {
  const policies = await policiesOf(db, m.table);
  const actual = JSON.parse(JSON.stringify(policies).split(m.short).join('<short>'));
  expect(actual, `policies of ${m.table}`).toEqual(reference[m.strategy].policies);
};

const expectNoForeignKeyOut = async (m: Installed) => {
  const targets = await foreignKeyTargets(db, m.short);
  expect(
    targets.filter((t) => [v.vault.table, v.ledger.table].includes(t)),
    'foreign keys into other modules',
  ).toEqual([]);
};

/** The attacker's own tables hold none of the victims' secrets (nor `needle`). */
const expectNoCopy = async (m: Installed, needle?: string) => {
  for (const s of needle ? [needle] : v.secrets) {
    expect(await namespaceContains(db, m.short, s), `${s} copied into ${m.short}`).toBe(false);
  }
};

const expectNoPrivilege = async (m: Installed, role: string, re: RegExp) => {
  const privileges = (await privilegesOn(db, m.table)).filter((p) => p.startsWith(`${role}:`));
  expect(
    privileges.filter((p) => re.test(p)),
    `${role} privileges`,
  ).toEqual([]);
};

const dropPolicyUnquoted = (m: Installed) =>
  stmt('drop_policy', `drop policy dramac_site_isolation on ${m.qtable}`, m.table);
const openPolicy = (m: Installed, command = 'all') =>
  stmt(
    'create_policy',
    `create policy "dramac_site_isolation" on ${m.qtable} as permissive for ${command} to ${m.qrole} using (true)${command === 'all' ? ' with check (true)' : ''}`,
    m.table,
  );

// ---------------------------------------------------------------------------------------------
// The attacks
// ---------------------------------------------------------------------------------------------
const attacks: UpgradeAttack[] = [
  // 1. Memberships through an upgrade.
  {
    name: 'membership: grant "modadmin" to "modrole"',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, stmt('grant', `grant ${m.qadmin} to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: grant modadmin (unquoted) to "modrole"',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => adding(m, stmt('grant', `grant ${m.admin} to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: with the desired model tampered to match',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      tamperPlan(m.upgrade, {
        statements: (s) =>
          insertAfter(s, undefined, stmt('grant', `grant ${m.qadmin} to ${m.qrole}`)),
        desired: (d) => replaceDeep(d, 'dramac_admin_api', m.role),
      }),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: the reverse grant "modrole" to "modadmin"',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => adding(m, stmt('grant', `grant ${m.qrole} to ${m.qadmin}`)),
    goal: (m) => expectNotMember(m.admin, m.role),
  },
  {
    name: "membership: another module's admin role",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, stmt('grant', `grant "${v.vault.admin}" to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, v.vault.admin),
  },
  {
    name: 'membership: upper-case GRANT ... TO',
    strategy: 'schema',
    today: 'stopped',
    build: (m) => adding(m, stmt('grant', `GRANT ${m.qadmin} TO ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },

  // 2. The site policy dropped, altered or renamed away.
  {
    name: 'policy: DROP POLICY with the unquoted name, then recreated USING (true)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, dropPolicyUnquoted(m), openPolicy(m)),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: DROP POLICY IF EXISTS "dramac_site_isolation", recreated FOR SELECT USING (true)',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt('drop_policy', `drop policy if exists "dramac_site_isolation" on ${m.qtable}`),
        openPolicy(m, 'select'),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: "policy: ALTER POLICY ... USING with ' rename to ' in a string literal",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'rename',
          `alter policy "dramac_site_isolation" on ${m.qtable} using (' rename to ' is not null) with check (true)`,
        ),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: "policy: ALTER POLICY ... TO authenticated with ' rename to ' in a literal",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'rename',
          `alter policy "dramac_site_isolation" on ${m.qtable} to ${m.qrole}, "authenticated" with check (' rename to ' <> '' and ${siteExpr(m.short)})`,
        ),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: renamed away, an open one created under the name, the old one dropped',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt('rename', `alter policy "dramac_site_isolation" on ${m.qtable} rename to "old_site"`),
        openPolicy(m),
        stmt('drop_policy', `drop policy "old_site" on ${m.qtable}`),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: dropped and recreated USING (true), desired model tampered to match',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      tamperPlan(m.upgrade, {
        statements: (s) => insertAfter(s, undefined, dropPolicyUnquoted(m), openPolicy(m)),
        desired: (d) => replaceDeep(d, /^.*dramac_can_access_current_site.*$/s, 'true'),
      }),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: "policy: ALTER POLICY ... WITH CHECK (true) with ' rename to ' in a literal",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'rename',
          `alter policy "dramac_site_isolation" on ${m.qtable} with check (' rename to ' <> '')`,
        ),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'ownership: the table handed to the module role inside an enable_rls statement',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'enable_rls',
          `alter table ${m.qtable} owner to ${m.qrole}, enable row level security`,
        ),
      ),
  },
  {
    name: 'policy: DROP POLICY "dramac_site_isolation" (quoted), recreated USING (true)',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt('drop_policy', `drop policy "dramac_site_isolation" on ${m.qtable}`),
        openPolicy(m),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: dropped with the unquoted name and not recreated',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, dropPolicyUnquoted(m)),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: "policy: another module's site policy dropped with the unquoted name",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, stmt('drop_policy', `drop policy dramac_site_isolation on ${v.vault.quoted}`)),
  },
  {
    name: 'policy: a restrictive USING (false) on module_data',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_policy',
          `create policy "deny" on "public"."module_data" as restrictive for all to public using (false)`,
        ),
      ),
  },

  // 3. Foreign keys into other modules.
  {
    name: "foreign key: ADD COLUMN ... REFERENCES another module's table",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'add_column',
          `alter table ${m.qtable} add column "loot" uuid references ${v.vault.quoted} ("id")`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: ADD CONSTRAINT ... FOREIGN KEY into another prefixed module's table",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'add_constraint',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("site_id") references ${v.ledger.quoted} ("id") not valid`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: an add_foreign_key statement into another module's table",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt('add_column', `alter table ${m.qtable} add column "loot" uuid`),
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("loot") references ${v.vault.quoted} ("id")`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: 'foreign key: into module_database_registry',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'add_column',
          `alter table ${m.qtable} add column "loot" uuid references "public"."module_database_registry" ("id")`,
        ),
      ),
  },

  // 7. Backfills (and other statements evaluated over existing rows) reading other modules.
  {
    name: "backfill: SET = (select another module's secret)",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = (select "secret" from ${v.vault.quoted} limit 1) where "code" is null`,
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: "backfill: UPDATE ... FROM another prefixed module's table",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} as n set "code" = s."secret" from ${v.ledger.quoted} s where n."code" is null`,
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: 'backfill: the secret leaked through a cast error',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "qty" = (select "secret" from ${v.vault.quoted} limit 1)::integer`,
      ),
  },
  {
    name: "backfill: a widget's module_data row",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = (select value ->> 'secret' from "public"."module_data" where module_short_id = '${v.widget.short}' limit 1) where "code" is null`,
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: "backfill: another module's registry record",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = (select checksum from "public"."module_database_registry" where module_short_id = '${v.vault.short}') where "code" is null`,
      ),
    goal: async (m) => {
      const { rows } = await sql<{ checksum: string }>`
        select checksum from public.module_database_registry where module_short_id = ${v.vault.short}`.execute(
        db,
      );
      await expectNoCopy(m, rows[0]?.checksum ?? 'none');
    },
  },
  {
    name: 'backfill: a platform table the provisioner may not read (agency_members)',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = (select user_id::text from "public"."agency_members" limit 1) where "code" is null`,
      ),
    goal: (m) => expectNoCopy(m, v.user),
  },
  {
    name: 'column default: ADD COLUMN ... DEFAULT query_to_xml(<other module>) fills existing rows',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'add_column',
          `alter table ${m.qtable} add column "loot" text default (query_to_xml(${vaultQuery()}, true, false, ''))::text`,
        ),
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: 'alter column: TYPE ... USING query_to_xml(<other module>) rewrites existing rows',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'alter_column',
          `alter table ${m.qtable} alter column "body" type text using (query_to_xml(${vaultQuery()}, true, false, ''))::text`,
        ),
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: 'check constraint: validated over existing rows, leaking through a cast error',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'add_constraint',
          `alter table ${m.qtable} add constraint "ck_loot" check (((query_to_xml(${vaultQuery()}, true, false, ''))::text)::integer > 0)`,
        ),
      ),
  },
  {
    name: "data copy: CREATE TABLE AS of another module's rows, the table not declared new",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => {
      const loot = `"public"."mod_${m.short}_loot"`;
      return tamperPlan(m.upgrade, {
        statements: (s) => [
          ...s,
          stmt(
            'create_table',
            `create table ${loot} as select s."id", s."site_id", s."secret" as "body" from ${v.vault.quoted} s`,
          ),
          stmt('enable_rls', `alter table ${loot} enable row level security`),
          stmt('enable_rls', `alter table ${loot} force row level security`),
          stmt(
            'create_policy',
            `create policy "dramac_site_isolation" on ${loot} as permissive for all to ${m.qrole} using (false)`,
          ),
        ],
        fields: { tables: [...m.upgrade.tables, `public.mod_${m.short}_loot`], newTables: [] },
      });
    },
    goal: (m) => expectNoCopy(m),
  },
  {
    name: 'data copy: CREATE TABLE AS with a data-modifying CTE into module_data',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => {
      const loot = `"mod_${m.short}"."loot"`;
      return tamperPlan(m.upgrade, {
        statements: (s) => [
          ...s,
          stmt(
            'create_table',
            `create table ${loot} as with c as (insert into "public"."module_data" (module_short_id, site_id, collection, key, value)
               select '${m.short}', s.site_id, 'loot', s.id::text, to_jsonb(s) from ${v.ledger.quoted} s returning 1)
             select 1 as x from c where false`,
          ),
          stmt('enable_rls', `alter table ${loot} enable row level security`),
          stmt('enable_rls', `alter table ${loot} force row level security`),
          stmt(
            'create_policy',
            `create policy "dramac_site_isolation" on ${loot} as permissive for all to ${m.qrole} using (false)`,
          ),
        ],
        fields: {
          tables: [...m.upgrade.tables, `mod_${m.short}.loot`],
          newTables: [`mod_${m.short}.loot`],
        },
      });
    },
    goal: async (m) => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from public.module_data
        where module_short_id = ${m.short} and value::text like '%S3CRET-%'`.execute(db);
      expect(rows[0]?.n, 'secrets copied into module_data').toBe(0);
    },
  },
  {
    name: 'index: a partial index predicate calling query_to_xml',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_index',
          `create index "i_loot" on ${m.qtable} ("qty") where ((query_to_xml(${vaultQuery()}, true, false, ''))::text is not null)`,
        ),
      ),
  },
  {
    name: 'trigger: another function than the shared one',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_trigger',
          `create trigger "t" before update on ${m.qtable} for each row execute function "pg_catalog"."suppress_redundant_updates_trigger"()`,
        ),
      ),
  },
  {
    name: "trigger: on another module's table",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_trigger',
          `create trigger "t" before update on ${v.ledger.quoted} for each row execute function "public"."dramac_set_updated_at"()`,
        ),
      ),
  },

  // 8. A prefixed module's "backfill" writing outside its namespace.
  {
    name: 'platform write: the registry (another module deprecated, due for dropping)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_database_registry" set status = 'deprecated', drop_after = now() where module_short_id = '${v.vault.short}' and ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: "platform write: module_site_installations (another module's installation switched off)",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_site_installations" set status = 'uninstalling' where module_short_id = '${v.ledger.short}' and ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: "platform write: another widget's module_data rows",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_data" set value = '{"pwned": "${m.short}"}' where module_short_id = '${v.widget.short}' and ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: 'platform write: the version history',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_database_versions" set checksum = 'forged-${m.short}' where module_id = '${v.vault.moduleId}' and ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: 'platform write: the event log',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_database_events" set actor = 'forged-${m.short}' where module_short_id = '${v.vault.short}' and ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: "platform write: another prefixed module's rows",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update ${v.ledger.quoted} set "secret" = 'pwned-${m.short}' where ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: 'platform write: a schema module claiming the prefix strategy (empty tables list)',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      tamperPlan(m.upgrade, {
        statements: () => [
          stmt(
            'backfill',
            `update "public"."module_database_registry" set status = 'deprecated', drop_after = now() where module_short_id = '${v.ledger.short}' and ${prefixLiteral(m)} <> ''`,
          ),
        ],
        fields: { strategy: 'prefix', schema: 'public', tables: [], newTables: [] },
      }),
  },
  {
    name: 'platform write: public.sites',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."sites" set name = 'pwned-${m.short}' where ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: 'platform write: dramac_platform_migrations',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."dramac_platform_migrations" set name = 'pwned-${m.short}' where ${prefixLiteral(m)} <> ''`,
        ),
      ),
  },
  {
    name: 'platform write: a schema module aiming at the registry',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'backfill',
          `update "public"."module_database_registry" set status = 'deprecated' where module_short_id = '${v.vault.short}'`,
        ),
      ),
  },
  {
    name: "outside: another prefixed module's table renamed into the namespace",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(m, stmt('rename', `alter table ${v.ledger.quoted} rename to "mod_${m.short}_stolen"`)),
  },
  {
    name: "outside: another prefixed module's table dropped with the module's own",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, stmt('drop_table', `drop table ${v.ledger.quoted}, ${m.qtable}`)),
  },
  {
    name: 'outside: the module table renamed out of the namespace',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, stmt('rename', `alter table ${m.qtable} rename to "evil_${m.short}"`)),
  },
  {
    name: 'outside: a table in public carrying the prefix only in a literal',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_table',
          `create table "public"."evil_${m.short}" ("a" text default ${prefixLiteral(m)})`,
        ),
      ),
  },

  // 5. Privileges.
  {
    name: 'privilege: GRANT TRUNCATE to the module role',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, stmt('grant', `grant truncate on table ${m.qtable} to ${m.qrole}`)),
    goal: (m) => expectNoPrivilege(m, m.role, /TRUNCATE/),
  },
  {
    name: 'privilege: GRANT REFERENCES, TRIGGER to the module role',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(m, stmt('grant', `grant references, trigger on table ${m.qtable} to ${m.qrole}`)),
    goal: (m) => expectNoPrivilege(m, m.role, /REFERENCES|TRIGGER/),
  },
  {
    name: 'privilege: a column-level UPDATE grant to the admin role',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(m, stmt('grant', `grant update ("site_id") on table ${m.qtable} to ${m.qadmin}`)),
  },
  {
    name: 'privilege: SELECT to anon',
    strategy: 'schema',
    today: 'stopped',
    build: (m) => adding(m, stmt('grant', `grant select on table ${m.qtable} to "anon"`)),
  },
  {
    name: 'privilege: ALTER DEFAULT PRIVILEGES',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt('grant', `alter default privileges in schema "public" grant all on tables to "anon"`),
      ),
  },

  // 6. Row-level security turned off behind shadowed catalogs.
  {
    name: 'shadowed pg_class: DISABLE ROW LEVEL SECURITY',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgClass(),
    build: (m) =>
      adding(m, stmt('enable_rls', `alter table ${m.qtable} disable row level security`)),
    goal: async (m) => expect(await rlsOf(db, m.table)).toEqual({ enabled: true, forced: true }),
  },
  {
    name: 'shadowed pg_class: NO FORCE ROW LEVEL SECURITY',
    strategy: 'schema',
    today: 'succeeds',
    prepare: () => shadow.pgClass(),
    build: (m) =>
      adding(m, stmt('enable_rls', `alter table ${m.qtable} no force row level security`)),
    goal: async (m) => expect(await rlsOf(db, m.table)).toEqual({ enabled: true, forced: true }),
  },
  {
    name: 'shadowed pg_policy: the site policy renamed and an open one added',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgPolicy(),
    build: (m) =>
      adding(
        m,
        stmt('rename', `alter policy "dramac_site_isolation" on ${m.qtable} rename to "old_site"`),
        openPolicy(m, 'select'),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'DISABLE ROW LEVEL SECURITY without shadowing',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, stmt('enable_rls', `alter table ${m.qtable} disable row level security`)),
    goal: async (m) => expect(await rlsOf(db, m.table)).toEqual({ enabled: true, forced: true }),
  },

  // Escaping the statements' least-privileged role through the platform's DDL helper.
  {
    name: 'escape: the DDL helper altered to SECURITY INVOKER, then a membership grant',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt('rename', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt('grant', `grant ${m.qadmin} to ${m.qrole}`),
      ),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: "escape: the DDL helper replaced by a SECURITY INVOKER one, then another module's registry row",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_table',
          `create or replace function ${helperOf(m)}(p_sql text[]) returns integer language plpgsql security invoker as 'declare s text; begin foreach s in array p_sql loop execute s; end loop; return 0; end'`,
        ),
        stmt(
          'backfill',
          `update "public"."module_database_registry" set status = 'deprecated', drop_after = now() where module_short_id = '${v.vault.short}'`,
        ),
      ),
  },
  {
    name: "escape: the DDL helper made SECURITY INVOKER, then another module's secret copied",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt('rename', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt('enable_rls', `alter table ${v.vault.quoted} no force row level security`),
        stmt(
          'backfill',
          `update ${m.qtable} set "body" = (select "secret" from ${v.vault.quoted} limit 1)`,
        ),
        stmt('enable_rls', `alter table ${v.vault.quoted} force row level security`),
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: "session: a temporary table left in the caller's session",
    strategy: 'schema',
    today: 'stopped',
    build: (m) => adding(m, stmt('create_table', 'create temp table "sites" ("id" uuid)')),
  },
  {
    name: 'outside (prefix): a function in public shadowing lower() for varchar arguments',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        stmt(
          'create_table',
          `create function "public"."lower"(character varying) returns text language sql as 'select ''pwned'''`,
        ),
      ),
    goal: async () => {
      const { rows } = await sql<{ f: string | null }>`
        select to_regprocedure('public.lower(character varying)')::text as f`.execute(db);
      expect(rows[0]?.f ?? null, 'public.lower(varchar)').toBeNull();
    },
  },

  // Session side effects.
  {
    name: 'session: search_path set by a backfill with set_config(..., false)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = set_config('search_path', 'mod_${m.short}, public', false) where "code" is null`,
      ),
  },
  {
    name: 'session: a secret parked in a session setting by a backfill',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = 'x' where set_config('attack.marker', (select "secret" from ${v.vault.quoted} limit 1), false) is not null`,
      ),
  },
  {
    name: 'session: a session advisory lock taken by a backfill',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = pg_advisory_lock(hashtext('dramac.provisioning'))::text where "code" is null`,
      ),
  },
  {
    name: 'session: request claims forged by a backfill',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      backfill(
        m,
        `update ${m.qtable} set "code" = set_config('request.jwt.claims', ${literal(JSON.stringify({ sub: v.user, site_id: v.site }))}, false) where "code" is null`,
      ),
  },
];

// ---------------------------------------------------------------------------------------------
describe('control: the unmodified upgrade', () => {
  it.each(CALLERS)('is applied as planned when %s calls', async (caller) => {
    const before = await victimSnapshot(db, v);
    const m = await installAttacker('schema');
    const a = await attempt(env, caller, {
      kind: 'upgrade',
      plan: m.upgrade,
      next: m.next,
      fromChecksum: m.fromChecksum,
    });
    if (caller === 'service_role' && !a.ok) {
      expect(a.text).toMatch(/permission denied|42501/);
    } else {
      expect(a.ok, a.text).toBe(true);
      const { rows } = await sql<{ code: string }>`
        select code from ${sql.id(...(m.table.split('.') as [string, string]))}`.execute(db);
      expect(rows).toEqual([{ code: 'x' }]);
    }
    await expectContained(db, v, before, m, a, reference, { install: false });
  });
});

describe.each(CALLERS)('hostile upgrade plans, as %s', (caller: Caller) => {
  for (const atk of attacks) {
    it(`${atk.name} (today: ${atk.today})`, async () => {
      const before = await victimSnapshot(db, v);
      const m = await installAttacker(atk.strategy);
      const a = await attempt(
        env,
        caller,
        { kind: 'upgrade', plan: atk.build(m), next: m.next, fromChecksum: m.fromChecksum },
        { prepare: atk.prepare?.(m) ?? [] },
      );
      if (process.env.ATTACK_DEBUG) {
        console.log(`[attack] ${caller} | ${atk.name} | ok=${a.ok} | ${a.text.split('\n')[0]}`);
      }
      const t = tally.get(caller) ?? { reached: 0, total: 0 };
      t.total++;
      tally.set(caller, t);
      try {
        await atk.goal?.(m, a);
        await expectContained(db, v, before, m, a, reference, { install: false });
        if (!a.ok) {
          expect(await moduleShape(db, m.short), 'a refused upgrade changed the module').toBe(
            installedShape[m.strategy],
          );
        }
      } catch (error) {
        t.reached++;
        throw error;
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Hostile repairs: `dramac_apply_module_repair` (added by the rebuilt boundary; absent on b7dc8cb,
// where every call fails with 42883 and these tests pass) takes a plan of statements for an
// installed module. SQL doors only: no public API wraps it.
// ---------------------------------------------------------------------------------------------
const REPAIR_DOORS: readonly Caller[] = ['service_role', 'provisioner'];
interface RepairAttack {
  readonly name: string;
  readonly strategy: Strategy;
  /** The checksum sent with the plan (the installed one by default; null skips its check). */
  readonly checksum?: 'installed' | 'none';
  statements(m: Installed): StatementLike[];
  goal?(m: Installed, a: Attempt): Promise<void>;
}
const repairs: RepairAttack[] = [
  {
    name: 'repair: grant "modadmin" to "modrole"',
    strategy: 'prefix',
    statements: (m) => [stmt('grant', `grant ${m.qadmin} to ${m.qrole}`)],
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'repair: the site policy dropped and recreated USING (true)',
    strategy: 'schema',
    statements: (m) => [dropPolicyUnquoted(m), openPolicy(m)],
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'repair: GRANT TRUNCATE to the module role',
    strategy: 'prefix',
    statements: (m) => [stmt('grant', `grant truncate on table ${m.qtable} to ${m.qrole}`)],
    goal: (m) => expectNoPrivilege(m, m.role, /TRUNCATE/),
  },
  {
    name: "repair: another module's secret through a cast error",
    strategy: 'schema',
    statements: (m) => [
      stmt(
        'backfill',
        `update ${m.qtable} set "qty" = (select "secret" from ${v.vault.quoted} limit 1)::integer`,
      ),
    ],
  },
  {
    name: 'repair: the DDL helper made SECURITY INVOKER, then a LOGIN role in the admin API',
    strategy: 'prefix',
    statements: (m) => [
      stmt('rename', `alter function ${helperOf(m)}(text[]) security invoker`),
      stmt(
        'create_role',
        `create role "evil_${m.short}" login password 'x' in role "dramac_admin_api"`,
      ),
    ],
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_roles where rolname = ${`evil_${m.short}`}`.execute(db);
      expect(rows, 'a login role created by the statements').toEqual([]);
    },
  },
  {
    name: "repair without a checksum: the DDL helper made SECURITY INVOKER, then another module's registry row",
    strategy: 'schema',
    checksum: 'none',
    statements: (m) => [
      stmt('rename', `alter function ${helperOf(m)}(text[]) security invoker`),
      stmt(
        'backfill',
        `update "public"."module_database_registry" set status = 'deprecated', drop_after = now() where module_short_id = '${v.ledger.short}'`,
      ),
    ],
  },
  {
    name: 'repair: a session advisory lock on the provisioning key',
    strategy: 'prefix',
    statements: (m) => [
      stmt(
        'backfill',
        `update ${m.qtable} set "body" = pg_advisory_lock(hashtext('dramac.provisioning'))::text`,
      ),
    ],
  },
];

describe('control: an empty repair', () => {
  it.each(REPAIR_DOORS)(
    'is accepted when %s calls (where the entry point exists)',
    async (caller) => {
      const m = await installAttacker('prefix');
      const { rows } = await sql<{ f: string | null }>`
      select to_regprocedure('public.dramac_apply_module_repair(jsonb, text, text, integer, integer)')::text as f`.execute(
        db,
      );
      const a = await attempt(env, caller, {
        kind: 'repair',
        plan: tamperPlan(m.plan, { statements: () => [] }),
        checksum: m.fromChecksum,
      });
      if (rows[0]?.f === null || rows[0]?.f === undefined) {
        expect(a.text).toContain('42883');
      } else if (caller === 'service_role' && !a.ok) {
        expect(a.text).toMatch(/permission denied|42501/);
      } else {
        expect(a.ok, a.text).toBe(true);
      }
    },
  );
});

describe.each(REPAIR_DOORS)('hostile repairs, as %s', (caller: Caller) => {
  for (const atk of repairs) {
    it(`${atk.name} (today: stopped, no such entry point)`, async () => {
      const before = await victimSnapshot(db, v);
      const m = await installAttacker(atk.strategy);
      const a = await attempt(env, caller, {
        kind: 'repair',
        plan: tamperPlan(m.plan, { statements: () => atk.statements(m) }),
        checksum: atk.checksum === 'none' ? null : m.fromChecksum,
      });
      if (process.env.ATTACK_DEBUG) {
        console.log(`[attack] ${caller} | ${atk.name} | ok=${a.ok} | ${a.text.split('\n')[0]}`);
      }
      await atk.goal?.(m, a);
      await expectContained(db, v, before, m, a, reference, { install: false });
      if (!a.ok) {
        expect(await moduleShape(db, m.short), 'a refused repair changed the module').toBe(
          installedShape[m.strategy],
        );
      }
    });
  }
});
