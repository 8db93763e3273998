import { type Kysely, sql } from 'kysely';
import { UpgradeRefusedError } from '../errors';
import type { ModuleChange } from '../model/diff-module-states';
import type { ModuleState } from '../model/module-state';
import type { PlannedStatement } from '../plan/planned-statement';
import type { ApplyOptions } from '../provision/apply-module-plan';
import { toModuleDbError } from '../provision/postgres-error';
import { compareWithCatalog } from './check-module-database';
import type { DriftDifference } from './drift-difference';

/**
 * What a repair would do: the drift it fixes, the statements that fix it (the module's DDL that
 * brings the catalog back to the installed definition), and the differences module DDL cannot fix
 * (a module role's membership or attribute, an object outside the module), which the platform's
 * end-state check will refuse until someone with the right to fixes them by hand.
 *
 * @example
 * const repair = await planModuleRepair(db, crm.moduleId);
 * console.log(renderRepairPlan(repair));
 */
export interface ModuleRepairPlan {
  readonly moduleId: string;
  readonly shortId: string;
  readonly version: string;
  /** The checksum of the installed definition the repair was planned for. */
  readonly checksum: string;
  readonly strategy: ModuleState['strategy'];
  /** Every difference found (the same report as `checkModuleDatabase`). */
  readonly differences: readonly DriftDifference[];
  /** The changes the statements make, each with the lock it takes. */
  readonly changes: readonly ModuleChange[];
  /** Changes that lose data (class `destructive`): run only with `allowDataLoss`. */
  readonly destructive: readonly ModuleChange[];
  readonly statements: readonly PlannedStatement[];
  /** Differences no statement of the module can repair. */
  readonly unrepairable: readonly DriftDifference[];
  /** The state the repair leads to: the installed definition's. */
  readonly desired: ModuleState;
}

/** Options of {@link repairModuleDatabase}. */
export interface RepairOptions extends ApplyOptions {
  /**
   * Also run the statements that lose data: dropping a column or table the definition does not
   * have, converting a column to the definition's type, `SET NOT NULL`. Default false: the repair
   * is refused while any is needed, naming them.
   */
  readonly allowDataLoss?: boolean;
}

/** What {@link repairModuleDatabase} did. */
export interface ModuleRepairResult {
  /** `unchanged` when there was no drift. */
  readonly status: 'repaired' | 'unchanged';
  readonly statementsApplied: number;
  readonly version: string;
}

const PLATFORM_ONLY = new Set<DriftDifference['kind']>([
  'missing_role',
  'role_attributes',
  'unexpected_membership',
  'outside_object',
  'outside_dependency',
  'outside_dependent',
  'schema_owner',
  'table_owner',
  'table_kind',
]);

/**
 * Plans the repair of a drifted module: the statements of the one diff between the catalog and
 * the installed definition (`checkModuleDatabase`'s comparison), nothing else. Read-only.
 *
 * @example
 * const repair = await planModuleRepair(db, crm.moduleId);
 * repair.statements.map((s) => s.sql); // ['create index ...', 'alter table ... force row level security']
 * @throws NotFoundError when the module is not provisioned; DefinitionValidationError for a bad id;
 * ProvisioningError when the catalog cannot be read.
 */
export async function planModuleRepair(
  db: Kysely<any>,
  moduleId: string,
): Promise<ModuleRepairPlan> {
  const { entry, desired, changes, differences } = await compareWithCatalog(db, moduleId);
  const statements = changes.flatMap((c) => c.statements);
  // Row-security flags are not part of the diff's structure: repaired with their own statements.
  const flags = differences
    .filter((d) => d.kind === 'rls_not_enabled' || d.kind === 'rls_not_forced')
    .flatMap((d) =>
      (d.repair ?? []).map((text) =>
        Object.freeze({
          kind: 'enable_rls' as const,
          target: d.table ?? '',
          description: d.message,
          sql: text,
          parameters: Object.freeze([]),
        }),
      ),
    );
  return Object.freeze({
    moduleId: entry.moduleId,
    shortId: entry.shortId,
    version: entry.version,
    checksum: entry.checksum,
    strategy: entry.strategy,
    differences: Object.freeze(differences),
    changes: Object.freeze(
      changes
        .filter((c) => c.statements.length > 0)
        .map(({ phase: _p, statements: _s, ...c }) => Object.freeze(c)),
    ),
    destructive: Object.freeze(
      changes
        .filter((c) => c.class === 'destructive')
        .map(({ phase: _p, statements: _s, ...c }) => Object.freeze(c)),
    ),
    statements: Object.freeze([...flags, ...statements]),
    unrepairable: Object.freeze(differences.filter((d) => PLATFORM_ONLY.has(d.kind))),
    desired,
  });
}

/**
 * Repairs a drifted module: plans the repair ({@link planModuleRepair}) and applies it through
 * `public.dramac_apply_module_repair`, in one transaction, with the same least privilege and the
 * same end-state check as provisioning: the statements run as the module's owner role, and the
 * catalog must match the installed definition before the repair commits. Re-running it on a
 * module without drift changes nothing. A missing, disabled or altered quota counting trigger
 * (`quota_trigger`) is put back by the platform, which then counts the module's rows again.
 *
 * @example
 * const result = await repairModuleDatabase(db, crm.moduleId, { actor: 'ops' });
 * result.status; // 'repaired'
 * @throws UpgradeRefusedError (`UPGRADE_REFUSED`) when the repair would lose data and
 * `allowDataLoss` is not set; ProvisioningError (`DM004`, naming what is still wrong) when
 * something only the platform can repair remains, or a statement fails; nothing is left half-done.
 */
export async function repairModuleDatabase(
  db: Kysely<any>,
  moduleId: string,
  options: RepairOptions = {},
): Promise<ModuleRepairResult> {
  const repair = await planModuleRepair(db, moduleId);
  if (repair.differences.length === 0) {
    return Object.freeze({ status: 'unchanged', statementsApplied: 0, version: repair.version });
  }
  if (repair.destructive.length > 0 && !options.allowDataLoss) {
    throw new UpgradeRefusedError(repair.moduleId, repair.destructive, {}, 'Repair');
  }
  const plan = {
    moduleId: repair.moduleId,
    shortId: repair.shortId,
    strategy: repair.strategy,
    version: repair.version,
    desired: repair.desired,
    statements: repair.statements,
    changes: repair.changes,
  };
  // Counting triggers are the platform's, not the module's: the platform's recount attaches them
  // again and counts the rows written while one was missing (after the module's own repair).
  const quota = repair.differences.some((d) => d.kind === 'quota_trigger');
  if (quota && repair.differences.every((d) => d.kind === 'quota_trigger')) {
    await recountModule(db, repair.shortId, repair.moduleId);
    return Object.freeze({ status: 'repaired', statementsApplied: 0, version: repair.version });
  }
  try {
    const { rows } = await sql<{ result: ModuleRepairResult }>`
      select public.dramac_apply_module_repair(
        ${JSON.stringify(plan)}::jsonb, ${repair.checksum}, ${options.actor ?? null},
        ${options.lockTimeoutMs ?? 5000}, ${options.lockWaitMs ?? 60000}
      ) as result`.execute(db);
    const result = rows[0]?.result;
    if (!result) throw new Error('dramac_apply_module_repair returned nothing');
    if (quota) await recountModule(db, repair.shortId, repair.moduleId);
    return Object.freeze(result);
  } catch (error) {
    throw toModuleDbError(error, `repairing module ${repair.moduleId} failed`);
  }
}

async function recountModule(db: Kysely<any>, shortId: string, moduleId: string): Promise<void> {
  try {
    await sql`select public.dramac_quota_recount(${shortId})`.execute(db);
  } catch (error) {
    throw toModuleDbError(
      error,
      `re-attaching the quota counting triggers of module ${moduleId} failed`,
    );
  }
}

/**
 * Renders a repair plan for review: each difference, then the SQL.
 *
 * @example
 * console.log(renderRepairPlan(await planModuleRepair(db, crm.moduleId)));
 * @throws never.
 */
export function renderRepairPlan(plan: ModuleRepairPlan): string {
  const lines = [
    `-- Repair of module ${plan.moduleId} (version ${plan.version})`,
    ...plan.differences.map((d) => `--   ${d.kind}: ${d.message}`),
  ];
  if (plan.unrepairable.length > 0) {
    lines.push(
      `-- ${plan.unrepairable.length} difference(s) only the platform can repair: the repair will be refused until they are gone`,
    );
  }
  lines.push('begin;');
  plan.statements.forEach((s, i) => {
    lines.push('', `-- ${i + 1}. ${s.description}`, `${s.sql};`);
  });
  lines.push('', 'commit;');
  return `${lines.join('\n')}\n`;
}
