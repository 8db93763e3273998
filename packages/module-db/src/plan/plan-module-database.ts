import {
  getModuleAdminRoleName,
  getModuleOwnerRoleName,
  getModuleRoleName,
  getModuleTableName,
} from '@dramac/module-naming';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';
import { desiredModuleState } from '../model/desired-module-state';
import { diffModuleStates } from '../model/diff-module-states';
import type { ModuleState, TableState } from '../model/module-state';
import type { ModulePlan } from './module-plan';
import type { PlanOptions } from './plan-options';

export { SITE_POLICY_NAME } from '../model/desired-module-state';

/**
 * Plans a module's database: a pure function from a validated definition to its desired state
 * and the ordered, immutable statements that create it (the diff from nothing). Nothing is
 * executed; print it with {@link renderPlan} for a dry run, or hand it to `applyModulePlan`.
 *
 * What the statements create (schema and prefix strategies), for each table: its columns with
 * `site_id uuid not null references public.sites(id) on delete cascade`; a primary key
 * `(site_id, <declared key>)`, so every key is unique per site and same-module foreign keys, which
 * include `site_id`, can never point at another site's row; per-site unique constraints and
 * checks; `ENABLE` and `FORCE` row-level security; the mandatory site policy, the owner and admin
 * policies and the module's own policies `AS RESTRICTIVE`; `SELECT, INSERT, UPDATE, DELETE` for
 * the module role and the admin role only; the shared `updated_at` trigger; the declared indexes
 * (btree indexes lead with `site_id`) and an index for every foreign key; then the foreign keys.
 * The module's roles, its schema and their memberships are not statements: the platform creates
 * them itself when it applies the plan. The `shared` strategy (widgets) has no statements.
 *
 * @example
 * const definition = await validateModuleDefinition(crm);
 * const plan = planModuleDatabase(definition);
 * console.log(renderPlan(plan));
 * @throws DefinitionValidationError when two derived names collide (`derived_name_collision`).
 */
export function planModuleDatabase(
  definition: ValidatedModuleDefinition,
  _options: PlanOptions = {},
): ModulePlan {
  const desired = desiredModuleState(definition);
  const changes = diffModuleStates(null, desired, {
    columnOrder: declaredColumnOrder(definition),
  });
  return freezePlan(
    definition,
    desired,
    changes.flatMap((c) => c.statements),
  );
}

/** The declared column order of each table (the state keeps columns sorted by name). */
export function declaredColumnOrder(
  definition: ValidatedModuleDefinition,
): (table: TableState) => readonly string[] {
  const orders = new Map(definition.tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
  return (table) => orders.get(table.key) ?? table.columns.map((c) => c.name);
}

/** Physical tables of a definition in declared order, `schema.table`. */
export function declaredTables(definition: ValidatedModuleDefinition): string[] {
  if (definition.strategy === 'shared') return [];
  return definition.tables.map(
    (t) =>
      getModuleTableName(
        definition.shortId,
        t.name,
        definition.strategy === 'schema' ? 'schema' : 'prefix',
      ).qualified,
  );
}

function freezePlan(
  definition: ValidatedModuleDefinition,
  desired: ModuleState,
  statements: ModulePlan['statements'],
): ModulePlan {
  const hasTables = definition.strategy !== 'shared';
  return Object.freeze({
    moduleId: definition.moduleId,
    shortId: definition.shortId,
    version: definition.version,
    strategy: definition.strategy,
    schema: desired.schema,
    role: getModuleRoleName(definition.shortId),
    adminRole: hasTables ? getModuleAdminRoleName(definition.shortId) : null,
    ownerRole: hasTables ? getModuleOwnerRoleName(definition.shortId) : null,
    tables: Object.freeze(declaredTables(definition)),
    statements: Object.freeze([...statements]),
    desired,
  });
}
