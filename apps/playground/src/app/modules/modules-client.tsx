'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import { ModuleDiagram } from '../../components/module-diagram';
import { DiffView, PlanStatements, PlanSummaryView } from '../../components/plan-view';
import type { ActionError, ActionResult } from '../../lib/action-result';
import { callAction, type SizeCheck } from '../../lib/call-action';
import type { DiagramModel } from '../../lib/diagram-model';
import { byteLength, formatBytes, LIMITS } from '../../lib/limits';
import type { PlanView } from '../../lib/plan-view';
import { RETENTION_CHOICES } from '../../lib/retention';
import {
  applyInstallAction,
  applyUpgradeAction,
  deprovisionAction,
  dropDueAction,
  planInstallAction,
  planUpgradeAction,
  validateDefinitionAction,
} from '../actions/modules';

export interface ModuleCard {
  readonly key: string;
  readonly title: string;
  readonly summary: string;
  readonly moduleType: string;
  readonly version: string;
  readonly upgradeVersion: string | null;
  readonly diagram: DiagramModel;
  readonly installed: {
    readonly version: string;
    readonly strategy: string;
    readonly namespace: string;
    readonly status: string;
    readonly dropAfter: string | null;
    readonly activeSites: number;
    readonly suspendedSites: number;
  } | null;
}

/** Runs an action and reports its outcome; `changes` refreshes the server-rendered screen. */
function useRun() {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  function run<T>(
    action: () => Promise<ActionResult<T>>,
    onOk: (value: T) => void,
    options: { changes?: boolean; size?: SizeCheck } = {},
  ) {
    setError(null);
    setDone(null);
    start(async () => {
      const r = await callAction(action, options.size);
      if (r.ok) onOk(r.value);
      else setError(r.error);
      if (options.changes !== false) router.refresh();
    });
  }
  return { busy, error, done, setDone, run };
}

/** A plan as it is reviewed before it runs. */
export function PlanPanel({ plan }: { plan: PlanView }) {
  return (
    <div data-testid="plan" className="plan">
      <h3 data-testid="plan-title">{plan.title}</h3>
      <div className="small muted">Namespace: {plan.namespace}</div>
      {plan.refused.length > 0 ? (
        <div className="message error" data-testid="plan-refused">
          <strong>
            Refused: {plan.refused.length} destructive{' '}
            {plan.refused.length === 1 ? 'change is' : 'changes are'} not declared.
          </strong>{' '}
          The upgrade cannot run until the new version declares each as a migration step:
          <ul>
            {plan.refused.map((r) => (
              <li key={r.description}>{r.description}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {plan.changes && plan.changes.length > 0 ? (
        <>
          <h3>Changes, as the planner classifies them</h3>
          <ul className="small" data-testid="plan-changes">
            {plan.changes.map((c) => (
              <li key={c.description}>
                <span className={`badge ${c.class}`}>{c.class}</span> {c.description}
                {c.lock ? <span className="muted"> (lock: {c.lock})</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <PlanSummaryView summary={plan.summary} />
      {plan.diff ? (
        <>
          <h3>Before and after, per table</h3>
          <DiffView tables={plan.diff} />
        </>
      ) : null}
      <h3>
        {plan.kind === 'upgrade'
          ? 'The diagram after the upgrade'
          : 'The diagram this plan creates'}
      </h3>
      <ModuleDiagram
        model={plan.diagram}
        caption={plan.kind === 'upgrade' ? 'green: added, amber: changed, red: removed' : undefined}
      />
      <PlanStatements summary={plan.summary} />
    </div>
  );
}

type Pending = { kind: 'install' | 'upgrade'; plan: PlanView } | { kind: 'uninstall' } | null;

function ModuleSection({ card }: { card: ModuleCard }) {
  const { busy, error, done, setDone, run } = useRun();
  const [pending, setPending] = useState<Pending>(null);
  const [mode, setMode] = useState<'drop' | 'retain'>('drop');
  const [retainFor, setRetainFor] = useState<string>(RETENTION_CHOICES[0]);
  const installed = card.installed;
  const canUpgrade =
    installed !== null &&
    installed.status === 'active' &&
    card.upgradeVersion !== null &&
    installed.version !== card.upgradeVersion;
  return (
    <section className="card" data-testid={`module-${card.key}`}>
      <div className="spread">
        <div>
          <h2>{card.title}</h2>
          <div className="muted small">{card.summary}</div>
        </div>
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <span className="badge">{card.moduleType}</span>
          {installed ? (
            <>
              <span
                className={`badge ${installed.status === 'active' ? 'ok' : 'warn'}`}
                data-testid="installed-version"
              >
                {installed.status === 'active' ? 'installed' : installed.status} {installed.version}
              </span>
              <span className="badge info mono" data-testid="namespace">
                {installed.namespace}
              </span>
            </>
          ) : (
            <span className="badge">not installed ({card.version} available)</span>
          )}
        </div>
      </div>
      {installed?.status === 'deprecated' ? (
        <div className="message note" data-testid="retained">
          Retained: every access is revoked ({installed.suspendedSites} site installations
          suspended); the tables stay until {installed.dropAfter?.replace('T', ' ').slice(0, 19)}{' '}
          UTC, then <strong>Drop due modules</strong> removes them.
        </div>
      ) : null}
      <details open={installed !== null}>
        <summary>
          {installed
            ? `Diagram of the installed version ${installed.version}`
            : `Preview: the diagram of ${card.version}`}
        </summary>
        <ModuleDiagram model={card.diagram} />
      </details>
      <div className="row" style={{ marginTop: 10 }}>
        {!installed ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(
                () => planInstallAction(card.key),
                (plan) => setPending({ kind: 'install', plan }),
                { changes: false },
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
                { changes: false },
              )
            }
          >
            Show upgrade plan to {card.upgradeVersion}
          </button>
        ) : null}
        {installed && installed.status === 'active' ? (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => setPending({ kind: 'uninstall' })}
          >
            Uninstall everywhere
          </button>
        ) : null}
        {installed ? (
          <a className="small" href="/installations">
            Installed on {installed.activeSites} {installed.activeSites === 1 ? 'site' : 'sites'}:
            per-site installs
          </a>
        ) : null}
      </div>

      {pending && pending.kind !== 'uninstall' ? (
        <>
          <PlanPanel plan={pending.plan} />
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={busy || pending.plan.refused.length > 0}
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
        </>
      ) : null}

      {pending?.kind === 'uninstall' ? (
        <div className="card" data-testid="uninstall-panel" style={{ marginTop: 10 }}>
          <h3>Uninstall {card.title} everywhere</h3>
          <label className="row small">
            <input
              type="radio"
              name={`mode-${card.key}`}
              checked={mode === 'drop'}
              onChange={() => setMode('drop')}
            />
            Drop now: tables, roles, site installations and every site's rows go in one transaction.
          </label>
          <label className="row small">
            <input
              type="radio"
              name={`mode-${card.key}`}
              checked={mode === 'retain'}
              onChange={() => setMode('retain')}
            />
            Retain for
            <select
              name="retain-for"
              value={retainFor}
              onChange={(e) => setRetainFor(e.target.value)}
              disabled={mode !== 'retain'}
            >
              {RETENTION_CHOICES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            : revoke every access now, keep the data, drop once the time has passed.
          </label>
          <div className="row" style={{ marginTop: 8 }}>
            <ConfirmButton
              label={
                mode === 'drop'
                  ? `Drop ${card.title} everywhere`
                  : `Retain ${card.title} for ${retainFor}`
              }
              confirmLabel={
                mode === 'drop'
                  ? `Yes, drop ${card.title} and its data`
                  : `Yes, revoke access to ${card.title}`
              }
              disabled={busy}
              onConfirm={() =>
                run(
                  () => deprovisionAction(card.key, mode, retainFor),
                  (message) => {
                    setPending(null);
                    setDone(message);
                  },
                )
              }
            >
              {mode === 'drop'
                ? `Drops ${installed?.namespace} and the module's roles, and deletes its rows on ${installed?.activeSites} sites. There is no undo.`
                : `Every site loses access to ${card.title} now; its tables are dropped once ${retainFor} have passed and "Drop due modules" runs.`}
            </ConfirmButton>
            <button type="button" disabled={busy} onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}

      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </section>
  );
}

function Retention({ cards }: { cards: readonly ModuleCard[] }) {
  const { busy, error, done, setDone, run } = useRun();
  const retained = cards.filter((c) => c.installed?.status === 'deprecated');
  return (
    <section className="card" data-testid="retention">
      <h2>Retention</h2>
      <p className="muted small">
        A module uninstalled with retention keeps its tables (nobody can reach them) until its time
        has passed; <code>dropDueModules</code>, normally run by a scheduler, then drops every
        module that is due, all of them or none.
      </p>
      {retained.length === 0 ? (
        <p className="muted small">No module is retained.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Module</th>
              <th>Namespace</th>
              <th>Dropped after (UTC)</th>
              <th>Due</th>
            </tr>
          </thead>
          <tbody>
            {retained.map((c) => (
              <tr key={c.key}>
                <td>{c.title}</td>
                <td className="mono">{c.installed?.namespace}</td>
                <td>{c.installed?.dropAfter?.replace('T', ' ').slice(0, 19)}</td>
                <td>
                  {c.installed?.dropAfter && Date.parse(c.installed.dropAfter) <= Date.now() ? (
                    <span className="badge bad">due now</span>
                  ) : (
                    <span className="badge">not yet</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row" style={{ marginTop: 8 }}>
        <ConfirmButton
          label="Drop due modules"
          confirmLabel="Yes, drop every due module"
          disabled={busy}
          onConfirm={() => run(dropDueAction, setDone)}
        >
          Drops the tables, roles and rows of every retained module whose retention has passed.
        </ConfirmButton>
      </div>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
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
      {
        name: 'replies',
        columns: [
          { name: 'entry_id', type: 'uuid' },
          { name: 'body', type: 'text' },
        ],
        foreignKeys: [
          {
            column: 'entry_id',
            references: { table: 'entries', column: 'id' },
            onDelete: 'CASCADE',
          },
        ],
        rlsPolicies: [{ name: 'no_empty_replies', action: 'INSERT', withCheck: "body <> ''" }],
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
  const size = byteLength(text);
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
      <div className="field-note" data-testid="definition-limit">
        {formatBytes(size)} of at most {formatBytes(LIMITS.definitionBytes)}
      </div>
      <div className="row" style={{ marginTop: 6 }}>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setError(null);
            start(async () => {
              const r = await callAction(() => validateDefinitionAction(text), {
                what: 'The definition',
                bytes: size,
                limit: LIMITS.definitionBytes,
              });
              setError(r.ok ? null : r.error);
              setPlan(r.ok ? r.value : null);
            });
          }}
        >
          Validate and plan
        </button>
      </div>
      <ErrorMessage error={error} />
      {plan ? <PlanPanel plan={plan} /> : null}
    </section>
  );
}

export function ModulesClient({ cards }: { cards: readonly ModuleCard[] }) {
  return (
    <>
      {cards.map((card) => (
        <ModuleSection key={card.key} card={card} />
      ))}
      <Retention cards={cards} />
      <DefinitionTry />
    </>
  );
}
