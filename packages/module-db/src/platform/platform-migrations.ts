import { type Kysely, sql } from 'kysely';
import { assertPlatformPrerequisites } from '../prerequisites/check-platform-prerequisites';
import { MIGRATION_0001_POLICY_HELPERS } from './migration-0001-policy-helpers';
import { MIGRATION_0002_REGISTRY } from './migration-0002-registry';
import { MIGRATION_0003_APPLY_PLAN } from './migration-0003-apply-plan';
import { MIGRATION_0004_LIFECYCLE } from './migration-0004-lifecycle';
import { MIGRATION_0005_APPLY_UPGRADE } from './migration-0005-apply-upgrade';
import { MIGRATION_0006_LEAST_PRIVILEGE } from './migration-0006-least-privilege';
import { MIGRATION_0007_MODULE_STATUS } from './migration-0007-module-status';
import { MIGRATION_0008_QUOTAS } from './migration-0008-quotas';
import { MIGRATION_0009_QUOTA_TRIGGER_REPAIR } from './migration-0009-quota-trigger-repair';
import { MIGRATION_0010_DDL_RUNNER } from './migration-0010-ddl-runner';

/** One versioned platform migration. */
export interface PlatformMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every platform migration, in order. Append only: applied migrations never change. */
export const PLATFORM_MIGRATIONS: readonly PlatformMigration[] = Object.freeze([
  {
    version: 1,
    name: 'policy_helpers_installations_module_data',
    sql: MIGRATION_0001_POLICY_HELPERS,
  },
  { version: 2, name: 'registry_events_versions_provisioner', sql: MIGRATION_0002_REGISTRY },
  { version: 3, name: 'apply_module_plan', sql: MIGRATION_0003_APPLY_PLAN },
  { version: 4, name: 'lifecycle_helpers_deprovision', sql: MIGRATION_0004_LIFECYCLE },
  { version: 5, name: 'apply_module_upgrade', sql: MIGRATION_0005_APPLY_UPGRADE },
  { version: 6, name: 'least_privilege_provisioning', sql: MIGRATION_0006_LEAST_PRIVILEGE },
  { version: 7, name: 'module_status', sql: MIGRATION_0007_MODULE_STATUS },
  { version: 8, name: 'quotas_metering', sql: MIGRATION_0008_QUOTAS },
  { version: 9, name: 'quota_trigger_repair', sql: MIGRATION_0009_QUOTA_TRIGGER_REPAIR },
  { version: 10, name: 'ddl_runner', sql: MIGRATION_0010_DDL_RUNNER },
]);

/** Options of {@link migratePlatform}. */
export interface MigratePlatformOptions {
  /** Stop after this version (staged rollouts, tests of the upgrade path). Default: the newest. */
  readonly to?: number;
}

/** What {@link migratePlatform} did. */
export interface MigratePlatformResult {
  /** Versions applied by this call (empty when the database was up to date). */
  readonly applied: readonly number[];
  /** The version the database is at now. */
  readonly version: number;
}

/**
 * Brings the platform objects (policy helpers, installations, `module_data`, ...) to the newest
 * version. Idempotent and safe to run concurrently: it runs in one transaction under an advisory
 * lock, and applies only the migrations the database has not recorded.
 *
 * @example
 * await migratePlatform(db); // { applied: [1, ..., 6], version: 6 }, then { applied: [], version: 6 }
 * await migratePlatform(db, { to: 5 }); // stops after migration 5
 * @throws UnsupportedPostgresVersionError outside PostgreSQL 15-17 and PrerequisiteMissingError
 * naming each missing platform table, column or privilege (nothing runs); the PostgreSQL error of
 * a failed migration, of which nothing stays applied.
 */
export async function migratePlatform(
  db: Kysely<any>,
  options: MigratePlatformOptions = {},
): Promise<MigratePlatformResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('dramac.platform_migrations'))`.execute(trx);
    // PostgreSQL 15-17, the platform tables and the privileges the migrations need: each missing
    // one named, with what to do, before a migration fails on the first of them.
    await assertPlatformPrerequisites(trx, 'migrate');
    await sql`create table if not exists public.dramac_platform_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`.execute(trx);
    await sql`revoke all on public.dramac_platform_migrations from public`.execute(trx);
    const { rows } = await sql<{
      version: number;
    }>`select version from public.dramac_platform_migrations`.execute(trx);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of PLATFORM_MIGRATIONS) {
      if (done.has(migration.version)) continue;
      if (options.to !== undefined && migration.version > options.to) break;
      // Checked-in SQL (never input); multi-statement scripts run through the simple protocol.
      await sql.raw(migration.sql).execute(trx);
      await sql`insert into public.dramac_platform_migrations (version, name) values (${migration.version}, ${migration.name})`.execute(
        trx,
      );
      applied.push(migration.version);
    }
    const version = Math.max(0, ...done, ...applied);
    return { applied, version };
  });
}
