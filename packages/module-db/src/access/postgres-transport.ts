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
import {
  type DataRow,
  type DataTransport,
  type Filter,
  isColumnFilter,
  type RequestContext,
  type SelectQuery,
  type TableTarget,
} from './data-transport';

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

/** JSON columns go as JSON text: `pg` would turn a JS array into a PostgreSQL array literal. */
function encodeRow(target: TableTarget, row: DataRow): DataRow {
  const out: DataRow = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] =
      isJsonType(target.columnTypes[column]) && value !== null ? JSON.stringify(value) : value;
  }
  return out;
}

function condition(eb: ExpressionBuilder<any, any>, f: Filter): Expression<SqlBool> {
  if (!isColumnFilter(f)) {
    return eb.or(f.or.map((group) => eb.and(group.map((g) => condition(eb, g)))));
  }
  const compared =
    f.op === 'is'
      ? eb(eb.ref(f.column), 'is', f.value as null)
      : // An array compared with = is one array value (a parameter), not a list: eb.val.
        eb(
          eb.ref(f.column),
          COMPARISON[f.op],
          Array.isArray(f.value) && f.op !== 'in' ? eb.val(f.value) : f.value,
        );
  return f.negate ? eb.not(compared) : compared;
}

function where(filters: readonly Filter[]) {
  return (eb: ExpressionBuilder<any, any>) => eb.and(filters.map((f) => condition(eb, f)));
}

// Rows come back through to_jsonb, as PostgREST returns them: timestamps as ISO strings, numeric as
// JSON numbers, so both transports hand the SDK the same values.
const asJson = (alias: string): RawBuilder<DataRow> => sql<DataRow>`to_jsonb(${sql.id(alias)})`;

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

async function setContext(trx: Kysely<any>, context: RequestContext): Promise<void> {
  await sql`select set_config('request.jwt.claims', ${JSON.stringify(context.claims)}, true), set_config('role', ${context.role}, true)`.execute(
    trx,
  );
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
        const rows = await db.selectFrom(inner.as('r')).select(asJson('r').as('row')).execute();
        return rows.map((r) => r.row as DataRow);
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
          .select(asJson('w').as('row'))
          .execute();
        return out.map((r) => r.row as DataRow);
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
          .select(asJson('w').as('row'))
          .execute();
        return out.map((r) => r.row as DataRow);
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
