import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateModuleShortId, isModuleShortId } from './module-short-id';
import { expectNamingError } from './test-utils';

describe('generateModuleShortId', () => {
  it('takes the first 8 hex digits, lower-case', () => {
    expect(generateModuleShortId('a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90')).toBe('a1b2c3d4');
    expect(generateModuleShortId('A1B2C3D4-E5F6-4718-893A-4B5C6D7E8F90')).toBe('a1b2c3d4');
    expect(generateModuleShortId('{A1B2C3D4-E5F6-4718-893A-4B5C6D7E8F90}')).toBe('a1b2c3d4');
    expect(generateModuleShortId('A1B2C3D4E5F64718893A4B5C6D7E8F90')).toBe('a1b2c3d4');
  });

  it.each(['not-a-uuid', '', 'g'.repeat(32), "x'; drop table", 'a1b2c3d4'])(
    'rejects %j',
    (input) => {
      expectNamingError(() => generateModuleShortId(input), 'INVALID_MODULE_ID');
    },
  );

  it('rejects non-strings', () => {
    expectNamingError(() => generateModuleShortId(42 as unknown as string), 'INVALID_MODULE_ID');
  });

  it('gives 8 lower-case hex digits for any uuid', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const shortId = generateModuleShortId(uuid);
        expect(shortId).toMatch(/^[a-f0-9]{8}$/);
        expect(shortId).toBe(uuid.slice(0, 8).toLowerCase());
        expect(isModuleShortId(shortId)).toBe(true);
      }),
    );
  });
});

describe('isModuleShortId', () => {
  it('accepts exactly 8 lower-case hex digits', () => {
    expect(isModuleShortId('a1b2c3d4')).toBe(true);
    expect(isModuleShortId('00000000')).toBe(true);
    for (const value of ['A1B2C3D4', 'a1b2c3d', 'a1b2c3d4e', 'g1b2c3d4', '', 12345678, null]) {
      expect(isModuleShortId(value)).toBe(false);
    }
  });
});
