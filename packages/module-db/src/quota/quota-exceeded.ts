import { QueryTimeoutError, QuotaExceededError, type QuotaLimitName } from '../errors';

/** The SQLSTATE the platform's quota checks raise (platform migration 8). */
export const QUOTA_EXCEEDED_SQLSTATE = 'DQ001';

const LIMITS: readonly QuotaLimitName[] = [
  'tables',
  'columns',
  'rows',
  'site_bytes',
  'module_bytes',
  'statement_timeout_ms',
  'lock_timeout_ms',
  'calls_per_second',
];

const num = (value: unknown): number =>
  typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The typed error of a `DQ001` refusal: its DETAIL is the JSON the database wrote (`limit`, `max`,
 * `usage`, `requested`, `module`, `site`, `table`). node-postgres keeps it in `detail`, PostgREST in
 * `details`; a DETAIL that cannot be read still gives a QuotaExceededError, with what the message
 * says.
 *
 * @example
 * quotaExceededFrom({ code: 'DQ001', message: 'quota exceeded: ...', detail: '{"limit":"rows",...}' }, 'insert into deals');
 * @throws Never; it returns the typed error.
 */
export function quotaExceededFrom(
  error: { readonly message?: unknown; readonly detail?: unknown; readonly details?: unknown },
  operation: string,
): QuotaExceededError {
  const raw = str(error.message) ?? 'quota exceeded';
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(str(error.detail) ?? str(error.details) ?? '{}');
    if (parsed && typeof parsed === 'object') detail = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: keep the message only.
  }
  const limit = LIMITS.find((l) => l === detail.limit) ?? 'rows';
  return new QuotaExceededError(
    `${operation}: ${raw}`,
    {
      limit,
      max: num(detail.max),
      usage: num(detail.usage),
      requested: num(detail.requested),
      module: str(detail.module) ?? '',
      site: str(detail.site),
      table: str(detail.table),
    },
    { cause: error },
  );
}

/**
 * The typed error of a statement PostgreSQL cancelled: 57014 (`statement_timeout`, or a cancel
 * request) and 55P03 (`lock_timeout`).
 *
 * @example
 * queryTimeoutFrom({ code: '57014', message: 'canceling statement due to statement timeout' }, 'select from deals');
 * @throws Never; it returns the typed error.
 */
export function queryTimeoutFrom(
  error: { readonly code?: unknown; readonly message?: unknown },
  operation: string,
): QueryTimeoutError {
  const kind = error.code === '55P03' ? 'lock' : 'statement';
  const raw = str(error.message) ?? 'statement cancelled';
  const limit = kind === 'lock' ? 'lock_timeout' : 'statement_timeout';
  return new QueryTimeoutError(
    `${operation}: ${raw} (the platform's ${limit} for module roles; see docs/operations.md)`,
    kind,
    { cause: error },
  );
}
