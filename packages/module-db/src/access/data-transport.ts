/**
 * The contract between the data client and a transport (Postgres over Kysely, or Supabase over
 * supabase-js). Browser-safe: types only. The client validates everything before a transport
 * sees it, so a transport receives only known tables, known columns, allowed operators, and the
 * site filter already added.
 */

/** Comparison operators the data API supports (the seed's, plus `in` and `is`). */
export type FilterOperator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'like'
  | 'ilike'
  | 'in'
  | 'is';

/** One validated condition on a column: `column op value` (negated with `negate`). */
export interface ColumnFilter {
  readonly column: string;
  readonly op: FilterOperator;
  /** For `in`: a non-empty array. For `is`: `null`, `true` or `false`. */
  readonly value: unknown;
  /** NOT (column op value). */
  readonly negate?: boolean;
}

/** Alternatives: any group matches; the filters inside a group are ANDed. */
export interface OrFilter {
  readonly or: readonly (readonly Filter[])[];
}

/** One validated filter; a list of filters is ANDed. */
export type Filter = ColumnFilter | OrFilter;

/** True for a column condition, false for an `or` group. */
export function isColumnFilter(filter: Filter): filter is ColumnFilter {
  return 'column' in filter;
}

/** One validated sort key. */
export interface OrderBy {
  readonly column: string;
  readonly ascending: boolean;
}

/** Where a module table physically lives. */
export interface TableTarget {
  /** The schema: `mod_<id>` or `public`. */
  readonly schema: string;
  /** The physical table name: `<table>` or `mod_<id>_<table>`. */
  readonly table: string;
  /** The name the module declared. */
  readonly name: string;
  /**
   * Canonical declared type of every column (`jsonb`, `text[]`, `numeric(12,2)`...), so a transport
   * can encode values (JSON columns are sent as JSON text by the Postgres transport).
   */
  readonly columnTypes: Readonly<Record<string, string>>;
  /**
   * The declared key column after `site_id` in the primary key `(site_id, <key>)` (`id` unless the
   * module declares one), when the table has that key. A capped count of a whole site walks the
   * key's index in this order, so its cost stays the cap's however the site's rows lie on disk.
   */
  readonly primaryKey?: string;
}

/** Who is asking, for which module and site: what a transport sets for the database. */
export interface RequestContext {
  readonly moduleId: string;
  readonly shortId: string;
  readonly siteId: string;
  readonly userId: string | undefined;
  /**
   * The module's PostgreSQL role every statement runs as: `modrole_<id>` for members,
   * `modvisitor_<id>` for a site's visitors.
   */
  readonly role: string;
  /**
   * The request claims, as PostgREST sets `request.jwt.claims`: `sub`, `role`, `site_id` (a
   * visitor's claims have no `sub`).
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * True for a site visitor's request (a site and no user, role `modvisitor_<id>`): it reads only
   * declared columns (never `*`) and inserts without reading back.
   */
  readonly visitor?: boolean | undefined;
}

/**
 * How an insert hands back what it wrote.
 *
 * @example
 * await transport.insert(context, target, rows, { returning: false }); // resolves []
 * @throws Never; this is a type.
 */
export interface InsertOptions {
  /**
   * `false`: no `RETURNING` (PostgREST: `Prefer: return=minimal`), the insert resolves `[]`. A
   * visitor may insert columns it may not read back, and `RETURNING` would need SELECT on them.
   * Default: every column of the rows written.
   */
  readonly returning?: boolean;
}

/** A validated read. */
export interface SelectQuery {
  /** Columns to return; all when absent. */
  readonly columns?: readonly string[];
  readonly filters: readonly Filter[];
  readonly orderBy?: readonly OrderBy[];
  readonly limit?: number;
  readonly offset?: number;
}

/** A row as the database returns it. */
export type DataRow = Record<string, unknown>;

/**
 * What the database says about a module, read on the error path only (never on a successful
 * call): whether it is installed and which version. A caller learns this only for a module it may
 * act as; for any other module the answer is `installed: false`.
 *
 * @example
 * const status = await transport.moduleStatus?.(context); // { installed: true, version: '1.0.0', status: 'active' }
 * @throws Never; this is a type.
 */
export interface ModuleStatus {
  readonly installed: boolean;
  readonly version?: string | undefined;
  /** The registry status: `active`, `migrating` or `deprecated`. */
  readonly status?: string | undefined;
}

/**
 * What a transport implements. Errors are thrown as they come from the database or the HTTP API
 * (with their `code`, the SQLSTATE where there is one); the data client maps them to typed errors.
 */
export interface DataTransport {
  /** A short name for messages and conformance reports, e.g. `postgres`, `supabase`. */
  readonly name: string;
  select(context: RequestContext, target: TableTarget, query: SelectQuery): Promise<DataRow[]>;
  /**
   * `count(*)` of the rows the filters match (never fetches them). With `limit`, counts at most
   * that many (`min(n, limit)`), and the cost stops there: the data client's capped count asks
   * for `cap + 1`. A transport that ignores `limit` stays correct, only slower.
   */
  count(
    context: RequestContext,
    target: TableTarget,
    filters: readonly Filter[],
    limit?: number,
  ): Promise<number>;
  /** Inserts `rows`; with `{ returning: false }` reads nothing back and resolves `[]`. */
  insert(
    context: RequestContext,
    target: TableTarget,
    rows: readonly DataRow[],
    options?: InsertOptions,
  ): Promise<DataRow[]>;
  update(
    context: RequestContext,
    target: TableTarget,
    filters: readonly Filter[],
    patch: DataRow,
  ): Promise<DataRow[]>;
  /** Deletes what the filters match and returns how many rows went. */
  delete(context: RequestContext, target: TableTarget, filters: readonly Filter[]): Promise<number>;
  /**
   * Runs `fn` in one database transaction with the context set once; the transport handed to
   * `fn` runs its operations inside it. Transports without transactions throw a typed error.
   */
  transaction<T>(context: RequestContext, fn: (transport: DataTransport) => Promise<T>): Promise<T>;
  /**
   * Optional: asks the database which version of the context's module is installed (platform
   * function `dramac_module_status`). Called by the data client only after a call failed in a way
   * that suggests the module is missing or of another version. Resolves `undefined` when the
   * database cannot tell (older platform, no privilege).
   */
  moduleStatus?(context: RequestContext): Promise<ModuleStatus | undefined>;
}
