/**
 * The data client's checks of a site visitor's calls, made before any SQL is sent. They mirror
 * what PostgreSQL enforces for the visitor role (column grants, the visitor policies): a
 * refusal here names the table, column and operation, where PostgreSQL would only answer 42501.
 */
import { VisitorNotAllowedError, type VisitorOperation } from '../errors';
import { type DataRow, type Filter, isColumnFilter, type OrderBy } from './data-transport';
import type { TableMetadata } from './module-metadata';

/** Refuses `operation` on `table` (or one of its columns). */
export function visitorRefusal(
  operation: VisitorOperation,
  table: string,
  detail: { column?: string; path?: string; kind?: 'table' | 'collection'; why?: string } = {},
): VisitorNotAllowedError {
  const kind = detail.kind ?? 'table';
  const what = detail.column
    ? `${kind === 'table' ? 'column' : 'field'} ${table}.${detail.column}`
    : `${kind} ${table}`;
  const why =
    detail.why ??
    (operation === 'read' || operation === 'insert'
      ? `the module does not declare it in visitors.${operation}`
      : 'visitors never update, delete or run transactions');
  return new VisitorNotAllowedError(`a site visitor may not ${operation} ${what}: ${why}`, {
    operation,
    table,
    kind,
    column: detail.column,
    path: detail.path ?? (detail.column ? `${table}.${detail.column}` : table),
  });
}

/** The columns a visitor reads from `meta` (declared read columns and `site_id`), in table order. */
export function visitorReadColumns(meta: TableMetadata): string[] {
  const read = meta.visitors?.read;
  return [...meta.columns.keys()].filter((c) => c === 'site_id' || read?.has(c) === true);
}

/**
 * Checks a visitor's read of `meta`: the table declares `visitors.read`, and every selected,
 * filtered and sorted column is a declared read column (or `site_id`).
 */
export function checkVisitorRead(
  meta: TableMetadata,
  parts: {
    readonly columns?: readonly string[] | undefined;
    readonly filters?: readonly Filter[];
    readonly orderBy?: readonly OrderBy[];
  },
): void {
  const name = meta.target.name;
  const read = meta.visitors?.read;
  if (!read || read.size === 0) throw visitorRefusal('read', name);
  const allowed = (column: string) => column === 'site_id' || read.has(column);
  parts.columns?.forEach((column, i) => {
    if (!allowed(column)) throw visitorRefusal('read', name, { column, path: `select[${i}]` });
  });
  const walk = (filters: readonly Filter[]): void => {
    for (const f of filters) {
      if (!isColumnFilter(f)) {
        for (const group of f.or) walk(group);
      } else if (!allowed(f.column)) {
        throw visitorRefusal('read', name, {
          column: f.column,
          path: `where.${f.column}`,
          why: 'a filter on it would tell its values; the module does not declare it in visitors.read',
        });
      }
    }
  };
  walk(parts.filters ?? []);
  parts.orderBy?.forEach((o, i) => {
    if (!allowed(o.column)) {
      throw visitorRefusal('read', name, {
        column: o.column,
        path: `orderBy[${i}].column`,
        why: 'sorting on it would tell its order; the module does not declare it in visitors.read',
      });
    }
  });
}

/**
 * Checks a visitor's insert into `meta`: the table declares `visitors.insert`, and every record
 * sets only declared insert columns (`site_id` is checked against the request by the client).
 */
export function checkVisitorInsert(
  meta: TableMetadata,
  records: readonly unknown[],
  pathOf: (i: number) => string,
): void {
  const name = meta.target.name;
  const insert = meta.visitors?.insert;
  if (!insert || insert.size === 0) throw visitorRefusal('insert', name);
  records.forEach((record, i) => {
    if (typeof record !== 'object' || record === null) return;
    for (const [column, value] of Object.entries(record as DataRow)) {
      if (value === undefined || column === 'site_id' || insert.has(column)) continue;
      throw visitorRefusal('insert', name, { column, path: `${pathOf(i)}.${column}` });
    }
  });
}
