'use server';

import { installModuleForSite, uninstallModuleFromSite } from '@dramac/module-db';
import { type ActionResult, attempt } from '../../lib/action-result';
import { getDb } from '../../lib/database';
import { uuid } from '../../lib/ids';
import { catalogModule } from '../../lib/module-catalog';

const ACTOR = 'playground';

/** Installs a provisioned module on one site. */
export async function installOnSiteAction(
  key: string,
  siteId: string,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const r = await installModuleForSite(
      getDb(),
      module.definition.moduleId,
      uuid(siteId, 'site'),
      {
        actor: ACTOR,
      },
    );
    return `${module.title}: ${r.status.replace('_', ' ')}`;
  });
}

export interface SiteUninstallView {
  readonly message: string;
  readonly fileName: string;
  readonly exported: unknown;
}

/**
 * Uninstalls a module from one site: the site's rows are exported as JSON and deleted in the same
 * transaction, so the download is exactly what was purged.
 */
export async function uninstallFromSiteAction(
  key: string,
  siteId: string,
): Promise<ActionResult<SiteUninstallView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const site = uuid(siteId, 'site');
    const r = await uninstallModuleFromSite(getDb(), module.definition.moduleId, site, {
      export: true,
      actor: ACTOR,
    });
    const total = Object.values(r.deleted).reduce((a, b) => a + b, 0);
    return {
      message: `${module.title} uninstalled from the site: ${total} ${total === 1 ? 'row' : 'rows'} exported and purged`,
      fileName: `${module.key}-site-${site}-export.json`,
      exported: {
        module: module.definition.moduleId,
        site,
        exportedAt: new Date().toISOString(),
        deleted: r.deleted,
        tables: r.exported ?? {},
      },
    };
  });
}
