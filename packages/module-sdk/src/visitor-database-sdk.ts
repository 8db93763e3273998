import type {
  CollectionDataClient,
  CountOptions,
  CountResult,
  DataTransport,
  ExactCountOptions,
  ItemListOptions,
  ItemPage,
  ModuleDataClient,
  ModuleDefinitionLike,
  RequestContext,
  Row,
  TableNames,
  VisitorInsert,
  VisitorInsertableCollection,
  VisitorInsertableTable,
  VisitorReadableCollection,
  VisitorReadableTable,
  VisitorReadColumn,
  VisitorRow,
  VisitorWidgetItem,
  VisitorWidgetItemInsert,
  WhereInput,
} from '@dramac/module-db/client';
import type { VisitorWhere } from './where';

/**
 * A column a visitor may name in `select` and `orderBy`: a declared read column, or `site_id`.
 *
 * @example
 * ```ts
 * type C = VisitorColumn<typeof shop, 'products'>; // 'id' | 'name' | 'price' | 'site_id'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorColumn<M extends ModuleDefinitionLike, N extends TableNames<M>> =
  | VisitorReadColumn<M, N>
  | ('site_id' & keyof Row<M, N>);

/**
 * Options of {@link VisitorDatabaseSDK.find}: as a member's, on the visitor-readable columns.
 *
 * @example
 * ```ts
 * const options: VisitorFindOptions<typeof shop, 'products'> = { where: { price: { lte: 20 } }, orderBy: { column: 'name' }, limit: 20 };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface VisitorFindOptions<
  M extends ModuleDefinitionLike,
  N extends TableNames<M>,
  S extends readonly VisitorColumn<M, N>[] = readonly VisitorColumn<M, N>[],
> {
  readonly where?: VisitorWhere<M, N>;
  /** The columns to return; the result type narrows to them. Every readable column when absent. */
  readonly select?: S;
  readonly orderBy?:
    | { readonly column: VisitorColumn<M, N>; readonly ascending?: boolean }
    | readonly { readonly column: VisitorColumn<M, N>; readonly ascending?: boolean }[];
  /** At most this many rows (0 to 10,000). */
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * What a visitor's `find` returns for a `select` list.
 *
 * @example
 * ```ts
 * type R = VisitorSelected<typeof shop, 'products', readonly ['name']>; // { name: string }
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorSelected<
  M extends ModuleDefinitionLike,
  N extends TableNames<M>,
  S extends readonly VisitorColumn<M, N>[],
> = readonly VisitorColumn<M, N>[] extends S ? VisitorRow<M, N> : Pick<Row<M, N>, S[number]>;

/**
 * Options of {@link VisitorDatabaseSDK.findPage}: keyset pages on visitor-readable NOT NULL
 * columns (the primary key, appended for a total order, must be readable too).
 *
 * @example
 * ```ts
 * const page = await visitor.findPage('products', { orderBy: { column: 'name' }, limit: 20 });
 * ```
 *
 * @throws Never; this is a type.
 */
export interface VisitorFindPageOptions<M extends ModuleDefinitionLike, N extends TableNames<M>> {
  readonly where?: VisitorWhere<M, N>;
  readonly orderBy?:
    | { readonly column: VisitorColumn<M, N>; readonly ascending?: boolean }
    | readonly { readonly column: VisitorColumn<M, N>; readonly ascending?: boolean }[];
  readonly limit: number;
  readonly cursor?: string | null;
}

/**
 * A visitor's collection, typed by what the collection declares: `list`/`get`/`count` exist
 * when it declares `visitors.read`, `create` when it declares `visitors.insert`. `update` and
 * `delete` never exist (and are refused at run time with `VISITOR_NOT_ALLOWED`).
 *
 * @example
 * ```ts
 * const testimonials = visitor.collection('testimonials');
 * await testimonials.create({ author: 'Ada', quote: 'Splendid', rating: 5 });
 * const { items } = await testimonials.list();
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorCollection<M extends ModuleDefinitionLike, C extends string> = {
  /** The collection's name. */
  readonly name: C;
} & (C extends VisitorReadableCollection<M>
  ? {
      /** One keyset page of the site's items; `value` holds only the visitor-readable fields. */
      list(options?: ItemListOptions): Promise<ItemPage<VisitorWidgetItem<M, C>>>;
      /** The item with `key`, or null. */
      get(key: string): Promise<VisitorWidgetItem<M, C> | null>;
      /** How many items of this collection the site has. */
      count(): Promise<number>;
    }
  : unknown) &
  (C extends VisitorInsertableCollection<M>
    ? {
        /**
         * Adds an item that sets the declared insert fields only. Resolves nothing: a visitor
         * reads back only what `visitors.read` declares.
         */
        create(value: VisitorWidgetItemInsert<M, C>): Promise<void>;
      }
    : unknown);

/**
 * Options of {@link createDatabaseSDK} for a site's visitor: a site and no user.
 *
 * @example
 * ```ts
 * const options: VisitorSDKOptions<typeof shop> = { definition: shop, siteId, visitor: true, transport };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface VisitorSDKOptions<M extends ModuleDefinitionLike> {
  readonly definition: M;
  /** The public site the visitor is on. */
  readonly siteId: string;
  /** A visitor: no signed-in user, the module's visitor role. */
  readonly visitor: true;
  /** `createPostgresTransport(pool)` on a server, `createSupabaseTransport(supabase)` anywhere. */
  readonly transport: DataTransport;
  /** When given, it must name the definition's module. */
  readonly moduleId?: string;
}

/**
 * The database API for a site's **visitors** (no signed-in user), typed from the definition's
 * `visitors` declarations: only tables and collections that declare visitor access can be named,
 * reads return the declared read columns (and `site_id`), inserts take the declared insert
 * columns. There is no update, delete, batch or transaction. At run time the same is refused
 * with `VisitorNotAllowedError` (`VISITOR_NOT_ALLOWED`: `table`, `column`, `operation`) before any
 * SQL, and PostgreSQL enforces it whatever the client does (the visitor role's column grants and
 * policies, on sites the platform marks public where the module is installed).
 *
 * @example
 * ```ts
 * const visitor = createDatabaseSDK({ definition: shop, siteId, visitor: true, transport });
 * const products = await visitor.find('products', { orderBy: { column: 'name' } });
 * await visitor.create('requests', { name: 'Ada', email: 'ada@example.com', message: 'Hello' });
 * ```
 */
export class VisitorDatabaseSDK<M extends ModuleDefinitionLike> {
  /** The module's definition. */
  readonly definition: M;
  /** The module, site and visitor role every call runs with (`visitor: true`, no user). */
  readonly context: RequestContext;
  readonly #client: ModuleDataClient;

  /** Wraps a visitor data client (use {@link createDatabaseSDK} with `visitor: true`). */
  constructor(definition: M, client: ModuleDataClient) {
    this.definition = definition;
    this.#client = client;
    this.context = client.context;
  }

  /**
   * The site's rows of `table` that the module's policies show visitors, with the declared
   * read columns (or the `select`ed ones).
   *
   * @example
   * ```ts
   * const cheap = await visitor.find('products', { where: { price: { lte: 20 } }, select: ['name', 'price'] });
   * ```
   *
   * @throws VisitorNotAllowedError for a column outside `visitors.read` (selected, filtered or
   * sorted on); QueryValidationError for unknown columns or bad values; both before any SQL.
   */
  async find<
    N extends VisitorReadableTable<M>,
    const S extends readonly VisitorColumn<M, N>[] = readonly VisitorColumn<M, N>[],
  >(table: N, options?: VisitorFindOptions<M, N, S>): Promise<VisitorSelected<M, N, S>[]> {
    return (await this.#client.select(table, options as never)) as VisitorSelected<M, N, S>[];
  }

  /**
   * The first row matching `where`, or null.
   *
   * @example
   * ```ts
   * const p = await visitor.findOne('products', { name: 'Mug' });
   * ```
   *
   * @throws As {@link VisitorDatabaseSDK.find}.
   */
  async findOne<N extends VisitorReadableTable<M>>(
    table: N,
    where: VisitorWhere<M, N>,
  ): Promise<VisitorRow<M, N> | null> {
    const rows = await this.#client.select(table, { where: where as WhereInput, limit: 1 });
    return (rows[0] as VisitorRow<M, N> | undefined) ?? null;
  }

  /**
   * One keyset page and the next page's cursor.
   *
   * @example
   * ```ts
   * const first = await visitor.findPage('products', { orderBy: { column: 'name' }, limit: 20 });
   * ```
   *
   * @throws As {@link VisitorDatabaseSDK.find}; VisitorNotAllowedError when the primary key is
   * not readable (a keyset page needs it for a total order).
   */
  async findPage<N extends VisitorReadableTable<M>>(
    table: N,
    options: VisitorFindPageOptions<M, N>,
  ): Promise<{ rows: VisitorRow<M, N>[]; nextCursor: string | null }> {
    const page = await this.#client.page(table, options as never);
    return page as unknown as { rows: VisitorRow<M, N>[]; nextCursor: string | null };
  }

  /**
   * `count(*)` of the rows visitors see (capped with `{ mode: 'capped', cap }`, as a member's).
   *
   * @example
   * ```ts
   * const n = await visitor.count('products');
   * ```
   *
   * @throws As {@link VisitorDatabaseSDK.find}.
   */
  async count<N extends VisitorReadableTable<M>, const O extends CountOptions = ExactCountOptions>(
    table: N,
    where?: VisitorWhere<M, N>,
    options?: O,
  ): Promise<CountResult<O>> {
    const w = where as WhereInput | undefined;
    if (options === undefined) return (await this.#client.count(table, w)) as CountResult<O>;
    return this.#client.count(table, w, options) as Promise<CountResult<O>>;
  }

  /**
   * Whether a row matches `where` (reads one `site_id` at most).
   *
   * @example
   * ```ts
   * if (await visitor.exists('products', { name: 'Mug' })) ...
   * ```
   *
   * @throws As {@link VisitorDatabaseSDK.find}.
   */
  async exists<N extends VisitorReadableTable<M>>(
    table: N,
    where: VisitorWhere<M, N>,
  ): Promise<boolean> {
    const rows = await this.#client.select(table, {
      where: where as WhereInput,
      select: ['site_id'],
      limit: 1,
    });
    return rows.length > 0;
  }

  /**
   * Inserts one record or several (one statement) that set only the declared insert columns;
   * the rest take their defaults and `site_id` is the request's site. Sent without `RETURNING`
   * (a visitor may not read back what it wrote): resolves how many rows were inserted.
   *
   * @example
   * ```ts
   * await visitor.create('requests', { name: 'Ada', email: 'ada@example.com' }); // 1
   * ```
   *
   * @throws VisitorNotAllowedError for a column outside `visitors.insert`, before any SQL;
   * QueryValidationError for bad values; AccessDeniedError (42501) when PostgreSQL refuses (a
   * site that is not public, a module not installed there, a module policy).
   */
  async create<N extends VisitorInsertableTable<M>>(
    table: N,
    data: VisitorInsert<M, N> | readonly VisitorInsert<M, N>[],
  ): Promise<number> {
    await this.#client.insert(table, data as Record<string, unknown>);
    return Array.isArray(data) ? data.length : 1;
  }

  /**
   * A widget collection that declares visitor access: `list`/`get`/`count` when it declares
   * `visitors.read`, `create` when it declares `visitors.insert`.
   *
   * @example
   * ```ts
   * const { items } = await visitor.collection('testimonials').list({ limit: 10 });
   * ```
   *
   * @throws QueryValidationError for an undeclared collection; its methods throw
   * VisitorNotAllowedError for anything the collection does not declare for visitors.
   */
  collection<C extends VisitorReadableCollection<M> | VisitorInsertableCollection<M>>(
    name: C,
  ): VisitorCollection<M, C> {
    const client: CollectionDataClient = this.#client.collection(name);
    return Object.freeze({
      name: client.name,
      list: (options?: ItemListOptions) => client.list(options),
      get: (key: string) => client.get(key),
      count: () => client.count(),
      create: async (value: Record<string, unknown>) => {
        await client.create(value);
      },
    }) as unknown as VisitorCollection<M, C>;
  }
}
