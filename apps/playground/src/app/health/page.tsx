import {
  checkModuleDatabase,
  checkOrphans,
  type DriftReport,
  type LintFinding,
  lintModuleDatabase,
  listModules,
} from '@dramac/module-db';
import { getDb } from '../../lib/database';
import { load } from '../../lib/load';
import { catalogModuleById } from '../../lib/module-catalog';
import { BREAKAGES } from '../../lib/sabotage';
import { BreakPanel } from './break-panel';
import { RepairPanel } from './repair-panel';

export const dynamic = 'force-dynamic';

const LEVEL_BADGE = { error: 'bad', warn: 'warn', info: 'info' } as const;

export default async function HealthPage() {
  const result = await load(async () => {
    const db = getDb();
    const modules = await listModules(db);
    const lint = modules.length > 0 ? await lintModuleDatabase(db) : null;
    const reports: {
      key: string;
      name: string;
      moduleId: string;
      version: string;
      status: string;
      findings: readonly LintFinding[];
      drift: DriftReport;
    }[] = [];
    for (const m of modules) {
      const catalog = catalogModuleById(m.moduleId);
      reports.push({
        key: catalog?.key ?? m.shortId,
        name: catalog?.title ?? m.shortId,
        moduleId: m.moduleId,
        version: m.version,
        status: m.status,
        findings: lint?.findings.filter((f) => f.moduleId === m.moduleId) ?? [],
        drift: await checkModuleDatabase(db, m.moduleId),
      });
    }
    return { reports, orphans: await checkOrphans(db) };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { reports, orphans } = result.data;
  const orphanRows = [
    ...orphans.orphanedObjects.map((o) => ({
      side: 'orphaned',
      kind: o.kind,
      name: o.name,
      module: '',
    })),
    ...orphans.missingObjects.map((o) => ({
      side: 'missing',
      kind: o.kind,
      name: o.name,
      module: catalogModuleById(o.moduleId)?.title ?? o.moduleId,
    })),
  ];
  const breakable = reports.filter(
    (r) => r.status === 'active' && catalogModuleById(r.moduleId)?.probe,
  );
  return (
    <>
      <h1>Health</h1>
      <p className="lead">
        For every installed module: the database lint (<code>lintModuleDatabase</code>: forced
        row-level security, the site policy, restrictive module policies, indexes, grants to API
        roles), drift between the live catalog and the registered definition (
        <code>checkModuleDatabase</code>), and the registry against the catalog (
        <code>checkOrphans</code>). Lint remedies and drift repair SQL are shown exactly as the
        packages give them; a drifted module can be repaired (<code>planModuleRepair</code>, then
        <code>repairModuleDatabase</code>).
      </p>
      {reports.length === 0 ? <p className="muted">No module is provisioned.</p> : null}
      {reports.map(({ key, name, moduleId, version, status, findings, drift }) => {
        const serious = findings.filter((f) => f.level !== 'info').length;
        return (
          <section className="card" key={moduleId} data-testid="health-module">
            <div className="spread">
              <h2>
                {name} {version}
              </h2>
              <div className="row">
                {serious === 0 ? (
                  <span className="badge ok">lint: no findings</span>
                ) : (
                  <span className="badge bad">lint: {serious} findings</span>
                )}
                {drift.ok ? (
                  <span className="badge ok">no drift</span>
                ) : (
                  <span className="badge bad">drift: {drift.differences.length}</span>
                )}
              </div>
            </div>
            <h3>Lint</h3>
            {findings.length > 0 ? (
              <table className="grid" data-testid="lint-findings">
                <thead>
                  <tr>
                    <th>Level</th>
                    <th>Lint</th>
                    <th>Object</th>
                    <th>Finding and remedy</th>
                  </tr>
                </thead>
                <tbody>
                  {findings.map((f) => (
                    <tr key={`${f.code}-${f.object}`}>
                      <td>
                        <span className={`badge ${LEVEL_BADGE[f.level]}`}>{f.level}</span>
                      </td>
                      <td className="mono">{f.code}</td>
                      <td className="mono small">{f.object}</td>
                      <td>
                        {f.message}
                        <div className="small muted">remedy, as lintModuleDatabase gives it:</div>
                        <code className="sql">{f.remedy}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">
                Every lint passes: row-level security forced, the site policy intact, no API-role
                grants, indexes in place.
              </p>
            )}
            <h3>Drift</h3>
            {drift.differences.length > 0 ? (
              <table className="grid" data-testid="drift">
                <thead>
                  <tr>
                    <th>Drift</th>
                    <th>Table</th>
                    <th>Object</th>
                    <th>Expected</th>
                    <th>Actual</th>
                    <th>Difference and repair</th>
                  </tr>
                </thead>
                <tbody>
                  {drift.differences.map((d) => (
                    <tr key={`${d.kind}-${d.table}-${d.object}-${d.message}`}>
                      <td>
                        <span className="badge bad">{d.kind}</span>
                      </td>
                      <td className="mono small">{d.table ?? ''}</td>
                      <td className="mono small">{d.object ?? ''}</td>
                      <td className="mono small">{d.expected ?? ''}</td>
                      <td className="mono small">{d.actual ?? ''}</td>
                      <td>
                        {d.message}
                        {d.repair && d.repair.length > 0 ? (
                          <>
                            <div className="small muted">
                              repair SQL, as checkModuleDatabase gives it:
                            </div>
                            {d.repair.map((statement) => (
                              <code className="sql" key={statement}>
                                {statement}
                              </code>
                            ))}
                          </>
                        ) : (
                          <div className="small muted">only the platform can repair this</div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">The live catalog matches the registered definition.</p>
            )}
            {!drift.ok && status === 'active' ? <RepairPanel moduleKey={key} title={name} /> : null}
          </section>
        );
      })}
      <section className="card" data-testid="orphans">
        <div className="spread">
          <h2>Registry and catalog (checkOrphans)</h2>
          {orphanRows.length === 0 ? (
            <span className="badge ok">consistent</span>
          ) : (
            <span className="badge bad">
              {orphans.orphanedObjects.length} orphaned, {orphans.missingObjects.length} missing
            </span>
          )}
        </div>
        <p className="muted small">
          Orphaned: module schemas, tables or roles no registry row accounts for. Missing: objects a
          registry row lists that the catalog lacks.
        </p>
        {orphanRows.length > 0 ? (
          <table className="grid">
            <thead>
              <tr>
                <th>Side</th>
                <th>Kind</th>
                <th>Object</th>
                <th>Registered by</th>
              </tr>
            </thead>
            <tbody>
              {orphanRows.map((o) => (
                <tr key={`${o.side}-${o.kind}-${o.name}`} data-testid="orphan-row">
                  <td>
                    <span className="badge bad">{o.side}</span>
                  </td>
                  <td>{o.kind}</td>
                  <td className="mono">{o.name}</td>
                  <td>{o.module || <span className="muted">no registry row</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <BreakPanel
        modules={breakable.map((r) => ({ key: r.key, title: r.name }))}
        breakages={BREAKAGES.map((b) => ({ ...b }))}
      />
    </>
  );
}
