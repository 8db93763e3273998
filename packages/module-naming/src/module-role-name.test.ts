import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getModuleRoleName, isModuleRoleName, parseModuleRoleName } from './module-role-name';
import { isModuleSchemaName } from './module-schema-name';
import { generateModuleShortId } from './module-short-id';
import { expectNamingError } from './test-utils';

describe('getModuleRoleName', () => {
  it('prefixes the short id with modrole_', () => {
    expect(getModuleRoleName('a1b2c3d4')).toBe('modrole_a1b2c3d4');
  });

  it('rejects bad short ids', () => {
    expectNamingError(() => getModuleRoleName('A1B2C3D4'), 'INVALID_SHORT_ID');
    expectNamingError(() => getModuleRoleName('x; drop role'), 'INVALID_SHORT_ID');
  });

  it('never looks like a schema or a prefixed table name', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const role = getModuleRoleName(generateModuleShortId(uuid));
        expect(role.startsWith('mod_')).toBe(false);
        expect(isModuleSchemaName(role)).toBe(false);
        expect(parseModuleRoleName(role)).toBe(generateModuleShortId(uuid));
      }),
    );
  });
});

describe('parseModuleRoleName', () => {
  it('returns the short id', () => {
    expect(parseModuleRoleName('modrole_a1b2c3d4')).toBe('a1b2c3d4');
  });

  it.each(['mod_a1b2c3d4', 'mod_a1b2c3d4_role', 'modrole_A1B2C3D4', 'modrole_', 'anon'])(
    'rejects %j',
    (input) => {
      expectNamingError(() => parseModuleRoleName(input), 'INVALID_ROLE_NAME');
    },
  );

  it('rejects non-strings', () => {
    expectNamingError(() => parseModuleRoleName(7 as unknown as string), 'INVALID_ROLE_NAME');
  });
});

describe('isModuleRoleName', () => {
  it('tells role names from other names', () => {
    expect(isModuleRoleName('modrole_a1b2c3d4')).toBe(true);
    for (const value of ['mod_a1b2c3d4', 'authenticated', 'modrole_a1b2c3d4x', null]) {
      expect(isModuleRoleName(value)).toBe(false);
    }
  });
});
