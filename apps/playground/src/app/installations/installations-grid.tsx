'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
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

export function InstallationsGrid({
  modules,
  sites,
  rows,
}: {
  modules: readonly GridModule[];
  sites: readonly PlatformSite[];
  /** Rows per site per module key. */
  rows: Readonly<Record<string, Readonly<Record<string, number>>>>;
}) {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  function run<T>(action: () => Promise<import('../../lib/action-result').ActionResult<T>>, onOk: (v: T) => void) {
    setError(null);
    setDone(null);
    start(async () => {
      const r = await callAction(action);
      if (r.ok) onOk(r.value);
      else setError(r.error);
      router.refresh();
    });
  }
  return (
    <>
      <div style={{ overflowX: 'auto' }}>
        <table className="grid grid-install">
          <thead>
            <tr>
              <th>Site</th>
              {modules.map((m) => (
                <th key={m.key} style={{ textAlign: 'center' }}>
                  {m.title}
                  <div className="small muted">{m.version ? `${m.version}, ${m.status}` : m.status}</div>
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
                  const count = rows[site.id]?.[m.key] ?? 0;
                  return (
                    <td
                      key={m.key}
                      className="state"
                      data-testid={`cell-${m.key}-${site.label}`}
                      data-state={on ? 'installed' : suspended ? 'suspended' : m.status === 'active' ? 'available' : 'unavailable'}
                    >
                      {on ? (
                        <>
                          <span className="badge ok">installed</span>
                          <div className="small muted">
                            {count} {count === 1 ? 'row' : 'rows'}
                          </div>
                          <ConfirmButton
                            label="Uninstall"
                            confirmLabel={`Purge ${count} ${count === 1 ? 'row' : 'rows'}`}
                            disabled={busy}
                            onConfirm={() =>
                              run(
                                () => uninstallFromSiteAction(m.key, site.id),
                                (v) => {
                                  download(v.fileName, v.exported);
                                  setDone(`${v.message} (downloaded ${v.fileName})`);
                                },
                              )
                            }
                          >
                            Uninstall {m.title} from {site.name}: its {count} {count === 1 ? 'row' : 'rows'} on
                            this site are downloaded as JSON and deleted. Other sites keep theirs.
                          </ConfirmButton>
                        </>
                      ) : suspended ? (
                        <span className="badge warn">suspended (retained)</span>
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
      </div>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </>
  );
}
