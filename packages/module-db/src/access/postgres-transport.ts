import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely';
import { NotSupportedError } from '../errors';
import { columnKindOf, isExactNumeric } from './column-kind';
import {
  type DataRow,
  type DataTransport,
  type Filter,
  isColumnFilter,
  type ModuleStatus,
  type RequestContext,
  type SelectQuery,
  type TableTarget,
} from './data-transport';
import { parseNumericArray } from './numeric-array';

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

function isJsonType(type: string | undefined): boolean {
  return type === 'json' || type === 'jsonb';
}

/** A JavaScript bigint as exact decimal text (arrays element by element). */
function encodeValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value) && value.some((v) => typeof v === 'bigint' || Array.isArray(v))) {
    return value.map(encodeValue);
  }
  return value;
}

/**
 * JSON columns go as JSON text: `pg` would turn a JS array into a PostgreSQL array literal.
 * bigints go as decimal text, so `bigint` and `numeric` columns receive exact values.
 */
function encodeRow(target: TableTarget, row: DataRow): DataRow {
  const out: DataRow = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] =
      isJsonType(target.columnTypes[column]) && value !== null
        ? JSON.stringify(value)
        : encodeValue(value);
  }
  return out;
}

function condition(eb: ExpressionBuilder<any, any>, f: Filter): Expression<SqlBool> {
  if (!isColumnFilter(f)) {
    return eb.or(f.or.map((group) => eb.and(group.map((g) => condition(eb, g)))));
  }
  const value = encodeValue(f.value);
  const compared =
    f.op === 'is'
      ? eb(eb.ref(f.column), 'is', f.value as null)
      : // An array compared with = is one array value (a parameter), not a list: eb.val.
        eb(
          eb.ref(f.column),
          COMPARISON[f.op],
          Array.isArray(value) && f.op !== 'in' ? eb.val(value) : value,
        );
  return f.negate ? eb.not(compared) : compared;
}

function where(filters: readonly Filter[]) {
  return (eb: ExpressionBuilder<any, any>) => eb.and(filters.map((f) => condition(eb, f)));
}

/** Columns whose JSON form would lose digits: `bigint`, `numeric` (and arrays of them). */
function exactNumericColumns(target: TableTarget, columns: readonly string[] | undefined) {
  const names = columns ?? Object.keys(target.columnTypes);
  return names.filter((name) => {
    const type = target.columnTypes[name];
    return type !== undefined && isExactNumeric(columnKindOf(type));
  });
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

/** A `text` array literal (`{1.5,NULL}`) read back as nested arrays of strings. */
function exactArrays(row: DataRow, exact: readonly string[]): DataRow {
  for (const column of exact) {
    const value = row[column];
    if (typeof value === 'string' && value.startsWith('{')) row[column] = parseNumericArray(value);
  }
  return row;
}

/**
 * Runs `fn` in a transaction whose role and claims are set with `set_config(..., true)`: they end
 * with the transaction, so a pooled connection never carries one request's identity into the next.
 */
async function inContext<T>(
  db: Kysely<any>,
  context: RequestContext,
  fn: (trx: Transaction<any>) => Promise<T>,
) {
  return db.transaction().execute(async (trx) => {
    await setContext(trx, context);
    return fn(trx);
  });
}

/**
 * Sets the request's claims and role for this transaction only. Besides `request.jwt.claims`,
 * the legacy settings Supabase's `auth.uid()`, `auth.role()` and `auth.jwt()` read first
 * (`request.jwt.claim.sub`, `.role`, `.site_id`, and `request.jwt.claim` for the whole claims)
 * are set to the same values, an empty string when a claim is absent: a stale session-level value
 * on a pooled connection can then never win.
 */
async function setContext(trx: Kysely<any>, context: RequestContext): Promise<void> {
  const claim = (name: string) => {
    const value = context.claims[name];
    return typeof value === 'string' ? value : '';
  };
  const claims = JSON.stringify(context.claims);
  await sql`select set_config('request.jwt.claims', ${claims}, true),
    set_config('request.jwt.claim', ${claims}, true),
    set_config('request.jwt.claim.sub', ${claim('sub')}, true),
    set_config('request.jwt.claim.role', ${claim('role')}, true),
    set_config('request.jwt.claim.site_id', ${claim('site_id')}, true),
    set_config('role', ${context.role}, true)`.execute(trx);
}

/** The platform's `dramac_module_status`, as the connecting user (never as the module role). */
async function moduleStatus(
  db: Kysely<any>,
  context: RequestContext,
): Promise<ModuleStatus | undefined> {
  try {
    const { rows } = await sql<{
      status: { installed?: unknown; version?: unknown; status?: unknown } | null;
    }>`select public.dramac_module_status(${context.shortId}) as status`.execute(db);
    const status = rows[0]?.status;
    if (!status || typeof status !== 'object') return undefined;
    return {
      installed: status.installed === true,
      version: typeof status.version === 'string' ? status.version : undefined,
      status: typeof status.status === 'string' ? status.status : undefined,
    };
  } catch {
    // An older platform without the function, or a user without EXECUTE: the database cannot
    // tell, and the original error stands.
    return undefined;
  }
}

function operations(
  run: <T>(context: RequestContext, fn: (db: Kysely<any>) => Promise<T>) => Promise<T>,
) {
  return {
    select(context: RequestContext, target: TableTarget, query: SelectQuery) {
      return run(context, async (db) => {
        let inner = db
          .withSchema(target.schema)
          .selectFrom(target.table)
          .where(where(query.filters));
        inner = query.columns ? inner.select(query.columns as string[]) : inner.selectAll();
        for (const o of query.orderBy ?? [])
          inner = inner.orderBy(o.column, o.ascending ? 'asc' : 'desc');
        if (query.limit !== undefined) inner = inner.limit(query.limit);
        if (query.offset !== undefined) inner = inner.offset(query.offset);
        const exact = exactNumericColumns(target, query.columns);
        const rows = await db
          .selectFrom(inner.as('r'))
          .select(asJson('r', exact).as('row'))
          .execute();
        return rows.map((r) => exactArrays(r.row as DataRow, exact));
      });
    },
    count(context: RequestContext, target: TableTarget, filters: readonly Filter[]) {
      return run(context, async (db) => {
        const row = await db
          .withSchema(target.schema)
          .selectFrom(target.table)
          .where(where(filters))
          .select(sql<string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
        return Number(row.n);
      });
    },
    insert(context: RequestContext, target: TableTarget, rows: readonly DataRow[]) {
      return run(context, async (db) => {
        const out = await db
          .with('w', (qb) =>
            qb
              .withSchema(target.schema)
              .insertInto(target.table)
              .values(rows.map((r) => encodeRow(target, r)))
              .returningAll(),
          )
          .selectFrom('w')
          .select(asJson('w', exactNumericColumns(target, undefined)).as('row'))
          .execute();
        const exact = exactNumericColumns(target, undefined);
        return out.map((r) => exactArrays(r.row as DataRow, exact));
      });
    },
    update(
      context: RequestContext,
      target: TableTarget,
      filters: readonly Filter[],
      patch: DataRow,
    ) {
      return run(context, async (db) => {
        const out = await db
          .with('w', (qb) =>
            qb
              .withSchema(target.schema)
              .updateTable(target.table)
              .set(encodeRow(target, patch))
              .where(where(filters))
              .returningAll(),
          )
          .selectFrom('w')
          .select(asJson('w', exactNumericColumns(target, undefined)).as('row'))
          .execute();
        const exact = exactNumericColumns(target, undefined);
        return out.map((r) => exactArrays(r.row as DataRow, exact));
      });
    },
    delete(context: RequestContext, target: TableTarget, filters: readonly Filter[]) {
      return run(context, async (db) => {
        const result = await db
          .withSchema(target.schema)
          .deleteFrom(target.table)
          .where(where(filters))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

/**
 * The Postgres transport (server only): Kysely over any Postgres dialect (a `pg` pool, usually).
 * Every operation is one transaction that sets the module's role and the request claims with
 * `set_config(..., true)` (`SET LOCAL ROLE` semantics), never a session-level `SET`, so it is safe
 * behind PgBouncer in transaction mode and with interleaved calls on one connection.
 *
 * The connecting user must be allowed to switch to module roles: a superuser, or a member of
 * `dramac_data_api` (every module role is granted to it when provisioned).
 *
 * @example
 * const transport = createPostgresTransport(db);
 * const sdk = createDatabaseSDK({ definition: crm, siteId, userId, transport });
 */
export function createPostgresTransport(db: Kysely<any>): DataTransport {
  const run = <T>(context: RequestContext, fn: (db: Kysely<any>) => Promise<T>) =>
    inContext(db, context, fn);
  return Object.freeze({
    name: 'postgres',
    ...operations(run),
    transaction<T>(
      context: RequestContext,
      fn: (transport: DataTransport) => Promise<T>,
    ): Promise<T> {
      return inContext(db, context, (trx) => fn(transactionTransport(trx, context)));
    },
    moduleStatus: (context: RequestContext) => moduleStatus(db, context),
  });
}

/** Operations inside an open transaction whose context is already set. */
function transactionTransport(trx: Transaction<any>, bound: RequestContext): DataTransport {
  const run = async <T>(context: RequestContext, fn: (db: Kysely<any>) => Promise<T>) => {
    if (
      context.role !== bound.role ||
      context.siteId !== bound.siteId ||
      context.userId !== bound.userId
    ) {
      throw new NotSupportedError('a transaction serves the context it was opened with');
    }
    return fn(trx);
  };
  return Object.freeze({
    name: 'postgres',
    ...operations(run),
    transaction<T>(): Promise<T> {
      return Promise.reject(new NotSupportedError('transactions do not nest'));
    },
  });
}
