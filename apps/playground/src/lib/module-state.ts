import 'server-only';
import { listModules, type ModuleRegistryEntry } from '@dramac/module-db';
import { sql } from 'kysely';
import { getDb } from './database';
import { type CatalogModule, MODULE_CATALOG } from './module-catalog';

/** A catalog module with what the registry says about it. */
export interface ModuleState {
  readonly module: CatalogModule;
  readonly entry: ModuleRegistryEntry | undefined;
  /** Sites the module is installed and active on. */
  readonly sites: ReadonlySet<string>;
  /** Sites whose installation is suspended (the module is retained, waiting to be dropped). */
  readonly suspended: ReadonlySet<string>;
}

/**
 * Site installations by module id, read from the platform's `public.module_site_installations`
 * (module-db exports no listing of them; the playground runs as the platform, which owns it).
 */
export async function readInstallations(): Promise<
  Map<string, { active: Set<string>; suspended: Set<string> }>
> {
  const { rows } = await sql<{ module_id: string; site_id: string; status: string }>`
    select module_id::text, site_id::text, status
    from public.module_site_installations order by installed_at`.execute(getDb());
  const out = new Map<string, { active: Set<string>; suspended: Set<string> }>();
  for (const r of rows) {
    const entry = out.get(r.module_id) ?? {
      active: new Set<string>(),
      suspended: new Set<string>(),
    };
    out.set(r.module_id, entry);
    (r.status === 'active' ? entry.active : entry.suspended).add(r.site_id);
  }
  return out;
}

/** Every catalog module with its registry row and installed sites. */
export async function readModuleStates(): Promise<readonly ModuleState[]> {
  const [entries, installations] = await Promise.all([listModules(getDb()), readInstallations()]);
  return MODULE_CATALOG.map((module) => {
    const i = installations.get(module.definition.moduleId);
    return {
      module,
      entry: entries.find((e) => e.moduleId === module.definition.moduleId),
      sites: i?.active ?? new Set<string>(),
      suspended: i?.suspended ?? new Set<string>(),
    };
  });
}
