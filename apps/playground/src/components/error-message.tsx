import type { ActionError } from '../lib/action-result';

/** An error next to the form that caused it: code, message, path and any issues. */
export function ErrorMessage({ error }: { error: ActionError | null | undefined }) {
  if (!error) return null;
  const hasIssues = (error.issues?.length ?? 0) > 0;
  return (
    <div className="message error" role="alert" data-testid="error">
      <strong>{error.code}</strong>
      {error.sqlstate ? <span className="mono"> (SQLSTATE {error.sqlstate})</span> : null}:{' '}
      {hasIssues
        ? `${error.message.split(':')[0]} (${error.issues?.length} problems)`
        : error.message}
      {error.path ? (
        <div className="small">
          at <code>{error.path}</code>
        </div>
      ) : null}
      {hasIssues && error.issues ? (
        <ul>
          {error.issues.slice(0, 12).map((i) => (
            <li key={`${i.path}-${i.code}`}>
              <code>{i.path}</code>: {i.message} <span className="muted">({i.code})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A success line. */
export function SuccessMessage({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <div className="message success" role="status" data-testid="success">
      {text}
    </div>
  );
}
