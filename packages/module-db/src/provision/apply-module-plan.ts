import { type Kysely, sql } from 'kysely';
import type { ModuleType, ValidatedModuleDefinition } from '../definition/validated-definition';
import type { ModulePlan } from '../plan/module-plan';
import { definitionChecksum } from './definition-checksum';
import { toModuleDbError } from './postgres-error';

/** Options of {@link applyModulePlan} and `provisionModuleDatabase`. */
export interface ApplyOptions {
  /** Who asks (a user id, a service name): kept in the registry and the event log. */
  readonly actor?: string;
  /** How long a DDL statement may wait for a table lock, in ms (PostgreSQL `lock_timeout`). Default 5000. */
  readonly lockTimeoutMs?: number;
  /** How long to wait for another provisioning of the same module to finish, in ms. Default 60000. */
  readonly lockWaitMs?: number;
}

/** What applying a plan did. */
export interface ApplyResult {
  /** `created` when the plan ran, `unchanged` when this exact definition was already installed. */
  readonly status: 'created' | 'unchanged';
  readonly statementsApplied: number;
  readonly version: string;
}

/**
 * Applies a plan through `public.dramac_apply_module_plan`, in one transaction: every statement,
 * the registry row, the version history and the event, or nothing. Safe to call concurrently for
 * the same module: later callers wait for the first and report `unchanged`.
 *
 * @example
 * const definition = await validateModuleDefinition(crm);
 * await applyModulePlan(db, planModuleDatabase(definition), definition);
 * @throws ConflictError (`CONFLICT`) on a short-id collision or when another definition of the
 * module is installed; ProvisioningError (`PROVISIONING_FAILED`, with `sqlstate`, `statement` and
 * `statementIndex`) when a statement fails. Nothing is left behind either way.
 */
export async function applyModulePlan(
  db: Kysely<any>,
  plan: ModulePlan,
  definition: ValidatedModuleDefinition,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const moduleType: ModuleType = definition.moduleType;
  try {
    const { rows } = await sql<{ result: ApplyResult }>`
      select public.dramac_apply_module_plan(
        ${JSON.stringify(plan)}::jsonb, ${JSON.stringify(definition.source)}::jsonb,
        ${definitionChecksum(definition)}, ${moduleType}, ${options.actor ?? null},
        ${options.lockTimeoutMs ?? 5000}, ${options.lockWaitMs ?? 60000}
      ) as result`.execute(db);
    const result = rows[0]?.result;
    if (!result) throw new Error('dramac_apply_module_plan returned nothing');
    return result;
  } catch (error) {
    throw toModuleDbError(error, `provisioning module ${plan.moduleId} failed`);
  }
}
