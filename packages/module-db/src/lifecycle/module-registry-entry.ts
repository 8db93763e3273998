import { type Kysely, sql } from 'kysely';
import type { IsolationStrategy, ModuleType } from '../definition/validated-definition';

/** One row of `public.module_database_registry`: what a module owns, as the platform knows it. */
export interface ModuleRegistryEntry {
  readonly moduleId: string;
  readonly shortId: string;
  readonly moduleType: ModuleType;
  readonly strategy: IsolationStrategy;
  /** `mod_<id>` for the schema strategy, otherwise null (tables live in `public`). */
  readonly schemaName: string | null;
  /** The module's `NOLOGIN` role, `modrole_<id>`. */
  readonly roleName: string;
  /** Logical table names (without the `mod_<id>_` prefix), in creation order. */
  readonly tableNames: readonly string[];
  /** Physical tables, `schema.table`. */
  readonly qualifiedTables: readonly string[];
  readonly version: string;
  readonly checksum: string;
  /** `deprecated`: access revoked, dropped once `dropAfter` has passed. */
  readonly status: 'active' | 'migrating' | 'deprecated';
  /** ISO timestamp, set for deprecated modules. */
  readonly dropAfter: string | null;
  readonly createdBy: string | null;
  /** ISO timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The definition as it was provisioned (JSON). */
  readonly definition: unknown;
}

interface RegistryRow {
  module_id: string;
  module_short_id: string;
  module_type: ModuleType;
  strategy: IsolationStrategy;
  schema_name: string | null;
  role_name: string;
  table_names: string[];
  version: string;
  checksum: string;
  status: ModuleRegistryEntry['status'];
  drop_after: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  definition: unknown;
}

function toEntry(row: RegistryRow): ModuleRegistryEntry {
  const qualifiedTables = row.table_names.map((name) =>
    row.strategy === 'schema'
      ? `${row.schema_name}.${name}`
      : `public.mod_${row.module_short_id}_${name}`,
  );
  return Object.freeze({
    moduleId: row.module_id,
    shortId: row.module_short_id,
    moduleType: row.module_type,
    strategy: row.strategy,
    schemaName: row.schema_name,
    roleName: row.role_name,
    tableNames: Object.freeze([...row.table_names]),
    qualifiedTables: Object.freeze(qualifiedTables),
    version: row.version,
    checksum: row.checksum,
    status: row.status,
    dropAfter: row.drop_after ? new Date(row.drop_after).toISOString() : null,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    definition: row.definition,
  });
}

/**
 * Reads registry rows (internal). `lock: 'share'` keeps a concurrent deprovisioning (which takes
 * the row `FOR UPDATE`) out until the caller's transaction ends.
 */
export async function readRegistry(
  db: Kysely<any>,
  filter: { moduleId?: string; lock?: 'share' } = {},
): Promise<ModuleRegistryEntry[]> {
  const where = filter.moduleId ? sql`where module_id = ${filter.moduleId}::uuid` : sql``;
  const lock = filter.lock === 'share' ? sql`for share` : sql``;
  const { rows } = await sql<RegistryRow>`
    select module_id, module_short_id, module_type, strategy, schema_name, role_name, table_names,
           version, checksum, status, drop_after, created_by, created_at, updated_at, definition
    from public.module_database_registry ${where}
    order by created_at, module_id ${lock}`.execute(db);
  return rows.map(toEntry);
}
