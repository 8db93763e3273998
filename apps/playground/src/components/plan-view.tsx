/**
 * A plan before it runs: what it creates, changes and removes, grouped and counted, each group
 * with its change classes and the strongest table lock it takes; then every statement, wrapped.
 * Pure (no hooks).
 */
import type { TableDiff } from '../lib/definition-diff';
import type { PlanSummary } from '../lib/plan-summary';

const VERB = { create: 'Creates', change: 'Changes', remove: 'Removes' } as const;

/** "Creates tables", "Grants privileges", "Revokes privileges", "Enables row security". */
function groupTitle(action: keyof typeof VERB, category: string): string {
  if (category === 'grants')
    return action === 'remove' ? 'Revokes privileges' : 'Grants privileges';
  if (category === 'row security') return 'Enables and forces row security';
  if (category === 'data') return 'Changes data';
  return `${VERB[action]} ${category}`;
}

function plural(n: number, word: string): string {
  if (n === 1) return `1 ${word.replace(/s$/, '').replace(/ie$/, 'y')}`;
  return `${n} ${word}`;
}

export function PlanSummaryView({ summary }: { summary: PlanSummary }) {
  return (
    <div data-testid="plan-summary">
      <div className="row small" style={{ margin: '4px 0 8px' }}>
        <strong>{summary.statements} statements</strong>
        {(['additive', 'declared', 'destructive'] as const).map((c) =>
          summary.counts[c] > 0 ? (
            <span key={c} className={`badge ${c}`}>
              {summary.counts[c]} {c}
            </span>
          ) : null,
        )}
        <span className="badge lock" title={summary.strongestLock.effect}>
          strongest lock: {summary.strongestLock.mode}
        </span>
      </div>
      <table className="grid summary-table">
        <thead>
          <tr>
            <th>What</th>
            <th style={{ textAlign: 'right' }}>Count</th>
            <th>Class</th>
            <th>Lock on a live table</th>
            <th>Objects</th>
          </tr>
        </thead>
        <tbody>
          {summary.groups.map((g) => (
            <tr key={`${g.action}-${g.category}`} data-testid="plan-group">
              <td>{groupTitle(g.action, g.category)}</td>
              <td className="count">{g.count}</td>
              <td>
                {g.classes.map((c) => (
                  <span key={c} className={`badge ${c}`} style={{ marginRight: 4 }}>
                    {c}
                  </span>
                ))}
              </td>
              <td>
                <span className="badge lock">{g.lock.mode}</span>
                <div className="small muted">{g.lock.effect}</div>
              </td>
              <td className="small">
                {[...new Set(g.items.map((i) => i.target))].slice(0, 6).join(', ')}
                {new Set(g.items.map((i) => i.target)).size > 6 ? ', ...' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary.rebuilt.length > 0 ? (
        <div className="message note" data-testid="plan-rebuilt">
          {plural(summary.rebuilt.length, 'objects')} dropped and created again with an identical
          definition: {summary.rebuilt.join(', ')}. Each drop takes ACCESS EXCLUSIVE and each
          rebuild SHARE on a live table, for no change.
        </div>
      ) : null}
    </div>
  );
}

/** Every statement in the order it runs, each with its class and lock; SQL wrapped in full. */
export function PlanStatements({ summary, open = true }: { summary: PlanSummary; open?: boolean }) {
  return (
    <details open={open} data-testid="plan-sql">
      <summary>The SQL: {summary.statements} statements in one transaction</summary>
      <ol className="steps" style={{ listStyle: 'none' }}>
        {summary.items.map((i) => (
          <li key={i.index} className={`statement ${i.class}`}>
            <div className="statement-head">
              <span className="muted">{i.index}.</span>
              <span>{i.description}</span>
              <span className={`badge ${i.class}`}>{i.class}</span>
              <span className="badge lock" title={i.lock.effect}>
                lock: {i.lock.mode}
              </span>
              {i.rebuiltUnchanged ? <span className="badge warn">unchanged rebuild</span> : null}
            </div>
            <code className="sql">{i.sql};</code>
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Before and after, side by side, one block per table. */
export function DiffView({ tables }: { tables: readonly TableDiff[] }) {
  const changed = tables.filter((t) => t.status !== 'same');
  const same = tables.filter((t) => t.status === 'same');
  return (
    <div data-testid="upgrade-diff">
      {changed.map((t) => (
        <div key={t.name} data-testid="diff-table" data-status={t.status}>
          <h3>
            {t.name}{' '}
            <span
              className={`badge ${t.status === 'added' ? 'additive' : t.status === 'removed' ? 'destructive' : 'declared'}`}
            >
              {t.status}
            </span>{' '}
            <span className="muted small">
              {t.changed} {t.changed === 1 ? 'change' : 'changes'}
            </span>
          </h3>
          <div className="diff-grid">
            <div className="head">Before{t.before ? `: ${t.before}` : ''}</div>
            <div className="head">After{t.after ? `: ${t.after}` : ''}</div>
            {t.rows.map((r, i) => (
              <DiffRowCells key={`${r.section}-${r.before ?? ''}-${r.after ?? ''}-${i}`} row={r} />
            ))}
          </div>
        </div>
      ))}
      {same.length > 0 ? (
        <p className="muted small">Unchanged: {same.map((t) => t.name).join(', ')}.</p>
      ) : null}
    </div>
  );
}

function DiffRowCells({ row }: { row: TableDiff['rows'][number] }) {
  const left = row.before === undefined ? 'empty' : row.status;
  const right = row.after === undefined ? 'empty' : row.status;
  return (
    <>
      <div className={left} data-side="before" data-status={row.status}>
        {row.before ?? ''}
      </div>
      <div className={right} data-side="after" data-status={row.status}>
        {row.after ?? ''}
        {row.status === 'renamed' ? <span className="muted"> (renamed)</span> : null}
      </div>
    </>
  );
}
