import { describe, expect, it } from 'vitest';
import * as api from './index';

describe('public surface', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'MAX_IDENTIFIER_BYTES',
        'ModuleNamingError',
        'RESERVED_WORDS',
        'checkConstraintName',
        'deriveIdentifier',
        'foreignKeyName',
        'generateModuleShortId',
        'getModuleAdminRoleName',
        'getModuleOwnerRoleName',
        'getModuleRoleName',
        'getModuleSchemaName',
        'getModuleTableName',
        'getModuleVisitorRoleName',
        'indexName',
        'isModuleId',
        'isModuleNamingError',
        'isModuleAdminRoleName',
        'isModuleOwnerRoleName',
        'isModuleRoleName',
        'isModuleSchemaName',
        'isModuleShortId',
        'isModuleVisitorRoleName',
        'isValidIdentifier',
        'maxTableNameBytes',
        'normalizeModuleId',
        'parseModuleAdminRoleName',
        'parseModuleOwnerRoleName',
        'parseModuleRoleName',
        'parseModuleSchemaName',
        'parseModuleVisitorRoleName',
        'policyName',
        'primaryKeyName',
        'shortHash',
        'siteIndexName',
        'triggerName',
        'uniqueConstraintName',
        'validateIdentifier',
      ].sort(),
    );
  });

  it('runs the README example', () => {
    const shortId = api.generateModuleShortId('A1B2C3D4-E5F6-4718-893A-4B5C6D7E8F90');
    expect(api.getModuleSchemaName(shortId)).toBe('mod_a1b2c3d4');
    expect(api.getModuleTableName(shortId, 'contacts', 'prefix').qualified).toBe(
      'public.mod_a1b2c3d4_contacts',
    );
  });
});
