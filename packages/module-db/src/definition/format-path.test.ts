import { describe, expect, test } from 'vitest';
import { formatPath } from './format-path';

describe('formatPath', () => {
  test.each([
    [[], ''],
    [['moduleId'], 'moduleId'],
    [['tables', 2, 'columns', 0, 'type'], 'tables[2].columns[0].type'],
    [
      ['tables', 0, 'foreignKeys', 1, 'references', 'schema'],
      'tables[0].foreignKeys[1].references.schema',
    ],
    [[0, 'name'], '[0].name'],
    [['meta', 'a b'], 'meta["a b"]'],
    [['meta', '"x"'], 'meta["\\"x\\""]'],
    [['list', '3'], 'list[3]'],
    [[Symbol('s')], '[Symbol(s)]'],
  ] as [PropertyKey[], string][])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
