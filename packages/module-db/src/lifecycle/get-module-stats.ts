import { type Kysely, sql } from 'kysely';
import type { IsolationStrategy } from '../definition/validated-definition';
import { NotFoundError } from '../errors';
import { toLifecycleError } from './lifecycle-error';
import { readRegistry } from './module-registry-entry';
import { parseModuleId } from './parse-lifecycle-ids';

/** Options of {@link getModuleStats}. */
export interface ModuleStatsOptions {
  /**
   * `true`: `count(*)` of every table (reads every row). Default `false`: PostgreSQL's estimate
   * (`pg_class.reltuples`, current after `ANALYZE` or autovacuum; 0 before the first).
   */
  readonly exact?: boolean;
}

/** Size and row count of one module table. */
export interface ModuleTableStats {
  /** Logical name (`module_data` for a widget). */
  readonly name: string;
  /** Physical `schema.table`. */
  readonly qualified: string;
  readonly rowCount: number;
  /** True when `rowCount` is the planner's estimate. */
  readonly estimated: boolean;
  /** Table, indexes and TOAST, in bytes (a widget: the size of its rows in `module_data`). */
  readonly totalBytes: number;
}

/** What {@link getModuleStats} returns. */
export interface ModuleStats {
  readonly moduleId: string;
  readonly shortId: string;
  readonly strategy: IsolationStrategy;
  readonly tables: readonly ModuleTableStats[];
  /** Sum of `totalBytes`. */
  readonly storageBytes: number;
}

/**
 * Tables, row counts and storage of a module, from `public.get_module_tables` and
 * `public.get_module_storage_size` (which read the registry, so both strategies work). Counts
 * cover every site. Tables the registry lists but the catalog lacks are left out (see
 * `checkOrphans`).
 *
 * @example
 * const stats = await getModuleStats(db, crm.moduleId, { exact: true });
 * stats.tables; // [{ name: 'contacts', qualified: 'mod_c7a1e0b2.contacts', rowCount: 42, estimated: false, totalBytes: 65536 }, ...]
 * @throws NotFoundError when the module is not provisioned; DefinitionValidationError for an id
 * that is not a UUID; ProvisioningError (with `sqlstate`) when PostgreSQL refuses.
 */
export async function getModuleStats(
  db: Kysely<any>,
  moduleId: string,
  options: ModuleStatsOptions = {},
): Promise<ModuleStats> {
  const id = parseModuleId(moduleId);
  try {
    const [entry] = await readRegistry(db, { moduleId: id.moduleId });
    if (!entry) throw new NotFoundError(`module ${id.moduleId} is not provisioned`);
    const { rows } = await sql<{
      table_name: string;
      row_count: string;
      estimated: boolean;
      total_bytes: string;
    }>`select table_name, row_count, estimated, total_bytes
       from public.get_module_tables(${entry.shortId}, ${options.exact === true})`.execute(db);
    const { rows: size } = await sql<{ bytes: string }>`
      select public.get_module_storage_size(${entry.shortId}) as bytes`.execute(db);
    const qualified = new Map(entry.tableNames.map((n, i) => [n, entry.qualifiedTables[i]]));
    const tables = rows.map((r) =>
      Object.freeze({
        name: r.table_name,
        qualified: qualified.get(r.table_name) ?? `public.${r.table_name}`,
        rowCount: Number(r.row_count),
        estimated: r.estimated,
        totalBytes: Number(r.total_bytes),
      }),
    );
    return Object.freeze({
      moduleId: entry.moduleId,
      shortId: entry.shortId,
      strategy: entry.strategy,
      tables: Object.freeze(tables),
      storageBytes: Number(size[0]?.bytes ?? 0),
    });
  } catch (error) {
    throw toLifecycleError(error, `reading the stats of module ${id.moduleId} failed`);
  }
}
