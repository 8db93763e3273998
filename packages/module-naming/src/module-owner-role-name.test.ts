import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isModuleNamingError } from './errors';
import { getModuleAdminRoleName } from './module-admin-role-name';
import {
  getModuleOwnerRoleName,
  isModuleOwnerRoleName,
  parseModuleOwnerRoleName,
} from './module-owner-role-name';
import { getModuleRoleName } from './module-role-name';

describe('module owner role names', () => {
  it('round-trips every short id and never equals the module role', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-f0-9]{8}$/), (id) => {
        const name = getModuleOwnerRoleName(id);
        expect(isModuleOwnerRoleName(name)).toBe(true);
        expect(parseModuleOwnerRoleName(name)).toBe(id);
        expect(name).not.toBe(getModuleRoleName(id));
        expect(name).not.toBe(getModuleAdminRoleName(id));
      }),
    );
  });

  it.each(['modowner_', 'modowner_ABCDEF12', 'modrole_a1b2c3d4', 'modowner_a1b2c3d4x', 42])(
    'refuses %s',
    (bad) => {
      expect(isModuleOwnerRoleName(bad)).toBe(false);
      try {
        parseModuleOwnerRoleName(bad as string);
        expect.unreachable();
      } catch (e) {
        expect(isModuleNamingError(e) && e.code).toBe('INVALID_ROLE_NAME');
      }
    },
  );

  it('refuses a bad short id', () => {
    expect(() => getModuleOwnerRoleName('xyz')).toThrow(/short id/i);
  });
});
