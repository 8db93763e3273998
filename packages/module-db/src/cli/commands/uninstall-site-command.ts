import { writeFile } from 'node:fs/promises';
import { uninstallModuleFromSite } from '../../lifecycle/uninstall-module-from-site';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  lockTimeoutOption,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** `dramac-modules uninstall-site`: removes one module from one site, with its rows. */
export const uninstallSiteCommand: CliCommand = {
  name: 'uninstall-site',
  summary: "remove a module from one site (deletes that site's rows of the module)",
  help: `Usage: dramac-modules uninstall-site <module-id | definition-file> --site <site-id> --yes [options]

Removes the module from one site in one transaction: deletes the site's rows from every table
of the module (children first), removes the installation (the site policy refuses the module
there from then on) and logs the event. Other sites are untouched. The connection must bypass
row-level security (superuser or BYPASSRLS), or nothing could be seen to delete.

Options:
  --site <uuid>         the site (required)
  --export-to <file>    first write the site's rows to this JSON file ({ table: rows[] })
  --yes                 confirm the deletion (required)
  --actor <name>        who is recorded in the event log (default: dramac-modules)
  --lock-timeout <ms>   PostgreSQL lock_timeout (default 5000)
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 removed (or was not installed there); 2 missing --site or --yes; 5 database error;
6 the module is deprecated; 7 module or site not found; 8 the connection is subject to RLS.`,
  options: {
    site: { type: 'string' },
    'export-to': { type: 'string' },
    yes: { type: 'boolean' },
    actor: { type: 'string' },
    'lock-timeout': { type: 'string' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const site = context.options.site as string | undefined;
    if (!site) throw new CliError('USAGE', EXIT_CODES.USAGE, 'uninstall-site needs --site <uuid>');
    const ids = await readModuleIds(context);
    if (ids.length !== 1) {
      throw new CliError('USAGE', EXIT_CODES.USAGE, 'uninstall-site takes exactly one module');
    }
    if (!context.options.yes) {
      throw new CliError(
        'CONFIRMATION_REQUIRED',
        EXIT_CODES.USAGE,
        `this deletes site ${site}'s rows of module ${ids[0]}: add --yes to confirm`,
      );
    }
    const exportTo = context.options['export-to'] as string | undefined;
    const lockTimeoutMs = lockTimeoutOption(context);
    const result = await withDatabase(context, (db) =>
      uninstallModuleFromSite(db, ids[0] as string, site, {
        export: exportTo !== undefined,
        actor: (context.options.actor as string | undefined) ?? 'dramac-modules',
        ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
      }),
    );
    if (exportTo !== undefined) {
      await writeFile(exportTo, `${JSON.stringify(result.exported ?? {}, null, 2)}\n`);
    }
    const { exported: _exported, ...summary } = result;
    const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
    context.out.line(
      result.wasInstalled
        ? `removed module ${result.shortId} from site ${result.siteId}: ${total} row(s) deleted`
        : `module ${result.shortId} was not installed on site ${result.siteId}; ${total} leftover row(s) deleted`,
    );
    for (const [table, n] of Object.entries(result.deleted)) context.out.line(`  ${table}: ${n}`);
    if (exportTo !== undefined) context.out.line(`rows exported to ${exportTo}`);
    return {
      exitCode: EXIT_CODES.OK,
      json: { ok: true, ...summary, ...(exportTo !== undefined ? { exportedTo: exportTo } : {}) },
    };
  },
};
