'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError, ActionResult } from '../../lib/action-result';
import type { PlatformSite } from '../../lib/platform';
import {
  applyInstallAction,
  applyUpgradeAction,
  installOnSiteAction,
  type PlanView,
  planInstallAction,
  planUpgradeAction,
  uninstallEverywhereAction,
  uninstallFromSiteAction,
  validateDefinitionAction,
} from '../actions';

export interface ModuleCard {
  readonly key: string;
  readonly title: string;
  readonly summary: string;
  readonly moduleType: string;
  readonly version: string;
  readonly upgradeVersion: string | null;
  readonly installed: {
    readonly version: string;
    readonly strategy: string;
    readonly namespace: string;
    readonly status: string;
    readonly siteIds: readonly string[];
  } | null;
}

type Pending = { kind: 'install' | 'upgrade'; plan: PlanView } | { kind: 'drop' } | null;

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

function ModuleSection({ card, sites }: { card: ModuleCard; sites: readonly PlatformSite[] }) {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [pending, setPending] = useState<Pending>(null);
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);

  // `changes: false` for dry runs (plans): nothing to reload.
  function run<T>(
    action: () => Promise<ActionResult<T>>,
    onOk: (value: T) => void,
    changes = true,
  ) {
    start(async () => {
      const r = await action();
      if (r.ok) {
        setError(null);
        onOk(r.value);
      } else {
        setError(r.error);
        setDone(null);
      }
      if (changes) router.refresh();
    });
  }

  const installed = card.installed;
  const canUpgrade =
    installed !== null && card.upgradeVersion !== null && installed.version !== card.upgradeVersion;
  return (
    <section className="card" data-testid={`module-${card.key}`}>
      <div className="spread">
        <div>
          <h2>{card.title}</h2>
          <div className="muted small">{card.summary}</div>
        </div>
        <div className="row">
          <span className="badge">{card.moduleType}</span>
          {installed ? (
            <>
              <span className="badge ok" data-testid="installed-version">
                installed {installed.version}
              </span>
              <span className="badge info mono">{installed.namespace}</span>
            </>
          ) : (
            <span className="badge">not installed ({card.version} available)</span>
          )}
        </div>
      </div>
      <div className="row" style={{ marginTop: 10 }}>
        {!installed ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(
                () => planInstallAction(card.key),
                (plan) => setPending({ kind: 'install', plan }),
                false,
              )
            }
          >
            Show install plan
          </button>
        ) : null}
        {canUpgrade ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(
                () => planUpgradeAction(card.key),
                (plan) => setPending({ kind: 'upgrade', plan }),
                false,
              )
            }
          >
            Show upgrade plan to {card.upgradeVersion}
          </button>
        ) : null}
        {installed ? (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => setPending({ kind: 'drop' })}
          >
            Uninstall everywhere
          </button>
        ) : null}
      </div>

      {pending && pending.kind !== 'drop' ? (
        <div data-testid="plan">
          <h3>
            {pending.plan.title}: {pending.plan.statements} statements
            {pending.plan.refused ? `, ${pending.plan.refused} refused changes` : ''}
          </h3>
          <pre className="sql" data-testid="plan-sql">
            {pending.plan.sql}
          </pre>
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                run(
                  () =>
                    pending.kind === 'install'
                      ? applyInstallAction(card.key)
                      : applyUpgradeAction(card.key),
                  (message) => {
                    setPending(null);
                    setDone(message);
                  },
                )
              }
            >
              {pending.kind === 'install' ? 'Apply install plan' : 'Apply upgrade plan'}
            </button>
            <button type="button" disabled={busy} onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}

      {pending?.kind === 'drop' ? (
        <div className="message note">
          Drops {installed?.namespace} and the module's roles, and deletes its rows on every site.
          There is no undo.
          <div className="row" style={{ marginTop: 6 }}>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                run(
                  () => uninstallEverywhereAction(card.key),
                  (message) => {
                    setPending(null);
                    setDone(message);
                  },
                )
              }
            >
              Drop {card.title} everywhere
            </button>
            <button type="button" disabled={busy} onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}

      <ErrorMessage error={error} />
      <SuccessMessage text={done} />

      {installed ? (
        <>
          <h3>Sites</h3>
          <table className="grid">
            <tbody>
              {sites.map((site) => {
                const on = installed.siteIds.includes(site.id);
                return (
                  <tr key={site.id} data-testid={`site-${card.key}-${site.label}`}>
                    <td style={{ width: '40%' }}>
                      <span className="badge info">{site.label}</span> {site.name}{' '}
                      <span className="muted small">({site.agencyName})</span>
                    </td>
                    <td>
                      {on ? (
                        <span className="badge ok">installed</span>
                      ) : (
                        <span className="badge">not installed</span>
                      )}
                    </td>
                    <td style={{ textAlign: 'right' }}>
                      {on ? (
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() =>
                            run(
                              () => uninstallFromSiteAction(card.key, site.id),
                              (v) => {
                                download(v.fileName, v.exported);
                                setDone(`${v.message} (downloaded ${v.fileName})`);
                              },
                            )
                          }
                        >
                          Uninstall from {site.name} (download JSON)
                        </button>
                      ) : (
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => run(() => installOnSiteAction(card.key, site.id), setDone)}
                        >
                          Install on {site.name}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

const SAMPLE_DEFINITION = JSON.stringify(
  {
    moduleId: '7e57ab1e-0000-4000-8000-000000000001',
    moduleType: 'app',
    version: '1.0.0',
    name: 'Guestbook',
    tables: [
      {
        name: 'entries',
        columns: [
          { name: 'author', type: 'text' },
          { name: 'message', type: 'varchar(500)' },
          { name: 'rating', type: 'integer', check: 'rating between 1 and 5' },
        ],
      },
    ],
  },
  null,
  2,
);

function DefinitionTry() {
  const [busy, start] = useTransition();
  const [text, setText] = useState(SAMPLE_DEFINITION);
  const [error, setError] = useState<ActionError | null>(null);
  const [plan, setPlan] = useState<PlanView | null>(null);
  return (
    <section className="card" data-testid="definition-try">
      <h2>Try a definition</h2>
      <p className="muted small">
        Paste a module definition as JSON: it is validated (names, types and SQL expressions through
        the PostgreSQL parser) and planned. A dry run: nothing is applied.
      </p>
      <textarea
        name="definition"
        rows={12}
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
      />
      <div className="row" style={{ marginTop: 6 }}>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            start(async () => {
              const r = await validateDefinitionAction(text);
              setError(r.ok ? null : r.error);
              setPlan(r.ok ? r.value : null);
            })
          }
        >
          Validate and plan
        </button>
      </div>
      <ErrorMessage error={error} />
      {plan ? (
        <>
          <SuccessMessage text={`${plan.title}, ${plan.statements} statements`} />
          <pre className="sql">{plan.sql}</pre>
        </>
      ) : null}
    </section>
  );
}

export function ModulesClient({
  cards,
  sites,
}: {
  cards: readonly ModuleCard[];
  sites: readonly PlatformSite[];
}) {
  return (
    <>
      {cards.map((card) => (
        <ModuleSection key={card.key} card={card} sites={sites} />
      ))}
      <DefinitionTry />
    </>
  );
}
