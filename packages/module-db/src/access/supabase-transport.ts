import { NotSupportedError } from '../errors';
import { columnKindOf, isExactNumeric } from './column-kind';
import {
  type ColumnFilter,
  type DataRow,
  type DataTransport,
  type Filter,
  type InsertOptions,
  isColumnFilter,
  type RequestContext,
  type SelectQuery,
  type TableTarget,
} from './data-transport';
import { parseNumericArray } from './numeric-array';
import type { SupabaseClientLike } from './supabase-client-like';

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
  is(column: string, value: null | boolean): FilterableBuilder;
  not(column: string, operator: string, value: unknown): FilterableBuilder;
  filter(column: string, operator: string, value: unknown): FilterableBuilder;
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
 * `Date` becomes ISO 8601 text; bytes become PostgreSQL's `\x` hex text (JSON has no bytes); a
 * `bigint` becomes its exact decimal text (JSON.stringify cannot write one, and a JSON number
 * would lose digits on the way back).
 */
function wire(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) {
    return `\\x${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  if (Array.isArray(value)) return value.map(wire);
  return value;
}

function wireRow(row: DataRow): DataRow {
  const out: DataRow = {};
  for (const [column, value] of Object.entries(row)) out[column] = wire(value);
  return out;
}

/**
 * A value in PostgREST's list and logic-tree grammar (`in.(...)`, `or=(...)`): always
 * double-quoted, with `"` and `\` backslash-escaped. PostgREST's parser (pQuotedValue) reads
 * a quoted value up to the closing quote and drops each escaping backslash, so `,`, `)`,
 * `(`, `.`, `:`, quotes, backslashes and leading or trailing spaces all stay inside one
 * value. (Unquoted, `a","b` would be read as two values, and supabase-js's own `in()` quotes
 * without escaping.)
 */
export function quotePostgrestValue(value: unknown): string {
  return `"${String(wire(value)).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An array value as a PostgreSQL array literal (for = on array columns). */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values
    .map((v) =>
      v === null
        ? 'NULL'
        : Array.isArray(v)
          ? arrayLiteral(v)
          : `"${String(wire(v)).replace(/[\\"]/g, (c) => `\\${c}`)}"`,
    )
    .join(',')}}`;
}

/**
 * Translates a SQL LIKE pattern (`%`, `_`, `\` escapes) into an anchored POSIX regular
 * expression with the same meaning. PostgREST rewrites every `*` of a `like`/`ilike` value
 * into `%`, with no way to escape it, so a pattern with a literal `*` is sent as
 * `match`/`imatch` (`~`/`~*`) instead. PostgreSQL's regex `.` matches any character,
 * newlines included, like LIKE's `_`.
 */
export function likeToRegex(pattern: string): string {
  const chars = Array.from(pattern);
  let out = '^';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\\') {
      const next = chars[++i];
      if (next !== undefined) out += escapeRegexChar(next);
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += escapeRegexChar(c);
  }
  return `${out}$`;
}

function escapeRegexChar(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}

/** The PostgREST operator and value of a validated filter. */
function operatorAndValue(f: ColumnFilter, inTree: boolean): [string, string] {
  if (f.op === 'is') return ['is', String(f.value)];
  if (f.op === 'in') {
    const items = (f.value as readonly unknown[]).map((v) =>
      quotePostgrestValue(Array.isArray(v) ? arrayLiteral(v) : v),
    );
    return ['in', `(${items.join(',')})`];
  }
  if ((f.op === 'like' || f.op === 'ilike') && String(f.value).includes('*')) {
    const regex = likeToRegex(String(f.value));
    return [f.op === 'like' ? 'match' : 'imatch', inTree ? quotePostgrestValue(regex) : regex];
  }
  const value = Array.isArray(f.value) ? arrayLiteral(f.value) : String(wire(f.value));
  // A top-level value is read verbatim to the end of the parameter: no quoting there.
  return [f.op, inTree ? quotePostgrestValue(value) : value];
}

/** A filter as a PostgREST logic-tree term: `col.eq."1"`, `col.not.in.("a","b")`, `and(...)`, `or(...)`. */
function treeTerm(f: Filter): string {
  if (!isColumnFilter(f)) return `or(${f.or.map(groupTerm).join(',')})`;
  const [op, value] = operatorAndValue(f, true);
  return `${f.column}.${f.negate ? 'not.' : ''}${op}.${value}`;
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
    const [op, value] = operatorAndValue(f, false);
    // filter()/not() append `column=[not.]op.value` as given; the builders' own in() and like()
    // would quote without escaping, or not at all.
    q = f.negate ? q.not(f.column, op, value) : q.filter(f.column, op, value);
  }
  return q as B;
}

/**
 * The `select` parameter: `*`, or the columns with `bigint`/`numeric` ones cast to text
 * (`amount::text`), so PostgREST sends their exact digits as JSON strings instead of numbers
 * that JSON.parse would round.
 */
function selectList(target: TableTarget, columns: readonly string[] | undefined): string {
  const names = columns ?? Object.keys(target.columnTypes);
  const exact = new Set(exactColumns(target, names));
  if (exact.size === 0) return columns?.join(',') || '*';
  return names.map((c) => (exact.has(c) ? `${c}::text` : c)).join(',');
}

function exactColumns(target: TableTarget, names: readonly string[]): string[] {
  return names.filter((name) => {
    const type = target.columnTypes[name];
    return type !== undefined && isExactNumeric(columnKindOf(type));
  });
}

/** Arrays of `bigint`/`numeric` arrive as array literals (`{1.5,2}`): read them into strings. */
function readRows(target: TableTarget, data: unknown): DataRow[] {
  const rows = (data ?? []) as DataRow[];
  const arrays = exactColumns(target, Object.keys(target.columnTypes)).filter((c) =>
    target.columnTypes[c]?.endsWith('[]'),
  );
  if (arrays.length === 0) return rows;
  for (const row of rows) {
    for (const column of arrays) {
      const value = row[column];
      if (typeof value === 'string') row[column] = parseNumericArray(value);
    }
  }
  return rows;
}

/**
 * How many rows the filters match, up to `limit`, over PostgREST. PostgREST's `count=exact`
 * counts every matching row whatever range is asked (its total ignores the limit), and
 * `planned`/`estimated` read the planner's estimate, which under row-level security is not the
 * caller's row count. So the rows themselves are read, one short column (`site_id`, which every
 * module table has), `limit` at most: the count is how many came back, and no order is needed
 * (the rows at offsets k to k+m-1 of any order number min(m, n-k)). PostgREST's `db-max-rows`
 * (1,000 on Supabase by default) may answer fewer rows than asked although more exist, so a short
 * page is followed by the next one from where it stopped: an empty answer is the end. One request
 * when there are no rows or at least `limit`; two or more otherwise.
 */
async function cappedCount(
  table: (target: TableTarget) => any,
  target: TableTarget,
  filters: readonly Filter[],
  limit: number,
): Promise<number> {
  let counted = 0;
  let page = limit;
  while (counted < limit) {
    const want = Math.min(page, limit - counted);
    const q = applyFilters(table(target).select('site_id') as FilterableBuilder, filters).range(
      counted,
      counted + want - 1,
    );
    const { data } = await run(q);
    const got = Array.isArray(data) ? data.length : 0;
    if (got === 0) break;
    counted += got;
    // Short: the end, or a page cut by db-max-rows; the next request tells.
    if (got < want) page = got;
  }
  return Math.min(counted, limit);
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
export function createSupabaseTransport(supabase: SupabaseClientLike): DataTransport {
  // supabase-js's generated types cannot know module schemas; the data client has validated
  // every table and column already, so the builders are used untyped.
  const table = (target: TableTarget): any => supabase.schema(target.schema).from(target.table);

  const transport: DataTransport = {
    name: 'supabase',

    async select(_context: RequestContext, target: TableTarget, query: SelectQuery) {
      let q: FilterableBuilder = table(target).select(selectList(target, query.columns));
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
      return readRows(target, data);
    },

    async count(
      context: RequestContext,
      target: TableTarget,
      filters: readonly Filter[],
      limit?: number,
    ) {
      if (limit !== undefined) return cappedCount(table, target, filters, limit);
      // HEAD with Prefer: count=exact: PostgREST runs count(*) and sends no rows. Its query
      // still selects the `select` list, so a visitor (SELECT on its declared columns only)
      // names `site_id`, which every module table grants it.
      const q = applyFilters(
        table(target).select(context.visitor ? 'site_id' : '*', {
          count: 'exact',
          head: true,
        }) as FilterableBuilder,
        filters,
      );
      const { count } = await run(q);
      return count ?? 0;
    },

    async insert(
      _context: RequestContext,
      target: TableTarget,
      rows: readonly DataRow[],
      options?: InsertOptions,
    ) {
      if (rows.length === 0) return [];
      // defaultToNull: false sends `Prefer: missing=default`, so a column one record omits gets
      // its default, not NULL, when the records of one request name different columns.
      if (options?.returning === false) {
        // No select(): no `return=representation`, so PostgREST uses its default `return=minimal`
        // and adds no RETURNING (a visitor may not read back what it inserts).
        await run(table(target).insert(rows.map(wireRow), { defaultToNull: false }));
        return [];
      }
      const { data } = await run(
        table(target)
          .insert(rows.map(wireRow), { defaultToNull: false })
          .select(selectList(target, undefined)),
      );
      return readRows(target, data);
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
      ).select(selectList(target, undefined));
      const { data } = await run(q);
      return readRows(target, data);
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
