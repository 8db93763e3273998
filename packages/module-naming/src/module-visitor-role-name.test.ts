import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isModuleNamingError } from './errors';
import { getModuleAdminRoleName } from './module-admin-role-name';
import { getModuleOwnerRoleName } from './module-owner-role-name';
import { getModuleRoleName } from './module-role-name';
import {
  getModuleVisitorRoleName,
  isModuleVisitorRoleName,
  parseModuleVisitorRoleName,
} from './module-visitor-role-name';

describe('module visitor role names', () => {
  it('round-trips every short id and never equals the module role', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-f0-9]{8}$/), (id) => {
        const name = getModuleVisitorRoleName(id);
        expect(isModuleVisitorRoleName(name)).toBe(true);
        expect(parseModuleVisitorRoleName(name)).toBe(id);
        expect(name).not.toBe(getModuleRoleName(id));
        expect(name).not.toBe(getModuleAdminRoleName(id));
        expect(name).not.toBe(getModuleOwnerRoleName(id));
      }),
    );
  });

  it.each(['modvisitor_', 'modvisitor_ABCDEF12', 'modrole_a1b2c3d4', 'modvisitor_a1b2c3d4x', 42])(
    'refuses %s',
    (bad) => {
      expect(isModuleVisitorRoleName(bad)).toBe(false);
      try {
        parseModuleVisitorRoleName(bad as string);
        expect.unreachable();
      } catch (e) {
        expect(isModuleNamingError(e) && e.code).toBe('INVALID_ROLE_NAME');
      }
    },
  );

  it('refuses a bad short id', () => {
    expect(() => getModuleVisitorRoleName('xyz')).toThrow(/short id/i);
  });
});
