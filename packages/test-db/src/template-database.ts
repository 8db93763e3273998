import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { withDatabase } from './database-url';
import { PLATFORM_FIXTURES_SQL, SUPABASE_COMPAT_SQL } from './sql-scripts';

/** Opens a Kysely instance over a small `pg` pool. */
export function connect<DB = unknown>(url: string, max = 10): Kysely<DB> {
  const pool = new pg.Pool({ connectionString: url, max });
  // pg-pool's end() resolves once it has *asked* its idle clients to close, not once they have:
  // a `drop database ... with (force)` or a server stop right after can still reach a closing
  // client as FATAL 57P01, which the pool re-emits as 'error'. Without a listener that crashes
  // the process after the tests have passed. Errors of checked-out clients still reach callers.
  pool.on('error', () => undefined);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs trusted, checked-in SQL scripts (never user input) on one connection.
 * Multi-statement scripts need the simple query protocol, which `pg` uses for parameterless
 * queries.
 */
export async function runScripts(url: string, scripts: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const script of scripts) await client.query(script);
  } finally {
    await client.end();
  }
}

/**
 * Creates the template database every test database is cloned from: the Supabase compatibility
 * layer and the platform fixture tables, applied once per run.
 *
 * @returns the template's name.
 */
export async function createTemplateDatabase(adminUrl: string): Promise<string> {
  const name = `dramac_tpl_${randomBytes(5).toString('hex')}`;
  const admin = connect(adminUrl, 1);
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  await runScripts(withDatabase(adminUrl, name), [SUPABASE_COMPAT_SQL, PLATFORM_FIXTURES_SQL]);
  return name;
}

/** Drops a database, disconnecting whoever is still connected to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = connect(adminUrl, 1);
  try {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
  } finally {
    await admin.destroy();
  }
}

/** The server's major version (`server_version_num / 10000`). */
export async function readMajorVersion(url: string): Promise<number> {
  const admin = connect(url, 1);
  try {
    const { rows } = await sql<{
      num: string;
    }>`select current_setting('server_version_num') as num`.execute(admin);
    return Math.floor(Number(rows[0]?.num ?? 0) / 10000);
  } finally {
    await admin.destroy();
  }
}
