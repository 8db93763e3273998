/**
 * One round trip per data call over a node-postgres pool: BEGIN, the request context, the
 * statement and COMMIT are written to the socket together (one write) and answered together.
 * node-postgres' pipeline mode (`new pg.Pool({ pipeline: true })`, pg 8.23) sends a query without
 * waiting for the previous one; without it (or on an older pg, which ignores the option) the same
 * four queries are queued and take four round trips, with the same results.
 *
 * Why this is as safe as four separate round trips: each query is its own extended-protocol
 * message ending in Sync, and PostgreSQL runs them in order. When one fails, the transaction is
 * aborted, every later statement fails with 25P02 without running, and COMMIT answers ROLLBACK:
 * the connection is back outside any transaction, with the role and claims gone (they were set
 * with `set_config(..., true)`, local to the transaction). The first error in order is the cause
 * and is the one thrown. A connection that broke, or that is not idle afterwards, is destroyed
 * instead of going back to the pool.
 */
import type { Statement } from './postgres-statement';

/** The result fields the transport reads (a node-postgres `QueryResult`). */
export interface PgResult {
  readonly rows: any[];
  readonly rowCount: number | null;
  readonly command: string;
}

type Callback = (error: Error | null, result: PgResult) => void;

/**
 * The part of a node-postgres pool client the transport uses. The socket (`connection.stream`)
 * and `getTransactionStatus` are read when present, to write the pipeline at once and to check
 * that the connection is idle afterwards.
 */
export interface PgClientLike {
  query(config: any, callback: Callback): unknown;
  release(destroy?: boolean | Error): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
  readonly connection?: { readonly stream?: { cork?(): void; uncork?(): void } };
  getTransactionStatus?(): string | null;
}

/**
 * A node-postgres `Pool` (or anything with its `connect()`): what `createPostgresTransport`
 * takes for one round trip per call.
 *
 * @example
 * const pool = new pg.Pool({ connectionString, pipeline: true });
 * const transport = createPostgresTransport(pool);
 * @throws Never; this is a type.
 */
export interface PostgresPool {
  connect(): Promise<any>;
}

/** Statement names are off (a pooler that cannot hold them) or on, per pool. */
export interface PipelineMode {
  named: boolean;
}

const BEGIN = 'begin';
const COMMIT = 'commit';
const ROLLBACK = 'rollback';

/** Ignores the 'error' event a client emits when its connection breaks (the query gets it too). */
const ignore = (): void => undefined;

/** True for an error PostgreSQL sent (it has a SQLSTATE and a severity), not a broken socket. */
export function isServerError(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && typeof e.severity === 'string';
}

function config(statement: Statement, named: boolean) {
  return named && statement.name !== undefined
    ? { name: statement.name, text: statement.text, values: statement.values }
    : { text: statement.text, values: statement.values };
}

/** The transaction is over and the connection idle (or the driver does not say). */
function idle(client: PgClientLike): boolean {
  const status = client.getTransactionStatus?.();
  return status === undefined || status === null || status === 'I';
}

/** An error that says a named statement is missing or taken: a pooler without statement support. */
export function isStatementNameError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return isServerError(error) && (code === '26000' || code === '42P05');
}

/**
 * Sends BEGIN, `context`, `main` and COMMIT at once on `client` and resolves with `main`'s
 * result, or rejects with the first error in order. The client is released here (destroyed when
 * it broke or is not idle).
 */
export function runPipelined(
  client: PgClientLike,
  context: Statement,
  main: Statement,
  named: boolean,
): Promise<PgResult> {
  return new Promise((resolve, reject) => {
    const errors: (Error | null)[] = [null, null, null, null];
    let result: PgResult | undefined;
    let pending = 4;
    const settle = (): void => {
      const error = errors[0] ?? errors[1] ?? errors[2] ?? errors[3];
      const broken = errors.some((e) => e !== null && !isServerError(e)) || !idle(client);
      client.removeListener?.('error', ignore);
      client.release(broken ? (error ?? true) : undefined);
      if (error) reject(error);
      else resolve(result as PgResult);
    };
    const done = (index: number) => (error: Error | null, r: PgResult) => {
      if (error) errors[index] = error;
      else if (index === 2) result = r;
      else if (index === 3 && r.command !== 'COMMIT') {
        // COMMIT answers ROLLBACK only after an error, which is thrown instead; kept as a guard.
        errors[3] = new Error(`the transaction ended with ${r.command}, not COMMIT`);
      }
      if (--pending === 0) settle();
    };
    client.on?.('error', ignore);
    const stream = client.connection?.stream;
    // Corked, the four queries leave in one write (each query corks itself too; the counts nest).
    stream?.cork?.();
    try {
      client.query(BEGIN, done(0));
      client.query(config(context, named), done(1));
      client.query(config(main, named), done(2));
      client.query(COMMIT, done(3));
    } finally {
      stream?.uncork?.();
    }
  });
}

/** One query on `client` as a promise. */
export function runOne(
  client: PgClientLike,
  statement: Statement | string,
  named: boolean,
): Promise<PgResult> {
  return new Promise((resolve, reject) => {
    client.query(
      typeof statement === 'string' ? statement : config(statement, named),
      (error: Error | null, result: PgResult) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * A transaction on one client for the multi-statement `transaction()`: BEGIN and the context go
 * out with the first statement (no round trip of their own); each statement waits for them, so a
 * failure to set the context is the error thrown, never the 25P02 that follows it.
 */
export class PipelinedTransaction {
  readonly #client: PgClientLike;
  readonly #named: boolean;
  readonly #ready: Promise<unknown>;

  constructor(client: PgClientLike, context: Statement, named: boolean) {
    this.#client = client;
    this.#named = named;
    client.on?.('error', ignore);
    this.#ready = Promise.all([runOne(client, BEGIN, named), runOne(client, context, named)]);
    this.#ready.catch(ignore);
  }

  async run(statement: Statement): Promise<PgResult> {
    const result = runOne(this.#client, statement, this.#named);
    result.catch(ignore);
    await this.#ready;
    return result;
  }

  /** Commits and releases; throws (after releasing) if COMMIT fails or answers ROLLBACK. */
  async commit(): Promise<void> {
    let destroy = false;
    try {
      await this.#ready;
      const r = await runOne(this.#client, COMMIT, this.#named);
      if (r.command !== 'COMMIT') {
        throw new Error(`the transaction ended with ${r.command}, not COMMIT`);
      }
    } catch (error) {
      destroy = !isServerError(error);
      await this.#rollback();
      throw error;
    } finally {
      this.#release(destroy);
    }
  }

  /** Rolls back and releases (never throws: a connection that cannot roll back is destroyed). */
  async rollback(): Promise<void> {
    this.#release(!(await this.#rollback()));
  }

  #released = false;

  async #rollback(): Promise<boolean> {
    try {
      await runOne(this.#client, ROLLBACK, this.#named);
      return idle(this.#client);
    } catch {
      return false;
    }
  }

  #release(destroy: boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.#client.removeListener?.('error', ignore);
    this.#client.release(destroy || !idle(this.#client) ? true : undefined);
  }
}
