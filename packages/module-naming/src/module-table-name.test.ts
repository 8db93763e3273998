import { describe, expect, it } from 'vitest';
import { getModuleTableName, maxTableNameBytes } from './module-table-name';
import { expectNamingError } from './test-utils';

const ID = 'a1b2c3d4';

describe('getModuleTableName', () => {
  it('puts the table in the module schema under the schema strategy', () => {
    expect(getModuleTableName(ID, 'contacts', 'schema')).toEqual({
      schema: 'mod_a1b2c3d4',
      table: 'contacts',
      qualified: 'mod_a1b2c3d4.contacts',
    });
  });

  it('prefixes the table in public under the prefix strategy', () => {
    expect(getModuleTableName(ID, 'contacts', 'prefix')).toEqual({
      schema: 'public',
      table: 'mod_a1b2c3d4_contacts',
      qualified: 'public.mod_a1b2c3d4_contacts',
    });
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(getModuleTableName(ID, 'contacts', 'schema'))).toBe(true);
  });

  it('allows 63 bytes under the schema strategy and rejects 64', () => {
    expect(getModuleTableName(ID, 'a'.repeat(63), 'schema').table).toHaveLength(63);
    const e = expectNamingError(
      () => getModuleTableName(ID, 'a'.repeat(64), 'schema'),
      'IDENTIFIER_TOO_LONG',
    );
    expect(e.message).toContain('64 bytes');
  });

  it('allows 50 bytes under the prefix strategy and rejects 51, naming the full name', () => {
    expect(getModuleTableName(ID, 'a'.repeat(50), 'prefix').table).toHaveLength(63);
    const e = expectNamingError(
      () => getModuleTableName(ID, 'a'.repeat(51), 'prefix', { path: 'tables[2].name' }),
      'IDENTIFIER_TOO_LONG',
    );
    expect(e.message).toContain(`mod_a1b2c3d4_${'a'.repeat(51)}`);
    expect(e.message).toContain('64 bytes');
    expect(e.path).toBe('tables[2].name');
  });

  it('validates the table name', () => {
    expectNamingError(() => getModuleTableName(ID, 'Contacts', 'schema'), 'INVALID_IDENTIFIER');
    expectNamingError(
      () => getModuleTableName(ID, "x'; drop table", 'prefix'),
      'INVALID_IDENTIFIER',
    );
    expectNamingError(() => getModuleTableName(ID, 'café', 'schema'), 'INVALID_IDENTIFIER');
    expectNamingError(() => getModuleTableName(ID, 'user', 'prefix'), 'RESERVED_WORD');
    expectNamingError(() => getModuleTableName(ID, 'mod_other', 'schema'), 'RESERVED_PREFIX');
    expectNamingError(() => getModuleTableName(ID, 'pg_stats', 'schema'), 'RESERVED_PREFIX');
  });

  it('validates the short id and the strategy', () => {
    expectNamingError(
      () => getModuleTableName('A1B2C3D4', 'contacts', 'schema'),
      'INVALID_SHORT_ID',
    );
    expectNamingError(
      () => getModuleTableName(ID, 'contacts', 'shared' as 'schema'),
      'INVALID_STRATEGY',
    );
  });
});

describe('maxTableNameBytes', () => {
  it('is 63 for schema and 50 for prefix', () => {
    expect(maxTableNameBytes('schema')).toBe(63);
    expect(maxTableNameBytes('prefix')).toBe(50);
  });

  it('rejects unknown strategies', () => {
    expectNamingError(() => maxTableNameBytes('widget' as 'schema'), 'INVALID_STRATEGY');
  });
});
