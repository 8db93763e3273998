import { validateModuleDefinition } from '@dramac/module-db';
import { diagramOf } from '../../lib/diagram-from-definition';
import { namespaceOf } from '../../lib/diagram-model';
import { load } from '../../lib/load';
import { installedDefinition } from '../../lib/module-catalog';
import { readModuleStates } from '../../lib/module-state';
import { type ModuleCard, ModulesClient } from './modules-client';

export const dynamic = 'force-dynamic';

export default async function ModulesPage() {
  const result = await load(async () => {
    const states = await readModuleStates();
    const cards: ModuleCard[] = [];
    for (const { module, entry, sites, suspended } of states) {
      const shown = entry ? installedDefinition(module, entry.version) : module.definition;
      const diagram = diagramOf(await validateModuleDefinition(shown));
      cards.push({
        key: module.key,
        title: module.title,
        summary: module.summary,
        moduleType: module.definition.moduleType,
        version: module.definition.version,
        upgradeVersion: module.upgrade?.version ?? null,
        diagram,
        installed: entry
          ? {
              version: entry.version,
              strategy: entry.strategy,
              namespace: namespaceOf(entry.strategy, entry.shortId, entry.schemaName),
              status: entry.status,
              dropAfter: entry.dropAfter,
              activeSites: sites.size,
              suspendedSites: suspended.size,
            }
          : null,
      });
    }
    return { cards };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  return (
    <>
      <h1>Modules</h1>
      <p className="lead">
        Each module as an entity diagram of its installed version. Installing or upgrading shows the
        plan first: what it creates, changes and removes, the lock each step takes, the diagram it
        leads to and every statement; nothing runs until you apply it, in one transaction. Per-site
        installs are on <a href="/installations">Installations</a>.
      </p>
      <ModulesClient cards={result.data.cards} />
    </>
  );
}
