import { listModules } from '../../lifecycle/list-modules';
import { getUsage, type ModuleUsage } from '../../quota/get-usage';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  asFlagError,
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readModuleIds,
  stringOption,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

const limit = (value: number | null): string => (value === null ? 'unlimited' : String(value));

/** A positive whole number option (minutes), or the default. */
function minutesOption(context: CommandContext, name: string, fallback: number): number {
  const raw = stringOption(context, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      'INVALID_OPTION',
      EXIT_CODES.USAGE,
      `--${name}: takes a positive whole number of minutes, got "${raw}"`,
      { details: { option: `--${name}` } },
    );
  }
  return n;
}

/** `dramac-modules usage`: rows, bytes, calls and errors per module and site, with the limits. */
export const usageCommand: CliCommand = {
  name: 'usage',
  summary: 'rows, bytes, calls and errors per module and site, against their limits',
  help: `Usage: dramac-modules usage [<module-id | definition-file>...] [options]

For each module (all registered modules when none is named), per site: rows and bytes as the
database counts them (the counters the quota triggers keep; exact by construction), the limits in
effect there (rows per table, bytes per site), and the calls and errors the data client recorded
in the time range.

Options:
  --site <uuid>         only this site
  --exact               also count every row now (reads all of the module's rows) and show it
                        beside the counters
  --since <minutes>     the calls range: the last N minutes (default 1440, one day)
  --window <minutes>    width of each calls window in --json (default 60)
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 listed; 2 a bad option; 5 database error or platform not migrated (before platform
migration 8: PLATFORM_NOT_MIGRATED); 7 a named module is not installed (NOT_INSTALLED).`,
  options: {
    site: { type: 'string' },
    exact: { type: 'boolean' },
    since: { type: 'string' },
    window: { type: 'string' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const named = await readModuleIds(context);
    const siteId = stringOption(context, 'site');
    const since = minutesOption(context, 'since', 1440);
    const windowMinutes = minutesOption(context, 'window', 60);
    const exact = context.options.exact === true;
    return withDatabase(context, async (db) => {
      const entries = await listModules(db);
      const ids = named.length > 0 ? named : entries.map((e) => e.moduleId);
      const missing = ids.filter((id) => !entries.some((e) => e.moduleId === id));
      const to = new Date();
      const from = new Date(to.getTime() - since * 60_000);
      const modules: ModuleUsage[] = [];
      for (const [i, id] of ids.filter((x) => !missing.includes(x)).entries()) {
        context.out.progress(i + 1, ids.length, `reading ${id}`);
        try {
          modules.push(
            await getUsage(db, id, {
              ...(siteId ? { siteId } : {}),
              exact,
              from,
              to,
              windowMinutes,
            }),
          );
        } catch (error) {
          throw asFlagError(error, { siteId: '--site', windowMinutes: '--window' });
        }
      }
      const rows = modules.flatMap((m) =>
        m.sites.map((s) => [
          m.shortId,
          s.siteId,
          String(s.rows),
          ...(exact ? [String(s.exact?.rows ?? 0)] : []),
          String(s.bytes),
          ...(exact ? [String(s.exact?.bytes ?? 0)] : []),
          limit(s.limits.rows),
          limit(s.limits.siteBytes),
          String(s.calls),
          String(s.errors),
        ]),
      );
      if (ids.length === 0) context.out.line('no modules installed');
      else if (rows.length > 0) {
        context.out.line(
          formatTable(
            [
              'module',
              'site',
              'rows',
              ...(exact ? ['rows (exact)'] : []),
              'bytes',
              ...(exact ? ['bytes (exact)'] : []),
              'rows/table limit',
              'bytes limit',
              'calls',
              'errors',
            ],
            rows,
          ),
        );
      } else if (modules.length > 0) {
        context.out.line('no usage recorded');
      }
      for (const id of missing) context.out.line(`not installed: ${id}`);
      return {
        json: { from: from.toISOString(), to: to.toISOString(), modules, notInstalled: missing },
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
