/**
 * Widgets' items (issue 14, item 3), database side: a widget declares the shape of its items per
 * collection; `public.module_data` checks every item written against it (whoever writes), keeps
 * the visitor-readable part apart, and admits a public site's visitors only to what the collection
 * declares. Raw SQL with the role and claims a transport sets: nothing in the SDK is relied on.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deprovisionModuleDatabase,
  installModuleForSite,
  isDefinitionValidationError,
  lintModuleDatabase,
  migratePlatform,
  planModuleUpgrade,
  provisionModuleDatabase,
  setSitePublic,
  validateModuleDefinition,
} from '../src/index';
import { rejectionOf } from './module-request';

let tdb: TestDatabase;
let db: Kysely<any>;
let siteA: string; // public
let siteB: string; // public, another agency
let siteC: string; // not public
let userA: string;

function testimonials(): any {
  return {
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
      notes: { fields: { body: { type: 'string' }, meta: { type: 'json', optional: true } } },
    },
  };
}

interface Widget {
  def: any;
  shortId: string;
  role: string;
  visitor: string;
}

async function provisionWidget(def = testimonials()): Promise<Widget> {
  const result = await provisionModuleDatabase(db, def);
  for (const site of [siteA, siteB, siteC]) await installModuleForSite(db, def.moduleId, site);
  return {
    def,
    shortId: result.shortId,
    role: result.role,
    visitor: `modvisitor_${result.shortId}`,
  };
}

function as<T>(
  role: string,
  site: string,
  user: string | undefined,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const json = JSON.stringify({ role, site_id: site, ...(user ? { sub: user } : {}) });
    await sql`select set_config('request.jwt.claims', ${json}, true), set_config('role', ${role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

const insertItem = (trx: Transaction<any>, site: string, collection: string, value: unknown) =>
  sql`insert into public.module_data (site_id, collection, value) values (${site}::uuid, ${collection}, ${JSON.stringify(value)}::jsonb)`.execute(
    trx,
  );

const good = { author: 'Ada', quote: 'Splendid', rating: 5, approved: true, email: 'ada@x.io' };

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agencyA = await tdb.factory.agency();
  const agencyB = await tdb.factory.agency();
  siteA = await tdb.factory.site(agencyA);
  siteB = await tdb.factory.site(agencyB);
  siteC = await tdb.factory.site(agencyA);
  userA = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  await setSitePublic(db, siteA, true);
  await setSitePublic(db, siteB, true);
});

afterAll(() => tdb?.destroy());

describe('widget items written by the module', () => {
  let w: Widget;
  beforeAll(async () => {
    w = await provisionWidget();
  });

  it('are stored when they fit, keyed by their id, with their visitor-readable part kept apart', async () => {
    await as(w.role, siteA, userA, (trx) => insertItem(trx, siteA, 'testimonials', good));
    const { rows } = await sql<any>`
      select id::text as id, key, value, public_value from public.module_data
      where module_short_id = ${w.shortId} and collection = 'testimonials'`.execute(db);
    expect(rows).toHaveLength(1);
    expect(rows[0].key).toBe(rows[0].id);
    expect(rows[0].public_value).toEqual({ author: 'Ada', quote: 'Splendid', rating: 5 });
  });

  it.each([
    ['a value over its maximum', { ...good, rating: 7 }, 'maximum', 'rating'],
    ['a fraction for an integer', { ...good, rating: 4.5 }, 'integer', 'rating'],
    ['a string too long', { ...good, author: 'x'.repeat(81) }, 'maxLength', 'author'],
    ['a wrong type', { ...good, approved: 'yes' }, 'type', 'approved'],
    ['a missing required field', { quote: 'q', rating: 3 }, 'required', 'author'],
    ['null where not nullable', { ...good, author: null }, 'not_null', 'author'],
    ['an unknown field', { ...good, extra: 1 }, 'unknown_field', 'extra'],
    ['an array', [1, 2], 'object', undefined],
  ])('are refused with %s (23514, the field and rule named)', async (_w, value, rule, field) => {
    const error = await rejectionOf(
      as(w.role, siteA, userA, (trx) => insertItem(trx, siteA, 'testimonials', value)),
    );
    expect(error.code).toBe('23514');
    expect(error.column).toBe('value');
    const detail = JSON.parse(error.detail);
    expect(detail.rule).toBe(rule);
    if (field) expect(detail.field).toBe(field);
  });

  it('are refused in a collection the widget does not declare, and on update too', async () => {
    const error = await rejectionOf(
      as(w.role, siteA, userA, (trx) => insertItem(trx, siteA, 'other', { body: 'x' })),
    );
    expect(error.code).toBe('23514');
    expect(error.column).toBe('collection');
    const update = await rejectionOf(
      as(w.role, siteA, userA, (trx) =>
        sql`update public.module_data set value = value || '{"rating": 0}' where collection = 'testimonials'`.execute(
          trx,
        ),
      ),
    );
    expect(update.code).toBe('23514');
  });

  it('cannot forge the visitor-readable part', async () => {
    await as(w.role, siteA, userA, (trx) =>
      sql`update public.module_data set public_value = '{"author": "forged"}' where collection = 'testimonials'`.execute(
        trx,
      ),
    );
    const { rows } = await sql<any>`
      select public_value from public.module_data where module_short_id = ${w.shortId} and collection = 'testimonials'`.execute(
      db,
    );
    expect(rows[0].public_value.author).toBe('Ada');
  });
});

describe('widget items and visitors', () => {
  let w: Widget;
  let other: Widget;
  beforeAll(async () => {
    w = await provisionWidget();
    other = await provisionWidget();
    for (const site of [siteA, siteB, siteC]) {
      await sql`insert into public.module_data (module_short_id, site_id, collection, value) values
        (${w.shortId}, ${site}::uuid, 'testimonials', ${JSON.stringify({ ...good, author: `A-${site.slice(0, 4)}` })}::jsonb),
        (${w.shortId}, ${site}::uuid, 'notes', '{"body": "members only"}'::jsonb),
        (${other.shortId}, ${site}::uuid, 'testimonials', ${JSON.stringify({ ...good, author: 'other widget' })}::jsonb)`.execute(
        db,
      );
    }
  });

  it('read the declared fields of their public site’s items, never the full value', async () => {
    const got = await as(w.visitor, siteA, undefined, (trx) =>
      sql<any>`select collection, public_value from public.module_data`.execute(trx),
    );
    expect(got.rows).toEqual([
      {
        collection: 'testimonials',
        public_value: { author: `A-${siteA.slice(0, 4)}`, quote: 'Splendid', rating: 5 },
      },
    ]);
    const error = await rejectionOf(
      as(w.visitor, siteA, undefined, (trx) =>
        sql`select value from public.module_data`.execute(trx),
      ),
    );
    expect(error.code).toBe('42501');
  });

  it('see nothing on a site that is not public', async () => {
    const got = await as(w.visitor, siteC, undefined, (trx) =>
      sql<any>`select public_value from public.module_data`.execute(trx),
    );
    expect(got.rows).toEqual([]);
  });

  it('insert the declared fields only, into a collection that admits them, on a public site', async () => {
    await as(w.visitor, siteA, undefined, (trx) =>
      insertItem(trx, siteA, 'testimonials', { author: 'Visitor', quote: 'Nice', rating: 4 }),
    );
    const { rows } = await sql<any>`
      select site_id::text as site, value from public.module_data
      where module_short_id = ${w.shortId} and value ->> 'author' = 'Visitor'`.execute(db);
    expect(rows).toEqual([{ site: siteA, value: { author: 'Visitor', quote: 'Nice', rating: 4 } }]);
    const attempts: [string, string, unknown][] = [
      [siteA, 'testimonials', { ...good, approved: true }], // a field visitors may not set
      [siteA, 'notes', { body: 'x' }], // a members-only collection
      [siteC, 'testimonials', { author: 'x', quote: 'y', rating: 1 }], // not public
      [siteB, 'testimonials', { author: 'x', quote: 'y', rating: 1 }], // another site than the request's
    ];
    for (const [site, collection, value] of attempts) {
      const error = await rejectionOf(
        as(w.visitor, siteA === site || site === siteB ? siteA : site, undefined, (trx) =>
          insertItem(trx, site, collection, value),
        ),
      );
      expect(error.code, `${collection} ${JSON.stringify(value)}`).toBe('42501');
    }
  });

  it('never update or delete, never write the value of another module', async () => {
    for (const query of [
      sql`update public.module_data set value = '{}'`,
      sql`delete from public.module_data`,
      sql`insert into public.module_data (module_short_id, site_id, collection, value) values (${other.shortId}, ${siteA}::uuid, 'testimonials', ${JSON.stringify(good)}::jsonb)`,
    ]) {
      const error = await rejectionOf(as(w.visitor, siteA, undefined, (trx) => query.execute(trx)));
      expect(error.code).toBe('42501');
    }
  });

  it('of another widget see none of this widget’s items; its members none either', async () => {
    const visitorRows = await as(other.visitor, siteA, undefined, (trx) =>
      sql<any>`select module_short_id from public.module_data`.execute(trx),
    );
    expect(visitorRows.rows.every((r: any) => r.module_short_id === other.shortId)).toBe(true);
    const memberRows = await as(other.role, siteA, userA, (trx) =>
      sql<any>`select module_short_id from public.module_data`.execute(trx),
    );
    expect(memberRows.rows.every((r: any) => r.module_short_id === other.shortId)).toBe(true);
    expect(memberRows.rows.length).toBeGreaterThan(0);
  });
});

describe('widget item shapes', () => {
  it('are validated with typed errors naming the path', async () => {
    const cases: [any, string][] = [
      [
        {
          moduleType: 'app',
          tables: [{ name: 't', columns: [{ name: 'a', type: 'text' }] }],
          collections: { c: { fields: { a: { type: 'string' } } } },
        },
        'collections_not_allowed',
      ],
      [{ collections: { Bad: { fields: { a: { type: 'string' } } } } }, 'invalid_identifier'],
      [{ collections: { c: { fields: {} } } }, 'no_fields'],
      [
        { collections: { c: { fields: { a: { type: 'integer', minimum: 5, maximum: 1 } } } } },
        'invalid_bounds',
      ],
      [
        { collections: { c: { fields: { a: { type: 'string' } }, visitors: { read: ['b'] } } } },
        'unknown_field',
      ],
      [
        {
          collections: {
            c: {
              fields: { a: { type: 'string' }, b: { type: 'string' } },
              visitors: { insert: ['a'] },
            },
          },
        },
        'visitor_insert_incomplete',
      ],
    ];
    for (const [patch, code] of cases) {
      const def = { ...testimonials(), collections: undefined, ...patch };
      const error = await rejectionOf(validateModuleDefinition(def));
      expect(isDefinitionValidationError(error), code).toBe(true);
      expect(
        error.issues.map((i: any) => i.code),
        code,
      ).toContain(code);
    }
    const unknownType = await rejectionOf(
      validateModuleDefinition({
        ...testimonials(),
        collections: { c: { fields: { a: { type: 'date' } } } },
      }),
    );
    expect(isDefinitionValidationError(unknownType)).toBe(true);
  });

  it('upgrade like tables: additive changes apply, destructive ones need a declared step, the database checks every item', async () => {
    const w = await provisionWidget();
    await sql`insert into public.module_data (module_short_id, site_id, collection, value) values
      (${w.shortId}, ${siteA}::uuid, 'testimonials', ${JSON.stringify(good)}::jsonb)`.execute(db);
    const v1 = await validateModuleDefinition(w.def);

    // Additive: a new optional field, a looser bound, visitors read one more field.
    const v2 = structuredClone(w.def);
    v2.version = '1.1.0';
    v2.collections.testimonials.fields.title = { type: 'string', optional: true };
    v2.collections.testimonials.fields.quote.maxLength = 1000;
    v2.collections.testimonials.visitors.read.push('title');
    const plan2 = planModuleUpgrade(v1, await validateModuleDefinition(v2));
    expect(plan2.refused).toEqual([]);
    expect(plan2.changes.map((c) => `${c.class} ${c.kind}`).sort()).toEqual([
      'additive add_field',
      'additive alter_field',
      'additive visitor_access',
    ]);
    expect((await provisionModuleDatabase(db, v2)).status).toBe('upgraded');
    expect((await lintModuleDatabase(db, w.def.moduleId)).findings).toEqual([]);

    // Destructive without steps: refused.
    const v3 = structuredClone(v2);
    v3.version = '1.2.0';
    delete v3.collections.testimonials.fields.email;
    v3.collections.testimonials.visitors.insert = ['author', 'quote', 'rating'];
    v3.collections.testimonials.fields.rating.maximum = 4;
    delete v3.collections.notes;
    const refused = planModuleUpgrade(
      await validateModuleDefinition(v2),
      await validateModuleDefinition(v3),
    );
    expect(refused.refused.map((c) => c.kind).sort()).toEqual([
      'alter_field',
      'drop_collection',
      'drop_field',
    ]);
    const error = await rejectionOf(provisionModuleDatabase(db, v3));
    expect(error.code).toBe('UPGRADE_REFUSED');

    // Declared: the narrowed rating no longer fits the stored item (5 > 4): the database refuses
    // the whole upgrade and nothing changes.
    v3.migrations = [
      { kind: 'dropField', collection: 'testimonials', field: 'email' },
      { kind: 'alterField', collection: 'testimonials', field: 'rating' },
      { kind: 'dropCollection', collection: 'notes' },
    ];
    const misfit = await rejectionOf(provisionModuleDatabase(db, v3));
    expect(misfit.sqlstate ?? misfit.code).toMatch(/23514|CONSTRAINT/);
    const kept =
      await sql<any>`select value from public.module_data where module_short_id = ${w.shortId}`.execute(
        db,
      );
    expect(kept.rows[0].value.email).toBe('ada@x.io');

    // Once the item fits, the same upgrade runs: the field leaves every item.
    await sql`update public.module_data set value = jsonb_set(value, '{rating}', '4') where module_short_id = ${w.shortId}`.execute(
      db,
    );
    expect((await provisionModuleDatabase(db, v3)).status).toBe('upgraded');
    const after =
      await sql<any>`select value, public_value from public.module_data where module_short_id = ${w.shortId}`.execute(
        db,
      );
    expect(after.rows[0].value).toEqual({
      author: 'Ada',
      quote: 'Splendid',
      rating: 4,
      approved: true,
    });
    expect(after.rows[0].public_value).toEqual({ author: 'Ada', quote: 'Splendid', rating: 4 });

    await deprovisionModuleDatabase(db, w.def.moduleId);
    const shapes =
      await sql<any>`select count(*)::int as n from dramac.widget_collections where module_short_id = ${w.shortId}`.execute(
        db,
      );
    expect(shapes.rows[0].n).toBe(0);
  });
});
