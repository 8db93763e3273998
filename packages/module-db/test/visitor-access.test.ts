/**
 * Site visitors (issue 14, item 1), enforced by PostgreSQL: a request with a site and no user runs
 * as the module's visitor role (`modvisitor_<id>`). It reads exactly the declared columns of the
 * current site's rows that the module's own (restrictive) policies let through, inserts exactly the
 * declared columns, never updates or deletes, never reads a members-only table, another site's
 * rows, another module's tables, or anything on a site that is not public or where the module is
 * not installed. Everything here runs as raw SQL with the role and claims a transport sets, so
 * nothing in the data client's own checks is relied on.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkModuleDatabase,
  installModuleForSite,
  isDefinitionValidationError,
  isSitePublic,
  lintModuleDatabase,
  migratePlatform,
  planModuleDatabase,
  planModuleUpgrade,
  provisionModuleDatabase,
  setSitePublic,
  validateModuleDefinition,
} from '../src/index';
import { asModule, rejectionOf } from './module-request';

let tdb: TestDatabase;
let db: Kysely<any>;
let siteA: string; // public, module installed
let siteB: string; // public, module installed, another agency
let siteC: string; // not public, module installed
let siteD: string; // public, module not installed
let userA: string;

function shop(strategy: 'prefix' | 'schema'): any {
  return {
    moduleId: randomUUID(),
    moduleType: strategy === 'schema' ? 'custom' : 'app',
    version: '1.0.0',
    tables: [
      {
        name: 'products',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'price', type: 'numeric(10,2)' },
          { name: 'cost', type: 'numeric(10,2)', nullable: true },
          { name: 'status', type: 'text', default: "'draft'" },
        ],
        rlsPolicies: [
          // Published rows only, for visitors and members alike.
          { name: 'published_only', action: 'SELECT', using: "status = 'published'" },
        ],
        visitors: { read: ['id', 'name', 'price'] },
      },
      {
        name: 'requests',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'email', type: 'text' },
          { name: 'message', type: 'text', nullable: true },
          { name: 'handled', type: 'boolean', default: 'false' },
        ],
        visitors: { insert: ['name', 'email', 'message'] },
      },
      {
        name: 'notes',
        columns: [{ name: 'body', type: 'text' }],
      },
    ],
  };
}

interface Shop {
  def: any;
  shortId: string;
  visitor: string;
  role: string;
  table: (name: string) => string; // qualified, quoted
}

async function provisionShop(strategy: 'prefix' | 'schema'): Promise<Shop> {
  const def = shop(strategy);
  const result = await provisionModuleDatabase(db, def);
  for (const site of [siteA, siteB, siteC]) await installModuleForSite(db, def.moduleId, site);
  const table = (name: string) =>
    strategy === 'schema'
      ? `"${result.schemaName}"."${name}"`
      : `"public"."mod_${result.shortId}_${name}"`;
  // Rows written past RLS by the test's superuser: two products per site, one published.
  for (const site of [siteA, siteB, siteC, siteD]) {
    await sql
      .raw(
        `insert into ${table('products')} (site_id, name, price, cost, status) values
         ('${site}', 'pub-${site.slice(0, 4)}', 10, 4, 'published'),
         ('${site}', 'draft-${site.slice(0, 4)}', 20, 8, 'draft')`,
      )
      .execute(db);
  }
  await sql
    .raw(`insert into ${table('notes')} (site_id, body) values ('${siteA}', 'members only')`)
    .execute(db);
  return {
    def,
    shortId: result.shortId,
    visitor: `modvisitor_${result.shortId}`,
    role: result.role,
    table,
  };
}

/** Runs `fn` as a visitor of `site` (role `visitor`, claims with a site and no user). */
function asVisitor<T>(
  role: string,
  site: string,
  fn: (trx: Transaction<any>) => Promise<T>,
  claims: Record<string, unknown> = {},
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const json = JSON.stringify({ role, site_id: site, ...claims });
    await sql`select set_config('request.jwt.claims', ${json}, true), set_config('role', ${role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

const rows = async (trx: Transaction<any>, text: string) =>
  (await sql.raw(text).execute(trx)).rows as Record<string, unknown>[];

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agencyA = await tdb.factory.agency();
  const agencyB = await tdb.factory.agency();
  siteA = await tdb.factory.site(agencyA);
  siteB = await tdb.factory.site(agencyB);
  siteC = await tdb.factory.site(agencyA);
  siteD = await tdb.factory.site(agencyB);
  userA = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  for (const site of [siteA, siteB, siteD]) await setSitePublic(db, site, true);
});

afterAll(() => tdb?.destroy());

describe('public sites', () => {
  it('are marked and unmarked by the platform, idempotently, with typed errors', async () => {
    expect(await isSitePublic(db, siteA)).toBe(true);
    expect(await isSitePublic(db, siteC)).toBe(false);
    await setSitePublic(db, siteC, true);
    await setSitePublic(db, siteC, true);
    expect(await isSitePublic(db, siteC)).toBe(true);
    await setSitePublic(db, siteC, false);
    expect(await isSitePublic(db, siteC)).toBe(false);
    const missing = await rejectionOf(setSitePublic(db, randomUUID(), true));
    expect(missing.code).toBe('NOT_FOUND');
    const bad = await rejectionOf(setSitePublic(db, 'not-a-uuid', true));
    expect(isDefinitionValidationError(bad)).toBe(true);
  });

  it('cannot be marked by a module role or a visitor role', async () => {
    const s = await provisionShop('prefix');
    for (const role of [s.role, s.visitor]) {
      const error = await rejectionOf(
        asVisitor(role, siteC, (trx) =>
          rows(trx, `select public.dramac_set_site_public('${siteC}', true)`),
        ),
      );
      expect(error.code).toBe('42501');
    }
    expect(await isSitePublic(db, siteC)).toBe(false);
  });
});

describe.each(['prefix', 'schema'] as const)('visitors of a %s module', (strategy) => {
  let s: Shop;
  beforeAll(async () => {
    s = await provisionShop(strategy);
  });

  it('read the declared columns of their public site’s rows that the module’s policies allow', async () => {
    const got = await asVisitor(s.visitor, siteA, (trx) =>
      rows(trx, `select id, name, price from ${s.table('products')} order by name`),
    );
    expect(got.map((r) => r.name)).toEqual([`pub-${siteA.slice(0, 4)}`]);
    expect(Object.keys(got[0] ?? {})).toEqual(['id', 'name', 'price']);
  });

  it('never see another site’s rows, even naming that site in a filter', async () => {
    const got = await asVisitor(s.visitor, siteA, (trx) =>
      rows(trx, `select name from ${s.table('products')} where site_id = '${siteB}'`),
    );
    expect(got).toEqual([]);
    const count = await asVisitor(s.visitor, siteA, (trx) =>
      rows(trx, `select count(*)::int as n from ${s.table('products')}`),
    );
    expect(count[0]?.n).toBe(1);
  });

  it.each([
    ['an undeclared column', (t: string) => `select cost from ${t}`],
    ['every column', (t: string) => `select * from ${t}`],
    ['a filter on an undeclared column', (t: string) => `select name from ${t} where cost > 0`],
    ['an order by an undeclared column', (t: string) => `select name from ${t} order by status`],
  ])('are refused %s (42501)', async (_what, query) => {
    const error = await rejectionOf(
      asVisitor(s.visitor, siteA, (trx) => rows(trx, query(s.table('products')))),
    );
    expect(error.code).toBe('42501');
  });

  it('see nothing on a site that is not public, or where the module is not installed', async () => {
    for (const site of [siteC, siteD]) {
      const got = await asVisitor(s.visitor, site, (trx) =>
        rows(trx, `select name from ${s.table('products')}`),
      );
      expect(got).toEqual([]);
    }
  });

  it('see nothing once the site is no longer public, and again once it is', async () => {
    await setSitePublic(db, siteB, false);
    const hidden = await asVisitor(s.visitor, siteB, (trx) =>
      rows(trx, `select name from ${s.table('products')}`),
    );
    expect(hidden).toEqual([]);
    await setSitePublic(db, siteB, true);
    const shown = await asVisitor(s.visitor, siteB, (trx) =>
      rows(trx, `select name from ${s.table('products')}`),
    );
    expect(shown).toHaveLength(1);
  });

  it('insert the declared columns (the rest take defaults) and cannot read them back', async () => {
    await asVisitor(s.visitor, siteA, (trx) =>
      rows(
        trx,
        `insert into ${s.table('requests')} (site_id, name, email, message) values ('${siteA}', 'Ada', 'ada@example.com', 'hi')`,
      ),
    );
    const stored = await rows(
      db as any,
      `select site_id, name, handled from ${s.table('requests')} where email = 'ada@example.com'`,
    );
    expect(stored).toEqual([{ site_id: siteA, name: 'Ada', handled: false }]);
    for (const query of [
      `select name from ${s.table('requests')}`,
      `insert into ${s.table('requests')} (site_id, name, email) values ('${siteA}', 'B', 'b@example.com') returning id`,
    ]) {
      const error = await rejectionOf(asVisitor(s.visitor, siteA, (trx) => rows(trx, query)));
      expect(error.code).toBe('42501');
    }
  });

  it('cannot insert an undeclared column, for another site, or on a site that is not public', async () => {
    const attempts: [string, string][] = [
      [
        siteA,
        `insert into ${s.table('requests')} (site_id, name, email, handled) values ('${siteA}', 'x', 'x@x', true)`,
      ],
      [
        siteA,
        `insert into ${s.table('requests')} (site_id, name, email) values ('${siteB}', 'x', 'x@x')`,
      ],
      [
        siteC,
        `insert into ${s.table('requests')} (site_id, name, email) values ('${siteC}', 'x', 'x@x')`,
      ],
      [
        siteD,
        `insert into ${s.table('requests')} (site_id, name, email) values ('${siteD}', 'x', 'x@x')`,
      ],
      [
        siteA,
        `insert into ${s.table('products')} (site_id, name, price) values ('${siteA}', 'x', 1)`,
      ],
      [siteA, `insert into ${s.table('notes')} (site_id, body) values ('${siteA}', 'x')`],
    ];
    for (const [site, query] of attempts) {
      const error = await rejectionOf(asVisitor(s.visitor, site, (trx) => rows(trx, query)));
      expect(error.code, query).toBe('42501');
    }
    const leaked = await rows(
      db as any,
      `select count(*)::int as n from ${s.table('requests')} where email = 'x@x'`,
    );
    expect(leaked[0]?.n).toBe(0);
  });

  it('never update, delete or truncate, and never read a members-only table', async () => {
    for (const query of [
      `update ${s.table('products')} set name = 'x'`,
      `update ${s.table('requests')} set message = 'x'`,
      `delete from ${s.table('products')}`,
      `delete from ${s.table('requests')}`,
      `truncate ${s.table('requests')}`,
      `select body from ${s.table('notes')}`,
      `select count(*) from ${s.table('notes')}`,
    ]) {
      const error = await rejectionOf(asVisitor(s.visitor, siteA, (trx) => rows(trx, query)));
      expect(error.code, query).toBe('42501');
    }
  });

  it('gain nothing from a user id in the claims (a visitor is not a member)', async () => {
    const error = await rejectionOf(
      asVisitor(s.visitor, siteA, (trx) => rows(trx, `select body from ${s.table('notes')}`), {
        sub: userA,
      }),
    );
    expect(error.code).toBe('42501');
    const got = await asVisitor(
      s.visitor,
      siteA,
      (trx) => rows(trx, `select name from ${s.table('products')}`),
      { sub: userA },
    );
    expect(got).toHaveLength(1);
  });

  it('members keep their access, through the module role (and cannot act as the visitor)', async () => {
    const got = await asModule(db, s.role, { sub: userA, site_id: siteA }, (trx) =>
      rows(trx, `select name, cost from ${s.table('products')} order by name`),
    );
    expect(got.map((r) => r.name)).toEqual([`pub-${siteA.slice(0, 4)}`]);
    // The visitor helper answers only for the visitor role.
    const helper = await asModule(db, s.role, { sub: userA, site_id: siteA }, (trx) =>
      rows(trx, `select public.dramac_visitor_can_access_current_site('${s.shortId}') as ok`),
    );
    expect(helper[0]?.ok).toBe(false);
  });

  it('of another module reach none of this module’s tables', async () => {
    const other = await provisionShop(strategy);
    for (const query of [
      `select name from ${s.table('products')}`,
      `insert into ${s.table('requests')} (site_id, name, email) values ('${siteA}', 'x', 'x@x')`,
    ]) {
      const error = await rejectionOf(asVisitor(other.visitor, siteA, (trx) => rows(trx, query)));
      expect(error.code, query).toBe('42501');
    }
    const helper = await asVisitor(other.visitor, siteA, (trx) =>
      rows(trx, `select public.dramac_visitor_can_access_current_site('${s.shortId}') as ok`),
    );
    expect(helper[0]?.ok).toBe(false);
  });

  it('is what the database proves, drift sees and lint accepts: clean after install', async () => {
    const report = await checkModuleDatabase(db, s.def.moduleId);
    expect(report.differences).toEqual([]);
    expect((await lintModuleDatabase(db, s.def.moduleId)).findings).toEqual([]);
    const grants = await rows(
      db as any,
      `select a.attname::text as col, x.privilege_type as p
       from pg_attribute a cross join lateral aclexplode(a.attacl) x
       where a.attrelid = '${s.table('products')}'::regclass and x.grantee = '${s.visitor}'::regrole
       order by 1, 2`,
    );
    expect(grants).toEqual([
      { col: 'id', p: 'SELECT' },
      { col: 'name', p: 'SELECT' },
      { col: 'price', p: 'SELECT' },
      { col: 'site_id', p: 'SELECT' },
    ]);
  });
});

describe('declaring visitor access', () => {
  const base = () => shop('prefix');

  it.each([
    ['an unknown column', { read: ['nope'] }, 'unknown_column', 'tables[0].visitors.read[0]'],
    ['site_id', { read: ['site_id'] }, 'platform_column', 'tables[0].visitors.read[0]'],
    ['a column twice', { read: ['name', 'name'] }, 'duplicate_name', 'tables[0].visitors.read[1]'],
    [
      'an insert without a required column',
      { insert: ['name'] },
      'visitor_insert_incomplete',
      'tables[0].visitors.insert',
    ],
    ['an empty list', { read: [] }, undefined, 'tables[0].visitors.read'],
    ['neither read nor insert', {}, undefined, 'tables[0].visitors'],
    ['update', { update: ['name'] }, undefined, 'tables[0].visitors'],
  ])('refuses %s with a typed error naming the path', async (_what, visitors, code, path) => {
    const def = base();
    def.tables[0].visitors = visitors;
    const error = await rejectionOf(validateModuleDefinition(def));
    expect(isDefinitionValidationError(error)).toBe(true);
    const issue = error.issues.find((i: any) => i.path.startsWith(path));
    expect(issue, JSON.stringify(error.issues)).toBeDefined();
    if (code) expect(issue.code).toBe(code);
  });

  it("resolves read: 'all' to every column but site_id", async () => {
    const def = base();
    def.tables[0].visitors = { read: 'all' };
    const validated = await validateModuleDefinition(def);
    expect(validated.tables[0]?.visitors?.read).toEqual(['id', 'name', 'price', 'cost', 'status']);
  });

  it('plans column grants and the visitor policies, and the reserved policy names stay reserved', async () => {
    const plan = planModuleDatabase(await validateModuleDefinition(base()));
    const text = plan.statements.map((st) => st.sql).join('\n');
    expect(text).toMatch(/grant select \("id", "name", "price", "site_id"\) on table/);
    expect(text).toMatch(/grant insert \("email", "message", "name", "site_id"\) on table/);
    expect(text).toMatch(/create policy "dramac_visitor_read" .* for select to "modvisitor_/);
    expect(text).toMatch(/create policy "dramac_visitor_insert" .* for insert to "modvisitor_/);
    const def = base();
    def.tables[2].rlsPolicies = [{ name: 'dramac_visitor_read', action: 'SELECT', using: 'true' }];
    const error = await rejectionOf(validateModuleDefinition(def));
    expect(isDefinitionValidationError(error)).toBe(true);
  });
});

describe('upgrades', () => {
  it('open a members-only table to visitors and close it again, proven each time', async () => {
    const v1 = shop('schema');
    await provisionModuleDatabase(db, v1);
    await installModuleForSite(db, v1.moduleId, siteA);
    const schema = `mod_${v1.moduleId.replaceAll('-', '').slice(0, 8)}`;
    const visitor = `modvisitor_${schema.slice(4)}`;
    await sql
      .raw(`insert into "${schema}"."notes" (site_id, body) values ('${siteA}', 'now public')`)
      .execute(db);

    const v2 = structuredClone(v1);
    v2.version = '1.1.0';
    v2.tables[2].visitors = { read: ['body'] };
    const plan = planModuleUpgrade(
      await validateModuleDefinition(v1),
      await validateModuleDefinition(v2),
    );
    expect(plan.refused).toEqual([]);
    expect(plan.changes.map((c) => c.kind).sort()).toEqual(['add_column_grant', 'add_policy']);
    expect((await provisionModuleDatabase(db, v2)).status).toBe('upgraded');
    expect((await checkModuleDatabase(db, v1.moduleId)).differences).toEqual([]);
    const read = await asVisitor(visitor, siteA, (trx) =>
      rows(trx, `select body from "${schema}"."notes"`),
    );
    expect(read).toEqual([{ body: 'now public' }]);

    const v3 = structuredClone(v1);
    v3.version = '1.2.0';
    const back = planModuleUpgrade(
      await validateModuleDefinition(v2),
      await validateModuleDefinition(v3),
    );
    expect([...new Set(back.changes.map((c) => c.kind))].sort()).toEqual([
      'drop_policy',
      'revoke_column_grant',
    ]);
    expect((await provisionModuleDatabase(db, v3)).status).toBe('upgraded');
    expect((await checkModuleDatabase(db, v1.moduleId)).differences).toEqual([]);
    const error = await rejectionOf(
      asVisitor(visitor, siteA, (trx) => rows(trx, `select body from "${schema}"."notes"`)),
    );
    expect(error.code).toBe('42501');
  });
});
