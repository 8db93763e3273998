import {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  isModuleDbError,
  type ModuleDbError,
  NotFoundError,
  QueryValidationError,
} from '../errors';
import { queryTimeoutFrom, quotaExceededFrom } from '../quota/quota-exceeded';
import type { DataRow } from './data-transport';
import type { ConstraintMetadata, ModuleMetadata, TableMetadata } from './module-metadata';

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  column?: unknown;
  table?: unknown;
  detail?: unknown;
  details?: unknown;
}

/** What the data client knows about the failed call, to name the column an error is about. */
export interface ErrorScope {
  readonly metadata?: ModuleMetadata | undefined;
  /** The table the call was on. */
  readonly table?: TableMetadata | undefined;
  /** The rows written (insert) or the patch (update). */
  readonly rows?: readonly DataRow[] | undefined;
}

interface Located {
  readonly table?: string | undefined;
  readonly column?: string | undefined;
  readonly path?: string | undefined;
  readonly rule?: string | undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The constraint's entry, looked up in every table of the module (names embed the table). */
function findConstraint(
  scope: ErrorScope,
  name: string | undefined,
): { table: TableMetadata; meta: ConstraintMetadata } | undefined {
  if (!name) return undefined;
  const tables = scope.metadata ? [...scope.metadata.tables.values()] : [];
  if (scope.table && !tables.includes(scope.table)) tables.unshift(scope.table);
  for (const table of tables) {
    const meta = table.constraints.get(name);
    if (meta) return { table, meta };
  }
  return undefined;
}

/** `Key (site_id, email)=(...)`: the declared columns of a unique or foreign key, site_id last. */
function keyColumns(detail: string | undefined): string[] {
  const m = /Key \(([^)]*)\)=/.exec(detail ?? '');
  if (!m) return [];
  return (m[1] as string)
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, ''))
    .sort((a, b) => Number(a === 'site_id') - Number(b === 'site_id'));
}

function locate(table: TableMetadata | undefined, column: string | undefined, rule?: string) {
  const name = table?.target.name;
  return {
    table: name,
    column,
    path: name && column ? `${name}.${column}` : (column ?? name),
    ...(rule ? { rule } : {}),
  };
}

function tableByPhysicalName(scope: ErrorScope, physical: string | undefined) {
  if (!physical) return scope.table;
  const tables = scope.metadata ? [...scope.metadata.tables.values()] : [];
  return tables.find((t) => t.target.table === physical) ?? scope.table;
}

/** Finds the declared table and column a constraint error is about, and a check's rule. */
function locateConstraint(scope: ErrorScope, e: DatabaseErrorLike, message: string): Located {
  const constraint = text(e.constraint) ?? /constraint "([^"]+)"/.exec(message)?.[1];
  const found = findConstraint(scope, constraint);
  if (found) {
    const column = found.meta.column;
    const rule = found.meta.kind === 'check' ? found.meta.rule : undefined;
    return locate(found.table, column, rule);
  }
  const table = tableByPhysicalName(
    scope,
    text(e.table) ?? /of relation "([^"]+)"/.exec(message)?.[1],
  );
  // Not-null: node-postgres has the column; PostgREST only says it in the message.
  const column =
    text(e.column) ??
    /null value in column "([^"]+)"/.exec(message)?.[1] ??
    keyColumns(text(e.detail) ?? text(e.details))[0];
  return locate(table, column);
}

const OUT_OF_RANGE =
  /(smallint|integer|bigint) out of range|numeric field overflow|out of range for type (\w+)/;

/**
 * For a value PostgreSQL refused (22003, 22007, 22008, 22P02): the column whose written value is
 * the one the message quotes, else the only written column of the type the message names.
 */
function locateValue(scope: ErrorScope, message: string, detail: string | undefined): Located {
  const table = scope.table;
  if (!table || !scope.rows) return locate(table, undefined);
  const quoted = /"((?:[^"\\]|\\.)*)"\s*$/.exec(message)?.[1];
  const written = new Map<string, unknown[]>();
  for (const row of scope.rows) {
    for (const [column, value] of Object.entries(row)) {
      const list = written.get(column) ?? [];
      list.push(value);
      written.set(column, list);
    }
  }
  if (quoted !== undefined) {
    for (const [column, values] of written) {
      if (
        values.some((v) => v !== null && String(v instanceof Date ? v.toISOString() : v) === quoted)
      ) {
        return locate(table, column);
      }
    }
  }
  const typeName =
    /for type ([\w ]+?)(?::|$)/.exec(message)?.[1] ?? OUT_OF_RANGE.exec(message)?.[1];
  // `A field with precision 6, scale 2 must round to ...`: the numeric(6,2) column.
  const field = /precision (\d+), scale (\d+)/.exec(detail ?? '');
  const wanted = (kind: string, base: string, precision?: number, scale?: number): boolean => {
    if (/numeric field overflow/.test(message)) {
      return (
        kind === 'decimal' &&
        (!field || (precision === Number(field[1]) && (scale ?? 0) === Number(field[2])))
      );
    }
    if (!typeName) return false;
    const t = typeName.toLowerCase();
    if (t === 'integer') return base === 'int4' || base === 'integer' || base === 'int';
    if (t === 'smallint') return base === 'int2' || base === 'smallint';
    if (t === 'bigint') return kind === 'bigint';
    if (t.startsWith('timestamp') || t === 'date' || t.startsWith('time'))
      return kind === 'datetime';
    if (t === 'uuid') return kind === 'uuid';
    if (t === 'numeric') return kind === 'decimal';
    if (t === 'boolean') return kind === 'boolean';
    return false;
  };
  const candidates = [...written.keys()].filter((column) => {
    const meta = table.columns.get(column);
    return meta
      ? wanted(meta.kind.kind, meta.kind.base, meta.kind.precision, meta.kind.scale)
      : false;
  });
  return locate(table, candidates.length === 1 ? candidates[0] : undefined);
}

function roleNotFound(
  message: string,
  scope: ErrorScope,
  cause: unknown,
): NotFoundError | undefined {
  const role = /role "((?:modrole|modadmin)_[a-f0-9]{8})" does not exist/.exec(message)?.[1];
  if (!role) return undefined;
  const moduleId = scope.metadata?.moduleId;
  return new NotFoundError(
    `module ${moduleId ?? role.replace(/^mod\w+?_/, '')} is not provisioned in this database ` +
      `(its role ${role} does not exist): provision it first (provisionModuleDatabase / dramac-modules provision)`,
    { moduleId, cause },
  );
}

/**
 * Maps an error from a transport to a typed error by SQLSTATE, keeping the SQLSTATE, and names
 * the column it is about (`path: 'deals.amount'`) from the constraint (the SDK knows the names
 * provisioning gives them), the error's `column`/`detail`, or the value the message quotes:
 *
 * - 23505 -> ConflictError; 23503/23514/23502 -> ConstraintViolationError (checks carry `rule`);
 * - 22003/22007/22008/22P02 (a value out of range or in a bad format) -> QueryValidationError
 *   with `sqlstate`;
 * - 42501 -> AccessDeniedError;
 * - DQ001 (a platform quota) -> QuotaExceededError; 57014/55P03 (statement or lock timeout) ->
 *   QueryTimeoutError;
 * - `role "modrole_<id>" does not exist` (the module was never provisioned) -> NotFoundError;
 * - anything else -> DatabaseError.
 *
 * Errors of this package pass through unchanged.
 *
 * @example
 * catch (e) { throw mapDatabaseError(e, 'insert into deals', { metadata, table, rows }); }
 * @throws Never; it returns the typed error.
 */
export function mapDatabaseError(
  error: unknown,
  operation: string,
  scope: ErrorScope = {},
): ModuleDbError {
  if (isModuleDbError(error)) return error;
  const e = (error ?? {}) as DatabaseErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const message = `${operation}: ${raw}`;
  const constraint = text(e.constraint) ?? /constraint "([^"]+)"/.exec(raw)?.[1];
  switch (code) {
    case '23505': {
      const at = locateConstraint(scope, e, raw);
      return new ConflictError(at.path ? `${message} (${at.path})` : message, {
        cause: error,
        sqlstate: code,
        constraint,
        ...at,
      });
    }
    case '42501':
      return new AccessDeniedError(message, code, { cause: error });
    case '23503':
    case '23514':
    case '23502': {
      const at = locateConstraint(scope, e, raw);
      const where = at.path ? ` (${at.path}${at.rule ? `: ${at.rule}` : ''})` : '';
      return new ConstraintViolationError(`${message}${where}`, code, constraint, {
        cause: error,
        ...at,
      });
    }
    case '22003':
    case '22007':
    case '22008':
    case '22P02': {
      const at = locateValue(scope, raw, text(e.detail) ?? text(e.details));
      return new QueryValidationError(message, at.path ?? 'data', { cause: error, sqlstate: code });
    }
    case 'DQ001':
      return quotaExceededFrom(e, operation);
    case '57014':
    case '55P03':
      return queryTimeoutFrom(e, operation);
    case '22023':
    case '42704': {
      const notFound = roleNotFound(raw, scope, error);
      if (notFound) return notFound;
      return new DatabaseError(message, code, { cause: error });
    }
    default:
      return new DatabaseError(message, code, { cause: error });
  }
}
