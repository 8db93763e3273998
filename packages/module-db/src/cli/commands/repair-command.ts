import {
  planModuleRepair,
  renderRepairPlan,
  repairModuleDatabase,
} from '../../drift/repair-module-database';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  GLOBAL_OPTIONS_HELP,
  LOCK_TIMEOUT_OPTION_HELP,
  lockTimeoutOption,
  oneModuleId,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** `dramac-modules repair`: plan, then (with --yes) apply, the repair of a drifted module. */
export const repairCommand: CliCommand = {
  name: 'repair',
  summary: 'bring a drifted module back to its definition (plan first, --yes to apply)',
  help: `Usage: dramac-modules repair <module-id | definition-file> [--yes] [options]

Compares the live catalog with the module's registered definition (the same comparison as
"check") and prints the statements that bring it back: missing indexes, constraints, policies,
grants and tables are created again, changed ones dropped and created again, extra ones dropped,
row-level security enabled and forced. Nothing runs without --yes. With --yes the repair runs in
one transaction through the platform, with the module's owner role and the same end-state check
as provisioning: it commits only if the module then matches its definition exactly.

Differences only the platform can repair (a module role's membership or attribute, an object a
module role owns outside the module) are listed; the repair is refused while they remain.

Options:
  --yes                 apply the repair (without it, only the plan is printed)
  --allow-data-loss     also run what loses data: dropping columns or tables the definition does
                        not have, converting a column's type, SET NOT NULL
${ACTOR_OPTION_HELP}
${LOCK_TIMEOUT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 nothing to repair, or repaired, or the plan printed; 3 the plan was printed but
differences only the platform can repair remain; 5 database error or platform not migrated; 6 the
repair failed (nothing changed); 7 the module is not installed.`,
  options: {
    yes: { type: 'boolean' },
    'allow-data-loss': { type: 'boolean' },
    actor: { type: 'string' },
    'lock-timeout': { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const id = await oneModuleId(context, 'repair');
    const actor = actorOption(context);
    const lockTimeoutMs = lockTimeoutOption(context);
    return withDatabase(
      context,
      async (db) => {
        context.out.progress(1, context.options.yes ? 2 : 1, `comparing ${id} with its definition`);
        const plan = await planModuleRepair(db, id);
        if (plan.differences.length === 0) {
          context.out.line(`ok     ${plan.shortId} ${plan.version}: nothing to repair`);
          return { json: { moduleId: plan.moduleId, status: 'unchanged', plan } };
        }
        context.out.line(renderRepairPlan(plan));
        if (plan.unrepairable.length > 0) {
          return {
            json: { moduleId: plan.moduleId, status: 'planned', plan },
            error: new CliError(
              'DRIFT_FOUND',
              EXIT_CODES.CHECK_FAILED,
              `${plan.unrepairable.length} difference(s) only the platform can repair: ${plan.unrepairable.map((d) => d.message).join('; ')}`,
              { details: { unrepairable: plan.unrepairable } },
            ),
          };
        }
        if (!context.options.yes) {
          context.out.line(
            `${plan.statements.length} statement(s) planned: add --yes to apply them`,
          );
          return { json: { moduleId: plan.moduleId, status: 'planned', plan } };
        }
        context.out.progress(
          2,
          2,
          `repairing ${plan.shortId} (${plan.statements.length} statements)`,
        );
        const result = await repairModuleDatabase(db, id, {
          actor,
          allowDataLoss: Boolean(context.options['allow-data-loss']),
          ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
        });
        context.out.line(
          `${result.status} ${plan.shortId} ${result.version}: ${result.statementsApplied} statement(s)`,
        );
        return { json: { moduleId: plan.moduleId, status: result.status, plan, result } };
      },
      { platform: 'current' },
    );
  },
};
