/**
 * The capped count's cost stays the cap's however a site's rows lie on disk (issue 17, item 4).
 * A site whose rows were written in one block after another site's is the hard case: PostgreSQL
 * expects a sequential scan to meet the site's rows at once and reads the other site's block
 * first. Counting a whole site in the order of its key walks the primary key's index
 * `(site_id, key)` instead. Checked on the statement the Postgres transport sends (its plan reads
 * no other site's row) and through the SDK (the counts are right, with and without a filter).
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModuleMetadata } from '../src/access/module-metadata';
import { countStatement } from '../src/access/postgres-statement';
import { createModuleAdminClient } from '../src/admin';
import { createModuleDataClient } from '../src/client';
import { defineModule } from '../src/definition/define-module';
import {
  installModuleForSite,
  migratePlatform,
  provisionModuleDatabase,
  setSitePublic,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
let pool: pg.Pool;
const crm = withFreshModuleId(crmModule);
let schema: string;
let small: string; // 2,000 rows, written first
let large: string; // 30,000 rows, written after the small site's
let alice: string;

/** A visitor reads `listings`' names only: not its key. */
const directory = defineModule({
  moduleId: randomUUID(),
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'listings',
      columns: [{ name: 'name', type: 'text' }],
      visitors: { read: ['name'] },
    },
  ],
});

const SMALL_ROWS = 2_000;
const LARGE_ROWS = 30_000;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const result = await provisionModuleDatabase(db, crm);
  schema = result.schemaName;
  const agency = await tdb.factory.agency();
  small = await tdb.factory.site(agency);
  large = await tdb.factory.site(agency);
  alice = await tdb.factory.user();
  await tdb.factory.member(agency, alice);
  for (const site of [small, large]) await installModuleForSite(db, crm.moduleId, site);
  // Each site's rows in one block: the small site's first, then the large site's.
  for (const [site, rows] of [
    [small, SMALL_ROWS],
    [large, LARGE_ROWS],
  ] as const) {
    await sql`insert into ${sql.id(schema, 'companies')} (site_id, name)
      select ${site}::uuid, 'company ' || g from generate_series(1, ${rows}::int) g`.execute(db);
  }
  await sql`vacuum analyze ${sql.id(schema, 'companies')}`.execute(db);
  await provisionModuleDatabase(db, directory);
  const listings = buildModuleMetadata(directory).tables.get('listings')?.target;
  if (!listings) throw new Error('no listings table');
  await setSitePublic(db, small, true);
  await installModuleForSite(db, directory.moduleId, small);
  await sql`insert into ${sql.id(listings.schema, listings.table)} (site_id, name)
    select ${small}::uuid, 'listing ' || g from generate_series(1, 30) g`.execute(db);
  pool = new pg.Pool({ connectionString: tdb.url, max: 2, pipeline: true } as pg.PoolConfig);
  pool.on('error', () => undefined);
}, 120_000);
afterAll(async () => {
  await pool?.end().catch(() => undefined);
  await tdb?.destroy();
});

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The nodes of the plan PostgreSQL runs for a statement the transport sends. */
async function planOf(statement: { text: string; values: unknown[] }): Promise<PlanNode[]> {
  const { rows } = await pool.query(
    `explain (analyze, format json) ${statement.text}`,
    statement.values,
  );
  const plan = (rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]?.Plan;
  if (!plan) throw new Error('no plan');
  return nodes(plan);
}

function companies() {
  const target = buildModuleMetadata(crm).tables.get('companies')?.target;
  if (!target) throw new Error('no companies table');
  return target;
}

/** The plan of the transport's capped count of `site` (cap + 1 rows at most). */
function cappedPlan(site: string, cap: number): Promise<PlanNode[]> {
  return planOf(
    countStatement(companies(), [{ column: 'site_id', op: 'eq', value: site }], cap + 1),
  );
}

describe('capped count', () => {
  it('reads no row of another site, even when the site is written after it in one block', async () => {
    for (const site of [large, small]) {
      const plan = await cappedPlan(site, 100);
      const scans = plan.filter((n) => /Scan/.test(n['Node Type']));
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      // Every row the scan produced was a row of the site, and no more than cap + 1 of them.
      expect(plan.reduce((sum, n) => sum + (n['Rows Removed by Filter'] ?? 0), 0)).toBe(0);
      for (const scan of scans)
        expect(scan['Actual Rows'] * scan['Actual Loops']).toBeLessThanOrEqual(101);
    }
  });

  it('counts through the SDK: capped, not capped, and with a filter', async () => {
    const client = (site: string) =>
      createModuleDataClient({
        definition: crm,
        siteId: site,
        userId: alice,
        transport: createPostgresTransport(pool),
      });
    expect(await client(large).count('companies', undefined, { mode: 'capped', cap: 100 })).toEqual(
      { count: 100, capped: true },
    );
    expect(
      await client(large).count('companies', undefined, { mode: 'capped', cap: LARGE_ROWS }),
    ).toEqual({
      count: LARGE_ROWS,
      capped: false,
    });
    expect(
      await client(small).count('companies', undefined, { mode: 'capped', cap: 5_000 }),
    ).toEqual({
      count: SMALL_ROWS,
      capped: false,
    });
    expect(
      await client(small).count(
        'companies',
        { name: { like: 'company 1%' } },
        { mode: 'capped', cap: 50 },
      ),
    ).toEqual({ count: 50, capped: true });
    expect(
      await client(small).count('companies', { name: 'company 7' }, { mode: 'capped', cap: 50 }),
    ).toEqual({ count: 1, capped: false });
    expect(await client(small).count('companies')).toBe(SMALL_ROWS);
  });

  it('counts every site for an admin client without sorting the table', async () => {
    const plan = await planOf(countStatement(companies(), [], 101));
    expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
    const admin = createModuleAdminClient({ definition: crm, db });
    expect(await admin.count('companies', undefined, { mode: 'capped', cap: 100 })).toEqual({
      count: 100,
      capped: true,
    });
    expect(await admin.count('companies')).toBe(SMALL_ROWS + LARGE_ROWS);
  });

  it('counts for a visitor who may not read the key column', async () => {
    const visitor = createModuleDataClient({
      definition: directory,
      siteId: small,
      visitor: true,
      transport: createPostgresTransport(pool),
    });
    expect(await visitor.count('listings', undefined, { mode: 'capped', cap: 10 })).toEqual({
      count: 10,
      capped: true,
    });
    expect(await visitor.count('listings', undefined, { mode: 'capped', cap: 100 })).toEqual({
      count: 30,
      capped: false,
    });
  });
});
