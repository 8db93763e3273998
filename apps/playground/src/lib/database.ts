import 'server-only';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/** How the playground reaches PostgreSQL, as the start script described it. */
export interface DatabaseInfo {
  readonly kind: 'embedded' | 'external';
  /** Host, port and database, never the password. */
  readonly where: string;
  readonly dataDir: string | null;
}

const globalForDb = globalThis as unknown as { playgroundDb?: Kysely<any> };

/** The database URL, or a readable error when the app was started without the start script. */
function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: start the playground with `pnpm dev` (embedded PostgreSQL) or set DATABASE_URL.',
    );
  }
  return url;
}

/**
 * The playground's one connection pool, as the platform (a superuser or an owner that bypasses
 * row-level security). Module data is never read through it directly: the SDK's Postgres transport
 * switches to the module's role inside each transaction.
 */
export function getDb(): Kysely<any> {
  if (!globalForDb.playgroundDb) {
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 8 });
    pool.on('error', () => undefined);
    globalForDb.playgroundDb = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  }
  return globalForDb.playgroundDb;
}

/** Where the database is, for the page footer. */
export function databaseInfo(): DatabaseInfo {
  const raw = process.env.DATABASE_URL;
  const kind = process.env.PLAYGROUND_DB_KIND === 'embedded' ? 'embedded' : 'external';
  let where = 'not configured';
  if (raw) {
    try {
      const url = new URL(raw);
      where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    } catch {
      where = 'an unparsable DATABASE_URL';
    }
  }
  return { kind, where, dataDir: process.env.PLAYGROUND_DATA_DIR_RESOLVED ?? null };
}
