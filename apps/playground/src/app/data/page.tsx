import { type FormColumn, formColumns } from '../../lib/form-values';
import { load } from '../../lib/load';
import { installedDefinition } from '../../lib/module-catalog';
import { readModuleStates } from '../../lib/module-state';
import { readPlatform } from '../../lib/platform';
import { DataClient, type DataModule } from './data-client';

export const dynamic = 'force-dynamic';

export default async function DataPage() {
  const result = await load(async () => {
    const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
    const modules: DataModule[] = [];
    for (const { module, entry, sites } of states) {
      if (entry?.status !== 'active') continue;
      const definition = installedDefinition(module, entry.version);
      const tables = (definition.tables as readonly { name: string }[]).map((t) => ({
        name: t.name,
        columns: formColumns(definition, t.name) as FormColumn[],
      }));
      if (tables.length === 0) continue;
      modules.push({
        key: module.key,
        title: `${module.title} ${entry.version}`,
        tables,
        siteIds: [...sites],
        demoTable: module.probe?.table ?? null,
      });
    }
    return { modules, platform };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { modules, platform } = result.data;
  return (
    <>
      <h1>Data</h1>
      <p className="lead">
        Rows through <code>@dramac/module-sdk</code> on the Postgres transport: each call is one
        transaction as the module's role, with the user and the site as request claims. PostgreSQL
        decides what the user sees. Below: compound filters, offset and keyset pages, a batch and a
        transaction that roll back, and the server-only admin client.
      </p>
      {modules.length === 0 ? (
        <div className="message note">
          No module with tables is installed yet: install one on <a href="/modules">Modules</a>.
        </div>
      ) : (
        <DataClient modules={modules} users={platform.users} sites={platform.sites} />
      )}
    </>
  );
}
