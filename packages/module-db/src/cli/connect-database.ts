import { Kysely, PostgresDialect } from 'kysely';
import { CliError, EXIT_CODES } from './exit-codes';

/** An open connection pool and how to close it. */
export interface CliDatabase {
  readonly db: Kysely<any>;
  close(): Promise<void>;
}

/**
 * Opens a small `pg` pool on `url` (`--database-url`, else `DATABASE_URL`). `pg` is an optional
 * peer dependency of `@dramac/module-db`: the library takes any Kysely instance, only the CLI
 * needs a driver, so it is loaded here, on demand.
 *
 * @throws CliError `USAGE` (exit 2) without a URL; `DRIVER_MISSING` (exit 2) without `pg`.
 */
export async function connectDatabase(url: string | undefined): Promise<CliDatabase> {
  if (url === undefined || url.trim() === '') {
    throw new CliError(
      'DATABASE_URL_MISSING',
      EXIT_CODES.USAGE,
      'no database: set DATABASE_URL or pass --database-url postgres://user@host/db',
    );
  }
  let pg: typeof import('pg');
  try {
    const loaded: any = await import('pg');
    pg = loaded.default ?? loaded;
  } catch (error) {
    throw new CliError(
      'DRIVER_MISSING',
      EXIT_CODES.USAGE,
      'dramac-modules needs the `pg` package next to @dramac/module-db: npm install pg',
      { cause: error },
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'dramac-modules' });
  // An idle connection dropped by the server must not crash the CLI; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { db, close: () => db.destroy() };
}
