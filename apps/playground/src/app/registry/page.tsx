import { listModuleEvents, listModules } from '@dramac/module-db';
import { getDb } from '../../lib/database';
import { namespaceOf } from '../../lib/diagram-model';
import { describeEvent, EVENT_LABELS } from '../../lib/event-text';
import { load } from '../../lib/load';
import { catalogModuleById } from '../../lib/module-catalog';
import { readPlatform } from '../../lib/platform';

export const dynamic = 'force-dynamic';

type Search = Promise<Record<string, string | string[] | undefined>>;

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

export default async function RegistryPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const filter = { module: one(params.module), event: one(params.event), site: one(params.site) };
  const result = await load(async () => {
    const db = getDb();
    const [modules, events, platform] = await Promise.all([
      listModules(db),
      listModuleEvents(db, undefined, { limit: 500 }),
      readPlatform(),
    ]);
    return { modules, events: [...events].reverse(), platform };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { modules, events, platform } = result.data;
  const moduleName = (id: string, shortId: string) =>
    catalogModuleById(id)?.title ?? `mod_${shortId}`;
  const siteName = (id: string) => {
    const site = platform.sites.find((s) => s.id === id);
    return site ? `${site.label}: ${site.name}` : id.slice(0, 8);
  };
  const moduleChoices = [
    ...new Map(events.map((e) => [e.moduleId, moduleName(e.moduleId, e.shortId)] as const)),
  ];
  const shown = events.filter(
    (e) =>
      (!filter.module || e.moduleId === filter.module) &&
      (!filter.event || e.event === filter.event) &&
      (!filter.site || e.siteId === filter.site),
  );
  return (
    <>
      <h1>Registry</h1>
      <p className="lead">
        <code>module_database_registry</code> is the single source of truth for what each module
        owns: uninstalling drops exactly what it lists. Every change to it is an event.
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
                <th>Roles</th>
                <th>Status</th>
                <th>Checksum</th>
              </tr>
            </thead>
            <tbody>
              {modules.map((m) => (
                <tr key={m.moduleId}>
                  <td>
                    {moduleName(m.moduleId, m.shortId)}
                    <div className="mono muted small">{m.moduleId}</div>
                  </td>
                  <td>{m.version}</td>
                  <td>
                    {m.moduleType} / {m.strategy}
                  </td>
                  <td className="mono small">{namespaceOf(m.strategy, m.shortId, m.schemaName)}</td>
                  <td className="mono small">
                    {m.roleName}
                    {m.strategy !== 'shared' ? <div>modadmin_{m.shortId}</div> : null}
                  </td>
                  <td>
                    <span className={`badge ${m.status === 'active' ? 'ok' : 'warn'}`}>
                      {m.status}
                    </span>
                    {m.dropAfter ? (
                      <div className="small muted">
                        until {m.dropAfter.replace('T', ' ').slice(0, 16)}
                      </div>
                    ) : null}
                  </td>
                  <td className="mono small">{m.checksum.slice(0, 12)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" data-testid="registry-events">
        <div className="spread">
          <h2>Timeline (newest first)</h2>
          <span className="muted small" data-testid="timeline-count">
            {shown.length} of {events.length} events
          </span>
        </div>
        <form className="row" method="get" action="/registry" data-testid="timeline-filters">
          <select name="module" defaultValue={filter.module}>
            <option value="">every module</option>
            {moduleChoices.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
          <select name="event" defaultValue={filter.event}>
            <option value="">every event</option>
            {Object.entries(EVENT_LABELS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
          <select name="site" defaultValue={filter.site}>
            <option value="">every site</option>
            {platform.sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}: {s.name}
              </option>
            ))}
          </select>
          <button type="submit">Filter</button>
          {filter.module || filter.event || filter.site ? <a href="/registry">clear</a> : null}
        </form>
        {shown.length === 0 ? <p className="muted">No event matches.</p> : null}
        <ol className="timeline" style={{ marginTop: 12 }}>
          {shown.map((e) => {
            const { headline, facts } = describeEvent(e);
            return (
              <li
                key={e.id}
                className={`ev-${e.event}`}
                data-testid="timeline-event"
                data-event={e.event}
              >
                <div className="row">
                  <strong>{EVENT_LABELS[e.event] ?? e.event}</strong>
                  <span className="badge info">{moduleName(e.moduleId, e.shortId)}</span>
                  {e.siteId ? <span className="badge">{siteName(e.siteId)}</span> : null}
                  <span className="when">
                    {e.createdAt.replace('T', ' ').slice(0, 19)} UTC
                    {e.actor ? `, by ${e.actor}` : ''}
                  </span>
                </div>
                <div>{headline}</div>
                {facts.length > 0 ? (
                  <ul className="small muted" style={{ margin: '2px 0 0', paddingLeft: 18 }}>
                    {facts.map((f) => (
                      <li key={f}>{f}</li>
                    ))}
                  </ul>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>
    </>
  );
}
