import { load } from '../../lib/load';
import { readModuleStates } from '../../lib/module-state';
import { readPlatform } from '../../lib/platform';
import { type ModuleCard, ModulesClient } from './modules-client';

export const dynamic = 'force-dynamic';

export default async function ModulesPage() {
  const result = await load(async () => {
    const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
    const cards: ModuleCard[] = states.map(({ module, entry, sites }) => ({
      key: module.key,
      title: module.title,
      summary: module.summary,
      moduleType: module.definition.moduleType,
      version: module.definition.version,
      upgradeVersion: module.upgrade?.version ?? null,
      installed: entry
        ? {
            version: entry.version,
            strategy: entry.strategy,
            namespace: entry.schemaName ?? `public.mod_${entry.shortId}_*`,
            status: entry.status,
            siteIds: [...sites],
          }
        : null,
    }));
    return { cards, sites: platform.sites };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  return (
    <>
      <h1>Modules</h1>
      <p className="lead">
        Installing shows the plan first (the SQL, compiled from the definition, nothing run yet),
        then applies it in one transaction. A module is then installed per site; uninstalling from a
        site downloads the site's rows as JSON, taken in the same transaction that deletes them.
      </p>
      <ModulesClient cards={result.data.cards} sites={result.data.sites} />
    </>
  );
}
