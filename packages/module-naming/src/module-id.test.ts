import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isModuleId, normalizeModuleId } from './module-id';
import { expectNamingError } from './test-utils';

const CANONICAL = 'a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90';

describe('normalizeModuleId', () => {
  it.each([
    CANONICAL,
    CANONICAL.toUpperCase(),
    `{${CANONICAL}}`,
    `{${CANONICAL.toUpperCase()}}`,
    CANONICAL.replaceAll('-', ''),
    CANONICAL.replaceAll('-', '').toUpperCase(),
    `{${CANONICAL.replaceAll('-', '')}}`,
  ])('normalises %s', (input) => {
    expect(normalizeModuleId(input)).toBe(CANONICAL);
  });

  it.each([
    '',
    'not-a-uuid',
    'g'.repeat(32),
    'a'.repeat(31),
    'a'.repeat(33),
    "x'; drop table modules; --",
    `${CANONICAL}'; drop table modules; --`,
    ` ${CANONICAL}`,
    `${CANONICAL}\n`,
    `{${CANONICAL}`,
    `${CANONICAL}}`,
    `urn:uuid:${CANONICAL}`,
    'a1b2c3d4e5f6-4718-893a-4b5c6d7e8f90',
    'a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f9０',
  ])('rejects %j', (input) => {
    const e = expectNamingError(() => normalizeModuleId(input), 'INVALID_MODULE_ID');
    expect(e.value).toBe(input.slice(0, 100));
  });

  it.each([undefined, null, 42, {}, ['a1b2c3d4']])('rejects the non-string %j', (input) => {
    expectNamingError(() => normalizeModuleId(input as string), 'INVALID_MODULE_ID');
  });

  it('is idempotent and lower-cases any uuid', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const normal = normalizeModuleId(uuid.toUpperCase());
        expect(normal).toBe(uuid.toLowerCase());
        expect(normalizeModuleId(normal)).toBe(normal);
      }),
    );
  });
});

describe('isModuleId', () => {
  it('accepts the forms normalizeModuleId accepts', () => {
    expect(isModuleId(CANONICAL)).toBe(true);
    expect(isModuleId(`{${CANONICAL.toUpperCase()}}`)).toBe(true);
    expect(isModuleId(CANONICAL.replaceAll('-', ''))).toBe(true);
  });

  it('rejects everything else', () => {
    for (const value of ['', 'not-a-uuid', `{${CANONICAL}`, 'g'.repeat(32), 42, null, undefined]) {
      expect(isModuleId(value)).toBe(false);
    }
  });
});
