'use client';

import { Fragment, useState, useTransition } from 'react';
import { Breakable } from '../../components/breakable';
import { ErrorMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import {
  type MatrixCell,
  type MatrixReport,
  type MatrixSection,
  tally,
} from '../../lib/isolation/matrix-types';
import { runMatrixAction } from '../actions/isolation';

function Section({ section }: { section: MatrixSection }) {
  const [selected, setSelected] = useState<MatrixCell | null>(null);
  const byKey = new Map(section.cells.map((c) => [`${c.row}|${c.column}`, c] as const));
  const counts = tally(section.cells);
  const rowTitle = (id: string) => {
    const r = section.rows.find((x) => x.id === id);
    return r ? `${r.group ? `${r.group}, ` : ''}${r.title}` : id;
  };
  const columnTitle = (id: string) => {
    for (const g of section.columnGroups) {
      const c = g.columns.find((x) => x.id === id);
      if (c) return `${g.title}: ${c.title}`;
    }
    return id;
  };
  return (
    <section className="card" data-testid={`matrix-${section.id}`}>
      <div className="spread">
        <h2>{section.title}</h2>
        <span className="muted small">{section.tookMs} ms</span>
      </div>
      <p className="muted small">{section.description}</p>
      <div className="small" data-testid="matrix-summary">
        <strong>
          {section.cells.length} checks: {counts.allowed} allowed, {counts.denied} denied,{' '}
          {counts.leak} leaks, {counts.unexpected} unexpected
        </strong>
      </div>
      {section.skipped.length > 0 ? (
        <p className="muted small">Not in this axis: {section.skipped.join('; ')}.</p>
      ) : null}
      {section.columnGroups.length === 0 ? (
        <div className="message note">Install a module with tables to fill this axis.</div>
      ) : (
        <table className="grid matrix" style={{ marginTop: 8 }}>
          <thead>
            <tr>
              {section.groupHeader ? <th rowSpan={2}>{section.groupHeader}</th> : null}
              <th rowSpan={2}>{section.rowHeader}</th>
              {section.columnGroups.map((g) => (
                <th
                  key={g.id}
                  colSpan={g.columns.length}
                  style={{ textAlign: 'center', borderLeft: '2px solid #dde2ea' }}
                >
                  {g.title}
                  {g.subtitle ? <div className="small muted">{g.subtitle}</div> : null}
                </th>
              ))}
            </tr>
            <tr>
              {section.columnGroups.map((g) => (
                <Fragment key={g.id}>
                  {g.columns.map((c, i) => (
                    <th
                      key={c.id}
                      style={{
                        textAlign: 'center',
                        borderLeft: i === 0 ? '2px solid #dde2ea' : undefined,
                      }}
                    >
                      <Breakable text={c.title} />
                    </th>
                  ))}
                </Fragment>
              ))}
            </tr>
          </thead>
          <tbody>
            {section.rows.map((r, ri) => {
              const firstOfGroup = ri === 0 || section.rows[ri - 1]?.group !== r.group;
              const span = firstOfGroup
                ? section.rows.slice(ri).findIndex((x) => x.group !== r.group)
                : 0;
              return (
                <tr key={r.id} data-row={r.id}>
                  {section.groupHeader && firstOfGroup ? (
                    <td rowSpan={span === -1 ? section.rows.length - ri : span}>{r.group}</td>
                  ) : null}
                  <td>
                    <Breakable text={r.title} />
                    {r.subtitle ? <span className="muted small"> ({r.subtitle})</span> : null}
                  </td>
                  {section.columnGroups.map((g) => (
                    <Fragment key={g.id}>
                      {g.columns.map((c, i) => {
                        const cell = byKey.get(`${r.id}|${c.id}`);
                        const isSelected = selected?.row === r.id && selected.column === c.id;
                        return (
                          <td
                            key={c.id}
                            className={`cell ${cell?.outcome ?? 'na'}${isSelected ? ' selected' : ''}`}
                            data-column={c.id}
                            data-outcome={cell?.outcome}
                            data-expected={cell?.expected}
                            style={{ borderLeft: i === 0 ? '2px solid #dde2ea' : undefined }}
                          >
                            {cell ? (
                              <button
                                type="button"
                                className="cell-button"
                                title={`${cell.detail} (click for why)`}
                                onClick={() => setSelected(isSelected ? null : cell)}
                              >
                                {cell.short}
                              </button>
                            ) : (
                              '-'
                            )}
                          </td>
                        );
                      })}
                    </Fragment>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {selected ? (
        <section className="explain" data-testid="explain" aria-label="Why">
          <div className="spread">
            <strong>
              {rowTitle(selected.row)} / {columnTitle(selected.column)}:{' '}
              <span
                className={`badge ${selected.outcome === 'allowed' ? 'ok' : selected.outcome === 'denied' ? '' : 'bad'}`}
              >
                {selected.outcome}
              </span>{' '}
              <span className="muted small">(expected {selected.expected})</span>
            </strong>
            <button type="button" onClick={() => setSelected(null)}>
              Close
            </button>
          </div>
          <div className="small">{selected.detail}</div>
          <ol className="small">
            {selected.why.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ol>
        </section>
      ) : null}
    </section>
  );
}

export function MatrixClient() {
  const [busy, start] = useTransition();
  const [report, setReport] = useState<MatrixReport | null>(null);
  const [error, setError] = useState<ActionError | null>(null);
  return (
    <>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            start(async () => {
              const r = await callAction(runMatrixAction);
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
          <span className="muted">Click a cell to see why.</span>
        </div>
      </div>
      <ErrorMessage error={error} />
      {report ? (
        <div style={{ marginTop: 12 }}>
          {report.sections.map((s) => (
            <Section key={s.id} section={s} />
          ))}
          {report.pending.length > 0 ? (
            <section className="card" data-testid="matrix-pending">
              <h2>Not covered yet</h2>
              <ul className="small">
                {report.pending.map((p) => (
                  <li key={p.title}>
                    <strong>{p.title}</strong>: {p.reason}.
                  </li>
                ))}
              </ul>
              <p className="muted small">
                They join the matrix as new axes (<code>src/lib/isolation/axes.ts</code>) once the
                APIs exist: rows run live like the others, never simulated.
              </p>
            </section>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
