import { type Kysely, sql } from 'kysely';
import { checkPostgresVersion } from '../prerequisites/check-postgres-version';
import { PrerequisiteMissingError } from '../prerequisites/prerequisite-errors';
import { PLATFORM_FIXTURES_SQL } from './platform-fixtures-sql';
import { SUPABASE_COMPAT_SQL } from './supabase-compat-sql';

/** What {@link installDevelopmentPlatform} did. */
export interface DevelopmentPlatformResult {
  /** The Supabase compatibility layer ran (a plain PostgreSQL); false on a Supabase cluster. */
  readonly supabaseCompat: boolean;
  /** The platform tables were created or were there already. */
  readonly platformTables: true;
}

/**
 * Makes a plain PostgreSQL look like a DRAMAC platform's Supabase project, for development and
 * tests: Supabase's roles and `auth` schema ({@link SUPABASE_COMPAT_SQL}) unless the cluster is a
 * Supabase one already (it has `supabase_admin`), then the platform tables
 * ({@link PLATFORM_FIXTURES_SQL}). Idempotent. The connection must be a superuser's (it creates
 * roles and the `auth` schema). Run `migratePlatform` afterwards.
 *
 * Never point it at a real platform's database: the platform tables there are the platform's.
 *
 * @example
 * await installDevelopmentPlatform(db);
 * await migratePlatform(db);
 * @throws UnsupportedPostgresVersionError outside PostgreSQL 15-17; PrerequisiteMissingError when
 * the connection is not a superuser's on a plain PostgreSQL; the database's errors otherwise.
 */
export async function installDevelopmentPlatform(
  db: Kysely<any>,
): Promise<DevelopmentPlatformResult> {
  await checkPostgresVersion(db);
  const { rows } = await sql<{ supabase: boolean; superuser: boolean; auth: boolean }>`
    select pg_catalog.to_regrole('supabase_admin') is not null as supabase,
      (select rolsuper from pg_catalog.pg_roles where rolname = current_user) as superuser,
      pg_catalog.to_regclass('auth.users') is not null as auth`.execute(db);
  const { supabase, superuser, auth } = rows[0] ?? {
    supabase: false,
    superuser: false,
    auth: false,
  };
  const compat = !supabase;
  if (compat && !superuser) {
    throw new PrerequisiteMissingError('creating the development platform', [
      {
        kind: 'privilege',
        name: 'a superuser connection',
        remedy:
          "It creates Supabase's roles (anon, authenticated, service_role, authenticator) and the auth schema: connect as a superuser, or use `dramac-modules dev` without DATABASE_URL for a local PostgreSQL of its own.",
      },
    ]);
  }
  if (supabase && !auth) {
    throw new PrerequisiteMissingError('creating the development platform', [
      {
        kind: 'table',
        name: 'auth.users',
        remedy:
          "This is a Supabase cluster, but this database has no auth schema: use the project's database (postgres), whose auth.users the platform tables reference.",
      },
    ]);
  }
  // Checked-in SQL (never input); multi-statement scripts run through the simple protocol.
  if (compat) await sql.raw(SUPABASE_COMPAT_SQL).execute(db);
  await sql.raw(PLATFORM_FIXTURES_SQL).execute(db);
  return Object.freeze({ supabaseCompat: compat, platformTables: true as const });
}
