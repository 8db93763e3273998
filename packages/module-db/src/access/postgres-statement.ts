/**
 * The SQL of the Postgres transport's operations, compiled once per query *shape* and reused.
 *
 * A shape is everything that changes the SQL text: the table, the columns, the filters' columns,
 * operators and nesting, the length of an `in` list, the value of an `is`, whether there is a
 * limit or an offset. Values never change the text: they are parameters. So the text of a shape
 * is compiled by Kysely once (with placeholder objects where the values go), kept in a bounded
 * cache, and every later call with the same shape only walks its filters to collect the values.
 * Kysely stays the only thing that writes SQL (identifiers through its compiler, values as `$n`
 * parameters); the cache only skips building and compiling the same tree again.
 *
 * Each cached shape also gets a statement name derived from a hash of its text, so the transport
 * can use named prepared statements: a name always stands for the same text, in every process
 * (two processes behind one PgBouncer can never bind each other's statement under one name).
 */
import { createHash } from 'node:crypto';
import {
  DummyDriver,
  type Expression,
  type ExpressionBuilder,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import { columnKindOf, isExactNumeric } from './column-kind';
import {
  type ColumnFilter,
  type DataRow,
  type Filter,
  isColumnFilter,
  type RequestContext,
  type SelectQuery,
  type TableTarget,
} from './data-transport';

/** A statement ready to send: its text, a prepared-statement name, and its parameter values. */
export interface Statement {
  readonly text: string;
  /** `dramac_<hash of the text>`; undefined when the shape is not cached (see MAX_NAMED). */
  readonly name: string | undefined;
  readonly values: unknown[];
}

/** How many shapes the compiled-text cache keeps (least recently used ones are dropped). */
const MAX_SHAPES = 2_000;

/**
 * How many distinct shapes get a prepared-statement name in this process. Each named statement
 * lives on every server connection that ran it until the connection closes, so the number is
 * bounded: shapes past it (a process that builds unbounded `in` lists, say) are sent unnamed.
 */
export const MAX_NAMED = 500;

const COMPARISON = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
  in: 'in',
  is: 'is',
} as const;

/** Stands for the value at `index` while a shape is compiled; Kysely treats it as a plain value. */
class Slot {
  constructor(readonly index: number) {}
}

/** Compiles only: no driver, no connection. */
const compiler = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

interface CompiledShape {
  readonly text: string;
  readonly name: string | undefined;
  /** Parameter i of the text is value `order[i]` of the walk; null when they are in walk order. */
  readonly order: readonly number[] | null;
}

const shapes = new Map<string, CompiledShape>();
const named = new Set<string>();

function nameFor(text: string): string | undefined {
  const name = `dramac_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  if (named.has(name)) return name;
  if (named.size >= MAX_NAMED) return undefined;
  named.add(name);
  return name;
}

/**
 * The statement of `key`: from the cache, or compiled now from `build` (which receives the slots
 * standing for `values`, in walk order). Throws if Kysely's parameters are not exactly the slots,
 * which would mean the walk and the build disagree (a bug, never a caller's input).
 */
function statement(
  key: string,
  values: unknown[],
  build: (slots: readonly Slot[]) => { compile(): { sql: string; parameters: readonly unknown[] } },
): Statement {
  let shape = shapes.get(key);
  if (shape) {
    // Most recently used last, so the first key is the one to drop.
    shapes.delete(key);
    shapes.set(key, shape);
  } else {
    const slots = values.map((_, i) => new Slot(i));
    const compiled = build(slots).compile();
    const order = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1));
    const seen = new Set(order);
    if (order.length !== values.length || seen.size !== values.length || seen.has(-1)) {
      throw new Error(`internal: the parameters of ${key} do not match its values`);
    }
    shape = {
      text: compiled.sql,
      name: nameFor(compiled.sql),
      order: order.every((o, i) => o === i) ? null : order,
    };
    shapes.set(key, shape);
    if (shapes.size > MAX_SHAPES) shapes.delete(shapes.keys().next().value as string);
  }
  const ordered = shape.order ? shape.order.map((i) => values[i]) : values;
  return { text: shape.text, name: shape.name, values: ordered };
}

/** A JavaScript bigint as exact decimal text (arrays element by element). */
function encodeValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value) && value.some((v) => typeof v === 'bigint' || Array.isArray(v))) {
    return value.map(encodeValue);
  }
  return value;
}

/** What the transport knows about a table beyond its target, computed once per target. */
interface TableShape {
  /** `"schema"."table"` plus the exact-numeric columns: the part of every key about the table. */
  readonly key: string;
  readonly json: ReadonlySet<string>;
  /** `bigint`/`numeric` columns (and arrays of them): read as text next to `to_jsonb`. */
  readonly exact: ReadonlySet<string>;
  /** All exact columns, in declaration order, for `returning *` and `select *`. */
  readonly allExact: readonly string[];
  /** The exact columns that are arrays, whose text must be parsed back. */
  readonly exactArrays: ReadonlySet<string>;
}

const tables = new WeakMap<TableTarget, TableShape>();

function tableShape(target: TableTarget): TableShape {
  let shape = tables.get(target);
  if (!shape) {
    const json = new Set<string>();
    const exact: string[] = [];
    const exactArrays = new Set<string>();
    for (const [column, type] of Object.entries(target.columnTypes)) {
      if (type === 'json' || type === 'jsonb') json.add(column);
      const kind = columnKindOf(type);
      if (isExactNumeric(kind)) {
        exact.push(column);
        if (kind.array) exactArrays.add(column);
      }
    }
    shape = {
      key: `${target.schema}\u0001${target.table}\u0001${exact.join(',')}`,
      json,
      exact: new Set(exact),
      allExact: exact,
      exactArrays,
    };
    tables.set(target, shape);
  }
  return shape;
}

/** Post-processing of returned rows: arrays of exact numbers arrive as text and are parsed. */
export function exactArrayColumns(target: TableTarget): ReadonlySet<string> {
  return tableShape(target).exactArrays;
}

/**
 * Walks the filters in order: returns their shape (for the key) and appends their values to
 * `values`. slotFilters visits them in the same order, so value i is slot i.
 */
function walkFilters(filters: readonly Filter[], values: unknown[]): string {
  let key = '';
  for (const f of filters) {
    if (!isColumnFilter(f)) {
      key += '(';
      for (const group of f.or) key += `[${walkFilters(group, values)}]`;
      key += ')';
      continue;
    }
    key += `${f.column}:${f.op}${f.negate ? '!' : ''}`;
    if (f.op === 'is') key += `:${String(f.value)}`;
    else if (f.op === 'in') {
      const list = f.value as readonly unknown[];
      key += `:${list.length}`;
      for (const v of list) values.push(encodeValue(v));
    } else values.push(encodeValue(f.value));
    key += ';';
  }
  return key;
}

/** The filters with their values replaced by slots, in the order walkFilters took them. */
function slotFilters(filters: readonly Filter[], slots: readonly Slot[], next: { i: number }) {
  return filters.map((f): Filter => {
    if (!isColumnFilter(f)) return { or: f.or.map((g) => slotFilters(g, slots, next)) };
    if (f.op === 'is') return f;
    if (f.op === 'in') {
      return { ...f, value: (f.value as readonly unknown[]).map(() => slots[next.i++]) };
    }
    return { ...f, value: slots[next.i++] };
  });
}

function condition(eb: ExpressionBuilder<any, any>, f: Filter): Expression<SqlBool> {
  if (!isColumnFilter(f)) {
    return eb.or(f.or.map((group) => eb.and(group.map((g) => condition(eb, g)))));
  }
  const c = f as ColumnFilter;
  // `is` takes null/true/false, written into the text by Kysely; every other value is a slot
  // (one parameter, also for an array value) or, for `in`, a list of slots.
  const compared =
    c.op === 'is'
      ? eb(eb.ref(c.column), 'is', c.value as null)
      : eb(eb.ref(c.column), COMPARISON[c.op], c.value);
  return c.negate ? eb.not(compared) : compared;
}

function where(filters: readonly Filter[]) {
  return (eb: ExpressionBuilder<any, any>) => eb.and(filters.map((f) => condition(eb, f)));
}

/**
 * Rows come back through `to_jsonb`, as PostgREST returns them: timestamps as ISO strings, JSON
 * as JSON, so both transports hand the SDK the same values. `bigint` and `numeric` columns are
 * overlaid as their exact text (`9007199254740993`, `12345678901234567890.0123456789`): as JSON
 * numbers they would pass through a JavaScript float. `jsonb_build_object` takes 100 arguments,
 * hence the chunks.
 */
function asJson(alias: string, exact: readonly string[]): RawBuilder<DataRow> {
  const row = sql.id(alias);
  const overlays: RawBuilder<unknown>[] = [];
  for (let i = 0; i < exact.length; i += 50) {
    const pairs = exact
      .slice(i, i + 50)
      .map((column) => sql`${sql.lit(column)}, to_jsonb(${row}.${sql.id(column)}::text)`);
    overlays.push(sql`jsonb_build_object(${sql.join(pairs)})`);
  }
  return overlays.length === 0
    ? sql<DataRow>`to_jsonb(${row})`
    : sql<DataRow>`to_jsonb(${row}) || ${sql.join(overlays, sql` || `)}`;
}

/** `select to_jsonb(r) as row from (select ... where ... order by ... limit ... offset ...) r`. */
export function selectStatement(target: TableTarget, query: SelectQuery): Statement {
  const table = tableShape(target);
  const values: unknown[] = [];
  let key = `s\u0001${table.key}\u0001${query.columns?.join(',') ?? '*'}\u0001${walkFilters(query.filters, values)}\u0001`;
  if (query.orderBy) for (const o of query.orderBy) key += `${o.column}${o.ascending ? '+' : '-'}`;
  if (query.limit !== undefined) {
    key += '\u0001l';
    values.push(query.limit);
  }
  if (query.offset !== undefined) {
    key += '\u0001o';
    values.push(query.offset);
  }
  return statement(key, values, (slots) => {
    const next = { i: 0 };
    const filters = slotFilters(query.filters, slots, next);
    let inner = compiler.withSchema(target.schema).selectFrom(target.table).where(where(filters));
    inner = query.columns ? inner.select(query.columns as string[]) : inner.selectAll();
    for (const o of query.orderBy ?? [])
      inner = inner.orderBy(o.column, o.ascending ? 'asc' : 'desc');
    if (query.limit !== undefined) inner = inner.limit(slots[next.i++] as never);
    if (query.offset !== undefined) inner = inner.offset(slots[next.i++] as never);
    const exact = query.columns ? query.columns.filter((c) => table.exact.has(c)) : table.allExact;
    return compiler.selectFrom(inner.as('r')).select(asJson('r', exact).as('row'));
  });
}

/** The site condition every call carries: `site_id = <the context's site>`. */
function isSiteFilter(filter: Filter): boolean {
  return isColumnFilter(filter) && filter.column === 'site_id' && filter.op === 'eq';
}

/**
 * `count(*)` of what the filters match; with `limit`, of at most that many rows
 * (`select count(*) from (select 1 from ... where ... limit $n) s`), so the cost stops at the cap.
 * `mayReadKey`: the caller may read the table's key column (false for a visitor), so a capped
 * count of a whole site can go in the key's order.
 */
export function countStatement(
  target: TableTarget,
  filters: readonly Filter[],
  limit: number | undefined,
  mayReadKey = true,
): Statement {
  const table = tableShape(target);
  const values: unknown[] = [];
  let key = `c\u0001${table.key}\u0001${walkFilters(filters, values)}`;
  // One whole site: in the order of its key, the primary key's index (site_id, key) yields the
  // site's first rows at once. Unordered, the planner expects a sequential scan to meet them as
  // soon, which holds for rows written over time but not for a site whose rows were written in
  // one block after other sites' (it reads theirs first). Not without a site (an admin client
  // counting every site: the key alone leads no index, so the order would sort the table), and
  // not for a caller that may not read the key column (a visitor reads its declared columns only).
  const byKey =
    limit !== undefined &&
    mayReadKey &&
    target.primaryKey !== undefined &&
    filters.length > 0 &&
    filters.every(isSiteFilter)
      ? target.primaryKey
      : undefined;
  if (limit !== undefined) {
    key += `\u0001l${byKey === undefined ? '' : `\u0001o${byKey}`}`;
    values.push(limit);
  }
  return statement(key, values, (slots) => {
    const next = { i: 0 };
    const slotted = slotFilters(filters, slots, next);
    const base = compiler.withSchema(target.schema).selectFrom(target.table).where(where(slotted));
    if (limit === undefined) return base.select(sql<string>`count(*)`.as('n'));
    let inner = base.select(sql`1`.as('one'));
    if (byKey !== undefined) inner = inner.orderBy(byKey);
    const capped = inner.limit(slots[next.i++] as never).as('s');
    return compiler.selectFrom(capped).select(sql<string>`count(*)`.as('n'));
  });
}

/**
 * JSON columns go as JSON text: `pg` would turn a JS array into a PostgreSQL array literal.
 * bigints go as decimal text, so `bigint` and `numeric` columns receive exact values.
 */
function walkRow(table: TableShape, row: DataRow, values: unknown[]): string {
  let key = '';
  for (const column in row) {
    const value = row[column];
    values.push(
      table.json.has(column) && value !== null ? JSON.stringify(value) : encodeValue(value),
    );
    key += `${column},`;
  }
  return key;
}

function slotRow(row: DataRow, slots: readonly Slot[], next: { i: number }): DataRow {
  const out: DataRow = {};
  for (const column in row) out[column] = slots[next.i++];
  return out;
}

/**
 * `with w as (insert ... returning *) select to_jsonb(w) as row from w`; with `returning: false`
 * a plain `insert ... values ...` (a visitor may insert columns it may not read back, and
 * `RETURNING` needs SELECT on what it returns).
 */
export function insertStatement(
  target: TableTarget,
  rows: readonly DataRow[],
  returning = true,
): Statement {
  const table = tableShape(target);
  const values: unknown[] = [];
  let key = `${returning ? 'i' : 'I'}\u0001${table.key}\u0001`;
  for (const row of rows) key += `${walkRow(table, row, values)}|`;
  return statement(key, values, (slots) => {
    const next = { i: 0 };
    const slotted = rows.map((r) => slotRow(r, slots, next));
    if (!returning)
      return compiler.withSchema(target.schema).insertInto(target.table).values(slotted);
    return compiler
      .with('w', (qb) =>
        qb.withSchema(target.schema).insertInto(target.table).values(slotted).returningAll(),
      )
      .selectFrom('w')
      .select(asJson('w', table.allExact).as('row'));
  });
}

/** `with w as (update ... set ... where ... returning *) select to_jsonb(w) as row from w`. */
export function updateStatement(
  target: TableTarget,
  filters: readonly Filter[],
  patch: DataRow,
): Statement {
  const table = tableShape(target);
  const values: unknown[] = [];
  const set = walkRow(table, patch, values);
  const key = `u\u0001${table.key}\u0001${set}\u0001${walkFilters(filters, values)}`;
  return statement(key, values, (slots) => {
    const next = { i: 0 };
    const slottedPatch = slotRow(patch, slots, next);
    const slotted = slotFilters(filters, slots, next);
    return compiler
      .with('w', (qb) =>
        qb
          .withSchema(target.schema)
          .updateTable(target.table)
          .set(slottedPatch)
          .where(where(slotted))
          .returningAll(),
      )
      .selectFrom('w')
      .select(asJson('w', table.allExact).as('row'));
  });
}

/** `delete from ... where ...`; the row count comes from the command tag. */
export function deleteStatement(target: TableTarget, filters: readonly Filter[]): Statement {
  const table = tableShape(target);
  const values: unknown[] = [];
  const key = `d\u0001${table.key}\u0001${walkFilters(filters, values)}`;
  return statement(key, values, (slots) => {
    const slotted = slotFilters(filters, slots, { i: 0 });
    return compiler.withSchema(target.schema).deleteFrom(target.table).where(where(slotted));
  });
}

/**
 * Sets the request's claims and role for this transaction only. Besides `request.jwt.claims`,
 * the legacy settings Supabase's `auth.uid()`, `auth.role()` and `auth.jwt()` read first
 * (`request.jwt.claim.sub`, `.role`, `.site_id`, and `request.jwt.claim` for the whole claims)
 * are set to the same values, an empty string when a claim is absent: a stale session-level value
 * on a pooled connection can then never win.
 */
export function contextStatement(context: RequestContext): Statement {
  const claim = (name: string) => {
    const value = context.claims[name];
    return typeof value === 'string' ? value : '';
  };
  const claims = JSON.stringify(context.claims);
  const values = [
    claims,
    claims,
    claim('sub'),
    claim('role'),
    claim('site_id'),
    context.role,
    context.role,
  ];
  // Custom plans, for the transaction: the statements are named and prepared once per connection,
  // and every one filters on `site_id = $n`. After five executions PostgreSQL may keep a generic
  // plan costed for an average site, which for one site holding most of a table is an index scan
  // over all its rows (a count of 1,000,000 rows took 12x a custom plan's time in `pnpm bench`).
  // Sites differ in size by orders of magnitude: each call is planned for its own site.
  // The module role's statement and lock timeouts (platform quotas, `ALTER ROLE ... IN DATABASE
  // ... SET`): SET ROLE does not apply a role's settings, so they are applied here, for the
  // transaction, as PostgREST does for the role it switches to; a stricter one the connection
  // already has is kept.
  return statement('context', values, (s) =>
    compiler.selectNoFrom([
      sql<string>`set_config('request.jwt.claims', ${s[0]}, true), set_config('request.jwt.claim', ${s[1]}, true), set_config('request.jwt.claim.sub', ${s[2]}, true), set_config('request.jwt.claim.role', ${s[3]}, true), set_config('request.jwt.claim.site_id', ${s[4]}, true), set_config('role', ${s[5]}, true), set_config('plan_cache_mode', 'force_custom_plan', true)`.as(
        'context',
      ),
      sql<number>`(select count(pg_catalog.set_config(x.name, x.value, true))
        from pg_catalog.pg_db_role_setting d
        cross join lateral pg_catalog.unnest(d.setconfig) c(setting)
        cross join lateral (select pg_catalog.split_part(c.setting, '=', 1) as name,
          pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as value) x
        where d.setrole = (select r.oid from pg_catalog.pg_roles r where r.rolname = ${s[6]})
          and d.setdatabase = (select b.oid from pg_catalog.pg_database b where b.datname = pg_catalog.current_database())
          and x.name in ('statement_timeout', 'lock_timeout')
          and case when x.value ~ '^[0-9]+$' then (
            -- The connection's own value in ms (current_setting shows it with a unit, e.g. 1min),
            -- not from pg_settings: that view builds every setting of the server on each call.
            select cur.ms = 0 or x.value::bigint < cur.ms
            from (select (extract(epoch from pg_catalog.current_setting(x.name)::interval) * 1000)::bigint as ms) cur)
          else false end)`.as('timeouts'),
    ]),
  );
}
