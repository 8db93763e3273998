// Type tests: checked by `tsc -p packages/module-sdk/tsconfig.json` (and vitest --typecheck).
// Every `@ts-expect-error` line is misuse that must not compile.
import type { DataTransport, Row } from '@dramac/module-db/client';
import { describe, expectTypeOf, test } from 'vitest';
import { crmModule, shopModule } from '../../module-db/test/fixtures/sample-modules';
import {
  type AnyRow,
  type BatchOperation,
  createDatabaseSDK,
  defineModule,
  type ModuleDatabaseSDK,
  type PrimaryKeyOf,
  type Where,
} from '../src/index';

declare const transport: DataTransport;
const db = createDatabaseSDK({ definition: crmModule, siteId: 's', transport });
type Crm = typeof crmModule;
type Contact = Row<Crm, 'contacts'>;

// A module with a declared, non-uuid primary key.
const catalog = defineModule({
  moduleId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'items',
      columns: [
        { name: 'code', type: 'integer', primaryKey: true },
        { name: 'label', type: 'text' },
        { name: 'flags', type: 'jsonb', nullable: true },
      ],
    },
  ],
});

describe('createDatabaseSDK infers the module', () => {
  test('M is the definition type', () => {
    expectTypeOf(db).toEqualTypeOf<ModuleDatabaseSDK<Crm>>();
  });

  test('unknown tables fail everywhere', () => {
    // @ts-expect-error: no such table
    void db.find('contactz');
    // @ts-expect-error: no such table
    void db.count('users');
    // @ts-expect-error: no such table
    void db.createOne('leads', { first_name: 'A' });
    // @ts-expect-error: a table of another module
    void db.find('products');
  });
});

describe('find', () => {
  test('returns rows of the table', () => {
    expectTypeOf(db.find('contacts')).resolves.toEqualTypeOf<Contact[]>();
    expectTypeOf(db.find('deals', { limit: 5 })).resolves.toEqualTypeOf<Row<Crm, 'deals'>[]>();
    expectTypeOf<Contact['id']>().toEqualTypeOf<string>();
    expectTypeOf<Contact['email']>().toEqualTypeOf<string | null>();
    expectTypeOf<Contact['lead_score']>().toEqualTypeOf<number>();
  });

  test('select narrows the result to the listed columns', () => {
    expectTypeOf(db.find('contacts', { select: ['id', 'email'] })).resolves.toEqualTypeOf<
      { id: string; email: string | null }[]
    >();
    // @ts-expect-error: no such column in select
    void db.find('contacts', { select: ['id', 'mail'] });
    // @ts-expect-error: a column of another table
    void db.find('contacts', { select: ['amount'] });
  });

  test('where keys are columns and values are typed per column', () => {
    void db.find('contacts', {
      where: {
        status: 'lead',
        lead_score: { gte: 50, lt: 90 },
        email: { ilike: '%@example.com' },
        phone: null,
        company_id: ['0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30'],
        created_at: { lt: new Date() },
        site_id: { neq: 'x' },
      },
    });
    // @ts-expect-error: unknown column in where
    void db.find('contacts', { where: { lead_status: 'x' } });
    // @ts-expect-error: lead_score is a number
    void db.find('contacts', { where: { lead_score: '50' } });
    // @ts-expect-error: lead_score is a number, in an operator too
    void db.find('contacts', { where: { lead_score: { gte: '50' } } });
    // @ts-expect-error: no operator `greaterThan`
    void db.find('contacts', { where: { lead_score: { greaterThan: 50 } } });
    // @ts-expect-error: like is for text columns only
    void db.find('contacts', { where: { lead_score: { like: '5%' } } });
    // @ts-expect-error: first_name is NOT NULL: `null` is not a condition for it
    void db.find('contacts', { where: { first_name: null } });
    // @ts-expect-error: in takes an array of the column's values
    void db.find('contacts', { where: { lead_score: { in: ['a'] } } });
    // @ts-expect-error: a Date is only for date/time columns
    void db.find('contacts', { where: { first_name: new Date() } });
  });

  test('boolean, numeric, array and JSON columns', () => {
    void db.find('activities', { where: { completed: { is: false } } });
    void db.find('activities', { where: { completed: true } });
    void db.find('deals', { where: { amount: { gte: 100 } } });
    void db.find('deals', { where: { amount: { gte: '100.50' } } });
    void db.find('deals', { where: { amount: { in: [1n, '2.50', 3] } } });
    void db.find('contacts', { where: { tags: { eq: ['vip'] } } });
    void db.find('contacts', { where: { last_name: { contains: '100%' } } });
    void db.find('contacts', { where: { email: { icontains: '@EXAMPLE' } } });
    // @ts-expect-error: contains is for text columns only
    void db.find('contacts', { where: { lead_score: { contains: '5' } } });
    // @ts-expect-error: is: true on a non-boolean column
    void db.find('contacts', { where: { first_name: { is: true } } });
    // @ts-expect-error: JSON columns are not compared (and payload is NOT NULL)
    void db.find('activities', { where: { payload: { eq: {} } } });
    // @ts-expect-error: an array column is compared whole, not with in
    void db.find('contacts', { where: { tags: ['vip'] } });
  });

  test('numeric and bigint read as exact strings and are written as strings, numbers or bigints', async () => {
    const deal = await db.createOne('deals', { title: 'x', amount: 10n });
    expectTypeOf(deal.amount).toEqualTypeOf<string>();
    void db.create('deals', [
      { title: 'y', amount: '12345678901234567890.01' },
      { title: 'z', amount: 1.5 },
    ]);
    void db.update('deals', { title: 'x' }, { amount: 2n });
    // @ts-expect-error: a numeric column takes no boolean
    void db.update('deals', { title: 'x' }, { amount: true });
  });

  test('orderBy takes columns of the table, one or several', () => {
    void db.find('contacts', { orderBy: { column: 'created_at', ascending: false } });
    void db.find('contacts', { orderBy: [{ column: 'last_name' }, { column: 'id' }] });
    // @ts-expect-error: unknown column in orderBy
    void db.find('contacts', { orderBy: { column: 'createdAt' } });
    // @ts-expect-error: ascending is a boolean
    void db.find('contacts', { orderBy: { column: 'id', ascending: 'desc' } });
  });
});

describe('findOne, findById, exists, count', () => {
  test('return types and key types', () => {
    expectTypeOf(
      db.findOne('contacts', { email: 'a@b.c' }),
    ).resolves.toEqualTypeOf<Contact | null>();
    expectTypeOf(db.findById('contacts', 'id')).resolves.toEqualTypeOf<Contact | null>();
    expectTypeOf(db.exists('contacts', { status: 'lead' })).resolves.toEqualTypeOf<boolean>();
    expectTypeOf(db.count('contacts')).resolves.toEqualTypeOf<number>();
    expectTypeOf(db.count('contacts', { status: 'lead' })).resolves.toEqualTypeOf<number>();
    // @ts-expect-error: ids of contacts are strings
    void db.findById('contacts', 42);
    // @ts-expect-error: unknown column in count's where
    void db.count('contacts', { score: 1 });
  });

  test('a declared primary key types findById', () => {
    const items = createDatabaseSDK({ definition: catalog, siteId: 's', transport });
    expectTypeOf<PrimaryKeyOf<typeof catalog, 'items'>>().toEqualTypeOf<'code'>();
    expectTypeOf(items.findById('items', 7)).resolves.toEqualTypeOf<Row<
      typeof catalog,
      'items'
    > | null>();
    // @ts-expect-error: the key is an integer
    void items.findById('items', 'seven');
    // @ts-expect-error: no platform id on a table with a declared primary key
    void items.find('items', { select: ['id'] });
    void items.find('items', { where: { flags: null } });
    void items.find('items', { where: { flags: { is: null } } });
  });
});

describe('create, update, delete', () => {
  test('create takes Insert records and returns rows', () => {
    expectTypeOf(
      db.createOne('contacts', { first_name: 'A', last_name: 'B' }),
    ).resolves.toEqualTypeOf<Contact>();
    expectTypeOf(
      db.create('contacts', [{ first_name: 'A', last_name: 'B', lead_score: 10 }]),
    ).resolves.toEqualTypeOf<Contact[]>();
    // @ts-expect-error: last_name is required (NOT NULL, no default)
    void db.createOne('contacts', { first_name: 'A' });
    // @ts-expect-error: unknown column
    void db.createOne('contacts', { first_name: 'A', last_name: 'B', lead_status: 'new' });
    // @ts-expect-error: wrong value type
    void db.createOne('contacts', { first_name: 'A', last_name: 'B', lead_score: 'high' });
    // @ts-expect-error: createOne takes one record
    void db.createOne('contacts', [{ first_name: 'A', last_name: 'B' }]);
  });

  test('update takes where then an Update change; ids and site cannot change', () => {
    expectTypeOf(
      db.update('contacts', { status: 'lead' }, { status: 'qualified' }),
    ).resolves.toEqualTypeOf<Contact[]>();
    expectTypeOf(
      db.updateById('contacts', 'id', { lead_score: 5 }),
    ).resolves.toEqualTypeOf<Contact | null>();
    // @ts-expect-error: site_id cannot be changed
    void db.update('contacts', { status: 'lead' }, { site_id: 'other' });
    // @ts-expect-error: wrong value type in the change
    void db.updateById('contacts', 'id', { lead_score: 'x' });
    // @ts-expect-error: the seed's order is (table, where, data): a missing argument fails
    void db.update('contacts', { status: 'qualified' });
  });

  test('delete returns a count, deleteById a boolean', () => {
    expectTypeOf(db.delete('deals', { stage: 'lost' })).resolves.toEqualTypeOf<number>();
    expectTypeOf(db.deleteById('deals', 'id')).resolves.toEqualTypeOf<boolean>();
    // @ts-expect-error: unknown column
    void db.delete('deals', { state: 'lost' });
  });
});

describe('batch and transaction', () => {
  test('operations are typed per table', () => {
    expectTypeOf(
      db.batch([
        { type: 'create', table: 'companies', data: { name: 'Acme' } },
        { type: 'update', table: 'contacts', where: { status: 'lead' }, data: { lead_score: 1 } },
        { type: 'delete', table: 'deals', where: { stage: 'lost' } },
      ]),
    ).resolves.toEqualTypeOf<AnyRow<Crm>[]>();
    void db.batch([], { atomic: false });
    // @ts-expect-error: unknown operation type
    void db.batch([{ type: 'upsert', table: 'companies', data: { name: 'Acme' } }]);
    // @ts-expect-error: data of another table (companies have no first_name)
    void db.batch([{ type: 'create', table: 'companies', data: { first_name: 'A' } }]);
    // @ts-expect-error: update needs where
    void db.batch([{ type: 'update', table: 'contacts', data: { lead_score: 1 } }]);
    // @ts-expect-error: unknown column in a delete's where
    void db.batch([{ type: 'delete', table: 'deals', where: { state: 'lost' } }]);
    expectTypeOf<BatchOperation<Crm>['type']>().toEqualTypeOf<'create' | 'update' | 'delete'>();
  });

  test('transaction hands over the same typed SDK', () => {
    void db.transaction(async (tx) => {
      expectTypeOf(tx).toEqualTypeOf<ModuleDatabaseSDK<Crm>>();
      return tx.count('contacts');
    });
    expectTypeOf(db.transaction(async (tx) => tx.count('deals'))).resolves.toEqualTypeOf<number>();
  });
});

describe('other modules', () => {
  test('prefixed-table modules type the same way', () => {
    const shop = createDatabaseSDK({ definition: shopModule, siteId: 's', transport });
    void shop.find('products', { where: { active: true, price: { lte: 10 } } });
    // @ts-expect-error: a table of the CRM module
    void shop.find('contacts');
  });

  test('Where is usable on its own', () => {
    const w: Where<Crm, 'contacts'> = { status: 'lead' };
    // @ts-expect-error: unknown column
    const bad: Where<Crm, 'contacts'> = { nope: 1 };
    void w;
    void bad;
  });
});

describe('defineModule (from the SDK) refuses what the platform would refuse', () => {
  test('an extra key on a migration step and a declared site_id do not compile', () => {
    defineModule({
      moduleId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
      moduleType: 'app',
      version: '1.1.0',
      tables: [{ name: 'items', columns: [{ name: 'label', type: 'text' }] }],
      // @ts-expect-error: "colum" is not a key of a dropColumn step
      migrations: [{ kind: 'dropColumn', table: 'items', column: 'old', colum: 'old' }],
    });
    defineModule({
      moduleId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: site_id is added by the platform
      tables: [{ name: 'items', columns: [{ name: 'site_id', type: 'uuid' }] }],
    });
  });
});
