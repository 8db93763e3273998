/**
 * Site visitors and widget items through the data client and the SDK (issue 14, items 2 and 3),
 * on both Postgres transports (Kysely: four round trips; a pg pool in pipeline mode: one). For
 * every refusal two things are shown: the client refuses before any SQL (a counting transport
 * sees no call) with a typed error naming the table, column and operation, and PostgreSQL refuses
 * the same when the client's checks are bypassed (the transport called directly with the
 * visitor's context).
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseSDK, defineModule } from '../../module-sdk/src/index';
import { MODULE_DATA_TABLE } from '../src/access/module-data-table';
import { buildModuleMetadata } from '../src/access/module-metadata';
import {
  createModuleDataClient,
  createRateLimiter,
  createUsageMeter,
  type DataTransport,
  installModuleForSite,
  migratePlatform,
  provisionModuleDatabase,
  setSitePublic,
  withQuotas,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { rejectionOf } from './module-request';

function shopModule(strategy: 'prefix' | 'schema' = 'prefix') {
  return defineModule({
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
        rlsPolicies: [{ name: 'published_only', action: 'SELECT', using: "status = 'published'" }],
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
      { name: 'notes', columns: [{ name: 'body', type: 'text' }] },
    ],
  });
}

function testimonialsWidget() {
  return defineModule({
    moduleId: randomUUID(),
    moduleType: 'widget',
    version: '1.0.0',
    tables: [],
    collections: {
      testimonials: {
        fields: {
          author: { type: 'string', maxLength: 80 },
          quote: { type: 'string', minLength: 1, maxLength: 500 },
          rating: { type: 'integer', minimum: 1, maximum: 5 },
          approved: { type: 'boolean', optional: true },
          email: { type: 'string', optional: true, nullable: true },
        },
        visitors: {
          read: ['author', 'quote', 'rating'],
          insert: ['author', 'quote', 'rating', 'email'],
        },
      },
      notes: { fields: { body: { type: 'string' } } },
    },
  });
}

let tdb: TestDatabase;
let db: Kysely<any>;
let pool: pg.Pool;
let siteA: string; // public, modules installed
let siteB: string; // public, modules installed, another agency
let siteC: string; // not public, modules installed
let siteD: string; // public, modules not installed
let userA: string;
let shop: ReturnType<typeof shopModule>;
let widget: ReturnType<typeof testimonialsWidget>;
let otherWidget: ReturnType<typeof testimonialsWidget>;
let shopShort: string;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  pool = new pg.Pool({ connectionString: tdb.url, max: 4, pipeline: true } as pg.PoolConfig);
  pool.on('error', () => undefined);
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
  shop = shopModule();
  widget = testimonialsWidget();
  otherWidget = testimonialsWidget();
  for (const def of [shop, widget, otherWidget]) {
    await provisionModuleDatabase(db, def);
    for (const site of [siteA, siteB, siteC]) await installModuleForSite(db, def.moduleId, site);
  }
  shopShort = buildModuleMetadata(shop).shortId;
  const products = sql.id('public', `mod_${shopShort}_products`);
  for (const site of [siteA, siteB, siteC, siteD]) {
    await sql`insert into ${products} (site_id, name, price, cost, status) values
      (${site}::uuid, ${`pub-${site.slice(0, 4)}`}, 10, 4, 'published'),
      (${site}::uuid, 'zz-second', 12.5, 5, 'published'),
      (${site}::uuid, ${`draft-${site.slice(0, 4)}`}, 20, 8, 'draft')`.execute(db);
  }
});

afterAll(async () => {
  await pool?.end();
  await tdb?.destroy();
});

/** A transport that counts the calls that reach it. */
function counting(inner: DataTransport): DataTransport & { calls: number } {
  const out = { calls: 0 };
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      out.calls++;
      return fn(...args);
    };
  return Object.assign(out, {
    name: inner.name,
    select: wrap(inner.select.bind(inner)),
    count: wrap(inner.count.bind(inner)),
    insert: wrap(inner.insert.bind(inner)),
    update: wrap(inner.update.bind(inner)),
    delete: wrap(inner.delete.bind(inner)),
    transaction: wrap(inner.transaction.bind(inner)) as DataTransport['transaction'],
  });
}

const transports: [string, () => DataTransport][] = [
  ['kysely', () => createPostgresTransport(db)],
  ['pg pool, pipelined', () => createPostgresTransport(pool)],
  // The platform's wrapper (rate limits and metering) must pass every call through unchanged.
  [
    'kysely, withQuotas',
    () =>
      withQuotas(createPostgresTransport(db), {
        limiter: createRateLimiter({ limits: db }),
        meter: createUsageMeter({ db, flushIntervalMs: 0 }),
      }),
  ],
];

describe.each(transports)('visitors on the Postgres transport (%s)', (_label, make) => {
  const visitorOf = (site: string, transport = make()) =>
    createDatabaseSDK({ definition: shop, siteId: site, visitor: true, transport });

  it('read exactly the declared columns of their public site’s rows that the module’s policies allow', async () => {
    const rows = await visitorOf(siteA).find('products', { orderBy: { column: 'name' } });
    expect(rows.map((r) => r.name)).toEqual([`pub-${siteA.slice(0, 4)}`, 'zz-second']);
    for (const row of rows)
      expect(Object.keys(row).sort()).toEqual(['id', 'name', 'price', 'site_id']);
    expect(rows.every((r) => r.site_id === siteA)).toBe(true);
    expect(rows[1]?.price).toBe('12.50');
  });

  it('filter, sort, select, page, count and test existence on the readable columns', async () => {
    const v = visitorOf(siteA);
    const cheap = await v.find('products', { where: { price: { lt: 11 } }, select: ['name'] });
    expect(cheap).toEqual([{ name: `pub-${siteA.slice(0, 4)}` }]);
    expect(await v.count('products')).toBe(2);
    expect(await v.count('products', undefined, { mode: 'capped', cap: 1 })).toEqual({
      count: 1,
      capped: true,
    });
    expect(await v.exists('products', { name: 'zz-second' })).toBe(true);
    expect(await v.exists('products', { name: `draft-${siteA.slice(0, 4)}` })).toBe(false);
    expect((await v.findOne('products', { name: 'zz-second' }))?.price).toBe('12.50');
    const first = await v.findPage('products', { orderBy: { column: 'name' }, limit: 1 });
    expect(first.rows.map((r) => r.name)).toEqual([`pub-${siteA.slice(0, 4)}`]);
    const second = await v.findPage('products', {
      orderBy: { column: 'name' },
      limit: 1,
      cursor: first.nextCursor,
    });
    expect(second.rows.map((r) => r.name)).toEqual(['zz-second']);
    expect(second.nextCursor).toBeNull();
  });

  it('insert the declared columns without reading them back; the rest take defaults', async () => {
    const email = `${randomUUID()}@example.com`;
    const v = visitorOf(siteA);
    expect(await v.create('requests', { name: 'Ada', email, message: 'Hello' })).toBe(1);
    expect(
      await v.create('requests', [
        { name: 'B', email },
        { name: 'C', email, message: null },
      ]),
    ).toBe(2);
    const { rows } =
      await sql<any>`select site_id, name, handled from ${sql.id('public', `mod_${shopShort}_requests`)}
      where email = ${email} order by name`.execute(db);
    expect(rows).toEqual([
      { site_id: siteA, name: 'Ada', handled: false },
      { site_id: siteA, name: 'B', handled: false },
      { site_id: siteA, name: 'C', handled: false },
    ]);
  });

  it.each([
    [
      'an undeclared column in select',
      (v: any) => v.find('products', { select: ['cost'] }),
      'read',
      'products',
      'cost',
    ],
    [
      'a filter on an undeclared column',
      (v: any) => v.find('products', { where: { cost: { gt: 0 } } }),
      'read',
      'products',
      'cost',
    ],
    [
      'a sort on an undeclared column',
      (v: any) => v.find('products', { orderBy: { column: 'status' } }),
      'read',
      'products',
      'status',
    ],
    [
      'a count filtered on an undeclared column',
      (v: any) => v.count('products', { status: 'draft' }),
      'read',
      'products',
      'status',
    ],
    ['a members-only table', (v: any) => v.find('notes'), 'read', 'notes', undefined],
    [
      'a table visitors only insert into',
      (v: any) => v.find('requests'),
      'read',
      'requests',
      undefined,
    ],
    [
      'an insert into a members-only table',
      (v: any) => v.create('notes', { body: 'x' }),
      'insert',
      'notes',
      undefined,
    ],
    [
      'an insert into a read-only table',
      (v: any) => v.create('products', { name: 'x', price: 1 }),
      'insert',
      'products',
      undefined,
    ],
    [
      'an insert of an undeclared column',
      (v: any) => v.create('requests', { name: 'x', email: 'x@x', handled: true }),
      'insert',
      'requests',
      'handled',
    ],
  ])(
    'are refused %s before any SQL (VISITOR_NOT_ALLOWED)',
    async (_w, call, operation, table, column) => {
      const transport = counting(make());
      const error = await rejectionOf(call(visitorOf(siteA, transport)));
      expect(error.code).toBe('VISITOR_NOT_ALLOWED');
      expect({ operation: error.operation, table: error.table, column: error.column }).toEqual({
        operation,
        table,
        column,
      });
      expect(transport.calls).toBe(0);
    },
  );

  it('have no update, delete or transaction: refused before any SQL (for callers without types)', async () => {
    const transport = counting(make());
    const client = createModuleDataClient({
      definition: shop,
      siteId: siteA,
      visitor: true,
      transport,
    });
    const attempts: [string, () => Promise<unknown>][] = [
      ['update', () => client.update('products', { name: 'x' }, { name: 'zz-second' })],
      ['delete', () => client.delete('products', { name: 'zz-second' })],
      ['transaction', () => client.transaction(async () => 1)],
    ];
    for (const [operation, call] of attempts) {
      const error = await rejectionOf(call());
      expect(error.code, operation).toBe('VISITOR_NOT_ALLOWED');
      expect(error.operation).toBe(operation);
    }
    expect(transport.calls).toBe(0);
  });

  it('are refused by PostgreSQL (42501) for the same calls when the client is bypassed', async () => {
    const transport = make();
    const context = createModuleDataClient({
      definition: shop,
      siteId: siteA,
      visitor: true,
      transport,
    }).context;
    const meta = buildModuleMetadata(shop);
    const target = (n: string) => (meta.tables.get(n) as { target: any }).target;
    const site = { column: 'site_id', op: 'eq' as const, value: siteA };
    const attempts: [string, () => Promise<unknown>][] = [
      ['select *', () => transport.select(context, target('products'), { filters: [site] })],
      [
        'select cost',
        () => transport.select(context, target('products'), { columns: ['cost'], filters: [site] }),
      ],
      [
        'filter on cost',
        () =>
          transport.select(context, target('products'), {
            columns: ['name'],
            filters: [site, { column: 'cost', op: 'gt', value: 0 }],
          }),
      ],
      ['count notes', () => transport.count(context, target('notes'), [site])],
      [
        'insert handled',
        () =>
          transport.insert(
            context,
            target('requests'),
            [{ site_id: siteA, name: 'x', email: 'x@x', handled: true }],
            { returning: false },
          ),
      ],
      [
        'insert returning',
        () =>
          transport.insert(context, target('requests'), [
            { site_id: siteA, name: 'x', email: 'x@x' },
          ]),
      ],
      [
        'insert for another site',
        () =>
          transport.insert(
            context,
            target('requests'),
            [{ site_id: siteB, name: 'x', email: 'x@x' }],
            { returning: false },
          ),
      ],
      [
        'insert into notes',
        () =>
          transport.insert(context, target('notes'), [{ site_id: siteA, body: 'x' }], {
            returning: false,
          }),
      ],
      ['update', () => transport.update(context, target('products'), [site], { name: 'x' })],
      ['delete', () => transport.delete(context, target('requests'), [site])],
    ];
    for (const [what, call] of attempts) {
      const error = await rejectionOf(call());
      expect(error.code, what).toBe('42501');
    }
    const { rows } =
      await sql<any>`select count(*)::int as n from ${sql.id('public', `mod_${shopShort}_requests`)} where email = 'x@x'`.execute(
        db,
      );
    expect(rows[0].n).toBe(0);
  });

  it('see nothing and insert nothing on a site that is not public or where the module is not installed', async () => {
    for (const site of [siteC, siteD]) {
      const v = visitorOf(site);
      expect(await v.find('products')).toEqual([]);
      expect(await v.count('products')).toBe(0);
      const error = await rejectionOf(v.create('requests', { name: 'x', email: 'x@x' }));
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.sqlstate).toBe('42501');
    }
  });

  it('never see another site’s rows, and a filter naming another site is refused', async () => {
    const v = visitorOf(siteB);
    const rows = await v.find('products');
    expect(rows.length).toBe(2);
    expect(rows.every((r) => r.site_id === siteB)).toBe(true);
    const error = await rejectionOf(v.find('products', { where: { site_id: siteA } }));
    expect(error.code).toBe('ACCESS_DENIED');
    const insert = await rejectionOf(
      v.create('requests', { name: 'x', email: 'x@x', site_id: siteA } as never),
    );
    expect(insert.code).toBe('ACCESS_DENIED');
  });

  it('are typed errors for a visitor with a user, and a member SDK asked to be a visitor', () => {
    expect(() =>
      createDatabaseSDK({
        definition: shop,
        siteId: siteA,
        visitor: true,
        userId: userA,
        transport: make(),
      } as never),
    ).toThrow(expect.objectContaining({ code: 'INVALID_QUERY', path: 'userId' }));
    expect(() =>
      createModuleDataClient({
        definition: shop,
        siteId: siteA,
        visitor: 'yes' as never,
        transport: make(),
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_QUERY', path: 'visitor' }));
  });

  it('leave members as they were: every column, updates and deletes', async () => {
    const member = createDatabaseSDK({
      definition: shop,
      siteId: siteA,
      userId: userA,
      transport: make(),
    });
    const rows = await member.find('products', { orderBy: { column: 'name' } });
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      'cost',
      'id',
      'name',
      'price',
      'site_id',
      'status',
    ]);
    const note = await member.createOne('notes', { body: 'members only' });
    expect(await member.deleteById('notes', note.id)).toBe(true);
  });
});

describe.each(transports)('widget items (%s)', (_label, make) => {
  const memberOf = (def: typeof widget, site = siteA) =>
    createDatabaseSDK({ definition: def, siteId: site, userId: userA, transport: make() });
  const visitorOf = (def: typeof widget, site = siteA, transport = make()) =>
    createDatabaseSDK({ definition: def, siteId: site, visitor: true, transport });
  const good = { author: 'Ada', quote: 'Splendid', rating: 5, approved: true, email: 'ada@x.io' };

  it('are stored, listed, read, updated, counted and deleted per site by a member', async () => {
    const agency = await tdb.factory.agency();
    const site = await tdb.factory.site(agency);
    await tdb.factory.member(agency, userA);
    await installModuleForSite(db, widget.moduleId, site);
    const items = memberOf(widget, site).collection('testimonials');
    const created = await items.create(good);
    expect(created.key).toBe(created.id);
    expect(created.value).toEqual(good);
    expect(created.site_id).toBe(site);
    const keyed = await items.create({ author: 'Bo', quote: 'Fine', rating: 3 }, { key: 'zz' });
    expect(keyed.key).toBe('zz');
    expect(await items.count()).toBe(2);
    expect((await items.get('zz'))?.value).toEqual({ author: 'Bo', quote: 'Fine', rating: 3 });
    expect(await items.get('nobody')).toBeNull();
    const updated = await items.update('zz', { author: 'Bo', quote: 'Better', rating: 4 });
    expect(updated?.value.quote).toBe('Better');
    expect(await items.update('nobody', good)).toBeNull();
    const page1 = await items.list({ limit: 1, orderBy: 'key' });
    // Hex ids sort before 'zz' in any collation.
    expect(page1.items.map((i) => i.key)).toEqual([created.key]);
    const page2 = await items.list({ limit: 1, orderBy: 'key', cursor: page1.nextCursor });
    expect(page2.items.map((i) => i.key)).toEqual(['zz']);
    expect(page2.nextCursor).toBeNull();
    // Other collections, other widgets and other sites see none of them.
    expect(await memberOf(widget, site).collection('notes').count()).toBe(0);
    expect(await memberOf(otherWidget, site).collection('testimonials').count()).toBe(0);
    expect(await memberOf(widget, siteA).collection('testimonials').get('zz')).toBeNull();
    expect(await items.delete('zz')).toBe(true);
    expect(await items.delete('zz')).toBe(false);
    expect(await items.count()).toBe(1);
  });

  it.each([
    ['a value over its maximum', { ...good, rating: 7 }, 'rating', 'maximum'],
    ['a fraction for an integer', { ...good, rating: 4.5 }, 'rating', 'integer'],
    ['a string too long', { ...good, author: 'x'.repeat(81) }, 'author', 'maxLength'],
    ['a missing required field', { quote: 'q', rating: 3 }, 'author', 'required'],
    ['null where not nullable', { ...good, author: null }, 'author', 'not_null'],
  ])(
    'that do not fit are refused by the database, naming the field and rule (%s)',
    async (_w, value, field, rule) => {
      const error = await rejectionOf(
        memberOf(widget)
          .collection('testimonials')
          .create(value as never),
      );
      expect(error.code).toBe('CONSTRAINT_VIOLATION');
      expect(error.sqlstate).toBe('23514');
      expect({
        table: error.table,
        column: error.column,
        path: error.path,
        rule: error.rule,
      }).toEqual({
        table: 'testimonials',
        column: field,
        path: `testimonials.${field}`,
        rule,
      });
    },
  );

  it('with an undeclared field or a bad key are refused before any SQL; a taken key is a CONFLICT', async () => {
    const items = memberOf(widget).collection('testimonials');
    const unknown = await rejectionOf(items.create({ ...good, extra: 1 } as never));
    expect({ code: unknown.code, path: unknown.path }).toEqual({
      code: 'INVALID_QUERY',
      path: 'value.extra',
    });
    const badKey = await rejectionOf(items.get(''));
    expect(badKey.code).toBe('INVALID_QUERY');
    const key = `k-${randomUUID()}`;
    await items.create(good, { key });
    const taken = await rejectionOf(items.create(good, { key }));
    expect({ code: taken.code, path: taken.path }).toEqual({
      code: 'CONFLICT',
      path: 'testimonials.key',
    });
    expect(() => memberOf(widget).collection('nope' as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_QUERY', path: 'collection' }),
    );
    expect(() =>
      createDatabaseSDK({
        definition: shop,
        siteId: siteA,
        userId: userA,
        transport: make(),
      }).collection('testimonials' as never),
    ).toThrow(expect.objectContaining({ code: 'INVALID_QUERY' }));
  });

  it('are read by visitors as their visitor-readable fields only, on public sites', async () => {
    const key = `v-${randomUUID()}`;
    await memberOf(widget).collection('testimonials').create(good, { key });
    const v = visitorOf(widget).collection('testimonials');
    const item = await v.get(key);
    expect(item?.value).toEqual({ author: 'Ada', quote: 'Splendid', rating: 5 });
    const { items } = await v.list({ limit: 1000 });
    expect(items.length).toBe(await v.count());
    expect(
      items.every((i) => i.site_id === siteA && !('approved' in i.value) && !('email' in i.value)),
    ).toBe(true);
    expect(await visitorOf(widget, siteC).collection('testimonials').count()).toBe(0);
    expect(await visitorOf(otherWidget).collection('testimonials').get(key)).toBeNull();
  });

  it('are added by visitors with the declared fields; anything else is refused first by the client, then by PostgreSQL', async () => {
    const quote = `visitor ${randomUUID()}`;
    await visitorOf(widget).collection('testimonials').create({ author: 'V', quote, rating: 4 });
    const { rows } =
      await sql<any>`select site_id::text as site, value from public.module_data where value ->> 'quote' = ${quote}`.execute(
        db,
      );
    expect(rows).toEqual([{ site: siteA, value: { author: 'V', quote, rating: 4 } }]);

    const transport = counting(make());
    const v = visitorOf(widget, siteA, transport) as any;
    // The SDK's visitor collection has no update or delete; the data client (for callers without
    // types) refuses them.
    expect('update' in v.collection('testimonials')).toBe(false);
    const raw = createModuleDataClient({
      definition: widget,
      siteId: siteA,
      visitor: true,
      transport,
    });
    const refusals: [() => Promise<unknown>, string, string, string | undefined][] = [
      [
        () => v.collection('testimonials').create({ ...good }),
        'insert',
        'testimonials',
        'approved',
      ],
      [() => v.collection('notes').create({ body: 'x' }), 'insert', 'notes', undefined],
      [() => v.collection('notes').list(), 'read', 'notes', undefined],
      [() => raw.collection('testimonials').update('x', good), 'update', 'testimonials', undefined],
      [() => raw.collection('testimonials').delete('x'), 'delete', 'testimonials', undefined],
    ];
    for (const [call, operation, collection, field] of refusals) {
      const error = await rejectionOf(call());
      expect(error.code).toBe('VISITOR_NOT_ALLOWED');
      expect({
        operation: error.operation,
        table: error.table,
        kind: error.kind,
        column: error.column,
      }).toEqual({
        operation,
        table: collection,
        kind: 'collection',
        column: field,
      });
    }
    expect(transport.calls).toBe(0);

    // The client bypassed: PostgreSQL refuses the same.
    const context = v.context;
    const site = { column: 'site_id', op: 'eq' as const, value: siteA };
    const bypass: [string, () => Promise<unknown>][] = [
      [
        'an undeclared field',
        () =>
          transport.insert(
            context,
            MODULE_DATA_TABLE.target,
            [{ site_id: siteA, collection: 'testimonials', value: good }],
            { returning: false },
          ),
      ],
      [
        'a members-only collection',
        () =>
          transport.insert(
            context,
            MODULE_DATA_TABLE.target,
            [{ site_id: siteA, collection: 'notes', value: { body: 'x' } }],
            { returning: false },
          ),
      ],
      [
        'the full value',
        () =>
          transport.select(context, MODULE_DATA_TABLE.target, {
            columns: ['value'],
            filters: [site],
          }),
      ],
      ['update', () => transport.update(context, MODULE_DATA_TABLE.target, [site], { value: {} })],
      ['delete', () => transport.delete(context, MODULE_DATA_TABLE.target, [site])],
    ];
    for (const [what, call] of bypass) {
      const error = await rejectionOf(call());
      expect(error.code, what).toBe('42501');
    }
  });
});
