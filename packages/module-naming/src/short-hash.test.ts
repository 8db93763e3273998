import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortHash } from './short-hash';
import { expectNamingError } from './test-utils';

describe('shortHash', () => {
  it('is the XOR-folded 64-bit FNV-1a of the UTF-8 bytes', () => {
    // Published FNV-1a 64 vectors: "" cbf29ce484222325, "a" af63dc4c8601ec8c,
    // "foobar" 85944171f73967e8, folded as hi ^ lo.
    expect(shortHash('')).toBe('4fd0bfc1');
    expect(shortHash('a')).toBe('296230c0');
    expect(shortHash('foobar')).toBe('72ad2699');
    expect(shortHash('é')).toBe('bdda0906');
  });

  it('always returns 8 lower-case hex digits, deterministically', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        const hash = shortHash(input);
        expect(hash).toMatch(/^[a-f0-9]{8}$/);
        expect(shortHash(input)).toBe(hash);
      }),
    );
  });

  it('rejects non-strings', () => {
    expectNamingError(() => shortHash(1 as unknown as string), 'INVALID_ARGUMENT');
  });
});
