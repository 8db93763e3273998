import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveIdentifier } from './derive-identifier';
import { RESERVED_WORDS } from './reserved-words';
import { shortHash } from './short-hash';
import { expectNamingError } from './test-utils';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const byteLength = (s: string) => new TextEncoder().encode(s).length;

const tail = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'),
  maxLength: 120,
});
const firstPart = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), tail)
  .map(([head, rest]) => head + rest);
const laterPart = tail.filter((s) => s.length > 0);
/** Arbitrary valid parts of arbitrary lengths, whose join is not a reserved word. */
const parts = fc
  .tuple(firstPart, fc.array(laterPart, { maxLength: 6 }))
  .map(([first, rest]) => [first, ...rest])
  .filter((p) => !RESERVED_WORDS.has(p.join('_')));

describe('deriveIdentifier', () => {
  it('joins parts with _ when the result fits', () => {
    expect(deriveIdentifier(['idx', 'contacts', 'site_id', 'created_at'])).toBe(
      'idx_contacts_site_id_created_at',
    );
    expect(deriveIdentifier(['contacts'])).toBe('contacts');
  });

  it('keeps a name of exactly 63 bytes and hashes one of 64', () => {
    const fits = `idx_${'a'.repeat(59)}`;
    expect(deriveIdentifier([fits])).toBe(fits);
    const full = `idx_${'a'.repeat(60)}`;
    expect(deriveIdentifier([full])).toBe(`${full.slice(0, 54)}_${shortHash(full)}`);
  });

  it('truncates and appends the hash of the whole name', () => {
    const result = deriveIdentifier(['idx', 'x'.repeat(80), 'site_id']);
    const full = `idx_${'x'.repeat(80)}_site_id`;
    expect(result).toHaveLength(63);
    expect(result).toBe(`idx_${'x'.repeat(50)}_${shortHash(full)}`);
  });

  it('respects a smaller maxBytes', () => {
    expect(deriveIdentifier(['idx', 'contacts'], { maxBytes: 12 })).toBe('idx_contacts');
    const result = deriveIdentifier(['idx', 'contacts', 'site_id'], { maxBytes: 12 });
    expect(result).toBe(`idx_${shortHash('idx_contacts_site_id')}`);
    expect(result).toHaveLength(12);
  });

  it('accepts physical table names with reserved prefixes as parts', () => {
    expect(deriveIdentifier(['idx', 'mod_a1b2c3d4_contacts', 'site_id'])).toBe(
      'idx_mod_a1b2c3d4_contacts_site_id',
    );
  });

  it('rejects empty or invalid parts', () => {
    expectNamingError(() => deriveIdentifier([]), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier('idx' as unknown as string[]), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier(['1idx']), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier(['idx', '']), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier(['idx', 'Site']), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier(['idx', 'café']), 'INVALID_IDENTIFIER');
    expectNamingError(() => deriveIdentifier(['idx', "x'; drop"]), 'INVALID_IDENTIFIER');
    expectNamingError(
      () => deriveIdentifier(['idx', 3 as unknown as string]),
      'INVALID_IDENTIFIER',
    );
  });

  it('rejects a result that is a reserved word', () => {
    expectNamingError(() => deriveIdentifier(['user']), 'RESERVED_WORD');
    expectNamingError(() => deriveIdentifier(['current', 'date']), 'RESERVED_WORD');
  });

  it('rejects a bad maxBytes', () => {
    for (const maxBytes of [9, 64, 20.5, Number.NaN]) {
      expectNamingError(() => deriveIdentifier(['a'], { maxBytes }), 'INVALID_ARGUMENT');
    }
  });

  describe('properties', () => {
    it('always gives a valid identifier of at most 63 bytes', () => {
      fc.assert(
        fc.property(parts, (p) => {
          const name = deriveIdentifier(p);
          expect(name).toMatch(IDENTIFIER);
          expect(byteLength(name)).toBeLessThanOrEqual(63);
          if (p.join('_').length <= 63) expect(name).toBe(p.join('_'));
          else expect(name).toHaveLength(63);
        }),
        { numRuns: 500 },
      );
    });

    it('gives the same output for the same input', () => {
      fc.assert(
        fc.property(parts, (p) => {
          expect(deriveIdentifier([...p])).toBe(deriveIdentifier(p));
        }),
      );
    });

    it('gives different outputs for different joined names', () => {
      fc.assert(
        fc.property(
          fc.tuple(parts, parts).filter(([a, b]) => a.join('_') !== b.join('_')),
          ([a, b]) => {
            expect(deriveIdentifier(a)).not.toBe(deriveIdentifier(b));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('keeps long names with a common 63-byte prefix apart', () => {
      const prefix = `idx_${'contacts_'.repeat(7)}`; // 67 bytes, so every name is truncated
      expect(prefix.length).toBeGreaterThanOrEqual(63);
      const outputs = new Set<string>();
      const count = 5000;
      for (let i = 0; i < count; i += 1) outputs.add(deriveIdentifier([prefix, i.toString(36)]));
      expect(outputs.size).toBe(count);
      for (const name of outputs) expect(name.startsWith(prefix.slice(0, 54))).toBe(true);

      fc.assert(
        fc.property(fc.uniqueArray(laterPart, { minLength: 2, maxLength: 200 }), (suffixes) => {
          const names = suffixes.map((s) => deriveIdentifier([`idx_${'a'.repeat(59)}`, s]));
          expect(new Set(names).size).toBe(suffixes.length);
        }),
        { numRuns: 100 },
      );
    });
  });
});
