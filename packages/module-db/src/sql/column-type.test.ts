import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_BASE_TYPES,
  type ColumnType,
  columnTypeSql,
  formatColumnType,
  isColumnTypeEqual,
  parseColumnType,
} from './column-type';
import { ddlCompiler } from './ddl-compiler';
import { loadSqlParser, SqlInputError } from './sql-parser';

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

const canonical = (text: string): string => formatColumnType(parseColumnType(text));

describe('parseColumnType', () => {
  it('accepts every allowed base type in its canonical spelling', () => {
    for (const base of ALLOWED_BASE_TYPES) {
      expect(parseColumnType(base)).toEqual({ base, args: [], array: false });
      expect(canonical(base)).toBe(base);
    }
  });

  it.each([
    ['int', 'integer'],
    ['int4', 'integer'],
    ['INTEGER', 'integer'],
    ['int8', 'bigint'],
    ['int2', 'smallint'],
    ['float4', 'real'],
    ['float(10)', 'real'],
    ['float8', 'double precision'],
    ['float', 'double precision'],
    ['DOUBLE   PRECISION', 'double precision'],
    ['bool', 'boolean'],
    ['character varying', 'varchar'],
    ['character varying(255)', 'varchar(255)'],
    ['char varying(3)', 'varchar(3)'],
    ['varchar(10485760)', 'varchar(10485760)'],
    ['timestamp with time zone', 'timestamptz'],
    ['timestamp(3) with time zone', 'timestamptz(3)'],
    ['timestamptz(6)', 'timestamptz(6)'],
    ['timestamp without time zone', 'timestamp'],
    ['timestamp(0)', 'timestamp(0)'],
    ['time without time zone', 'time'],
    ['time(2)', 'time(2)'],
    ['decimal', 'numeric'],
    ['decimal(10,2)', 'numeric(10,2)'],
    ['numeric(10)', 'numeric(10,0)'],
    ['numeric(1000,1000)', 'numeric(1000,1000)'],
    ['Text', 'text'],
    ['  uuid  ', 'uuid'],
    ['jsonb /* a comment */', 'jsonb'],
    ['citext', 'citext'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it.each([
    ['int[]', 'integer[]'],
    ['int[3]', 'integer[]'],
    ['text[1]', 'text[]'],
    ['integer array', 'integer[]'],
    ['text[]', 'text[]'],
    ['numeric(10,2)[]', 'numeric(10,2)[]'],
    ['double precision[]', 'double precision[]'],
    ['varchar(20)[]', 'varchar(20)[]'],
  ])('array %s → %s', (input, expected) => {
    expect(parseColumnType(input).array).toBe(true);
    expect(canonical(input)).toBe(expected);
  });

  it('returns frozen values', () => {
    const type = parseColumnType('numeric(10,2)');
    expect(type).toEqual({ base: 'numeric', args: [10, 2], array: false });
    expect(Object.isFrozen(type)).toBe(true);
    expect(Object.isFrozen(type.args)).toBe(true);
  });

  it('round-trips every canonical form', () => {
    for (const text of ['numeric(10,2)[]', 'double precision', 'timestamptz(3)', 'varchar(255)']) {
      expect(isColumnTypeEqual(parseColumnType(canonical(text)), parseColumnType(text))).toBe(true);
    }
  });

  it.each([
    ['geometry', 'type_not_allowed'],
    ['serial', 'type_not_allowed'],
    ['bigserial', 'type_not_allowed'],
    ['money', 'type_not_allowed'],
    ['char(3)', 'type_not_allowed'],
    ['bit(3)', 'type_not_allowed'],
    ['timetz', 'type_not_allowed'],
    ['time with time zone', 'type_not_allowed'],
    ['regclass', 'type_not_allowed'],
    ['oid', 'type_not_allowed'],
    ['int[][]', 'type_not_allowed'],
    ['setof int', 'type_not_allowed'],
    ['pg_catalog.text', 'type_not_allowed'],
    ['pg_catalog.int4', 'type_not_allowed'],
    ['pg_catalog.numeric(10,2)', 'type_not_allowed'],
    ['"pg_catalog".numeric', 'type_not_allowed'],
    ['public.evil', 'type_not_allowed'],
    ['extensions.citext', 'type_not_allowed'],
    ['"Text"', 'type_not_allowed'],
    ['"text"', 'type_not_allowed'],
    ['U&"text"', 'type_not_allowed'],
    ['"interval"(3)', 'type_not_allowed'],
    ['varchar(0)', 'invalid_type_modifier'],
    ['varchar(10485761)', 'invalid_type_modifier'],
    ['varchar(1,2)', 'syntax_error'],
    ["varchar('1')", 'syntax_error'],
    ["numeric('1')", 'invalid_type_modifier'],
    ['numeric(1.5)', 'invalid_type_modifier'],
    ['numeric(2,5)', 'invalid_type_modifier'],
    ['numeric(0)', 'invalid_type_modifier'],
    ['numeric(1001)', 'invalid_type_modifier'],
    ['numeric(10,-1)', 'invalid_type_modifier'],
    ['numeric(1,2,3)', 'invalid_type_modifier'],
    ['text(5)', 'invalid_type_modifier'],
    ['uuid(1)', 'invalid_type_modifier'],
    ['timestamp(7)', 'invalid_type_modifier'],
    ['interval day', 'invalid_type_modifier'],
    ['interval(3)', 'invalid_type_modifier'],
    ['interval year to month', 'invalid_type_modifier'],
    ['int%type', 'not_single_expression'],
    ['text); drop table public.sites; --', 'syntax_error'],
    ['text; drop table x', 'not_single_expression'],
    ['text, 1', 'not_single_expression'],
    ['text from public.sites', 'not_single_expression'],
    ['text collate "C"', 'not_single_expression'],
    ['', 'empty'],
    ['text\u0000', 'nul_byte'],
    ['x'.repeat(5000), 'too_long'],
  ])('refuses %j with %s', (input, code) => {
    expect(codeOf(() => parseColumnType(input))).toBe(code);
  });

  it('names the refused type', () => {
    expect(() => parseColumnType('geometry')).toThrow('type "geometry" is not allowed');
    expect(() => parseColumnType('char(3)')).toThrow('type "character" is not allowed');
    expect(() => parseColumnType('int[][]')).toThrow('only one-dimensional arrays');
  });
});

describe('formatColumnType and columnTypeSql', () => {
  it('compiles into DDL without parameters', () => {
    const query = ddlCompiler.schema
      .createTable('t')
      .addColumn('price', columnTypeSql(parseColumnType('decimal(10,2)[]')))
      .addColumn('at', columnTypeSql(parseColumnType('timestamp(3) with time zone')))
      .compile();
    expect(query.sql).toBe('create table "t" ("price" numeric(10,2)[], "at" timestamptz(3))');
    expect(query.parameters).toEqual([]);
  });

  it('refuses a forged type object instead of emitting it', () => {
    const forged = { base: 'text; drop table x', args: [], array: false } as unknown as ColumnType;
    expect(() => columnTypeSql(forged)).toThrow(TypeError);
    const badArgs = { base: 'varchar', args: ['1); drop'], array: false } as unknown as ColumnType;
    expect(() => formatColumnType(badArgs)).toThrow(TypeError);
  });
});

describe('isColumnTypeEqual', () => {
  it('compares base, modifiers and arrayness', () => {
    const eq = (a: string, b: string) => isColumnTypeEqual(parseColumnType(a), parseColumnType(b));
    expect(eq('int4', 'integer')).toBe(true);
    expect(eq('numeric(10)', 'numeric(10,0)')).toBe(true);
    expect(eq('timestamp with time zone', 'timestamptz')).toBe(true);
    expect(eq('varchar', 'varchar(10)')).toBe(false);
    expect(eq('int', 'int[]')).toBe(false);
    expect(eq('numeric(10,2)', 'numeric(10,3)')).toBe(false);
    expect(eq('int', 'bigint')).toBe(false);
  });
});
