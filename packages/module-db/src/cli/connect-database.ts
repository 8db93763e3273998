import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import type { DatabaseUrl } from './database-url';
import { CliError, EXIT_CODES } from './exit-codes';

/** An open connection pool and how to close it. */
export interface CliDatabase {
  readonly db: Kysely<any>;
  /**
   * The `application_name` of this run's connections, unique per run, so another session can
   * find them in `pg_stat_activity` (see the operation watcher).
   */
  readonly applicationName: string;
  /** Opens one more plain connection (`application_name` given), or throws. */
  openSide(applicationName: string): Promise<SideConnection>;
  close(): Promise<void>;
}

/** A single extra connection, outside the pool. */
export interface SideConnection {
  query<R>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

async function loadPg(): Promise<typeof import('pg')> {
  try {
    const loaded: any = await import('pg');
    return loaded.default ?? loaded;
  } catch (error) {
    throw new CliError(
      'DRIVER_MISSING',
      EXIT_CODES.USAGE,
      'dramac-modules needs the `pg` package next to @dramac/module-db: npm install pg',
      { cause: error },
    );
  }
}

/** What a failed first connection means, as a typed error with exit code 5. */
function connectFailure(target: DatabaseUrl, error: unknown): CliError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  if (sqlstate !== undefined) {
    // The server answered and said no: wrong password, unknown database, too many clients.
    return new CliError(
      'DATABASE_CONNECTION_REFUSED',
      EXIT_CODES.DATABASE,
      `PostgreSQL at ${target.address} refused the connection (${target.source}): ${message}`,
      { cause: error, details: { sqlstate, address: target.address } },
    );
  }
  const timedOut = /timeout/i.test(message);
  const cause = typeof e.code === 'string' ? e.code : timedOut ? 'TIMEOUT' : undefined;
  return new CliError(
    'DATABASE_UNREACHABLE',
    EXIT_CODES.DATABASE,
    `cannot reach PostgreSQL at ${target.address} (${target.source})${cause ? ` [${cause}]` : ''}: ${
      timedOut ? `no answer within ${target.connectTimeoutSeconds} s` : message
    }`,
    { cause: error, details: { address: target.address, ...(cause ? { cause } : {}) } },
  );
}

/**
 * Opens a small `pg` pool on a checked URL and makes one round trip, so an unreachable server or
 * a refused login is reported here, once, as such. `pg` is an optional peer dependency of
 * `@dramac/module-db`: the library takes any Kysely instance, only the CLI needs a driver, so it
 * is loaded here, on demand.
 *
 * @throws CliError `DRIVER_MISSING` (exit 2) without `pg`; `DATABASE_UNREACHABLE` (exit 5) when
 * nothing answers within the connect timeout; `DATABASE_CONNECTION_REFUSED` (exit 5, with
 * `sqlstate`) when the server refuses the login.
 */
export async function connectDatabase(target: DatabaseUrl): Promise<CliDatabase> {
  const pg = await loadPg();
  const applicationName = `dramac-modules ${randomUUID().slice(0, 8)}`;
  const connectionTimeoutMillis = Math.round(target.connectTimeoutSeconds * 1000);
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 2,
    application_name: applicationName,
    connectionTimeoutMillis,
  });
  // An idle connection dropped by the server must not crash the CLI; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw connectFailure(target, error);
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    applicationName,
    async openSide(name: string) {
      const client = new pg.Client({
        connectionString: target.url,
        application_name: name,
        connectionTimeoutMillis,
      });
      client.on('error', () => {});
      await client.connect();
      return {
        query: async <R>(text: string, values?: readonly unknown[]) =>
          (await client.query(text, values as unknown[] | undefined)) as unknown as { rows: R[] },
        end: () => client.end(),
      };
    },
    close: () => db.destroy(),
  };
}
