import type { Kysely } from 'kysely';
import { toModuleDbError } from '../provision/postgres-error';
import { type ModuleRegistryEntry, readRegistry } from './module-registry-entry';

/**
 * Every provisioned module, as the registry lists it, oldest first.
 *
 * @example
 * for (const m of await listModules(db)) console.log(m.shortId, m.strategy, m.status, m.tableNames);
 * @throws ProvisioningError (with `sqlstate`) when the registry cannot be read, e.g. before
 * `migratePlatform` ran (42P01) or without privileges on it (42501).
 */
export async function listModules(db: Kysely<any>): Promise<readonly ModuleRegistryEntry[]> {
  try {
    return Object.freeze(await readRegistry(db));
  } catch (error) {
    throw toModuleDbError(error, 'reading the module registry failed');
  }
}
