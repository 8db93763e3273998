import { migratePlatform } from '../../platform/platform-migrations';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { GLOBAL_OPTIONS_HELP, withDatabase } from '../command-support';

/** `dramac-modules migrate`: applies the platform migrations. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending platform migrations (registry, policy helpers, apply functions)',
  help: `Usage: dramac-modules migrate [options]

Applies the platform migrations this version of @dramac/module-db ships that the database does
not have yet, in one transaction under an advisory lock: the module registry and event log, the
policy helper functions, and the functions that apply plans and upgrades. Idempotent: running it
again applies nothing. The connection needs to create roles, schemas and functions (the
platform's migration role or a superuser).

Options:
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 migrated (or already current); 5 database error; 8 missing privilege.`,
  options: {},
  async run(context: CommandContext): Promise<CommandResult> {
    const result = await withDatabase(context, (db) => migratePlatform(db), { platform: 'none' });
    context.out.line(
      result.applied.length > 0
        ? `platform migrated to version ${result.version} (applied ${result.applied.join(', ')})`
        : `platform already at version ${result.version}: nothing to apply`,
    );
    return { json: { ...result } };
  },
};
