import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  getModuleSchemaName,
  isModuleSchemaName,
  parseModuleSchemaName,
} from './module-schema-name';
import { generateModuleShortId } from './module-short-id';
import { expectNamingError } from './test-utils';

describe('getModuleSchemaName', () => {
  it('prefixes the short id with mod_', () => {
    expect(getModuleSchemaName('a1b2c3d4')).toBe('mod_a1b2c3d4');
  });

  it.each(['A1B2C3D4', 'a1b2c3d', 'a1b2c3d4e', '', 'mod_a1b2c3d4', "a1'; drop"])(
    'rejects the short id %j',
    (input) => {
      expectNamingError(() => getModuleSchemaName(input), 'INVALID_SHORT_ID');
    },
  );

  it('rejects non-strings', () => {
    expectNamingError(
      () => getModuleSchemaName(undefined as unknown as string),
      'INVALID_SHORT_ID',
    );
  });
});

describe('parseModuleSchemaName', () => {
  it('returns the short id', () => {
    expect(parseModuleSchemaName('mod_a1b2c3d4')).toBe('a1b2c3d4');
  });

  it.each([
    'public',
    'mod_A1B2C3D4',
    'mod_a1b2c3d',
    'mod_a1b2c3d4_contacts',
    'modrole_a1b2c3d4',
    '',
  ])('rejects %j', (input) => {
    expectNamingError(() => parseModuleSchemaName(input), 'INVALID_SCHEMA_NAME');
  });

  it('rejects non-strings', () => {
    expectNamingError(
      () => parseModuleSchemaName(null as unknown as string),
      'INVALID_SCHEMA_NAME',
    );
  });

  it('round-trips every module id', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const shortId = generateModuleShortId(uuid);
        const schema = getModuleSchemaName(shortId);
        expect(isModuleSchemaName(schema)).toBe(true);
        expect(parseModuleSchemaName(schema)).toBe(shortId);
      }),
    );
  });
});

describe('isModuleSchemaName', () => {
  it('tells schema names from other names', () => {
    expect(isModuleSchemaName('mod_a1b2c3d4')).toBe(true);
    for (const value of ['public', 'mod_a1b2c3d4_x', 'modrole_a1b2c3d4', 42, undefined]) {
      expect(isModuleSchemaName(value)).toBe(false);
    }
  });
});
