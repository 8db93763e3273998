import { describe, expect, test } from 'vitest';
import {
  BOOKING_MODULE_ID,
  bookingModule,
  CRM_MODULE_ID,
  crmModule,
  shopModule,
  widgetModule,
} from '../../test/fixtures/sample-modules';
import {
  type DefinitionIssue,
  DefinitionValidationError,
  isDefinitionValidationError,
} from '../errors';
import { ddlCompiler } from '../sql/ddl-compiler';
import { definitionKeyLevels } from './definition-key-levels';
import { RESERVED_COLUMN_NAMES } from './reserved-column-names';
import {
  safeValidateModuleDefinition,
  validateModuleDefinition,
} from './validate-module-definition';

const MODULE_ID = '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30';

type Json = Record<string, unknown>;

/** A valid `app` (prefix strategy) module with one table; `tables` replaces its tables. */
function moduleWith(tables: unknown[], extra: Json = {}): Json {
  return { moduleId: MODULE_ID, moduleType: 'app', version: '1.0.0', tables, ...extra };
}

/** A valid module whose only table has the given columns (and other table keys). */
function tableWith(columns: unknown[], extra: Json = {}): Json {
  return moduleWith([{ name: 'notes', columns, ...extra }]);
}

async function issuesOf(input: unknown): Promise<readonly DefinitionIssue[]> {
  const result = await safeValidateModuleDefinition(input);
  if (result.success) throw new Error('expected the definition to be refused');
  return result.error.issues;
}

async function expectIssue(input: unknown, path: string, code: string): Promise<DefinitionIssue> {
  const issues = await issuesOf(input);
  const found = issues.find((i) => i.path === path && i.code === code);
  if (found === undefined) {
    throw new Error(
      `expected issue ${code} at ${path}, got:\n${issues.map((i) => `  ${i.path} ${i.code}: ${i.message}`).join('\n')}`,
    );
  }
  expect(found.message.length).toBeGreaterThan(10);
  return found;
}

async function expectValid(input: unknown) {
  const result = await safeValidateModuleDefinition(input);
  if (!result.success) {
    throw new Error(
      `expected a valid definition, got:\n${result.error.issues.map((i) => `  ${i.path} ${i.code}: ${i.message}`).join('\n')}`,
    );
  }
  return result.definition;
}

describe('sample modules', () => {
  test.each([
    ['crm', crmModule, 'schema', 4],
    ['booking', bookingModule, 'prefix', 4],
    ['shop', shopModule, 'prefix', 4],
    ['widget', widgetModule, 'shared', 0],
  ] as const)('%s validates with the %s strategy', async (_, module, strategy, tableCount) => {
    const definition = await expectValid(module);
    expect(definition.strategy).toBe(strategy);
    expect(definition.tables).toHaveLength(tableCount);
    expect(definition.moduleType).toBe(module.moduleType);
    expect(definition.version).toBe(module.version);
  });

  test('the CRM module validates into the expected shape', async () => {
    const definition = await validateModuleDefinition(crmModule);
    expect(definition.moduleId).toBe(CRM_MODULE_ID);
    expect(definition.shortId).toBe('c7a1e0b2');
    const contacts = definition.tables[0];
    expect(contacts?.name).toBe('contacts');
    expect(contacts?.columns.map((c) => c.name)).toEqual([
      'id',
      'site_id',
      'first_name',
      'last_name',
      'email',
      'phone',
      'company_id',
      'status',
      'lead_score',
      'tags',
      'custom_fields',
      'created_at',
      'updated_at',
    ]);
    expect(contacts?.primaryKey).toEqual(['id']);
    expect(contacts?.uniqueColumns).toEqual(['email']);
    expect(contacts?.checks.map((c) => c.column)).toEqual(['status', 'lead_score']);
    expect(contacts?.hasUpdatedAt).toBe(true);
    expect(contacts?.columns.find((c) => c.name === 'tags')?.type).toEqual({
      base: 'text',
      args: [],
      array: true,
    });
    expect(contacts?.columns.find((c) => c.name === 'email')?.nullable).toBe(true);
    expect(contacts?.columns.find((c) => c.name === 'first_name')?.nullable).toBe(false);
    expect(contacts?.foreignKeys).toEqual([
      {
        column: 'company_id',
        target: { kind: 'module', table: 'companies', column: 'id' },
        onDelete: 'SET NULL',
        onUpdate: 'NO ACTION',
      },
    ]);
    const deals = definition.tables[2];
    expect(deals?.columns.find((c) => c.name === 'amount')?.type).toEqual({
      base: 'numeric',
      args: [12, 2],
      array: false,
    });
    expect(deals?.policies.map((p) => [p.name, p.action, p.using !== undefined])).toEqual([
      ['hide_deleted_deals', 'SELECT', true],
    ]);
    const activities = definition.tables[3];
    expect(activities?.hasUpdatedAt).toBe(false);
    expect(
      activities?.indexes.map((i) => [i.name, i.method, i.unique, i.where !== undefined]),
    ).toEqual([
      [undefined, 'gin', false, false],
      ['open_activities_idx', 'btree', false, true],
    ]);
  });

  test('platform foreign keys become platform targets', async () => {
    const definition = await validateModuleDefinition(bookingModule);
    const appointments = definition.tables.find((t) => t.name === 'appointments');
    expect(appointments?.foreignKeys.find((f) => f.column === 'staff_user_id')?.target).toEqual({
      kind: 'platform',
      schema: 'auth',
      table: 'users',
      column: 'id',
    });
  });

  test('the result is deeply frozen and keeps the parsed source', async () => {
    const definition = await validateModuleDefinition(bookingModule);
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.tables)).toBe(true);
    expect(Object.isFrozen(definition.tables[0]?.columns[0])).toBe(true);
    expect(Object.isFrozen(definition.source)).toBe(true);
    expect(definition.source).toEqual(bookingModule);
    expect(definition.source).not.toBe(bookingModule);
    expect(JSON.parse(JSON.stringify(definition.source))).toEqual(bookingModule);
    expect(definition.moduleId).toBe(BOOKING_MODULE_ID);
  });
});

describe('module-level rules', () => {
  test('the module id is normalised to a lower-case dashed UUID', async () => {
    const definition = await expectValid({
      ...tableWith([{ name: 'body', type: 'text' }]),
      moduleId: '{0B7E3C524D1F4A8E9C6B2F5A7D9E1C30}',
    });
    expect(definition.moduleId).toBe(MODULE_ID);
    expect(definition.shortId).toBe('0b7e3c52');
  });

  test('a module id that is not a UUID is refused', async () => {
    await expectIssue(
      { ...moduleWith([]), moduleId: 'crm-module-uuid' },
      'moduleId',
      'invalid_module_id',
    );
  });

  test.each([
    '1.0.0',
    '0.0.1',
    '10.20.30',
    '1.0.0-alpha',
    '1.0.0-rc.1+build.5',
    '1.0.0+20130313144700',
  ])('version %s is accepted', async (version) => {
    await expectValid({ ...tableWith([{ name: 'body', type: 'text' }]), version });
  });

  test.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0 ', ''])(
    'version %j is refused',
    async (version) => {
      await expectIssue({ ...moduleWith([]), version }, 'version', 'invalid_version');
    },
  );

  test('an unknown module type is refused', async () => {
    await expectIssue({ ...moduleWith([]), moduleType: 'plugin' }, 'moduleType', 'invalid_value');
  });

  test('a shared module may not declare tables', async () => {
    await expectIssue(
      { ...tableWith([{ name: 'body', type: 'text' }]), moduleType: 'widget' },
      'tables',
      'tables_not_allowed',
    );
    await expectIssue(
      { ...tableWith([{ name: 'body', type: 'text' }]), strategy: 'shared' },
      'tables',
      'tables_not_allowed',
    );
  });

  test('a prefix or schema module must declare tables', async () => {
    await expectIssue(moduleWith([]), 'tables', 'no_tables');
    await expectIssue({ ...moduleWith([]), moduleType: 'custom' }, 'tables', 'no_tables');
  });

  test('an explicit strategy overrides the default of the module type', async () => {
    const definition = await expectValid({
      ...tableWith([{ name: 'body', type: 'text' }]),
      strategy: 'schema',
    });
    expect(definition.strategy).toBe('schema');
    const widget = await expectValid({
      ...tableWith([{ name: 'body', type: 'text' }]),
      moduleType: 'widget',
      strategy: 'prefix',
    });
    expect(widget.strategy).toBe('prefix');
  });

  test.each([null, undefined, 'crm', 42, [], [crmModule]])(
    'input %j is refused, not crashed on',
    async (input) => {
      const issues = await issuesOf(input);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]?.code).toBe('invalid_type');
    },
  );

  test('missing required fields are reported with their paths', async () => {
    const issues = await issuesOf({});
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['moduleId', 'invalid_type'],
      ['moduleType', 'invalid_value'],
      ['version', 'invalid_type'],
      ['tables', 'invalid_type'],
    ]);
  });
});

describe('unknown keys', () => {
  test('a typo in a column key is reported at its path, with a suggestion', async () => {
    const issue = await expectIssue(
      tableWith([{ name: 'body', type: 'text', nullabel: true }]),
      'tables[0].columns[0].nullabel',
      'unknown_key',
    );
    expect(issue.message).toContain('"nullable"');
  });

  test('unknown keys are reported at every level', async () => {
    const issues = await issuesOf({
      ...moduleWith([
        {
          name: 'notes',
          colums: [],
          columns: [{ name: 'body', type: 'text' }],
          indexes: [{ columns: ['body'], method: 'gin' }],
          foreignKeys: [{ column: 'body', references: { table: 'x', column: 'id', db: 'y' } }],
          rlsPolicies: [{ name: 'p', action: 'ALL', using: 'true', permissive: true }],
        },
      ]),
      siteId: 'x',
    });
    expect(
      issues
        .filter((i) => i.code === 'unknown_key')
        .map((i) => i.path)
        .sort(),
    ).toEqual([
      'siteId',
      'tables[0].colums',
      'tables[0].foreignKeys[0].references.db',
      'tables[0].indexes[0].method',
      'tables[0].rlsPolicies[0].permissive',
    ]);
  });
});

describe('unknown keys: what they were most likely meant to be', () => {
  async function unknownKey(input: unknown, path: string): Promise<string> {
    return (await expectIssue(input, path, 'unknown_key')).message;
  }

  test('a key valid elsewhere is said to belong there, never suggested as itself', async () => {
    const message = await unknownKey(
      moduleWith([{ name: 'notes', primaryKey: true, columns: [{ name: 'b', type: 'text' }] }]),
      'tables[0].primaryKey',
    );
    expect(message).not.toContain('did you mean "primaryKey"');
    expect(message).toBe(
      'Unknown key "primaryKey" on a table: "primaryKey" belongs on a column (tables[].columns[]), not on a table.',
    );
  });

  test.each([
    // [the object's key as written, where it is, the key it should be]
    ['policies', 'table', 'rlsPolicies'],
    ['policy', 'table', 'rlsPolicies'],
    ['rls_policies', 'table', 'rlsPolicies'],
    ['colums', 'table', 'columns'],
    ['column', 'table', 'columns'],
    ['Columns', 'table', 'columns'],
    ['index', 'table', 'indexes'],
    ['foreignKey', 'table', 'foreignKeys'],
    ['foreign_keys', 'table', 'foreignKeys'],
    ['enableRls', 'table', 'enableRLS'],
    ['primarykey', 'column', 'primaryKey'],
    ['primary_key', 'column', 'primaryKey'],
    ['defualt', 'column', 'default'],
    ['defaultValue', 'column', 'default'],
    ['nullabel', 'column', 'nullable'],
    ['nullible', 'column', 'nullable'],
    ['uniqe', 'column', 'unique'],
    ['typ', 'column', 'type'],
    ['chek', 'column', 'check'],
    ['method', 'index', 'using'],
    ['colums', 'index', 'columns'],
    ['ondelete', 'foreignKey', 'onDelete'],
    ['on_update', 'foreignKey', 'onUpdate'],
    ['reference', 'foreignKey', 'references'],
    ['with_check', 'policy', 'withCheck'],
    ['withcheck', 'policy', 'withCheck'],
    ['actions', 'policy', 'action'],
    ['moduleid', 'module', 'moduleId'],
    ['module_type', 'module', 'moduleType'],
    ['verison', 'module', 'version'],
    ['migration', 'module', 'migrations'],
    ['table', 'module', 'tables'],
    ['colum', 'step', 'column'],
    ['tabel', 'step', 'table'],
    ['visitor', 'table', 'visitors'],
    ['inserts', 'visitors', 'insert'],
    ['reads', 'visitors', 'read'],
  ])('"%s" on a %s → "%s"', async (key, where, expected) => {
    const column: Json = { name: 'b', type: 'text' };
    const index: Json = { columns: ['b'] };
    const fk: Json = { column: 'b', references: { table: 'notes', column: 'b' } };
    const policy: Json = { name: 'p', action: 'SELECT', using: 'true' };
    const visitors: Json = { read: 'all' };
    const table: Json = {
      name: 'notes',
      columns: [column],
      indexes: [index],
      rlsPolicies: [policy],
      visitors,
    };
    const step: Json = { kind: 'dropColumn', table: 'notes', column: 'b' };
    const targets: Record<string, [Json, string]> = {
      table: [table, 'tables[0]'],
      column: [column, 'tables[0].columns[0]'],
      index: [index, 'tables[0].indexes[0]'],
      foreignKey: [fk, 'tables[0].foreignKeys[0]'],
      policy: [policy, 'tables[0].rlsPolicies[0]'],
      step: [step, 'migrations[0]'],
      visitors: [visitors, 'tables[0].visitors'],
    };
    const input = moduleWith([table], { migrations: [step] });
    if (where === 'foreignKey') table.foreignKeys = [fk];
    const [target, path] = where === 'module' ? [input, ''] : (targets[where] as [Json, string]);
    target[key] = 1;
    const message = await unknownKey(input, path === '' ? key : `${path}.${key}`);
    expect(message).toContain(`did you mean ${JSON.stringify(expected)}?`);
  });

  test('the keys of a migration step depend on its kind', async () => {
    const input = tableWith([{ name: 'b', type: 'text' }], {});
    input.migrations = [
      { kind: 'dropColumn', table: 'notes', column: 'b', using: 'b::text' },
      { kind: 'renameTable', from: 'a', to: 'notes', table: 'notes' },
      { kind: 'setNotNull', table: 'notes', column: 'b', force: true },
    ];
    expect(await unknownKey(input, 'migrations[0].using')).toBe(
      'Unknown key "using" on a dropColumn migration step: "using" belongs on an index (tables[].indexes[]), a policy (tables[].rlsPolicies[]) or an alterType migration step (migrations[]), not on a dropColumn migration step.',
    );
    expect(await unknownKey(input, 'migrations[1].table')).toMatch(
      /^Unknown key "table" on a renameTable migration step: "table" belongs on .*not on a renameTable migration step\.$/,
    );
    expect(await unknownKey(input, 'migrations[2].force')).toBe(
      'Unknown key "force" on a setNotNull migration step; its keys are kind, table, column.',
    );
  });

  test('a key near one of another kind of object says where that one belongs', async () => {
    const message = await unknownKey(
      moduleWith([{ name: 'notes', columns: [{ name: 'b', type: 'text' }] }], { colums: [] }),
      'colums',
    );
    expect(message).toMatch(/did you mean "columns"\? It belongs on a table \(tables\[\]\)/);
  });

  test('a wrong step kind or enum value gets a suggestion', async () => {
    const input = tableWith([{ name: 'b', type: 'text' }], {
      rlsPolicies: [{ name: 'p', action: 'select', using: 'true' }],
      indexes: [{ columns: ['b'], using: 'BTREE' }],
    });
    input.migrations = [{ kind: 'renameColum', table: 'notes', from: 'a', to: 'b' }];
    const issues = await issuesOf(input);
    const message = (path: string) => issues.find((i) => i.path === path)?.message;
    expect(message('migrations[0].kind')).toMatch(/\(did you mean "renameColumn"\?\)$/);
    expect(message('tables[0].rlsPolicies[0].action')).toMatch(/\(did you mean "SELECT"\?\)$/);
    expect(message('tables[0].indexes[0].using')).toMatch(/\(did you mean "btree"\?\)$/);
  });

  test('no message ever suggests the key it is about', async () => {
    const levels = definitionKeyLevels();
    const keys = [...new Set(levels.flatMap((l) => l.keys))];
    // Every key of every kind of object, placed on every kind of object that lacks it.
    const column: Json = { name: 'b', type: 'text' };
    const index: Json = { columns: ['b'] };
    const fk: Json = { column: 'b', references: { table: 'notes', column: 'b' } };
    const policy: Json = { name: 'p', action: 'SELECT', using: 'true' };
    const visitors: Json = { read: 'all' };
    const table: Json = {
      name: 'notes',
      columns: [column],
      indexes: [index],
      foreignKeys: [fk],
      rlsPolicies: [policy],
      visitors,
    };
    const step: Json = { kind: 'alterType', table: 'notes', column: 'b' };
    const input = moduleWith([table], { migrations: [step] });
    const objects = [
      input,
      table,
      column,
      index,
      fk,
      fk.references as Json,
      policy,
      step,
      visitors,
    ];
    for (const object of objects) {
      for (const key of keys) if (!(key in object)) object[key] = 1;
    }
    const issues = (await issuesOf(input)).filter((i) => i.code === 'unknown_key');
    expect(issues.length).toBeGreaterThan(50);
    for (const issue of issues) {
      const key = issue.path.split('.').at(-1) as string;
      expect(issue.message, issue.path).not.toContain(`did you mean ${JSON.stringify(key)}`);
      expect(issue.message, issue.path).toMatch(/(did you mean|belongs on|its keys are)/);
    }
  });
});

describe('row level security', () => {
  test('enableRLS: false is refused; RLS is mandatory', async () => {
    const issue = await expectIssue(
      tableWith([{ name: 'body', type: 'text' }], { enableRLS: false }),
      'tables[0].enableRLS',
      'rls_required',
    );
    expect(issue.message).toMatch(/mandatory/);
  });

  test('enableRLS: true is accepted', async () => {
    await expectValid(tableWith([{ name: 'body', type: 'text' }], { enableRLS: true }));
  });
});

describe('identifiers', () => {
  const col = [{ name: 'body', type: 'text' }];

  test.each([
    ['contacts; drop table x', 'invalid_identifier'],
    ['"Contacts"', 'invalid_identifier'],
    ['ContactS', 'invalid_identifier'],
    ['contacts--', 'invalid_identifier'],
    ['', 'invalid_identifier'],
    ['1contacts', 'invalid_identifier'],
    ['kontakte_ü', 'invalid_identifier'],
    ['select', 'reserved_word'],
    ['user', 'reserved_word'],
    ['pg_x', 'reserved_prefix'],
    ['mod_a1b2c3d4_contacts', 'reserved_prefix'],
  ])('table name %j is refused with %s', async (name, code) => {
    await expectIssue(moduleWith([{ name, columns: col }]), 'tables[0].name', code);
  });

  test.each([
    ['email; drop table x', 'invalid_identifier'],
    ['"Email"', 'invalid_identifier'],
    ['Email', 'invalid_identifier'],
    ['select', 'reserved_word'],
    ['pg_x', 'reserved_prefix'],
    ['ctid', 'system_column'],
    ['xmin', 'system_column'],
    ['tableoid', 'system_column'],
  ])('column name %j is refused with %s', async (name, code) => {
    await expectIssue(tableWith([{ name, type: 'text' }]), 'tables[0].columns[0].name', code);
  });

  test('under the prefix strategy, a 50-byte table name passes and a 51-byte one fails', async () => {
    await expectValid(moduleWith([{ name: 'a'.repeat(50), columns: col }]));
    await expectIssue(
      moduleWith([{ name: 'a'.repeat(51), columns: col }]),
      'tables[0].name',
      'identifier_too_long',
    );
  });

  test('under the schema strategy, a 63-byte table name passes and a 64-byte one fails', async () => {
    await expectValid(
      moduleWith([{ name: 'a'.repeat(63), columns: col }], { moduleType: 'system' }),
    );
    await expectIssue(
      moduleWith([{ name: 'a'.repeat(64), columns: col }], { moduleType: 'system' }),
      'tables[0].name',
      'identifier_too_long',
    );
  });

  test('a 64-byte column name fails', async () => {
    await expectValid(tableWith([{ name: 'c'.repeat(63), type: 'text' }]));
    await expectIssue(
      tableWith([{ name: 'c'.repeat(64), type: 'text' }]),
      'tables[0].columns[0].name',
      'identifier_too_long',
    );
  });

  test('duplicate table names are refused', async () => {
    await expectIssue(
      moduleWith([
        { name: 'notes', columns: col },
        { name: 'notes', columns: col },
      ]),
      'tables[1].name',
      'duplicate_name',
    );
  });

  test('duplicate column names are refused', async () => {
    await expectIssue(
      tableWith([
        { name: 'body', type: 'text' },
        { name: 'body', type: 'integer' },
      ]),
      'tables[0].columns[1].name',
      'duplicate_name',
    );
  });

  test('duplicate index names are refused, also against table names', async () => {
    await expectIssue(
      tableWith(col, {
        indexes: [
          { name: 'notes_body_idx', columns: ['body'] },
          { name: 'notes_body_idx', columns: ['body'], using: 'hash' },
        ],
      }),
      'tables[0].indexes[1].name',
      'duplicate_name',
    );
    await expectIssue(
      tableWith(col, { indexes: [{ name: 'notes', columns: ['body'] }] }),
      'tables[0].indexes[0].name',
      'duplicate_name',
    );
  });

  test('index names follow the identifier rules, with the prefix counted', async () => {
    await expectIssue(
      tableWith(col, { indexes: [{ name: 'Body_Idx', columns: ['body'] }] }),
      'tables[0].indexes[0].name',
      'invalid_identifier',
    );
    await expectIssue(
      tableWith(col, { indexes: [{ name: 'i'.repeat(51), columns: ['body'] }] }),
      'tables[0].indexes[0].name',
      'identifier_too_long',
    );
  });

  test('duplicate policy names are refused', async () => {
    await expectIssue(
      tableWith(col, {
        rlsPolicies: [
          { name: 'only_short', action: 'SELECT', using: 'length(body) < 100' },
          { name: 'only_short', action: 'UPDATE', using: 'length(body) < 100' },
        ],
      }),
      'tables[0].rlsPolicies[1].name',
      'duplicate_name',
    );
  });

  test('policy names follow the identifier rules', async () => {
    await expectIssue(
      tableWith(col, { rlsPolicies: [{ name: 'Only Short', action: 'SELECT', using: 'true' }] }),
      'tables[0].rlsPolicies[0].name',
      'invalid_identifier',
    );
  });
});

describe('column types and expressions', () => {
  test('types are parsed and canonicalised', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'a', type: 'int4' },
        { name: 'b', type: 'character varying(255)' },
        { name: 'c', type: 'timestamp with time zone' },
        { name: 'd', type: 'numeric(10,2)[]' },
      ]),
    );
    expect(definition.tables[0]?.columns.slice(2).map((c) => c.type)).toEqual([
      { base: 'integer', args: [], array: false },
      { base: 'varchar', args: [255], array: false },
      { base: 'timestamptz', args: [], array: false },
      { base: 'numeric', args: [10, 2], array: true },
    ]);
  });

  test.each([
    ['money', 'type_not_allowed'],
    ['regclass', 'type_not_allowed'],
    ['pg_catalog.int4', 'type_not_allowed'],
    ['"Text"', 'type_not_allowed'],
    ['text; drop table x', 'not_single_expression'],
    ['varchar(', 'syntax_error'],
    ['varchar(0)', 'invalid_type_modifier'],
    ['', 'empty'],
  ])('type %j is refused with %s', async (type, code) => {
    await expectIssue(tableWith([{ name: 'a', type }]), 'tables[0].columns[0].type', code);
  });

  test('a default may not call a function outside the allow-list', async () => {
    await expectIssue(
      tableWith([{ name: 'a', type: 'text', default: 'pg_sleep(10)' }]),
      'tables[0].columns[0].default',
      'function_not_allowed',
    );
  });

  test('a default may not reference columns', async () => {
    const issues = await issuesOf(
      tableWith([
        { name: 'a', type: 'integer' },
        { name: 'b', type: 'integer', default: 'a + 1' },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual(['tables[0].columns[1].default']);
  });

  test('a default may not be a statement', async () => {
    const issues = await issuesOf(
      tableWith([{ name: 'a', type: 'text', default: "'x'; drop table notes" }]),
    );
    expect(issues.map((i) => i.path)).toEqual(['tables[0].columns[0].default']);
  });

  test('a check may reference every column, including the platform ones', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'starts_at', type: 'timestamptz' },
        { name: 'ends_at', type: 'timestamptz', check: 'ends_at > starts_at and id is not null' },
      ]),
    );
    expect(definition.tables[0]?.checks.map((c) => c.column)).toEqual(['ends_at']);
  });

  test('a check may not use a subquery or an unknown column', async () => {
    await expectIssue(
      tableWith([{ name: 'a', type: 'integer', check: 'a < (select count(*) from mod_other.t)' }]),
      'tables[0].columns[0].check',
      'node_not_allowed',
    );
    await expectIssue(
      tableWith([{ name: 'a', type: 'integer', check: 'b > 0' }]),
      'tables[0].columns[0].check',
      'unknown_column',
    );
  });

  test('nullable defaults to false', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'a', type: 'text' },
        { name: 'b', type: 'text', nullable: false },
        { name: 'c', type: 'text', nullable: true },
      ]),
    );
    expect(definition.tables[0]?.columns.map((c) => c.nullable)).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  test('hasUpdatedAt needs a timestamp updated_at column', async () => {
    for (const [type, expected] of [
      ['timestamptz', true],
      ['timestamp', true],
      ['timestamp(3) with time zone', true],
      ['text', false],
      ['timestamptz[]', false],
    ] as const) {
      const definition = await expectValid(tableWith([{ name: 'updated_at', type }]));
      expect(definition.tables[0]?.hasUpdatedAt, type).toBe(expected);
    }
  });
});

describe('platform columns and the primary key', () => {
  test('id and site_id are added first when absent', async () => {
    const definition = await expectValid(tableWith([{ name: 'body', type: 'text' }]));
    const [id, siteId, body] = definition.tables[0]?.columns ?? [];
    expect(id).toMatchObject({
      name: 'id',
      type: { base: 'uuid', args: [], array: false },
      nullable: false,
      addedBy: 'platform',
    });
    expect(id?.default?.canonical).toMatch(/gen_random_uuid\(\)/);
    expect(siteId).toEqual({
      name: 'site_id',
      type: { base: 'uuid', args: [], array: false },
      nullable: false,
      addedBy: 'platform',
    });
    expect(body).toEqual({
      name: 'body',
      type: { base: 'text', args: [], array: false },
      nullable: false,
    });
    expect(definition.tables[0]?.primaryKey).toEqual(['id']);
    // Frozen, and still usable by the planner.
    const compiled = id?.default?.expression.compile(ddlCompiler);
    expect(compiled?.sql).toMatch(/gen_random_uuid\(\)/);
    expect(compiled?.parameters).toEqual([]);
  });

  test('a declared primary key replaces the platform id', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'code', type: 'text', primaryKey: true },
        { name: 'body', type: 'text' },
      ]),
    );
    expect(definition.tables[0]?.columns.map((c) => [c.name, c.addedBy])).toEqual([
      ['site_id', 'platform'],
      ['code', undefined],
      ['body', undefined],
    ]);
    expect(definition.tables[0]?.primaryKey).toEqual(['code']);
  });

  test('a declared id primary key is kept where declared', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'body', type: 'text' },
        { name: 'id', type: 'uuid', primaryKey: true, default: 'gen_random_uuid()' },
      ]),
    );
    expect(definition.tables[0]?.columns.map((c) => [c.name, c.addedBy])).toEqual([
      ['site_id', 'platform'],
      ['body', undefined],
      ['id', undefined],
    ]);
    expect(definition.tables[0]?.primaryKey).toEqual(['id']);
  });

  test('an id column without primaryKey is refused', async () => {
    const issue = await expectIssue(
      tableWith([
        { name: 'body', type: 'text' },
        { name: 'id', type: 'uuid' },
      ]),
      'tables[0].columns[1]',
      'missing_primary_key',
    );
    expect(issue.message).toMatch(/declare primaryKey on id or on another column/);
  });

  test('two primary-key columns are refused', async () => {
    await expectIssue(
      tableWith([
        { name: 'a', type: 'text', primaryKey: true },
        { name: 'b', type: 'text', primaryKey: true },
      ]),
      'tables[0].columns[1].primaryKey',
      'multiple_primary_keys',
    );
  });

  test('a nullable primary key is refused', async () => {
    await expectIssue(
      tableWith([{ name: 'code', type: 'text', primaryKey: true, nullable: true }]),
      'tables[0].columns[0].nullable',
      'nullable_primary_key',
    );
  });

  // The platform adds site_id to every table. A declared one used to be accepted and replaced
  // by the platform's, so what it said (a check, a type) silently did not happen.
  test.each([
    ['site_id', { type: 'uuid' }],
    ['site_id', { type: 'uuid', check: "site_id <> '00000000-0000-0000-0000-000000000000'" }],
    ['site_id', { type: 'text' }],
    ['site_id', { type: 'uuid', primaryKey: true }],
    ['site_id', { type: 'uuid', nullable: true, unique: true, default: 'gen_random_uuid()' }],
    ['SITE_ID', { type: 'uuid' }],
    ['Site_Id', { type: 'uuid' }],
    [' site_id ', { type: 'uuid' }],
    ['"site_id"', { type: 'uuid' }],
  ])('a declared %j column %j is refused as reserved', async (name, column) => {
    const input = moduleWith([
      {
        name: 'deals',
        columns: [
          { name: 'title', type: 'text' },
          { name, ...column },
        ],
      },
    ]);
    const issue = await expectIssue(input, 'tables[0].columns[1].name', 'reserved_column');
    expect(issue.message).toContain('"deals"');
    expect(issue.message).toContain('added by the platform');
    expect(issue.message).toMatch(/site_id/);
    // The only issue: not also a badly spelled identifier, a second primary key or a bad type.
    expect(await issuesOf(input)).toHaveLength(1);
  });

  test('every reserved column name is refused', async () => {
    expect(Object.keys(RESERVED_COLUMN_NAMES)).toEqual(['site_id']);
    for (const name of Object.keys(RESERVED_COLUMN_NAMES)) {
      await expectIssue(
        tableWith([
          { name: 'body', type: 'text' },
          { name, type: 'uuid' },
        ]),
        'tables[0].columns[1].name',
        'reserved_column',
      );
    }
  });

  test('the platform site_id stays usable by indexes, checks and policies', async () => {
    const definition = await expectValid(
      tableWith([{ name: 'body', type: 'text', check: 'site_id is not null' }], {
        indexes: [{ columns: ['site_id', 'body'] }],
        rlsPolicies: [{ name: 'p', action: 'SELECT', using: 'site_id is not null' }],
      }),
    );
    expect(definition.tables[0]?.columns.filter((c) => c.name === 'site_id')).toEqual([
      expect.objectContaining({ addedBy: 'platform' }),
    ]);
  });

  test.each([
    [{ kind: 'dropColumn', table: 'notes', column: 'site_id' }, 'column'],
    [{ kind: 'alterType', table: 'notes', column: 'SITE_ID', using: 'site_id' }, 'column'],
    [{ kind: 'backfill', table: 'notes', column: 'site_id', value: 'null' }, 'column'],
    [{ kind: 'setNotNull', table: 'notes', column: 'site_id' }, 'column'],
    [{ kind: 'addConstraint', table: 'notes', column: 'site_id', constraint: 'unique' }, 'column'],
    [{ kind: 'renameColumn', table: 'notes', from: 'site_id', to: 'tenant' }, 'from'],
    [{ kind: 'renameColumn', table: 'notes', from: 'owner', to: 'site_id' }, 'to'],
  ])('a migration step %j naming site_id is refused at .%s', async (step, field) => {
    const input = tableWith([{ name: 'body', type: 'text' }]);
    input.migrations = [{ kind: 'dropTable', table: 'old' }, step];
    const issue = await expectIssue(input, `migrations[1].${field}`, 'reserved_column');
    expect(issue.message).toMatch(/added and kept by the platform/);
    expect(await issuesOf(input)).toHaveLength(1);
  });

  test('unique columns are collected, without the primary key', async () => {
    const definition = await expectValid(
      tableWith([
        { name: 'code', type: 'text', primaryKey: true, unique: true },
        { name: 'email', type: 'text', unique: true },
        { name: 'body', type: 'text', unique: false },
      ]),
    );
    expect(definition.tables[0]?.uniqueColumns).toEqual(['email']);
  });
});

describe('indexes', () => {
  const cols = [
    { name: 'body', type: 'text' },
    { name: 'meta', type: 'jsonb' },
  ];

  test('index columns must exist (platform columns count)', async () => {
    await expectValid(tableWith(cols, { indexes: [{ columns: ['site_id', 'body'] }] }));
    await expectIssue(
      tableWith(cols, { indexes: [{ columns: ['body', 'titel'] }] }),
      'tables[0].indexes[0].columns[1]',
      'unknown_column',
    );
  });

  test('an index needs at least one column', async () => {
    await expectIssue(
      tableWith(cols, { indexes: [{ columns: [] }] }),
      'tables[0].indexes[0].columns',
      'too_small',
    );
  });

  test('unique indexes must use btree', async () => {
    await expectValid(
      tableWith(cols, { indexes: [{ columns: ['body'], unique: true, using: 'btree' }] }),
    );
    await expectIssue(
      tableWith(cols, { indexes: [{ columns: ['meta'], unique: true, using: 'gin' }] }),
      'tables[0].indexes[0].using',
      'unique_index_method',
    );
  });

  test('an unknown method is refused', async () => {
    await expectIssue(
      tableWith(cols, { indexes: [{ columns: ['body'], using: 'brin' }] }),
      'tables[0].indexes[0].using',
      'invalid_value',
    );
  });

  test('a where predicate is compiled against the table columns', async () => {
    const definition = await expectValid(
      tableWith(cols, { indexes: [{ columns: ['body'], where: "body <> ''" }] }),
    );
    expect(definition.tables[0]?.indexes[0]?.where?.referencedColumns).toEqual(['body']);
    await expectIssue(
      tableWith(cols, { indexes: [{ columns: ['body'], where: 'pg_sleep(1) is null' }] }),
      'tables[0].indexes[0].where',
      'function_not_allowed',
    );
  });
});

describe('foreign keys', () => {
  const parent = {
    name: 'parents',
    columns: [
      { name: 'code', type: 'text', unique: true },
      { name: 'label', type: 'text' },
    ],
  };
  const child = (fk: Json, columns: unknown[] = [{ name: 'parent_id', type: 'uuid' }]) => ({
    name: 'children',
    columns,
    foreignKeys: [fk],
  });
  const fkPath = 'tables[1].foreignKeys[0]';

  test('a key to the primary key or a unique column of the same module is accepted', async () => {
    const definition = await expectValid(
      moduleWith([
        parent,
        child({
          column: 'parent_id',
          references: { table: 'parents', column: 'id' },
          onDelete: 'CASCADE',
        }),
      ]),
    );
    expect(definition.tables[1]?.foreignKeys).toEqual([
      {
        column: 'parent_id',
        target: { kind: 'module', table: 'parents', column: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      },
    ]);
    await expectValid(
      moduleWith([
        parent,
        child({ column: 'parent_code', references: { table: 'parents', column: 'code' } }, [
          { name: 'parent_code', type: 'text' },
        ]),
      ]),
    );
  });

  test("the module's own schema name also means this module", async () => {
    await expectValid(
      moduleWith(
        [
          parent,
          child({
            column: 'parent_id',
            references: { schema: 'mod_0b7e3c52', table: 'parents', column: 'id' },
          }),
        ],
        { moduleType: 'system' },
      ),
    );
  });

  test('a key to a later table and to its own table is accepted', async () => {
    await expectValid(
      moduleWith([
        child({ column: 'parent_id', references: { table: 'parents', column: 'id' } }),
        parent,
        {
          name: 'tree',
          columns: [{ name: 'parent_id', type: 'uuid', nullable: true }],
          foreignKeys: [
            {
              column: 'parent_id',
              references: { table: 'tree', column: 'id' },
              onDelete: 'SET NULL',
            },
          ],
        },
      ]),
    );
  });

  test('the referencing column must exist', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'parent', references: { table: 'parents', column: 'id' } }),
      ]),
      `${fkPath}.column`,
      'unknown_column',
    );
  });

  test('the target table must be a table of the module', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'parent_id', references: { table: 'parent', column: 'id' } }),
      ]),
      `${fkPath}.references.table`,
      'unknown_table',
    );
  });

  test('the target column must exist and be the primary key or unique', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'parent_id', references: { table: 'parents', column: 'uid' } }),
      ]),
      `${fkPath}.references.column`,
      'unknown_column',
    );
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'label', references: { table: 'parents', column: 'label' } }, [
          { name: 'label', type: 'text' },
        ]),
      ]),
      `${fkPath}.references.column`,
      'foreign_key_target_not_unique',
    );
  });

  test.each([
    ['public', 'agencies'],
    ['public', 'clients'],
    ['public', 'profiles'],
    ['auth', 'users'],
  ])(
    'a key to %s.%s(id) is accepted, and never blocks deleting that row',
    async (schema, table) => {
      const definition = await expectValid(
        moduleWith([
          parent,
          child({ column: 'parent_id', references: { schema, table, column: 'id' } }),
        ]),
      );
      expect(definition.tables[1]?.foreignKeys[0]).toMatchObject({
        target: { kind: 'platform', schema, table, column: 'id' },
        // parent_id is NOT NULL in this fixture: the row goes with the platform row.
        onDelete: 'CASCADE',
      });
    },
  );

  test('a nullable reference to a platform row is set to null when that row is deleted', async () => {
    const definition = await expectValid(
      moduleWith([
        parent,
        child({ column: 'owner', references: { schema: 'auth', table: 'users', column: 'id' } }, [
          { name: 'owner', type: 'uuid', nullable: true },
        ]),
      ]),
    );
    expect(definition.tables[1]?.foreignKeys[0]?.onDelete).toBe('SET NULL');
  });

  test.each(['RESTRICT', 'NO ACTION'] as const)(
    'onDelete %s on a platform reference is refused: it would block deleting a user',
    async (onDelete) => {
      await expectIssue(
        moduleWith([
          parent,
          child({
            column: 'parent_id',
            references: { schema: 'auth', table: 'users', column: 'id' },
            onDelete,
          }),
        ]),
        `${fkPath}.onDelete`,
        'blocking_platform_reference',
      );
    },
  );

  test.each([
    { schema: 'public', table: 'sites', column: 'id' },
    { schema: 'public', table: 'sites', column: 'client_id' },
  ])(
    'a key to public.sites (%j) is refused: a row names its site through site_id',
    async (references) => {
      await expectIssue(
        moduleWith([parent, child({ column: 'parent_id', references })]),
        `${fkPath}.references.table`,
        'site_reference',
      );
    },
  );

  test.each([
    [{ schema: 'public', table: 'module_data', column: 'id' }, 'references.table'],
    [{ schema: 'public', table: 'module_database_registry', column: 'id' }, 'references.table'],
    [{ schema: 'public', table: 'mod_a1b2c3d4_contacts', column: 'id' }, 'references.table'],
    [{ schema: 'auth', table: 'sessions', column: 'id' }, 'references.table'],
    [{ schema: 'mod_a1b2c3d4', table: 'contacts', column: 'id' }, 'references.schema'],
    [{ schema: 'pg_catalog', table: 'pg_authid', column: 'oid' }, 'references.schema'],
    [{ schema: 'storage', table: 'objects', column: 'id' }, 'references.schema'],
  ])('a key to %j is refused at %s', async (references, key) => {
    const issue = await expectIssue(
      moduleWith([parent, child({ column: 'parent_id', references })]),
      `${fkPath}.${key}`,
      'foreign_key_not_allowed',
    );
    expect(issue.message).toMatch(/isolation/);
  });

  test('the column type must match the target type', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'parent_id', references: { table: 'parents', column: 'id' } }, [
          { name: 'parent_id', type: 'text' },
        ]),
      ]),
      `${fkPath}.column`,
      'foreign_key_type_mismatch',
    );
    await expectIssue(
      moduleWith([
        parent,
        child({ column: 'owner', references: { schema: 'auth', table: 'users', column: 'id' } }, [
          { name: 'owner', type: 'text' },
        ]),
      ]),
      `${fkPath}.column`,
      'foreign_key_type_mismatch',
    );
  });

  test('SET NULL on a NOT NULL column is refused', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({
          column: 'parent_id',
          references: { table: 'parents', column: 'id' },
          onDelete: 'SET NULL',
        }),
      ]),
      `${fkPath}.onDelete`,
      'set_null_on_not_null',
    );
    await expectIssue(
      moduleWith([
        parent,
        child({
          column: 'parent_id',
          references: { table: 'parents', column: 'id' },
          onUpdate: 'SET NULL',
        }),
      ]),
      `${fkPath}.onUpdate`,
      'set_null_on_not_null',
    );
  });

  test('an unknown action is refused', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({
          column: 'parent_id',
          references: { table: 'parents', column: 'id' },
          onDelete: 'DROP',
        }),
      ]),
      `${fkPath}.onDelete`,
      'invalid_value',
    );
  });

  test('site_id cannot carry a declared foreign key', async () => {
    await expectIssue(
      moduleWith([
        parent,
        child({
          column: 'site_id',
          references: { schema: 'public', table: 'sites', column: 'id' },
        }),
      ]),
      `${fkPath}.column`,
      'invalid_site_id',
    );
  });

  test('two foreign keys on one column are refused', async () => {
    await expectIssue(
      moduleWith([
        parent,
        {
          ...child({ column: 'parent_id', references: { table: 'parents', column: 'id' } }),
          foreignKeys: [
            { column: 'parent_id', references: { table: 'parents', column: 'id' } },
            { column: 'parent_id', references: { schema: 'public', table: 'sites', column: 'id' } },
          ],
        },
      ]),
      'tables[1].foreignKeys[1].column',
      'duplicate_foreign_key',
    );
  });
});

describe('policies', () => {
  const cols = [
    { name: 'body', type: 'text' },
    { name: 'archived', type: 'boolean', default: 'false' },
  ];
  const withPolicy = (policy: Json) => tableWith(cols, { rlsPolicies: [policy] });
  const path = 'tables[0].rlsPolicies[0]';

  test('a policy is compiled with its context', async () => {
    const definition = await expectValid(
      withPolicy({
        name: 'hide_archived',
        action: 'ALL',
        using: 'not archived',
        withCheck: 'not archived',
      }),
    );
    const policy = definition.tables[0]?.policies[0];
    expect(policy?.name).toBe('hide_archived');
    expect(policy?.using?.referencedColumns).toEqual(['archived']);
    expect(policy?.withCheck?.referencedColumns).toEqual(['archived']);
  });

  test('roles are refused: module policies apply to the module role', async () => {
    const issue = await expectIssue(
      withPolicy({ name: 'p', action: 'SELECT', using: 'true', roles: ['anon'] }),
      `${path}.roles`,
      'policy_roles_not_allowed',
    );
    expect(issue.message).toMatch(/RESTRICTIVE/);
  });

  test('a policy needs using or withCheck', async () => {
    await expectIssue(withPolicy({ name: 'p', action: 'ALL' }), path, 'missing_policy_expression');
  });

  test.each(['SELECT', 'DELETE'])('a %s policy cannot have withCheck', async (action) => {
    await expectIssue(
      withPolicy({ name: 'p', action, withCheck: 'not archived' }),
      `${path}.withCheck`,
      'policy_with_check_not_allowed',
    );
  });

  test('an INSERT policy cannot have using', async () => {
    await expectIssue(
      withPolicy({ name: 'p', action: 'INSERT', using: 'not archived' }),
      `${path}.using`,
      'policy_using_not_allowed',
    );
    await expectValid(withPolicy({ name: 'p', action: 'INSERT', withCheck: 'not archived' }));
  });

  test('an unknown action is refused', async () => {
    await expectIssue(
      withPolicy({ name: 'p', action: 'TRUNCATE', using: 'true' }),
      `${path}.action`,
      'invalid_value',
    );
  });

  test('policy expressions cannot reach other objects', async () => {
    await expectIssue(
      withPolicy({
        name: 'p',
        action: 'SELECT',
        using: 'exists (select 1 from mod_other.secrets)',
      }),
      `${path}.using`,
      'node_not_allowed',
    );
    await expectIssue(
      withPolicy({ name: 'p', action: 'UPDATE', using: 'true', withCheck: 'nope = 1' }),
      `${path}.withCheck`,
      'unknown_column',
    );
  });
});

describe('every issue is reported', () => {
  test('one input with four different problems reports all four with their paths', async () => {
    const input = moduleWith([
      { name: 'notes', columns: [{ name: 'body', type: 'text' }] },
      { name: 'Tags', columns: [{ name: 'label', type: 'text' }] },
      {
        name: 'links',
        columns: [
          { name: 'url', type: 'money' },
          { name: 'note_id', type: 'uuid', nullabel: true },
        ],
      },
      {
        name: 'votes',
        columns: [{ name: 'note_id', type: 'uuid' }],
        foreignKeys: [
          {
            column: 'note_id',
            references: { schema: 'mod_deadbeef', table: 'notes', column: 'id' },
          },
        ],
      },
    ]);
    const issues = await issuesOf(input);
    expect(issues.map((i) => [i.path, i.code])).toEqual(
      expect.arrayContaining([
        ['tables[1].name', 'invalid_identifier'],
        ['tables[2].columns[0].type', 'type_not_allowed'],
        ['tables[2].columns[1].nullabel', 'unknown_key'],
        ['tables[3].foreignKeys[0].references.schema', 'foreign_key_not_allowed'],
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  test('semantic problems across tables and levels are all collected', async () => {
    const issues = await issuesOf({
      ...moduleWith([
        {
          name: 'select',
          columns: [
            { name: 'id', type: 'uuid' },
            { name: 'n', type: 'integer', default: 'pg_sleep(1)', check: 'm > 0' },
          ],
          indexes: [{ columns: ['x'], unique: true, using: 'hash' }],
          rlsPolicies: [{ name: 'p', action: 'DELETE', withCheck: 'true', roles: ['anon'] }],
        },
      ]),
      moduleId: 'nope',
    });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['moduleId', 'invalid_module_id'],
      ['tables[0].name', 'reserved_word'],
      ['tables[0].columns[0]', 'missing_primary_key'],
      ['tables[0].columns[1].default', 'function_not_allowed'],
      ['tables[0].columns[1].check', 'unknown_column'],
      ['tables[0].indexes[0].columns[0]', 'unknown_column'],
      ['tables[0].indexes[0].using', 'unique_index_method'],
      ['tables[0].rlsPolicies[0].roles', 'policy_roles_not_allowed'],
      ['tables[0].rlsPolicies[0].withCheck', 'policy_with_check_not_allowed'],
    ]);
  });

  test('a table with a shape error does not produce false unknown_table issues', async () => {
    const issues = await issuesOf(
      moduleWith([
        { name: 'parents', columns: [{ name: 'label', type: 42 }] },
        {
          name: 'children',
          columns: [{ name: 'parent_id', type: 'uuid' }],
          foreignKeys: [{ column: 'parent_id', references: { table: 'parents', column: 'id' } }],
        },
      ]),
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['tables[0].columns[0].type', 'invalid_type'],
    ]);
  });
});

describe('errors', () => {
  test('validateModuleDefinition throws a DefinitionValidationError', async () => {
    const error = await validateModuleDefinition(moduleWith([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionValidationError);
    expect(isDefinitionValidationError(error)).toBe(true);
    const e = error as DefinitionValidationError;
    expect(e.code).toBe('DEFINITION_INVALID');
    expect(e.issues).toEqual([{ path: 'tables', code: 'no_tables', message: expect.any(String) }]);
    expect(e.message).toContain('tables:');
    expect(JSON.parse(JSON.stringify(e)).issues).toHaveLength(1);
  });

  test('safeValidateModuleDefinition returns the definition or the error', async () => {
    const ok = await safeValidateModuleDefinition(widgetModule);
    expect(ok.success && ok.definition.strategy).toBe('shared');
    const bad = await safeValidateModuleDefinition({});
    expect(!bad.success && bad.error.issues.length).toBe(4);
  });

  test('the input is not mutated', async () => {
    const input = tableWith([{ name: 'body', type: 'text' }]);
    const copy = structuredClone(input);
    await validateModuleDefinition(input);
    expect(input).toEqual(copy);
    expect(Object.isFrozen(input)).toBe(false);
  });
});
