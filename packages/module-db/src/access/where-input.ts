import { QueryValidationError } from '../errors';
import { checkColumnValue, checkScalar } from './column-kind';
import type { Filter, FilterOperator } from './data-transport';
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
}

/**
 * One column's condition: a value (equality), `null` (IS NULL), an array (IN), or operators.
 */
export type WhereValue = WhereScalar | null | readonly WhereScalar[] | WhereOperators;

/** Conditions ANDed together, keyed by column. */
export type WhereInput = Readonly<Record<string, WhereValue>>;

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

/**
 * Turns a seed-style `where` object into validated filters. Unknown columns, unknown operators and
 * values of the wrong kind are refused with a QueryValidationError naming the path.
 */
export function parseWhere(table: TableMetadata, where: unknown, path = 'where'): Filter[] {
  if (where === undefined) return [];
  if (!isPlainObject(where)) throw new QueryValidationError('where must be a plain object', path);
  const filters: Filter[] = [];
  for (const [column, condition] of Object.entries(where)) {
    const at = `${path}.${column}`;
    requireColumn(table, column, at);
    if (condition === undefined) continue;
    if (condition === null) {
      filters.push({ column, op: 'is', value: null });
    } else if (Array.isArray(condition)) {
      checkComparable(table, column, 'in', condition, at);
      filters.push({ column, op: 'in', value: [...condition] });
    } else if (isPlainObject(condition)) {
      const entries = Object.entries(condition).filter(([, v]) => v !== undefined);
      if (entries.length === 0)
        throw new QueryValidationError('an operator object needs at least one operator', at);
      for (const [op, value] of entries) {
        if (!OPERATORS.has(op)) {
          throw new QueryValidationError(`unknown operator ${JSON.stringify(op)}`, `${at}.${op}`);
        }
        checkComparable(table, column, op as FilterOperator, value, `${at}.${op}`);
        filters.push({
          column,
          op: op as FilterOperator,
          value: Array.isArray(value) ? [...value] : value,
        });
      }
    } else {
      checkComparable(table, column, 'eq', condition, at);
      filters.push({ column, op: 'eq', value: condition });
    }
  }
  return filters;
}
