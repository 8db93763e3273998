/**
 * Errors of @dramac/module-db. Branch on `code`, never on `message`: codes are stable, messages
 * are for people.
 */

/** Every stable error code this package throws. */
export type ModuleDbErrorCode =
  | 'DEFINITION_INVALID'
  | 'PROVISIONING_FAILED'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_QUERY'
  | 'CONSTRAINT_VIOLATION'
  | 'NOT_SUPPORTED'
  | 'DATABASE_ERROR'
  | 'UPGRADE_REFUSED'
  | 'QUERY_TOO_LARGE'
  | 'VERSION_MISMATCH'
  | 'POSTGRES_VERSION_UNSUPPORTED'
  | 'PREREQUISITE_MISSING'
  | 'LOCAL_POSTGRES_FAILED'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'QUERY_TIMEOUT'
  | 'VISITOR_NOT_ALLOWED';

const BRAND = Symbol.for('dramac.module-db.error');

/** Options shared by every error of this package. */
export interface ModuleDbErrorOptions {
  /** The underlying error (ES2022 `cause`). */
  readonly cause?: unknown;
}

/**
 * Base class of every error thrown by @dramac/module-db.
 *
 * @example
 * try { await validateModuleDefinition(input); }
 * catch (e) { if (isModuleDbError(e) && e.code === 'DEFINITION_INVALID') console.log(e.issues); }
 */
export class ModuleDbError extends Error {
  /** Stable machine-readable code. */
  readonly code: ModuleDbErrorCode;
  readonly [BRAND] = true;

  constructor(code: ModuleDbErrorCode, message: string, options: ModuleDbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModuleDbError';
    this.code = code;
  }

  /** A plain-object form for logs and HTTP responses. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** One problem found in a module definition. */
export interface DefinitionIssue {
  /** Where, as a path string: `tables[2].columns[0].type`. */
  readonly path: string;
  /** Stable sub-code, e.g. `invalid_type`, `duplicate_name`, `expression_not_allowed`. */
  readonly code: string;
  /** What is wrong, for people. */
  readonly message: string;
}

/**
 * A module definition failed validation. `issues` lists every problem found, each with its path.
 *
 * @example
 * e.issues // [{ path: 'tables[0].columns[1].type', code: 'type_not_allowed', message: '...' }]
 */
export class DefinitionValidationError extends ModuleDbError {
  /** Every problem found, not only the first. */
  readonly issues: readonly DefinitionIssue[];

  constructor(issues: readonly DefinitionIssue[], options: ModuleDbErrorOptions = {}) {
    const head = issues
      .slice(0, 5)
      .map((i) => `${i.path || '(root)'}: ${i.message}`)
      .join('; ');
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    super('DEFINITION_INVALID', `Invalid module definition: ${head}${more}`, options);
    this.name = 'DefinitionValidationError';
    this.issues = Object.freeze([...issues]);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** Details PostgreSQL reported for a failed statement. */
export interface PostgresErrorDetails {
  readonly sqlstate?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** The statement that failed (compiled SQL). */
  readonly statement?: string;
  /** Index of the failed statement in the plan. */
  readonly statementIndex?: number;
}

/** Applying a plan (or another database operation) failed; nothing was left half-done. */
export class ProvisioningError extends ModuleDbError {
  readonly sqlstate: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly statement: string | undefined;
  readonly statementIndex: number | undefined;

  constructor(
    message: string,
    details: PostgresErrorDetails = {},
    options: ModuleDbErrorOptions = {},
  ) {
    super('PROVISIONING_FAILED', message, options);
    this.name = 'ProvisioningError';
    this.sqlstate = details.sqlstate;
    this.detail = details.detail;
    this.hint = details.hint;
    this.statement = details.statement;
    this.statementIndex = details.statementIndex;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      sqlstate: this.sqlstate,
      detail: this.detail,
      hint: this.hint,
      statement: this.statement,
      statementIndex: this.statementIndex,
    };
  }
}

/** The database refused access (SQLSTATE 42501) or the caller may not do this. */
export class AccessDeniedError extends ModuleDbError {
  readonly sqlstate: string | undefined;
  constructor(message: string, sqlstate?: string, options: ModuleDbErrorOptions = {}) {
    super('ACCESS_DENIED', message, options);
    this.name = 'AccessDeniedError';
    this.sqlstate = sqlstate;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sqlstate: this.sqlstate };
  }
}

/**
 * A data-API call named an unknown table or column, an unknown operator, an operator that does
 * not fit the column, or a value of the wrong type. Thrown before any SQL is sent; or, with a
 * `sqlstate`, PostgreSQL refused a value the pre-checks could not judge (`22003` out of range,
 * `22007`/`22008` bad date/time, `22P02` bad text representation).
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'INVALID_QUERY') console.log(e.path); }
 */
export class QueryValidationError extends ModuleDbError {
  /** Where in the call: `where.lead_score.gte`, `select[1]`, `data[0].email`, `deals.amount`. */
  readonly path: string;
  /** The SQLSTATE when PostgreSQL refused the value; undefined when refused before SQL. */
  readonly sqlstate: string | undefined;
  constructor(
    message: string,
    path: string,
    options: ModuleDbErrorOptions & { readonly sqlstate?: string | undefined } = {},
  ) {
    super('INVALID_QUERY', message, options);
    this.name = 'QueryValidationError';
    this.path = path;
    this.sqlstate = options.sqlstate;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      path: this.path,
      ...(this.sqlstate ? { sqlstate: this.sqlstate } : {}),
    };
  }
}

/**
 * A `where` expands beyond one of the data API's limits (nesting depth, number of conditions,
 * values, bytes of values, alternatives in one `or`). Thrown before any SQL is sent, after a
 * bounded amount of work however large the expansion would have been.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'QUERY_TOO_LARGE') console.log(e.limit, e.max, e.path); }
 */
export class QueryLimitError extends ModuleDbError {
  /** Which limit: `depth`, `conditions`, `values`, `bytes` or `alternatives`. */
  readonly limit: string;
  /** The limit's value. */
  readonly max: number;
  /** Where in the call the limit was reached: `where.or[3].or[0].status`. */
  readonly path: string;
  constructor(limit: string, max: number, path: string, options: ModuleDbErrorOptions = {}) {
    super('QUERY_TOO_LARGE', `${path}: where exceeds the ${limit} limit (${max})`, options);
    this.name = 'QueryLimitError';
    this.limit = limit;
    this.max = max;
    this.path = path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), limit: this.limit, max: this.max, path: this.path };
  }
}

/**
 * Where a database error points in the module's definition, when it could be found.
 *
 * @example
 * const at: ColumnLocation = { table: 'deals', column: 'amount', path: 'deals.amount' };
 * @throws Never; this is a type.
 */
export interface ColumnLocation {
  /** The declared table name (`deals`). */
  readonly table?: string | undefined;
  /** The declared column name (`amount`). */
  readonly column?: string | undefined;
  /** `<table>.<column>` (`deals.amount`), or the table alone when the column is unknown. */
  readonly path?: string | undefined;
}

/**
 * A row broke a constraint: foreign key (23503), check (23514) or not-null (23502). `path` names
 * the column (`deals.amount`) when the constraint could be traced back to the definition, and
 * `rule` is the check's expression as the definition declares it.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'CONSTRAINT_VIOLATION') console.log(e.path, e.rule); }
 */
export class ConstraintViolationError extends ModuleDbError {
  readonly sqlstate: string | undefined;
  /** The constraint's name when the database reported it. */
  readonly constraint: string | undefined;
  /** The declared table. */
  readonly table: string | undefined;
  /** The declared column. */
  readonly column: string | undefined;
  /** `<table>.<column>`. */
  readonly path: string | undefined;
  /** For a check violation: the check expression that failed (`lead_score between 0 and 100`). */
  readonly rule: string | undefined;
  constructor(
    message: string,
    sqlstate?: string,
    constraint?: string,
    options: ModuleDbErrorOptions & ColumnLocation & { readonly rule?: string | undefined } = {},
  ) {
    super('CONSTRAINT_VIOLATION', message, options);
    this.name = 'ConstraintViolationError';
    this.sqlstate = sqlstate;
    this.constraint = constraint;
    this.table = options.table;
    this.column = options.column;
    this.path = options.path;
    this.rule = options.rule;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      sqlstate: this.sqlstate,
      constraint: this.constraint,
      path: this.path,
      ...(this.rule ? { rule: this.rule } : {}),
    };
  }
}

/** Any other database error, with its SQLSTATE kept. */
export class DatabaseError extends ModuleDbError {
  readonly sqlstate: string | undefined;
  constructor(message: string, sqlstate?: string, options: ModuleDbErrorOptions = {}) {
    super('DATABASE_ERROR', message, options);
    this.name = 'DatabaseError';
    this.sqlstate = sqlstate;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sqlstate: this.sqlstate };
  }
}

/** Which platform limit a {@link QuotaExceededError} names. */
export type QuotaLimitName =
  | 'tables'
  | 'columns'
  | 'rows'
  | 'site_bytes'
  | 'module_bytes'
  | 'statement_timeout_ms'
  | 'lock_timeout_ms'
  | 'calls_per_second';

/**
 * A write (or an install, an upgrade) would pass a limit the platform set: rows per (module,
 * site, table), bytes per (module, site) or per module, tables or columns per module. PostgreSQL
 * refused it (SQLSTATE `DQ001`), so nothing was written, whatever the transport.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'QUOTA_EXCEEDED') console.log(e.limit, e.max, e.usage, e.scope); }
 */
export class QuotaExceededError extends ModuleDbError {
  readonly sqlstate = 'DQ001';
  /** The limit: `rows`, `site_bytes`, `module_bytes`, `tables` or `columns`. */
  readonly limit: QuotaLimitName;
  /** The limit's value. */
  readonly max: number;
  /** What was used before the refused statement. */
  readonly usage: number;
  /** What the refused statement would have added. */
  readonly requested: number;
  /** Where the limit applies: the module's short id, the site (per-site limits), the table. */
  readonly scope: {
    readonly module: string;
    readonly site?: string | undefined;
    readonly table?: string | undefined;
  };
  constructor(
    message: string,
    details: {
      readonly limit: QuotaLimitName;
      readonly max: number;
      readonly usage: number;
      readonly requested: number;
      readonly module: string;
      readonly site?: string | undefined;
      readonly table?: string | undefined;
    },
    options: ModuleDbErrorOptions = {},
  ) {
    super('QUOTA_EXCEEDED', message, options);
    this.name = 'QuotaExceededError';
    this.limit = details.limit;
    this.max = details.max;
    this.usage = details.usage;
    this.requested = details.requested;
    this.scope = Object.freeze({
      module: details.module,
      ...(details.site ? { site: details.site } : {}),
      ...(details.table ? { table: details.table } : {}),
    });
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      sqlstate: this.sqlstate,
      limit: this.limit,
      max: this.max,
      usage: this.usage,
      requested: this.requested,
      scope: this.scope,
    };
  }
}

/**
 * Too many calls of one module on one site: the data client's rate limit (calls per second per
 * (module, site), set by the platform) refused this one before it reached the database.
 * `retryAfterMs` says when one call will be admitted again.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'RATE_LIMITED') await sleep(e.retryAfterMs); }
 */
export class RateLimitedError extends ModuleDbError {
  /** Milliseconds until a call is admitted again. */
  readonly retryAfterMs: number;
  /** The limit, in calls per second. */
  readonly limit: number;
  readonly scope: { readonly module: string; readonly site: string };
  constructor(
    retryAfterMs: number,
    limit: number,
    scope: { readonly module: string; readonly site: string },
    options: ModuleDbErrorOptions = {},
  ) {
    super(
      'RATE_LIMITED',
      `module ${scope.module} on site ${scope.site} is over its limit of ${limit} calls per second: retry in ${retryAfterMs} ms`,
      options,
    );
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
    this.limit = limit;
    this.scope = Object.freeze({ module: scope.module, site: scope.site });
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      retryAfterMs: this.retryAfterMs,
      limit: this.limit,
      scope: this.scope,
    };
  }
}

/**
 * PostgreSQL cancelled a statement of the module: it ran longer than the module role's
 * `statement_timeout` (SQLSTATE 57014, `kind: 'statement'`) or waited longer than its
 * `lock_timeout` for a lock (55P03, `kind: 'lock'`). Both are platform limits; nothing the
 * statement did stays.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'QUERY_TIMEOUT') console.log(e.kind, e.sqlstate); }
 */
export class QueryTimeoutError extends ModuleDbError {
  readonly sqlstate: string;
  /** `statement` (statement_timeout) or `lock` (lock_timeout). */
  readonly kind: 'statement' | 'lock';
  constructor(message: string, kind: 'statement' | 'lock', options: ModuleDbErrorOptions = {}) {
    super('QUERY_TIMEOUT', message, options);
    this.name = 'QueryTimeoutError';
    this.kind = kind;
    this.sqlstate = kind === 'statement' ? '57014' : '55P03';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sqlstate: this.sqlstate, kind: this.kind };
  }
}

/** One change of an upgrade, as listed by an {@link UpgradeRefusedError}. */
export interface RefusedChange {
  readonly kind: string;
  readonly table: string;
  readonly object?: string;
  readonly description: string;
}

/**
 * An upgrade has destructive or rewriting changes that the new definition does not declare as
 * migration steps. Lists every one; nothing ran.
 */
export class UpgradeRefusedError extends ModuleDbError {
  readonly changes: readonly RefusedChange[];
  constructor(
    moduleId: string,
    changes: readonly RefusedChange[],
    options: ModuleDbErrorOptions = {},
    /** What was refused: `Upgrade` (default) or `Repair` (a repair that would lose data). */
    operation: 'Upgrade' | 'Repair' = 'Upgrade',
  ) {
    super(
      'UPGRADE_REFUSED',
      `${operation} of module ${moduleId} refused: ${changes.map((c) => c.description).join('; ')}${operation === 'Repair' ? ' (pass allowDataLoss to run it)' : ''}`,
      options,
    );
    this.name = 'UpgradeRefusedError';
    this.changes = Object.freeze([...changes]);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), changes: this.changes };
  }
}

/** What a visitor tried: the operation a {@link VisitorNotAllowedError} refused. */
export type VisitorOperation = 'read' | 'insert' | 'update' | 'delete' | 'transaction';

/**
 * A site visitor's call (a context with a site and no user) asked for something the module's
 * definition does not declare for visitors: a members-only table or collection, a column or field
 * outside the declared `visitors.read` / `visitors.insert` lists, or an update, delete or
 * transaction (visitors never have those). Thrown by the data client before any SQL is sent;
 * PostgreSQL refuses the same on its own (42501) when the client is bypassed.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'VISITOR_NOT_ALLOWED') console.log(e.table, e.column, e.operation); }
 */
export class VisitorNotAllowedError extends ModuleDbError {
  /** What was refused. */
  readonly operation: VisitorOperation;
  /** The declared table, or the widget collection (then `kind` is `collection`). */
  readonly table: string | undefined;
  /** Whether `table` names a table or a widget collection. */
  readonly kind: 'table' | 'collection';
  /** The column (or item field) that is not declared for visitors, when one is at fault. */
  readonly column: string | undefined;
  /** Where in the call: `where.cost`, `select[1]`, `data.handled`, `products`. */
  readonly path: string | undefined;
  constructor(
    message: string,
    details: {
      readonly operation: VisitorOperation;
      readonly table?: string | undefined;
      readonly kind?: 'table' | 'collection';
      readonly column?: string | undefined;
      readonly path?: string | undefined;
    },
    options: ModuleDbErrorOptions = {},
  ) {
    super('VISITOR_NOT_ALLOWED', message, options);
    this.name = 'VisitorNotAllowedError';
    this.operation = details.operation;
    this.table = details.table;
    this.kind = details.kind ?? 'table';
    this.column = details.column;
    this.path = details.path;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      operation: this.operation,
      kind: this.kind,
      ...(this.table ? { table: this.table } : {}),
      ...(this.column ? { column: this.column } : {}),
      ...(this.path ? { path: this.path } : {}),
    };
  }
}

/** The transport cannot do this (e.g. client-side transactions over PostgREST). */
export class NotSupportedError extends ModuleDbError {
  constructor(message: string, options: ModuleDbErrorOptions = {}) {
    super('NOT_SUPPORTED', message, options);
    this.name = 'NotSupportedError';
  }
}

/**
 * A module, table or row that was asked for does not exist (for the data API: a module that was
 * never provisioned in this database, or was deprovisioned; `moduleId` names it).
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'NOT_FOUND') console.log(e.message); }
 */
export class NotFoundError extends ModuleDbError {
  /** The module that was not found, when a module was asked for. */
  readonly moduleId: string | undefined;
  constructor(
    message: string,
    options: ModuleDbErrorOptions & { readonly moduleId?: string | undefined } = {},
  ) {
    super('NOT_FOUND', message, options);
    this.name = 'NotFoundError';
    this.moduleId = options.moduleId;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ...(this.moduleId ? { moduleId: this.moduleId } : {}) };
  }
}

/**
 * The module's code expects another version of its tables than the database has: the local
 * definition is newer (or older) than the installed one, so a column or table it names is not
 * there. Upgrade the module (`upgradeModuleDatabase`) or deploy the code of the installed version.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'VERSION_MISMATCH') console.log(e.installedVersion, e.expectedVersion); }
 */
export class ModuleVersionMismatchError extends ModuleDbError {
  readonly moduleId: string;
  /** The version the registry says is installed. */
  readonly installedVersion: string;
  /** The version of the definition the code was built with. */
  readonly expectedVersion: string;
  /** The SQLSTATE of the failure that revealed it (`42703` column, `42P01` table). */
  readonly sqlstate: string | undefined;
  constructor(
    moduleId: string,
    installedVersion: string,
    expectedVersion: string,
    sqlstate: string | undefined,
    options: ModuleDbErrorOptions = {},
  ) {
    super(
      'VERSION_MISMATCH',
      `module ${moduleId}: version ${installedVersion} is installed but this code expects ${expectedVersion}; ` +
        `upgrade the module's database (upgradeModuleDatabase / dramac-modules upgrade) or run the code of version ${installedVersion}`,
      options,
    );
    this.name = 'ModuleVersionMismatchError';
    this.moduleId = moduleId;
    this.installedVersion = installedVersion;
    this.expectedVersion = expectedVersion;
    this.sqlstate = sqlstate;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      moduleId: this.moduleId,
      installedVersion: this.installedVersion,
      expectedVersion: this.expectedVersion,
      sqlstate: this.sqlstate,
    };
  }
}

/**
 * The request conflicts with what exists: a short-id collision, another installed definition, or
 * a unique violation (SQLSTATE 23505; `path` names the unique column when it could be traced).
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'CONFLICT') console.log(e.path); }
 */
export class ConflictError extends ModuleDbError {
  readonly sqlstate: string | undefined;
  /** The violated constraint, for a unique violation. */
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  /** `<table>.<column>` of the unique column. */
  readonly path: string | undefined;
  constructor(
    message: string,
    options: ModuleDbErrorOptions &
      ColumnLocation & {
        readonly sqlstate?: string;
        readonly constraint?: string | undefined;
      } = {},
  ) {
    super('CONFLICT', message, options);
    this.name = 'ConflictError';
    this.sqlstate = options.sqlstate;
    this.constraint = options.constraint;
    this.table = options.table;
    this.column = options.column;
    this.path = options.path;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      sqlstate: this.sqlstate,
      ...(this.constraint ? { constraint: this.constraint } : {}),
      ...(this.path ? { path: this.path } : {}),
    };
  }
}

/**
 * True for any error of this package, even from another installed copy of it (checks a global
 * symbol brand, not only `instanceof`).
 */
export function isModuleDbError(error: unknown): error is ModuleDbError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[BRAND] === true
  );
}

/** True for a {@link DefinitionValidationError}, from any copy of this package. */
export function isDefinitionValidationError(error: unknown): error is DefinitionValidationError {
  return isModuleDbError(error) && error.code === 'DEFINITION_INVALID';
}
