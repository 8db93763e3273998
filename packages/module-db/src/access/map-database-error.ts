import {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  isModuleDbError,
  type ModuleDbError,
} from '../errors';

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  details?: unknown;
}

/**
 * Maps an error from a transport to a typed error by SQLSTATE, keeping the SQLSTATE: 23505 ->
 * ConflictError, 42501 -> AccessDeniedError, 23503/23514/23502 -> ConstraintViolationError,
 * anything else -> DatabaseError. Errors of this package pass through unchanged.
 */
export function mapDatabaseError(error: unknown, operation: string): ModuleDbError {
  if (isModuleDbError(error)) return error;
  const e = (error ?? {}) as DatabaseErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = `${operation}: ${typeof e.message === 'string' ? e.message : String(error)}`;
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  switch (code) {
    case '23505':
      return new ConflictError(message, { cause: error, sqlstate: code });
    case '42501':
      return new AccessDeniedError(message, code, { cause: error });
    case '23503':
    case '23514':
    case '23502':
      return new ConstraintViolationError(message, code, constraint, { cause: error });
    default:
      return new DatabaseError(message, code, { cause: error });
  }
}
