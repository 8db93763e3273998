import { isModuleSchemaName } from '@dramac/module-naming';
import { type Kysely, sql } from 'kysely';
import { toModuleDbError } from './postgres-error';

/** Options of {@link syncPostgrestSchemas}. */
export interface PostgrestExposureOptions {
  /** The role PostgREST logs in as. Default `authenticator`. */
  readonly role?: string;
}

/** What {@link syncPostgrestSchemas} set. */
export interface PostgrestExposureResult {
  /** The new `pgrst.db_schemas` list. */
  readonly schemas: readonly string[];
  /** Whether the list changed (and PostgREST was told to reload). */
  readonly changed: boolean;
}

/**
 * Makes PostgREST serve every active schema-strategy module: sets `pgrst.db_schemas` on the
 * authenticator role to the schemas it already had that are not module schemas, plus one
 * `mod_<id>` per active schema module in the registry, then `NOTIFY pgrst, 'reload config'`.
 * Idempotent; prefixed tables live in `public` and need nothing.
 *
 * Cost: PostgREST reloads its schema cache on every change and introspects every exposed schema,
 * so reloads grow with the number of module schemas (and requests wait while it reloads);
 * keep schema-strategy modules for the modules that need them, or use the prefix strategy.
 * The calling user needs the right to `ALTER ROLE` the authenticator (a superuser, or ADMIN on it).
 *
 * @example
 * await syncPostgrestSchemas(db); // { schemas: ['public', 'graphql_public', 'mod_c7a1e0b2'], changed: true }
 * @throws ProvisioningError when PostgreSQL refuses (e.g. 42501 without the right to alter the role).
 */
export async function syncPostgrestSchemas(
  db: Kysely<any>,
  options: PostgrestExposureOptions = {},
): Promise<PostgrestExposureResult> {
  const role = options.role ?? 'authenticator';
  try {
    const current = await sql<{ setting: string }>`
      select s.setting from pg_db_role_setting d, unnest(d.setconfig) as s(setting)
      where d.setrole = (select oid from pg_roles where rolname = ${role}) and d.setdatabase = 0
        and s.setting like 'pgrst.db_schemas=%'`.execute(db);
    const before = (current.rows[0]?.setting.slice('pgrst.db_schemas='.length) ?? 'public')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const modules = await sql<{ schema_name: string }>`
      select schema_name from public.module_database_registry
      where strategy = 'schema' and status = 'active' order by schema_name`.execute(db);
    const schemas = [
      ...before.filter((s) => !isModuleSchemaName(s)),
      ...modules.rows.map((r) => r.schema_name).filter(isModuleSchemaName),
    ];
    const changed = schemas.join(',') !== before.join(',');
    if (changed) {
      await sql`alter role ${sql.id(role)} set pgrst.db_schemas = ${sql.lit(schemas.join(', '))}`.execute(
        db,
      );
      await sql`notify pgrst, 'reload config'`.execute(db);
    }
    return { schemas, changed };
  } catch (error) {
    throw toModuleDbError(error, 'exposing module schemas to PostgREST failed');
  }
}
