import { ConflictError, type ModuleDbError, ProvisioningError } from '../errors';
import { quotaExceededFrom } from '../quota/quota-exceeded';

interface PgErrorLike {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

function parseDetail(detail: string | undefined): Record<string, unknown> | undefined {
  if (!detail?.startsWith('{')) return undefined;
  try {
    return JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Turns an error from `dramac_apply_module_plan` (or any PostgreSQL error) into this package's
 * typed errors: `DM002`/`DM003` are conflicts, everything else a `ProvisioningError` that keeps the
 * SQLSTATE, detail, hint and the failing statement.
 */
export function toModuleDbError(error: unknown, context: string): ModuleDbError {
  const pg = (error ?? {}) as PgErrorLike;
  const detail = parseDetail(pg.detail);
  const message = `${context}: ${pg.message ?? String(error)}`;
  // A platform limit on tables or columns (platform migration 8).
  if (pg.code === 'DQ001') return quotaExceededFrom(pg, context);
  if (pg.code === 'DM002' || pg.code === 'DM003') {
    return new ConflictError(message, { cause: error, sqlstate: pg.code });
  }
  return new ProvisioningError(
    message,
    {
      sqlstate: pg.code,
      detail: typeof detail?.detail === 'string' ? detail.detail : detail ? undefined : pg.detail,
      hint: pg.hint || undefined,
      statement: typeof detail?.statement === 'string' ? detail.statement : undefined,
      statementIndex:
        typeof detail?.statementIndex === 'number' ? detail.statementIndex : undefined,
    },
    { cause: error },
  );
}
