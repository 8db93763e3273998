import { type RawBuilder, sql } from 'kysely';
import type { SelectStmt, TypeName } from 'libpg-query';
import { formatColumnType, typeNameToColumnType } from './column-type';
import { ddlCompiler } from './ddl-compiler';
import {
  assertOnlyFields,
  nodeEntry,
  type ParsedTarget,
  parseSingleSelectTarget,
  SqlInputError,
  singleSelectTarget,
} from './sql-parser';

/**
 * SQL expressions written by module authors (`default`, `check`, index `where`, policy
 * `using`/`withCheck`), parsed by the real PostgreSQL parser and REBUILT from the parse tree with
 * Kysely's `sql` (`sql.lit` for constants, `sql.id` for columns, `sql.raw` only for fixed tokens
 * from the allow-lists below). The author's text is never embedded in emitted SQL.
 */

/** Where an expression is used; decides which columns and functions it may use. */
export type ExpressionContext =
  | 'default'
  | 'check'
  | 'index_where'
  | 'policy_using'
  | 'policy_with_check';

/**
 * What an expression may refer to.
 *
 * @example
 * const scope: ExpressionScope = { context: 'check', columns: new Set(['lead_score']) };
 */
export interface ExpressionScope {
  /** Where the expression is used. */
  readonly context: ExpressionContext;
  /** Columns of the table that may be referenced (ignored for `default`: defaults reference none). */
  readonly columns: ReadonlySet<string>;
}

/** An expression rebuilt from its parse tree, ready to embed in DDL. */
export interface CompiledExpression {
  /** The rebuilt expression; contains no bind parameters. */
  readonly expression: RawBuilder<unknown>;
  /** `expression` compiled for PostgreSQL: the canonical text, fully parenthesised. */
  readonly canonical: string;
  /** Columns referenced, in order of first use. */
  readonly referencedColumns: readonly string[];
  /** Functions called (allow-listed names, e.g. `lower`, `auth.uid`), in order of first use. */
  readonly functions: readonly string[];
}

/** Deepest nesting of expression nodes accepted. */
export const MAX_EXPRESSION_DEPTH = 64;
/** Most expression nodes accepted in one expression. */
export const MAX_EXPRESSION_NODES = 500;

type Volatility = 'immutable' | 'stable' | 'volatile';

interface FunctionSpec {
  readonly volatility: Volatility;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Request-context helpers: meaningful only in row-level security policies. */
  readonly policyOnly?: boolean;
}

const fn = (volatility: Volatility, minArgs: number, maxArgs = minArgs): FunctionSpec => ({
  volatility,
  minArgs,
  maxArgs,
});
const policyFn: FunctionSpec = { volatility: 'stable', minArgs: 0, maxArgs: 0, policyOnly: true };

/**
 * Every callable function, by the name written (and emitted). Unqualified names resolve to
 * `pg_catalog`, which PostgreSQL always searches first unless a search_path names it later.
 */
const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ['now', fn('stable', 0)],
  ['gen_random_uuid', fn('volatile', 0)],
  ['lower', fn('immutable', 1)],
  ['upper', fn('immutable', 1)],
  ['length', fn('immutable', 1)],
  ['char_length', fn('immutable', 1)],
  ['btrim', fn('immutable', 1, 2)],
  ['ltrim', fn('immutable', 1, 2)],
  ['rtrim', fn('immutable', 1, 2)],
  ['abs', fn('immutable', 1)],
  ['round', fn('immutable', 1, 2)],
  ['floor', fn('immutable', 1)],
  ['ceil', fn('immutable', 1)],
  ['ceiling', fn('immutable', 1)],
  ['starts_with', fn('immutable', 2)],
  // date_trunc on timestamptz depends on the TimeZone setting: stable, not immutable.
  ['date_trunc', fn('stable', 2, 3)],
  ['jsonb_typeof', fn('immutable', 1)],
  ['jsonb_array_length', fn('immutable', 1)],
  ['array_length', fn('immutable', 2)],
  ['cardinality', fn('immutable', 1)],
  ['auth.uid', policyFn],
  ['auth.jwt', policyFn],
  ['auth.role', policyFn],
  ['public.dramac_current_site_id', policyFn],
  ['public.dramac_can_access_current_site', policyFn],
]);

/**
 * `pg_catalog` functions the grammar itself produces for SQL-standard syntax and that we accept:
 * `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)` becomes `btrim/ltrim/rtrim(s, chars)`, which is
 * what we emit. Other SQL-syntax functions (EXTRACT, POSITION, SUBSTRING, OVERLAY...) are refused.
 */
const SQL_SYNTAX_FUNCTIONS: ReadonlySet<string> = new Set(['btrim', 'ltrim', 'rtrim']);

/** Binary operators, as the parser names them. `!=` arrives as `<>`. */
const BINARY_OPERATORS: ReadonlySet<string> = new Set([
  '=',
  '<>',
  '<',
  '>',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '||',
  '~~',
  '~~*',
  '!~~',
  '!~~*',
  '->',
  '->>',
  '@>',
  '<@',
  '&&',
]);
const UNARY_OPERATORS: ReadonlySet<string> = new Set(['-', '+']);
const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['=', '<>', '<', '>', '<=', '>=']);

/** Date/time SQL value functions; the user/role/catalog ones are refused. */
const SQL_VALUE_FUNCTIONS: Readonly<
  Record<string, { readonly name: string; readonly n: boolean }>
> = {
  SVFOP_CURRENT_DATE: { name: 'current_date', n: false },
  SVFOP_CURRENT_TIME: { name: 'current_time', n: false },
  SVFOP_CURRENT_TIME_N: { name: 'current_time', n: true },
  SVFOP_CURRENT_TIMESTAMP: { name: 'current_timestamp', n: false },
  SVFOP_CURRENT_TIMESTAMP_N: { name: 'current_timestamp', n: true },
  SVFOP_LOCALTIME: { name: 'localtime', n: false },
  SVFOP_LOCALTIME_N: { name: 'localtime', n: true },
  SVFOP_LOCALTIMESTAMP: { name: 'localtimestamp', n: false },
  SVFOP_LOCALTIMESTAMP_N: { name: 'localtimestamp', n: true },
};

const BOOLEAN_TESTS: Readonly<Record<string, string>> = {
  IS_TRUE: 'is true',
  IS_NOT_TRUE: 'is not true',
  IS_FALSE: 'is false',
  IS_NOT_FALSE: 'is not false',
  IS_UNKNOWN: 'is unknown',
  IS_NOT_UNKNOWN: 'is not unknown',
};

const BETWEEN_KINDS: Readonly<Record<string, string>> = {
  AEXPR_BETWEEN: 'between',
  AEXPR_NOT_BETWEEN: 'not between',
  AEXPR_BETWEEN_SYM: 'between symmetric',
  AEXPR_NOT_BETWEEN_SYM: 'not between symmetric',
};

/** Precise messages for node kinds that are refused outright. */
const REFUSED_NODES: Readonly<Record<string, string>> = {
  SubLink: 'subqueries are not allowed',
  ParamRef: 'parameters ($n) are not allowed',
  RowExpr: 'row constructors are not allowed',
  CollateClause: 'COLLATE is not allowed',
  A_Indirection: 'array subscripts and field selections are not allowed',
  A_Star: '"*" is not allowed',
  GroupingFunc: 'GROUPING is not allowed',
  XmlExpr: 'XML expressions are not allowed',
  XmlSerialize: 'XML expressions are not allowed',
  NamedArgExpr: 'named function arguments are not allowed',
  SetToDefault: 'DEFAULT is not allowed here',
  MultiAssignRef: 'multiple assignment is not allowed',
};

const CONTEXT_LABELS: Readonly<Record<ExpressionContext, string>> = {
  default: 'a column default',
  check: 'a check constraint',
  index_where: 'an index predicate',
  policy_using: 'a policy USING expression',
  policy_with_check: 'a policy WITH CHECK expression',
};

const INTEGER_TOKEN = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/;
const DECIMAL_TOKEN = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?$/;

function has<T extends object>(record: T, key: string): boolean {
  return Object.hasOwn(record, key);
}

function refuse(code: SqlInputError['code'], message: string): never {
  throw new SqlInputError(code, message);
}

/** Negative numeric constants are parenthesised so `x - -1` can never read as a comment. */
function numberSql(value: number | bigint): RawBuilder<unknown> {
  return value < 0 ? sql`(${sql.lit(value)})` : sql.lit(value);
}

function names(list: unknown, what: string): string[] {
  if (!Array.isArray(list)) refuse('node_not_allowed', `${what}: missing name`);
  return list.map((item) => {
    const { tag, body } = nodeEntry(item);
    if (tag === 'String' && typeof body.sval === 'string') return body.sval;
    if (tag === 'A_Star') return '*';
    return refuse('node_not_allowed', `${what}: unexpected name`);
  });
}

function listItems(node: unknown, what: string): unknown[] {
  const { tag, body } = nodeEntry(node);
  if (tag !== 'List') refuse('node_not_allowed', `${what}: expected a list`);
  return Array.isArray(body.items) ? body.items : [];
}

class ExpressionCompiler {
  private nodes = 0;
  readonly columns = new Set<string>();
  readonly functions = new Set<string>();

  constructor(
    private readonly scope: ExpressionScope,
    private readonly parsed: ParsedTarget,
  ) {}

  private get inPolicy(): boolean {
    return this.scope.context === 'policy_using' || this.scope.context === 'policy_with_check';
  }

  private list(items: readonly unknown[], depth: number): RawBuilder<unknown> {
    return sql.join(items.map((item) => this.compile(item, depth)));
  }

  compile(node: unknown, depth: number): RawBuilder<unknown> {
    if (depth > MAX_EXPRESSION_DEPTH) {
      refuse('too_complex', `the expression is nested more than ${MAX_EXPRESSION_DEPTH} deep`);
    }
    this.nodes += 1;
    if (this.nodes > MAX_EXPRESSION_NODES) {
      refuse('too_complex', `the expression has more than ${MAX_EXPRESSION_NODES} parts`);
    }
    const { tag, body } = nodeEntry(node);
    const next = depth + 1;
    switch (tag) {
      case 'A_Const':
        return this.constant(body);
      case 'ColumnRef':
        return this.columnRef(body);
      case 'A_Expr':
        return this.aExpr(body, next);
      case 'BoolExpr': {
        assertOnlyFields('boolean expression', body, ['boolop', 'args', 'location']);
        const args = Array.isArray(body.args) ? body.args : [];
        if (body.boolop === 'NOT_EXPR' && args.length === 1) {
          return sql`(not ${this.compile(args[0], next)})`;
        }
        const joiner = body.boolop === 'AND_EXPR' ? sql` and ` : sql` or `;
        if ((body.boolop === 'AND_EXPR' || body.boolop === 'OR_EXPR') && args.length >= 2) {
          return sql`(${sql.join(
            args.map((a) => this.compile(a, next)),
            joiner,
          )})`;
        }
        return refuse('node_not_allowed', 'malformed boolean expression');
      }
      case 'NullTest': {
        assertOnlyFields('IS NULL test', body, ['arg', 'nulltesttype', 'argisrow', 'location']);
        if (body.argisrow === true) refuse('node_not_allowed', 'row IS NULL tests are not allowed');
        const test = body.nulltesttype === 'IS_NOT_NULL' ? 'is not null' : 'is null';
        if (body.nulltesttype !== 'IS_NULL' && body.nulltesttype !== 'IS_NOT_NULL') {
          refuse('node_not_allowed', 'malformed IS NULL test');
        }
        return sql`(${this.compile(body.arg, next)} ${sql.raw(test)})`;
      }
      case 'BooleanTest': {
        assertOnlyFields('boolean test', body, ['arg', 'booltesttype', 'location']);
        const kind = String(body.booltesttype);
        if (!has(BOOLEAN_TESTS, kind)) refuse('node_not_allowed', 'malformed boolean test');
        return sql`(${this.compile(body.arg, next)} ${sql.raw(BOOLEAN_TESTS[kind] as string)})`;
      }
      case 'TypeCast': {
        assertOnlyFields('type cast', body, ['arg', 'typeName', 'location']);
        const type = typeNameToColumnType(body.typeName as TypeName, this.parsed);
        const arg = this.compile(body.arg, next);
        // formatColumnType yields an allow-listed canonical type name, never input text.
        return sql`${arg}::${sql.raw(formatColumnType(type))}`;
      }
      case 'CaseExpr':
        return this.caseExpr(body, next);
      case 'CoalesceExpr': {
        assertOnlyFields('COALESCE', body, ['args', 'location']);
        const args = Array.isArray(body.args) ? body.args : [];
        if (args.length === 0) refuse('node_not_allowed', 'COALESCE needs arguments');
        return sql`coalesce(${this.list(args, next)})`;
      }
      case 'MinMaxExpr': {
        assertOnlyFields('GREATEST/LEAST', body, ['op', 'args', 'location']);
        const args = Array.isArray(body.args) ? body.args : [];
        const name = body.op === 'IS_GREATEST' ? 'greatest' : body.op === 'IS_LEAST' ? 'least' : '';
        if (name === '' || args.length === 0)
          refuse('node_not_allowed', 'malformed GREATEST/LEAST');
        return sql`${sql.raw(name)}(${this.list(args, next)})`;
      }
      case 'SQLValueFunction':
        return this.sqlValueFunction(body);
      case 'A_ArrayExpr': {
        assertOnlyFields('ARRAY constructor', body, ['elements', 'location']);
        const elements = Array.isArray(body.elements) ? body.elements : [];
        return sql`array[${this.list(elements, next)}]`;
      }
      case 'FuncCall':
        return this.funcCall(body, next);
      case 'SubLink':
        return this.subLink(body, next);
      default:
        return refuse(
          'node_not_allowed',
          has(REFUSED_NODES, tag) ? (REFUSED_NODES[tag] as string) : `${tag} is not allowed`,
        );
    }
  }

  private constant(body: Record<string, unknown>): RawBuilder<unknown> {
    if (body.bsval !== undefined) {
      refuse('node_not_allowed', 'bit-string constants are not allowed');
    }
    assertOnlyFields('constant', body, ['ival', 'fval', 'boolval', 'sval', 'isnull', 'location']);
    if (body.isnull === true) return sql.lit(null);
    if (body.ival !== undefined) {
      const value = (body.ival as { ival?: unknown }).ival ?? 0;
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        refuse('node_not_allowed', 'malformed integer constant');
      }
      return numberSql(value);
    }
    if (body.fval !== undefined) return this.numeric((body.fval as { fval?: unknown }).fval);
    if (body.boolval !== undefined) {
      return sql.lit((body.boolval as { boolval?: unknown }).boolval === true);
    }
    if (body.sval !== undefined) {
      const value = (body.sval as { sval?: unknown }).sval ?? '';
      if (typeof value !== 'string') refuse('node_not_allowed', 'malformed string constant');
      // sql.lit doubles single quotes; backslashes are literal (standard_conforming_strings,
      // on by default since PostgreSQL 9.1 and required by the plan's apply step).
      return sql.lit(value);
    }
    return refuse('node_not_allowed', 'malformed constant');
  }

  private numeric(token: unknown): RawBuilder<unknown> {
    if (typeof token !== 'string') refuse('node_not_allowed', 'malformed numeric constant');
    const negative = token.startsWith('-');
    const digits = (negative ? token.slice(1) : token).replaceAll('_', '');
    if (INTEGER_TOKEN.test(digits)) {
      const value = BigInt(digits);
      return numberSql(negative ? -value : value);
    }
    if (DECIMAL_TOKEN.test(digits)) {
      // A literal with a decimal point or exponent is typed numeric by PostgreSQL; emitting it as
      // a quoted numeric literal keeps it exact without passing any input through sql.raw.
      return sql`${sql.lit(negative ? `-${digits}` : digits)}::numeric`;
    }
    return refuse('node_not_allowed', 'malformed numeric constant');
  }

  private columnRef(body: Record<string, unknown>): RawBuilder<unknown> {
    assertOnlyFields('column reference', body, ['fields', 'location']);
    const fields = names(body.fields, 'column reference');
    const shown = fields.join('.');
    if (fields.includes('*')) refuse('column_not_allowed', `"${shown}" is not allowed`);
    if (fields.length !== 1) {
      refuse(
        'column_not_allowed',
        `qualified column reference "${shown}" is not allowed; name a column of this table alone`,
      );
    }
    const name = fields[0] as string;
    if (this.scope.context === 'default') {
      refuse('column_not_allowed', `column "${name}" cannot be referenced in a column default`);
    }
    if (!this.scope.columns.has(name)) {
      refuse('unknown_column', `column "${name}" is not a column of this table`);
    }
    this.columns.add(name);
    return sql.id(name);
  }

  private operator(body: Record<string, unknown>): string {
    const parts = names(body.name, 'operator');
    if (parts.length !== 1) {
      refuse('operator_not_allowed', `operator "${parts.join('.')}" is not allowed`);
    }
    return parts[0] as string;
  }

  private aExpr(body: Record<string, unknown>, depth: number): RawBuilder<unknown> {
    assertOnlyFields('operator expression', body, ['kind', 'name', 'lexpr', 'rexpr', 'location']);
    const op = this.operator(body);
    const kind = String(body.kind);
    const { lexpr, rexpr } = body;
    switch (kind) {
      case 'AEXPR_OP': {
        if (lexpr === undefined) {
          if (!UNARY_OPERATORS.has(op)) {
            refuse('operator_not_allowed', `prefix operator "${op}" is not allowed`);
          }
          return sql`(${sql.raw(op)} ${this.compile(rexpr, depth)})`;
        }
        if (!BINARY_OPERATORS.has(op) || rexpr === undefined) {
          refuse('operator_not_allowed', `operator "${op}" is not allowed`);
        }
        return sql`(${this.compile(lexpr, depth)} ${sql.raw(op)} ${this.compile(rexpr, depth)})`;
      }
      case 'AEXPR_OP_ANY':
      case 'AEXPR_OP_ALL': {
        if (!COMPARISON_OPERATORS.has(op)) {
          refuse('operator_not_allowed', `operator "${op}" is not allowed with ANY/ALL`);
        }
        const quantifier = kind === 'AEXPR_OP_ANY' ? 'any' : 'all';
        return sql`(${this.compile(lexpr, depth)} ${sql.raw(op)} ${sql.raw(quantifier)} (${this.compile(rexpr, depth)}))`;
      }
      case 'AEXPR_IN': {
        if (op !== '=' && op !== '<>') refuse('operator_not_allowed', 'malformed IN');
        const items = listItems(rexpr, 'IN');
        if (items.length === 0) refuse('node_not_allowed', 'IN needs at least one value');
        const word = op === '=' ? 'in' : 'not in';
        return sql`(${this.compile(lexpr, depth)} ${sql.raw(word)} (${this.list(items, depth)}))`;
      }
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE': {
        const like = { '~~': 'like', '!~~': 'not like', '~~*': 'ilike', '!~~*': 'not ilike' };
        if (!has(like, op)) refuse('operator_not_allowed', `operator "${op}" is not allowed`);
        const word = like[op as keyof typeof like];
        const left = this.compile(lexpr, depth);
        const pattern = nodeEntry(rexpr);
        if (pattern.tag === 'FuncCall') {
          const fname = names(pattern.body.funcname, 'function').join('.');
          if (fname === 'pg_catalog.like_escape') {
            // `x LIKE p ESCAPE e` arrives as `x LIKE like_escape(p, e)`; emit the SQL syntax.
            assertOnlyFields('LIKE ... ESCAPE', pattern.body, [
              'funcname',
              'args',
              'funcformat',
              'location',
            ]);
            const args = Array.isArray(pattern.body.args) ? pattern.body.args : [];
            if (args.length !== 2) refuse('node_not_allowed', 'malformed LIKE ... ESCAPE');
            return sql`(${left} ${sql.raw(word)} ${this.compile(args[0], depth)} escape ${this.compile(args[1], depth)})`;
          }
        }
        return sql`(${left} ${sql.raw(word)} ${this.compile(rexpr, depth)})`;
      }
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
      case 'AEXPR_NOT_BETWEEN_SYM': {
        const bounds = listItems(rexpr, 'BETWEEN');
        if (bounds.length !== 2) refuse('node_not_allowed', 'malformed BETWEEN');
        return sql`(${this.compile(lexpr, depth)} ${sql.raw(BETWEEN_KINDS[kind] as string)} ${this.compile(bounds[0], depth)} and ${this.compile(bounds[1], depth)})`;
      }
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT': {
        if (op !== '=') refuse('operator_not_allowed', `operator "${op}" is not allowed`);
        const word = kind === 'AEXPR_DISTINCT' ? 'is distinct from' : 'is not distinct from';
        return sql`(${this.compile(lexpr, depth)} ${sql.raw(word)} ${this.compile(rexpr, depth)})`;
      }
      case 'AEXPR_NULLIF': {
        if (op !== '=') refuse('operator_not_allowed', `operator "${op}" is not allowed`);
        return sql`nullif(${this.compile(lexpr, depth)}, ${this.compile(rexpr, depth)})`;
      }
      case 'AEXPR_SIMILAR':
        return refuse('operator_not_allowed', 'SIMILAR TO is not allowed');
      default:
        return refuse('operator_not_allowed', `operator "${op}" is not allowed`);
    }
  }

  private caseExpr(body: Record<string, unknown>, depth: number): RawBuilder<unknown> {
    assertOnlyFields('CASE', body, ['arg', 'args', 'defresult', 'location']);
    const whens = Array.isArray(body.args) ? body.args : [];
    if (whens.length === 0) refuse('node_not_allowed', 'CASE needs at least one WHEN');
    const parts: RawBuilder<unknown>[] = [];
    if (body.arg !== undefined) parts.push(this.compile(body.arg, depth));
    for (const when of whens) {
      const entry = nodeEntry(when);
      if (entry.tag !== 'CaseWhen') refuse('node_not_allowed', 'malformed CASE');
      assertOnlyFields('WHEN', entry.body, ['expr', 'result', 'location']);
      parts.push(
        sql`when ${this.compile(entry.body.expr, depth)} then ${this.compile(entry.body.result, depth)}`,
      );
    }
    if (body.defresult !== undefined) parts.push(sql`else ${this.compile(body.defresult, depth)}`);
    return sql`case ${sql.join(parts, sql` `)} end`;
  }

  private allowFunction(name: string, spec: FunctionSpec): void {
    const where = CONTEXT_LABELS[this.scope.context];
    if (spec.policyOnly === true && !this.inPolicy) {
      refuse(
        'function_not_allowed',
        `function "${name}" is only allowed in policy expressions, not in ${where}`,
      );
    }
    const context = this.scope.context;
    if ((context === 'check' || context === 'index_where') && spec.volatility !== 'immutable') {
      refuse(
        'function_not_allowed',
        `function "${name}" is not immutable, so it is not allowed in ${where}`,
      );
    }
    if (this.inPolicy && spec.volatility === 'volatile') {
      refuse(
        'function_not_allowed',
        `function "${name}" is volatile, so it is not allowed in ${where}`,
      );
    }
  }

  private sqlValueFunction(body: Record<string, unknown>): RawBuilder<unknown> {
    assertOnlyFields('SQL value function', body, ['op', 'typmod', 'location']);
    const op = String(body.op);
    if (!has(SQL_VALUE_FUNCTIONS, op)) {
      const shown = op.replace(/^SVFOP_/, '').toLowerCase();
      refuse('function_not_allowed', `"${shown}" is not allowed`);
    }
    const { name, n } = SQL_VALUE_FUNCTIONS[op] as { name: string; n: boolean };
    this.allowFunction(name, fn('stable', 0));
    this.functions.add(name);
    if (!n) return sql.raw(name);
    const precision = body.typmod ?? 0;
    if (
      typeof precision !== 'number' ||
      !Number.isInteger(precision) ||
      precision < 0 ||
      precision > 6
    ) {
      refuse('invalid_type_modifier', `${name} precision must be between 0 and 6`);
    }
    return sql`${sql.raw(name)}(${sql.lit(precision)})`;
  }

  private funcCall(body: Record<string, unknown>, depth: number): RawBuilder<unknown> {
    const parts = names(body.funcname, 'function');
    const written = parts.join('.');
    let name = written;
    if (
      parts.length === 2 &&
      parts[0] === 'pg_catalog' &&
      body.funcformat === 'COERCE_SQL_SYNTAX' &&
      SQL_SYNTAX_FUNCTIONS.has(parts[1] as string)
    ) {
      name = parts[1] as string;
    }
    const spec = FUNCTIONS.get(name);
    if (spec === undefined) {
      const shown =
        parts[0] === 'pg_catalog' && body.funcformat === 'COERCE_SQL_SYNTAX' ? parts[1] : written;
      return refuse('function_not_allowed', `function "${shown}" is not allowed`);
    }
    if (body.agg_star === true || body.agg_distinct === true || body.agg_order !== undefined) {
      refuse('node_not_allowed', `aggregate syntax is not allowed in a call to "${name}"`);
    }
    if (body.over !== undefined)
      refuse('node_not_allowed', 'window functions (OVER) are not allowed');
    if (body.agg_filter !== undefined) refuse('node_not_allowed', 'FILTER is not allowed');
    if (body.func_variadic === true) refuse('node_not_allowed', 'VARIADIC is not allowed');
    assertOnlyFields(`call to "${name}"`, body, ['funcname', 'args', 'funcformat', 'location']);
    const args = Array.isArray(body.args) ? body.args : [];
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const expected =
        spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
      refuse(
        'function_not_allowed',
        `function "${name}" takes ${expected} argument(s), got ${args.length}`,
      );
    }
    this.allowFunction(name, spec);
    this.functions.add(name);
    // The name comes from the FUNCTIONS allow-list (a fixed token), never from the input.
    const call = sql`${sql.raw(name)}(${this.list(args, depth)})`;
    // Request-context helpers are wrapped in a scalar subquery so PostgreSQL evaluates them once
    // per statement instead of once per row (Supabase's RLS performance guidance).
    return spec.policyOnly === true ? sql`(select ${call})` : call;
  }

  /** Only `(select <policy helper>())` is accepted: the form recommended for RLS performance. */
  private subLink(body: Record<string, unknown>, depth: number): RawBuilder<unknown> {
    if (this.inPolicy && body.subLinkType === 'EXPR_SUBLINK') {
      assertOnlyFields('subquery', body, ['subLinkType', 'subselect', 'location']);
      const select = nodeEntry(body.subselect);
      const target =
        select.tag === 'SelectStmt' ? singleSelectTarget(select.body as SelectStmt) : undefined;
      if (target !== undefined) {
        const call = nodeEntry(target);
        if (call.tag === 'FuncCall') {
          const spec = FUNCTIONS.get(names(call.body.funcname, 'function').join('.'));
          if (spec?.policyOnly === true) return this.funcCall(call.body, depth);
        }
      }
    }
    return refuse('node_not_allowed', REFUSED_NODES.SubLink as string);
  }
}

/**
 * Parses an expression with the PostgreSQL parser, checks every node against the allow-lists for
 * its context, and rebuilds it with Kysely's `sql` helpers. The result is fully parenthesised,
 * carries no bind parameters, and never contains the input text itself.
 *
 * Contexts: `default` may not reference columns; `check` and `index_where` may only call immutable
 * functions; `auth.*` and the `public.dramac_*` helpers are allowed only in policies (emitted as
 * `(select auth.uid())`, evaluated once per statement).
 *
 * @example
 * compileExpression("status in ('active','lead')", { context: 'check', columns: new Set(['status']) })
 *   .canonical // `("status" in ('active', 'lead'))`
 * @throws {SqlInputError} with a stable `code`: `syntax_error`, `not_single_expression`,
 *   `node_not_allowed`, `function_not_allowed`, `operator_not_allowed`, `column_not_allowed`,
 *   `unknown_column`, `type_not_allowed`, `invalid_type_modifier`, `empty`, `nul_byte`,
 *   `too_long`, `too_complex`.
 * @throws {TypeError} if `scope.context` is not an {@link ExpressionContext}.
 * @throws {Error} if the parser is not loaded (`await loadSqlParser()`).
 */
export function compileExpression(text: string, scope: ExpressionScope): CompiledExpression {
  if (!has(CONTEXT_LABELS, scope.context)) {
    throw new TypeError(`unknown expression context: ${String(scope.context)}`);
  }
  const parsed = parseSingleSelectTarget(text);
  const compiler = new ExpressionCompiler(scope, parsed);
  const expression = compiler.compile(parsed.expression, 1);
  const compiled = expression.compile(ddlCompiler);
  if (compiled.parameters.length > 0) {
    // Unreachable by construction (constants use sql.lit); DDL cannot take bind parameters.
    throw new Error('internal error: a compiled expression has bind parameters');
  }
  return Object.freeze({
    expression,
    canonical: compiled.sql,
    referencedColumns: Object.freeze([...compiler.columns]),
    functions: Object.freeze([...compiler.functions]),
  });
}
