import { type Kysely, sql } from 'kysely';
import { DefinitionValidationError, type QuotaLimitName } from '../errors';
import { toLifecycleError } from '../lifecycle/lifecycle-error';
import { parseModuleId, parseSiteId } from '../lifecycle/parse-lifecycle-ids';

/** Every limit the platform sets, in the order reports list them. */
export const QUOTA_LIMIT_NAMES: readonly QuotaLimitName[] = Object.freeze([
  'tables',
  'columns',
  'rows',
  'site_bytes',
  'module_bytes',
  'statement_timeout_ms',
  'lock_timeout_ms',
  'calls_per_second',
]);

/**
 * The built-in defaults (platform migration 8); `null` is unlimited. `rows` is per (module, site,
 * table), `site_bytes` per (module, site), `module_bytes` per module over every site.
 */
export const DEFAULT_QUOTA_LIMITS: Readonly<Record<QuotaLimitName, number | null>> = Object.freeze({
  tables: 50,
  columns: 1000,
  rows: 1_000_000,
  site_bytes: 1_073_741_824,
  module_bytes: null,
  statement_timeout_ms: 60_000,
  lock_timeout_ms: 10_000,
  calls_per_second: 1000,
});

/** The limits that can be narrowed (or widened) for one site; the others are per module. */
export const SITE_QUOTA_LIMITS: readonly QuotaLimitName[] = Object.freeze([
  'rows',
  'site_bytes',
  'calls_per_second',
]);

/** Where a limit applies: everywhere (neither), one module, one site, or one module on one site. */
export interface QuotaScope {
  /** The module's id (UUID); its short id is derived. */
  readonly moduleId?: string | undefined;
  readonly siteId?: string | undefined;
}

/** Options of {@link setQuotaLimit} and {@link resetQuotaLimit}. */
export interface SetQuotaLimitOptions {
  /** Who changed it, recorded with the limit. */
  readonly actor?: string;
}

/** One configured limit, as {@link listQuotaLimits} returns it. */
export interface QuotaLimitEntry {
  readonly name: QuotaLimitName;
  /** Null: every module. */
  readonly moduleShortId: string | null;
  /** Null: every site. */
  readonly siteId: string | null;
  /** Null: unlimited at this scope. */
  readonly value: number | null;
  readonly updatedBy: string | null;
  readonly updatedAt: string;
}

/** The effective limits of a module (on a site), most specific scope first. */
export type EffectiveQuotaLimits = Readonly<Record<QuotaLimitName, number | null>>;

function parseName(name: unknown): QuotaLimitName {
  if (!QUOTA_LIMIT_NAMES.includes(name as QuotaLimitName)) {
    throw new DefinitionValidationError([
      {
        path: 'name',
        code: 'unknown_limit',
        message: `${JSON.stringify(name)} is not a quota limit (${QUOTA_LIMIT_NAMES.join(', ')})`,
      },
    ]);
  }
  return name as QuotaLimitName;
}

function parseScope(name: QuotaLimitName, scope: QuotaScope) {
  const shortId = scope.moduleId === undefined ? null : parseModuleId(scope.moduleId).shortId;
  const siteId = scope.siteId === undefined ? null : parseSiteId(scope.siteId);
  if (siteId !== null && !SITE_QUOTA_LIMITS.includes(name)) {
    throw new DefinitionValidationError([
      {
        path: 'siteId',
        code: 'limit_per_module',
        message: `${name} is a limit per module: it has no per-site value (per-site limits: ${SITE_QUOTA_LIMITS.join(', ')})`,
      },
    ]);
  }
  return { shortId, siteId };
}

const toNumber = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v as string);

/**
 * Sets one platform limit at one scope: the default (no scope), a module, a site, or a module on
 * a site. The most specific scope wins. `null` is unlimited. Takes effect for the next statement
 * (rows and bytes: counters keep the effective limits, refreshed in the same transaction;
 * timeouts: the module roles' settings are altered; calls: data clients read limits again within
 * their cache time).
 *
 * @example
 * await setQuotaLimit(db, 'rows', 50_000, { moduleId: crm.moduleId });           // every site
 * await setQuotaLimit(db, 'site_bytes', 10 * 2 ** 20, { moduleId: crm.moduleId, siteId }); // one site
 * await setQuotaLimit(db, 'statement_timeout_ms', 2000);                          // every module
 * @throws DefinitionValidationError for an unknown limit, a bad id, a per-module limit given a
 * site, or a negative (timeouts and calls: non-positive) value; NotFoundError-free: a site that
 * does not exist is a ProvisioningError with SQLSTATE 23503.
 */
export async function setQuotaLimit(
  db: Kysely<any>,
  name: QuotaLimitName,
  value: number | null,
  scope: QuotaScope = {},
  options: SetQuotaLimitOptions = {},
): Promise<{ name: QuotaLimitName; value: number | null }> {
  const limit = parseName(name);
  const { shortId, siteId } = parseScope(limit, scope);
  const positive = ['statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second'].includes(limit);
  if (
    value !== null &&
    (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (positive ? 1 : 0))
  ) {
    throw new DefinitionValidationError([
      {
        path: 'value',
        code: 'invalid_limit_value',
        message: `${limit} must be a whole number ${positive ? 'above 0' : 'of 0 or more'}, or null (unlimited)`,
      },
    ]);
  }
  return change(db, limit, shortId, siteId, value, 'set', options.actor);
}

/**
 * Removes a limit set at a scope, so the next wider scope applies again (at the default scope:
 * back to the built-in default, {@link DEFAULT_QUOTA_LIMITS}).
 *
 * @example
 * await resetQuotaLimit(db, 'rows', { moduleId: crm.moduleId });
 * @throws DefinitionValidationError as {@link setQuotaLimit}.
 */
export async function resetQuotaLimit(
  db: Kysely<any>,
  name: QuotaLimitName,
  scope: QuotaScope = {},
  options: SetQuotaLimitOptions = {},
): Promise<{ name: QuotaLimitName; value: number | null }> {
  const limit = parseName(name);
  const { shortId, siteId } = parseScope(limit, scope);
  return change(db, limit, shortId, siteId, null, 'default', options.actor);
}

async function change(
  db: Kysely<any>,
  name: QuotaLimitName,
  shortId: string | null,
  siteId: string | null,
  value: number | null,
  mode: 'set' | 'default',
  actor: string | undefined,
) {
  try {
    const { rows } = await sql<{ result: { value: unknown } }>`
      select public.dramac_set_quota_limit(${name}, ${shortId}, ${siteId}::uuid, ${value === null ? null : String(value)}::bigint,
        ${mode}, ${actor ?? null}) as result`.execute(db);
    return { name, value: toNumber(rows[0]?.result.value) };
  } catch (error) {
    throw toLifecycleError(error, `setting quota limit ${name}`);
  }
}

/**
 * Every configured limit row (each scope), for reports.
 *
 * @example
 * const limits = await listQuotaLimits(db); // [{ name: 'rows', moduleShortId: null, siteId: null, value: 1000000, ... }, ...]
 * @throws ProvisioningError when the platform is older than migration 8 (SQLSTATE 42883).
 */
export async function listQuotaLimits(db: Kysely<any>): Promise<QuotaLimitEntry[]> {
  try {
    const { rows } = await sql<{
      name: QuotaLimitName;
      module_short_id: string | null;
      site_id: string | null;
      value: string | null;
      updated_by: string | null;
      updated_at: Date | string;
    }>`select * from public.dramac_quota_limits()`.execute(db);
    return rows.map((r) => ({
      name: r.name,
      moduleShortId: r.module_short_id,
      siteId: r.site_id,
      value: toNumber(r.value),
      updatedBy: r.updated_by,
      updatedAt: r.updated_at instanceof Date ? r.updated_at.toISOString() : String(r.updated_at),
    }));
  } catch (error) {
    throw toLifecycleError(error, 'listing quota limits');
  }
}

/**
 * The limits in effect for a module (on a site, for the per-site ones).
 *
 * @example
 * const limits = await getModuleLimits(db, crm.moduleId, siteId); // { rows: 1000000, site_bytes: ..., ... }
 * @throws DefinitionValidationError for a bad module or site id.
 */
export async function getModuleLimits(
  db: Kysely<any>,
  moduleId: string,
  siteId?: string,
): Promise<EffectiveQuotaLimits> {
  const { shortId } = parseModuleId(moduleId);
  const site = siteId === undefined ? null : parseSiteId(siteId);
  try {
    const { rows } = await sql<{ limits: Record<string, unknown> }>`
      select public.dramac_module_limits(${shortId}, ${site}::uuid) as limits`.execute(db);
    const raw = rows[0]?.limits ?? {};
    return Object.freeze(
      Object.fromEntries(QUOTA_LIMIT_NAMES.map((n) => [n, toNumber(raw[n])])),
    ) as EffectiveQuotaLimits;
  } catch (error) {
    throw toLifecycleError(error, `reading the limits of module ${moduleId}`);
  }
}
