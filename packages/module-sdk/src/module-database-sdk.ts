import type { CollectionNames } from '@dramac/module-db/client';
import {
  type FindOptions as ClientFindOptions,
  type CountOptions,
  type CountResult,
  createModuleDataClient,
  type DataTransport,
  type ExactCountOptions,
  type Insert,
  isModuleDbError,
  type ModuleDataClient,
  type ModuleDefinitionLike,
  NotFoundError,
  QueryValidationError,
  type RequestContext,
  type Row,
  type TableNames,
  type Update,
  type WhereInput,
} from '@dramac/module-db/client';
import { isModuleId, normalizeModuleId } from '@dramac/module-naming';
import type { AnyRow, BatchOperation, BatchOptions } from './batch-operation';
import type { FindOptions, FindPageOptions, FoundPage, Selected } from './find-options';
import { VisitorDatabaseSDK, type VisitorSDKOptions } from './visitor-database-sdk';
import type { ColumnName, PrimaryKeyValue, Where } from './where';
import { WidgetCollectionSDK } from './widget-collection-sdk';

/**
 * Options of {@link createDatabaseSDK}: the module's definition, the request's site and user,
 * and the transport that reaches the database.
 *
 * @example
 * ```ts
 * const options: DatabaseSDKOptions<typeof crm> = { definition: crm, siteId, userId, transport };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface DatabaseSDKOptions<M extends ModuleDefinitionLike> {
  /** The module's `defineModule(...)` result: it types every call and is checked at run time. */
  readonly definition: M;
  /** The site every row belongs to: stamped on inserts, filtered on every read and write. */
  readonly siteId: string;
  /** The signed-in user; the site policy admits members of the site's agency only. */
  readonly userId?: string;
  /** Members only here; pass `visitor: true` (and no `userId`) for a visitor's SDK. */
  readonly visitor?: false;
  /** `createPostgresTransport(db)` on a server, `createSupabaseTransport(supabase)` anywhere. */
  readonly transport: DataTransport;
  /**
   * The seed passed the module id; optional here (the definition carries it). When given it must
   * name the same module as the definition.
   */
  readonly moduleId?: string;
}

/**
 * Options of the {@link ModuleDatabaseSDK} constructor that wrap an existing data client (as
 * `transaction` does with the client of the open transaction).
 *
 * @example
 * ```ts
 * const db = new ModuleDatabaseSDK({ definition: crm, client: createModuleDataClient({ ... }) });
 * ```
 *
 * @throws Never; this is a type.
 */
export interface DatabaseSDKClientOptions<M extends ModuleDefinitionLike> {
  readonly definition: M;
  readonly client: ModuleDataClient;
}

const BATCH_TYPES: ReadonlySet<string> = new Set(['create', 'update', 'delete']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// The SDK's types are stricter than the data client's untyped surface, which validates every
// value again at run time: passing them through is safe, the casts only drop type information.
const asWhere = (where: unknown) => where as WhereInput;

/**
 * The database API a module's code uses (the seed's `ModuleDatabaseSDK`): typed from the module's
 * definition, validated at run time, confined to the module's tables and the request's site.
 *
 * Every method throws typed errors from `@dramac/module-db` (branch on `code`):
 * `INVALID_QUERY` (`QueryValidationError`: unknown table, column or operator, a wrong value, with
 * the `path` of the offending part; nothing was sent), `ACCESS_DENIED` (another site named, or
 * PostgreSQL's 42501), `CONFLICT` (unique violation, 23505), `CONSTRAINT_VIOLATION` (foreign key,
 * check, not-null: 23503/23514/23502), `NOT_SUPPORTED` (an atomic batch on a transport without
 * transactions), `QUOTA_EXCEEDED` (`QuotaExceededError`: a platform limit on rows or bytes,
 * SQLSTATE DQ001, with the limit, usage and scope), `QUERY_TIMEOUT` (`QueryTimeoutError`: the
 * module role's statement or lock timeout, 57014/55P03), `RATE_LIMITED` (`RateLimitedError`, with
 * `retryAfterMs`, where the platform rate-limits calls), `DATABASE_ERROR` (anything else;
 * `sqlstate` kept).
 *
 * @example
 * ```ts
 * const db = createDatabaseSDK({ definition: crm, siteId, userId, transport });
 * const contact = await db.createOne('contacts', { first_name: 'Ada', last_name: 'Lovelace' });
 * const leads = await db.find('contacts', { where: { lead_score: { gte: 50 } }, limit: 10 });
 * ```
 */
export class ModuleDatabaseSDK<M extends ModuleDefinitionLike> {
  /** The module's definition. */
  readonly definition: M;
  /** The module, site, user and role every call runs with. */
  readonly context: RequestContext;
  readonly #client: ModuleDataClient;

  /**
   * Creates the SDK for one module and one site. {@link createDatabaseSDK} is the same with
   * inference-friendly typing.
   *
   * @throws QueryValidationError (`INVALID_QUERY`) for a bad site or user id, or a `moduleId`
   * that does not match the definition's.
   */
  constructor(options: DatabaseSDKOptions<M> | DatabaseSDKClientOptions<M>) {
    if (!isPlainObject(options as unknown)) {
      throw new QueryValidationError('options must be a plain object', 'options');
    }
    this.definition = options.definition;
    if ('client' in options) {
      this.#client = options.client;
    } else {
      const { moduleId, definition } = options;
      checkModuleId(moduleId, definition);
      if ((options as { visitor?: unknown }).visitor !== undefined && options.visitor !== false) {
        throw new QueryValidationError(
          'a visitor SDK comes from createDatabaseSDK({ ..., visitor: true })',
          'visitor',
        );
      }
      this.#client = createModuleDataClient({
        definition,
        siteId: options.siteId,
        ...(options.userId !== undefined ? { userId: options.userId } : {}),
        transport: options.transport,
      });
    }
    this.context = this.#client.context;
  }

  /**
   * Rows of `table` matching `options.where`, in `orderBy` order, `limit`/`offset` applied.
   * With `select`, only those columns are returned (and typed).
   *
   * @example
   * ```ts
   * const contacts = await db.find('contacts', {
   *   where: { status: 'lead', lead_score: { gte: 50 } },
   *   orderBy: { column: 'created_at', ascending: false },
   *   limit: 10,
   * });
   * ```
   *
   * @throws QueryValidationError before any SQL for an unknown table/column/operator or a bad
   * value; the database errors listed on the class.
   */
  async find<
    N extends TableNames<M>,
    const S extends readonly ColumnName<M, N>[] = readonly ColumnName<M, N>[],
  >(table: N, options?: FindOptions<M, N, S>): Promise<Selected<M, N, S>[]> {
    const rows = await this.#client.select(table, options as ClientFindOptions | undefined);
    return rows as Selected<M, N, S>[];
  }

  /**
   * One page of rows by keyset (constant cost however deep the page), and the cursor of the next
   * page. Sort columns must be NOT NULL; the primary key is appended to make the order total.
   *
   * @example
   * ```ts
   * let page = await db.findPage('contacts', { orderBy: { column: 'created_at', ascending: false }, limit: 50 });
   * while (page.nextCursor) page = await db.findPage('contacts', { orderBy: { column: 'created_at', ascending: false }, limit: 50, cursor: page.nextCursor });
   * ```
   *
   * @throws QueryValidationError for a nullable sort column, a bad limit or a cursor that is not
   * one of ours; the database errors listed on the class.
   */
  async findPage<N extends TableNames<M>>(
    table: N,
    options: FindPageOptions<M, N>,
  ): Promise<FoundPage<M, N>> {
    const page = await this.#client.page(table, options as never);
    return page as unknown as FoundPage<M, N>;
  }

  /**
   * The first row matching `where` (at most one row is read), or `null`.
   *
   * @example
   * ```ts
   * const ada = await db.findOne('contacts', { email: 'ada@example.com' });
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.find}.
   */
  async findOne<N extends TableNames<M>>(table: N, where: Where<M, N>): Promise<Row<M, N> | null> {
    const rows = await this.#client.select(table, { where: asWhere(where), limit: 1 });
    return (rows[0] as Row<M, N> | undefined) ?? null;
  }

  /**
   * The row whose primary key is `id` (the declared primary key, else the platform's `id`), or
   * `null`.
   *
   * @example
   * ```ts
   * const contact = await db.findById('contacts', id);
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.find}; `INVALID_QUERY` when `id` is not a valid key value.
   */
  async findById<N extends TableNames<M>>(
    table: N,
    id: PrimaryKeyValue<M, N>,
  ): Promise<Row<M, N> | null> {
    const where = { [this.#client.getPrimaryKey(table)]: id };
    const rows = await this.#client.select(table, { where: asWhere(where), limit: 1 });
    return (rows[0] as Row<M, N> | undefined) ?? null;
  }

  /**
   * Inserts one record or several (in one statement) and returns the rows as stored. `site_id` is
   * stamped from the request's site; a record naming another site is refused and nothing is
   * written.
   *
   * @example
   * ```ts
   * const [a, b] = await db.create('companies', [{ name: 'Acme' }, { name: 'Globex' }]);
   * ```
   *
   * @throws QueryValidationError for unknown columns, wrong values or a missing required column;
   * AccessDeniedError for another site; ConflictError / ConstraintViolationError from the database.
   */
  async create<N extends TableNames<M>>(
    table: N,
    data: Insert<M, N> | readonly Insert<M, N>[],
  ): Promise<Row<M, N>[]> {
    const rows = await this.#client.insert(table, data as Record<string, unknown>);
    return rows as Row<M, N>[];
  }

  /**
   * Inserts one record and returns it as stored (defaults filled in, `id` assigned).
   *
   * @example
   * ```ts
   * const contact = await db.createOne('contacts', { first_name: 'John', last_name: 'Doe' });
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.create}; `INVALID_QUERY` when given an array.
   */
  async createOne<N extends TableNames<M>>(table: N, data: Insert<M, N>): Promise<Row<M, N>> {
    if (Array.isArray(data)) {
      throw new QueryValidationError('createOne takes one record; use create for several', 'data');
    }
    const [row] = await this.#client.insert(table, data as Record<string, unknown>);
    if (!row) throw new NotFoundError(`insert into ${table} returned no row`);
    return row as Row<M, N>;
  }

  /**
   * Changes the rows matching `where` and returns them as stored. An empty `where` is refused
   * (it would change every row of the site).
   *
   * @example
   * ```ts
   * await db.update('contacts', { status: 'lead', lead_score: { gte: 80 } }, { status: 'qualified' });
   * ```
   *
   * @throws QueryValidationError for an empty `where`, an empty change or bad values; database
   * errors as listed on the class.
   */
  async update<N extends TableNames<M>>(
    table: N,
    where: Where<M, N>,
    data: Update<M, N>,
  ): Promise<Row<M, N>[]> {
    const rows = await this.#client.update(table, data as Record<string, unknown>, asWhere(where));
    return rows as Row<M, N>[];
  }

  /**
   * Changes the row whose primary key is `id` and returns it, or `null` when there is none.
   *
   * @example
   * ```ts
   * await db.updateById('contacts', contact.id, { status: 'qualified' });
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.update}.
   */
  async updateById<N extends TableNames<M>>(
    table: N,
    id: PrimaryKeyValue<M, N>,
    data: Update<M, N>,
  ): Promise<Row<M, N> | null> {
    const where = { [this.#client.getPrimaryKey(table)]: id };
    const rows = await this.#client.update(table, data as Record<string, unknown>, asWhere(where));
    return (rows[0] as Row<M, N> | undefined) ?? null;
  }

  /**
   * Deletes the rows matching `where` and returns how many went. An empty `where` is refused.
   *
   * @example
   * ```ts
   * const removed = await db.delete('deals', { stage: 'lost' });
   * ```
   *
   * @throws QueryValidationError for an empty or invalid `where`; database errors as listed on
   * the class (a foreign key that restricts deletes: `CONSTRAINT_VIOLATION`).
   */
  async delete<N extends TableNames<M>>(table: N, where: Where<M, N>): Promise<number> {
    return this.#client.delete(table, asWhere(where));
  }

  /**
   * Deletes the row whose primary key is `id`; `true` when a row went.
   *
   * @example
   * ```ts
   * if (await db.deleteById('contacts', id)) console.log('deleted');
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.delete}.
   */
  async deleteById<N extends TableNames<M>>(table: N, id: PrimaryKeyValue<M, N>): Promise<boolean> {
    const where = { [this.#client.getPrimaryKey(table)]: id };
    return (await this.#client.delete(table, asWhere(where))) > 0;
  }

  /**
   * How many rows match `where` (all of the site's rows without it): `count(*)` in the
   * database, never a fetch of the rows. With `{ mode: 'capped', cap }` (cap 1 to 1,000,000,
   * default 10,000) it counts at most `cap + 1` rows, so its cost stops at the cap however many
   * rows match, and resolves `{ count, capped }`: `capped` is true when there are more than `cap`
   * (then `count` is `cap`). There is no planner-estimate mode: under row-level security the
   * estimate is not the number of rows this site may see.
   *
   * @example
   * ```ts
   * const active = await db.count('contacts', { status: 'customer' });
   * const { count, capped } = await db.count('events', undefined, { mode: 'capped', cap: 999 });
   * const badge = capped ? '999+' : String(count);
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.find}; `INVALID_QUERY` (path `options.mode` or
   * `options.cap`) for another mode or a cap out of range, before any SQL.
   */
  async count<N extends TableNames<M>, const O extends CountOptions = ExactCountOptions>(
    table: N,
    where?: Where<M, N>,
    options?: O,
  ): Promise<CountResult<O>> {
    const w = where === undefined ? undefined : asWhere(where);
    if (options === undefined) return (await this.#client.count(table, w)) as CountResult<O>;
    return this.#client.count(table, w, options) as Promise<CountResult<O>>;
  }

  /**
   * Whether any row matches `where`: reads one primary-key value at most.
   *
   * @example
   * ```ts
   * if (await db.exists('contacts', { email })) throw new Error('taken');
   * ```
   *
   * @throws As {@link ModuleDatabaseSDK.find}.
   */
  async exists<N extends TableNames<M>>(table: N, where: Where<M, N>): Promise<boolean> {
    const rows = await this.#client.select(table, {
      where: asWhere(where),
      select: [this.#client.getPrimaryKey(table)],
      limit: 1,
    });
    return rows.length > 0;
  }

  /**
   * Runs several creates, updates and deletes in order and returns the created and updated rows
   * (the seed's `batch`). Atomic by default: one database transaction, so a failing operation
   * rolls back every one before it. On a transport without transactions (Supabase: PostgREST
   * cannot span requests) an atomic batch is refused with `NOT_SUPPORTED` before anything runs;
   * pass `{ atomic: false }` to run the operations one by one without that guarantee.
   *
   * @example
   * ```ts
   * const [company] = await db.batch([
   *   { type: 'create', table: 'companies', data: { name: 'Acme' } },
   *   { type: 'delete', table: 'deals', where: { stage: 'lost' } },
   * ]);
   * ```
   *
   * @throws QueryValidationError (paths start with `operations[i]`) for a malformed operation;
   * NotSupportedError for an atomic batch on a transport without transactions; the first failing
   * operation's error otherwise (and, when atomic, nothing of the batch was kept).
   */
  async batch(
    operations: readonly BatchOperation<M>[],
    options: BatchOptions = {},
  ): Promise<AnyRow<M>[]> {
    if (!Array.isArray(operations)) {
      throw new QueryValidationError('operations must be an array', 'operations');
    }
    // Shape errors are found before anything runs, atomic or not.
    operations.forEach((op: unknown, i) => {
      if (!isPlainObject(op) || typeof op.type !== 'string' || !BATCH_TYPES.has(op.type)) {
        throw new QueryValidationError(
          "each operation needs a type of 'create', 'update' or 'delete'",
          `operations[${i}].type`,
        );
      }
      if (op.type !== 'delete' && op.data === undefined) {
        throw new QueryValidationError(
          `a ${op.type} operation needs data`,
          `operations[${i}].data`,
        );
      }
      if (op.type !== 'create' && op.where === undefined) {
        throw new QueryValidationError(
          `a ${op.type} operation needs where`,
          `operations[${i}].where`,
        );
      }
    });
    const run = async (client: ModuleDataClient): Promise<AnyRow<M>[]> => {
      const results: AnyRow<M>[] = [];
      for (const [i, op] of operations.entries()) {
        try {
          switch (op.type) {
            case 'create':
              results.push(
                ...((await client.insert(
                  op.table,
                  op.data as Record<string, unknown>,
                )) as AnyRow<M>[]),
              );
              break;
            case 'update':
              results.push(
                ...((await client.update(
                  op.table,
                  op.data as Record<string, unknown>,
                  asWhere(op.where),
                )) as AnyRow<M>[]),
              );
              break;
            case 'delete':
              await client.delete(op.table, asWhere(op.where));
              break;
          }
        } catch (error) {
          throw withOperationPath(error, i);
        }
      }
      return results;
    };
    if (options.atomic === false) return run(this.#client);
    return this.#client.transaction(run);
  }

  /**
   * The items of one of a widget's collections (modules of strategy `shared`, whose rows live in
   * `public.module_data`): typed CRUD, scoped to this module and site by PostgreSQL.
   *
   * @example
   * ```ts
   * const testimonials = db.collection('testimonials');
   * await testimonials.create({ author: 'Ada', quote: 'Splendid', rating: 5 });
   * ```
   *
   * @throws QueryValidationError for a collection the definition does not declare (or a module
   * that is not a widget).
   */
  collection<C extends CollectionNames<M>>(name: C): WidgetCollectionSDK<M, C> {
    return new WidgetCollectionSDK<M, C>(this.#client.collection(name));
  }

  /**
   * Runs `fn` in one database transaction: every call on the SDK it receives commits or rolls
   * back together. Transports without transactions (Supabase) refuse with `NOT_SUPPORTED`.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   const company = await tx.createOne('companies', { name: 'Acme' });
   *   await tx.update('contacts', { email: 'ada@example.com' }, { company_id: company.id });
   * });
   * ```
   *
   * @throws NotSupportedError on transports without transactions; whatever `fn` throws (after
   * rolling back).
   */
  async transaction<T>(fn: (db: ModuleDatabaseSDK<M>) => Promise<T>): Promise<T> {
    return this.#client.transaction((client) =>
      fn(new ModuleDatabaseSDK<M>({ definition: this.definition, client })),
    );
  }
}

/** Refuses a `moduleId` option that does not name the definition's module. */
function checkModuleId(moduleId: string | undefined, definition: ModuleDefinitionLike): void {
  if (moduleId === undefined) return;
  if (
    !isModuleId(moduleId) ||
    !isModuleId(definition?.moduleId) ||
    normalizeModuleId(moduleId) !== normalizeModuleId(definition.moduleId)
  ) {
    throw new QueryValidationError(
      `moduleId ${JSON.stringify(moduleId)} does not name the definition's module`,
      'moduleId',
    );
  }
}

/** Prefixes a validation error's path with the batch operation it came from. */
function withOperationPath(error: unknown, index: number): unknown {
  if (isModuleDbError(error) && error instanceof QueryValidationError) {
    return new QueryValidationError(error.message, `operations[${index}].${error.path}`, {
      cause: error,
    });
  }
  return error;
}

/**
 * Creates the database SDK for one module on one site (the seed's `createDatabaseSDK`, with the
 * definition and the transport passed in). The definition's literal types type every call.
 *
 * With `visitor: true` (and no `userId`) it returns a {@link VisitorDatabaseSDK}: a site's
 * visitor, who reaches only what the definition declares for visitors (`visitors: { read,
 * insert }` on tables and widget collections), on a site the platform marks public.
 *
 * @example
 * ```ts
 * import { createDatabaseSDK } from '@dramac/module-sdk';
 * import { createPostgresTransport } from '@dramac/module-db/postgres';
 * const db = createDatabaseSDK({ definition: crm, siteId, userId, transport: createPostgresTransport(kysely) });
 * const leads = await db.find('contacts', { where: { status: 'lead' } });
 * const visitor = createDatabaseSDK({ definition: shop, siteId, visitor: true, transport });
 * const products = await visitor.find('products'); // the declared read columns only
 * ```
 *
 * @throws QueryValidationError (`INVALID_QUERY`) for a bad site or user id, a user with
 * `visitor: true`, or a `moduleId` that does not match the definition's.
 */
export function createDatabaseSDK<M extends ModuleDefinitionLike>(
  options: VisitorSDKOptions<M>,
): VisitorDatabaseSDK<M>;
export function createDatabaseSDK<M extends ModuleDefinitionLike>(
  options: DatabaseSDKOptions<M>,
): ModuleDatabaseSDK<M>;
export function createDatabaseSDK<M extends ModuleDefinitionLike>(
  options: DatabaseSDKOptions<M> | VisitorSDKOptions<M>,
): ModuleDatabaseSDK<M> | VisitorDatabaseSDK<M> {
  if (isPlainObject(options as unknown) && (options as { visitor?: unknown }).visitor === true) {
    const visitorOptions = options as VisitorSDKOptions<M>;
    checkModuleId(visitorOptions.moduleId, visitorOptions.definition);
    const client = createModuleDataClient({
      definition: visitorOptions.definition,
      siteId: visitorOptions.siteId,
      visitor: true,
      ...((options as { userId?: string }).userId !== undefined
        ? { userId: (options as { userId?: string }).userId as string }
        : {}),
      transport: visitorOptions.transport,
    });
    return new VisitorDatabaseSDK<M>(visitorOptions.definition, client);
  }
  return new ModuleDatabaseSDK<M>(options as DatabaseSDKOptions<M>);
}
