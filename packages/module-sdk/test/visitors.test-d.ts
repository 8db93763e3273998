// Type tests of the visitor SDK and widget collections: checked by `tsc -p
// packages/module-sdk/tsconfig.json` (and vitest --typecheck). Every `@ts-expect-error` line is
// misuse that must not compile.
import type { DataTransport } from '@dramac/module-db/client';
import { describe, expectTypeOf, test } from 'vitest';
import {
  createDatabaseSDK,
  defineModule,
  type ModuleDatabaseSDK,
  type VisitorDatabaseSDK,
  type VisitorInsert,
  type VisitorRow,
  type WidgetItem,
  type WidgetItemValue,
} from '../src/index';

declare const transport: DataTransport;

const shop = defineModule({
  moduleId: 'd00dfeed-5d3f-4e8a-9b61-0f2d4c6e8a10',
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'products',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'numeric(10,2)' },
        { name: 'cost', type: 'numeric(10,2)', nullable: true },
      ],
      visitors: { read: ['id', 'name', 'price'] },
    },
    {
      name: 'requests',
      columns: [
        { name: 'email', type: 'text' },
        { name: 'message', type: 'text', nullable: true },
        { name: 'handled', type: 'boolean', default: 'false' },
      ],
      visitors: { insert: ['email', 'message'] },
    },
    { name: 'notes', columns: [{ name: 'body', type: 'text' }], visitors: { read: 'all' } },
    { name: 'secrets', columns: [{ name: 'body', type: 'text' }] },
  ],
});

const widget = defineModule({
  moduleId: 'a1d9e7f3-6b8c-4d0e-9f2a-4b6c8d0e2f40',
  moduleType: 'widget',
  version: '1.0.0',
  tables: [],
  collections: {
    testimonials: {
      fields: {
        author: { type: 'string' },
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        mood: { type: 'string', enum: ['happy', 'calm'], optional: true },
        email: { type: 'string', optional: true, nullable: true },
      },
      visitors: { read: ['author', 'rating'], insert: ['author', 'rating', 'email'] },
    },
    feed: { fields: { title: { type: 'string' } }, visitors: { read: 'all' } },
    inbox: { fields: { body: { type: 'json' } } },
  },
});

const visitor = createDatabaseSDK({ definition: shop, siteId: 's', visitor: true, transport });
const member = createDatabaseSDK({ definition: shop, siteId: 's', userId: 'u', transport });

describe('createDatabaseSDK with visitor: true', () => {
  test('returns the visitor SDK; without it, the member SDK', () => {
    expectTypeOf(visitor).toEqualTypeOf<VisitorDatabaseSDK<typeof shop>>();
    expectTypeOf(member).toEqualTypeOf<ModuleDatabaseSDK<typeof shop>>();
  });

  test('reads the declared columns and site_id only', async () => {
    const rows = await visitor.find('products');
    expectTypeOf(rows).toEqualTypeOf<VisitorRow<typeof shop, 'products'>[]>();
    expectTypeOf<(typeof rows)[number]>().toEqualTypeOf<{
      id: string;
      site_id: string;
      name: string;
      price: string;
    }>();
    const notes = await visitor.find('notes');
    expectTypeOf<(typeof notes)[number]>().toEqualTypeOf<{
      id: string;
      site_id: string;
      body: string;
    }>();
    const picked = await visitor.find('products', { select: ['name'] });
    expectTypeOf<(typeof picked)[number]>().toEqualTypeOf<{ name: string }>();
    // @ts-expect-error cost is not declared for visitors
    await visitor.find('products', { select: ['cost'] });
    // @ts-expect-error nor may it be filtered on
    await visitor.find('products', { where: { cost: { gt: 1 } } });
    // @ts-expect-error a members-only table
    await visitor.find('secrets');
    // @ts-expect-error a table visitors only insert into
    await visitor.count('requests');
  });

  test('inserts the declared columns only, and has no update or delete', async () => {
    expectTypeOf<VisitorInsert<typeof shop, 'requests'>>().toEqualTypeOf<{
      email: string;
      message?: string | null;
    }>();
    expectTypeOf(await visitor.create('requests', { email: 'a@b' })).toEqualTypeOf<number>();
    // @ts-expect-error handled is not declared for visitors' inserts
    await visitor.create('requests', { email: 'a@b', handled: true });
    // @ts-expect-error a table visitors only read
    await visitor.create('products', { name: 'x', price: 1 });
    // @ts-expect-error no update
    visitor.update;
    // @ts-expect-error no delete
    visitor.delete;
    // @ts-expect-error no transaction
    visitor.transaction;
  });
});

describe('widget collections', () => {
  const db = createDatabaseSDK({ definition: widget, siteId: 's', userId: 'u', transport });
  type Testimonial = WidgetItemValue<typeof widget, 'testimonials'>;

  test('item values are typed from the declared fields', async () => {
    expectTypeOf<Testimonial>().toEqualTypeOf<{
      author: string;
      rating: number;
      mood?: 'happy' | 'calm';
      email?: string | null;
    }>();
    const item = await db.collection('testimonials').create({ author: 'Ada', rating: 5 });
    expectTypeOf(item).toEqualTypeOf<WidgetItem<Testimonial>>();
    // @ts-expect-error rating is required
    await db.collection('testimonials').create({ author: 'Ada' });
    // @ts-expect-error not one of the enum's values
    await db.collection('testimonials').create({ author: 'Ada', rating: 5, mood: 'sad' });
    // @ts-expect-error an undeclared collection
    db.collection('nope');
  });

  test("a visitor's collection has what it declares: reads, inserts, never update or delete", async () => {
    const v = createDatabaseSDK({ definition: widget, siteId: 's', visitor: true, transport });
    const item = await v.collection('testimonials').get('k');
    expectTypeOf<NonNullable<typeof item>['value']>().toEqualTypeOf<{
      author: string;
      rating: number;
    }>();
    await v.collection('testimonials').create({ author: 'Ada', rating: 4, email: null });
    // @ts-expect-error mood is not declared for visitors' inserts
    await v.collection('testimonials').create({ author: 'Ada', rating: 4, mood: 'calm' });
    await v.collection('feed').list();
    // @ts-expect-error feed declares no visitor inserts
    v.collection('feed').create;
    // @ts-expect-error a members-only collection
    v.collection('inbox');
    // @ts-expect-error never update
    v.collection('testimonials').update;
  });
});
