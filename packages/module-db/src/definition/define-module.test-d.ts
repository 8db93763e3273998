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
    defineModule({
      moduleId: 'x',
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: RLS cannot be disabled
      tables: [{ name: 't', columns: [{ name: 'a', type: 'text' }], enableRLS: false }],
    });
  });
});

const MODULE_ID = '00000000-0000-4000-8000-000000000000';
const notes = [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }] as const;

describe('defineModule refuses keys its objects do not have', () => {
  // TypeScript reports these on the property that holds the bad object (`migrations`, `tables`),
  // its message ending with the bad key: "Types of property 'colum' are incompatible".
  test('a migration step with an extra or misplaced key does not compile', () => {
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.1.0',
      tables: notes,
      // @ts-expect-error: "colum" is not a key of a dropColumn step
      migrations: [{ kind: 'dropColumn', table: 'notes', column: 'body', colum: 'body' }],
    });
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.1.0',
      tables: notes,
      // @ts-expect-error: "using" belongs on an alterType step, not on a dropColumn step
      migrations: [{ kind: 'dropColumn', table: 'notes', column: 'body', using: 'body::text' }],
    });
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.1.0',
      tables: notes,
      // @ts-expect-error: a renameTable step has from and to, not table
      migrations: [
        { kind: 'alterType', table: 'notes', column: 'body', using: 'body::text' },
        { kind: 'renameTable', from: 'a', to: 'b', table: 'notes' },
      ],
    });
  });

  test('steps declared apart from the definition are checked too', () => {
    const steps = [{ kind: 'setNotNull', table: 'notes', column: 'body', force: true }] as const;
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.1.0',
      tables: notes,
      // @ts-expect-error: "force" is not a key of a setNotNull step
      migrations: steps,
    });
  });

  test('extra keys are refused at every level, not only in steps', () => {
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: "nullabel" is not a key of a column
      tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text', nullabel: true }] }],
    });
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: "primaryKey" belongs on a column, not on a table
      tables: [{ name: 'notes', primaryKey: true, columns: [{ name: 'body', type: 'text' }] }],
    });
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: "siteId" is not a key of the module definition
      siteId: 'x',
      tables: notes,
    });
  });

  test('a declared site_id column does not compile, in any letter case', () => {
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: site_id is added by the platform
      tables: [{ name: 'deals', columns: [{ name: 'site_id', type: 'uuid' }] }],
    });
    defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.0.0',
      // @ts-expect-error: Site_ID is site_id
      tables: [{ name: 'deals', columns: [{ name: 'Site_ID', type: 'uuid' }] }],
    });
  });

  test('a column spread from another definition keeps its literal types', () => {
    const base = { name: 'deals', columns: [{ name: 'title', type: 'text' }] } as const;
    const m = defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '1.1.0',
      tables: [
        { ...base, columns: [...base.columns, { name: 'stage', type: 'text', default: "'new'" }] },
      ],
    });
    expectTypeOf(m.tables[0].columns[1].default).toEqualTypeOf<"'new'">();
    expectTypeOf<Insert<typeof m, 'deals'>>().toEqualTypeOf<{
      id?: string;
      site_id?: string;
      title: string;
      stage?: string;
    }>();
  });

  test('exact definitions with every step kind still compile and keep their literal types', () => {
    const m = defineModule({
      moduleId: MODULE_ID,
      moduleType: 'app',
      version: '2.0.0',
      tables: [
        {
          name: 'deals',
          columns: [
            { name: 'title', type: 'text', check: 'length(title) > 0' },
            { name: 'site_ref', type: 'text', nullable: true },
          ],
          indexes: [{ columns: ['title'], unique: true }],
          rlsPolicies: [{ name: 'titled', action: 'SELECT', using: 'title is not null' }],
        },
      ],
      migrations: [
        { kind: 'renameTable', from: 'deal', to: 'deals' },
        { kind: 'renameColumn', table: 'deals', from: 'name', to: 'title' },
        { kind: 'dropTable', table: 'old' },
        { kind: 'dropColumn', table: 'deals', column: 'legacy' },
        { kind: 'alterType', table: 'deals', column: 'title' },
        { kind: 'alterType', table: 'deals', column: 'title', using: 'title::text' },
        { kind: 'backfill', table: 'deals', column: 'title', value: "''" },
        { kind: 'setNotNull', table: 'deals', column: 'title' },
        { kind: 'addConstraint', table: 'deals', column: 'title', constraint: 'unique' },
      ],
    });
    expectTypeOf(m.migrations[0]).toEqualTypeOf<{
      readonly kind: 'renameTable';
      readonly from: 'deal';
      readonly to: 'deals';
    }>();
    expectTypeOf<Row<typeof m, 'deals'>>().toEqualTypeOf<{
      id: string;
      site_id: string;
      title: string;
      site_ref: string | null;
    }>();
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

  test('uses a declared id type, and adds no id when another column is the key', () => {
    const m = defineModule({
      moduleId: '00000000-0000-4000-8000-000000000000',
      moduleType: 'app',
      version: '1.0.0',
      tables: [
        {
          name: 'counters',
          columns: [
            { name: 'id', type: 'bigint', primaryKey: true },
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
