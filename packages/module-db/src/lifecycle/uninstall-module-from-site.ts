import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { JsonValue } from '../definition/json-value';
import type { ValidatedColumn } from '../definition/validated-definition';
import { AccessDeniedError, NotFoundError } from '../errors';
import { actAsPlatformWhenNeeded } from './as-platform';
import { inTransaction } from './in-transaction';
import { bypassesRowSecurity, type InstalledTable, loadInstalledModule } from './installed-module';
import { toLifecycleError } from './lifecycle-error';
import { parseModuleId, parseSiteId } from './parse-lifecycle-ids';

/** Options of {@link uninstallModuleFromSite}. */
export interface UninstallModuleOptions {
  /** Return the site's rows, per table, before deleting them (in the same transaction). */
  readonly export?: boolean;
  /** Who asks: kept in the event log. */
  readonly actor?: string;
  /** How long to wait for the module's tables, in ms (PostgreSQL `lock_timeout`). Default 5000. */
  readonly lockTimeoutMs?: number;
}

/** One exported row: JSON as PostgreSQL renders it (bigint and numeric as strings, ISO dates). */
export type ExportedRow = { readonly [column: string]: JsonValue };

/** What {@link uninstallModuleFromSite} did. */
export interface UninstallModuleResult {
  readonly moduleId: string;
  readonly shortId: string;
  readonly siteId: string;
  /** False when the module was not installed on the site (rows were purged all the same). */
  readonly wasInstalled: boolean;
  /** Rows deleted per table (logical names; `module_data` for a widget). */
  readonly deleted: Readonly<Record<string, number>>;
  /** With `export: true`: the deleted rows per table, in primary-key order. */
  readonly exported?: Readonly<Record<string, readonly ExportedRow[]>>;
}

/** bigint and numeric leave PostgreSQL as text, so JSON keeps every digit. */
function exportColumn(column: ValidatedColumn): RawBuilder<unknown> {
  const ref = sql.ref(column.name);
  if (column.type.base === 'bigint' || column.type.base === 'numeric') {
    return sql`${ref}::text${sql.raw(column.type.array ? '[]' : '')} as ${sql.id(column.name)}`;
  }
  return sql`${ref}`;
}

async function exportTable(
  trx: Kysely<any>,
  t: InstalledTable,
  siteId: string,
): Promise<ExportedRow[]> {
  const columns = sql.join(t.table.columns.map(exportColumn));
  const order = sql.join(t.table.primaryKey.map((c) => sql.ref(`s.${c}`)));
  const { rows } = await sql<{ row: ExportedRow }>`
    select to_jsonb(s) as row from (
      select ${columns} from ${sql.id(t.schema, t.physical)} where ${sql.ref('site_id')} = ${siteId}::uuid
    ) s order by ${order}`.execute(trx);
  return rows.map((r) => r.row);
}

/**
 * Removes a module from one site, in one transaction: optionally exports that site's rows, deletes
 * them from every table of the module (children before parents, following the definition's
 * foreign keys), removes the installation record (so the site policy refuses the module there
 * from now on) and logs `site_purged`. For a widget (`shared` strategy) it deletes the site's rows
 * of that module from `public.module_data`. Other sites' rows are untouched.
 *
 * The tables are locked against writes (`SHARE ROW EXCLUSIVE`) for the transaction, so a row the
 * module writes concurrently cannot slip in between the delete and the commit. The connection
 * must read past row-level security (superuser or `BYPASSRLS`): otherwise the policies would
 * hide the rows and the delete would silently remove nothing, so this is checked first.
 *
 * @example
 * const { deleted, exported } = await uninstallModuleFromSite(db, crm.moduleId, siteId, { export: true });
 * deleted; // { activities: 3, deals: 1, contacts: 2, companies: 1 }
 * @throws NotFoundError when the module is not provisioned or the site does not exist;
 * ConflictError when the module is deprecated; AccessDeniedError when the connection is subject
 * to row-level security; ProvisioningError (with `sqlstate`, e.g. 55P03 on a lock timeout) when
 * PostgreSQL refuses. Nothing is deleted then.
 */
export async function uninstallModuleFromSite(
  db: Kysely<any>,
  moduleId: string,
  siteId: string,
  options: UninstallModuleOptions = {},
): Promise<UninstallModuleResult> {
  const id = parseModuleId(moduleId);
  const site = parseSiteId(siteId);
  const lockTimeoutMs = options.lockTimeoutMs ?? 5000;
  try {
    return await inTransaction(db, async (trx) => {
      if (!(await bypassesRowSecurity(trx))) {
        throw new AccessDeniedError(
          'uninstalling from a site needs a connection that bypasses row-level security (superuser or BYPASSRLS)',
        );
      }
      const module = await loadInstalledModule(trx, id);
      const { rows: sites } = await sql`
        select 1 from public.sites where id = ${site}::uuid for key share`.execute(trx);
      if (sites.length === 0) throw new NotFoundError(`site ${site} does not exist`);
      await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
      // A non-superuser migration user (Supabase's postgres, PostgreSQL 16+) acts as the platform.
      const restoreRole = await actAsPlatformWhenNeeded(trx);

      const deleted: Record<string, number> = {};
      const exported: Record<string, ExportedRow[]> = {};
      if (module.entry.strategy === 'shared') {
        await sql`lock table public.module_data in share row exclusive mode`.execute(trx);
        if (options.export) {
          const { rows } = await sql<{ row: ExportedRow }>`
            select to_jsonb(d) as row from public.module_data d
            where d.module_short_id = ${id.shortId} and d.site_id = ${site}::uuid
            order by d.collection, d.key`.execute(trx);
          exported.module_data = rows.map((r) => r.row);
        }
        const result = await trx
          .withSchema('public')
          .deleteFrom('module_data')
          .where('module_short_id', '=', id.shortId)
          .where('site_id', '=', site)
          .executeTakeFirst();
        deleted.module_data = Number(result.numDeletedRows);
      } else {
        for (const t of module.tables) {
          await sql`lock table ${sql.id(t.schema, t.physical)} in share row exclusive mode`.execute(
            trx,
          );
        }
        if (options.export) {
          for (const t of module.tables) exported[t.table.name] = await exportTable(trx, t, site);
        }
        // Children first: (site_id, col) foreign keys may be RESTRICT or NO ACTION.
        for (const t of [...module.tables].reverse()) {
          const result = await trx
            .withSchema(t.schema)
            .deleteFrom(t.physical)
            .where('site_id', '=', site)
            .executeTakeFirst();
          deleted[t.table.name] = Number(result.numDeletedRows);
        }
      }

      const { rows: removed } = await sql`
        delete from public.module_site_installations
        where module_short_id = ${id.shortId} and site_id = ${site}::uuid
        returning site_id`.execute(trx);
      const wasInstalled = removed.length > 0;
      await sql`
        insert into public.module_database_events (module_id, module_short_id, event, site_id, actor, details)
        values (${id.moduleId}::uuid, ${id.shortId}, 'site_purged', ${site}::uuid, ${options.actor ?? null},
                ${JSON.stringify({ deleted, exported: options.export === true, wasInstalled })}::jsonb)`.execute(
        trx,
      );
      await restoreRole();
      return Object.freeze({
        moduleId: id.moduleId,
        shortId: id.shortId,
        siteId: site,
        wasInstalled,
        deleted: Object.freeze(deleted),
        ...(options.export ? { exported: Object.freeze(exported) } : {}),
      });
    });
  } catch (error) {
    throw toLifecycleError(error, `uninstalling module ${id.moduleId} from site ${site} failed`);
  }
}
