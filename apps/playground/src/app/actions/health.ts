'use server';

import { planModuleRepair, repairModuleDatabase } from '@dramac/module-db';
import { type ActionResult, attempt } from '../../lib/action-result';
import { getDb } from '../../lib/database';
import { catalogModule } from '../../lib/module-catalog';
import { type PlanSummary, summarizePlan } from '../../lib/plan-summary';
import { runBreakage } from '../../lib/sabotage';

/** Breaks (or restores) one thing behind the registry's back, for the Health screen's demo. */
export async function breakageAction(
  moduleKey: string,
  id: string,
  undo: boolean,
): Promise<ActionResult<string>> {
  return attempt(async () => `Ran: ${await runBreakage(moduleKey, id, undo)}`);
}

/** A repair as it is reviewed before it runs. */
export interface RepairView {
  readonly title: string;
  readonly summary: PlanSummary;
  readonly changes: readonly { class: string; description: string; lock?: string }[];
  /** What only the platform can fix: the repair is refused while any remain. */
  readonly unrepairable: readonly { kind: string; message: string }[];
}

/** The repair plan of a drifted module (`planModuleRepair`): read-only. */
export async function planRepairAction(moduleKey: string): Promise<ActionResult<RepairView>> {
  return attempt(async () => {
    const module = catalogModule(moduleKey);
    const plan = await planModuleRepair(getDb(), module.definition.moduleId);
    return {
      title: `Repair ${module.title} ${plan.version}: ${plan.differences.length} ${plan.differences.length === 1 ? 'difference' : 'differences'}`,
      summary: summarizePlan(plan.statements, { changes: plan.changes }),
      changes: plan.changes.map((c) => ({
        class: c.class,
        description: c.description,
        ...(c.lock && { lock: c.lock }),
      })),
      unrepairable: plan.unrepairable.map((d) => ({ kind: d.kind, message: d.message })),
    };
  });
}

/**
 * Repairs a drifted module (`repairModuleDatabase`): the repair's statements in one transaction,
 * as the module's owner role, checked against the installed definition before it commits.
 */
export async function applyRepairAction(moduleKey: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(moduleKey);
    const r = await repairModuleDatabase(getDb(), module.definition.moduleId, {
      actor: 'playground',
    });
    return r.status === 'unchanged'
      ? `${module.title} had no drift: nothing to repair.`
      : `${module.title} ${r.version} repaired: ${r.statementsApplied} ${r.statementsApplied === 1 ? 'statement' : 'statements'} applied, the catalog matches the definition again.`;
  });
}
