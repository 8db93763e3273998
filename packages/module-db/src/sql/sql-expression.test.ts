import fc from 'fast-check';
import { parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { ddlCompiler } from './ddl-compiler';
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionContext,
  type ExpressionScope,
} from './sql-expression';
import { loadSqlParser, SqlInputError, singleSelectTarget } from './sql-parser';

beforeAll(() => loadSqlParser());

const COLUMNS: ReadonlySet<string> = new Set([
  'status',
  'lead_score',
  'email',
  'a',
  'x',
  'site_id',
  'owner_id',
  'tags',
  'data',
  'created_at',
]);

function scope(context: ExpressionContext): ExpressionScope {
  return { context, columns: context === 'default' ? new Set() : COLUMNS };
}

function compile(text: string, context: ExpressionContext = 'check'): CompiledExpression {
  return compileExpression(text, scope(context));
}

function codeOf(text: string, context: ExpressionContext = 'check'): string | undefined {
  try {
    compile(text, context);
  } catch (error) {
    if (error instanceof SqlInputError) return error.code;
    throw error;
  }
  return undefined;
}

/** The canonical text must parse, on its own, as exactly one expression. */
function expectSingleExpression(canonical: string): void {
  const stmts = parseSync(`SELECT ${canonical}`).stmts;
  expect(stmts).toHaveLength(1);
  expect(singleSelectTarget(stmts[0].stmt.SelectStmt)).toBeDefined();
}

describe('compileExpression: allowed expressions', () => {
  it.each<[string, ExpressionContext, string]>([
    ["status in ('active','lead')", 'check', `("status" in ('active', 'lead'))`],
    ["status not in ('x')", 'check', `("status" not in ('x'))`],
    [
      'lead_score >= 0 and lead_score <= 100',
      'check',
      '(("lead_score" >= 0) and ("lead_score" <= 100))',
    ],
    ["lower(email) like '%@example.com'", 'check', `(lower("email") like '%@example.com')`],
    ["email not ilike 'A%'", 'check', `("email" not ilike 'A%')`],
    ["email like 'a!%' escape '!'", 'check', `("email" like 'a!%' escape '!')`],
    ['coalesce(a, 0) > 1', 'check', '(coalesce("a", 0) > 1)'],
    [
      "case when a > 0 then 'p' else 'n' end = 'p'",
      'check',
      `(case when ("a" > 0) then 'p' else 'n' end = 'p')`,
    ],
    ['case a when 1 then 2 end', 'check', 'case "a" when 1 then 2 end'],
    ["'it''s'", 'default', `'it''s'`],
    [String.raw`'back\slash'`, 'default', String.raw`'back\slash'`],
    [String.raw`E'tab\there'`, 'default', `'tab\there'`],
    ['$$dollar$$', 'default', `'dollar'`],
    [String.raw`U&'\0041'`, 'default', `'A'`],
    ['now()', 'default', 'now()'],
    ['gen_random_uuid()', 'default', 'gen_random_uuid()'],
    ["'{}'::jsonb", 'default', `'{}'::jsonb`],
    ["'{}'::text[]", 'default', `'{}'::text[]`],
    ["date '2024-01-01'", 'default', `'2024-01-01'::date`],
    ["interval '1 day'", 'default', `'1 day'::interval`],
    ['current_timestamp', 'default', 'current_timestamp'],
    ['current_timestamp(3)', 'default', 'current_timestamp(3)'],
    ['current_date', 'default', 'current_date'],
    ['true', 'default', 'true'],
    ['false', 'default', 'false'],
    ['null', 'default', 'null'],
    ['0', 'default', '0'],
    ['-1', 'default', '(-1)'],
    ['1.50', 'default', `'1.50'::numeric`],
    ['-2.5e3', 'default', `'-2.5e3'::numeric`],
    ['99999999999999999999999', 'default', '99999999999999999999999'],
    ['0x1F', 'default', '31'],
    ['0xFFFFFFFFFFFFFFFFFF', 'default', '4722366482869645213695'],
    ['1_000_000', 'default', '1000000'],
    ['x - -1', 'check', '("x" - (-1))'],
    ['-x', 'check', '(- "x")'],
    ['site_id = auth.uid()', 'policy_using', '("site_id" = (select auth.uid()))'],
    ['(select auth.uid()) = owner_id', 'policy_with_check', '((select auth.uid()) = "owner_id")'],
    [
      "auth.jwt() ->> 'role' = 'admin'",
      'policy_using',
      `(((select auth.jwt()) ->> 'role') = 'admin')`,
    ],
    [
      'public.dramac_can_access_current_site() and site_id = public.dramac_current_site_id()',
      'policy_using',
      '((select public.dramac_can_access_current_site()) and ("site_id" = (select public.dramac_current_site_id())))',
    ],
    ['created_at <= now()', 'policy_using', '("created_at" <= now())'],
    ['x is not null', 'check', '("x" is not null)'],
    ['x is null', 'check', '("x" is null)'],
    ['x is not true', 'check', '("x" is not true)'],
    ['x is distinct from a', 'check', '("x" is distinct from "a")'],
    ['x is not distinct from a', 'check', '("x" is not distinct from "a")'],
    ['x between 1 and 5', 'check', '("x" between 1 and 5)'],
    ['x not between symmetric 5 and 1', 'check', '("x" not between symmetric 5 and 1)'],
    ["x = any(array['a','b'])", 'check', `("x" = any (array['a', 'b']))`],
    ["'vip' = any(tags)", 'check', `('vip' = any ("tags"))`],
    ['x <> all(array[1, 2])', 'check', '("x" <> all (array[1, 2]))'],
    ['x != 1', 'check', '("x" <> 1)'],
    ['not (a > 1 or a < 0)', 'check', '(not (("a" > 1) or ("a" < 0)))'],
    ['a + 2 * 3', 'check', '("a" + (2 * 3))'],
    ['(a + 2) * 3', 'check', '(("a" + 2) * 3)'],
    ["email || '@' || status", 'check', `(("email" || '@') || "status")`],
    ['nullif(a, 0)', 'check', 'nullif("a", 0)'],
    ['greatest(a, 0) <= least(x, 10)', 'check', '(greatest("a", 0) <= least("x", 10))'],
    ['x::int::text', 'check', '"x"::integer::text'],
    ['cast(x as numeric(10,2))', 'check', '"x"::numeric(10,2)'],
    ["trim(email) <> ''", 'check', `(btrim("email") <> '')`],
    ["trim(both 'x' from email)", 'check', `btrim("email", 'x')`],
    ["trim(leading from email) = ''", 'check', `(ltrim("email") = '')`],
    ['char_length(email) between 3 and 320', 'check', '(char_length("email") between 3 and 320)'],
    ["starts_with(email, 'a')", 'check', `starts_with("email", 'a')`],
    ["jsonb_typeof(data) = 'object'", 'check', `(jsonb_typeof("data") = 'object')`],
    ['data @> \'{"a":1}\'', 'check', `("data" @> '{"a":1}')`],
    ['cardinality(tags) <= 10', 'check', '(cardinality("tags") <= 10)'],
    ['round(a, 2) = abs(x)', 'check', '(round("a", 2) = abs("x"))'],
    [
      "date_trunc('day', created_at) = created_at",
      'policy_using',
      `(date_trunc('day', "created_at") = "created_at")`,
    ],
    ['status is not null', 'index_where', '("status" is not null)'],
    ['1 -- a trailing comment is harmless: we rebuild from the tree', 'default', '1'],
    ['/* */ 1', 'default', '1'],
    [`${'('.repeat(200)}1${')'.repeat(200)}`, 'default', '1'],
  ])('%s [%s] → %s', (input, context, canonical) => {
    const compiled = compile(input, context);
    expect(compiled.canonical).toBe(canonical);
    expectSingleExpression(compiled.canonical);
    // Idempotent: the canonical text is itself accepted and canonical.
    expect(compile(compiled.canonical, context).canonical).toBe(canonical);
  });

  it('reports referenced columns and functions in order of first use', () => {
    const compiled = compile(
      "lower(email) = lower(status) and site_id = auth.uid() and email <> ''",
      'policy_using',
    );
    expect(compiled.referencedColumns).toEqual(['email', 'status', 'site_id']);
    expect(compiled.functions).toEqual(['lower', 'auth.uid']);
    expect(Object.isFrozen(compiled)).toBe(true);
  });

  it('rebuilds with Kysely: no bind parameters, a composable RawBuilder', () => {
    const compiled = compile("status = 'x'");
    const query = compiled.expression.compile(ddlCompiler);
    expect(query).toMatchObject({ sql: `("status" = 'x')`, parameters: [] });
    const ddl = ddlCompiler.schema
      .alterTable('t')
      .addCheckConstraint('t_status_check', compiled.expression)
      .compile();
    expect(ddl.sql).toBe(
      `alter table "t" add constraint "t_status_check" check (("status" = 'x'))`,
    );
    expect(ddl.parameters).toEqual([]);
  });

  it('round-trips string constants exactly', () => {
    const samples = [
      "it's",
      "''",
      '\\',
      "\\'",
      '--',
      '/*',
      '$$',
      'é日本',
      '\n\t',
      "'; drop table x; --",
    ];
    for (const value of samples) {
      const input = `'${value.replaceAll("'", "''")}'`;
      const { canonical } = compile(input, 'default');
      const node = singleSelectTarget(parseSync(`SELECT ${canonical}`).stmts[0].stmt.SelectStmt);
      expect(node).toEqual({ A_Const: { sval: { sval: value }, location: 7 } });
    }
  });
});

describe('compileExpression: refused input', () => {
  const orChain = (n: number) => Array.from({ length: n }, (_, i) => `x = ${i}`).join(' or ');
  const deep = (n: number) => `${'('.repeat(n)}x${' + 1)'.repeat(n)}`;

  const hostile: [string, string | undefined, ExpressionContext?][] = [
    ['1); DROP TABLE public.sites; --', 'syntax_error'],
    ['1) FROM pg_authid WHERE (1', 'syntax_error'],
    ['1; DROP TABLE public.sites', 'not_single_expression'],
    ['1 union select 2', 'not_single_expression'],
    ['x from public.sites', 'not_single_expression'],
    ['1 as a', 'not_single_expression'],
    ['1, 2', 'not_single_expression'],
    [';', 'not_single_expression'],
    ['', 'empty'],
    ['(select 1)', 'node_not_allowed'],
    ['exists(select 1 from public.sites)', 'node_not_allowed'],
    ['x in (select id from public.sites)', 'node_not_allowed'],
    ['x = any(select 1)', 'node_not_allowed'],
    ['(select auth.uid() from public.sites)', 'node_not_allowed', 'policy_using'],
    ['(select auth.uid())', 'node_not_allowed', 'check'],
    ['(select pg_sleep(1))', 'node_not_allowed', 'policy_using'],
    ['pg_sleep(10)', 'function_not_allowed'],
    ["current_setting('x')", 'function_not_allowed'],
    ["set_config('role','postgres',false)", 'function_not_allowed'],
    ["nextval('s')", 'function_not_allowed'],
    ["pg_read_file('/etc/passwd')", 'function_not_allowed'],
    ["lo_import('/etc/passwd')", 'function_not_allowed'],
    ["dblink('x','y')", 'function_not_allowed'],
    ['txid_current()', 'function_not_allowed'],
    ['pg_catalog.lower(x)', 'function_not_allowed'],
    ['public.lower(x)', 'function_not_allowed'],
    ['extract(year from created_at)', 'function_not_allowed'],
    ["position('a' in email)", 'function_not_allowed'],
    ['count(*)', 'function_not_allowed'],
    ['sum(x) over ()', 'function_not_allowed'],
    ['lower(x) over ()', 'node_not_allowed'],
    ['lower(variadic array[x])', 'node_not_allowed'],
    ['lower(x => email)', 'node_not_allowed'],
    ['lower()', 'function_not_allowed'],
    ["current_user = 'x'", 'function_not_allowed', 'policy_using'],
    ['session_user', 'function_not_allowed', 'policy_using'],
    ['current_role', 'function_not_allowed', 'policy_using'],
    ['now() > created_at', 'function_not_allowed', 'check'],
    ['current_timestamp > created_at', 'function_not_allowed', 'check'],
    ['created_at < now()', 'function_not_allowed', 'index_where'],
    ['gen_random_uuid() is not null', 'function_not_allowed', 'check'],
    ['gen_random_uuid() = site_id', 'function_not_allowed', 'policy_using'],
    ["date_trunc('day', created_at) = created_at", 'function_not_allowed', 'check'],
    ['auth.uid()', 'function_not_allowed', 'default'],
    ['site_id = auth.uid()', 'function_not_allowed', 'check'],
    ['auth.uid(1) = site_id', 'function_not_allowed', 'policy_using'],
    ['public.sites.id', 'column_not_allowed'],
    ['other_table.col', 'column_not_allowed'],
    ['mod_deadbeef.contacts.id', 'column_not_allowed'],
    ['*', 'column_not_allowed'],
    ['x', 'column_not_allowed', 'default'],
    ['nope = 1', 'unknown_column'],
    ['ctid is not null', 'unknown_column'],
    ['"X" = 1', 'unknown_column'],
    ['$1', 'node_not_allowed'],
    ['row(1,2)', 'node_not_allowed'],
    ['(1, 2)', 'node_not_allowed'],
    [`'a' collate "C"`, 'node_not_allowed'],
    ['tags[1]', 'node_not_allowed'],
    ["B'101'", 'node_not_allowed'],
    ['xmlelement(name a)', 'node_not_allowed'],
    ['x::regclass', 'type_not_allowed'],
    ['x::oid', 'type_not_allowed'],
    ["'x'::text[][]", 'type_not_allowed'],
    ["'x'::pg_catalog.text", 'type_not_allowed'],
    ['\'x\'::"Text"', 'type_not_allowed'],
    ["'1'::varchar(0)", 'invalid_type_modifier'],
    ["x ~ '(a+)+$'", 'operator_not_allowed'],
    ["x similar to 'a'", 'operator_not_allowed'],
    ['1 operator(pg_catalog.+) 2', 'operator_not_allowed'],
    ['x # 1', 'operator_not_allowed'],
    ['|/ x', 'operator_not_allowed'],
    // Controls: accepted, so the refusals above are not accidental.
    ['x < any(array[1])', undefined],
    ["data ->> 'a' = any(array['1'])", undefined],
    ['x'.repeat(5000), 'too_long'],
    ['1\u0000', 'nul_byte'],
    [orChain(10_000), 'too_long'],
    [Array.from({ length: 600 }, () => 'a').join(' or '), 'too_complex'],
    [deep(200), 'too_complex'],
    [`${'- '.repeat(100)}x`, 'too_complex'],
  ];
  const cases = hostile.map(([input, code, context = 'check']) => ({
    label: input.length > 60 ? `${input.slice(0, 57)}... (${input.length} chars)` : input,
    input,
    code,
    context,
  }));

  it('has a corpus of at least 30 hostile inputs', () => {
    expect(cases.filter((c) => c.code !== undefined).length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$label [$context] → $code', ({ input, code, context }) => {
    expect(codeOf(input, context)).toBe(code);
  });

  it('refuses an unknown context outright', () => {
    const bad = { context: 'trigger', columns: COLUMNS } as unknown as ExpressionScope;
    expect(() => compileExpression('1', bad)).toThrow(TypeError);
  });

  it('names exactly what was refused', () => {
    expect(() => compile('pg_sleep(10)')).toThrow('function "pg_sleep" is not allowed');
    expect(() => compile('(select 1)')).toThrow('subqueries are not allowed');
    expect(() => compile('now() > created_at')).toThrow(
      'function "now" is not immutable, so it is not allowed in a check constraint',
    );
    expect(() => compile('auth.uid()', 'default')).toThrow(
      'function "auth.uid" is only allowed in policy expressions',
    );
    expect(() => compile('nope = 1')).toThrow('column "nope" is not a column of this table');
    expect(() => compile('public.sites.id')).toThrow(
      'qualified column reference "public.sites.id"',
    );
    expect(() => compile("x ~ 'a'")).toThrow('operator "~" is not allowed');
    expect(() => compile('x::regclass')).toThrow('type "regclass" is not allowed');
    expect(() => compile("current_user = 'x'", 'policy_using')).toThrow(
      '"current_user" is not allowed',
    );
    expect(() => compile('extract(year from created_at)')).toThrow(
      'function "extract" is not allowed',
    );
  });
});

describe('compileExpression: property', () => {
  const tokens = [
    'x',
    'a',
    'status',
    'site_id',
    'nope',
    '1',
    '-2',
    '1.5',
    "'s'",
    "'it''s'",
    'null',
    'true',
    '(',
    ')',
    ',',
    '+',
    '-',
    '*',
    '=',
    '<>',
    '<',
    'and',
    'or',
    'not',
    'is',
    'null',
    'in',
    'between',
    'like',
    'case',
    'when',
    'then',
    'else',
    'end',
    'lower(',
    'coalesce(',
    'now()',
    'auth.uid()',
    '::int',
    '::text',
    '::regclass',
    'select',
    'from',
    ';',
    '--',
    '/*',
    '*/',
    '$1',
    'array[',
    ']',
    'any(',
    'pg_sleep(',
    "'",
    '"',
    '.',
  ];

  it('either refuses with SqlInputError or yields idempotent, single-expression SQL', () => {
    const contexts: ExpressionContext[] = ['default', 'check', 'index_where', 'policy_using'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...contexts),
        (parts, context) => {
          const text = parts.join(' ');
          let compiled: CompiledExpression;
          try {
            compiled = compile(text, context);
          } catch (error) {
            expect(error).toBeInstanceOf(SqlInputError);
            return;
          }
          expectSingleExpression(compiled.canonical);
          expect(compile(compiled.canonical, context).canonical).toBe(compiled.canonical);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
