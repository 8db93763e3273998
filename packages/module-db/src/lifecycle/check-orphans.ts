import { type Kysely, sql } from 'kysely';
import { toLifecycleError } from './lifecycle-error';

/** Kinds of catalog object a module owns. */
export type ModuleObjectKind = 'schema' | 'relation' | 'role';

/** A catalog object named like a module object that the registry does not know. */
export interface OrphanedObject {
  readonly kind: ModuleObjectKind;
  /** `mod_<id>`, `schema.relation`, `modrole_<id>` or `modadmin_<id>`. */
  readonly name: string;
}

/** An object the registry lists that the catalog does not have. */
export interface MissingObject {
  readonly kind: ModuleObjectKind;
  readonly name: string;
  readonly moduleId: string;
}

/** What {@link checkOrphans} found; both lists empty when registry and catalog agree. */
export interface OrphanReport {
  readonly orphanedObjects: readonly OrphanedObject[];
  readonly missingObjects: readonly MissingObject[];
}

/**
 * Compares the registry with the catalog. Orphaned: schemas `mod_<8 hex>`, relations
 * `public.mod_<8 hex>_*` or inside a module schema, and roles `modrole_<8 hex>` or
 * `modadmin_<8 hex>` or `modowner_<8 hex>` that no registry row accounts for. Missing: registry rows whose roles,
 * schema or tables are gone.
 *
 * Roles are cluster-wide: a module role that holds privileges or objects only in another
 * database belongs to that database's registry and is not reported here; one that holds nothing
 * anywhere is reported (it is an orphan of the cluster).
 *
 * @example
 * const { orphanedObjects, missingObjects } = await checkOrphans(db);
 * // [{ kind: 'schema', name: 'mod_deadbeef' }], [{ kind: 'relation', name: 'public.mod_b00c1e55_calendars', moduleId }]
 * @throws ProvisioningError (with `sqlstate`) when the registry or catalog cannot be read.
 */
export async function checkOrphans(db: Kysely<any>): Promise<OrphanReport> {
  try {
    const { rows } = await sql<{
      side: 'orphaned' | 'missing';
      kind: ModuleObjectKind;
      name: string;
      module_id: string | null;
    }>`
      with reg as (
        select module_id, module_short_id, strategy, schema_name, role_name, table_names
        from public.module_database_registry
      ),
      listed as (
        select r.module_id,
               case when r.strategy = 'schema' then r.schema_name else 'public' end as nsp,
               case when r.strategy = 'schema' then t else 'mod_' || r.module_short_id || '_' || t end as rel
        from reg r cross join lateral unnest(r.table_names) t
      ),
      here as (select oid from pg_catalog.pg_database where datname = current_database())
      select 'orphaned' as side, 'schema' as kind, n.nspname::text as name, null::uuid as module_id
      from pg_catalog.pg_namespace n
      where n.nspname ~ '^mod_[a-f0-9]{8}$' and not exists (select 1 from reg where reg.schema_name = n.nspname)
      union all
      select 'orphaned', 'relation', n.nspname || '.' || c.relname, null
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'f')
        and ((n.nspname = 'public' and c.relname ~ '^mod_[a-f0-9]{8}_') or n.nspname ~ '^mod_[a-f0-9]{8}$')
        and not exists (select 1 from listed l where l.nsp = n.nspname and l.rel = c.relname)
      union all
      select 'orphaned', 'role', r.rolname::text, null
      from pg_catalog.pg_roles r
      where r.rolname ~ '^mod(role|admin|owner)_[a-f0-9]{8}$'
        and not exists (select 1 from reg where reg.role_name = r.rolname
          or (reg.strategy <> 'shared' and 'modadmin_' || reg.module_short_id = r.rolname)
          or (reg.strategy <> 'shared' and 'modowner_' || reg.module_short_id = r.rolname))
        and not exists (
          select 1 from pg_catalog.pg_shdepend d
          where d.refclassid = 'pg_catalog.pg_authid'::regclass and d.refobjid = r.oid
            and d.dbid <> 0 and d.dbid <> (select oid from here))
      union all
      select 'missing', 'role', x.name, r.module_id
      from reg r cross join lateral (
        select r.role_name as name
        union all select 'modadmin_' || r.module_short_id where r.strategy <> 'shared'
        union all select 'modowner_' || r.module_short_id where r.strategy <> 'shared'
      ) x
      where not exists (select 1 from pg_catalog.pg_roles y where y.rolname = x.name)
      union all
      select 'missing', 'schema', r.schema_name, r.module_id
      from reg r where r.strategy = 'schema'
        and not exists (select 1 from pg_catalog.pg_namespace x where x.nspname = r.schema_name)
      union all
      select 'missing', 'relation', l.nsp || '.' || l.rel, l.module_id
      from listed l
      where not exists (
        select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = l.nsp and c.relname = l.rel)
      order by 1, 2, 3`.execute(db);
    return Object.freeze({
      orphanedObjects: Object.freeze(
        rows
          .filter((r) => r.side === 'orphaned')
          .map((r) => Object.freeze({ kind: r.kind, name: r.name })),
      ),
      missingObjects: Object.freeze(
        rows
          .filter((r) => r.side === 'missing')
          .map((r) => Object.freeze({ kind: r.kind, name: r.name, moduleId: r.module_id ?? '' })),
      ),
    });
  } catch (error) {
    throw toLifecycleError(error, 'checking for orphaned module objects failed');
  }
}
