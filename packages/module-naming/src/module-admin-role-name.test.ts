import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isModuleNamingError } from './errors';
import {
  getModuleAdminRoleName,
  isModuleAdminRoleName,
  parseModuleAdminRoleName,
} from './module-admin-role-name';
import { getModuleRoleName } from './module-role-name';

describe('module admin role names', () => {
  it('round-trips every short id and never equals the module role', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-f0-9]{8}$/), (id) => {
        const name = getModuleAdminRoleName(id);
        expect(isModuleAdminRoleName(name)).toBe(true);
        expect(parseModuleAdminRoleName(name)).toBe(id);
        expect(name).not.toBe(getModuleRoleName(id));
      }),
    );
  });

  it.each(['modadmin_', 'modadmin_ABCDEF12', 'modrole_a1b2c3d4', 'modadmin_a1b2c3d4x', 42])(
    'refuses %s',
    (bad) => {
      expect(isModuleAdminRoleName(bad)).toBe(false);
      try {
        parseModuleAdminRoleName(bad as string);
        expect.unreachable();
      } catch (e) {
        expect(isModuleNamingError(e) && e.code).toBe('INVALID_ROLE_NAME');
      }
    },
  );

  it('refuses a bad short id', () => {
    expect(() => getModuleAdminRoleName('xyz')).toThrow(/short id/i);
  });
});
