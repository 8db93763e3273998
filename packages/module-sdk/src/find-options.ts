import type { AnyModuleDefinition, Row, TableNames } from '@dramac/module-db/client';
import type { ColumnName, Where } from './where';

/**
 * One sort key: a column of the table, ascending unless `ascending: false`.
 *
 * @example
 * ```ts
 * const order: OrderByInput<typeof crm, 'contacts'> = { column: 'created_at', ascending: false };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface OrderByInput<M extends AnyModuleDefinition, N extends TableNames<M>> {
  readonly column: ColumnName<M, N>;
  readonly ascending?: boolean;
}

/**
 * Options of `find`, as the seed's: `where`, `select`, `orderBy` (one key or several), `limit`,
 * `offset`.
 *
 * @example
 * ```ts
 * const options: FindOptions<typeof crm, 'contacts'> = {
 *   where: { status: 'lead' }, orderBy: { column: 'created_at', ascending: false }, limit: 10,
 * };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface FindOptions<
  M extends AnyModuleDefinition,
  N extends TableNames<M>,
  S extends readonly ColumnName<M, N>[] = readonly ColumnName<M, N>[],
> {
  readonly where?: Where<M, N>;
  /** The columns to return; the result type narrows to them. All columns when absent. */
  readonly select?: S;
  readonly orderBy?: OrderByInput<M, N> | readonly OrderByInput<M, N>[];
  /** At most this many rows (0 to 10,000). */
  readonly limit?: number;
  /** Skip this many rows first. */
  readonly offset?: number;
}

/**
 * What `find` returns for a `select` list: the whole row when no list was given, else only the
 * listed columns.
 *
 * @example
 * ```ts
 * type R = Selected<typeof crm, 'contacts', readonly ['id', 'email']>; // { id: string; email: string | null }
 * ```
 *
 * @throws Never; this is a type.
 */
export type Selected<
  M extends AnyModuleDefinition,
  N extends TableNames<M>,
  S extends readonly ColumnName<M, N>[],
> = readonly ColumnName<M, N>[] extends S ? Row<M, N> : Pick<Row<M, N>, S[number]>;

/**
 * Options of {@link ModuleDatabaseSDK.findPage}: keyset pagination. Sort columns must be NOT NULL;
 * the primary key is appended so the order is total.
 *
 * @example
 * const first = await db.findPage('contacts', { orderBy: { column: 'created_at' }, limit: 50 });
 * const second = await db.findPage('contacts', { orderBy: { column: 'created_at' }, limit: 50, cursor: first.nextCursor });
 */
export interface FindPageOptions<M extends AnyModuleDefinition, N extends TableNames<M>> {
  readonly where?: Where<M, N>;
  readonly orderBy?: OrderByInput<M, N> | readonly OrderByInput<M, N>[];
  /** Rows per page (1 to 10,000). */
  readonly limit: number;
  /** The previous page's `nextCursor`; absent or null for the first page. */
  readonly cursor?: string | null;
}

/** One page and the cursor of the next one (null on the last page). */
export interface FoundPage<M extends AnyModuleDefinition, N extends TableNames<M>> {
  readonly rows: Row<M, N>[];
  readonly nextCursor: string | null;
}
