/**
 * Hostile install plans (issue 13, items 1-6 and their variants, plus session side effects and
 * objects outside the namespace). Each attack is a legitimate plan of a fresh attacker module
 * with statements added, replaced or removed (and, when the plan carries a `desired` model, that
 * model tampered to match), run three ways: as `service_role`, as a LOGIN member of
 * `dramac_provisioner`, and through `applyModulePlan`. Every test asserts that the attack's goal
 * was not reached and that nothing was left behind (`expectContained`), never an error code.
 *
 * Status on today's code (commit b7dc8cb, before the provisioning boundary is rebuilt): 120
 * attacks x 3 doors. The 55 attacks marked `today: 'succeeds'` reach their goal on every door, so
 * their 165 tests fail, each for the reason in its name: the membership exists; the site policy is
 * `USING (true)` (or FOR SELECT, TO authenticated, another module's id, OR true, WITH CHECK true);
 * the foreign key points into another module; the secret is in the error, in `module_data` or in a
 * session setting; the table grants TRUNCATE/REFERENCES/TRIGGER/ALL or a column grant, module_data
 * or schema auth; the table committed without forced RLS, with an open policy or another trigger
 * behind a shadowed catalog; the session keeps the setting or the lock. The 65 attacks marked
 * `today: 'stopped'` are variants PostgreSQL or today's text checks already stop (their 195 tests
 * pass today and guard the classes against regressions); among them the `escape:` attacks, aimed
 * at a design that runs the statements through a SECURITY DEFINER helper owned by the module
 * (they turn it into SECURITY INVOKER), and LISTEN/PREPARE/temporary tables in the session. The
 * run prints the tally per door (`[hostile-plans]`).
 */
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migratePlatform } from '../src/index';
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
  membersOf,
  policiesOf,
  privilegesOn,
  rlsOf,
} from './support/end-state';
import {
  insertAfter,
  literal,
  type PlanLike,
  replaceDeep,
  replaceExact,
  replaceWhere,
  type StatementLike,
  shadow,
  sideEffect,
  siteExpr,
  stmt,
  tamperPlan,
  without,
} from './support/hostile-plan';
import {
  type Attacker,
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

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  env = await createAttackEnv(tdb);
  v = await setUpVictims(db, tdb.factory);
  reference = await referenceShapes(db);
}, 120_000);

afterEach(async () => {
  if (v) await restoreVictims(db, v);
});

const tally = new Map<string, { reached: number; total: number }>();
afterAll(async () => {
  for (const [door, t] of tally) {
    console.log(`[hostile-plans] ${door}: ${t.reached} of ${t.total} attacks reached their goal`);
  }
  await dropAttackEnv(env);
  await tdb?.destroy();
});

type Strategy = 'prefix' | 'schema' | 'shared';
interface Built {
  readonly plan: PlanLike;
  readonly definitionJson?: unknown;
}
interface InstallAttack {
  readonly name: string;
  readonly strategy: Strategy;
  /** What the attack does on today's code (documentation; the test asserts the goal). */
  readonly today: 'succeeds' | 'stopped';
  build(m: Attacker): Built;
  /** SQL run in the calling session before the call (temporary views, ...). */
  prepare?(m: Attacker): string[];
  /** SQL run in the calling session before anything else (the session's own settings). */
  setup?(m: Attacker): string[];
  /** Checks of the attack's own goal, on top of `expectContained`. */
  goal?(m: Attacker, a: Attempt): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------
const kind = (k: string) => (s: StatementLike) => s.kind === k;
const isRoleCreation = kind('create_role');
const isPolicy = kind('create_policy');
const isTable = kind('create_table');
const isRls = kind('enable_rls');

/** `plan` with `extra` statements added after the last statement matching `after`. */
const adding = (
  m: Attacker,
  after: ((s: StatementLike) => boolean) | undefined,
  ...extra: StatementLike[]
): Built => ({
  plan: tamperPlan(m.plan, { statements: (s) => insertAfter(s, after, ...extra) }),
});

/** `plan` with the site policy statement replaced by `sql` (and the desired model's expressions, if asked). */
const replacingPolicy = (m: Attacker, policySql: string, desiredToo = false): Built => ({
  plan: tamperPlan(m.plan, {
    statements: (s) => replaceWhere(s, isPolicy, () => stmt('create_policy', policySql, m.table)),
    ...(desiredToo
      ? { desired: (d) => replaceDeep(d, /^.*dramac_can_access_current_site.*$/s, 'true') }
      : {}),
  }),
});

/**
 * An extra table created by `create table ... as <query>`, protected the way today's verification
 * wants (RLS enabled and forced, a permissive policy named `dramac_site_isolation`) and listed in
 * the plan's tables, so that only the query's side effects matter. The query must return no row.
 */
const extraCtas = (m: Attacker, name: string, query: string): Built => {
  const q = m.own(name);
  return {
    plan: tamperPlan(m.plan, {
      statements: (s) => [
        ...s,
        stmt('create_table', `create table ${q} as ${query}`, m.ownPlain(name)),
        stmt('enable_rls', `alter table ${q} enable row level security`, m.ownPlain(name)),
        stmt('enable_rls', `alter table ${q} force row level security`, m.ownPlain(name)),
        stmt(
          'create_policy',
          `create policy "dramac_site_isolation" on ${q} as permissive for all to ${m.qrole} using (false) with check (false)`,
          m.ownPlain(name),
        ),
      ],
      fields: { tables: [...m.plan.tables, m.ownPlain(name)] },
    }),
  };
};

/** The function the platform runs the module's statements in (platform migration 10). */
const RUNNER = '"dramac_ddl"."run"';
const helperOf = (_m: Attacker) => RUNNER;

/** No foreign key of the module points at another module's table. */
const expectNoForeignKeyOut = async (m: Attacker) => {
  const targets = await foreignKeyTargets(db, m.short);
  expect(
    targets.filter((t) => [v.vault.table, v.ledger.table].includes(t)),
    `foreign keys of ${m.short} into other modules`,
  ).toEqual([]);
};

/** No row of `module_data` under the attacker's id holds a secret. */
const expectNoCopy = async (m: Attacker) => {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from public.module_data
    where module_short_id = ${m.short} and value::text like '%S3CRET-%'`.execute(db);
  expect(rows[0]?.n, `secrets copied into module_data under ${m.short}`).toBe(0);
};

const expectNotMember = async (member: string, role: string) =>
  expect(await isMember(db, member, role), `${member} may act as ${role}`).toBe(false);

const expectSitePolicy = async (m: Attacker, table = m.table) => {
  const policies = await policiesOf(db, table);
  if (policies.length === 0) return; // refused: nothing there
  const actual = JSON.parse(JSON.stringify(policies).split(m.short).join('<short>'));
  expect(actual, `policies of ${table}`).toEqual(reference[m.strategy].policies);
};

const expectRlsForced = async (table: string) => {
  const rls = await rlsOf(db, table);
  if (rls) expect(rls, `${table} row-level security`).toEqual({ enabled: true, forced: true });
};

const expectNoPrivilege = async (_m: Attacker, table: string, role: string, re: RegExp) => {
  const privileges = (await privilegesOn(db, table)).filter((p) => p.startsWith(`${role}:`));
  expect(
    privileges.filter((p) => re.test(p)),
    `${role} privileges on ${table}`,
  ).toEqual([]);
};

// ---------------------------------------------------------------------------------------------
// The attacks
// ---------------------------------------------------------------------------------------------
const attacks: InstallAttack[] = [
  // 1. Memberships: the module role gets its admin role (every site's rows), or another role.
  {
    name: 'membership: grant "modadmin" to "modrole" (the planner quoting)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `grant ${m.qadmin} to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: grant modadmin (unquoted) to "modrole"',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `grant ${m.admin} to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: extra whitespace between the words',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `grant   ${m.qadmin}    to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: upper-case GRANT ... TO',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `GRANT ${m.qadmin} TO ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: with admin option, as a grant of the admin role',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, isRoleCreation, stmt('grant', `grant ${m.qadmin} to ${m.qrole} with admin option`)),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: the reverse grant "modrole" to "modadmin"',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `grant ${m.qrole} to ${m.qadmin}`)),
    goal: (m) => expectNotMember(m.admin, m.role),
  },
  {
    name: 'membership: grant "modadmin" to "modrole" with the desired model tampered to match',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          insertAfter(s, isRoleCreation, stmt('grant', `grant ${m.qadmin} to ${m.qrole}`)),
        desired: (d) => replaceDeep(d, 'dramac_admin_api', m.role),
      }),
    }),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: "membership: another module's admin role",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(m, isRoleCreation, stmt('grant', `grant "${v.vault.admin}" to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, v.vault.admin),
  },
  {
    name: "membership: another module's role",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, isRoleCreation, stmt('grant', `grant "${v.ledger.role}" to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, v.ledger.role),
  },
  {
    name: 'membership: pg_read_all_data',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, isRoleCreation, stmt('grant', `grant pg_read_all_data to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, 'pg_read_all_data'),
  },
  {
    name: 'membership: dramac_provisioner itself',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, isRoleCreation, stmt('grant', `grant "dramac_provisioner" to ${m.qrole}`)),
    goal: (m) => expectNotMember(m.role, 'dramac_provisioner'),
  },
  {
    name: 'membership: the module role created IN ROLE its admin role',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) => [
          stmt('create_role', `create role ${m.qadmin} nologin noinherit bypassrls`, m.admin),
          stmt(
            'create_role',
            `create role ${m.qrole} nologin noinherit in role ${m.qadmin}`,
            m.role,
          ),
          ...s.filter((x) => !isRoleCreation(x)),
        ],
      }),
    }),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'membership: the module role created with authenticated as a member (ROLE clause)',
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(
            s,
            (x) => isRoleCreation(x) && x.sql.includes(m.qrole),
            (x) => ({ ...x, sql: `${x.sql} role "authenticated"` }),
          ),
      }),
    }),
    goal: (m) => expectNotMember('authenticated', m.role),
  },
  {
    name: 'membership: the admin role created with the module role as a member (ROLE clause)',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(
            s,
            (x) => isRoleCreation(x) && x.sql.includes(m.qadmin),
            (x) => ({ ...x, sql: `${x.sql} role ${m.qrole}` }),
          ),
      }),
    }),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'role attributes: the module role created BYPASSRLS',
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(
            s,
            (x) => isRoleCreation(x) && x.sql.includes(m.qrole),
            (x) => ({ ...x, sql: `${x.sql} bypassrls` }),
          ),
      }),
    }),
  },
  {
    name: 'role attributes: ALTER ROLE "modrole" BYPASSRLS',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, isRoleCreation, stmt('create_role', `alter role ${m.qrole} bypassrls`)),
  },
  {
    name: 'role attributes: ALTER ROLE "modrole" LOGIN PASSWORD, as a grant',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(m, isRoleCreation, stmt('grant', `alter role ${m.qrole} login password 'x'`)),
  },

  // 2. The site policy: USING (true), other commands, other roles, other expressions.
  {
    name: 'policy: site policy USING (true) WITH CHECK (true)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: site policy USING (true) WITH CHECK (true), schema module',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: USING (true) with the platform WITH CHECK',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (${siteExpr(m.short)})`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: the platform USING with WITH CHECK (true) (writes to any site)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (${siteExpr(m.short)}) with check (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: the platform expression OR true',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using ((${siteExpr(m.short)}) or true) with check ((${siteExpr(m.short)}) or true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: FOR SELECT USING (true) under the site policy name',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for select to ${m.qrole} using (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: the platform expression, TO the module role and authenticated',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole}, "authenticated" using (${siteExpr(m.short)}) with check (${siteExpr(m.short)})`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: the platform expression, TO public',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to public using (${siteExpr(m.short)}) with check (${siteExpr(m.short)})`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: "policy: installation checked for another module's short id",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (${siteExpr(v.vault.short)}) with check (${siteExpr(v.vault.short)})`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: USING (site_id is not null)',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using ("site_id" is not null) with check ("site_id" is not null)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: unquoted policy name, USING (true)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy dramac_site_isolation on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: USING (true) with the desired model tampered to match',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "dramac_site_isolation" on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (true)`,
        true,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: a second permissive policy under another name',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isPolicy,
        stmt(
          'create_policy',
          `create policy "open" on ${m.qtable} as permissive for select to ${m.qrole} using (true)`,
        ),
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: the site policy restrictive and a permissive one named otherwise',
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(s, isPolicy, () => [
            stmt(
              'create_policy',
              `create policy "dramac_site_isolation" on ${m.qtable} as restrictive for all to ${m.qrole} using (true)`,
            ),
            stmt(
              'create_policy',
              `create policy "x" on ${m.qtable} as permissive for all to ${m.qrole} using (true)`,
            ),
          ]),
      }),
    }),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'policy: a permissive policy on module_data (a platform table)',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isPolicy,
        stmt(
          'create_policy',
          `create policy "open" on "public"."module_data" as permissive for select to public using (true)`,
        ),
      ),
  },
  {
    name: "policy: a permissive policy on another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isPolicy,
        stmt(
          'create_policy',
          `create policy "open" on ${v.vault.quoted} as permissive for select to "${v.vault.role}" using (true)`,
        ),
      ),
  },

  // 3. Foreign keys into other modules and into platform tables outside the allow-list.
  {
    name: "foreign key: CREATE TABLE with a column referencing another module's table",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(s, isTable, (x) => ({
            ...x,
            sql: x.sql.replace(
              ', constraint "pk_',
              `, "loot" uuid references ${v.vault.quoted} ("id"), constraint "pk_`,
            ),
          })),
      }),
    }),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: ADD CONSTRAINT into another module's table",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("site_id") references ${v.vault.quoted} ("id")`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: ADD COLUMN ... and ADD CONSTRAINT into another prefixed module's table",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add column "loot" uuid, add constraint "fk_loot" foreign key ("loot") references ${v.ledger.quoted} ("id")`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: the site_id key retargeted at another module's table, desired model too",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(s, isTable, (x) => ({
            ...x,
            sql: x.sql.replace(
              'references "public"."sites" ("id")',
              `references ${v.vault.quoted} ("id")`,
            ),
          })),
        desired: (d) =>
          replaceExact(
            replaceDeep(d, '"public"."sites"', v.vault.quoted),
            'public.sites',
            v.vault.table,
          ),
      }),
    }),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: "foreign key: declared in the definition too (a consistent lie about another module's table)",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) => {
      const source = JSON.parse(JSON.stringify(m.def.source));
      source.tables[0].columns.push({ name: 'loot', type: 'uuid', nullable: true });
      source.tables[0].foreignKeys = [
        {
          column: 'loot',
          references: { schema: v.vault.schema, table: v.vault.rel, column: 'id' },
        },
      ];
      return {
        plan: tamperPlan(m.plan, {
          statements: (s) =>
            replaceWhere(s, isTable, (x) => ({
              ...x,
              sql: x.sql.replace(
                ', constraint "pk_',
                `, "loot" uuid, constraint "fk_loot" foreign key ("loot") references ${v.vault.quoted} ("id"), constraint "pk_`,
              ),
            })),
        }),
        definitionJson: source,
      };
    },
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: 'foreign key: hidden in an enable_rls statement (ADD COLUMN ... REFERENCES, ENABLE RLS)',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        isRls,
        stmt(
          'enable_rls',
          `alter table ${m.qtable} add column "loot" uuid references ${v.vault.quoted} ("id"), enable row level security`,
        ),
      ),
    goal: (m) => expectNoForeignKeyOut(m),
  },
  {
    name: 'ownership: the table handed to the module role inside an enable_rls statement',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isRls,
        stmt(
          'enable_rls',
          `alter table ${m.qtable} owner to ${m.qrole}, enable row level security`,
        ),
      ),
  },
  {
    name: 'foreign key: into module_database_registry',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("site_id") references "public"."module_database_registry" ("id")`,
        ),
      ),
  },
  {
    name: 'foreign key: into module_data',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("site_id") references "public"."module_data" ("id")`,
        ),
      ),
  },
  {
    name: 'foreign key: into agency_members',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("site_id", "id") references "public"."agency_members" ("agency_id", "user_id")`,
        ),
      ),
  },
  {
    name: 'foreign key: into dramac_platform_migrations',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'add_foreign_key',
          `alter table ${m.qtable} add constraint "fk_loot" foreign key ("qty") references "public"."dramac_platform_migrations" ("version")`,
        ),
      ),
  },

  // 4. Reading other modules' data while the DDL runs.
  {
    name: "data read: CREATE TABLE AS leaks another module's row through a cast error",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(m, 'leak', `select (select "secret" from ${v.vault.quoted} limit 1)::integer as x`),
  },
  {
    name: "data read: CREATE TABLE AS leaks a prefixed module's row (schema module)",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'leak',
        `select (select "secret" from ${v.ledger.quoted} limit 1)::integer as x`,
      ),
  },
  {
    name: "data read: CREATE TABLE AS leaks a widget's module_data row",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'leak',
        `select (select value ->> 'secret' from "public"."module_data" where module_short_id = '${v.widget.short}' limit 1)::integer as x`,
      ),
  },
  {
    name: 'data read: query_to_xml inside CREATE TABLE AS',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'leak',
        `select query_to_xml('select secret from ${v.vault.quoted.replaceAll("'", "''")}', true, false, '')::text::integer as x`,
      ),
  },
  {
    name: "data read: a widget's plan leaks another module's row (its tables list stays empty)",
    strategy: 'shared',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_table',
          `create table "public"."mod_${m.short}_leak" as select (select "secret" from ${v.vault.quoted} limit 1)::integer as x`,
        ),
      ),
  },
  {
    name: 'data copy: a data-modifying CTE copies rows into module_data',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'loot',
        `with c as (insert into "public"."module_data" (module_short_id, site_id, collection, key, value)
           select '${m.short}', s.site_id, 'loot', s.id::text, jsonb_build_object('s', s.secret) from ${v.vault.quoted} s returning 1)
         select 1 as x from c where false`,
      ),
  },
  {
    name: "data copy: INSERT ... SELECT of a prefixed module's rows inside a CTE",
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'loot',
        `with c as (insert into "public"."module_data" (module_short_id, site_id, collection, key, value)
           select '${m.short}', s.site_id, 'loot', s.id::text, to_jsonb(s) from ${v.ledger.quoted} s returning 1)
         select 1 as x from c where false`,
      ),
    goal: (m) => expectNoCopy(m),
  },
  {
    name: 'data copy: into the calling session through set_config(..., false)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'loot',
        sideEffect(`set_config('attack.marker', s2.secret, false)`, `from ${v.vault.quoted} s2`),
      ),
  },
  {
    name: 'data read: a platform table the provisioner may not read (agency_members)',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      extraCtas(
        m,
        'leak',
        `select (select user_id::text from "public"."agency_members" limit 1)::integer as x`,
      ),
    goal: async (_m, a) => expect(a.text).not.toContain(v.user),
  },
  {
    name: "data read: the registry's record of another module",
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'leak',
        `select (select checksum from "public"."module_database_registry" where module_short_id = '${v.vault.short}')::integer as x`,
      ),
    goal: async (_m, a) => {
      const { rows } = await sql<{ checksum: string }>`
        select checksum from public.module_database_registry where module_short_id = ${v.vault.short}`.execute(
        db,
      );
      expect(a.text).not.toContain((rows[0]?.checksum ?? '').slice('sha256:'.length));
    },
  },
  {
    name: 'data read: a view over another module (as a create_table statement)',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create view ${m.own('v')} as select * from ${v.vault.quoted}`),
      ),
  },
  {
    name: 'data read: a rule on the module table that copies inserts elsewhere',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_trigger',
          `create rule "r" as on insert to ${m.qtable} do also insert into ${v.ledger.quoted} (site_id, secret) values (new.site_id, new.body)`,
        ),
      ),
  },
  {
    name: 'data read: a SECURITY DEFINER function in the namespace',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_table',
          `create function ${m.own('f')}() returns text language sql security definer as 'select secret from ${v.vault.quoted.replaceAll("'", "''")} limit 1'`,
        ),
      ),
  },
  {
    name: 'data read: a trigger calling another function than the shared one',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_trigger',
          `create trigger "t" before update on ${m.qtable} for each row execute function "pg_catalog"."suppress_redundant_updates_trigger"()`,
        ),
      ),
  },
  {
    name: "data read: a trigger on another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_trigger',
          `create trigger "t" before update on ${v.vault.quoted} for each row execute function "public"."dramac_set_updated_at"()`,
        ),
      ),
  },
  {
    name: 'data read: an index expression calling query_to_xml',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_index',
          `create index "i_loot" on ${m.qtable} ((query_to_xml('select secret from ${v.vault.quoted.replaceAll("'", "''")}', true, false, '')::text))`,
        ),
      ),
  },
  {
    name: "data read: a column default calling query_to_xml (evaluated by the module's role)",
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, {
        statements: (s) =>
          replaceWhere(s, isTable, (x) => ({
            ...x,
            sql: x.sql.replace(
              '"body" text',
              `"body" text default (query_to_xml('select secret from ${v.vault.quoted.replaceAll("'", "''")}', true, false, ''))::text`,
            ),
          })),
      }),
    }),
    goal: async (m, a) => {
      if (!a.ok) return;
      // The module's own role inserts a row on a site where it is installed: the default runs as it.
      await sql`insert into public.module_site_installations (module_short_id, site_id, module_id)
        values (${m.short}, ${v.site}::uuid, ${m.def.moduleId}::uuid)`.execute(db);
      const claims = JSON.stringify({ sub: v.user, site_id: v.site, role: 'authenticated' });
      const body = await db
        .transaction()
        .execute(async (trx) => {
          await sql`select set_config('request.jwt.claims', ${claims}, true), set_config('role', ${m.role}, true)`.execute(
            trx,
          );
          const { rows } = await sql<{ body: string | null }>`
            insert into ${sql.id(...(m.table.split('.') as [string, string]))} (site_id)
            values (${v.site}::uuid) returning body`.execute(trx);
          return rows[0]?.body ?? '';
        })
        .catch((e: Error) => e.message);
      await sql`delete from public.module_site_installations where module_short_id = ${m.short}`.execute(
        db,
      );
      expect(body).not.toContain(v.vault.secret);
    },
  },

  // 5. Privileges: TRUNCATE ignores RLS, REFERENCES and TRIGGER reach past it, grant options spread.
  {
    name: 'privilege: GRANT TRUNCATE to the module role',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant truncate on table ${m.qtable} to ${m.qrole}`)),
    goal: (m) => expectNoPrivilege(m, m.table, m.role, /TRUNCATE/),
  },
  {
    name: 'privilege: GRANT REFERENCES to the module role',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant references on table ${m.qtable} to ${m.qrole}`),
      ),
    goal: (m) => expectNoPrivilege(m, m.table, m.role, /REFERENCES/),
  },
  {
    name: 'privilege: GRANT TRIGGER to the module role',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant trigger on table ${m.qtable} to ${m.qrole}`)),
    goal: (m) => expectNoPrivilege(m, m.table, m.role, /TRIGGER/),
  },
  {
    name: 'privilege: GRANT ALL to the module role',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant all on table ${m.qtable} to ${m.qrole}`)),
    goal: (m) => expectNoPrivilege(m, m.table, m.role, /TRUNCATE|REFERENCES|TRIGGER/),
  },
  {
    name: 'privilege: GRANT TRUNCATE to the admin role',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant truncate on table ${m.qtable} to ${m.qadmin}`)),
    goal: (m) => expectNoPrivilege(m, m.table, m.admin, /TRUNCATE/),
  },
  {
    name: 'privilege: a column-level REFERENCES grant',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant references ("id") on table ${m.qtable} to ${m.qrole}`),
      ),
    goal: (m) => expectNoPrivilege(m, m.table, m.role, /REFERENCES/),
  },
  {
    name: 'privilege: module_data granted to a prefixed module',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt(
          'grant',
          `grant select, insert, update, delete on table "public"."module_data" to ${m.qrole}`,
        ),
      ),
    goal: (m) => expectNoPrivilege(m, 'public.module_data', m.role, /./),
  },
  {
    name: 'privilege: USAGE on schema auth',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant usage on schema "auth" to ${m.qrole}`)),
    goal: async (m) => {
      // Granted to the role itself (not through a platform group a legitimate install may use).
      const { rows } = await sql<{ acl: string | null }>`
        select nspacl::text as acl from pg_namespace where nspname = 'auth'`.execute(db);
      expect(rows[0]?.acl ?? '', 'direct grant on schema auth').not.toContain(`${m.role}=`);
    },
  },
  {
    name: 'privilege: SELECT to anon',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant select on table ${m.qtable} to "anon"`)),
  },
  {
    name: 'privilege: everything to authenticated',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt(
          'grant',
          `grant select, insert, update, delete on table ${m.qtable} to "authenticated"`,
        ),
      ),
  },
  {
    name: 'privilege: SELECT to PUBLIC',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(m, kind('grant'), stmt('grant', `grant select on table ${m.qtable} to public`)),
  },
  {
    name: 'privilege: SELECT to service_role',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant select on table ${m.qtable} to "service_role"`),
      ),
  },
  {
    name: 'privilege: WITH GRANT OPTION to the module role',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant select on table ${m.qtable} to ${m.qrole} with grant option`),
      ),
  },
  {
    name: 'privilege: every table of schema public to the module role',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant select, truncate on all tables in schema "public" to ${m.qrole}`),
      ),
    goal: (m) => expectNoPrivilege(m, v.ledger.table, m.role, /./),
  },
  {
    name: "privilege: TRUNCATE on another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant truncate on table ${v.vault.quoted} to ${m.qrole}`),
      ),
    goal: (m) => expectNoPrivilege(m, v.vault.table, m.role, /./),
  },
  {
    name: "privilege: USAGE on another module's schema",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `grant usage on schema "${v.vault.schema}" to ${m.qrole}`),
      ),
  },
  {
    name: 'privilege: EXECUTE on a platform function the module must not call',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt(
          'grant',
          `grant execute on function "public"."get_module_tables"(text, boolean) to ${m.qrole}`,
        ),
      ),
    goal: async (m) => {
      const { rows } = await sql<{ x: boolean }>`
        select case when exists (select 1 from pg_roles where rolname = ${m.role})
          then has_function_privilege(${m.role}, 'public.get_module_tables(text, boolean)', 'execute') else false end as x`.execute(
        db,
      );
      expect(rows[0]?.x).toBe(false);
    },
  },
  {
    name: 'privilege: ALTER DEFAULT PRIVILEGES in schema public to anon',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt('grant', `alter default privileges in schema "public" grant all on tables to "anon"`),
      ),
  },
  {
    name: 'privilege: ALTER DEFAULT PRIVILEGES for the provisioner to the module role',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        kind('grant'),
        stmt(
          'grant',
          `alter default privileges for role "dramac_provisioner" grant select on tables to ${m.qrole}`,
        ),
      ),
  },

  // 6. Catalogs shadowed by temporary views in the calling session.
  {
    name: 'shadowed pg_class: a table committed without row-level security',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgClass(),
    build: (m) => ({ plan: tamperPlan(m.plan, { statements: (s) => without(s, isRls) }) }),
    goal: (m) => expectRlsForced(m.table),
  },
  {
    name: 'shadowed pg_class: a schema table committed without row-level security',
    strategy: 'schema',
    today: 'succeeds',
    prepare: () => shadow.pgClass(),
    build: (m) => ({ plan: tamperPlan(m.plan, { statements: (s) => without(s, isRls) }) }),
    goal: (m) => expectRlsForced(m.table),
  },
  {
    name: 'shadowed pg_class: an unlisted table without RLS hidden from the namespace check',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgClass("'%hidden%'"),
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create table ${m.own('hidden')} ("site_id" uuid, "x" text)`),
      ),
    goal: (m) => expectRlsForced(m.ownPlain('hidden')),
  },
  {
    name: 'shadowed pg_policy: the site policy replaced by an open one named otherwise',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgPolicy(),
    build: (m) =>
      replacingPolicy(
        m,
        `create policy "open" on ${m.qtable} as permissive for all to ${m.qrole} using (true) with check (true)`,
      ),
    goal: (m) => expectSitePolicy(m),
  },
  {
    name: 'shadowed pg_trigger: a trigger calling another function',
    strategy: 'schema',
    today: 'succeeds',
    prepare: () => shadow.pgTrigger(),
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_trigger',
          `create trigger "t" before update on ${m.qtable} for each row execute function "pg_catalog"."suppress_redundant_updates_trigger"()`,
        ),
      ),
  },
  {
    name: 'shadowed pg_class, pg_policy, pg_trigger, pg_namespace, pg_roles: no RLS, no policy',
    strategy: 'schema',
    today: 'succeeds',
    prepare: () => [
      ...shadow.pgClass(),
      ...shadow.pgPolicy(),
      ...shadow.pgTrigger(),
      ...shadow.pgNamespace(),
      ...shadow.pgRoles(),
    ],
    build: (m) => ({
      plan: tamperPlan(m.plan, { statements: (s) => without(s, (x) => isRls(x) || isPolicy(x)) }),
    }),
    goal: async (m) => {
      await expectRlsForced(m.table);
      await expectSitePolicy(m);
    },
  },
  {
    name: 'shadowed pg_roles: the data API is never granted the module role',
    strategy: 'prefix',
    today: 'succeeds',
    prepare: () => shadow.pgRoles(),
    build: (m) => ({ plan: m.plan }),
    goal: async (m, a) => {
      if (a.ok) expect(await membersOf(db, m.role)).toContain('dramac_data_api');
    },
  },

  // Session side effects left on the caller's connection.
  {
    name: 'session: search_path changed with set_config(..., false)',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(m, 'fx', sideEffect(`set_config('search_path', 'mod_${m.short}, public', false)`)),
  },
  {
    name: 'session: forged request claims left with set_config(..., false)',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      extraCtas(
        m,
        'fx',
        sideEffect(
          `set_config('request.jwt.claims', ${literal(JSON.stringify({ sub: v.user, site_id: v.site, role: 'authenticated' }))}, false)`,
        ),
      ),
  },
  {
    name: 'session: the provisioning advisory lock held past the call',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(m, 'fx', sideEffect(`pg_advisory_lock(hashtext('dramac.provisioning'))`)),
  },
  {
    name: 'session: statement_timeout of 1 ms left behind',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => extraCtas(m, 'fx', sideEffect(`set_config('statement_timeout', '1', false)`)),
  },
  {
    name: 'session: default_transaction_read_only left on',
    strategy: 'prefix',
    today: 'succeeds',
    build: (m) =>
      extraCtas(m, 'fx', sideEffect(`set_config('default_transaction_read_only', 'on', false)`)),
  },
  {
    name: 'session: standard_conforming_strings turned off',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) =>
      extraCtas(m, 'fx', sideEffect(`set_config('standard_conforming_strings', 'off', false)`)),
  },
  {
    name: 'session: role switched with set_config',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => extraCtas(m, 'fx', sideEffect(`set_config('role', '${m.admin}', false)`)),
  },

  {
    name: 'session: row_security turned off for the session',
    strategy: 'schema',
    today: 'succeeds',
    build: (m) => extraCtas(m, 'fx', sideEffect(`set_config('row_security', 'off', false)`)),
  },

  {
    name: "session: a temporary table shadowing public.sites left in the caller's session",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', 'create temp table "sites" ("id" uuid, "name" text)'),
      ),
  },
  {
    name: "session: LISTEN left in the caller's session",
    strategy: 'schema',
    today: 'stopped',
    build: (m) => adding(m, undefined, stmt('grant', `listen "loot_${m.short}"`)),
  },
  {
    name: "session: a prepared statement left in the caller's session",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => adding(m, undefined, stmt('grant', `prepare "p_${m.short}" as select 1`)),
  },
  {
    name: "session: the caller's own statement_timeout overwritten",
    strategy: 'schema',
    today: 'succeeds',
    setup: () => ["set statement_timeout = '123s'"],
    build: (m) => extraCtas(m, 'fx', sideEffect(`set_config('statement_timeout', '0', false)`)),
  },

  // Escaping the statements' least-privileged role: the DDL helper (if the platform runs the
  // statements through one owned by the module) made SECURITY INVOKER by the statements themselves.
  {
    name: 'escape: the DDL helper altered to SECURITY INVOKER, then a membership grant',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isRoleCreation,
        stmt('create_table', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt('grant', `grant ${m.qadmin} to ${m.qrole}`),
      ),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'escape: the DDL helper replaced by a SECURITY INVOKER one, then a membership grant',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        isRoleCreation,
        stmt(
          'create_table',
          `create or replace function ${helperOf(m)}(p_sql text[]) returns integer language plpgsql security invoker as 'declare s text; begin foreach s in array p_sql loop execute s; end loop; return 0; end'`,
        ),
        stmt('grant', `grant ${m.qadmin} to ${m.qrole}`),
      ),
    goal: (m) => expectNotMember(m.role, m.admin),
  },
  {
    name: 'escape: the DDL helper made SECURITY INVOKER, then a LOGIN role in the admin API',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt(
          'create_role',
          `create role "evil_${m.short}" login password 'x' in role "dramac_admin_api"`,
        ),
      ),
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_roles where rolname = ${`evil_${m.short}`}`.execute(db);
      expect(rows, 'a login role created by the statements').toEqual([]);
    },
  },
  {
    name: "escape: the DDL helper made SECURITY INVOKER, then another module's registry row",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt(
          'backfill',
          `update "public"."module_database_registry" set status = 'deprecated', drop_after = now() where module_short_id = '${v.ledger.short}'`,
        ),
      ),
  },
  {
    name: "escape: the DDL helper made SECURITY INVOKER, then another module's rows read past RLS",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `alter function ${helperOf(m)}(text[]) security invoker`),
        stmt('enable_rls', `alter table ${v.vault.quoted} no force row level security`),
        stmt(
          'create_table',
          `create table ${m.own('leak')} as select (select "secret" from ${v.vault.quoted} limit 1)::integer as x`,
        ),
      ),
  },

  // The runner itself (platform migration 10): one persistent function, owned by the module's
  // owner role during its call only. Whatever the statements do to it must not outlive the call:
  // expectContained checks it is back at rest, unchanged, alone in its schema.
  ...(
    [
      [
        'granted to PUBLIC',
        'schema',
        () => `grant execute on function ${RUNNER}(text[]) to public`,
      ],
      [
        'granted to the module role',
        'prefix',
        (m: Attacker) => `grant execute on function ${RUNNER}(text[]) to ${m.qrole}`,
      ],
      [
        'renamed, and a SECURITY INVOKER look-alike put in its place',
        'schema',
        () => `alter function ${RUNNER}(text[]) rename to "run_old"`,
        () =>
          `create function ${RUNNER}(p_sql text[]) returns integer language plpgsql security invoker as 'declare s text; begin foreach s in array p_sql loop execute s; end loop; return 0; end'`,
      ],
      [
        'replaced by a SECURITY DEFINER body without its owner check',
        'prefix',
        () =>
          `create or replace function ${RUNNER}(p_sql text[]) returns integer language plpgsql security definer as 'declare s text; begin foreach s in array p_sql loop execute s; end loop; return 0; end'`,
      ],
      ['dropped during its own call', 'schema', () => `drop function ${RUNNER}(text[])`],
      [
        'moved into the module schema',
        'schema',
        (m: Attacker) => `alter function ${RUNNER}(text[]) set schema "mod_${m.short}"`,
      ],
      [
        'given a search path of its own',
        'prefix',
        () => `alter function ${RUNNER}(text[]) set search_path = public`,
      ],
      [
        'tied to an extension (dropping plpgsql would drop it)',
        'schema',
        () => `alter function ${RUNNER}(text[]) depends on extension plpgsql`,
      ],
      ['given a comment', 'prefix', () => `comment on function ${RUNNER}(text[]) is 'mine'`],
      [
        'handed to the module owners group',
        'schema',
        () => `alter function ${RUNNER}(text[]) owner to "dramac_module_owners"`,
      ],
      [
        'an overload beside it in its schema',
        'prefix',
        () =>
          `create function "dramac_ddl"."run"(p_sql text) returns integer language sql as 'select 1'`,
      ],
      ['a table in its schema', 'schema', () => `create table "dramac_ddl"."t" (x integer)`],
      [
        'a type in its schema, owned by the module owner',
        'prefix',
        () => `create type "dramac_ddl"."mood" as enum ('x')`,
      ],
    ] as const
  ).map(
    ([what, strategy, ...sqlOf]): InstallAttack => ({
      name: `runner: the DDL runner ${what}`,
      strategy,
      today: 'stopped',
      build: (m) => adding(m, isTable, ...sqlOf.map((f) => stmt('create_table', f(m)))),
    }),
  ),

  // Objects a prefixed module (which may create in public while its DDL runs) leaves in public.
  {
    name: 'outside (prefix): a function in public shadowing lower() for varchar arguments',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
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
  {
    name: 'outside (prefix): a view in public',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create view "public"."evil_${m.short}" as select 1 as x`),
      ),
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_class where relname = ${`evil_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },
  {
    name: 'outside (prefix): a type and a sequence in public',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create type "public"."evil_${m.short}" as enum ('a')`),
        stmt('create_table', `create sequence "public"."evils_${m.short}"`),
      ),
    goal: async (m) => {
      const { rows } = await sql`
        select 1 from pg_type where typname = ${`evil_${m.short}`}
        union all select 1 from pg_class where relname = ${`evils_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },
  {
    name: 'outside (prefix): a table in public without the prefix, RLS and all',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => {
      const t = `"public"."evil_${m.short}"`;
      return adding(
        m,
        undefined,
        stmt('create_table', `create table ${t} ("id" uuid primary key, "site_id" uuid)`),
        stmt('enable_rls', `alter table ${t} enable row level security`),
        stmt('enable_rls', `alter table ${t} force row level security`),
      );
    },
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_class where relname = ${`evil_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },

  // The plan's identity pointing elsewhere.
  {
    name: "identity: the plan's tables list naming another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: tamperPlan(m.plan, { fields: { tables: [...m.plan.tables, v.vault.table] } }),
    }),
  },
  {
    name: "identity: the plan's role set to another module's role",
    strategy: 'prefix',
    today: 'stopped',
    build: (m) => ({ plan: tamperPlan(m.plan, { fields: { role: v.ledger.role } }) }),
  },
  {
    name: "identity: a plan re-using an installed module's id",
    strategy: 'schema',
    today: 'stopped',
    build: (m) => ({
      plan: JSON.parse(
        JSON.stringify(m.plan)
          .split(m.def.moduleId)
          .join(v.vault.moduleId)
          .split(m.short)
          .join(v.vault.short)
          .replaceAll('"notes"', `"${v.vault.rel}"`)
          .replaceAll('.notes', `.${v.vault.rel}`),
      ),
    }),
  },

  // Objects outside the namespace.
  {
    name: 'outside: a table in public without the module prefix',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create table "public"."evil_${m.short}" ("x" text)`),
      ),
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_class where relname = ${`evil_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },
  {
    name: "outside: a table inheriting another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create table ${m.own('kid')} () inherits (${v.vault.quoted})`),
      ),
  },
  {
    name: 'outside: a type in public',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create type "public"."evil_${m.short}" as ("x" int)`),
      ),
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_type where typname = ${`evil_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },
  {
    name: 'outside: a function in public',
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'create_table',
          `create function "public"."evil_${m.short}"() returns int language sql as 'select 1'`,
        ),
      ),
    goal: async (m) => {
      const { rows } =
        await sql`select 1 from pg_proc where proname = ${`evil_${m.short}`}`.execute(db);
      expect(rows).toEqual([]);
    },
  },
  {
    name: 'outside: a temporary table',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(m, undefined, stmt('create_table', `create temp table "evil_${m.short}" ("x" text)`)),
  },
  {
    name: "outside: an index on another module's table",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_index', `create index "i_evil" on ${v.vault.quoted} ("secret")`),
      ),
  },
  {
    name: 'outside: an index on a platform table',
    strategy: 'prefix',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_index', `create index "i_evil" on "public"."sites" ("name")`),
      ),
  },
  {
    name: 'outside: a widget plan creating a table',
    strategy: 'shared',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt('create_table', `create table "public"."mod_${m.short}_t" ("site_id" uuid)`),
      ),
  },
  {
    name: "outside: revoking another module's grant on the policy helpers",
    strategy: 'schema',
    today: 'stopped',
    build: (m) =>
      adding(
        m,
        undefined,
        stmt(
          'revoke',
          `revoke all on function "public"."dramac_can_access_current_site"(text) from "${v.vault.role}"`,
        ),
      ),
  },
];

// ---------------------------------------------------------------------------------------------
// The legitimate plan goes through each door (the harness works; the attacks are what differ)
// ---------------------------------------------------------------------------------------------
describe('control: the unmodified plan', () => {
  it.each(CALLERS)('is applied as planned when %s calls', async (caller) => {
    const before = await victimSnapshot(db, v);
    const m = await newAttacker('prefix');
    const a = await attempt(env, caller, { kind: 'plan', plan: m.plan, definition: m.def });
    if (caller === 'service_role' && !a.ok) {
      // Allowed outcome if the platform withdraws service_role's provisioning path (issue 13).
      expect(a.text).toMatch(/permission denied|42501/);
    } else {
      expect(a.ok, a.text).toBe(true);
      expect(await rlsOf(db, m.table)).toEqual({ enabled: true, forced: true });
    }
    await expectContained(db, v, before, m, a, reference);
  });
});

describe.each(CALLERS)('hostile install plans, as %s', (caller: Caller) => {
  for (const atk of attacks) {
    it(`${atk.name} (today: ${atk.today})`, async () => {
      const before = await victimSnapshot(db, v);
      const m = await newAttacker(atk.strategy);
      const built = atk.build(m);
      const a = await attempt(
        env,
        caller,
        {
          kind: 'plan',
          plan: built.plan,
          definition: m.def,
          ...(built.definitionJson ? { definitionJson: built.definitionJson } : {}),
        },
        { prepare: atk.prepare?.(m) ?? [], setup: atk.setup?.(m) ?? [] },
      );
      if (process.env.ATTACK_DEBUG) {
        console.log(`[attack] ${caller} | ${atk.name} | ok=${a.ok} | ${a.text.split('\n')[0]}`);
      }
      const t = tally.get(caller) ?? { reached: 0, total: 0 };
      t.total++;
      tally.set(caller, t);
      try {
        await atk.goal?.(m, a);
        await expectContained(db, v, before, m, a, reference);
      } catch (error) {
        t.reached++;
        throw error;
      }
    });
  }
});
