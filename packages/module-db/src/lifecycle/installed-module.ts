import { getModuleTableName } from '@dramac/module-naming';
import { type Kysely, sql } from 'kysely';
import { validateInstalledDefinition } from '../definition/validate-installed-definition';
import type { ValidatedModuleDefinition, ValidatedTable } from '../definition/validated-definition';
import { ConflictError, NotFoundError } from '../errors';
import { type ModuleRegistryEntry, readRegistry } from './module-registry-entry';
import type { LifecycleModuleId } from './parse-lifecycle-ids';
import { parentsFirst } from './table-order';

/** One module table with its physical name. */
export interface InstalledTable {
  readonly table: ValidatedTable;
  /** `mod_<id>` or `public`. */
  readonly schema: string;
  /** `<table>` or `mod_<id>_<table>`. */
  readonly physical: string;
  readonly qualified: string;
}

/** A provisioned module, read under its lock: registry row, definition, tables parents first. */
export interface InstalledModule {
  readonly entry: ModuleRegistryEntry;
  readonly definition: ValidatedModuleDefinition;
  readonly tables: readonly InstalledTable[];
}

/**
 * Inside the caller's transaction: takes the module's advisory lock (the one provisioning and
 * deprovisioning take), reads its registry row `FOR SHARE`, and re-validates the stored
 * definition, so column names and types come from what was provisioned, never from input.
 *
 * @throws NotFoundError when the module is not provisioned; ConflictError when it is deprecated
 * (being removed).
 */
export async function loadInstalledModule(
  trx: Kysely<any>,
  id: LifecycleModuleId,
): Promise<InstalledModule> {
  await sql`select public.dramac_lock_module(${id.shortId})`.execute(trx);
  const [entry] = await readRegistry(trx, { moduleId: id.moduleId, lock: 'share' });
  if (!entry) throw new NotFoundError(`module ${id.moduleId} is not provisioned`);
  if (entry.status === 'deprecated') {
    throw new ConflictError(
      `module ${id.moduleId} is deprecated (access revoked, dropped after ${entry.dropAfter})`,
    );
  }
  const definition = await validateInstalledDefinition(entry.definition);
  const listed = new Set(entry.tableNames);
  const strategy = entry.strategy;
  const tables =
    strategy === 'shared'
      ? []
      : parentsFirst(definition.tables)
          .filter((table) => listed.has(table.name))
          .map((table) => {
            // Validates the name again (naming rules, 63 bytes) before it is used as an identifier.
            const name = getModuleTableName(entry.shortId, table.name, strategy);
            return Object.freeze({
              table,
              schema: name.schema,
              physical: name.table,
              qualified: name.qualified,
            });
          });
  return Object.freeze({ entry, definition, tables: Object.freeze(tables) });
}

/** True when the connected role reads and writes past row-level security. */
export async function bypassesRowSecurity(trx: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select (rolsuper or rolbypassrls) as ok from pg_catalog.pg_roles where rolname = current_user`.execute(
    trx,
  );
  return rows[0]?.ok === true;
}
