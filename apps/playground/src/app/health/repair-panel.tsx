'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import { PlanStatements, PlanSummaryView } from '../../components/plan-view';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import { applyRepairAction, planRepairAction, type RepairView } from '../actions/health';

/** Repair a drifted module: the plan first (what it changes, the locks, the SQL), then apply. */
export function RepairPanel({ moduleKey, title }: { moduleKey: string; title: string }) {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [plan, setPlan] = useState<RepairView | null>(null);
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <div data-testid="repair">
      <div className="row" style={{ marginTop: 8 }}>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setError(null);
            setDone(null);
            start(async () => {
              const r = await callAction(() => planRepairAction(moduleKey));
              setPlan(r.ok ? r.value : null);
              setError(r.ok ? null : r.error);
            });
          }}
        >
          Plan the repair
        </button>
        <span className="small muted">planModuleRepair: read-only, nothing runs yet</span>
      </div>
      {plan ? (
        <div data-testid="repair-plan">
          <h3>{plan.title}</h3>
          {plan.unrepairable.length > 0 ? (
            <div className="message error">
              Only the platform can fix:{' '}
              {plan.unrepairable.map((d) => `${d.kind} (${d.message})`).join('; ')}. The repair is
              refused until then.
            </div>
          ) : null}
          <ul className="small">
            {plan.changes.map((c) => (
              <li key={c.description}>
                <span className={`badge ${c.class}`}>{c.class}</span> {c.description}
                {c.lock ? <span className="muted"> (lock: {c.lock})</span> : null}
              </li>
            ))}
          </ul>
          <PlanSummaryView summary={plan.summary} />
          <PlanStatements summary={plan.summary} />
          <ConfirmButton
            label={`Apply the repair of ${title}`}
            confirmLabel="Yes, repair it"
            className="primary"
            disabled={busy || plan.unrepairable.length > 0}
            onConfirm={() =>
              start(async () => {
                const r = await callAction(() => applyRepairAction(moduleKey));
                setError(r.ok ? null : r.error);
                setDone(r.ok ? r.value : null);
                if (r.ok) setPlan(null);
                router.refresh();
              })
            }
          >
            Runs these {plan.summary.statements} statements in one transaction as the module's owner
            role; PostgreSQL checks the result against the installed definition before it commits.
          </ConfirmButton>
        </div>
      ) : null}
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </div>
  );
}
