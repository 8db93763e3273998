import type { ModulePlan } from './module-plan';

/**
 * Renders a plan as a readable SQL script for a dry run: a header, then each statement with its
 * description as a comment, in the order `apply` runs them (inside one transaction).
 *
 * @example
 * console.log(renderPlan(planModuleDatabase(definition)));
 */
export function renderPlan(plan: ModulePlan): string {
  const lines = [
    `-- Module ${plan.moduleId} (short id ${plan.shortId}), version ${plan.version}`,
    `-- Strategy: ${plan.strategy}; schema: ${plan.schema}; role: ${plan.role}`,
    ...(plan.ownerRole
      ? [
          `-- The platform creates the roles ${plan.role}, ${plan.adminRole} and ${plan.ownerRole}${plan.strategy === 'schema' ? ` and the schema ${plan.schema}` : ''} itself;`,
          `-- the statements below run as ${plan.ownerRole}, which owns the module's objects and nothing else.`,
        ]
      : [`-- The platform creates the role ${plan.role} itself; a widget runs no DDL.`]),
    `-- ${plan.statements.length} statements, applied in one transaction`,
    'begin;',
  ];
  plan.statements.forEach((s, i) => {
    lines.push('', `-- ${i + 1}. ${s.description}`, `${s.sql};`);
  });
  lines.push('', 'commit;');
  return `${lines.join('\n')}\n`;
}
