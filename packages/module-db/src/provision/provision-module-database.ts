import type { Kysely } from 'kysely';
import { validateModuleDefinition } from '../definition/validate-module-definition';
import type { IsolationStrategy } from '../definition/validated-definition';
import { isValidatedDefinition } from '../definition/validated-marker';
import { ProvisioningError } from '../errors';
import { planModuleDatabase } from '../plan/plan-module-database';
import { planModuleUpgrade } from '../plan/plan-module-upgrade';
import type { PlanOptions } from '../plan/plan-options';
import { type ApplyOptions, applyModulePlan } from './apply-module-plan';
import { applyModuleUpgrade, type UpgradeOptions } from './apply-module-upgrade';
import {
  buildPendingIndexes,
  canBuildIndexesOnline,
  pendingIndexBuilds,
} from './build-pending-indexes';
import { definitionChecksum } from './definition-checksum';
import { readInstalledDefinition } from './installed-definition';
import { syncPostgrestSchemas } from './postgrest-exposure';

/** Options of {@link provisionModuleDatabase}. */
export interface ProvisionOptions extends ApplyOptions, UpgradeOptions, PlanOptions {
  /**
   * Also expose the module's schema to PostgREST (schema strategy), in the same transaction:
   * see {@link syncPostgrestSchemas} for what it does and what it costs. Default false.
   */
  readonly exposeToPostgrest?: boolean;
}

/**
 * The seed's `ProvisionResult`, plus what changed. Failures throw typed errors instead of
 * returning `success: false`, so `success` is always true here.
 */
export interface ProvisionResult {
  readonly success: true;
  /**
   * `created`: the plan ran; `upgraded`: a newer version's differences ran; `unchanged`: this exact
   * definition was already installed, no DDL ran.
   */
  readonly status: 'created' | 'upgraded' | 'unchanged';
  readonly moduleId: string;
  readonly shortId: string;
  /** The module schema (`schema` strategy) or `public`. */
  readonly schemaName: string;
  readonly strategy: IsolationStrategy;
  readonly role: string;
  /** Physical tables, `schema.table`. */
  readonly tables: readonly string[];
  readonly version: string;
  readonly statementsApplied: number;
}

/**
 * Provisions a module's database: validates the definition, plans it, and applies the plan in one
 * transaction under a per-module advisory lock with a `lock_timeout`. Re-applying the same
 * definition runs no DDL and reports `unchanged`; a failure leaves nothing behind (no schema,
 * table, role, grant or registry row).
 *
 * An upgrade's new plain indexes of existing tables are built online (`CREATE INDEX
 * CONCURRENTLY`, see {@link buildPendingIndexes}) when `db` is not a transaction and its user may
 * act as the module's owner role (the migration user); otherwise, or with
 * `concurrentIndexes: false`, inside the upgrade's transaction. Index builds an interrupted call
 * left pending are resumed first.
 *
 * @example
 * const result = await provisionModuleDatabase(db, crm, { actor: 'platform' });
 * result.status; // 'created', then 'unchanged' on the next call
 * @throws DefinitionValidationError for a bad definition (nothing runs); ConflictError on a
 * short-id collision or a different installed definition; ProvisioningError when PostgreSQL
 * refuses a statement.
 */
export async function provisionModuleDatabase(
  db: Kysely<any>,
  definition: unknown,
  options: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const validated = isValidatedDefinition(definition)
    ? definition
    : await validateModuleDefinition(definition);
  const installed = await readInstalledDefinition(db, validated.moduleId);
  const online =
    installed !== null &&
    options.concurrentIndexes !== false &&
    (await canBuildIndexesOnline(db, validated.shortId));
  if (installed) {
    // Index builds an interrupted upgrade left: finished first (nothing else starts before).
    const pending = await pendingIndexBuilds(db, validated.moduleId);
    if (pending.length > 0) {
      if (!online) {
        throw new ProvisioningError(
          `module ${validated.moduleId} has index builds pending (${pending.map((p) => p.index).join(', ')}): run buildPendingIndexes as a user that may act as modowner_${validated.shortId}, outside a transaction`,
        );
      }
      await buildPendingIndexes(db, validated.moduleId, { actor: options.actor });
    }
  }
  if (installed && installed.checksum !== definitionChecksum(validated)) {
    // A newer version: plan only the difference (throws on a downgrade or a changed same version).
    const upgrade = planModuleUpgrade(installed.definition, validated, {
      ...options,
      concurrentIndexes: online,
    });
    const result = await applyModuleUpgrade(db, upgrade, validated, installed.checksum, options);
    return Object.freeze({
      success: true,
      status: result.status,
      moduleId: upgrade.moduleId,
      shortId: upgrade.shortId,
      schemaName: upgrade.schema,
      strategy: upgrade.strategy,
      role: upgrade.role,
      tables: upgrade.tables,
      version: result.version,
      statementsApplied: result.statementsApplied,
    });
  }
  const plan = planModuleDatabase(validated, options);
  const result = options.exposeToPostgrest
    ? await db.transaction().execute(async (trx) => {
        const applied = await applyModulePlan(trx, plan, validated, options);
        await syncPostgrestSchemas(trx);
        return applied;
      })
    : await applyModulePlan(db, plan, validated, options);
  return Object.freeze({
    success: true,
    status: result.status,
    moduleId: plan.moduleId,
    shortId: plan.shortId,
    schemaName: plan.schema,
    strategy: plan.strategy,
    role: plan.role,
    tables: plan.tables,
    version: plan.version,
    statementsApplied: result.statementsApplied,
  });
}
