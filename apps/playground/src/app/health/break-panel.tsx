'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import { breakageAction } from '../actions/health';

/** Changes behind the registry's back (each with its undo), so drift and lint have something to find. */
export function BreakPanel({
  modules,
  breakages,
}: {
  modules: readonly { key: string; title: string }[];
  breakages: readonly { id: string; title: string; shows: string }[];
}) {
  const router = useRouter();
  const [busy, start] = useTransition();
  const [moduleKey, setModuleKey] = useState(modules[0]?.key ?? '');
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = (id: string, undo: boolean) => {
    setError(null);
    setDone(null);
    start(async () => {
      const r = await callAction(() => breakageAction(moduleKey, id, undo));
      setError(r.ok ? null : r.error);
      setDone(r.ok ? r.value : null);
      router.refresh();
    });
  };
  return (
    <section className="card" data-testid="break-panel">
      <h2>See drift happen</h2>
      <p className="muted small">
        Each change below is made behind the registry's back, as a hand-run migration would; the
        checks above then find it. Undo puts it back exactly as the module's plan made it.
      </p>
      {modules.length === 0 ? (
        <p className="muted small">Install a module with tables first.</p>
      ) : (
        <>
          <label className="row small">
            Module
            <select
              name="break-module"
              value={moduleKey}
              onChange={(e) => setModuleKey(e.target.value)}
            >
              {modules.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.title}
                </option>
              ))}
            </select>
          </label>
          <table className="grid" style={{ marginTop: 6 }}>
            <tbody>
              {breakages.map((b) => (
                <tr key={b.id} data-testid={`break-${b.id}`}>
                  <td>
                    {b.title}
                    <div className="small muted">shows: {b.shows}</div>
                  </td>
                  <td style={{ width: 190 }}>
                    <div className="row">
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        onClick={() => run(b.id, false)}
                      >
                        Break
                      </button>
                      <button type="button" disabled={busy} onClick={() => run(b.id, true)}>
                        Undo
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <ErrorMessage error={error} />
      {done ? (
        <div className="message success" role="status" data-testid="success">
          <code className="sql">{done.replace(/^Ran: /, '')}</code>
        </div>
      ) : (
        <SuccessMessage text={done} />
      )}
    </section>
  );
}
