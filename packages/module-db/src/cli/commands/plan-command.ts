import type { Kysely } from 'kysely';
import { planModuleDatabase } from '../../plan/plan-module-database';
import { planModuleUpgrade, renderUpgradePlan } from '../../plan/plan-module-upgrade';
import type { PlannedStatement } from '../../plan/planned-statement';
import { renderPlan } from '../../plan/render-plan';
import { definitionChecksum } from '../../provision/definition-checksum';
import { readInstalledDefinition } from '../../provision/installed-definition';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readDefinitions,
  type SourcedDefinition,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

const statementJson = (s: PlannedStatement) => ({
  kind: s.kind,
  target: s.target,
  description: s.description,
  sql: s.sql,
});

async function planOne(db: Kysely<any> | null, { definition, source }: SourcedDefinition) {
  const base = { moduleId: definition.moduleId, shortId: definition.shortId, source };
  const installed = db ? await readInstalledDefinition(db, definition.moduleId) : null;
  if (installed === null) {
    const plan = planModuleDatabase(definition);
    return {
      json: {
        ...base,
        action: 'install' as const,
        version: plan.version,
        statements: plan.statements.map(statementJson),
      },
      text: renderPlan(plan),
      refused: [],
    };
  }
  if (installed.checksum === definitionChecksum(definition)) {
    return {
      json: { ...base, action: 'unchanged' as const, version: installed.version, statements: [] },
      text: `-- Module ${definition.moduleId} is installed at ${installed.version} with this exact definition: nothing to do\n`,
      refused: [],
    };
  }
  const upgrade = planModuleUpgrade(installed.definition, definition);
  return {
    json: {
      ...base,
      action: 'upgrade' as const,
      fromVersion: upgrade.fromVersion,
      version: upgrade.toVersion,
      changes: upgrade.changes,
      refused: upgrade.refused,
      statements: upgrade.statements.map(statementJson),
    },
    text: renderUpgradePlan(upgrade),
    refused: upgrade.refused,
  };
}

/** `dramac-modules plan`: the SQL provisioning would run, without running it. */
export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'print the SQL that provision would run (a dry run)',
  help: `Usage: dramac-modules plan <definition-file>... [options]

Prints, for each module definition, the statements provisioning would run, in order, as one
SQL script per module. Nothing is executed.

With a database (DATABASE_URL or --database-url, and no --offline), the plan accounts for what
is installed: a fresh install, an upgrade (only the differences, each change classified as
additive, declared or destructive) or "unchanged". Without one, it is the fresh-install plan.

Options:
  --offline             ignore DATABASE_URL: plan a fresh install
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 planned; 4 invalid definition; 5 database error or platform not migrated (plan
with --offline); 6 an upgrade would be refused (an undeclared destructive change) or is a
downgrade.`,
  options: { offline: { type: 'boolean' }, export: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    const definitions = await readDefinitions(context);
    const planAll = async (db: Kysely<any> | null) => {
      const results = [];
      for (const d of definitions) results.push(await planOne(db, d));
      return results;
    };
    const results =
      context.options.offline || !context.databaseUrl
        ? await planAll(null)
        : await withDatabase(context, planAll, { platform: 'migrated' });
    for (const r of results) context.out.text(r.text);
    const refused = results.filter((r) => r.refused.length > 0);
    return {
      json: { modules: results.map((r) => r.json) },
      ...(refused.length === 0
        ? {}
        : {
            error: new CliError(
              'UPGRADE_REFUSED',
              EXIT_CODES.CONFLICT,
              `the upgrade of ${refused.map((r) => r.json.moduleId).join(', ')} would be refused: ${refused
                .flatMap((r) => r.refused.map((c) => c.description))
                .join('; ')}`,
              {
                details: {
                  changes: refused.flatMap((r) => r.refused),
                  moduleIds: refused.map((r) => r.json.moduleId),
                },
              },
            ),
          }),
    };
  },
};
