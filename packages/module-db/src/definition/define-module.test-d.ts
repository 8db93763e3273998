import { describe, expectTypeOf, test } from 'vitest';
import {
  type bookingModule,
  crmModule,
  type shopModule,
  type widgetModule,
} from '../../test/fixtures/sample-modules';
import { defineModule } from './define-module';
import type { JsonValue } from './json-value';
import type { ColumnTypeToTs, Insert, Row, TableNames, TableOf, Update } from './row-types';

describe('defineModule keeps literal types', () => {
  test('table, column and type literals survive', () => {
    expectTypeOf<TableNames<typeof crmModule>>().toEqualTypeOf<
      'contacts' | 'companies' | 'deals' | 'activities'
    >();
    expectTypeOf<TableOf<typeof crmModule, 'deals'>['name']>().toEqualTypeOf<'deals'>();
    expectTypeOf<
      TableOf<typeof crmModule, 'deals'>['columns'][1]['type']
    >().toEqualTypeOf<'numeric(12,2)'>();
    expectTypeOf<TableNames<typeof widgetModule>>().toEqualTypeOf<never>();
    expectTypeOf(crmModule.moduleType).toEqualTypeOf<'system'>();
  });

  test('the input must have the definition shape', () => {
    defineModule({
      moduleId: 'x',
      // @ts-expect-error: not a module type
      moduleType: 'plugin',
      version: '1.0.0',
      tables: [],
    });
    // Excess keys (a typo such as `nullabel`) are not checked on inferred `const` type
    // arguments; validateModuleDefinition reports them as `unknown_key`.
    defineModule({
      moduleId: 'x',
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: RLS cannot be disabled
      tables: [{ name: 't', columns: [{ name: 'a', type: 'text' }], enableRLS: false }],
    });
  });
});

describe('ColumnTypeToTs', () => {
  test('maps SQL types to the values both transports return', () => {
    expectTypeOf<ColumnTypeToTs<'text'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'varchar(255)'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'citext'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'uuid'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'date'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'time'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'timestamp'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'timestamptz'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'timestamp with time zone'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'interval'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'inet'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'bigint'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'numeric(10,2)'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'numeric( 10, 2 )'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'bytea'>>().toEqualTypeOf<string>();
    expectTypeOf<ColumnTypeToTs<'integer'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'INTEGER'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'int4'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'smallint'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'real'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'double precision'>>().toEqualTypeOf<number>();
    expectTypeOf<ColumnTypeToTs<'boolean'>>().toEqualTypeOf<boolean>();
    expectTypeOf<ColumnTypeToTs<'json'>>().toEqualTypeOf<JsonValue>();
    expectTypeOf<ColumnTypeToTs<'jsonb'>>().toEqualTypeOf<JsonValue>();
    expectTypeOf<ColumnTypeToTs<'text[]'>>().toEqualTypeOf<string[]>();
    expectTypeOf<ColumnTypeToTs<'numeric(10,2)[]'>>().toEqualTypeOf<string[]>();
    expectTypeOf<ColumnTypeToTs<'integer []'>>().toEqualTypeOf<number[]>();
    expectTypeOf<ColumnTypeToTs<'money'>>().toEqualTypeOf<unknown>();
    expectTypeOf<ColumnTypeToTs<string>>().toEqualTypeOf<unknown>();
  });
});

describe('Row', () => {
  type Contact = Row<typeof crmModule, 'contacts'>;

  test('has every column, the platform id and site_id, and null for nullable columns', () => {
    expectTypeOf<Contact['id']>().toEqualTypeOf<string>();
    expectTypeOf<Contact['site_id']>().toEqualTypeOf<string>();
    expectTypeOf<Contact['first_name']>().toEqualTypeOf<string>();
    expectTypeOf<Contact['email']>().toEqualTypeOf<string | null>();
    expectTypeOf<Contact['company_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Contact['lead_score']>().toEqualTypeOf<number>();
    expectTypeOf<Contact['tags']>().toEqualTypeOf<string[]>();
    expectTypeOf<Contact['custom_fields']>().toEqualTypeOf<JsonValue>();
    expectTypeOf<Contact['created_at']>().toEqualTypeOf<string>();
    expectTypeOf<keyof Contact>().toEqualTypeOf<
      | 'id'
      | 'site_id'
      | 'first_name'
      | 'last_name'
      | 'email'
      | 'phone'
      | 'company_id'
      | 'status'
      | 'lead_score'
      | 'tags'
      | 'custom_fields'
      | 'created_at'
      | 'updated_at'
    >();
  });

  test('types other modules', () => {
    expectTypeOf<Row<typeof crmModule, 'deals'>['amount']>().toEqualTypeOf<string>();
    expectTypeOf<Row<typeof crmModule, 'deals'>['expected_close']>().toEqualTypeOf<string | null>();
    expectTypeOf<Row<typeof bookingModule, 'availability'>['weekday']>().toEqualTypeOf<number>();
    expectTypeOf<Row<typeof bookingModule, 'availability'>['start_time']>().toEqualTypeOf<string>();
    expectTypeOf<Row<typeof shopModule, 'products'>['active']>().toEqualTypeOf<boolean>();
  });

  test('uses declared id and site_id types, and adds no id when another column is the key', () => {
    const m = defineModule({
      moduleId: '00000000-0000-4000-8000-000000000000',
      moduleType: 'app',
      version: '1.0.0',
      tables: [
        {
          name: 'counters',
          columns: [
            { name: 'id', type: 'bigint', primaryKey: true },
            { name: 'site_id', type: 'uuid' },
            { name: 'value', type: 'integer' },
          ],
        },
        { name: 'by_code', columns: [{ name: 'code', type: 'text', primaryKey: true }] },
      ],
    });
    expectTypeOf<Row<typeof m, 'counters'>>().toEqualTypeOf<{
      id: string;
      site_id: string;
      value: number;
    }>();
    expectTypeOf<Row<typeof m, 'by_code'>>().toEqualTypeOf<{ site_id: string; code: string }>();
    expectTypeOf<Insert<typeof m, 'counters'>>().toEqualTypeOf<{
      id: string | number | bigint;
      site_id?: string;
      value: number;
    }>();
  });
});

describe('Insert', () => {
  type NewContact = Insert<typeof crmModule, 'contacts'>;

  test('requires NOT NULL columns without a default; the rest is optional', () => {
    expectTypeOf<NewContact>().toEqualTypeOf<{
      id?: string;
      site_id?: string;
      first_name: string;
      last_name: string;
      email?: string | null;
      phone?: string | null;
      company_id?: string | null;
      status?: string;
      lead_score?: number;
      tags?: string[];
      custom_fields?: JsonValue;
      created_at?: string;
      updated_at?: string;
    }>();
    expectTypeOf({ first_name: 'Ada', last_name: 'Lovelace' }).toExtend<NewContact>();
    expectTypeOf({ first_name: 'Ada' }).not.toExtend<NewContact>();
  });
});

describe('Update', () => {
  type ContactPatch = Update<typeof crmModule, 'contacts'>;

  test('makes every column optional and leaves out id and site_id', () => {
    expectTypeOf<ContactPatch['email']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ContactPatch['lead_score']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<'id' | 'site_id'>().not.toExtend<keyof ContactPatch>();
    expectTypeOf<Record<never, never>>().toExtend<ContactPatch>();
  });
});
