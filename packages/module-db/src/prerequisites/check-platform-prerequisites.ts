import { type Kysely, sql } from 'kysely';
import { PLATFORM_MIGRATIONS } from '../platform/platform-migrations';
import { checkPostgresVersion, type PostgresVersion } from './check-postgres-version';
import { type MissingPrerequisite, PrerequisiteMissingError } from './prerequisite-errors';

/** What an operation needs of the database (see {@link checkPlatformPrerequisites}). */
export type PrerequisiteTarget = 'migrate' | 'provision';

/** What {@link checkPlatformPrerequisites} found. */
export interface PrerequisiteReport {
  readonly postgres: PostgresVersion;
  /** The platform migration version the database is at (`null`: never migrated). */
  readonly platformVersion: number | null;
  /** What is missing; the operation cannot run while this is not empty. */
  readonly missing: readonly MissingPrerequisite[];
  /** What works, but limits modules (e.g. no access to schema `auth`), with what to do. */
  readonly warnings: readonly MissingPrerequisite[];
}

/**
 * The platform tables (and the columns of them) that platform migrations and module policies
 * read: `sites -> clients -> agencies`, `agency_members`, and `profiles`, which modules may
 * reference.
 */
export const PLATFORM_TABLES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'public.agencies': Object.freeze(['id']),
  'public.clients': Object.freeze(['id', 'agency_id']),
  'public.sites': Object.freeze(['id', 'client_id']),
  'public.agency_members': Object.freeze(['agency_id', 'user_id']),
  'public.profiles': Object.freeze(['id']),
});

/** What to run when the platform tables are missing. */
export const CREATE_PLATFORM_TABLES_HINT =
  'These are the platform\'s own tables: create them before migrating (docs: "Platform tables" in the ' +
  '@dramac/module-db README). For a development database, `dramac-modules dev --database-url <url> --create-platform-tables` ' +
  "creates them (and Supabase's roles, on a plain PostgreSQL), as does `dramac-modules dev` with no database at all.";

const MIGRATE_HINT =
  "Run `dramac-modules migrate` (or migratePlatform(db)) as the platform's migration user first.";

/** The SQL a Supabase project's `supabase_admin` runs once so module tables may use `auth`. */
export const AUTH_GRANTS_SQL =
  'GRANT USAGE ON SCHEMA auth TO dramac_module_owners, dramac_module_roles; ' +
  'GRANT REFERENCES ON auth.users TO dramac_module_owners; ' +
  'GRANT EXECUTE ON FUNCTION auth.uid(), auth.jwt(), auth.role() TO dramac_module_roles;';

async function readPlatformVersion(db: Kysely<any>): Promise<number | null> {
  const { rows } = await sql<{ present: boolean }>`
    select pg_catalog.to_regclass('public.dramac_platform_migrations') is not null as present`.execute(
    db,
  );
  if (!rows[0]?.present) return null;
  const { rows: versions } = await sql<{ version: number | null }>`
    select max(version) as version from public.dramac_platform_migrations`.execute(db);
  const version = versions[0]?.version;
  return version === null || version === undefined ? null : Number(version);
}

async function missingTables(db: Kysely<any>): Promise<MissingPrerequisite[]> {
  const missing: MissingPrerequisite[] = [];
  for (const [table, columns] of Object.entries(PLATFORM_TABLES)) {
    const { rows } = await sql<{ present: boolean; columns: string[] | null; grantable: boolean }>`
      select pg_catalog.to_regclass(${table}) is not null as present,
        (select pg_catalog.array_agg(a.attname::text) from pg_catalog.pg_attribute a
          where a.attrelid = pg_catalog.to_regclass(${table}) and a.attnum > 0 and not a.attisdropped) as columns,
        coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regclass(${table}), 'REFERENCES WITH GRANT OPTION'), false) as grantable`.execute(
      db,
    );
    const row = rows[0];
    if (!row?.present) {
      missing.push({ kind: 'table', name: table, remedy: CREATE_PLATFORM_TABLES_HINT });
      continue;
    }
    for (const column of columns) {
      if (!(row.columns ?? []).includes(column)) {
        missing.push({
          kind: 'column',
          name: `${table}.${column}`,
          remedy: `Add the column ${column} to ${table} (module policies join sites -> clients -> agencies -> agency_members through it).`,
        });
      }
    }
    if (!row.grantable) {
      missing.push({
        kind: 'privilege',
        name: `REFERENCES WITH GRANT OPTION on ${table}`,
        remedy: `Migrate as the owner of ${table} (module tables reference it through a role the migration grants REFERENCES to).`,
      });
    }
  }
  return missing;
}

async function missingPrivileges(db: Kysely<any>): Promise<MissingPrerequisite[]> {
  const { rows } = await sql<{
    user: string;
    superuser: boolean;
    createrole: boolean;
    create_db: boolean;
    create_public: boolean;
  }>`
    select r.rolname::text as user, r.rolsuper as superuser, r.rolcreaterole as createrole,
      pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE WITH GRANT OPTION') as create_db,
      pg_catalog.has_schema_privilege('public', 'CREATE WITH GRANT OPTION') as create_public
    from pg_catalog.pg_roles r where r.rolname = current_user`.execute(db);
  const row = rows[0];
  if (!row || row.superuser) return [];
  const missing: MissingPrerequisite[] = [];
  if (!row.createrole) {
    missing.push({
      kind: 'privilege',
      name: `CREATEROLE for ${row.user}`,
      remedy: `The platform migration creates roles: migrate as a superuser or a role with CREATEROLE (Supabase: postgres), or run ALTER ROLE ${row.user} CREATEROLE as a superuser.`,
    });
  }
  if (!row.create_db) {
    missing.push({
      kind: 'privilege',
      name: `CREATE WITH GRANT OPTION on the database for ${row.user}`,
      remedy: 'Migrate as the database owner (Supabase: postgres) or a superuser.',
    });
  }
  if (!row.create_public) {
    missing.push({
      kind: 'privilege',
      name: `CREATE WITH GRANT OPTION on schema public for ${row.user}`,
      remedy: 'Migrate as the owner of schema public (Supabase: postgres) or a superuser.',
    });
  }
  return missing;
}

/** Limits that do not stop the platform: `auth` unusable by modules. */
async function authWarnings(
  db: Kysely<any>,
  platformVersion: number | null,
): Promise<MissingPrerequisite[]> {
  // Catalog lookups by oid, not to_regclass('auth.users'): the name lookup needs USAGE on auth,
  // which the connection's user may lack.
  const { rows } = await sql<{ auth: boolean; owners: boolean; groups: boolean }>`
    select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'auth' and c.relname = 'users') as auth,
      pg_catalog.to_regrole('dramac_module_owners') is not null as owners,
      pg_catalog.to_regrole('dramac_module_roles') is not null as groups`.execute(db);
  const row = rows[0];
  if (!row?.auth) {
    return [
      {
        kind: 'table',
        name: 'auth.users',
        remedy:
          'No schema auth (not a Supabase project): module foreign keys to auth.users and policies calling auth.uid() are unavailable; reference public.profiles(id) instead.',
      },
    ];
  }
  if (platformVersion === null || !row.owners || !row.groups) return [];
  const { rows: grants } = await sql<{ usage: boolean; references: boolean }>`
    select pg_catalog.has_schema_privilege('dramac_module_owners', n.oid, 'USAGE')
        and pg_catalog.has_schema_privilege('dramac_module_roles', n.oid, 'USAGE') as usage,
      pg_catalog.has_table_privilege('dramac_module_owners', c.oid, 'REFERENCES') as references
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'auth' and c.relname = 'users'`.execute(db);
  if (grants[0]?.usage && grants[0]?.references) return [];
  return [
    {
      kind: 'privilege',
      name: 'USAGE on schema auth for module roles',
      remedy:
        'The migration user may not pass on its rights in schema auth (Supabase: it belongs to supabase_admin), so module ' +
        'foreign keys to auth.users and module policies calling auth.uid() fail with "permission denied for schema auth". ' +
        `Reference public.profiles(id) instead, or have the schema's owner run once: ${AUTH_GRANTS_SQL}`,
    },
  ];
}

/**
 * Checks, before anything runs, that the database can hold the platform (`target: 'migrate'`) or
 * provision modules (`target: 'provision'`): a supported PostgreSQL version first (15-17), then
 * the platform tables and their columns and the migration user's privileges, or a migrated
 * platform. Reports every missing piece with what to do, plus warnings for what works only in
 * part (modules cannot use schema `auth`).
 *
 * @example
 * const report = await checkPlatformPrerequisites(db, 'migrate');
 * for (const m of report.missing) console.log(`${m.name}: ${m.remedy}`);
 * @throws UnsupportedPostgresVersionError on PostgreSQL outside 15-17 (before any other check);
 * the database's own errors when it cannot be read.
 */
export async function checkPlatformPrerequisites(
  db: Kysely<any>,
  target: PrerequisiteTarget,
): Promise<PrerequisiteReport> {
  const postgres = await checkPostgresVersion(db);
  const platformVersion = await readPlatformVersion(db);
  const missing: MissingPrerequisite[] = [];
  const latest = PLATFORM_MIGRATIONS.at(-1)?.version ?? 0;
  if (target === 'migrate') {
    // A database already at the newest version needs nothing more: migrating applies nothing.
    if (platformVersion === null || platformVersion < latest) {
      missing.push(...(await missingTables(db)), ...(await missingPrivileges(db)));
    }
  } else if (platformVersion === null) {
    missing.push({
      kind: 'platform',
      name: 'the platform migrations (public.dramac_platform_migrations)',
      remedy: MIGRATE_HINT,
    });
  } else if (platformVersion < latest) {
    missing.push({
      kind: 'platform',
      name: `platform version ${latest} (the database is at ${platformVersion})`,
      remedy: MIGRATE_HINT,
    });
  }
  const warnings = await authWarnings(db, platformVersion);
  return Object.freeze({ postgres, platformVersion, missing, warnings });
}

/**
 * {@link checkPlatformPrerequisites}, throwing when something is missing.
 *
 * @example
 * await assertPlatformPrerequisites(db, 'provision');
 * @throws UnsupportedPostgresVersionError outside PostgreSQL 15-17; PrerequisiteMissingError
 * (`PREREQUISITE_MISSING`) naming every missing table, column, privilege or migration with what
 * to do.
 */
export async function assertPlatformPrerequisites(
  db: Kysely<any>,
  target: PrerequisiteTarget,
): Promise<PrerequisiteReport> {
  const report = await checkPlatformPrerequisites(db, target);
  if (report.missing.length > 0) {
    throw new PrerequisiteMissingError(
      target === 'migrate' ? 'the platform migration' : 'provisioning',
      report.missing,
    );
  }
  return report;
}
