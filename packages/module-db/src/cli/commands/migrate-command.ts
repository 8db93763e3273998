import { migratePlatform } from '../../platform/platform-migrations';
import { checkPlatformPrerequisites } from '../../prerequisites/check-platform-prerequisites';
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

Checked first: PostgreSQL 15-17, the platform tables (public.agencies, clients, sites,
agency_members, profiles) and the migration user's privileges; each missing one is named with
what to do (for a development database: dramac-modules dev --database-url <url>
--create-platform-tables). Afterwards it warns about what works only in part, e.g. module
roles without USAGE on schema auth (Supabase's postgres cannot grant it).

Options:
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 migrated (or already current); 5 database error; 8 missing privilege.`,
  options: {},
  async run(context: CommandContext): Promise<CommandResult> {
    const { result, warnings } = await withDatabase(
      context,
      async (db) => {
        const result = await migratePlatform(db);
        // What works only in part (e.g. modules cannot use schema auth), with what to do.
        const { warnings } = await checkPlatformPrerequisites(db, 'migrate');
        return { result, warnings };
      },
      { platform: 'none' },
    );
    context.out.line(
      result.applied.length > 0
        ? `platform migrated to version ${result.version} (applied ${result.applied.join(', ')})`
        : `platform already at version ${result.version}: nothing to apply`,
    );
    for (const warning of warnings) context.out.warn(`warning: ${warning.name}: ${warning.remedy}`);
    return { json: { ...result, warnings } };
  },
};
