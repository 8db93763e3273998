import { type Kysely, sql } from 'kysely';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';
import { ProvisioningError, UpgradeRefusedError } from '../errors';
import type { ModuleUpgradePlan } from '../plan/plan-module-upgrade';
import type { ApplyOptions } from './apply-module-plan';
import { buildPendingIndexes } from './build-pending-indexes';
import { definitionChecksum } from './definition-checksum';
import { toModuleDbError } from './postgres-error';

/** Options of {@link applyModuleUpgrade}. */
export interface UpgradeOptions extends ApplyOptions {
  /** How many times to retry when a table lock is not granted within `lockTimeoutMs`. Default 3. */
  readonly lockRetries?: number;
}

/** What an upgrade did. */
export interface UpgradeResult {
  readonly status: 'upgraded' | 'unchanged';
  readonly statementsApplied: number;
  readonly version: string;
  /** How many lock timeouts were retried. */
  readonly retries: number;
  /** Indexes built concurrently after the upgrade committed (plans with `concurrentIndexes`). */
  readonly indexesBuilt: readonly string[];
}

/**
 * Applies an upgrade plan through `public.dramac_apply_module_upgrade`, in one transaction, with
 * `lock_timeout` and a bounded retry when a lock is not granted in time (SQLSTATE 55P03), so
 * writers are never queued behind a long wait. The indexes a plan lists in `concurrentIndexes`
 * are then built with `CREATE INDEX CONCURRENTLY` ({@link buildPendingIndexes}): the upgrade is
 * recorded first, each index once the database has proven it.
 *
 * @example
 * await applyModuleUpgrade(db, planModuleUpgrade(installed.definition, next), next, installed.checksum);
 * @throws UpgradeRefusedError when the plan has refused changes (nothing runs); ConflictError when
 * the installed definition changed since planning; ProvisioningError when a statement fails.
 */
export async function applyModuleUpgrade(
  db: Kysely<any>,
  plan: ModuleUpgradePlan,
  next: ValidatedModuleDefinition,
  fromChecksum: string,
  options: UpgradeOptions = {},
): Promise<UpgradeResult> {
  if (plan.refused.length > 0) throw new UpgradeRefusedError(plan.moduleId, plan.refused);
  if (plan.concurrentIndexes.length > 0 && db.isTransaction) {
    throw new ProvisioningError(
      `upgrading module ${plan.moduleId}: indexes built concurrently need the Kysely instance, not a transaction (plan without concurrentIndexes instead)`,
    );
  }
  const retries = options.lockRetries ?? 3;
  let result: Omit<UpgradeResult, 'retries' | 'indexesBuilt'> | undefined;
  let attempt = 0;
  for (; ; attempt++) {
    try {
      const { rows } = await sql<{ result: Omit<UpgradeResult, 'retries' | 'indexesBuilt'> }>`
        select public.dramac_apply_module_upgrade(
          ${JSON.stringify(plan)}::jsonb, ${JSON.stringify(next.source)}::jsonb,
          ${definitionChecksum(next)}, ${fromChecksum}, ${options.actor ?? null},
          ${options.lockTimeoutMs ?? 5000}, ${options.lockWaitMs ?? 60000}
        ) as result`.execute(db);
      result = rows[0]?.result;
      if (!result) throw new Error('dramac_apply_module_upgrade returned nothing');
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '55P03' && attempt < retries) {
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        continue;
      }
      throw toModuleDbError(error, `upgrading module ${plan.moduleId} to ${plan.toVersion} failed`);
    }
  }
  // The upgrade is committed; its indexes are built online (an interruption resumes later).
  const built =
    plan.concurrentIndexes.length > 0
      ? (await buildPendingIndexes(db, plan.moduleId, { actor: options.actor })).built
      : [];
  return { ...result, retries: attempt, indexesBuilt: built };
}
