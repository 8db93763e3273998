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

export const dynamic = 'force-dynamic';

const LEVEL_BADGE = { error: 'bad', warn: 'bad', info: 'info' } as const;

export default async function LintPage() {
  const result = await load(async () => {
    const db = getDb();
    const modules = await listModules(db);
    const lint = modules.length > 0 ? await lintModuleDatabase(db) : null;
    const reports: {
      name: string;
      moduleId: string;
      version: string;
      findings: readonly LintFinding[];
      drift: DriftReport;
    }[] = [];
    for (const m of modules) {
      reports.push({
        name: (m.definition as { name?: string } | null)?.name ?? m.shortId,
        moduleId: m.moduleId,
        version: m.version,
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
  return (
    <>
      <h1>Lint</h1>
      <p className="lead">
        For every installed module: the database lint (<code>lintModuleDatabase</code>: forced
        row-level security, the site policy, restrictive module policies, indexes, grants to API
        roles, security-definer functions), drift between the live catalog and the registered
        definition (<code>checkModuleDatabase</code>), and registry against catalog orphans.
      </p>
      {reports.length === 0 ? <p className="muted">No module is provisioned.</p> : null}
      {reports.map(({ name, moduleId, version, findings, drift }) => {
        const serious = findings.filter((f) => f.level !== 'info').length;
        return (
          <section className="card" key={moduleId} data-testid="lint-module">
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
            {findings.length > 0 ? (
              <table className="grid">
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
                        <div className="mono small muted">{f.remedy}</div>
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
            {drift.differences.length > 0 ? (
              <table className="grid">
                <thead>
                  <tr>
                    <th>Drift</th>
                    <th>Table</th>
                    <th>Difference</th>
                  </tr>
                </thead>
                <tbody>
                  {drift.differences.map((d) => (
                    <tr key={`${d.kind}-${d.table}-${d.object}-${d.message}`}>
                      <td>
                        <span className="badge bad">{d.kind}</span>
                      </td>
                      <td className="mono">{d.table ?? ''}</td>
                      <td>{d.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">The live catalog matches the registered definition.</p>
            )}
          </section>
        );
      })}
      <section className="card">
        <div className="spread">
          <h2>Registry and catalog (checkOrphans)</h2>
          {orphans.orphanedObjects.length + orphans.missingObjects.length === 0 ? (
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
        {orphans.orphanedObjects.length + orphans.missingObjects.length > 0 ? (
          <pre className="mono small">
            {JSON.stringify(
              { orphaned: orphans.orphanedObjects, missing: orphans.missingObjects },
              null,
              2,
            ).slice(0, 4000)}
          </pre>
        ) : null}
      </section>
    </>
  );
}
