'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError, ActionResult } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import type { PlatformSite } from '../../lib/platform';
import { installOnSiteAction, uninstallFromSiteAction } from '../actions/installations';

export interface GridModule {
  readonly key: string;
  readonly title: string;
  /** `active`, `deprecated`, `migrating` or `not provisioned`. */
  readonly status: string;
  readonly version: string | null;
  readonly active: readonly string[];
  readonly suspended: readonly string[];
}

function download(fileName: string, data: unknown) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function rows(n: number): string {
  return `${n} ${n === 1 ? 'row' : 'rows'}`;
}

export function InstallationsGrid({
  modules,
  sites,
  rowCounts,
}: {
  modules: readonly GridModule[];
  sites: readonly PlatformSite[];
  /** Rows per site per module key. */
  rowCounts: Readonly<Record<string, Readonly<Record<string, number>>>>;
}) {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // The uninstall waiting for its confirmation (the grid keeps its layout while it waits).
  const [confirming, setConfirming] = useState<{ module: GridModule; site: PlatformSite } | null>(
    null,
  );
  function run<T>(action: () => Promise<ActionResult<T>>, onOk: (v: T) => void) {
    setError(null);
    setDone(null);
    start(async () => {
      const r = await callAction(action);
      if (r.ok) onOk(r.value);
      else setError(r.error);
      router.refresh();
    });
  }
  const pendingCount = confirming
    ? (rowCounts[confirming.site.id]?.[confirming.module.key] ?? 0)
    : 0;
  return (
    <>
      <table className="grid grid-install">
        <thead>
          <tr>
            <th>Site</th>
            {modules.map((m) => (
              <th key={m.key} style={{ textAlign: 'center', whiteSpace: 'normal' }}>
                {m.title}
                <div className="small muted">
                  {m.version ? `${m.version}, ${m.status}` : m.status}
                </div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sites.map((site) => (
            <tr key={site.id} data-testid={`site-row-${site.label}`}>
              <td>
                <span className="badge info">{site.label}</span> {site.name}
                <div className="small muted">{site.agencyName}</div>
              </td>
              {modules.map((m) => {
                const on = m.active.includes(site.id);
                const suspended = m.suspended.includes(site.id);
                const count = rowCounts[site.id]?.[m.key] ?? 0;
                const isConfirming =
                  confirming?.module.key === m.key && confirming.site.id === site.id;
                return (
                  <td
                    key={m.key}
                    className={`state${isConfirming ? ' confirming' : ''}`}
                    data-testid={`cell-${m.key}-${site.label}`}
                    data-state={
                      on
                        ? 'installed'
                        : suspended
                          ? 'suspended'
                          : m.status === 'active'
                            ? 'available'
                            : 'unavailable'
                    }
                  >
                    {on ? (
                      <>
                        <span className="badge ok">installed</span>
                        <div className="small muted">{rows(count)}</div>
                        <button
                          type="button"
                          className="danger"
                          disabled={busy}
                          onClick={() => setConfirming({ module: m, site })}
                        >
                          Uninstall
                        </button>
                      </>
                    ) : suspended ? (
                      <span className="badge warn">suspended</span>
                    ) : m.status === 'active' ? (
                      <>
                        <span className="badge">not installed</span>
                        <div>
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() => run(() => installOnSiteAction(m.key, site.id), setDone)}
                          >
                            Install
                          </button>
                        </div>
                      </>
                    ) : (
                      <span className="small muted">
                        {m.status === 'not provisioned' ? (
                          <a href="/modules">provision it first</a>
                        ) : (
                          m.status
                        )}
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {confirming ? (
        <div
          className="confirm"
          role="alertdialog"
          aria-label="Confirm the uninstall"
          data-testid="confirm"
        >
          <div className="confirm-text">
            Uninstall <strong>{confirming.module.title}</strong> from{' '}
            <strong>{confirming.site.name}</strong>: its {rows(pendingCount)} on this site are
            downloaded as JSON and deleted, in one transaction. Other sites keep theirs.
          </div>
          <div className="row">
            <button
              type="button"
              className="danger solid"
              disabled={busy}
              onClick={() => {
                const { module, site } = confirming;
                setConfirming(null);
                run(
                  () => uninstallFromSiteAction(module.key, site.id),
                  (v) => {
                    download(v.fileName, v.exported);
                    setDone(`${v.message} (downloaded ${v.fileName})`);
                  },
                );
              }}
            >
              Purge {rows(pendingCount)}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </>
  );
}
