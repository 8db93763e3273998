/**
 * Counting under row-level security with parallel workers (issue 17, item 4). The request helpers
 * every policy calls are PARALLEL RESTRICTED: the leader evaluates them once as InitPlans and hands
 * their values to the workers, so a large site's scan can run in parallel. This proves, with rows
 * on every site and the planner pushed to parallel plans, that isolation is exactly what it is in a
 * serial plan: each member counts exactly their site's rows, a user of another agency, a visitor,
 * another module's role and a module not installed count nothing or are refused.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installModuleForSite,
  migratePlatform,
  provisionModuleDatabase,
  setSitePublic,
} from '../src/index';
import { rejectionOf } from './module-request';

let tdb: TestDatabase;
let db: Kysely<any>;
const sites: string[] = [];
let userA: string; // member of the agency of sites[0..1]
let userB: string; // member of the agency of sites[2..3]
let table: string; // qualified, quoted
let role: string;
let visitor: string;
let otherRole: string;
const ROWS_PER_SITE = [3000, 5000, 7000, 9000];

const HELPERS = [
  'dramac_current_site_id()',
  'dramac_current_user_id()',
  'dramac_current_module_short_id()',
  'dramac_can_access_current_site(text)',
  'dramac_visitor_can_access_current_site(text)',
];

/** Runs `fn` as `asRole` with the claims, the planner pushed to parallel plans. */
function inParallelContext<T>(
  asRole: string,
  claims: Record<string, unknown>,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    for (const setting of [
      'parallel_setup_cost',
      'parallel_tuple_cost',
      'min_parallel_table_scan_size',
      'min_parallel_index_scan_size',
    ])
      await sql`select set_config(${setting}, '0', true)`.execute(trx);
    await sql`select set_config('max_parallel_workers_per_gather', '2', true)`.execute(trx);
    await sql`select set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`.execute(
      trx,
    );
    await sql`select set_config('request.jwt.claims', ${JSON.stringify({ role: asRole, ...claims })}, true), set_config('role', ${asRole}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

async function countAndPlan(trx: Transaction<any>, where = '') {
  const text = `select count(*)::int as n from ${table}${where}`;
  const plan = (await sql.raw(`explain (analyze, costs off, format json) ${text}`).execute(trx))
    .rows[0] as Record<string, any>;
  const n = ((await sql.raw(text).execute(trx)).rows[0] as { n: number }).n;
  return { n, plan: JSON.stringify(plan) };
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agencyA = await tdb.factory.agency();
  const agencyB = await tdb.factory.agency();
  for (const agency of [agencyA, agencyA, agencyB, agencyB])
    sites.push(await tdb.factory.site(agency));
  userA = await tdb.factory.user();
  userB = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  await tdb.factory.member(agencyB, userB);
  const definition = {
    moduleId: randomUUID(),
    moduleType: 'custom',
    version: '1.0.0',
    tables: [
      {
        name: 'events',
        columns: [
          { name: 'kind', type: 'text' },
          { name: 'payload', type: 'text' },
        ],
        visitors: { read: ['kind'] },
      },
    ],
  };
  const result = await provisionModuleDatabase(db, definition as any);
  role = result.role;
  visitor = `modvisitor_${result.shortId}`;
  table = `"${result.schemaName}"."events"`;
  const other = await provisionModuleDatabase(db, {
    moduleId: randomUUID(),
    moduleType: 'custom',
    version: '1.0.0',
    tables: [{ name: 'things', columns: [{ name: 'x', type: 'text' }] }],
  } as any);
  otherRole = other.role;
  // Installed on sites 0, 1 and 2; site 3 has rows but no installation.
  for (const site of sites.slice(0, 3)) await installModuleForSite(db, definition.moduleId, site);
  await setSitePublic(db, sites[0] as string, true);
  for (const [i, site] of sites.entries()) {
    await sql
      .raw(
        `insert into ${table} (site_id, kind, payload)
         select '${site}', 'k' || (g % 7), repeat('x', 200) from generate_series(1, ${ROWS_PER_SITE[i]}) g`,
      )
      .execute(db);
  }
  await sql.raw(`analyze ${table}`).execute(db);
});

afterAll(() => tdb?.destroy());

describe('RLS with parallel workers', () => {
  it('keeps the policy helpers PARALLEL RESTRICTED (the leader evaluates them, never a worker)', async () => {
    const { rows } = await sql<{ signature: string; parallel: string }>`
      select p.oid::regprocedure::text as signature, p.proparallel as parallel
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.oid::regprocedure::text = any(${HELPERS})`.execute(db);
    expect(Object.fromEntries(rows.map((r) => [r.signature, r.parallel]))).toEqual(
      Object.fromEntries(HELPERS.map((h) => [h, 'r'])),
    );
  });

  it('counts exactly the member’s site on a parallel plan, for every installed site', async () => {
    for (const [i, site] of sites.slice(0, 3).entries()) {
      const user = i < 2 ? userA : userB;
      const { n, plan } = await inParallelContext(role, { sub: user, site_id: site }, (trx) =>
        countAndPlan(trx),
      );
      expect(n).toBe(ROWS_PER_SITE[i]);
      // The plan really ran with workers: a Gather that launched at least one.
      expect(plan).toMatch(/"Node Type":"Gather"/);
      expect(plan).toMatch(/"Workers Launched":[1-9]/);
    }
  });

  it('counts nothing for another site named in the filter, another agency’s user, or a site without the module', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      // userA on site 0, filtering for site 1's rows (same agency, still not the request's site).
      [role, { sub: userA, site_id: sites[0] }, ` where site_id = '${sites[1]}'`],
      // userA claiming site 2 of agency B.
      [role, { sub: userA, site_id: sites[2] }, ''],
      // userB on site 3, where the module is not installed.
      [role, { sub: userB, site_id: sites[3] }, ''],
      // No user at all on the member role.
      [role, { site_id: sites[0] }, ''],
      // The visitor role on a site that is not public.
      [visitor, { site_id: sites[1] }, ''],
    ];
    for (const [asRole, claims, where] of cases) {
      const { n, plan } = await inParallelContext(asRole, claims, (trx) =>
        asRole === visitor
          ? (async () => {
              const text = `select count(kind)::int as n from ${table}${where}`;
              const n = ((await sql.raw(text).execute(trx)).rows[0] as { n: number }).n;
              return { n, plan: 'visitor' };
            })()
          : countAndPlan(trx, where),
      );
      expect({ claims, where, n }).toEqual({ claims, where, n: 0 });
      if (plan !== 'visitor') expect(plan).toMatch(/"Node Type":"Gather"/);
    }
  });

  it('gives a visitor of a public site exactly that site’s rows, and only the declared column', async () => {
    const n = await inParallelContext(visitor, { site_id: sites[0] }, async (trx) => {
      const { rows } = await sql.raw(`select count(kind)::int as n from ${table}`).execute(trx);
      return (rows[0] as { n: number }).n;
    });
    expect(n).toBe(ROWS_PER_SITE[0]);
    const error = await rejectionOf(
      inParallelContext(visitor, { site_id: sites[0] }, (trx) =>
        sql.raw(`select count(payload) from ${table}`).execute(trx),
      ),
    );
    expect(error.code).toBe('42501');
  });

  it('refuses another module’s role on a parallel plan', async () => {
    const error = await rejectionOf(
      inParallelContext(otherRole, { sub: userA, site_id: sites[0] }, (trx) => countAndPlan(trx)),
    );
    expect(error.code).toBe('42501');
  });
});
