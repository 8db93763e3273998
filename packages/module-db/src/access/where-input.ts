import { QueryValidationError } from '../errors';
import { checkColumnValue, checkScalar } from './column-kind';
import {
  type ColumnFilter,
  type Filter,
  type FilterOperator,
  isColumnFilter,
} from './data-transport';
import type { TableMetadata } from './module-metadata';

/** A scalar a filter can compare with. */
export type WhereScalar = string | number | boolean | Date;

/** Operators as the seed writes them: `{ lead_score: { gte: 50 } }`. */
export interface WhereOperators {
  readonly eq?: WhereScalar;
  readonly neq?: WhereScalar;
  readonly gt?: WhereScalar;
  readonly gte?: WhereScalar;
  readonly lt?: WhereScalar;
  readonly lte?: WhereScalar;
  readonly like?: string;
  readonly ilike?: string;
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

const OPERATORS: ReadonlySet<string> = new Set<FilterOperator>([
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'in',
  'is',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Resolves a column name of a table or throws naming it. */
export function requireColumn(table: TableMetadata, column: unknown, path: string) {
  const meta = typeof column === 'string' ? table.columns.get(column) : undefined;
  if (!meta) {
    throw new QueryValidationError(
      `unknown column ${JSON.stringify(column)} in table "${table.target.name}"`,
      path,
    );
  }
  return meta;
}

function checkComparable(
  table: TableMetadata,
  column: string,
  op: FilterOperator,
  value: unknown,
  path: string,
) {
  const meta = requireColumn(table, column, path);
  const scalarKind = meta.kind.kind === 'json' ? 'string' : meta.kind.kind;
  let reason: string | undefined;
  if (op === 'is') {
    reason =
      value === null || value === true || value === false
        ? undefined
        : 'expected null, true or false';
  } else if (op === 'like' || op === 'ilike') {
    reason = checkScalar('string', value);
  } else if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) reason = 'expected a non-empty array';
    else if (value.length > 10_000) reason = 'at most 10000 values';
    else {
      for (const item of value) {
        reason = meta.kind.array
          ? checkColumnValue(meta.kind, item)
          : checkScalar(scalarKind, item);
        if (reason) break;
      }
    }
  } else if (meta.kind.kind === 'json') {
    reason = 'JSON columns can only be filtered with is (null)';
  } else {
    reason = meta.kind.array ? checkColumnValue(meta.kind, value) : checkScalar(scalarKind, value);
  }
  if (reason) {
    throw new QueryValidationError(`invalid value for ${column} (${op}): ${reason}`, path);
  }
}

/** The most `or` groups and `not` levels one where may nest. */
const MAX_DEPTH = 8;

function columnConditions(
  table: TableMetadata,
  column: string,
  condition: unknown,
  at: string,
  depth: number,
): ColumnFilter[] | Filter[] {
  if (condition === null) return [{ column, op: 'is', value: null }];
  if (Array.isArray(condition)) {
    checkComparable(table, column, 'in', condition, at);
    return [{ column, op: 'in', value: [...condition] }];
  }
  if (!isPlainObject(condition)) {
    checkComparable(table, column, 'eq', condition, at);
    return [{ column, op: 'eq', value: condition }];
  }
  const entries = Object.entries(condition).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    throw new QueryValidationError('an operator object needs at least one operator', at);
  }
  const out: Filter[] = [];
  for (const [op, value] of entries) {
    if (op === 'not') {
      if (depth >= MAX_DEPTH) throw new QueryValidationError('not/or nest too deeply', `${at}.not`);
      const inner = columnConditions(table, column, value, `${at}.not`, depth + 1);
      // NOT (a AND b) = (NOT a) OR (NOT b): one negated leaf, or an or-group of them.
      const negated = inner.map((f) => negate(f));
      out.push(negated.length === 1 ? (negated[0] as Filter) : { or: negated.map((f) => [f]) });
      continue;
    }
    if (!OPERATORS.has(op)) {
      throw new QueryValidationError(`unknown operator ${JSON.stringify(op)}`, `${at}.${op}`);
    }
    checkComparable(table, column, op as FilterOperator, value, `${at}.${op}`);
    out.push({
      column,
      op: op as FilterOperator,
      value: Array.isArray(value) ? [...value] : value,
    });
  }
  return out;
}

function negate(filter: Filter): Filter {
  if (isColumnFilter(filter)) return { ...filter, negate: !filter.negate };
  // NOT (g1 OR g2) = (NOT g1) AND (NOT g2); NOT g = OR of its negated members.
  return {
    or: [
      filter.or.map((group) =>
        group.length === 1 ? negate(group[0] as Filter) : { or: group.map((f) => [negate(f)]) },
      ),
    ],
  };
}

/**
 * Turns a seed-style `where` object into validated filters. Unknown columns, unknown operators and
 * values of the wrong kind are refused with a QueryValidationError naming the path. Besides the
 * seed's forms: `{ column: { not: <condition> } }` negates, and `{ or: [where, where, ...] }`
 * matches any of several groups (each group ANDs its conditions).
 */
export function parseWhere(
  table: TableMetadata,
  where: unknown,
  path = 'where',
  depth = 0,
): Filter[] {
  if (where === undefined) return [];
  if (!isPlainObject(where)) throw new QueryValidationError('where must be a plain object', path);
  const filters: Filter[] = [];
  for (const [key, condition] of Object.entries(where)) {
    const at = `${path}.${key}`;
    if (condition === undefined) continue;
    if (key === 'or') {
      // `or` is a reserved word, so it can never be a column name.
      if (depth >= MAX_DEPTH) throw new QueryValidationError('not/or nest too deeply', at);
      if (!Array.isArray(condition) || condition.length === 0 || condition.length > 100) {
        throw new QueryValidationError(
          'or takes a non-empty array of at most 100 where objects',
          at,
        );
      }
      const groups = condition.map((group, i) => {
        const parsed = parseWhere(table, group, `${at}[${i}]`, depth + 1);
        if (parsed.length === 0)
          throw new QueryValidationError('an or group needs a condition', `${at}[${i}]`);
        return parsed;
      });
      filters.push({ or: groups });
      continue;
    }
    requireColumn(table, key, at);
    filters.push(...columnConditions(table, key, condition, at, depth));
  }
  return filters;
}
