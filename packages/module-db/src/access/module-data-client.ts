import { getModuleVisitorRoleName, isModuleId } from '@dramac/module-naming';
import {
  AccessDeniedError,
  isModuleDbError,
  type ModuleDbError,
  ModuleVersionMismatchError,
  NotFoundError,
  QueryValidationError,
} from '../errors';
import { type CollectionDataClient, makeCollectionClient } from './collection-data-client';
import { checkColumnValue } from './column-kind';
import {
  type CountOptions,
  type CountResult,
  DEFAULT_COUNT_CAP,
  MAX_COUNT_CAP,
} from './count-options';
import {
  type DataRow,
  type DataTransport,
  type Filter,
  isColumnFilter,
  type OrderBy,
  type RequestContext,
} from './data-transport';
import { decodeCursor, encodeCursor } from './keyset-cursor';
import { type ErrorScope, mapDatabaseError } from './map-database-error';
import { MODULE_DATA_TABLE } from './module-data-table';
import {
  buildModuleMetadata,
  type ModuleDefinitionLike,
  type ModuleMetadata,
  type TableMetadata,
} from './module-metadata';
import {
  checkVisitorInsert,
  checkVisitorRead,
  visitorReadColumns,
  visitorRefusal,
} from './visitor-guard';
import { parseWhere, requireColumn, type WhereInput } from './where-input';

/** Reading options, as the seed's `find`. */
export interface FindOptions {
  readonly where?: WhereInput;
  readonly select?: readonly string[];
  readonly orderBy?:
    | { readonly column: string; readonly ascending?: boolean }
    | readonly { readonly column: string; readonly ascending?: boolean }[];
  readonly limit?: number;
  readonly offset?: number;
}

/** Options of a keyset page. */
export interface PageOptions {
  readonly where?: WhereInput;
  readonly select?: readonly string[];
  readonly orderBy?:
    | { readonly column: string; readonly ascending?: boolean }
    | readonly { readonly column: string; readonly ascending?: boolean }[];
  /** Rows per page, 1 to MAX_LIMIT. */
  readonly limit: number;
  /** The `nextCursor` of the previous page; absent or null for the first page. */
  readonly cursor?: string | null;
}

/** One page of rows and where the next one starts. */
export interface Page {
  readonly rows: DataRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** The largest page one call may ask for. */
export const MAX_LIMIT = 10_000;

/**
 * The most sort keys one call may give (a keyset page's filter grows with their square); a
 * column may not be given twice.
 *
 * @example
 * if (orderBy.length > MAX_SORT_KEYS) throw new Error('too many sort keys');
 * @throws Never; this is a constant.
 */
export const MAX_SORT_KEYS = 16;

/**
 * Data access for one module on one site. Every call is validated against the module's definition
 * before anything is sent, runs as the module's role with the request's claims, and is filtered
 * to the context's site (by PostgreSQL's row-level security, and explicitly).
 *
 * A **visitor** client (`visitor: true`: a site and no user) runs as the module's visitor role
 * and may only do what the definition declares for visitors: `select`, `count` and `page` on
 * tables with `visitors.read` (the declared columns, which are also the only ones it may filter
 * and sort on; `site_id` besides), `insert` into tables with `visitors.insert` (the declared
 * columns; it reads nothing back and resolves `[]`), and the same for widget collections.
 * Everything else is refused with `VisitorNotAllowedError` (`VISITOR_NOT_ALLOWED`) before any SQL.
 */
export interface ModuleDataClient {
  readonly context: RequestContext;
  /** Rows of `table` matching `options.where`. */
  select(table: string, options?: FindOptions): Promise<DataRow[]>;
  /** `count(*)` of matching rows; never fetches them. */
  count(table: string, where?: WhereInput): Promise<number>;
  /**
   * With `{ mode: 'capped', cap }`: counts up to `cap` rows and says whether there were more
   * (`{ count, capped }`); `{ mode: 'exact' }` is the plain count.
   */
  count<O extends CountOptions>(
    table: string,
    where: WhereInput | undefined,
    options: O,
  ): Promise<CountResult<O>>;
  /** Inserts rows; `site_id` is stamped from the context, never taken from the record. */
  insert(table: string, data: DataRow | readonly DataRow[]): Promise<DataRow[]>;
  /** Updates matching rows and returns them; an empty `where` is refused. */
  update(table: string, data: DataRow, where: WhereInput): Promise<DataRow[]>;
  /** Deletes matching rows and returns how many; an empty `where` is refused. */
  delete(table: string, where: WhereInput): Promise<number>;
  /** Runs `fn` in one database transaction (transports that have them). */
  transaction<T>(fn: (client: ModuleDataClient) => Promise<T>): Promise<T>;
  /**
   * The items of one of a widget's collections (strategy `shared`; rows of `module_data`).
   *
   * @throws QueryValidationError for a collection the definition does not declare.
   */
  collection(name: string): CollectionDataClient;
  /**
   * One page of `table` by keyset: rows after `cursor` in the sort order (NOT NULL columns; the
   * primary key is appended so the order is total), and the cursor of the next page, or null.
   * Unlike `offset`, each page costs the same however deep it is.
   */
  page(table: string, options: PageOptions): Promise<Page>;
  /** The module's schema (`mod_<id>`), or `public` for prefixed tables. */
  getSchemaName(): string;
  /** The physical, schema-qualified name of a declared table. */
  getTableName(table: string): string;
  /** The primary-key column of a declared table. */
  getPrimaryKey(table: string): string;
}

/** Options of {@link createModuleDataClient}. */
export interface ModuleDataClientOptions {
  /** The module's definition (a `defineModule(...)` result). */
  readonly definition: ModuleDefinitionLike;
  readonly siteId: string;
  /** The signed-in member; leave it out for a visitor. */
  readonly userId?: string;
  /**
   * `true`: a visitor of the site (no signed-in user): the requests run as the module's visitor
   * role `modvisitor_<id>` with claims `{ role, site_id }` and reach only what the definition
   * declares for visitors, on a site the platform marks public where the module is installed.
   */
  readonly visitor?: boolean;
  readonly transport: DataTransport;
}

/** The cap of a capped count, undefined for an exact one; refuses anything else. */
function countCap(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (!isPlainObject(options)) {
    throw new QueryValidationError('count options must be a plain object', 'options');
  }
  const { mode, cap } = options;
  if (mode === undefined || mode === 'exact') {
    if (cap !== undefined) {
      throw new QueryValidationError("cap applies to mode 'capped' only", 'options.cap');
    }
    return undefined;
  }
  if (mode !== 'capped') {
    throw new QueryValidationError(
      `count mode must be 'exact' or 'capped', not ${JSON.stringify(mode)} (there is no planner estimate: under row-level security it is not the number of rows the caller may see)`,
      'options.mode',
    );
  }
  if (cap === undefined) return DEFAULT_COUNT_CAP;
  if (typeof cap !== 'number' || !Number.isSafeInteger(cap) || cap < 1 || cap > MAX_COUNT_CAP) {
    throw new QueryValidationError(
      `cap must be an integer from 1 to ${MAX_COUNT_CAP}`,
      'options.cap',
    );
  }
  return cap;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Creates the data client for one module and one site (the seed's `createModuleDataClient`, with
 * the connection passed in as a transport instead of a global).
 *
 * @example
 * const client = createModuleDataClient({ definition: crm, siteId, userId, transport: createPostgresTransport(db) });
 * await client.insert('contacts', { first_name: 'Ada', last_name: 'Lovelace' });
 *
 * // A visitor of a public site: the declared columns only, no user.
 * const visitor = createModuleDataClient({ definition: shop, siteId, visitor: true, transport });
 * await visitor.select('products'); // [{ id, name, price, site_id }]
 * @throws QueryValidationError (`INVALID_QUERY`) for a bad site or user id (or both a user and
 * `visitor: true`), or, from its methods, for unknown tables, columns, operators and wrong
 * values, before any SQL is sent; VisitorNotAllowedError (`VISITOR_NOT_ALLOWED`) for a visitor
 * call the definition does not declare, before any SQL; AccessDeniedError when a record or filter
 * names another site or PostgreSQL answers 42501; ConflictError (23505),
 * ConstraintViolationError (23503, 23514, 23502), DatabaseError.
 */
export function createModuleDataClient(options: ModuleDataClientOptions): ModuleDataClient {
  const metadata = buildModuleMetadata(options.definition);
  if (!isModuleId(options.siteId))
    throw new QueryValidationError('siteId must be a UUID', 'siteId');
  if (options.userId !== undefined && !isModuleId(options.userId)) {
    throw new QueryValidationError('userId must be a UUID', 'userId');
  }
  if (options.visitor !== undefined && typeof options.visitor !== 'boolean') {
    throw new QueryValidationError('visitor must be true or false', 'visitor');
  }
  const visitor = options.visitor === true;
  if (visitor && options.userId !== undefined) {
    throw new QueryValidationError(
      'a visitor has no user: leave userId out, or leave visitor out for a member',
      'userId',
    );
  }
  const siteId = options.siteId.toLowerCase();
  const userId = options.userId?.toLowerCase();
  // The visitor role is named from the module id as provisioning names it.
  const role = visitor ? getModuleVisitorRoleName(metadata.shortId) : metadata.role;
  const context: RequestContext = Object.freeze({
    moduleId: metadata.moduleId,
    shortId: metadata.shortId,
    siteId,
    userId,
    role,
    claims: Object.freeze({
      role,
      site_id: siteId,
      ...(userId ? { sub: userId } : {}),
    }),
    ...(visitor ? { visitor: true } : {}),
  });
  return makeClient(metadata, context, options.transport, true);
}

/**
 * Builds a client over a context. `siteScoped`: every filter gets the context's site and every
 * insert is stamped with it (the data client). Without it (the admin client over all sites),
 * filters are as given and inserts must name their site.
 */
export function makeClient(
  metadata: ModuleMetadata,
  context: RequestContext,
  transport: DataTransport,
  siteScoped: boolean,
): ModuleDataClient {
  // A visitor's calls are checked against what the definition declares for visitors.
  const visitor = context.visitor === true;
  const table = (name: unknown): TableMetadata => {
    const found = typeof name === 'string' ? metadata.tables.get(name) : undefined;
    if (!found) {
      throw new QueryValidationError(
        `unknown table ${JSON.stringify(name)} in module ${metadata.moduleId}`,
        'table',
      );
    }
    return found;
  };

  // The site filter comes from the context; a filter that names another site is an error,
  // wherever it stands (inside `or` and `not` too).
  const checkSites = (filters: readonly Filter[], path: string): void => {
    for (const f of filters) {
      if (!isColumnFilter(f)) {
        for (const group of f.or) checkSites(group, path);
        continue;
      }
      if (f.column !== 'site_id') continue;
      const same =
        !f.negate &&
        ((f.op === 'eq' && String(f.value).toLowerCase() === context.siteId) ||
          (f.op === 'in' &&
            Array.isArray(f.value) &&
            f.value.every((v) => String(v).toLowerCase() === context.siteId)));
      if (!same) {
        throw new AccessDeniedError(`${path}.site_id names another site than the request's`);
      }
    }
  };
  const scoped = (meta: TableMetadata, where: unknown, path: string): Filter[] => {
    const filters = parseWhere(meta, where, path);
    if (!siteScoped) return filters;
    checkSites(filters, path);
    return [
      ...filters.filter((f) => !isColumnFilter(f) || f.column !== 'site_id'),
      { column: 'site_id', op: 'eq', value: context.siteId },
    ];
  };

  const requireWhere = (where: unknown, path: string) => {
    if (!isPlainObject(where) || Object.values(where).every((v) => v === undefined)) {
      throw new QueryValidationError(
        `${path} needs at least one condition (refusing to touch every row)`,
        path,
      );
    }
  };

  const record = (
    meta: TableMetadata,
    data: unknown,
    path: string,
    forInsert: boolean,
  ): DataRow => {
    if (!isPlainObject(data)) throw new QueryValidationError('expected a plain object', path);
    const out: DataRow = {};
    for (const [column, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const col = requireColumn(meta, column, `${path}.${column}`);
      if (column === 'site_id' && siteScoped) {
        if (typeof value !== 'string' || value.toLowerCase() !== context.siteId) {
          throw new AccessDeniedError(
            `${path}.site_id names another site than the request's; nothing was written`,
          );
        }
        continue;
      }
      if (value === null) {
        if (!col.nullable)
          throw new QueryValidationError(`${column} cannot be null`, `${path}.${column}`);
        out[column] = null;
        continue;
      }
      const reason = checkColumnValue(col.kind, value);
      if (reason)
        throw new QueryValidationError(
          `invalid value for ${column}: ${reason}`,
          `${path}.${column}`,
        );
      out[column] = value;
    }
    if (forInsert) {
      for (const col of meta.columns.values()) {
        if (
          (col.name === 'site_id' && siteScoped) ||
          col.nullable ||
          col.hasDefault ||
          col.name in out
        ) {
          continue;
        }
        if (col.name === meta.primaryKey && col.kind.kind === 'uuid' && col.hasDefault) continue;
        throw new QueryValidationError(`${col.name} is required`, `${path}.${col.name}`);
      }
      if (siteScoped) out.site_id = context.siteId;
    } else if (Object.keys(out).length === 0) {
      throw new QueryValidationError('nothing to update', path);
    }
    return out;
  };

  const run = async <T>(
    operation: string,
    fn: () => Promise<T>,
    scope: Omit<ErrorScope, 'metadata'> = {},
  ): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw await explain(mapDatabaseError(error, operation, { metadata, ...scope }));
    }
  };

  // A column or table the definition names is missing: ask the database (only now, never on a
  // call that worked) which version is installed, and say so. Inside a transaction the
  // transport has no moduleStatus; the outer transaction() explains after the rollback.
  const explain = async (error: ModuleDbError): Promise<ModuleDbError> => {
    const sqlstate = (error as { sqlstate?: unknown }).sqlstate;
    if (error.code !== 'DATABASE_ERROR' || (sqlstate !== '42703' && sqlstate !== '42P01')) {
      return error;
    }
    if (!transport.moduleStatus) return error;
    const status = await transport.moduleStatus(context).catch(() => undefined);
    if (!status) return error;
    if (!status.installed) {
      return new NotFoundError(
        `module ${metadata.moduleId} is not provisioned in this database: provision it first`,
        { moduleId: metadata.moduleId, cause: error },
      );
    }
    if (status.version && metadata.version && status.version !== metadata.version) {
      return new ModuleVersionMismatchError(
        metadata.moduleId,
        status.version,
        metadata.version,
        sqlstate,
        { cause: error },
      );
    }
    return error;
  };

  const orderKeys = (meta: TableMetadata, given: unknown, keyset: boolean): OrderBy[] => {
    const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
    if (list.length > MAX_SORT_KEYS) {
      throw new QueryValidationError(`at most ${MAX_SORT_KEYS} sort keys`, 'orderBy');
    }
    const seen = new Set<string>();
    return list.map((o: unknown, i) => {
      if (!isPlainObject(o))
        throw new QueryValidationError(
          'orderBy entries are { column, ascending? }',
          `orderBy[${i}]`,
        );
      const col = requireColumn(meta, o.column, `orderBy[${i}].column`);
      if (seen.has(col.name)) {
        throw new QueryValidationError(`${col.name} is sorted on twice`, `orderBy[${i}].column`);
      }
      seen.add(col.name);
      if (o.ascending !== undefined && typeof o.ascending !== 'boolean') {
        throw new QueryValidationError('ascending must be a boolean', `orderBy[${i}].ascending`);
      }
      if (keyset && col.nullable) {
        throw new QueryValidationError(
          `keyset pages sort on NOT NULL columns; ${col.name} is nullable`,
          `orderBy[${i}].column`,
        );
      }
      return { column: col.name, ascending: o.ascending !== false };
    });
  };

  // Widget items are rows of module_data, reached through a client of that one table.
  let items: ModuleDataClient | undefined;
  const itemsClient = (): ModuleDataClient => {
    items ??= makeClient(
      { ...metadata, tables: new Map([['module_data', MODULE_DATA_TABLE]]) },
      context,
      transport,
      siteScoped,
    );
    return items;
  };

  const client: ModuleDataClient = {
    context,
    async select(name, input = {}) {
      const meta = table(name);
      if (!isPlainObject(input)) {
        throw new QueryValidationError('options must be a plain object', 'options');
      }
      const options: FindOptions = input;
      if (
        options.select !== undefined &&
        (!Array.isArray(options.select) || options.select.length === 0)
      ) {
        throw new QueryValidationError('select must be a non-empty array of columns', 'select');
      }
      const columns = options.select?.map((c, i) => requireColumn(meta, c, `select[${i}]`).name);
      const orderBy = orderKeys(meta, options.orderBy, false);
      for (const key of ['limit', 'offset'] as const) {
        const v = options[key];
        if (
          v !== undefined &&
          (!Number.isSafeInteger(v) || v < 0 || (key === 'limit' && v > MAX_LIMIT))
        ) {
          throw new QueryValidationError(
            `${key} must be an integer from 0${key === 'limit' ? ` to ${MAX_LIMIT}` : ''}`,
            key,
          );
        }
      }
      const filters = scoped(meta, options.where, 'where');
      // A visitor names its columns: `select *` needs SELECT on every column.
      const selected = visitor ? (columns ?? visitorReadColumns(meta)) : columns;
      if (visitor) checkVisitorRead(meta, { columns: selected, filters, orderBy });
      return run(
        `select from ${name}`,
        () =>
          transport.select(context, meta.target, {
            filters,
            ...(selected ? { columns: selected } : {}),
            ...(orderBy.length ? { orderBy } : {}),
            ...(options.limit !== undefined ? { limit: options.limit } : {}),
            ...(options.offset !== undefined ? { offset: options.offset } : {}),
          }),
        { table: meta },
      );
    },
    async count(name: string, where?: WhereInput, options?: CountOptions): Promise<any> {
      const meta = table(name);
      const cap = countCap(options);
      const filters = scoped(meta, where, 'where');
      if (visitor) checkVisitorRead(meta, { filters });
      if (cap === undefined) {
        return run(`count ${name}`, () => transport.count(context, meta.target, filters), {
          table: meta,
        });
      }
      // cap + 1 rows at most: one more than the cap says there are more.
      const n = await run(
        `count ${name}`,
        () => transport.count(context, meta.target, filters, cap + 1),
        { table: meta },
      );
      return Object.freeze({ count: Math.min(n, cap), capped: n > cap });
    },
    async insert(name, data) {
      const meta = table(name);
      const list = Array.isArray(data) ? data : [data];
      if (list.length === 0) return [];
      if (list.length > MAX_LIMIT)
        throw new QueryValidationError(`at most ${MAX_LIMIT} rows per insert`, 'data');
      const pathOf = (i: number) => (Array.isArray(data) ? `data[${i}]` : 'data');
      const rows = list.map((r, i) => record(meta, r, pathOf(i), true));
      if (visitor) {
        checkVisitorInsert(meta, rows, pathOf);
        // No RETURNING: a visitor may insert columns it may not read back.
        await run(
          `insert into ${name}`,
          () => transport.insert(context, meta.target, rows, { returning: false }),
          { table: meta, rows },
        );
        return [];
      }
      return run(`insert into ${name}`, () => transport.insert(context, meta.target, rows), {
        table: meta,
        rows,
      });
    },
    async update(name, data, where) {
      const meta = table(name);
      if (visitor) throw visitorRefusal('update', meta.target.name);
      requireWhere(where, 'where');
      const patch = record(meta, data, 'data', false);
      const filters = scoped(meta, where, 'where');
      return run(`update ${name}`, () => transport.update(context, meta.target, filters, patch), {
        table: meta,
        rows: [patch],
      });
    },
    async delete(name, where) {
      const meta = table(name);
      if (visitor) throw visitorRefusal('delete', meta.target.name);
      requireWhere(where, 'where');
      const filters = scoped(meta, where, 'where');
      return run(`delete from ${name}`, () => transport.delete(context, meta.target, filters), {
        table: meta,
      });
    },
    async transaction(fn) {
      if (visitor) throw visitorRefusal('transaction', metadata.moduleId);
      // Errors of the caller's own code pass through unchanged; errors of BEGIN, of setting the
      // context, of COMMIT, or of a dropped connection are database errors and get typed.
      const own = new WeakSet<object>();
      try {
        return await transport.transaction(context, async (tx) => {
          try {
            return await fn(makeClient(metadata, context, tx, siteScoped));
          } catch (error) {
            if (typeof error === 'object' && error !== null) own.add(error);
            throw error;
          }
        });
      } catch (error) {
        if (typeof error === 'object' && error !== null && own.has(error)) {
          // The module's own data calls failed inside: explain a missing column now that the
          // transaction is over (the caller's own errors pass through unchanged).
          throw isModuleDbError(error) ? await explain(error) : error;
        }
        throw await explain(mapDatabaseError(error, 'transaction', { metadata }));
      }
    },
    getSchemaName: () => metadata.schema,
    getTableName: (name) => {
      const t = table(name).target;
      return `${t.schema}.${t.table}`;
    },
    getPrimaryKey: (name) => table(name).primaryKey,
    collection: (name) => makeCollectionClient(metadata, context, name, itemsClient()),
    async page(name, options) {
      const meta = table(name);
      if (!isPlainObject(options))
        throw new QueryValidationError('options must be a plain object', 'options');
      const { limit } = options;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new QueryValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit');
      }
      const order: OrderBy[] = orderKeys(meta, options.orderBy, true);
      if (!order.some((o) => o.column === meta.primaryKey))
        order.push({ column: meta.primaryKey, ascending: true });
      if (options.select && !order.every((o) => options.select?.includes(o.column))) {
        throw new QueryValidationError('select must include the sort columns', 'select');
      }
      const selected = options.select
        ? options.select.map((c, i) => requireColumn(meta, c, `select[${i}]`).name)
        : visitor
          ? visitorReadColumns(meta)
          : undefined;
      const keyset: Filter[] = [];
      if (options.cursor !== undefined && options.cursor !== null) {
        const values = decodeCursor(options.cursor, order.length);
        values.forEach((v, i) => {
          const col = meta.columns.get((order[i] as OrderBy).column);
          const reason = col ? checkColumnValue(col.kind, v) : 'unknown column';
          if (reason) throw new QueryValidationError(`invalid cursor: ${reason}`, 'cursor');
        });
        // (c1 > v1) OR (c1 = v1 AND c2 > v2) OR ...: rows strictly after the cursor.
        keyset.push({
          or: order.map((o, i) => [
            ...order
              .slice(0, i)
              .map((p, j) => ({ column: p.column, op: 'eq' as const, value: values[j] })),
            {
              column: o.column,
              op: o.ascending ? ('gt' as const) : ('lt' as const),
              value: values[i],
            },
          ]),
        });
      }
      const filters = [...scoped(meta, options.where, 'where'), ...keyset];
      if (visitor) checkVisitorRead(meta, { columns: selected, filters, orderBy: order });
      const rows = await run(
        `page of ${name}`,
        () =>
          transport.select(context, meta.target, {
            filters,
            ...(selected ? { columns: selected } : {}),
            orderBy: order,
            limit: limit + 1,
          }),
        { table: meta },
      );
      const more = rows.length > limit;
      const pageRows = more ? rows.slice(0, limit) : rows;
      const last = pageRows[pageRows.length - 1];
      return {
        rows: pageRows,
        nextCursor: more && last ? encodeCursor(order.map((o) => last[o.column])) : null,
      };
    },
  };
  return Object.freeze(client);
}
