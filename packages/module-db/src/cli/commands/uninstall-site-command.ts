import {
  type UninstallModuleResult,
  uninstallModuleFromSite,
} from '../../lifecycle/uninstall-module-from-site';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  asFlagError,
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  LOCK_TIMEOUT_OPTION_HELP,
  lockTimeoutOption,
  oneModuleId,
  requireYes,
  siteOption,
  stringOption,
  withDatabase,
} from '../command-support';
import { type ReservedExportFile, reserveExportFile } from '../export-file';

/** `dramac-modules uninstall-site`: removes one module from one site, with its rows. */
export const uninstallSiteCommand: CliCommand = {
  name: 'uninstall-site',
  summary: "remove a module from one site (deletes that site's rows of the module)",
  help: `Usage: dramac-modules uninstall-site <module-id | definition-file> --site <site-id> --yes [options]

Removes the module from one site in one transaction: deletes the site's rows from every table
of the module (children first), removes the installation (the site policy refuses the module
there from then on) and logs the event. Other sites are untouched. The connection must bypass
row-level security (superuser or BYPASSRLS), or nothing could be seen to delete.

With --export-to <file>, the site's rows are written to that file ({ "table": [rows] }, bigint
and numeric as strings) before the deletion commits: the file is written beside its final name,
flushed to disk, then moved into place; if that fails, nothing is deleted. An existing file is
never overwritten (exit 9, nothing deleted): name a new file for every run.

Options:
  --site <uuid>         the site (required)
  --export-to <file>    first write the site's rows to this new JSON file (mode 0600)
  --yes                 confirm the deletion (required)
${ACTOR_OPTION_HELP}
${LOCK_TIMEOUT_OPTION_HELP}
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 removed (or was not installed there); 2 missing or invalid --site, missing --yes,
--export-to in a missing directory; 5 database error; 6 the module is deprecated; 7 module or
site not found; 8 the connection is subject to RLS; 9 the --export-to file exists.`,
  options: {
    site: { type: 'string' },
    'export-to': { type: 'string' },
    yes: { type: 'boolean' },
    actor: { type: 'string' },
    'lock-timeout': { type: 'string' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const site = siteOption(context, 'uninstall-site');
    const moduleId = await oneModuleId(context, 'uninstall-site');
    const exportTo = stringOption(context, 'export-to');
    const actor = actorOption(context);
    const lockTimeoutMs = lockTimeoutOption(context);
    requireYes(context, `this deletes site ${site}'s rows of module ${moduleId}`);
    // Reserved before connecting: a taken name or an unwritable directory stops everything.
    const target: ReservedExportFile | undefined =
      exportTo === undefined ? undefined : await reserveExportFile(exportTo, '--export-to');
    let exportWritten = false;
    let result: UninstallModuleResult;
    try {
      result = await withDatabase(
        context,
        (db) =>
          // One transaction around the library's (it joins a caller's): the export file is
          // complete on disk before the deletion commits, and a failed write rolls it back.
          db.transaction().execute(async (trx) => {
            const removed = await uninstallModuleFromSite(trx, moduleId, site, {
              export: target !== undefined,
              actor,
              ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
            });
            if (target) {
              context.out.note(`writing the export to ${target.path}`);
              await target.write(removed.exported ?? {});
              exportWritten = true;
            }
            return removed;
          }),
        { platform: 'current' },
      );
    } catch (error) {
      if (exportWritten && target) {
        // The export is on disk but the deletion did not commit (or its outcome is unknown):
        // the file stays, it is a copy of rows that are most likely still there.
        context.out.warn(
          `the deletion did not commit; ${target.path} holds a copy of the site's rows, which should still be in the database`,
        );
      }
      throw asFlagError(error, { siteId: '--site' });
    } finally {
      await target?.discard();
    }
    const { exported: _exported, ...summary } = result;
    const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
    context.out.line(
      result.wasInstalled
        ? `removed module ${result.shortId} from site ${result.siteId}: ${total} row(s) deleted`
        : `module ${result.shortId} was not installed on site ${result.siteId}; ${total} leftover row(s) deleted`,
    );
    for (const [table, n] of Object.entries(result.deleted)) context.out.line(`  ${table}: ${n}`);
    if (target) context.out.line(`rows exported to ${target.path}`);
    return { json: { ...summary, ...(target ? { exportedTo: target.path } : {}) } };
  },
};
