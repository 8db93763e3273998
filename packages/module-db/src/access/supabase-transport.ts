import type { SupabaseClient } from '@supabase/supabase-js';
import { NotSupportedError } from '../errors';
import {
  type ColumnFilter,
  type DataRow,
  type DataTransport,
  type Filter,
  isColumnFilter,
  type RequestContext,
  type SelectQuery,
  type TableTarget,
} from './data-transport';

/** How PostgREST counts rows: `exact` is `count(*)`; the others read the planner's estimate. */
export type SupabaseCountMethod = 'exact' | 'planned' | 'estimated';

/** Options of {@link createSupabaseTransport}. */
export interface SupabaseTransportOptions {
  /**
   * How `count` counts (PostgREST `Prefer: count=...`). `exact` (the default) runs `count(*)`,
   * exact but a full scan of what the filters match; `planned` reads the planner's estimate,
   * cheap on large tables but approximate; `estimated` is exact below PostgREST's
   * `db-max-rows` and planned above it.
   */
  readonly count?: SupabaseCountMethod;
}

/** The PostgREST error shape supabase-js hands back (`PostgrestError`, minus the class). */
interface PostgrestErrorLike {
  readonly message?: string;
  readonly code?: string;
  readonly details?: string | null;
  readonly hint?: string | null;
}

/** What a supabase-js query resolves to, reduced to what the transport reads. */
interface PostgrestResponseLike {
  readonly data: unknown;
  readonly error: PostgrestErrorLike | null;
  readonly count: number | null;
  readonly status: number;
}

/** The filter methods every supabase-js filter builder has (typed loosely on purpose). */
interface FilterableBuilder {
  eq(column: string, value: unknown): FilterableBuilder;
  neq(column: string, value: unknown): FilterableBuilder;
  gt(column: string, value: unknown): FilterableBuilder;
  gte(column: string, value: unknown): FilterableBuilder;
  lt(column: string, value: unknown): FilterableBuilder;
  lte(column: string, value: unknown): FilterableBuilder;
  like(column: string, pattern: string): FilterableBuilder;
  ilike(column: string, pattern: string): FilterableBuilder;
  in(column: string, values: readonly unknown[]): FilterableBuilder;
  is(column: string, value: null | boolean): FilterableBuilder;
  not(column: string, operator: string, value: unknown): FilterableBuilder;
  or(filters: string): FilterableBuilder;
  order(column: string, options: { ascending: boolean }): FilterableBuilder;
  range(from: number, to: number): FilterableBuilder;
  setHeader(name: string, value: string): FilterableBuilder;
  select(columns?: string): FilterableBuilder;
  then: PromiseLike<PostgrestResponseLike>['then'];
}

/**
 * An error PostgREST (through supabase-js) reported, with everything it said. `code` is the
 * PostgreSQL SQLSTATE when the database raised it (`42501`, `23505`, `23514`, ...) or PostgREST's
 * own `PGRSTxxx`; the data client maps it to a typed `@dramac/module-db` error.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof SupabaseTransportError && e.code === '42501') ... }
 * ```
 *
 * @throws Never; this is an error class.
 */
export class SupabaseTransportError extends Error {
  /** SQLSTATE (`23505`) or PostgREST code (`PGRST204`); `undefined` when none was sent. */
  readonly code: string | undefined;
  /** PostgREST's `details` (PostgreSQL's DETAIL). */
  readonly details: string | undefined;
  /** The same as {@link details}, under node-postgres' name, so one mapper reads both. */
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  /** The constraint named in the message, for constraint violations. */
  readonly constraint: string | undefined;
  /** The HTTP status (0 when the request never got an answer). */
  readonly status: number;

  constructor(error: PostgrestErrorLike, status: number) {
    const code = error.code || fallbackCode(status);
    super(error.message || `PostgREST request failed with HTTP ${status}`);
    this.name = 'SupabaseTransportError';
    this.code = code;
    this.details = error.details ?? undefined;
    this.detail = this.details;
    this.hint = error.hint ?? undefined;
    this.constraint = /constraint "([^"]+)"/.exec(error.message ?? '')?.[1];
    this.status = status;
  }

  /** A plain-object form for logs. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      details: this.details,
      hint: this.hint,
      status: this.status,
    };
  }
}

/**
 * HEAD requests (`count`) carry no body, so PostgREST's error JSON never arrives; PostgREST
 * answers a denied privilege (42501) with 401 (anonymous) or 403, so those statuses stand for it.
 */
function fallbackCode(status: number): string | undefined {
  return status === 401 || status === 403 ? '42501' : undefined;
}

/**
 * A value as PostgREST reads it: supabase-js formats filter values with template strings, so a
 * `Date` becomes ISO 8601 text; bytes become PostgreSQL's `\x` hex text (JSON has no bytes).
 */
function wire(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    return `\\x${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  return value;
}

function wireRow(row: DataRow): DataRow {
  const out: DataRow = {};
  for (const [column, value] of Object.entries(row)) out[column] = wire(value);
  return out;
}

// PostgREST reserves , . : ( ) " \ and spaces inside logic trees (or=...): such values are
// double-quoted there, with " and \ escaped.
function quoted(value: unknown): string {
  const text = String(wire(value));
  return /^[^,.:()"\\\s]+$/.test(text) ? text : `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An array value as a PostgreSQL array literal (for = on array columns). */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(wire(v)).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** The value part of a PostgREST filter (`eq.<value>`), in a logic tree or on its own. */
function filterValue(f: ColumnFilter, inTree: boolean): string {
  if (f.op === 'is') return String(f.value);
  if (f.op === 'in') return `(${(f.value as readonly unknown[]).map(quoted).join(',')})`;
  if (Array.isArray(f.value)) return inTree ? quoted(arrayLiteral(f.value)) : arrayLiteral(f.value);
  return inTree ? quoted(f.value) : String(wire(f.value));
}

/** A filter as a PostgREST logic-tree term: `col.eq.1`, `col.not.in.(a,b)`, `and(...)`, `or(...)`. */
function treeTerm(f: Filter): string {
  if (!isColumnFilter(f)) return `or(${f.or.map(groupTerm).join(',')})`;
  return `${f.column}.${f.negate ? 'not.' : ''}${f.op}.${filterValue(f, true)}`;
}

function groupTerm(group: readonly Filter[]): string {
  return group.length === 1
    ? treeTerm(group[0] as Filter)
    : `and(${group.map(treeTerm).join(',')})`;
}

function applyFilters<B extends FilterableBuilder>(builder: B, filters: readonly Filter[]): B {
  let q: FilterableBuilder = builder;
  for (const f of filters) {
    if (!isColumnFilter(f)) {
      q = q.or(f.or.map(groupTerm).join(','));
      continue;
    }
    const { column, op, value } = f;
    if (f.negate) {
      q = q.not(column, op, filterValue(f, false));
      continue;
    }
    switch (op) {
      case 'in':
        q = q.in(column, (value as readonly unknown[]).map(wire));
        break;
      case 'is':
        q = q.is(column, value as null | boolean);
        break;
      case 'like':
      case 'ilike':
        q = q[op](column, String(value));
        break;
      default:
        q = q[op](column, Array.isArray(value) ? arrayLiteral(value) : wire(value));
    }
  }
  return q as B;
}

async function run(query: PromiseLike<PostgrestResponseLike>): Promise<PostgrestResponseLike> {
  const response = await query;
  if (response.error) throw new SupabaseTransportError(response.error, response.status);
  return response;
}

/**
 * A {@link DataTransport} over a supabase-js v2 client: every operation is one PostgREST request
 * to `supabase.schema(target.schema).from(target.table)` (the `Accept-Profile` /
 * `Content-Profile` header names the module's schema; prefixed tables live in `public`).
 * Browser-safe: it imports only supabase-js types, the caller brings the client.
 *
 * **Who the request runs as.** This transport does not set the request context's role or claims:
 * PostgREST takes them from the JWT the client sends. The platform mints that JWT for the module
 * and site (`role: 'modrole_<short id>'`, `sub: <user id>`, `site_id: <site id>`); create the
 * client with it, e.g. `createClient(url, anonKey, { accessToken: async () => platformJwt })`.
 * PostgREST then runs `SET LOCAL ROLE` and sets `request.jwt.claims` per request, which is what
 * the module's RLS policies read. The module's schema must be exposed to PostgREST (the
 * provisioner's expose option: `pgrst.db_schemas` plus `NOTIFY pgrst, 'reload config'`).
 *
 * **No transactions.** PostgREST runs each request in its own transaction and offers clients no
 * way to span several: `transaction()` throws a `NotSupportedError` (code `NOT_SUPPORTED`)
 * before running anything, so an atomic `batch` is refused rather than faked.
 *
 * Errors are thrown as {@link SupabaseTransportError}s carrying PostgREST's `code` (the SQLSTATE,
 * e.g. `42501`, `23505`), `details`, `hint` and `message`; the data client maps them.
 *
 * @example
 * ```ts
 * import { createClient } from '@supabase/supabase-js';
 * const supabase = createClient(url, anonKey, { accessToken: async () => moduleJwt });
 * const db = createDatabaseSDK({ definition: crm, siteId, transport: createSupabaseTransport(supabase) });
 * ```
 *
 * @throws Never itself; its operations throw {@link SupabaseTransportError} and `transaction`
 * throws `NotSupportedError`.
 */
export function createSupabaseTransport(
  supabase: SupabaseClient<any, any, any>,
  options: SupabaseTransportOptions = {},
): DataTransport {
  const countMethod = options.count ?? 'exact';
  // supabase-js's generated types cannot know module schemas; the data client has validated
  // every table and column already, so the builders are used untyped.
  const table = (target: TableTarget): any => supabase.schema(target.schema).from(target.table);

  const transport: DataTransport = {
    name: 'supabase',

    async select(_context: RequestContext, target: TableTarget, query: SelectQuery) {
      let q: FilterableBuilder = table(target).select(query.columns?.join(',') || '*');
      q = applyFilters(q, query.filters);
      for (const order of query.orderBy ?? []) {
        q = q.order(order.column, { ascending: order.ascending });
      }
      const offset = query.offset ?? 0;
      if (query.limit !== undefined) {
        q = q.range(offset, offset + query.limit - 1);
      } else if (offset > 0) {
        // An offset without a limit: PostgREST's open-ended Range header (`10-`).
        q = q.setHeader('Range-Unit', 'items').setHeader('Range', `${offset}-`);
      }
      const { data } = await run(q);
      return (data ?? []) as DataRow[];
    },

    async count(_context: RequestContext, target: TableTarget, filters: readonly Filter[]) {
      // HEAD with Prefer: count=...: PostgREST runs count(*) and sends no rows.
      const q = applyFilters(
        table(target).select('*', { count: countMethod, head: true }) as FilterableBuilder,
        filters,
      );
      const { count } = await run(q);
      return count ?? 0;
    },

    async insert(_context: RequestContext, target: TableTarget, rows: readonly DataRow[]) {
      if (rows.length === 0) return [];
      // defaultToNull: false sends `Prefer: missing=default`, so a column one record omits gets
      // its default, not NULL, when the records of one request name different columns.
      const { data } = await run(
        table(target).insert(rows.map(wireRow), { defaultToNull: false }).select(),
      );
      return (data ?? []) as DataRow[];
    },

    async update(
      _context: RequestContext,
      target: TableTarget,
      filters: readonly Filter[],
      patch: DataRow,
    ) {
      const q = applyFilters(
        table(target).update(wireRow(patch)) as FilterableBuilder,
        filters,
      ).select();
      const { data } = await run(q);
      return (data ?? []) as DataRow[];
    },

    async delete(_context: RequestContext, target: TableTarget, filters: readonly Filter[]) {
      // count=exact with return=minimal: PostgREST reports how many rows went in Content-Range.
      const q = applyFilters(
        table(target).delete({ count: 'exact' }) as FilterableBuilder,
        filters,
      );
      const { count } = await run(q);
      return count ?? 0;
    },

    async transaction<T>(): Promise<T> {
      throw new NotSupportedError(
        'The Supabase transport has no transactions: PostgREST runs every request in its own ' +
          'transaction and cannot span several. Use the Postgres transport on a server for atomic ' +
          'batches, or run the operations one by one.',
      );
    },
  };
  return transport;
}
