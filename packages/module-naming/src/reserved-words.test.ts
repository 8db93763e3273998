import { describe, expect, it } from 'vitest';
import { RESERVED_WORDS } from './reserved-words';

describe('RESERVED_WORDS', () => {
  it("holds PostgreSQL 17's 78 reserved and 23 type/function-name keywords", () => {
    expect(RESERVED_WORDS.size).toBe(101);
  });

  it('includes both categories and leaves unreserved keywords out', () => {
    for (const word of [
      'all',
      'user',
      'system_user',
      'window',
      'authorization',
      'verbose',
      'tablesample',
    ]) {
      expect(RESERVED_WORDS.has(word)).toBe(true);
    }
    for (const word of ['name', 'type', 'data', 'value', 'position', 'time', 'between']) {
      expect(RESERVED_WORDS.has(word)).toBe(false);
    }
  });

  it('is lower-case snake case throughout', () => {
    for (const word of RESERVED_WORDS) expect(word).toMatch(/^[a-z_]+$/);
  });
});
