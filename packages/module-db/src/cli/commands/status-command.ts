import { listModules } from '../../lifecycle/list-modules';
import type { ModuleRegistryEntry } from '../../lifecycle/module-registry-entry';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';
import { LATEST_PLATFORM_VERSION } from '../platform-check';
import { readPlatformVersion } from '../read-platform-version';

/** The definition's display name, or null when it has none. */
function nameOf(entry: Pick<ModuleRegistryEntry, 'definition'>): string | null {
  const name = (entry.definition as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : null;
}

/** `dramac-modules status`: what the registry says is installed. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'list installed modules from the registry',
  help: `Usage: dramac-modules status [<module-id | definition-file>...] [options]

Lists the modules in the registry (public.module_database_registry): name, short id, type,
isolation strategy, version, status (active, migrating, deprecated with its drop date) and
tables. With arguments, only those modules; a named module that is not installed is reported
and the command exits 7.

Options:
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 listed; 5 database error or platform not migrated (PLATFORM_NOT_MIGRATED); 7 a
named module is not installed (NOT_INSTALLED).`,
  options: { export: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    const ids = await readModuleIds(context);
    return withDatabase(context, async (db) => {
      const platformVersion = await readPlatformVersion(db);
      const entries = await listModules(db);
      const shown = ids.length === 0 ? entries : entries.filter((e) => ids.includes(e.moduleId));
      const missing = ids.filter((id) => !entries.some((e) => e.moduleId === id));
      context.out.line(
        `platform: version ${platformVersion ?? 'none'}${platformVersion !== null && platformVersion < LATEST_PLATFORM_VERSION ? ` (this CLI knows ${LATEST_PLATFORM_VERSION}: migrations pending)` : ''}`,
      );
      if (entries.length === 0) {
        context.out.line('no modules installed');
      } else if (shown.length > 0) {
        context.out.line(
          formatTable(
            ['module', 'short id', 'type', 'strategy', 'version', 'status', 'tables'],
            shown.map((e) => [
              nameOf(e) ?? '-',
              e.shortId,
              e.moduleType,
              e.strategy,
              e.version,
              e.status === 'deprecated' && e.dropAfter
                ? `deprecated until ${e.dropAfter}`
                : e.status,
              e.qualifiedTables.join(', ') || '-',
            ]),
          ),
        );
      }
      for (const id of missing) {
        context.out.line(
          `not installed: ${id} (${entries.length} other module(s) are; run status without arguments)`,
        );
      }
      return {
        json: {
          platformVersion,
          modules: shown.map(({ definition, ...entry }) => ({
            ...entry,
            name: nameOf({ definition }),
          })),
          notInstalled: missing,
        },
        ...(missing.length === 0
          ? {}
          : {
              error: new CliError(
                'NOT_INSTALLED',
                EXIT_CODES.NOT_FOUND,
                `not installed: ${missing.join(', ')}`,
                { details: { moduleIds: missing } },
              ),
            }),
      };
    });
  },
};
