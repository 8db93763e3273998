'use client';

import { useState, useTransition } from 'react';
import { ErrorMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import {
  batchDemoAction,
  type DataTarget,
  type DemoView,
  transactionDemoAction,
} from '../actions/data';

const STATUS_BADGE: Record<string, string> = {
  ran: 'ok',
  kept: 'warn',
  'rolled back': 'info',
  failed: 'bad',
  'not run': '',
};

/** Batch (atomic or not) and a transaction that throws, run as the user and site chosen above. */
export function BatchDemo({ target, table }: { target: DataTarget; table: string }) {
  const [busy, start] = useTransition();
  const [view, setView] = useState<DemoView | null>(null);
  const [error, setError] = useState<ActionError | null>(null);
  const go = (action: () => ReturnType<typeof transactionDemoAction>) => {
    setError(null);
    start(async () => {
      const r = await callAction(action);
      setView(r.ok ? r.value : null);
      setError(r.ok ? null : r.error);
    });
  };
  return (
    <section className="card" data-testid="batch-demo">
      <h2>Batch and transactions</h2>
      <p className="muted small">
        Three creates in <code>{table}</code>, as the user and site above: two valid rows, then one
        PostgreSQL refuses. <code>batch</code> runs them in one transaction by default, so the
        failure takes the first two with it; <code>{'{ atomic: false }'}</code> keeps them. A
        transaction whose callback throws rolls back everything it wrote.
      </p>
      <div className="row">
        <button
          type="button"
          disabled={busy}
          onClick={() => go(() => batchDemoAction(target, true))}
        >
          Run an atomic batch
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => go(() => batchDemoAction(target, false))}
        >
          Run with atomic: false
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => go(() => transactionDemoAction(target))}
        >
          Run a transaction that throws
        </button>
      </div>
      <ErrorMessage error={error} />
      {view ? (
        <div data-testid="demo-result" style={{ marginTop: 8 }}>
          <h3>{view.title}</h3>
          <ol className="steps">
            {view.steps.map((s, i) => (
              <li key={i} data-status={s.status}>
                <span className={`badge ${STATUS_BADGE[s.status] ?? ''}`}>{s.status}</span>{' '}
                {s.label}
                {s.detail ? <div className="small muted">{s.detail}</div> : null}
              </li>
            ))}
          </ol>
          <div className="row small">
            <span className="badge">before: {view.before} rows</span>
            {view.inside !== undefined ? (
              <span className="badge">inside: {view.inside} rows</span>
            ) : null}
            <span className="badge">after: {view.after} rows</span>
          </div>
          <div
            className={`message ${view.after === view.before ? 'success' : 'note'}`}
            data-testid="demo-conclusion"
          >
            {view.conclusion}
          </div>
        </div>
      ) : null}
    </section>
  );
}
