import { type Kysely, sql } from 'kysely';
import type { IsolationStrategy } from '../definition/validated-definition';
import { DefinitionValidationError } from '../errors';
import { toLifecycleError } from './lifecycle-error';
import { parseModuleId } from './parse-lifecycle-ids';

/** Options of {@link deprovisionModuleDatabase}. */
export interface DeprovisionOptions {
  /**
   * `drop` (default): remove everything now. `retain`: revoke every access now and drop once
   * `retainFor` has passed (see `dropDueModules`).
   */
  readonly mode?: 'drop' | 'retain';
  /** A PostgreSQL interval, e.g. `'7 days'` (the default) or `'0 seconds'`. Retain mode only. */
  readonly retainFor?: string;
  /** Who asks: kept in the event log. */
  readonly actor?: string;
  /** How long a DROP may wait for a table lock, in ms (PostgreSQL `lock_timeout`). Default 5000. */
  readonly lockTimeoutMs?: number;
  /** How long to wait for another provisioning of the same module, in ms. Default 60000. */
  readonly lockWaitMs?: number;
}

/** The module was removed: what was dropped and deleted. */
export interface DroppedModule {
  readonly status: 'dropped';
  readonly moduleId: string;
  readonly shortId: string;
  readonly strategy: IsolationStrategy;
  /** The module schema (schema strategy), dropped with CASCADE. */
  readonly schema: string | null;
  readonly schemaDropped: boolean;
  /** Physical tables the registry listed that existed (and were dropped). */
  readonly tables: readonly string[];
  /** Physical tables the registry listed that were already gone. */
  readonly missingTables: readonly string[];
  readonly role: string;
  readonly roleDropped: boolean;
  /** The module admin role `modadmin_<id>` (table modules; null for a widget). */
  readonly adminRole: string | null;
  readonly adminRoleDropped: boolean;
  /** Rows of the module deleted from `public.module_data`. */
  readonly moduleDataRows: number;
  /** Site installations removed. */
  readonly installations: number;
}

/** The module was deprecated: access revoked, drop scheduled. */
export interface DeprecatedModule {
  readonly status: 'deprecated';
  readonly moduleId: string;
  readonly shortId: string;
  /** ISO timestamp after which `dropDueModules` drops it. */
  readonly dropAfter: string;
  readonly tables: readonly string[];
  /** Site installations suspended (status `uninstalling`). */
  readonly installations: number;
}

/** What {@link deprovisionModuleDatabase} did. */
export type DeprovisionResult = DroppedModule | DeprecatedModule;

/** Normalises the JSON the SQL function returns (timestamps to ISO strings). */
export function toDeprovisionResult(raw: Record<string, any>): DeprovisionResult {
  if (raw.status === 'deprecated') {
    return Object.freeze({
      status: 'deprecated',
      moduleId: raw.moduleId,
      shortId: raw.shortId,
      dropAfter: new Date(raw.dropAfter).toISOString(),
      tables: Object.freeze([...raw.tables]),
      installations: Number(raw.installations),
    });
  }
  return Object.freeze({
    status: 'dropped',
    moduleId: raw.moduleId,
    shortId: raw.shortId,
    strategy: raw.strategy,
    schema: raw.schema ?? null,
    schemaDropped: raw.schemaDropped === true,
    tables: Object.freeze([...raw.tables]),
    missingTables: Object.freeze([...raw.missingTables]),
    role: raw.role,
    roleDropped: raw.roleDropped === true,
    adminRole: raw.adminRole ?? null,
    adminRoleDropped: raw.adminRoleDropped === true,
    moduleDataRows: Number(raw.moduleDataRows),
    installations: Number(raw.installations),
  });
}

/**
 * Uninstalls a module everywhere through `public.dramac_deprovision_module`, atomically and under
 * the module's advisory lock. It drops only what the registry lists: the module schema (CASCADE)
 * or each prefixed table; then revokes the module role's grants on platform objects, deletes the
 * module's `module_data` rows, site installations, version history and registry row, drops the
 * module role and the module admin role (`modadmin_<id>`) and logs `deprovisioned`. Before it drops
 * anything, it refuses when an object outside the module depends on one of its tables (a view, a
 * foreign key from elsewhere), which a CASCADE would take along; the roles go last, so a role that
 * still owns or holds anything fails the drop.
 *
 * `mode: 'retain'` revokes every access of both roles at once (table and schema grants, `module_data`,
 * installations suspended so the site policy refuses too), marks the registry row `deprecated`
 * with `drop_after = now() + retainFor`, logs `deprecated`, and keeps the data until
 * {@link dropDueModules} runs after that time.
 *
 * @example
 * await deprovisionModuleDatabase(db, crm.moduleId, { actor: 'admin' }); // { status: 'dropped', ... }
 * await deprovisionModuleDatabase(db, shop.moduleId, { mode: 'retain', retainFor: '30 days' });
 * @throws NotFoundError when the module is not provisioned; DefinitionValidationError for a bad
 * id, mode or interval; ProvisioningError (with `sqlstate`: `2BP01` when the module's roles
 * still own or hold something outside it, `DM004` when an object outside the module depends on it,
 * `55P03` on a lock timeout). Nothing is changed then.
 */
export async function deprovisionModuleDatabase(
  db: Kysely<any>,
  moduleId: string,
  options: DeprovisionOptions = {},
): Promise<DeprovisionResult> {
  const id = parseModuleId(moduleId);
  const mode = options.mode ?? 'drop';
  if (mode !== 'drop' && mode !== 'retain') {
    throw new DefinitionValidationError([
      { path: 'mode', code: 'invalid_mode', message: `mode must be 'drop' or 'retain'` },
    ]);
  }
  const retainFor = mode === 'retain' ? (options.retainFor ?? '7 days') : null;
  if (retainFor !== null && (typeof retainFor !== 'string' || retainFor.trim() === '')) {
    throw new DefinitionValidationError([
      { path: 'retainFor', code: 'invalid_interval', message: 'retainFor must be an interval' },
    ]);
  }
  try {
    const { rows } = await sql<{ result: Record<string, any> }>`
      select public.dramac_deprovision_module(
        ${id.moduleId}::uuid, ${options.actor ?? null}, ${mode}, ${retainFor}::interval,
        ${options.lockTimeoutMs ?? 5000}, ${options.lockWaitMs ?? 60000}
      ) as result`.execute(db);
    const result = rows[0]?.result;
    if (!result) throw new Error('dramac_deprovision_module returned nothing');
    return toDeprovisionResult(result);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    // 22007/22008/22015: PostgreSQL could not read the interval; DM001: refused a negative one.
    const badInterval =
      code === '22007' ||
      code === '22008' ||
      code === '22015' ||
      (code === 'DM001' && /retention interval/.test(message ?? ''));
    if (badInterval) {
      throw new DefinitionValidationError(
        [{ path: 'retainFor', code: 'invalid_interval', message: message ?? String(error) }],
        { cause: error },
      );
    }
    throw toLifecycleError(error, `deprovisioning module ${id.moduleId} failed`);
  }
}
