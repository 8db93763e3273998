'use client';

import { useState, useTransition } from 'react';
import { ErrorMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import { showValue } from '../../lib/show-value';
import { type AdminView, adminOverviewAction } from '../actions/data';

/** The module admin client: server-only, this module's tables only, every site. */
export function AdminPanel({
  moduleKey,
  moduleTitle,
  table,
}: {
  moduleKey: string;
  moduleTitle: string;
  table: string;
}) {
  const [busy, start] = useTransition();
  const [view, setView] = useState<AdminView | null>(null);
  const [error, setError] = useState<ActionError | null>(null);
  return (
    <section className="card server-only" data-testid="admin-client">
      <div className="spread">
        <h2>Admin client: {moduleTitle}, every site</h2>
        <span className="badge warn">server-only</span>
      </div>
      <p className="small">
        <code>createModuleAdminClient</code> from <code>@dramac/module-db/admin</code> runs as the
        module's admin role, granted this module's tables and nothing else; its own policy (
        <code>dramac_admin_access</code>) lets it past the site filter: it sees every site's rows,
        and never another module's. It needs a server connection; it is never shipped to a browser.
        With <code>siteId</code> it is limited to one site.
      </p>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setError(null);
          start(async () => {
            const r = await callAction(() => adminOverviewAction(moduleKey, table));
            setView(r.ok ? r.value : null);
            setError(r.ok ? null : r.error);
          });
        }}
      >
        Count {table} on every site
      </button>
      <ErrorMessage error={error} />
      {view ? (
        <div data-testid="admin-result" style={{ marginTop: 8 }}>
          <div className="row small">
            <span className="badge info mono">{view.role}</span>
            <strong data-testid="admin-total">{view.total} rows on all sites</strong>
          </div>
          <table className="grid" style={{ marginTop: 6 }}>
            <thead>
              <tr>
                <th>Site (client limited with siteId)</th>
                <th>Rows</th>
              </tr>
            </thead>
            <tbody>
              {view.perSite.map((s) => (
                <tr key={s.siteId}>
                  <td>{s.label}</td>
                  <td>{s.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>First rows, any site</h3>
          <table className="grid" style={{ tableLayout: 'fixed' }}>
            <thead>
              <tr>
                {view.columns.map((c) => (
                  <th key={c}>{c === 'site_id' ? 'site' : c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.latest.map((row) => (
                <tr key={String(row.id)}>
                  {view.columns.map((c) => (
                    <td key={c} className={c === 'id' ? 'mono small' : ''}>
                      {c === 'site_id'
                        ? (view.siteLabels[String(row[c])] ?? String(row[c]))
                        : c === 'id'
                          ? String(row[c]).slice(0, 8)
                          : showValue(row[c]).slice(0, 60)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
