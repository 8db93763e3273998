import { describe, expect, it } from 'vitest';
import { RESERVED_WORDS } from './reserved-words';
import { expectNamingError } from './test-utils';
import { isValidIdentifier, validateIdentifier } from './validate-identifier';

describe('validateIdentifier', () => {
  it.each([
    'a',
    '_',
    'contacts',
    'site_id',
    'created_at2',
    '_private',
    'a'.repeat(63),
    'users',
    'name',
    'type',
  ])('accepts %j and returns it', (name) => {
    expect(validateIdentifier(name)).toBe(name);
  });

  it.each([
    '',
    'Contacts',
    'createdAt',
    '1st',
    'site-id',
    'site id',
    'a.b',
    '"quoted"',
    "x'; drop table contacts; --",
    'café',
    'naïve',
    'имя',
    '名前',
    'emoji_😀',
    'tab\tname',
  ])('rejects %j as INVALID_IDENTIFIER', (name) => {
    expectNamingError(() => validateIdentifier(name), 'INVALID_IDENTIFIER');
  });

  it('rejects non-strings', () => {
    for (const value of [undefined, null, 1, {}, ['a']]) {
      expectNamingError(() => validateIdentifier(value as string), 'INVALID_IDENTIFIER');
    }
  });

  it('suggests the lower-case spelling', () => {
    const e = expectNamingError(
      () => validateIdentifier('SiteId', { kind: 'column' }),
      'INVALID_IDENTIFIER',
    );
    expect(e.message).toContain('Column name "SiteId"');
    expect(e.message).toContain('did you mean "siteid"');
    const reserved = expectNamingError(() => validateIdentifier('User'), 'INVALID_IDENTIFIER');
    expect(reserved.message).not.toContain('did you mean');
  });

  it('rejects every reserved word', () => {
    for (const word of RESERVED_WORDS) {
      expectNamingError(() => validateIdentifier(word, { kind: 'column' }), 'RESERVED_WORD');
    }
  });

  it('rejects the pg_ prefix for every kind', () => {
    for (const kind of ['table', 'column', 'index', 'policy', 'constraint'] as const) {
      expectNamingError(() => validateIdentifier('pg_thing', { kind }), 'RESERVED_PREFIX');
    }
  });

  it('rejects the mod_ prefix for names in the relation namespace only', () => {
    for (const kind of ['table', 'index', 'constraint'] as const) {
      expectNamingError(() => validateIdentifier('mod_a1b2c3d4_x', { kind }), 'RESERVED_PREFIX');
    }
    expect(validateIdentifier('mod_count', { kind: 'column' })).toBe('mod_count');
    expect(validateIdentifier('mod_only', { kind: 'policy' })).toBe('mod_only');
    expect(validateIdentifier('model', { kind: 'table' })).toBe('model');
  });

  it('counts the 63-byte limit after the prefix', () => {
    expect(validateIdentifier('a'.repeat(63))).toHaveLength(63);
    expectNamingError(() => validateIdentifier('a'.repeat(64)), 'IDENTIFIER_TOO_LONG');
    expect(validateIdentifier('a'.repeat(60), { prefix: 'ab_' })).toHaveLength(60);
    const e = expectNamingError(
      () => validateIdentifier('a'.repeat(61), { prefix: 'ab_' }),
      'IDENTIFIER_TOO_LONG',
    );
    expect(e.message).toContain(`"ab_${'a'.repeat(61)}"`);
    expect(e.message).toContain('64 bytes');
  });

  it('copies the path onto the error', () => {
    const e = expectNamingError(
      () => validateIdentifier('select', { kind: 'column', path: 'tables[0].columns[3].name' }),
      'RESERVED_WORD',
    );
    expect(e.path).toBe('tables[0].columns[3].name');
    expect(e.value).toBe('select');
  });

  it('rejects bad options', () => {
    expectNamingError(
      () => validateIdentifier('a', { kind: 'view' as 'table' }),
      'INVALID_ARGUMENT',
    );
    expectNamingError(() => validateIdentifier('a', { prefix: 'Mod-' }), 'INVALID_ARGUMENT');
  });
});

describe('isValidIdentifier', () => {
  it('mirrors validateIdentifier', () => {
    expect(isValidIdentifier('site_id')).toBe(true);
    expect(isValidIdentifier('select')).toBe(false);
    expect(isValidIdentifier('Site')).toBe(false);
    expect(isValidIdentifier('pg_x')).toBe(false);
    expect(isValidIdentifier('a'.repeat(64))).toBe(false);
    expect(isValidIdentifier('a'.repeat(51), { prefix: 'mod_a1b2c3d4_' })).toBe(false);
    expect(isValidIdentifier(42)).toBe(false);
  });
});
