import type { Kysely } from 'kysely';
import { toModuleDbError } from '../provision/postgres-error';
import { type ModuleRegistryEntry, readRegistry } from './module-registry-entry';
import { parseModuleId } from './parse-lifecycle-ids';

/**
 * The registry row of one module, or `undefined` when it is not provisioned.
 *
 * @example
 * const entry = await getModuleRegistryEntry(db, crm.moduleId);
 * entry?.qualifiedTables; // ['mod_c7a1e0b2.contacts', ...]
 * @throws DefinitionValidationError (`invalid_module_id`) when `moduleId` is not a UUID;
 * ProvisioningError when the registry cannot be read.
 */
export async function getModuleRegistryEntry(
  db: Kysely<any>,
  moduleId: string,
): Promise<ModuleRegistryEntry | undefined> {
  const id = parseModuleId(moduleId);
  try {
    const [entry] = await readRegistry(db, { moduleId: id.moduleId });
    return entry;
  } catch (error) {
    throw toModuleDbError(error, `reading the registry entry of module ${id.moduleId} failed`);
  }
}
