import 'server-only';
import {
  planModuleDatabase,
  planModuleUpgrade,
  type ValidatedModuleDefinition,
} from '@dramac/module-db';
import { diffModels, type Renames, type TableDiff } from './definition-diff';
import { diagramOf } from './diagram-from-definition';
import type { DiagramModel } from './diagram-model';
import { type PlanSummary, summarizePlan } from './plan-summary';

/** A plan as the Modules screen shows it before anything runs. */
export interface PlanView {
  readonly kind: 'install' | 'upgrade';
  readonly title: string;
  readonly namespace: string;
  readonly summary: PlanSummary;
  /** The definition being planned (an upgrade: the new version, with what changes marked). */
  readonly diagram: DiagramModel;
  /** An upgrade: before and after, per table. */
  readonly diff?: readonly TableDiff[];
  /** An upgrade: its changes as the planner classifies them, with the lock note it gives. */
  readonly changes?: readonly { class: string; description: string; lock?: string }[];
  /** An upgrade: destructive changes the new version does not declare (it cannot run). */
  readonly refused: readonly { table: string; description: string }[];
}

/** The install plan of a validated definition, summarised, with its diagram. */
export function installPlanView(definition: ValidatedModuleDefinition, title: string): PlanView {
  const plan = planModuleDatabase(definition);
  const diagram = diagramOf(definition);
  return {
    kind: 'install',
    title,
    namespace: diagram.namespace,
    summary: summarizePlan(plan.statements),
    diagram,
    refused: [],
  };
}

function renamesOf(definition: ValidatedModuleDefinition): Renames {
  const steps = ((definition.source as { migrations?: unknown[] }).migrations ?? []) as {
    kind: string;
    table?: string;
    from?: string;
    to?: string;
  }[];
  const tables = steps
    .filter((s) => s.kind === 'renameTable' && s.from && s.to)
    .map((s) => [s.from as string, s.to as string] as const);
  const columns = steps
    .filter((s) => s.kind === 'renameColumn' && s.table && s.from && s.to)
    .map((s) => [s.table as string, s.from as string, s.to as string] as const);
  return { tables, columns };
}

/** The upgrade plan from the installed definition to `next`: summary, diff and marked diagram. */
export function upgradePlanView(
  installed: ValidatedModuleDefinition,
  next: ValidatedModuleDefinition,
  title: string,
): PlanView {
  const plan = planModuleUpgrade(installed, next);
  const before = diagramOf(installed);
  const diff = diffModels(before, diagramOf(next), renamesOf(next));
  return {
    kind: 'upgrade',
    title,
    namespace: before.namespace,
    summary: summarizePlan(plan.statements, {
      changes: plan.changes,
      previous: planModuleDatabase(installed).statements,
    }),
    diagram: diff.merged,
    diff: diff.tables,
    changes: plan.changes.map((c) => ({
      class: c.class,
      description: c.description,
      ...(c.lock && { lock: c.lock }),
    })),
    refused: plan.refused.map((r) => ({ table: r.table, description: r.description })),
  };
}
