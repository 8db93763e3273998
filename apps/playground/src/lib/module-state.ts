import 'server-only';
import { listModuleEvents, listModules, type ModuleRegistryEntry } from '@dramac/module-db';
import { getDb } from './database';
import { type CatalogModule, MODULE_CATALOG } from './module-catalog';

/** A catalog module with what the registry says about it. */
export interface ModuleState {
  readonly module: CatalogModule;
  readonly entry: ModuleRegistryEntry | undefined;
  /** Sites the module is installed on. */
  readonly sites: ReadonlySet<string>;
}

/**
 * Sites each module is installed on, replayed from the module event log (module-db exports no
 * listing of installations): `site_installed` adds a site, `site_purged` removes it, and
 * `deprovisioned` or a new `provisioned` clears them all.
 */
export async function installedSites(): Promise<Map<string, Set<string>>> {
  const events = await listModuleEvents(getDb(), undefined, { limit: 10_000 });
  const sites = new Map<string, Set<string>>();
  for (const e of events) {
    const set = sites.get(e.moduleId) ?? new Set<string>();
    sites.set(e.moduleId, set);
    if (e.event === 'site_installed' && e.siteId) set.add(e.siteId);
    else if (e.event === 'site_purged' && e.siteId) set.delete(e.siteId);
    else if (e.event === 'deprovisioned' || e.event === 'provisioned') set.clear();
  }
  return sites;
}

/** Every catalog module with its registry row and installed sites. */
export async function readModuleStates(): Promise<readonly ModuleState[]> {
  const [entries, sites] = await Promise.all([listModules(getDb()), installedSites()]);
  return MODULE_CATALOG.map((module) => ({
    module,
    entry: entries.find((e) => e.moduleId === module.definition.moduleId),
    sites: sites.get(module.definition.moduleId) ?? new Set<string>(),
  }));
}
