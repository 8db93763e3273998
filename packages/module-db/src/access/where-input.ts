import { QueryLimitError, QueryValidationError } from '../errors';
import { type ColumnKind, checkColumnValue, checkScalar } from './column-kind';
import {
  type ColumnFilter,
  type Filter,
  type FilterOperator,
  isColumnFilter,
} from './data-transport';
import type { ColumnMetadata, TableMetadata } from './module-metadata';

/** A scalar a filter can compare with (`bigint` for exact `bigint`/`numeric` values). */
export type WhereScalar = string | number | bigint | boolean | Date;

/** Operators as the seed writes them: `{ lead_score: { gte: 50 } }`. */
export interface WhereOperators {
  readonly eq?: WhereScalar;
  readonly neq?: WhereScalar;
  readonly gt?: WhereScalar;
  readonly gte?: WhereScalar;
  readonly lt?: WhereScalar;
  readonly lte?: WhereScalar;
  /**
   * A SQL LIKE pattern on a text column: `%` matches any run of characters, `_` any one
   * character, `\` makes the next character literal. Every other character, `*` included, is
   * literal, on both transports.
   */
  readonly like?: string;
  /** {@link WhereOperators.like}, ignoring case. */
  readonly ilike?: string;
  /** Literal substring match on a text column: `%`, `_`, `\` and `*` are plain characters. */
  readonly contains?: string;
  /** {@link WhereOperators.contains}, ignoring case. */
  readonly icontains?: string;
  readonly in?: readonly WhereScalar[];
  readonly is?: null | boolean;
  /** Negates a condition: `{ status: { not: 'lead' } }`, `{ email: { not: null } }`. */
  readonly not?: WhereValue;
}

/**
 * One column's condition: a value (equality), `null` (IS NULL), an array (IN), or operators.
 */
export type WhereValue = WhereScalar | null | readonly WhereScalar[] | WhereOperators;

/**
 * Conditions ANDed together, keyed by column; `or` takes several such objects, any of which may
 * match.
 */
export type WhereInput = { readonly or?: readonly WhereInput[] } & Readonly<
  Record<string, WhereValue | readonly WhereInput[] | undefined>
>;

/**
 * The most a `where` may expand to, counted on the compiled filters (so an object reused in many
 * places counts every time it is used). Each limit is checked while the `where` is read, so an
 * oversized one fails after at most this much work, long before it could exhaust memory.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'QUERY_TOO_LARGE') console.log(e.limit, WHERE_LIMITS.conditions); }
 * @throws Never; this is a constant.
 */
export const WHERE_LIMITS = Object.freeze({
  /** `or` groups and `not` levels nested inside each other. */
  depth: 8,
  /** Column conditions after expansion (an `in` list is one condition). */
  conditions: 1_000,
  /** Values compared with, `in` list entries included. */
  values: 10_000,
  /** UTF-8 bytes of all the string values together. */
  bytes: 1_048_576,
  /** Alternatives in one `or`. */
  alternatives: 100,
});

/**
 * Which of {@link WHERE_LIMITS} a where exceeded (`QueryLimitError.limit`).
 *
 * @example
 * const limit: WhereLimit = 'conditions';
 * @throws Never; this is a type.
 */
export type WhereLimit = keyof typeof WHERE_LIMITS;

const OPERATORS: ReadonlySet<string> = new Set([
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'contains',
  'icontains',
  'in',
  'is',
]);

const TEXT_OPERATORS: ReadonlySet<string> = new Set(['like', 'ilike', 'contains', 'icontains']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Resolves a column name of a table or throws naming it. */
export function requireColumn(table: TableMetadata, column: unknown, path: string): ColumnMetadata {
  const meta = typeof column === 'string' ? table.columns.get(column) : undefined;
  if (!meta) {
    throw new QueryValidationError(
      `unknown column ${JSON.stringify(column)} in table "${table.target.name}"`,
      path,
    );
  }
  return meta;
}

/** Counts what a where expands to and throws a QueryLimitError the moment a limit is passed. */
class Budget {
  conditions = 0;
  values = 0;
  bytes = 0;

  condition(path: string, n = 1): void {
    this.conditions += n;
    if (this.conditions > WHERE_LIMITS.conditions) this.exceeded('conditions', path);
  }

  value(value: unknown, path: string): void {
    if (++this.values > WHERE_LIMITS.values) this.exceeded('values', path);
    if (typeof value === 'string') {
      this.bytes += value.length > WHERE_LIMITS.bytes ? value.length : utf8Length(value);
      if (this.bytes > WHERE_LIMITS.bytes) this.exceeded('bytes', path);
    }
  }

  exceeded(limit: WhereLimit, path: string): never {
    throw new QueryLimitError(limit, WHERE_LIMITS[limit], path);
  }
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Escapes `\`, `%` and `_` so a LIKE pattern matches the text literally. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function checkLikePattern(pattern: string): string | undefined {
  // PostgreSQL refuses a pattern that ends in a lone escape character (22025).
  let escapes = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === '\\'; i--) escapes++;
  return escapes % 2 === 1
    ? 'a LIKE pattern cannot end with a lone \\ (escape character)'
    : undefined;
}

function operatorFits(column: ColumnMetadata, op: string): string | undefined {
  const kind = column.kind;
  if (TEXT_OPERATORS.has(op) && (!kind.text || kind.array)) {
    return `${op} applies to text columns only; ${column.name} is ${kind.type}`;
  }
  if (kind.kind === 'json' && op !== 'is') {
    return `JSON columns can only be filtered with is (null); ${column.name} is ${kind.type}`;
  }
  return undefined;
}

function checkComparable(
  column: ColumnMetadata,
  op: string,
  value: unknown,
  path: string,
  budget: Budget,
): void {
  const kind: ColumnKind = column.kind;
  const fit = operatorFits(column, op);
  if (fit) throw new QueryValidationError(fit, path);
  let reason: string | undefined;
  if (op === 'is') {
    if (value === null) {
      reason = undefined;
    } else if (value === true || value === false) {
      reason =
        kind.kind === 'boolean' && !kind.array
          ? undefined
          : `is true/false applies to boolean columns only; ${column.name} is ${kind.type}`;
    } else {
      reason = 'expected null, true or false';
    }
  } else if (TEXT_OPERATORS.has(op)) {
    reason = checkScalar('string', value);
    if (!reason && (op === 'like' || op === 'ilike')) reason = checkLikePattern(value as string);
    if (!reason) budget.value(value, path);
  } else if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) reason = 'expected a non-empty array';
    else {
      for (const item of value) {
        budget.value(item, path);
        reason = kind.array ? checkColumnValue(kind, item) : checkScalar(kind, item);
        if (reason) break;
      }
    }
  } else {
    reason = kind.array ? checkColumnValue(kind, value) : checkScalar(kind, value);
    if (!reason) {
      if (Array.isArray(value)) for (const item of value) budget.value(item, path);
      else budget.value(value, path);
    }
  }
  if (reason) {
    throw new QueryValidationError(`invalid value for ${column.name} (${op}): ${reason}`, path);
  }
}

/** One validated filter for a (possibly sugared) operator. */
function leaf(column: string, op: string, value: unknown): ColumnFilter {
  switch (op) {
    case 'contains':
      return { column, op: 'like', value: `%${escapeLikePattern(value as string)}%` };
    case 'icontains':
      return { column, op: 'ilike', value: `%${escapeLikePattern(value as string)}%` };
    default:
      return {
        column,
        op: op as FilterOperator,
        value: Array.isArray(value) ? [...value] : value,
      };
  }
}

function columnConditions(
  table: TableMetadata,
  column: ColumnMetadata,
  condition: unknown,
  at: string,
  depth: number,
  budget: Budget,
): Filter[] {
  if (condition === null) {
    budget.condition(at);
    return [{ column: column.name, op: 'is', value: null }];
  }
  if (Array.isArray(condition)) {
    budget.condition(at);
    checkComparable(column, 'in', condition, at, budget);
    return [leaf(column.name, 'in', condition)];
  }
  if (!isPlainObject(condition)) {
    budget.condition(at);
    checkComparable(column, 'eq', condition, at, budget);
    return [leaf(column.name, 'eq', condition)];
  }
  const entries = Object.entries(condition).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    throw new QueryValidationError('an operator object needs at least one operator', at);
  }
  const out: Filter[] = [];
  for (const [op, value] of entries) {
    if (op === 'not') {
      if (depth >= WHERE_LIMITS.depth) budget.exceeded('depth', `${at}.not`);
      const inner = columnConditions(table, column, value, `${at}.not`, depth + 1, budget);
      // NOT (a AND b) = (NOT a) OR (NOT b): one negated leaf, or an or-group of them.
      const negated = inner.map((f) => negate(f, budget, `${at}.not`));
      out.push(negated.length === 1 ? (negated[0] as Filter) : { or: negated.map((f) => [f]) });
      continue;
    }
    if (!OPERATORS.has(op)) {
      throw new QueryValidationError(`unknown operator ${JSON.stringify(op)}`, `${at}.${op}`);
    }
    budget.condition(`${at}.${op}`);
    checkComparable(column, op, value, `${at}.${op}`, budget);
    out.push(leaf(column.name, op, value));
  }
  return out;
}

/** Negates a filter; every condition it copies is counted again. Depth is bounded by `not`s. */
function negate(filter: Filter, budget: Budget, path: string): Filter {
  if (isColumnFilter(filter)) {
    budget.condition(path);
    return { ...filter, negate: !filter.negate };
  }
  // NOT (g1 OR g2) = (NOT g1) AND (NOT g2); NOT g = OR of its negated members.
  return {
    or: [
      filter.or.map((group) =>
        group.length === 1
          ? negate(group[0] as Filter, budget, path)
          : { or: group.map((f) => [negate(f, budget, path)]) },
      ),
    ],
  };
}

function parseGroup(
  table: TableMetadata,
  where: unknown,
  path: string,
  depth: number,
  budget: Budget,
): Filter[] {
  if (where === undefined) return [];
  if (!isPlainObject(where)) throw new QueryValidationError('where must be a plain object', path);
  const filters: Filter[] = [];
  for (const key of Object.keys(where)) {
    const condition = where[key];
    const at = `${path}.${key}`;
    if (condition === undefined) continue;
    if (key === 'or') {
      // `or` is a reserved word, so it can never be a column name.
      if (depth >= WHERE_LIMITS.depth) budget.exceeded('depth', at);
      if (!Array.isArray(condition) || condition.length === 0) {
        throw new QueryValidationError('or takes a non-empty array of where objects', at);
      }
      if (condition.length > WHERE_LIMITS.alternatives) budget.exceeded('alternatives', at);
      const groups: Filter[][] = [];
      for (let i = 0; i < condition.length; i++) {
        const parsed = parseGroup(table, condition[i], `${at}[${i}]`, depth + 1, budget);
        if (parsed.length === 0)
          throw new QueryValidationError('an or group needs a condition', `${at}[${i}]`);
        groups.push(parsed);
      }
      filters.push({ or: groups });
      continue;
    }
    const column = requireColumn(table, key, at);
    filters.push(...columnConditions(table, column, condition, at, depth, budget));
  }
  return filters;
}

/**
 * Turns a seed-style `where` object into validated filters. Unknown columns, unknown operators,
 * operators that do not fit the column (`like` on an integer) and values of the wrong kind are
 * refused with a QueryValidationError naming the path. Besides the seed's forms:
 * `{ column: { not: <condition> } }` negates, `{ or: [where, where, ...] }` matches any of several
 * groups (each group ANDs its conditions), and `contains`/`icontains` match literal text.
 *
 * A where that expands beyond {@link WHERE_LIMITS} (an object reused in many places counts every
 * time) is refused with a QueryLimitError naming the limit and the path where it was reached; the
 * work done before that is bounded by the limits, not by the expansion.
 */
export function parseWhere(table: TableMetadata, where: unknown, path = 'where'): Filter[] {
  return parseGroup(table, where, path, 0, new Budget());
}
