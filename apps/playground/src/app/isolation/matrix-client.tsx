'use client';

import { Fragment, useState, useTransition } from 'react';
import { ErrorMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import type { MatrixCell, MatrixReport } from '../../lib/isolation-matrix';
import { runMatrixAction } from '../actions';

const OPS = ['read', 'create', 'update', 'delete'] as const;
const SHORT: Record<MatrixCell['outcome'], string> = {
  allowed: 'allowed',
  denied: 'denied',
  leak: 'LEAK',
  unexpected: 'error',
};

export function MatrixClient() {
  const [busy, start] = useTransition();
  const [report, setReport] = useState<MatrixReport | null>(null);
  const [error, setError] = useState<ActionError | null>(null);

  const cell = (userId: string, siteId: string, moduleKey: string, op: string) =>
    report?.cells.find(
      (c) => c.userId === userId && c.siteId === siteId && c.moduleKey === moduleKey && c.op === op,
    );
  const count = (o: MatrixCell['outcome']) =>
    report?.cells.filter((c) => c.outcome === o).length ?? 0;

  return (
    <>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            start(async () => {
              const r = await runMatrixAction();
              setReport(r.ok ? r.value : null);
              setError(r.ok ? null : r.error);
            })
          }
        >
          {busy ? 'Running...' : report ? 'Run again' : 'Run the isolation matrix'}
        </button>
        <div className="legend">
          <span className="cell allowed">allowed</span>
          <span className="cell denied">denied</span>
          <span className="cell leak">leak</span>
          <span className="cell unexpected">unexpected denial or error</span>
        </div>
      </div>
      <ErrorMessage error={error} />
      {report ? (
        <section className="card" style={{ marginTop: 12 }} data-testid="matrix">
          <div className="spread">
            <h2 data-testid="matrix-summary">
              {report.cells.length} checks: {count('allowed')} allowed, {count('denied')} denied,{' '}
              {count('leak')} leaks, {count('unexpected')} unexpected
            </h2>
            <span className="muted small">{report.tookMs} ms</span>
          </div>
          {report.skipped.length > 0 ? (
            <p className="muted small">Not in the matrix: {report.skipped.join('; ')}.</p>
          ) : null}
          {report.modules.length === 0 ? (
            <div className="message note">Install a module with tables to fill the matrix.</div>
          ) : (
            <div style={{ overflowX: 'auto' }}>
              <table className="grid">
                <thead>
                  <tr>
                    <th rowSpan={2}>User</th>
                    <th rowSpan={2}>Site</th>
                    {report.modules.map((m) => (
                      <th
                        key={m.key}
                        colSpan={OPS.length}
                        style={{ textAlign: 'center', borderLeft: '2px solid #dde2ea' }}
                      >
                        {m.title} <span className="mono">({m.table})</span>
                        <div className="small muted">
                          installed on {m.installedOn.join(', ') || 'no site'}
                        </div>
                      </th>
                    ))}
                  </tr>
                  <tr>
                    {report.modules.map((m) => (
                      <Fragment key={m.key}>
                        {OPS.map((op, i) => (
                          <th
                            key={op}
                            style={{
                              textAlign: 'center',
                              borderLeft: i === 0 ? '2px solid #dde2ea' : undefined,
                            }}
                          >
                            {op}
                          </th>
                        ))}
                      </Fragment>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {report.users.map((u) =>
                    report.sites.map((s, si) => (
                      <tr key={`${u.id}-${s.id}`}>
                        {si === 0 ? <td rowSpan={report.sites.length}>{u.name}</td> : null}
                        <td>
                          {s.label}: {s.name} <span className="muted small">({s.agencyName})</span>
                        </td>
                        {report.modules.map((m) => (
                          <Fragment key={m.key}>
                            {OPS.map((op, i) => {
                              const c = cell(u.id, s.id, m.key, op);
                              return (
                                <td
                                  key={op}
                                  className={`cell ${c?.outcome ?? 'na'}`}
                                  title={c ? `expected ${c.expected}; ${c.detail}` : ''}
                                  data-outcome={c?.outcome}
                                  style={{ borderLeft: i === 0 ? '2px solid #dde2ea' : undefined }}
                                >
                                  {c ? SHORT[c.outcome] : '-'}
                                </td>
                              );
                            })}
                          </Fragment>
                        ))}
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </>
  );
}
