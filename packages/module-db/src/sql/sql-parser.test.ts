import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  isSqlParserLoaded,
  loadSqlParser,
  MAX_SQL_INPUT_LENGTH,
  parseSingleSelectTarget,
  SqlInputError,
} from './sql-parser';

beforeAll(() => loadSqlParser());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SqlInputError) return error.code;
    throw error;
  }
  return undefined;
}

describe('loadSqlParser', () => {
  it('is idempotent and memoised', async () => {
    expect(loadSqlParser()).toBe(loadSqlParser());
    await loadSqlParser();
    expect(isSqlParserLoaded()).toBe(true);
  });

  it('tells the caller to load the parser first', async () => {
    vi.resetModules();
    const fresh = await import('./sql-parser');
    expect(fresh.isSqlParserLoaded()).toBe(false);
    expect(() => fresh.parseSingleSelectTarget('1')).toThrow(/await loadSqlParser\(\)/);
  });
});

describe('parseSingleSelectTarget', () => {
  it('returns the single expression', () => {
    const parsed = parseSingleSelectTarget('a + 1');
    expect(Object.keys(parsed.expression)).toEqual(['A_Expr']);
    expect(parsed.sql).toBe('SELECT a + 1');
  });

  it('reads the source word at a byte location, after multi-byte text', () => {
    const parsed = parseSingleSelectTarget("'éé'::Integer");
    expect(parsed.wordAt(15)).toBe('integer');
    expect(parsed.wordAt(-1)).toBeUndefined();
  });

  it.each([
    ['1; DROP TABLE t', 'not_single_expression'],
    ['1) FROM x WHERE (1', 'syntax_error'],
    ['1 FROM x', 'not_single_expression'],
    ['1 WHERE true', 'not_single_expression'],
    ['1 UNION SELECT 2', 'not_single_expression'],
    ['1 INTO t', 'not_single_expression'],
    ['DISTINCT 1', 'not_single_expression'],
    ['1 LIMIT 1', 'not_single_expression'],
    ['1 FOR UPDATE', 'not_single_expression'],
    ['1 ORDER BY 1', 'not_single_expression'],
    ['1 AS a', 'not_single_expression'],
    ['1, 2', 'not_single_expression'],
    [';', 'not_single_expression'],
    ['-- only a comment', 'not_single_expression'],
    ['', 'empty'],
    ['   ', 'empty'],
    ['1\u0000', 'nul_byte'],
    ['1'.repeat(MAX_SQL_INPUT_LENGTH + 1), 'too_long'],
    ['/* unterminated', 'syntax_error'],
  ])('refuses %j with %s', (input, code) => {
    expect(codeOf(() => parseSingleSelectTarget(input))).toBe(code);
  });

  it('names the problem in the message', () => {
    expect(() => parseSingleSelectTarget('1 +')).toThrow(/syntax error/);
  });
});
