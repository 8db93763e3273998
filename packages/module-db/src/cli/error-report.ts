import { isDefinitionValidationError, isModuleDbError } from '../errors';
import { CliError, isConnectionFailure } from './exit-codes';

/**
 * The one JSON shape of an error, whatever the command and whatever failed: `code` (a stable
 * string: the CLI's own, `@dramac/module-db`'s, `DATABASE_ERROR` for a bare PostgreSQL error,
 * `DATABASE_UNREACHABLE` for a lost connection, `INTERNAL` otherwise), `name`, `message`, then the
 * typed error's own fields (`sqlstate`, `detail`, `hint`, `statement`, `issues`, `changes`,
 * `option`, ...).
 */
export interface ErrorJson {
  readonly code: string;
  readonly name: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** `error` in the one JSON shape (see {@link ErrorJson}). */
export function errorJson(error: unknown): ErrorJson {
  if (error instanceof CliError || isModuleDbError(error)) {
    const {
      code,
      name,
      message: _message,
      ...rest
    } = withoutUndefined((error as { toJSON(): Record<string, unknown> }).toJSON());
    return { code: String(code), name: String(name), message: error.message, ...rest };
  }
  const e = (error ?? {}) as {
    code?: unknown;
    detail?: unknown;
    hint?: unknown;
    message?: unknown;
    name?: unknown;
  };
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionFailure(error)) {
    return {
      code: 'DATABASE_UNREACHABLE',
      name: 'CliError',
      message: `lost the connection to PostgreSQL: ${message}`,
      ...(typeof e.code === 'string' ? { cause: e.code } : {}),
    };
  }
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return withoutUndefined({
      code: 'DATABASE_ERROR',
      name: 'DatabaseError',
      message,
      sqlstate: e.code,
      detail: typeof e.detail === 'string' ? e.detail : undefined,
      hint: typeof e.hint === 'string' ? e.hint : undefined,
    }) as ErrorJson;
  }
  return {
    code: 'INTERNAL',
    name: error instanceof Error ? error.name : 'Error',
    message,
    ...(typeof e.code === 'string' ? { cause: e.code } : {}),
  };
}

/** Human-readable lines for an error: code, message, and what PostgreSQL or validation said. */
export function describeError(error: unknown): string {
  const json = errorJson(error);
  const lines = [`error [${json.code}]: ${json.message}`];
  if (isDefinitionValidationError(error)) {
    for (const i of error.issues) lines.push(`  - ${i.path || '(root)'}: ${i.message} [${i.code}]`);
  }
  for (const field of ['sqlstate', 'detail', 'hint'] as const) {
    if (typeof json[field] === 'string' && json[field] !== '') {
      lines.push(`  ${field}: ${json[field]}`);
    }
  }
  // UpgradeRefusedError: each refused change on its own line.
  if (Array.isArray(json.changes)) {
    for (const r of json.changes as { description?: string }[]) {
      lines.push(`  - refused: ${r.description}`);
    }
  }
  return lines.join('\n');
}
