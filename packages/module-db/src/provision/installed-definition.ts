import { type Kysely, sql } from 'kysely';
import { validateInstalledDefinition } from '../definition/validate-installed-definition';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';

/** The definition the registry says is installed, validated again, with its checksum. */
export interface InstalledDefinition {
  readonly definition: ValidatedModuleDefinition;
  readonly checksum: string;
  readonly version: string;
  readonly status: string;
}

/**
 * Reads the installed definition of a module from the registry (null when it is not installed).
 *
 * @example
 * const installed = await readInstalledDefinition(db, moduleId);
 * @throws DefinitionValidationError if the stored definition no longer validates.
 */
export async function readInstalledDefinition(
  db: Kysely<any>,
  moduleId: string,
): Promise<InstalledDefinition | null> {
  const { rows } = await sql<{
    definition: unknown;
    checksum: string;
    version: string;
    status: string;
  }>`
    select definition, checksum, version, status from public.module_database_registry
    where module_id = ${moduleId}`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    definition: await validateInstalledDefinition(row.definition),
    checksum: row.checksum,
    version: row.version,
    status: row.status,
  };
}
