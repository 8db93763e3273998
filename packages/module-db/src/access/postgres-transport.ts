import { CompiledQuery, type Kysely, sql } from 'kysely';
import { NotSupportedError } from '../errors';
import type {
  DataRow,
  DataTransport,
  Filter,
  InsertOptions,
  ModuleStatus,
  RequestContext,
  SelectQuery,
  TableTarget,
} from './data-transport';
import { parseNumericArray } from './numeric-array';
import {
  isStatementNameError,
  type PgClientLike,
  type PgResult,
  PipelinedTransaction,
  type PipelineMode,
  type PostgresPool,
  runPipelined,
} from './pg-pipeline';
import {
  contextStatement,
  countStatement,
  deleteStatement,
  exactArrayColumns,
  insertStatement,
  type Statement,
  selectStatement,
  updateStatement,
} from './postgres-statement';

/**
 * Options of {@link createPostgresTransport}.
 *
 * @example
 * // Behind PgBouncer 1.18 in transaction mode (no protocol-level prepared statements):
 * const transport = createPostgresTransport(pool, { preparedStatements: false });
 * @throws Never; this is a type.
 */
export interface PostgresTransportOptions {
  /**
   * Named prepared statements (default `true`): each query shape is parsed and planned once per
   * server connection, then only bound and executed. Set `false` behind a pooler that cannot keep
   * them: PgBouncer before 1.21, or 1.21+ in transaction mode with `max_prepared_statements = 0`.
   * (When the server answers that a statement name is missing or taken, the transport switches
   * this pool to unnamed statements by itself and retries that call once: nothing of it ran.)
   * Only the pool form uses prepared statements.
   */
  readonly preparedStatements?: boolean;
}

/** What every operation needs from a way of running statements. */
interface Runner {
  run(context: RequestContext, statement: Statement): Promise<PgResult>;
}

/** A row of `to_jsonb` with arrays of exact numbers parsed from their text. */
function readRows(target: TableTarget, result: PgResult): DataRow[] {
  const arrays = exactArrayColumns(target);
  const out: DataRow[] = new Array(result.rows.length);
  for (let i = 0; i < result.rows.length; i++) {
    const row = (result.rows[i] as { row: DataRow }).row;
    if (arrays.size > 0) {
      for (const column of arrays) {
        const value = row[column];
        if (typeof value === 'string' && value.startsWith('{'))
          row[column] = parseNumericArray(value);
      }
    }
    out[i] = row;
  }
  return out;
}

function operations(runner: Runner) {
  return {
    async select(context: RequestContext, target: TableTarget, query: SelectQuery) {
      return readRows(target, await runner.run(context, selectStatement(target, query)));
    },
    async count(
      context: RequestContext,
      target: TableTarget,
      filters: readonly Filter[],
      limit?: number,
    ) {
      const result = await runner.run(
        context,
        countStatement(target, filters, limit, !context.visitor),
      );
      return Number((result.rows[0] as { n: string | number }).n);
    },
    async insert(
      context: RequestContext,
      target: TableTarget,
      rows: readonly DataRow[],
      options?: InsertOptions,
    ) {
      const returning = options?.returning !== false;
      const result = await runner.run(context, insertStatement(target, rows, returning));
      return returning ? readRows(target, result) : [];
    },
    async update(
      context: RequestContext,
      target: TableTarget,
      filters: readonly Filter[],
      patch: DataRow,
    ) {
      return readRows(target, await runner.run(context, updateStatement(target, filters, patch)));
    },
    async delete(context: RequestContext, target: TableTarget, filters: readonly Filter[]) {
      const result = await runner.run(context, deleteStatement(target, filters));
      return result.rowCount ?? 0;
    },
  };
}

/** The context statement's values, computed once per (frozen) context. */
const contextValues = new WeakMap<RequestContext, Statement>();

function contextOf(context: RequestContext): Statement {
  let statement = contextValues.get(context);
  if (!statement) {
    statement = contextStatement(context);
    contextValues.set(context, statement);
  }
  return statement;
}

function sameContext(a: RequestContext, b: RequestContext): boolean {
  return a.role === b.role && a.siteId === b.siteId && a.userId === b.userId;
}

const NO_NESTING = () => Promise.reject(new NotSupportedError('transactions do not nest'));

/** Operations inside an open transaction whose context is already set. */
function inTransaction(
  bound: RequestContext,
  run: (statement: Statement) => Promise<PgResult>,
): DataTransport {
  return Object.freeze({
    name: 'postgres',
    ...operations({
      run(context, statement) {
        if (!sameContext(context, bound)) {
          return Promise.reject(
            new NotSupportedError('a transaction serves the context it was opened with'),
          );
        }
        return run(statement);
      },
    }),
    transaction: NO_NESTING,
  });
}

/** The platform's `dramac_module_status`, as the connecting user (never as the module role). */
function readModuleStatus(rows: readonly { status?: unknown }[]): ModuleStatus | undefined {
  const status = rows[0]?.status as
    | { installed?: unknown; version?: unknown; status?: unknown }
    | null
    | undefined;
  if (!status || typeof status !== 'object') return undefined;
  return {
    installed: status.installed === true,
    version: typeof status.version === 'string' ? status.version : undefined,
    status: typeof status.status === 'string' ? status.status : undefined,
  };
}

const modes = new WeakMap<object, PipelineMode>();

/** Over a node-postgres pool: one round trip per call. */
function poolTransport(pool: PostgresPool, options: PostgresTransportOptions): DataTransport {
  let mode = modes.get(pool);
  if (!mode) {
    mode = { named: options.preparedStatements !== false };
    modes.set(pool, mode);
  } else if (options.preparedStatements === false) mode.named = false;
  const state = mode;
  const once = async (context: RequestContext, statement: Statement, named: boolean) =>
    runPipelined((await pool.connect()) as PgClientLike, contextOf(context), statement, named);
  const runner: Runner = {
    async run(context, statement) {
      const named = state.named;
      try {
        return await once(context, statement, named);
      } catch (error) {
        // A pooler that does not keep named statements: nothing of this call ran (the statement
        // could not even be bound), so it is retried once, unnamed, and so is every later call.
        if (!named || !isStatementNameError(error)) throw error;
        state.named = false;
        return once(context, statement, false);
      }
    },
  };
  return Object.freeze({
    name: 'postgres',
    ...operations(runner),
    async transaction<T>(
      context: RequestContext,
      fn: (transport: DataTransport) => Promise<T>,
    ): Promise<T> {
      // Unnamed statements here: a statement that fails half-way through a transaction cannot
      // be retried the way a single call is, so nothing here depends on a pooler keeping names.
      const client = (await pool.connect()) as PgClientLike;
      const tx = new PipelinedTransaction(client, contextOf(context), false);
      let result: T;
      try {
        result = await fn(inTransaction(context, (statement) => tx.run(statement)));
      } catch (error) {
        await tx.rollback();
        throw error;
      }
      await tx.commit();
      return result;
    },
    async moduleStatus(context: RequestContext) {
      const client = (await pool.connect()) as PgClientLike;
      try {
        const r = await new Promise<PgResult>((resolve, reject) =>
          client.query(
            {
              text: 'select public.dramac_module_status($1) as status',
              values: [context.shortId],
            },
            (error, result) => (error ? reject(error) : resolve(result)),
          ),
        );
        client.release();
        return readModuleStatus(r.rows);
      } catch {
        client.release(true);
        // An older platform without the function, or a user without EXECUTE: the database
        // cannot tell, and the original error stands.
        return undefined;
      }
    },
  });
}

/** Over any Kysely Postgres dialect: BEGIN, the context, the statement and COMMIT in turn. */
function kyselyTransport(db: Kysely<any>): DataTransport {
  const execute = async (executor: Kysely<any>, statement: Statement): Promise<PgResult> => {
    const r = await executor.executeQuery(CompiledQuery.raw(statement.text, statement.values));
    return {
      rows: r.rows as any[],
      rowCount: r.numAffectedRows === undefined ? null : Number(r.numAffectedRows),
      command: '',
    };
  };
  const inContext = <T>(context: RequestContext, fn: (trx: Kysely<any>) => Promise<T>) =>
    db.transaction().execute(async (trx) => {
      await execute(trx, contextOf(context));
      return fn(trx);
    });
  return Object.freeze({
    name: 'postgres',
    ...operations({
      run: (context, statement) => inContext(context, (trx) => execute(trx, statement)),
    }),
    transaction<T>(
      context: RequestContext,
      fn: (transport: DataTransport) => Promise<T>,
    ): Promise<T> {
      return inContext(context, (trx) =>
        fn(inTransaction(context, (statement) => execute(trx, statement))),
      );
    },
    async moduleStatus(context: RequestContext) {
      try {
        const { rows } = await sql<{
          status: unknown;
        }>`select public.dramac_module_status(${context.shortId}) as status`.execute(db);
        return readModuleStatus(rows);
      } catch {
        return undefined;
      }
    },
  });
}

function isKysely(source: unknown): source is Kysely<any> {
  return typeof (source as { selectFrom?: unknown })?.selectFrom === 'function';
}

/**
 * The Postgres transport (server only). Every operation is one transaction that sets the module's
 * role and the request claims with `set_config(..., true)` (`SET LOCAL ROLE` semantics), never a
 * session-level `SET`, so it is safe behind PgBouncer in transaction mode and on pooled
 * connections: nothing outlives the transaction.
 *
 * Give it a **node-postgres pool** for one network round trip per call: BEGIN, the context, the
 * statement and COMMIT are pipelined (written together, answered together), each query shape is
 * compiled once and sent as a named prepared statement. Create the pool with `pipeline: true`
 * (pg 8.23); without it, or on an older pg, the same statements take four round trips. Or give it
 * a **Kysely** instance over any Postgres dialect: the same SQL, four round trips, no prepared
 * statements.
 * `transaction(fn)` is a real transaction on both.
 *
 * The connecting user must be allowed to switch to module roles: a superuser, or a member of
 * `dramac_data_api` (every module role is granted to it when provisioned).
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString, pipeline: true });
 * const sdk = createDatabaseSDK({ definition: crm, siteId, userId, transport: createPostgresTransport(pool) });
 * // or, 4 round trips per call, any Kysely Postgres dialect:
 * const transport = createPostgresTransport(db);
 * ```
 * @throws Never itself; its operations reject with the driver's errors (the data client types
 * them), and a nested `transaction` or a call for another context inside one with
 * `NotSupportedError`.
 */
export function createPostgresTransport(
  source: Kysely<any> | PostgresPool,
  options: PostgresTransportOptions = {},
): DataTransport {
  return isKysely(source) ? kyselyTransport(source) : poolTransport(source, options);
}
