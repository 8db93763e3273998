// The plan summary labels every statement with the table lock it takes. This runs a real
// upgrade plan's statements one by one on PostgreSQL and reads pg_locks after each, so the
// labels are PostgreSQL's behaviour, not a guess.
import { randomUUID } from 'node:crypto';
import {
  migratePlatform,
  planModuleUpgrade,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '@dramac/module-db';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindInfo, type LockMode, summarizePlan } from '../src/lib/plan-summary';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

// Roles are cluster-wide: a fresh module id keeps this file apart from every other test.
const moduleId = randomUUID();
const v1 = {
  moduleId,
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'alpha',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'note', type: 'text', nullable: true },
        { name: 'score', type: 'smallint', nullable: true },
        { name: 'legacy', type: 'text', nullable: true },
      ],
      indexes: [{ columns: ['name'] }],
      rlsPolicies: [{ name: 'named_only', action: 'SELECT', using: "name <> ''" }],
    },
    {
      name: 'beta',
      columns: [
        { name: 'alpha_id', type: 'uuid', nullable: true },
        { name: 'label', type: 'text', nullable: true },
      ],
    },
    { name: 'gamma', columns: [{ name: 'x', type: 'text' }] },
  ],
};
const v2 = {
  ...v1,
  version: '2.0.0',
  tables: [
    {
      name: 'alpha',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'memo', type: 'text', nullable: true },
        { name: 'score', type: 'integer', nullable: true },
        { name: 'extra', type: 'text', nullable: true },
        { name: 'updated_at', type: 'timestamptz', default: 'now()' },
      ],
      rlsPolicies: [{ name: 'short_names', action: 'INSERT', withCheck: 'length(name) < 100' }],
    },
    {
      name: 'beta',
      columns: [
        { name: 'alpha_id', type: 'uuid', nullable: true },
        { name: 'label', type: 'text', check: "label <> ''" },
      ],
      foreignKeys: [{ column: 'alpha_id', references: { table: 'alpha', column: 'id' } }],
    },
    { name: 'delta', columns: [{ name: 'y', type: 'text' }] },
  ],
  migrations: [
    { kind: 'renameColumn', table: 'alpha', from: 'note', to: 'memo' },
    { kind: 'alterType', table: 'alpha', column: 'score' },
    { kind: 'dropColumn', table: 'alpha', column: 'legacy' },
    { kind: 'dropTable', table: 'gamma' },
    { kind: 'backfill', table: 'beta', column: 'label', value: "'none'" },
    { kind: 'setNotNull', table: 'beta', column: 'label' },
    { kind: 'addConstraint', table: 'beta', column: 'label', constraint: 'check' },
  ],
};

const MODES: Record<string, LockMode> = {
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
};
const ORDER: readonly string[] = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

// By oid: a dropped table has no name left to look up.
async function locksOn(trx: Kysely<any>, oid: number): Promise<Set<string>> {
  const { rows } = await sql<{ mode: string }>`
    select mode from pg_catalog.pg_locks
    where locktype = 'relation' and pid = pg_backend_pid() and relation = ${oid}`.execute(trx);
  return new Set(rows.map((r) => r.mode));
}

describe('plan summary lock labels', () => {
  it('match the locks PostgreSQL takes for every kind of upgrade statement', async () => {
    const installed = await validateModuleDefinition(v1);
    await provisionModuleDatabase(db, v1 as never, { actor: 'locks-test' });
    const plan = planModuleUpgrade(installed, await validateModuleDefinition(v2));
    expect(plan.refused).toEqual([]);
    const summary = summarizePlan(plan.statements, { changes: plan.changes });

    const checked = new Map<string, LockMode>();
    for (let i = 0; i < plan.statements.length; i++) {
      const statement = plan.statements[i] as (typeof plan.statements)[number];
      const item = summary.items[i] as (typeof summary.items)[number];
      if (item.lock.mode === 'new table') continue;
      // The statement alone on the installed version when it runs there; else after the
      // statements before it (then a mode they already took cannot be seen again). Rolled back.
      let observed = await observe(plan.statements.slice(i, i + 1), statement.target);
      if (observed === 'failed')
        observed = await observe(plan.statements.slice(0, i + 1), statement.target);
      if (observed === 'other' || observed === 'failed') continue;
      expect(observed, `${statement.kind}: ${statement.sql}`).toBe(item.lock.mode);
      checked.set(statement.kind, observed);
    }
    // Every kind this plan contains on an existing table was observed at least once.
    const kinds = new Set(
      summary.items.filter((i) => i.lock.mode !== 'new table').map((i) => i.kind),
    );
    console.log(`[plan-locks] observed: ${[...checked].map(([k, m]) => `${k}=${m}`).join(', ')}`);
    expect([...checked.keys()].sort()).toEqual([...kinds].sort());
    expect(kinds.size).toBeGreaterThanOrEqual(8);
    expect(kindInfo('drop_table').lock).toBe('ACCESS EXCLUSIVE');
  });

  it('match for the kinds only a fresh install or a repair runs on an existing table', async () => {
    // An installed table of this module (provisioned by the test above, or here on its own).
    if (
      !(
        await sql`select to_regclass(${`public.mod_${moduleId.slice(0, 8)}_alpha`}) as t`.execute(
          db,
        )
      ).rows[0]
    ) {
      await provisionModuleDatabase(db, v1 as never);
    }
    const table = `public.mod_${moduleId.slice(0, 8)}_beta`;
    const q = `"public"."mod_${moduleId.slice(0, 8)}_beta"`;
    const cases: [string, string][] = [
      ['grant', `grant select on table ${q} to "anon"`],
      ['revoke', `revoke all on table ${q} from "anon"`],
      ['enable_rls', `alter table ${q} force row level security`],
      ['drop_constraint', `alter table ${q} drop constraint if exists "nothing_here"`],
    ];
    for (const [kind, statement] of cases) {
      expect(await observe([{ sql: statement }], table), kind).toBe(kindInfo(kind).lock);
    }
  });
});

class RolledBack extends Error {}

/**
 * Runs `statements` in a transaction that is rolled back and returns the strongest lock mode
 * the last one added on `table`: `failed` when a statement fails, `other` when the mode cannot be
 * told (the transaction already held a mode at least as strong) or is not one the summary names.
 */
async function observe(
  statements: readonly { sql: string }[],
  table: string,
): Promise<LockMode | 'other' | 'failed'> {
  let observed: LockMode | 'other' | 'failed' = 'none';
  await db
    .transaction()
    .execute(async (trx) => {
      for (const s of statements.slice(0, -1)) await sql.raw(s.sql).execute(trx);
      const { rows } = await sql<{ oid: number }>`
        select to_regclass(${table})::oid::int as oid`.execute(trx);
      const oid = rows[0]?.oid ?? 0;
      const before = await locksOn(trx, oid);
      await sql.raw((statements.at(-1) as { sql: string }).sql).execute(trx);
      const added = [...(await locksOn(trx, oid))].filter((m) => !before.has(m));
      const rank = (m: string) => ORDER.indexOf(m);
      const strongest = added.sort((a, b) => rank(b) - rank(a))[0];
      const held = Math.max(-1, ...[...before].map(rank));
      if (strongest === undefined) observed = before.size > 0 ? 'other' : 'none';
      else if (held >= rank(strongest)) observed = 'other';
      else observed = MODES[strongest] ?? 'other';
      throw new RolledBack();
    })
    .catch((error) => {
      if (error instanceof RolledBack) return;
      if ((error as { code?: string }).code) {
        observed = 'failed';
        return;
      }
      throw error;
    });
  return observed;
}
