/**
 * The behaviour every transport must show through the SDK: one suite, run once per transport
 * (`postgres.test.ts`, `supabase.test.ts`). It covers every SDK method, every operator,
 * pagination and ordering, typed errors (validation before any request, SQLSTATE mapping), site
 * stamping, site isolation, and batch atomicity.
 *
 * Each run gets its own database (`@dramac/test-db`), the platform migrations, the seed's CRM
 * module under a fresh module id, one agency with a member user, and fresh sites per test so tests
 * never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { installModuleForSite, migratePlatform, provisionModuleDatabase } from '@dramac/module-db';
import type { DataTransport } from '@dramac/module-db/client';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmModule } from '../../../module-db/test/fixtures/sample-modules';
import { createDatabaseSDK, defineModule, type ModuleDatabaseSDK } from '../../src/index';

/** Who a transport acts for. */
export interface TransportScope {
  readonly moduleId: string;
  readonly siteId: string;
  readonly userId: string;
}

/** What a transport factory gets: the test database (superuser) and the scope it acts for. */
export interface TransportEnvironment {
  readonly db: Kysely<any>;
  /** The test database's URL (superuser), for a transport that brings its own pool. */
  readonly url: string;
  readonly scope: TransportScope;
}

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /** Whether the transport has transactions (atomic batches); Supabase has none. */
  readonly transactions: boolean;
  /** Set to a reason to skip the whole suite (printed). */
  readonly skip?: string | undefined;
  /**
   * Behaviours this transport is known to get wrong, run as `it.fails` so the suite stays green
   * and turns red the day they are fixed (then drop them from here). Currently: `array eq`.
   */
  readonly knownFailures?: readonly 'array eq'[];
}

/** The CRM module under a fresh id: roles are cluster-wide, parallel files must not meet. */
export function freshCrmModule() {
  return { ...crmModule, moduleId: randomUUID() };
}

type Crm = ReturnType<typeof freshCrmModule>;

/**
 * A module with the value types that lose precision or need checking: `bigint`, `numeric` of
 * large precision, `numeric[]`, a small `numeric(6,2)`, `smallint`, a checked `integer`, `date`,
 * `timestamptz`, unique text and a foreign key.
 */
export function freshLedgerModule() {
  return defineModule({
    moduleId: randomUUID(),
    moduleType: 'system',
    version: '1.0.0',
    name: 'Ledger',
    tables: [
      { name: 'categories', columns: [{ name: 'name', type: 'text' }] },
      {
        name: 'entries',
        columns: [
          { name: 'seq', type: 'bigint' },
          { name: 'amount', type: 'numeric(38,10)', default: '0' },
          { name: 'price', type: 'numeric(6,2)', nullable: true },
          { name: 'weights', type: 'numeric[]', nullable: true },
          { name: 'small', type: 'smallint', nullable: true },
          { name: 'qty', type: 'integer', nullable: true, check: 'qty >= 0' },
          { name: 'label', type: 'text', nullable: true },
          { name: 'code', type: 'text', nullable: true, unique: true },
          { name: 'day', type: 'date', nullable: true },
          { name: 'happened_at', type: 'timestamptz', nullable: true },
          { name: 'category_id', type: 'uuid', nullable: true },
        ],
        foreignKeys: [{ column: 'category_id', references: { table: 'categories', column: 'id' } }],
      },
    ],
  });
}

type Ledger = ReturnType<typeof freshLedgerModule>;

/** A transport wrapper that counts the requests that reach the transport. */
function counting(inner: DataTransport, counter: { calls: number }): DataTransport {
  const wrap = (t: DataTransport): DataTransport => {
    const counted =
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R => {
        counter.calls++;
        return fn(...args);
      };
    return {
      name: t.name,
      select: counted(t.select.bind(t)),
      count: counted(t.count.bind(t)),
      insert: counted(t.insert.bind(t)),
      update: counted(t.update.bind(t)),
      delete: counted(t.delete.bind(t)),
      transaction: (context, fn) => t.transaction(context, (tx) => fn(wrap(tx))),
    };
  };
  return wrap(inner);
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/**
 * Registers the conformance suite for one transport.
 *
 * @example
 * describeConformance('postgres', ({ db }) => createPostgresTransport(db), { transactions: true });
 */
export function describeConformance(
  name: string,
  makeTransport: (env: TransportEnvironment) => DataTransport | Promise<DataTransport>,
  options: ConformanceOptions,
): void {
  if (options.skip) {
    console.log(`[conformance] ${name} transport skipped: ${options.skip}`);
    describe.skip(`conformance: ${name} transport`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }

  describe(`conformance: ${name} transport`, () => {
    let tdb: TestDatabase;
    let db: Kysely<any>;
    let module: Crm;
    let ledger: Ledger;
    let ledgerSchema: string;
    let schema: string;
    let agency: string;
    let member: string;
    const counter = { calls: 0 };

    beforeAll(async () => {
      tdb = await startTestDatabase();
      db = tdb.db as Kysely<any>;
      await migratePlatform(db);
      module = freshCrmModule();
      schema = (await provisionModuleDatabase(db, module, { actor: 'conformance' })).schemaName;
      ledger = freshLedgerModule();
      ledgerSchema = (await provisionModuleDatabase(db, ledger, { actor: 'conformance' }))
        .schemaName;
      agency = await tdb.factory.agency();
      member = await tdb.factory.user();
      await tdb.factory.member(agency, member);
    });
    afterAll(() => tdb?.destroy());

    /** A new site of the agency, with the module installed unless `install: false`. */
    async function newSite(install = true): Promise<string> {
      const site = await tdb.factory.site(agency);
      if (install) await installModuleForSite(db, module.moduleId, site);
      return site;
    }

    async function sdkFor(siteId: string, userId = member): Promise<ModuleDatabaseSDK<Crm>> {
      const transport = await makeTransport({
        db,
        url: tdb.url,
        scope: { moduleId: module.moduleId, siteId, userId },
      });
      return createDatabaseSDK({
        definition: module,
        siteId,
        userId,
        transport: counting(transport, counter),
      });
    }

    async function ledgerFor(
      siteId: string,
      definition: Ledger = ledger,
    ): Promise<ModuleDatabaseSDK<Ledger>> {
      await installModuleForSite(db, ledger.moduleId, siteId);
      const transport = await makeTransport({
        db,
        url: tdb.url,
        scope: { moduleId: ledger.moduleId, siteId, userId: member },
      });
      return createDatabaseSDK({
        definition,
        siteId,
        userId: member,
        transport: counting(transport, counter),
      });
    }

    /** Rows of a module table as the superuser sees them (no RLS), for checks behind the API. */
    async function rawCount(table: string, siteId: string): Promise<number> {
      const r = await sql<{
        n: string;
      }>`select count(*) as n from ${sql.table(`${schema}.${table}`)}
        where site_id = ${siteId}`.execute(db);
      return Number(r.rows[0]?.n);
    }

    /** Five contacts with lead scores 10..50 and a mix of nulls, statuses and tags. */
    async function seedContacts(db: ModuleDatabaseSDK<Crm>) {
      return db.create('contacts', [
        {
          first_name: 'Ada',
          last_name: 'Lovelace',
          email: 'ada@example.com',
          lead_score: 10,
          tags: ['math'],
        },
        {
          first_name: 'Alan',
          last_name: 'Turing',
          email: 'alan@EXAMPLE.com',
          lead_score: 20,
          status: 'qualified',
        },
        { first_name: 'Grace', last_name: 'Hopper', email: null, lead_score: 30, phone: '555' },
        {
          first_name: 'Edsger',
          last_name: 'Dijkstra',
          email: 'ewd@utexas.edu',
          lead_score: 40,
          status: 'customer',
        },
        { first_name: 'Barbara', last_name: 'Liskov', lead_score: 50, status: 'customer' },
      ]);
    }

    describe('create and createOne', () => {
      it('stamps site_id, fills defaults, assigns ids, and returns the stored rows', async () => {
        const site = await newSite();
        const db = await sdkFor(site);
        const one = await db.createOne('contacts', { first_name: 'John', last_name: 'Doe' });
        expect(one).toMatchObject({
          site_id: site,
          first_name: 'John',
          last_name: 'Doe',
          email: null,
          status: 'lead',
          lead_score: 0,
          tags: [],
          custom_fields: {},
        });
        expect(one.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(one.created_at))).toBe(false);
        expect(await rawCount('contacts', site)).toBe(1);
      });

      it('inserts several records with different columns in one call (defaults, not nulls)', async () => {
        const db = await sdkFor(await newSite());
        const rows = await db.create('contacts', [
          { first_name: 'A', last_name: 'One', status: 'customer' },
          { first_name: 'B', last_name: 'Two', lead_score: 7, custom_fields: { plan: 'pro' } },
        ]);
        expect(rows.map((r) => [r.status, r.lead_score, r.custom_fields])).toEqual([
          ['customer', 0, {}],
          ['lead', 7, { plan: 'pro' }],
        ]);
        expect(await db.create('contacts', [])).toEqual([]);
      });

      it('round-trips JSON, arrays, booleans, numerics and dates', async () => {
        const db = await sdkFor(await newSite());
        const contact = await db.createOne('contacts', {
          first_name: 'J',
          last_name: 'S',
          tags: ['a', 'b c'],
          custom_fields: { nested: { list: [1, 'two', null] } },
        });
        expect(contact.tags).toEqual(['a', 'b c']);
        expect(contact.custom_fields).toEqual({ nested: { list: [1, 'two', null] } });
        const activity = await db.createOne('activities', {
          contact_id: contact.id,
          kind: 'call',
          payload: [1, 2],
          completed: true,
        });
        expect(activity).toMatchObject({ payload: [1, 2], completed: true });
        const deal = await db.createOne('deals', {
          title: 'Big',
          amount: 1234.5,
          expected_close: '2026-03-01',
        });
        // numeric reads back as its exact text, on every transport.
        expect(deal.amount).toBe('1234.50');
        expect(await db.count('deals', { amount: { gte: '1234.50' } })).toBe(1);
        expect(deal.expected_close).toBe('2026-03-01');
      });
    });

    describe('find, findOne, findById, exists, count', () => {
      let db: ModuleDatabaseSDK<Crm>;
      let seeded: Awaited<ReturnType<typeof seedContacts>>;
      beforeAll(async () => {
        db = await sdkFor(await newSite());
        seeded = await seedContacts(db);
      });
      const names = (rows: { first_name: string }[]) => rows.map((r) => r.first_name).sort();

      it('finds every row of the site without options', async () => {
        expect(await db.find('contacts')).toHaveLength(5);
      });

      it('narrows columns with select', async () => {
        const rows = await db.find('contacts', {
          select: ['id', 'email'],
          where: { lead_score: 10 },
        });
        expect(rows).toEqual([{ id: seeded[0]?.id, email: 'ada@example.com' }]);
      });

      it.each([
        ['eq (value)', { status: 'customer' }, ['Barbara', 'Edsger']],
        ['eq (operator)', { status: { eq: 'qualified' } }, ['Alan']],
        ['neq', { status: { neq: 'lead' } }, ['Alan', 'Barbara', 'Edsger']],
        ['gt', { lead_score: { gt: 30 } }, ['Barbara', 'Edsger']],
        ['gte', { lead_score: { gte: 30 } }, ['Barbara', 'Edsger', 'Grace']],
        ['lt', { lead_score: { lt: 30 } }, ['Ada', 'Alan']],
        ['lte', { lead_score: { lte: 30 } }, ['Ada', 'Alan', 'Grace']],
        ['gte and lt together', { lead_score: { gte: 20, lt: 40 } }, ['Alan', 'Grace']],
        ['like (case-sensitive)', { email: { like: '%@example.com' } }, ['Ada']],
        ['ilike', { email: { ilike: '%@example.com' } }, ['Ada', 'Alan']],
        ['in (array)', { lead_score: [10, 50, 99] }, ['Ada', 'Barbara']],
        ['in (operator)', { last_name: { in: ['Hopper', 'Turing'] } }, ['Alan', 'Grace']],
        ['is null (null)', { email: null }, ['Barbara', 'Grace']],
        ['is null (operator)', { phone: { is: null } }, ['Ada', 'Alan', 'Barbara', 'Edsger']],
        ['several columns ANDed', { status: 'customer', lead_score: { gt: 40 } }, ['Barbara']],
        ['not (value)', { status: { not: 'customer' } }, ['Ada', 'Alan', 'Grace']],
        ['not null', { email: { not: null } }, ['Ada', 'Alan', 'Edsger']],
        [
          'not in',
          { last_name: { not: { in: ['Hopper', 'Turing'] } } },
          ['Ada', 'Barbara', 'Edsger'],
        ],
        [
          'not (a range)',
          { lead_score: { not: { gte: 20, lt: 40 } } },
          ['Ada', 'Barbara', 'Edsger'],
        ],
        ['or', { or: [{ status: 'qualified' }, { lead_score: { gte: 50 } }] }, ['Alan', 'Barbara']],
        [
          'or of AND groups, ANDed with a column',
          {
            status: { neq: 'lead' },
            or: [{ lead_score: { lt: 30 } }, { last_name: 'Dijkstra', lead_score: { gt: 30 } }],
          },
          ['Alan', 'Edsger'],
        ],
        [
          'or with a value needing quotes',
          { or: [{ email: 'ada@example.com' }, { last_name: 'O,(Brien)' }] },
          ['Ada'],
        ],
      ] as const)('operator %s', async (_label, where, expected) => {
        expect(names(await db.find('contacts', { where: where as never }))).toEqual(expected);
        expect(await db.count('contacts', where as never)).toBe(expected.length);
      });

      (options.knownFailures?.includes('array eq') ? it.fails : it)(
        'operator eq on an array column compares the whole array',
        async () => {
          expect(names(await db.find('contacts', { where: { tags: { eq: ['math'] } } }))).toEqual([
            'Ada',
          ]);
          expect(await db.count('contacts', { tags: { neq: ['math'] } })).toBe(4);
        },
      );

      it('pages by keyset: every row exactly once, in order, with a cursor per page', async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<typeof db.findPage<'contacts'>>> = await db.findPage(
            'contacts',
            {
              orderBy: [{ column: 'last_name' }, { column: 'first_name', ascending: false }],
              limit: 2,
              cursor,
            },
          );
          seen.push(...page.rows.map((r) => `${r.last_name}/${r.first_name}`));
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        const all = (
          await db.find('contacts', {
            orderBy: [
              { column: 'last_name' },
              { column: 'first_name', ascending: false },
              { column: 'id' },
            ],
          })
        ).map((r) => `${r.last_name}/${r.first_name}`);
        expect(seen).toEqual(all);
        expect(pages).toBe(3);
        await expect(
          db.findPage('contacts', { orderBy: { column: 'email' }, limit: 2 }),
        ).rejects.toMatchObject({ code: 'INVALID_QUERY' });
        await expect(
          db.findPage('contacts', { limit: 2, cursor: 'not-a-cursor!' }),
        ).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      });

      it('compares date/time columns with Dates and ISO strings', async () => {
        const later = new Date(Date.now() + 3_600_000);
        expect(await db.count('contacts', { created_at: { lt: later } })).toBe(5);
        expect(await db.count('contacts', { created_at: { gt: later.toISOString() } })).toBe(0);
      });

      it('filters booleans with eq and is', async () => {
        const contact = seeded[0];
        if (!contact) throw new Error('seed');
        await db.create('activities', [
          { contact_id: contact.id, kind: 'call', completed: true },
          { contact_id: contact.id, kind: 'note' },
        ]);
        expect(await db.count('activities', { completed: true })).toBe(1);
        expect(await db.count('activities', { completed: { is: false } })).toBe(1);
        expect(await db.count('activities', { deal_id: null })).toBe(2);
      });

      it('orders, limits and offsets', async () => {
        const page = await db.find('contacts', {
          orderBy: { column: 'lead_score', ascending: false },
          limit: 2,
          offset: 1,
        });
        expect(page.map((r) => r.lead_score)).toEqual([40, 30]);
        const asc = await db.find('contacts', { orderBy: { column: 'lead_score' }, limit: 2 });
        expect(asc.map((r) => r.lead_score)).toEqual([10, 20]);
        const rest = await db.find('contacts', { orderBy: { column: 'lead_score' }, offset: 3 });
        expect(rest.map((r) => r.lead_score)).toEqual([40, 50]);
        expect(await db.find('contacts', { limit: 0 })).toEqual([]);
      });

      it('orders by several columns', async () => {
        const rows = await db.find('contacts', {
          orderBy: [{ column: 'status', ascending: false }, { column: 'lead_score' }],
          select: ['status', 'lead_score'],
        });
        expect(rows).toEqual([
          { status: 'qualified', lead_score: 20 },
          { status: 'lead', lead_score: 10 },
          { status: 'lead', lead_score: 30 },
          { status: 'customer', lead_score: 40 },
          { status: 'customer', lead_score: 50 },
        ]);
      });

      it('findOne returns one row or null', async () => {
        const row = await db.findOne('contacts', { status: 'customer' });
        expect(row?.status).toBe('customer');
        expect(await db.findOne('contacts', { status: 'churned' })).toBeNull();
      });

      it('findById uses the primary key', async () => {
        const first = seeded[0];
        if (!first) throw new Error('seed');
        expect(await db.findById('contacts', first.id)).toEqual(first);
        expect(await db.findById('contacts', randomUUID())).toBeNull();
      });

      it('exists and count', async () => {
        expect(await db.exists('contacts', { last_name: 'Hopper' })).toBe(true);
        expect(await db.exists('contacts', { last_name: 'Knuth' })).toBe(false);
        expect(await db.count('contacts')).toBe(5);
        expect(await db.count('contacts', { status: 'lead' })).toBe(2);
        expect(await db.count('deals')).toBe(0);
      });

      it('capped count: the number up to the cap, and whether there were more', async () => {
        const capped = (cap: number, where?: Record<string, unknown>) =>
          db.count('contacts', where as never, { mode: 'capped', cap });
        expect(await capped(10)).toEqual({ count: 5, capped: false });
        expect(await capped(5)).toEqual({ count: 5, capped: false });
        expect(await capped(4)).toEqual({ count: 4, capped: true });
        expect(await capped(1, { status: 'lead' })).toEqual({ count: 1, capped: true });
        expect(await capped(2, { status: 'lead' })).toEqual({ count: 2, capped: false });
        expect(await db.count('deals', undefined, { mode: 'capped' })).toEqual({
          count: 0,
          capped: false,
        });
        expect(await db.count('contacts', undefined, { mode: 'exact' })).toBe(5);
        expect(
          await rejection(db.count('contacts', undefined, { mode: 'planned' } as never)),
        ).toMatchObject({ code: 'INVALID_QUERY', path: 'options.mode' });
      });
    });

    describe('update, updateById, delete, deleteById', () => {
      it('updates matching rows and returns them', async () => {
        const db = await sdkFor(await newSite());
        await seedContacts(db);
        const updated = await db.update(
          'contacts',
          { lead_score: { gte: 40 } },
          { status: 'churned', phone: '000' },
        );
        expect(updated.map((r) => [r.first_name, r.status, r.phone]).sort()).toEqual([
          ['Barbara', 'churned', '000'],
          ['Edsger', 'churned', '000'],
        ]);
        expect(await db.count('contacts', { status: 'churned' })).toBe(2);
        expect(await db.update('contacts', { last_name: 'Knuth' }, { phone: '1' })).toEqual([]);
      });

      it('updateById returns the row, or null when there is none', async () => {
        const db = await sdkFor(await newSite());
        const c = await db.createOne('contacts', { first_name: 'A', last_name: 'B' });
        const updated = await db.updateById('contacts', c.id, { status: 'qualified' });
        expect(updated).toMatchObject({ id: c.id, status: 'qualified' });
        expect(await db.updateById('contacts', randomUUID(), { status: 'qualified' })).toBeNull();
      });

      it('delete returns the count; deleteById a boolean', async () => {
        const db = await sdkFor(await newSite());
        const rows = await seedContacts(db);
        expect(await db.delete('contacts', { status: 'customer' })).toBe(2);
        expect(await db.delete('contacts', { status: 'customer' })).toBe(0);
        const first = rows[0];
        if (!first) throw new Error('seed');
        expect(await db.deleteById('contacts', first.id)).toBe(true);
        expect(await db.deleteById('contacts', first.id)).toBe(false);
        expect(await db.count('contacts')).toBe(2);
      });

      it('refuses an update or delete without conditions, before any request', async () => {
        const db = await sdkFor(await newSite());
        await db.createOne('contacts', { first_name: 'A', last_name: 'B' });
        const before = counter.calls;
        expect(await rejection(db.update('contacts', {}, { status: 'churned' }))).toMatchObject({
          code: 'INVALID_QUERY',
          path: 'where',
        });
        expect(await rejection(db.delete('contacts', {}))).toMatchObject({
          code: 'INVALID_QUERY',
        });
        expect(counter.calls).toBe(before);
        expect(await db.count('contacts', { status: 'lead' })).toBe(1);
      });
    });

    describe('errors', () => {
      let db: ModuleDatabaseSDK<Crm>;
      let site: string;
      beforeAll(async () => {
        site = await newSite();
        db = await sdkFor(site);
      });

      it.each([
        ['unknown table', (d: any) => d.find('leads'), 'table'],
        [
          'unknown column in where',
          (d: any) => d.find('contacts', { where: { nope: 1 } }),
          'where.nope',
        ],
        [
          'unknown column in select',
          (d: any) => d.find('contacts', { select: ['nope'] }),
          'select[0]',
        ],
        [
          'unknown column in orderBy',
          (d: any) => d.find('contacts', { orderBy: { column: 'nope' } }),
          'orderBy[0].column',
        ],
        [
          'unknown operator',
          (d: any) => d.find('contacts', { where: { lead_score: { greaterThan: 1 } } }),
          'where.lead_score.greaterThan',
        ],
        [
          'wrong value type',
          (d: any) => d.find('contacts', { where: { lead_score: 'high' } }),
          'where.lead_score',
        ],
        ['not a uuid', (d: any) => d.findById('contacts', 'contact-uuid'), 'where.id'],
        [
          'unknown column on insert',
          (d: any) =>
            d.createOne('contacts', { first_name: 'A', last_name: 'B', lead_status: 'x' }),
          'data.lead_status',
        ],
        [
          'missing required column',
          (d: any) => d.createOne('contacts', { first_name: 'A' }),
          'data.last_name',
        ],
        ['negative limit', (d: any) => d.find('contacts', { limit: -1 }), 'limit'],
        [
          'bad batch operation',
          (d: any) => d.batch([{ type: 'upsert', table: 'contacts', data: {} }]),
          'operations[0].type',
        ],
      ])('%s -> INVALID_QUERY before any request', async (_label, call, path) => {
        const before = counter.calls;
        const error = await rejection(call(db));
        expect(error).toMatchObject({ code: 'INVALID_QUERY', name: 'QueryValidationError', path });
        expect(counter.calls).toBe(before);
      });

      it('unique violation -> CONFLICT with SQLSTATE 23505', async () => {
        await db.createOne('contacts', { first_name: 'A', last_name: 'B', email: 'dup@x.io' });
        const error = await rejection(
          db.createOne('contacts', { first_name: 'C', last_name: 'D', email: 'dup@x.io' }),
        );
        expect(error).toMatchObject({
          code: 'CONFLICT',
          sqlstate: '23505',
          path: 'contacts.email',
          column: 'email',
        });
      });

      it('check violation -> CONSTRAINT_VIOLATION with SQLSTATE 23514', async () => {
        const error = await rejection(
          db.createOne('contacts', { first_name: 'A', last_name: 'B', lead_score: 101 }),
        );
        expect(error).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23514',
          path: 'contacts.lead_score',
          rule: 'lead_score between 0 and 100',
        });
        const byUpdate = await rejection(
          db.update('contacts', { email: 'dup@x.io' }, { status: 'bogus' }),
        );
        expect(byUpdate).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23514',
          path: 'contacts.status',
          rule: "status in ('lead', 'qualified', 'customer', 'churned')",
        });
      });

      it('foreign-key violation -> CONSTRAINT_VIOLATION with SQLSTATE 23503', async () => {
        const error = await rejection(
          db.createOne('deals', { title: 'Orphan', contact_id: randomUUID() }),
        );
        expect(error).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23503',
          path: 'deals.contact_id',
        });
      });

      it('a site where the module is not installed: reads are empty, writes -> ACCESS_DENIED 42501', async () => {
        const elsewhere = await sdkFor(await newSite(false));
        expect(await elsewhere.find('contacts')).toEqual([]);
        expect(await elsewhere.count('contacts')).toBe(0);
        const error = await rejection(
          elsewhere.createOne('contacts', { first_name: 'A', last_name: 'B' }),
        );
        expect(error).toMatchObject({ code: 'ACCESS_DENIED', sqlstate: '42501' });
      });

      it('a user who is not a member of the agency: writes -> ACCESS_DENIED 42501', async () => {
        const stranger = await tdb.factory.user();
        const asStranger = await sdkFor(site, stranger);
        expect(await asStranger.count('contacts')).toBe(0);
        const error = await rejection(
          asStranger.createOne('contacts', { first_name: 'A', last_name: 'B' }),
        );
        expect(error).toMatchObject({ code: 'ACCESS_DENIED', sqlstate: '42501' });
      });
    });

    describe('exact numbers (bigint, numeric)', () => {
      it('round-trips 9007199254740993 and 12345678901234567890.0123456789 exactly', async () => {
        const sdk = await ledgerFor(await newSite());
        const [neighbour, exact] = await sdk.create('entries', [
          { seq: '9007199254740992', amount: '12345678901234567890.0123456788' },
          {
            seq: '9007199254740993',
            amount: '12345678901234567890.0123456789',
            weights: ['1.5', '98765432109876543210.25'],
          },
        ]);
        expect(exact).toMatchObject({
          seq: '9007199254740993',
          amount: '12345678901234567890.0123456789',
          weights: ['1.5', '98765432109876543210.25'],
        });
        expect(neighbour?.seq).toBe('9007199254740992');
        expect(await sdk.findById('entries', exact?.id as string)).toEqual(exact);
        // Filters by equality hit the exact row, not its float neighbour.
        const bySeq = await sdk.find('entries', { where: { seq: '9007199254740993' } });
        expect(bySeq.map((r) => r.id)).toEqual([exact?.id]);
        expect(await sdk.count('entries', { seq: 9007199254740993n })).toBe(1);
        expect(await sdk.count('entries', { amount: '12345678901234567890.0123456789' })).toBe(1);
        expect(
          await sdk.count('entries', { amount: { gt: '12345678901234567890.0123456788' } }),
        ).toBe(1);
        expect(await sdk.count('entries', { seq: { in: ['9007199254740993', 1n] } })).toBe(1);
        // What PostgreSQL holds, read behind the API.
        const { rows } = await sql<{ seq: string; amount: string }>`
          select seq::text, amount::text from ${sql.table(`${ledgerSchema}.entries`)}
          where id = ${exact?.id}`.execute(db);
        expect(rows).toEqual([
          { seq: '9007199254740993', amount: '12345678901234567890.0123456789' },
        ]);
      });

      it('writes take decimal strings, numbers and JavaScript bigints; updates too', async () => {
        const db = await ledgerFor(await newSite());
        const row = await db.createOne('entries', { seq: 9223372036854775807n, amount: 1.5 });
        expect(row).toMatchObject({ seq: '9223372036854775807', amount: '1.5000000000' });
        const [updated] = await db.update(
          'entries',
          { seq: '9223372036854775807' },
          { seq: -9223372036854775808n, amount: '-0.0000000001', price: 12.5 },
        );
        expect(updated).toMatchObject({
          seq: '-9223372036854775808',
          amount: '-0.0000000001',
          price: '12.50',
        });
      });

      it('refuses numbers that were already rounded, before any request', async () => {
        const db = await ledgerFor(await newSite());
        const before = counter.calls;
        expect(
          await rejection(db.createOne('entries', { seq: Number('9007199254740993') })),
        ).toMatchObject({ code: 'INVALID_QUERY', path: 'data.seq' });
        expect(
          await rejection(db.createOne('entries', { seq: '9223372036854775808' })),
        ).toMatchObject({ code: 'INVALID_QUERY', path: 'data.seq' });
        expect(await rejection(db.count('entries', { seq: 1.5 }))).toMatchObject({
          code: 'INVALID_QUERY',
          path: 'where.seq',
        });
        expect(counter.calls).toBe(before);
      });

      it('pages by keyset on a bigint column past 2^53 without skipping or repeating', async () => {
        const db = await ledgerFor(await newSite());
        const seqs = [
          '9007199254740990',
          '9007199254740991',
          '9007199254740992',
          '9007199254740993',
          '9007199254740994',
          '9007199254740995',
          '-9007199254740993',
          '12',
        ];
        await db.create(
          'entries',
          seqs.map((seq) => ({ seq })),
        );
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<typeof db.findPage<'entries'>>> = await db.findPage(
            'entries',
            { orderBy: { column: 'seq' }, limit: 3, cursor },
          );
          seen.push(...page.rows.map((r) => r.seq));
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        const sorted = [...seqs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
        expect(seen).toEqual(sorted);
        expect(pages).toBe(3);
        const desc: string[] = [];
        cursor = null;
        do {
          const page: Awaited<ReturnType<typeof db.findPage<'entries'>>> = await db.findPage(
            'entries',
            { orderBy: { column: 'seq', ascending: false }, limit: 5, cursor },
          );
          desc.push(...page.rows.map((r) => r.seq));
          cursor = page.nextCursor;
        } while (cursor);
        expect(desc).toEqual([...sorted].reverse());
      });
    });

    describe('literal text search and LIKE', () => {
      const labels = ['100%', '100x', 'a_b', 'axb', 'back\\slash', 'backslash', 'star*', 'starx'];
      let db: ModuleDatabaseSDK<Ledger>;
      beforeAll(async () => {
        db = await ledgerFor(await newSite());
        await db.create(
          'entries',
          labels.map((label, i) => ({ seq: i, label })),
        );
      });
      const found = async (where: object) =>
        (await db.find('entries', { where: where as never })).map((r) => r.label).sort();

      it.each([
        ['%', ['100%']],
        ['_', ['a_b']],
        ['\\', ['back\\slash']],
        ['*', ['star*']],
        ['0%', ['100%']],
        ['k\\s', ['back\\slash']],
      ])('contains %j matches only rows with that literal text', async (text, expected) => {
        expect(await found({ label: { contains: text } })).toEqual(expected);
        expect(await db.count('entries', { label: { contains: text } })).toBe(expected.length);
      });

      it('icontains ignores case; not contains negates', async () => {
        expect(await found({ label: { icontains: 'STAR*' } })).toEqual(['star*']);
        expect(await found({ label: { not: { contains: 'x' } } })).toEqual([
          '100%',
          'a_b',
          'back\\slash',
          'backslash',
          'star*',
        ]);
        expect(
          await found({ or: [{ label: { contains: '%' } }, { label: { contains: '*' } }] }),
        ).toEqual(['100%', 'star*']);
      });

      it('like: % and _ are wildcards, \\ escapes, * is literal', async () => {
        expect(await found({ label: { like: 'star*' } })).toEqual(['star*']);
        expect(await found({ label: { like: 'a_b' } })).toEqual(['a_b', 'axb']);
        expect(await found({ label: { like: 'a\\_b' } })).toEqual(['a_b']);
        expect(await found({ label: { like: '100%' } })).toEqual(['100%', '100x']);
        expect(await found({ label: { like: '100\\%' } })).toEqual(['100%']);
        expect(await found({ label: { ilike: 'STAR%' } })).toEqual(['star*', 'starx']);
        expect(
          await rejection(db.find('entries', { where: { label: { like: 'a\\' } } })),
        ).toMatchObject({ code: 'INVALID_QUERY', path: 'where.label.like' });
      });
    });

    describe('values checked against the column before any request', () => {
      let db: ModuleDatabaseSDK<Ledger>;
      beforeAll(async () => {
        db = await ledgerFor(await newSite());
      });

      it.each([
        [
          'ilike on an integer',
          () => db.find('entries', { where: { qty: { ilike: '1%' } } as never }),
          'where.qty.ilike',
        ],
        [
          'contains on a uuid',
          () => db.find('entries', { where: { category_id: { contains: 'a' } } as never }),
          'where.category_id.contains',
        ],
        [
          'like on a numeric',
          () => db.count('entries', { amount: { like: '1%' } } as never),
          'where.amount.like',
        ],
        [
          'is true on text',
          () => db.count('entries', { label: { is: true } } as never),
          'where.label.is',
        ],
        [
          'integer overflow',
          () => db.createOne('entries', { seq: 1, qty: 2147483648 }),
          'data.qty',
        ],
        [
          'smallint overflow',
          () => db.createOne('entries', { seq: 1, small: 40000 }),
          'data.small',
        ],
        [
          'numeric(6,2) overflow',
          () => db.createOne('entries', { seq: 1, price: '10000' }),
          'data.price',
        ],
        [
          'impossible date',
          () => db.createOne('entries', { seq: 1, day: '2026-02-30' }),
          'data.day',
        ],
        ['not a date', () => db.createOne('entries', { seq: 1, day: 'yesterday' }), 'data.day'],
        [
          'bad timestamp',
          () => db.createOne('entries', { seq: 1, happened_at: '2026-01-01T25:00:00Z' }),
          'data.happened_at',
        ],
        [
          'integer overflow in a filter',
          () => db.count('entries', { qty: { gt: 2147483648 } }),
          'where.qty.gt',
        ],
      ] as const)('%s -> INVALID_QUERY naming the path', async (_label, call, path) => {
        const before = counter.calls;
        expect(await rejection(call())).toMatchObject({ code: 'INVALID_QUERY', path });
        expect(counter.calls).toBe(before);
      });

      it('accepts the forms it documents', async () => {
        const row = await db.createOne('entries', {
          seq: 1,
          qty: 2147483647,
          small: -32768,
          price: '9999.99',
          day: '2024-02-29',
          happened_at: '2026-01-01 10:00:00+02',
        });
        expect(row).toMatchObject({
          qty: 2147483647,
          small: -32768,
          price: '9999.99',
          day: '2024-02-29',
        });
        expect(Date.parse(row.happened_at as string)).toBe(Date.parse('2026-01-01T08:00:00Z'));
      });
    });

    describe('database errors name the column', () => {
      let db: ModuleDatabaseSDK<Ledger>;
      let site: string;
      beforeAll(async () => {
        site = await newSite();
        db = await ledgerFor(site);
      });

      it('check -> CONSTRAINT_VIOLATION with the path and the rule', async () => {
        expect(await rejection(db.createOne('entries', { seq: 1, qty: -1 }))).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23514',
          path: 'entries.qty',
          column: 'qty',
          rule: 'qty >= 0',
        });
      });

      it('unique -> CONFLICT with the path', async () => {
        await db.createOne('entries', { seq: 1, code: 'A-1' });
        expect(await rejection(db.createOne('entries', { seq: 2, code: 'A-1' }))).toMatchObject({
          code: 'CONFLICT',
          sqlstate: '23505',
          path: 'entries.code',
        });
      });

      it('foreign key -> CONSTRAINT_VIOLATION with the path, on insert and on delete', async () => {
        expect(
          await rejection(db.createOne('entries', { seq: 1, category_id: randomUUID() })),
        ).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23503',
          path: 'entries.category_id',
        });
        const category = await db.createOne('categories', { name: 'c' });
        await db.createOne('entries', { seq: 3, category_id: category.id });
        expect(await rejection(db.deleteById('categories', category.id))).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23503',
          path: 'entries.category_id',
        });
      });

      it('not-null and bad text representation PostgreSQL reports -> typed errors with the path', async () => {
        // Code whose definition disagrees with the database (seq declared nullable, qty text):
        // the checks pass and PostgreSQL refuses, naming the column only in its own terms.
        const drifted = {
          ...ledger,
          tables: ledger.tables.map((t) =>
            t.name !== 'entries'
              ? t
              : {
                  ...t,
                  columns: t.columns.map((c) =>
                    c.name === 'seq'
                      ? { ...c, nullable: true }
                      : c.name === 'qty'
                        ? { ...c, type: 'text' }
                        : c,
                  ),
                },
          ),
        } as unknown as Ledger;
        const sdk = await ledgerFor(site, drifted);
        expect(await rejection(sdk.createOne('entries', { seq: null as never }))).toMatchObject({
          code: 'CONSTRAINT_VIOLATION',
          sqlstate: '23502',
          path: 'entries.seq',
        });
        expect(
          await rejection(sdk.createOne('entries', { seq: 1, qty: 'twelve' as never })),
        ).toMatchObject({ code: 'INVALID_QUERY', sqlstate: '22P02', path: 'entries.qty' });
      });

      it('a value PostgreSQL refuses after the checks -> INVALID_QUERY with its SQLSTATE and path', async () => {
        // 9999.995 passes the digit check but rounds to 10000.00: numeric field overflow.
        expect(
          await rejection(db.createOne('entries', { seq: 1, price: '9999.995' })),
        ).toMatchObject({
          code: 'INVALID_QUERY',
          sqlstate: '22003',
          path: 'entries.price',
        });
        // A well-formed timestamp beyond PostgreSQL's range.
        expect(
          await rejection(
            db.createOne('entries', { seq: 1, happened_at: '300000-01-01T00:00:00Z' }),
          ),
        ).toMatchObject({ code: 'INVALID_QUERY', sqlstate: '22008', path: 'entries.happened_at' });
      });
    });

    describe('oversized where', () => {
      it('refuses a where of shared references that would expand to a million conditions, fast, before any request', async () => {
        const db = await sdkFor(await newSite());
        const leaf = { status: 'lead', lead_score: { gte: 1 } };
        const level1 = { or: Array.from({ length: 100 }, () => leaf) };
        const level2 = { or: Array.from({ length: 100 }, () => level1) };
        const level3 = { or: Array.from({ length: 100 }, () => level2) };
        const before = counter.calls;
        const started = performance.now();
        const error = await rejection(db.find('contacts', { where: level3 as never }));
        const ms = performance.now() - started;
        expect(error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'conditions', max: 1000 });
        expect(error.path).toMatch(/^where\.or\[\d+\]/);
        expect(ms).toBeLessThan(250);
        expect(counter.calls).toBe(before);
      });
    });

    describe('site stamping and isolation', () => {
      it('a record naming another site -> ACCESS_DENIED, nothing written anywhere', async () => {
        const siteA = await newSite();
        const siteB = await newSite();
        const a = await sdkFor(siteA);
        const before = counter.calls;
        const error = await rejection(
          a.create('contacts', [
            { first_name: 'Ok', last_name: 'Here' },
            { first_name: 'Sneaky', last_name: 'There', site_id: siteB },
          ]),
        );
        expect(error).toMatchObject({ code: 'ACCESS_DENIED' });
        expect(counter.calls).toBe(before);
        expect(await rawCount('contacts', siteA)).toBe(0);
        expect(await rawCount('contacts', siteB)).toBe(0);
        // Naming the request's own site is allowed (and is what would be stamped anyway).
        const own = await a.createOne('contacts', {
          first_name: 'O',
          last_name: 'K',
          site_id: siteA,
        });
        expect(own.site_id).toBe(siteA);
      });

      it('a filter naming another site -> ACCESS_DENIED', async () => {
        const siteA = await newSite();
        const a = await sdkFor(siteA);
        const other = await newSite();
        expect(await rejection(a.find('contacts', { where: { site_id: other } }))).toMatchObject({
          code: 'ACCESS_DENIED',
        });
        expect(await a.count('contacts', { site_id: siteA })).toBe(0);
      });

      it('two sites of one module each see, count, change and delete only their own rows', async () => {
        const siteA = await newSite();
        const siteB = await newSite();
        const a = await sdkFor(siteA);
        const b = await sdkFor(siteB);
        await seedContacts(a);
        await b.create('contacts', [
          { first_name: 'Only', last_name: 'InB', email: 'ada@example.com' },
          { first_name: 'Also', last_name: 'InB' },
        ]);
        expect(await a.count('contacts')).toBe(5);
        expect(await b.count('contacts')).toBe(2);
        // Capped counts see only the site's rows too: A has more than 3, B has not.
        expect(await a.count('contacts', undefined, { mode: 'capped', cap: 3 })).toEqual({
          count: 3,
          capped: true,
        });
        expect(await b.count('contacts', undefined, { mode: 'capped', cap: 3 })).toEqual({
          count: 2,
          capped: false,
        });
        expect((await b.find('contacts')).every((r) => r.site_id === siteB)).toBe(true);
        // Same email in both sites: uniqueness is per site.
        expect(await a.count('contacts', { email: 'ada@example.com' })).toBe(1);
        expect(await b.count('contacts', { email: 'ada@example.com' })).toBe(1);
        // A's id is invisible from B: by id, by update, by delete.
        const adaInA = await a.findOne('contacts', { email: 'ada@example.com' });
        if (!adaInA) throw new Error('seed');
        expect(await b.findById('contacts', adaInA.id)).toBeNull();
        expect(await b.updateById('contacts', adaInA.id, { status: 'churned' })).toBeNull();
        expect(await b.deleteById('contacts', adaInA.id)).toBe(false);
        expect(await b.delete('contacts', { email: 'ada@example.com' })).toBe(1);
        expect(await a.count('contacts', { email: 'ada@example.com' })).toBe(1);
        expect(await a.findById('contacts', adaInA.id)).toMatchObject({ status: 'lead' });
        // Cross-site references fail: B cannot hang a deal on A's contact.
        const crossRef = await rejection(
          b.createOne('deals', { title: 'x', contact_id: adaInA.id }),
        );
        expect(crossRef).toMatchObject({ code: 'CONSTRAINT_VIOLATION', sqlstate: '23503' });
      });
    });

    describe('batch and transaction', () => {
      it('runs operations in order and returns created and updated rows', async () => {
        const db = await sdkFor(await newSite());
        const rows = await db.batch([
          { type: 'create', table: 'companies', data: { name: 'Acme' } },
          {
            type: 'create',
            table: 'contacts',
            data: [
              { first_name: 'A', last_name: 'One' },
              { first_name: 'B', last_name: 'Two' },
            ],
          },
          {
            type: 'update',
            table: 'contacts',
            where: { first_name: 'A' },
            data: { lead_score: 9 },
          },
          { type: 'delete', table: 'contacts', where: { first_name: 'B' } },
        ]);
        expect(rows).toHaveLength(4);
        expect(rows[3]).toMatchObject({ first_name: 'A', lead_score: 9 });
        expect(await db.count('contacts')).toBe(1);
        expect(await db.count('companies')).toBe(1);
      });

      if (options.transactions) {
        it('is atomic: a failing operation rolls every earlier one back', async () => {
          const site = await newSite();
          const db = await sdkFor(site);
          await db.createOne('contacts', { first_name: 'Keep', last_name: 'Me' });
          const error = await rejection(
            db.batch([
              { type: 'create', table: 'companies', data: { name: 'Ghost' } },
              {
                type: 'update',
                table: 'contacts',
                where: { first_name: 'Keep' },
                data: { lead_score: 5 },
              },
              { type: 'delete', table: 'contacts', where: { first_name: 'Keep' } },
              {
                type: 'create',
                table: 'contacts',
                data: { first_name: 'X', last_name: 'Y', lead_score: 500 },
              },
            ]),
          );
          expect(error).toMatchObject({ code: 'CONSTRAINT_VIOLATION', sqlstate: '23514' });
          expect(await rawCount('companies', site)).toBe(0);
          expect(await db.findOne('contacts', { first_name: 'Keep' })).toMatchObject({
            lead_score: 0,
          });
        });

        it('reports a validation failure inside a batch with the operation path, and rolls back', async () => {
          const site = await newSite();
          const db = await sdkFor(site);
          const error = await rejection(
            db.batch([
              { type: 'create', table: 'companies', data: { name: 'Ghost' } },
              { type: 'create', table: 'contacts', data: { first_name: 'X' } as never },
            ]),
          );
          expect(error).toMatchObject({
            code: 'INVALID_QUERY',
            path: 'operations[1].data.last_name',
          });
          expect(await rawCount('companies', site)).toBe(0);
        });

        it('transaction() commits together or not at all', async () => {
          const site = await newSite();
          const db = await sdkFor(site);
          const company = await db.transaction(async (tx) => {
            const c = await tx.createOne('companies', { name: 'Acme' });
            await tx.createOne('contacts', { first_name: 'A', last_name: 'B', company_id: c.id });
            return c;
          });
          expect(await db.count('contacts', { company_id: company.id })).toBe(1);
          const error = await rejection(
            db.transaction(async (tx) => {
              await tx.createOne('companies', { name: 'Rolled back' });
              throw new Error('changed my mind');
            }),
          );
          expect(error.message).toBe('changed my mind');
          expect(await db.count('companies')).toBe(1);
        });
      } else {
        it('refuses an atomic batch with NOT_SUPPORTED before anything runs', async () => {
          const site = await newSite();
          const db = await sdkFor(site);
          const error = await rejection(
            db.batch([{ type: 'create', table: 'companies', data: { name: 'Ghost' } }]),
          );
          expect(error).toMatchObject({ code: 'NOT_SUPPORTED' });
          expect(await rawCount('companies', site)).toBe(0);
        });
      }

      it('with atomic: false runs one by one; a failure keeps what ran before it', async () => {
        const site = await newSite();
        const db = await sdkFor(site);
        const error = await rejection(
          db.batch(
            [
              { type: 'create', table: 'companies', data: { name: 'Kept' } },
              {
                type: 'create',
                table: 'contacts',
                data: { first_name: 'X', last_name: 'Y', lead_score: 500 },
              },
            ],
            { atomic: false },
          ),
        );
        expect(error).toMatchObject({ code: 'CONSTRAINT_VIOLATION', sqlstate: '23514' });
        expect(await rawCount('companies', site)).toBe(1);
        expect(await rawCount('contacts', site)).toBe(0);
      });
    });
  });
}
