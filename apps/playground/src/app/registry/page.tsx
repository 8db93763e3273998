import { getModuleStats, listModuleEvents, listModules, type ModuleStats } from '@dramac/module-db';
import { getDb } from '../../lib/database';
import { load } from '../../lib/load';
import { readPlatform } from '../../lib/platform';

export const dynamic = 'force-dynamic';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export default async function RegistryPage() {
  const result = await load(async () => {
    const db = getDb();
    const modules = await listModules(db);
    const stats = new Map<string, ModuleStats>();
    for (const m of modules)
      stats.set(m.moduleId, await getModuleStats(db, m.moduleId, { exact: true }));
    const events = await listModuleEvents(db, undefined, { limit: 60 });
    const { sites } = await readPlatform();
    return { modules, stats, events: [...events].reverse(), sites };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { modules, stats, events, sites } = result.data;
  const siteName = (id: string) => {
    const site = sites.find((s) => s.id === id);
    return site ? `${site.label}: ${site.name}` : id.slice(0, 8);
  };
  return (
    <>
      <h1>Registry</h1>
      <p className="lead">
        <code>module_database_registry</code> is the single source of truth for what each module
        owns: uninstalling drops exactly what it lists.
      </p>
      <section className="card" data-testid="registry-rows">
        <h2>Registered modules ({modules.length})</h2>
        {modules.length === 0 ? (
          <p className="muted" data-testid="registry-empty">
            No module is provisioned.
          </p>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Module</th>
                <th>Version</th>
                <th>Type / strategy</th>
                <th>Namespace</th>
                <th>Role</th>
                <th>Status</th>
                <th>Checksum</th>
              </tr>
            </thead>
            <tbody>
              {modules.map((m) => {
                const name = (m.definition as { name?: string } | null)?.name ?? m.shortId;
                return (
                  <tr key={m.moduleId}>
                    <td>
                      {name}
                      <div className="mono muted small">{m.moduleId}</div>
                    </td>
                    <td>{m.version}</td>
                    <td>
                      {m.moduleType} / {m.strategy}
                    </td>
                    <td className="mono">{m.schemaName ?? `public.mod_${m.shortId}_*`}</td>
                    <td className="mono">{m.roleName}</td>
                    <td>
                      <span className={`badge ${m.status === 'active' ? 'ok' : ''}`}>
                        {m.status}
                      </span>
                    </td>
                    <td className="mono small">{m.checksum.slice(0, 12)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" data-testid="registry-stats">
        <h2>Tables, rows and storage</h2>
        {modules.length === 0 ? <p className="muted">Nothing provisioned.</p> : null}
        {modules.map((m) => {
          const s = stats.get(m.moduleId);
          if (!s) return null;
          return (
            <div key={m.moduleId}>
              <h3>
                {(m.definition as { name?: string } | null)?.name ?? m.shortId}:{' '}
                {bytes(s.storageBytes)}
              </h3>
              <table className="grid">
                <thead>
                  <tr>
                    <th>Table</th>
                    <th>Rows (all sites)</th>
                    <th>Size</th>
                  </tr>
                </thead>
                <tbody>
                  {s.tables.map((t) => (
                    <tr key={t.qualified}>
                      <td className="mono">{t.qualified}</td>
                      <td>{t.rowCount}</td>
                      <td>{bytes(t.totalBytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        })}
      </section>

      <section className="card" data-testid="registry-events">
        <h2>Event history (newest first)</h2>
        <table className="grid">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Module</th>
              <th>Site</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td className="small nowrap">{e.createdAt.replace('T', ' ').slice(0, 19)}</td>
                <td>
                  <span className="badge info">{e.event}</span>
                </td>
                <td className="mono">mod_{e.shortId}</td>
                <td className="small nowrap">{e.siteId ? siteName(e.siteId) : ''}</td>
                <td className="mono small details">{JSON.stringify(e.details).slice(0, 300)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
