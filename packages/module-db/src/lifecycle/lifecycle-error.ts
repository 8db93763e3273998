import { AccessDeniedError, isModuleDbError, type ModuleDbError, NotFoundError } from '../errors';
import { toModuleDbError } from '../provision/postgres-error';

/**
 * Errors of the lifecycle functions as this package's typed errors: ours pass through, 42501
 * becomes `AccessDeniedError`, `DM005` (module not provisioned) `NotFoundError`, everything else
 * what `toModuleDbError` makes of it (SQLSTATE, detail and hint kept).
 */
export function toLifecycleError(error: unknown, context: string): ModuleDbError {
  if (isModuleDbError(error)) return error;
  const pg = (error ?? {}) as { code?: string; message?: string };
  const message = `${context}: ${pg.message ?? String(error)}`;
  if (pg.code === '42501') return new AccessDeniedError(message, pg.code, { cause: error });
  if (pg.code === 'DM005') return new NotFoundError(message, { cause: error });
  return toModuleDbError(error, context);
}
