import { describe, expect, test } from 'vitest';
import { definitionKeyLevels } from './definition-key-levels';
import { editDistance, suggestName } from './suggest-name';

const TABLE_KEYS = ['name', 'columns', 'indexes', 'foreignKeys', 'enableRLS', 'rlsPolicies'];
const COLUMN_KEYS = ['name', 'type', 'nullable', 'default', 'primaryKey', 'unique', 'check'];

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['default', 'default', 0],
    ['defualt', 'default', 1], // two neighbours swapped: one edit
    ['colums', 'columns', 1],
    ['nullabel', 'nullable', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // optimal string alignment, not unrestricted Damerau (which gives 2)
  ])('%j → %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });

  test('stops at the cap, never below the true distance', () => {
    expect(editDistance('kitten', 'sitting', 2)).toBe(2);
    expect(editDistance('a', 'abcdef', 3)).toBe(3);
    expect(editDistance('defualt', 'default', 5)).toBe(1);
  });
});

describe('suggestName', () => {
  test.each([
    // The cases of issue 16.
    ['policies', TABLE_KEYS, 'rlsPolicies'],
    ['primarykey', COLUMN_KEYS, 'primaryKey'],
    ['colums', TABLE_KEYS, 'columns'],
    ['defualt', COLUMN_KEYS, 'default'],
    // Case and separator styles.
    ['PrimaryKey', COLUMN_KEYS, 'primaryKey'],
    ['primary_key', COLUMN_KEYS, 'primaryKey'],
    ['primary-key', COLUMN_KEYS, 'primaryKey'],
    ['rls_policies', TABLE_KEYS, 'rlsPolicies'],
    ['enable_rls', TABLE_KEYS, 'enableRLS'],
    ['foreign_keys', TABLE_KEYS, 'foreignKeys'],
    // Typing errors.
    ['nulable', COLUMN_KEYS, 'nullable'],
    ['nullabel', COLUMN_KEYS, 'nullable'],
    ['uniqe', COLUMN_KEYS, 'unique'],
    ['tpye', COLUMN_KEYS, 'type'],
    ['chekc', COLUMN_KEYS, 'check'],
    ['indexs', TABLE_KEYS, 'indexes'],
    ['indices', TABLE_KEYS, 'indexes'],
    ['rlsPolicy', TABLE_KEYS, 'rlsPolicies'],
    // One word inside the other.
    ['foreign', TABLE_KEYS, 'foreignKeys'],
    ['defaultValue', COLUMN_KEYS, 'default'],
    ['isNullable', COLUMN_KEYS, 'nullable'],
  ])('%j among %j → %j', (input, candidates, expected) => {
    expect(suggestName(input, candidates)).toBe(expected);
  });

  test('aliases name a key that does not look like the word', () => {
    const index = ['name', 'columns', 'unique', 'where', 'using'];
    expect(suggestName('method', index, { aliases: { method: 'using' } })).toBe('using');
    // An alias whose target is not a candidate here is ignored.
    expect(suggestName('method', COLUMN_KEYS, { aliases: { method: 'using' } })).toBeUndefined();
  });

  test.each([
    ['colour', COLUMN_KEYS],
    ['foo', TABLE_KEYS],
    ['x', COLUMN_KEYS],
    ['', COLUMN_KEYS],
    ['_', COLUMN_KEYS],
    ['siteId', ['moduleId', 'moduleType', 'version', 'strategy', 'name', 'tables', 'migrations']],
  ])('%j has no close candidate among %j', (input, candidates) => {
    expect(suggestName(input, candidates)).toBeUndefined();
  });

  test('a name that is a candidate gets no suggestion, not itself', () => {
    expect(suggestName('primaryKey', COLUMN_KEYS)).toBeUndefined();
    expect(suggestName('primaryKey', ['primaryKey', 'primarykey'])).toBeUndefined();
  });

  test('never suggests the input itself', () => {
    const keys = [...new Set(definitionKeyLevels().flatMap((l) => l.keys))];
    const inputs = new Set<string>();
    for (const key of keys) {
      inputs.add(key);
      inputs.add(key.toLowerCase());
      inputs.add(key.toUpperCase());
      inputs.add(`${key}s`);
      inputs.add(key.slice(0, -1));
      inputs.add(key.slice(1));
      inputs.add(key.replace(/([A-Z])/g, '_$1').toLowerCase());
      for (let i = 0; i + 1 < key.length; i++) {
        inputs.add(key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2));
      }
    }
    let suggested = 0;
    for (const input of inputs) {
      // Each level's keys, and every key at once, including lists that hold the input itself
      // in another case.
      for (const candidates of [keys, ...definitionKeyLevels().map((l) => l.keys)]) {
        const suggestion = suggestName(input, candidates);
        expect(suggestion, `${input} among ${candidates.join(',')}`).not.toBe(input);
        if (suggestion !== undefined) {
          expect(candidates).toContain(suggestion);
          suggested++;
        }
      }
    }
    expect(suggested).toBeGreaterThan(100);
  });
});
