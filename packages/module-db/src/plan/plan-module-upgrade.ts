import type { MigrationStep } from '../definition/migration-step';
import type { ValidatedModuleDefinition, ValidatedTable } from '../definition/validated-definition';
import { ConflictError, type DefinitionIssue, DefinitionValidationError } from '../errors';
import { desiredModuleState } from '../model/desired-module-state';
import {
  diffModuleStates,
  type ModuleChange,
  type ResolvedStep,
} from '../model/diff-module-states';
import type { ModuleState } from '../model/module-state';
import { compileExpression } from '../sql/sql-expression';
import { SqlInputError } from '../sql/sql-parser';
import type { ModulePlan } from './module-plan';
import { declaredColumnOrder, declaredTables, planModuleDatabase } from './plan-module-database';
import type { PlanOptions } from './plan-options';
import type { PlannedStatement } from './planned-statement';
import { compareSemver } from './semver';

export type { ChangeClass, ModuleChange } from '../model/diff-module-states';

/**
 * The plan of an upgrade: classified changes and the statements that apply them.
 *
 * @example
 * const upgrade = planModuleUpgrade(v1, v2);
 * upgrade.changes.map((c) => `[${c.class}] ${c.description}`);
 */
export interface ModuleUpgradePlan {
  readonly moduleId: string;
  readonly shortId: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly strategy: ModulePlan['strategy'];
  readonly schema: string;
  readonly role: string;
  readonly adminRole: string | null;
  readonly ownerRole: string | null;
  /** Every difference, in the order the statements apply them; unchanged objects never appear. */
  readonly changes: readonly ModuleChange[];
  /** Destructive changes the new definition does not declare: the upgrade cannot run while any remain. */
  readonly refused: readonly ModuleChange[];
  readonly statements: readonly PlannedStatement[];
  /** Every table after the upgrade, `schema.table`, in declared order. */
  readonly tables: readonly string[];
  /** Tables the upgrade creates (checked empty after it runs). */
  readonly newTables: readonly string[];
  /**
   * Indexes left out of the upgrade's transaction (option `concurrentIndexes`), built afterwards
   * with `CREATE INDEX CONCURRENTLY` by statements the database writes from `desired`. `table` is
   * the physical table name. Empty without the option.
   */
  readonly concurrentIndexes: readonly ConcurrentIndex[];
  /** The state after the upgrade, as a fresh install of the new version would create it. */
  readonly desired: ModuleState;
}

/** An index an upgrade builds concurrently, after its transaction. */
export interface ConcurrentIndex {
  /** The physical table name (`items` or `mod_<id>_items`). */
  readonly table: string;
  readonly name: string;
}

/**
 * Plans the upgrade of an installed module to a newer version: the diff between the desired
 * states of the two definitions, plus the steps the new definition declares in `migrations`.
 * Every change is classified (`additive` applies automatically; `declared` applies because a step
 * declares it; `destructive` is refused) and labelled with the lock it takes. An object that did
 * not change never appears; one whose derived name follows a rename is renamed, not rebuilt. Pure:
 * nothing touches a database. The result matches a fresh install of the new version exactly.
 *
 * @example
 * const upgrade = planModuleUpgrade(installedV1, v2);
 * upgrade.refused; // [] when every destructive change is declared
 * console.log(renderUpgradePlan(upgrade));
 * @throws ConflictError when the new version is not newer or the module id or strategy differs;
 * DefinitionValidationError when a declared step names something that does not exist or its
 * expression is refused.
 */
export function planModuleUpgrade(
  installed: ValidatedModuleDefinition,
  next: ValidatedModuleDefinition,
  options: PlanOptions = {},
): ModuleUpgradePlan {
  if (installed.moduleId !== next.moduleId) {
    throw new ConflictError(
      `cannot upgrade module ${installed.moduleId} with a definition of ${next.moduleId}`,
    );
  }
  const order = compareSemver(next.version, installed.version);
  if (order <= 0) {
    throw new ConflictError(
      order === 0
        ? `module ${next.moduleId} is installed at version ${installed.version}: a changed definition needs a new version`
        : `module ${next.moduleId} is installed at version ${installed.version}: ${next.version} would be a downgrade`,
    );
  }
  if (installed.strategy !== next.strategy) {
    throw new ConflictError(
      `the isolation strategy cannot change (${installed.strategy} -> ${next.strategy})`,
    );
  }
  const from = desiredModuleState(installed);
  const to = desiredModuleState(next);
  const steps = resolveSteps(installed, next);
  const changes = diffModuleStates(from, to, {
    steps,
    columnOrder: declaredColumnOrder(next),
  });
  const newPlan = planModuleDatabase(next);
  const oldTables = new Set(from.tables.map((t) => t.key));
  const renamedTo = new Set(steps.flatMap((s) => (s.kind === 'renameTable' ? [s.to] : [])));
  const added = to.tables
    .filter((t) => !oldTables.has(t.key) && !renamedTo.has(t.key))
    .map((t) => `${t.schema}.${t.name}`);
  // Online index builds: a new plain index of a table that existed before leaves the transaction.
  const oldPhysical = new Set(from.tables.map((t) => t.key));
  const renamed = new Set(steps.flatMap((s) => (s.kind === 'renameTable' ? [s.to, s.from] : [])));
  const concurrent: ConcurrentIndex[] = [];
  const deferred = new Set<PlannedStatement>();
  if (options.concurrentIndexes) {
    for (const change of changes) {
      if (change.kind !== 'add_index' || !change.object) continue;
      // A table that keeps its name (a renamed one has its new name only inside the transaction).
      if (!oldPhysical.has(change.table) || renamed.has(change.table)) continue;
      const table = to.tables.find((t) => t.key === change.table);
      const index = table?.indexes.find((i) => i.name === change.object);
      if (!table || !index) continue;
      if (
        index.method !== 'btree' ||
        index.unique ||
        index.hasPredicate ||
        index.constraint !== null
      )
        continue;
      for (const statement of change.statements) {
        if (statement.kind === 'create_index') deferred.add(statement);
      }
      concurrent.push(Object.freeze({ table: table.name, name: index.name }));
    }
  }
  const publicChanges: ModuleChange[] = changes.map(({ phase: _p, statements: _s, ...c }) =>
    Object.freeze(
      c.kind === 'add_index' && concurrent.some((x) => x.name === c.object)
        ? {
            ...c,
            description: `${c.description} (built concurrently after the upgrade commits)`,
            lock: 'none while it is built (CREATE INDEX CONCURRENTLY)',
          }
        : c,
    ),
  );
  return Object.freeze({
    moduleId: next.moduleId,
    shortId: next.shortId,
    fromVersion: installed.version,
    toVersion: next.version,
    strategy: next.strategy,
    schema: to.schema,
    role: newPlan.role,
    adminRole: newPlan.adminRole,
    ownerRole: newPlan.ownerRole,
    changes: Object.freeze(publicChanges),
    refused: Object.freeze(publicChanges.filter((c) => c.class === 'destructive')),
    statements: Object.freeze(
      changes.flatMap((c) => c.statements).filter((statement) => !deferred.has(statement)),
    ),
    tables: Object.freeze(declaredTables(next)),
    newTables: Object.freeze(added),
    concurrentIndexes: Object.freeze(concurrent),
    desired: to,
  });
}

/** Checks the declared steps against both definitions and compiles their expressions. */
function resolveSteps(
  installed: ValidatedModuleDefinition,
  next: ValidatedModuleDefinition,
): ResolvedStep[] {
  const steps = ((next.source as { migrations?: MigrationStep[] }).migrations ??
    []) as readonly MigrationStep[];
  const issues: DefinitionIssue[] = [];
  const oldTables = new Map(installed.tables.map((t) => [t.name, t]));
  const newTables = new Map(next.tables.map((t) => [t.name, t]));
  const tableRenames = new Map<string, string>(); // new -> old
  const out: ResolvedStep[] = [];
  const expression = (text: string, table: ValidatedTable, path: string) => {
    try {
      return compileExpression(text, {
        context: 'check',
        columns: new Set(table.columns.map((c) => c.name)),
      });
    } catch (error) {
      issues.push({
        path,
        code: error instanceof SqlInputError ? error.code : 'invalid_expression',
        message: (error as Error).message,
      });
      return undefined;
    }
  };
  steps.forEach((step, i) => {
    if (step.kind !== 'renameTable') return;
    if (
      !oldTables.has(step.from) ||
      !newTables.has(step.to) ||
      oldTables.has(step.to) ||
      newTables.has(step.from)
    ) {
      issues.push({
        path: `migrations[${i}]`,
        code: 'invalid_migration_step',
        message: `renameTable ${step.from} -> ${step.to}: "${step.from}" must exist only in the installed version and "${step.to}" only in the new one`,
      });
      return;
    }
    tableRenames.set(step.to, step.from);
    out.push(step);
  });
  const oldNameOf = (table: string) => tableRenames.get(table) ?? table;
  const columnRenames = new Map<string, Map<string, string>>(); // table -> (new -> old)
  steps.forEach((step, i) => {
    const path = `migrations[${i}]`;
    switch (step.kind) {
      case 'renameTable':
        return;
      case 'renameColumn': {
        const oldTable = oldTables.get(oldNameOf(step.table));
        const newTable = newTables.get(step.table);
        const ok =
          oldTable?.columns.some((c) => c.name === step.from) &&
          newTable?.columns.some((c) => c.name === step.to) &&
          !oldTable.columns.some((c) => c.name === step.to) &&
          !newTable.columns.some((c) => c.name === step.from);
        if (!ok) {
          issues.push({
            path,
            code: 'invalid_migration_step',
            message: `renameColumn ${step.table}.${step.from} -> ${step.to}: the column must exist under the old name before and the new name after`,
          });
          return;
        }
        const map = columnRenames.get(step.table) ?? new Map<string, string>();
        map.set(step.to, step.from);
        columnRenames.set(step.table, map);
        out.push(step);
        return;
      }
      case 'backfill': {
        const table = newTables.get(step.table);
        if (!table?.columns.some((c) => c.name === step.column)) {
          issues.push({
            path,
            code: 'invalid_migration_step',
            message: `backfill ${step.table}.${step.column}: no such column in the new version`,
          });
          return;
        }
        const value = expression(step.value, table, `${path}.value`);
        if (value) out.push({ ...step, value });
        return;
      }
      case 'alterType': {
        const table = newTables.get(step.table);
        const old = oldTables.get(oldNameOf(step.table));
        if (!table || !old) {
          issues.push({
            path,
            code: 'invalid_migration_step',
            message: `alterType ${step.table}.${step.column}: no such table in both versions`,
          });
          return;
        }
        const renames = columnRenames.get(step.table);
        const oldColumns = old.columns.map((c) => {
          const renamed = [...(renames ?? [])].find(([, from]) => from === c.name)?.[0];
          return { ...c, name: renamed ?? c.name };
        });
        const using = step.using
          ? expression(step.using, { ...table, columns: oldColumns }, `${path}.using`)
          : undefined;
        if (step.using && !using) return;
        out.push({
          kind: 'alterType',
          table: step.table,
          column: step.column,
          ...(using ? { using } : {}),
        });
        return;
      }
      case 'dropCollection':
      case 'dropField':
      case 'alterField': {
        const before = installed.collections.find((c) => c.name === step.collection);
        const after = next.collections.find((c) => c.name === step.collection);
        const field = 'field' in step ? step.field : undefined;
        const inBefore = field === undefined || before?.fields.some((f) => f.name === field);
        const inAfter =
          field === undefined ? after !== undefined : after?.fields.some((f) => f.name === field);
        const ok =
          step.kind === 'dropCollection'
            ? before !== undefined && after === undefined
            : step.kind === 'dropField'
              ? before !== undefined && inBefore && !inAfter
              : before !== undefined && inBefore && inAfter;
        if (!ok) {
          issues.push({
            path,
            code: 'invalid_migration_step',
            message:
              step.kind === 'dropCollection'
                ? `dropCollection ${step.collection}: the collection must exist in the installed version only`
                : step.kind === 'dropField'
                  ? `dropField ${step.collection}.${field}: the field must exist in the installed version only`
                  : `alterField ${step.collection}.${field}: the field must exist in both versions`,
          });
          return;
        }
        out.push(step);
        return;
      }
      default:
        out.push(step);
    }
  });
  if (issues.length > 0) throw new DefinitionValidationError(issues);
  return out;
}

/**
 * Renders an upgrade plan for review: each change with its class and the lock it takes, then the
 * SQL.
 *
 * @example
 * console.log(renderUpgradePlan(planModuleUpgrade(v1, v2)));
 */
export function renderUpgradePlan(plan: ModuleUpgradePlan): string {
  const lines = [
    `-- Upgrade of module ${plan.moduleId} from ${plan.fromVersion} to ${plan.toVersion}`,
    ...plan.changes.map(
      (c) => `--   [${c.class}] ${c.description}${c.lock ? ` (locks: ${c.lock})` : ''}`,
    ),
  ];
  if (plan.refused.length > 0)
    lines.push(
      `-- REFUSED: ${plan.refused.length} undeclared destructive change(s); nothing will run`,
    );
  lines.push('begin;');
  plan.statements.forEach((s, i) => {
    lines.push('', `-- ${i + 1}. ${s.description}`, `${s.sql};`);
  });
  lines.push('', 'commit;');
  for (const index of plan.concurrentIndexes) {
    lines.push(
      '',
      `-- then, outside the transaction, as ${plan.ownerRole ?? 'the owner role'} (statement written by the database):`,
      `-- create index concurrently ${index.name} on ${plan.schema}.${index.table} (...);`,
    );
  }
  return `${lines.join('\n')}\n`;
}
