import { listModules } from '../../lifecycle/list-modules';
import type { ModuleRegistryEntry } from '../../lifecycle/module-registry-entry';
import { PLATFORM_MIGRATIONS } from '../../platform/platform-migrations';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';
import { readPlatformVersion } from '../read-platform-version';

function nameOf(entry: ModuleRegistryEntry): string {
  const name = (entry.definition as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : '-';
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

Exit codes: 0 listed; 5 database error (e.g. the platform is not migrated); 7 a named module is
not installed.`,
  options: { export: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    const ids = await readModuleIds(context);
    return withDatabase(context, async (db) => {
      const platformVersion = await readPlatformVersion(db);
      const entries = await listModules(db).catch((error: unknown) => {
        if (platformVersion === null) {
          throw new CliError(
            'PLATFORM_NOT_MIGRATED',
            EXIT_CODES.DATABASE,
            'the platform is not migrated: run dramac-modules provision --migrate-platform, or migratePlatform(db)',
            { cause: error },
          );
        }
        throw error;
      });
      const shown = ids.length === 0 ? entries : entries.filter((e) => ids.includes(e.moduleId));
      const missing = ids.filter((id) => !entries.some((e) => e.moduleId === id));
      const latest = PLATFORM_MIGRATIONS.at(-1)?.version ?? 0;
      context.out.line(
        `platform: version ${platformVersion ?? 'none'}${platformVersion !== null && platformVersion < latest ? ` (this CLI knows ${latest}: migrations pending)` : ''}`,
      );
      if (shown.length === 0) {
        context.out.line('no modules installed');
      } else {
        context.out.line(
          formatTable(
            ['module', 'short id', 'type', 'strategy', 'version', 'status', 'tables'],
            shown.map((e) => [
              nameOf(e),
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
      for (const id of missing) context.out.line(`not installed: ${id}`);
      return {
        exitCode: missing.length > 0 ? EXIT_CODES.NOT_FOUND : EXIT_CODES.OK,
        json: {
          ok: missing.length === 0,
          platformVersion,
          modules: shown.map(({ definition: _definition, ...entry }) => ({
            ...entry,
            name: nameOf(entry as ModuleRegistryEntry),
          })),
          notInstalled: missing,
        },
      };
    });
  },
};
