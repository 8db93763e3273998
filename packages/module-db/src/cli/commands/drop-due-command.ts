import { type Kysely, sql } from 'kysely';
import { dropDueModules } from '../../lifecycle/drop-due-modules';
import { listModules } from '../../lifecycle/list-modules';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  GLOBAL_OPTIONS_HELP,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** A deprecated module, with when its retention ends. */
interface DueModule {
  readonly moduleId: string;
  readonly shortId: string;
  readonly dropAfter: string;
  readonly tables: readonly string[];
}

/** Deprecated modules whose retention has ended, by the database's clock (as the drop decides). */
async function dueModules(db: Kysely<any>): Promise<DueModule[]> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  const now = rows[0]?.now ?? new Date();
  return (await listModules(db))
    .filter(
      (e) => e.status === 'deprecated' && e.dropAfter !== null && new Date(e.dropAfter) <= now,
    )
    .map((e) => ({
      moduleId: e.moduleId,
      shortId: e.shortId,
      dropAfter: e.dropAfter as string,
      tables: e.qualifiedTables,
    }));
}

/** `dramac-modules drop-due`: drops deprecated modules whose retention has ended. */
export const dropDueCommand: CliCommand = {
  name: 'drop-due',
  summary: 'drop deprecated modules whose retention has ended (for a scheduler)',
  help: `Usage: dramac-modules drop-due (--yes | --dry-run) [options]

Drops every module that "deprovision --retain <interval>" deprecated and whose retention has
ended (drop date before the database's now()), through dropDueModules: each under its module
lock, all of them or none. Run it from a scheduler (cron, pg_cron through a script).

--dry-run lists what is due and drops nothing; without --yes or --dry-run the command lists what
is due and exits 2.

Options:
  --yes                 confirm the drop (required to drop)
  --dry-run             list the modules that are due, drop nothing
${ACTOR_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 dropped (or nothing due, or --dry-run); 2 neither --yes nor --dry-run; 5 database
error (nothing dropped then).`,
  options: {
    yes: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    actor: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    if (context.args.length > 0) {
      throw new CliError(
        'USAGE',
        EXIT_CODES.USAGE,
        `drop-due takes no arguments (got ${context.args.join(' ')}): it drops every module that is due`,
      );
    }
    const actor = actorOption(context);
    const dryRun = Boolean(context.options['dry-run']);
    if (dryRun && context.options.yes) {
      throw new CliError('USAGE', EXIT_CODES.USAGE, 'drop-due takes --yes or --dry-run, not both');
    }
    return withDatabase(
      context,
      async (db) => {
        if (dryRun || !context.options.yes) {
          const due = await dueModules(db);
          if (due.length === 0) {
            context.out.line('no module is due: nothing to drop');
          } else {
            context.out.line(
              formatTable(
                ['module', 'short id', 'drop after', 'tables'],
                due.map((d) => [d.moduleId, d.shortId, d.dropAfter, d.tables.join(', ') || '-']),
              ),
            );
          }
          if (dryRun || due.length === 0) return { json: { dryRun, due, dropped: [] } };
          return {
            json: { dryRun, due, dropped: [] },
            error: new CliError(
              'CONFIRMATION_REQUIRED',
              EXIT_CODES.USAGE,
              `this drops the tables and data of ${due.length} module(s): add --yes to confirm`,
            ),
          };
        }
        context.out.progress(1, 1, 'dropping the modules whose retention has ended');
        const dropped = await dropDueModules(db, { actor });
        if (dropped.length === 0) context.out.line('no module is due: nothing dropped');
        for (const d of dropped) {
          context.out.line(
            `dropped ${d.shortId}: ${d.tables.length} table(s)${d.schemaDropped ? `, schema ${d.schema}` : ''}, role ${d.role}`,
          );
        }
        return { json: { dryRun: false, dropped } };
      },
      { platform: 'current' },
    );
  },
};
