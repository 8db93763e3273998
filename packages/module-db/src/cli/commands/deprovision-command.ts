import { type Kysely, sql } from 'kysely';
import { deprovisionModuleDatabase } from '../../lifecycle/deprovision-module-database';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  asFlagError,
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  LOCK_TIMEOUT_OPTION_HELP,
  lockTimeoutOption,
  readModuleIds,
  requireYes,
  stringOption,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES, invalidOption } from '../exit-codes';

// SQLSTATEs of a value PostgreSQL cannot read as an interval.
const BAD_INTERVAL = new Set(['22007', '22008', '22015', '22P02']);

/**
 * Checks `--retain` with PostgreSQL's own interval parser, before any module is touched (the
 * library checks it too, but only once it works on the first module).
 */
async function checkRetention(db: Kysely<any>, retainFor: string): Promise<void> {
  let negative: boolean | undefined;
  try {
    const { rows } = await sql<{ negative: boolean }>`
      select (${retainFor}::interval < interval '0') as negative`.execute(db);
    negative = rows[0]?.negative;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && BAD_INTERVAL.has(code)) {
      throw invalidOption(
        '--retain',
        `"${retainFor}" is not a PostgreSQL interval (e.g. "30 days", "12 hours")`,
        retainFor,
      );
    }
    throw error;
  }
  if (negative) {
    throw invalidOption('--retain', `"${retainFor}" is negative`, retainFor);
  }
}

/** `dramac-modules deprovision`: removes a module from the platform, now or after retention. */
export const deprovisionCommand: CliCommand = {
  name: 'deprovision',
  summary: 'remove a module everywhere: drop now, or revoke and keep the data for a while',
  help: `Usage: dramac-modules deprovision <module-id | definition-file>... --yes [options]

Drops exactly what the registry lists for each module: its schema or prefixed tables, its rows in
module_data, its installations and registry row, its roles. It refuses when an object outside the
module depends on one of its tables (a view, a foreign key), which a CASCADE would take along.

With --retain <interval>, nothing is dropped yet: both roles lose every access at once, the
registry row is marked deprecated with a drop date, and the data stays until the retention ends
(then "dramac-modules drop-due", or dropDueModules, drops it). Both modes need --yes.

Options:
  --retain <interval>   keep the data this long first, e.g. "30 days"
  --yes                 confirm (required)
${ACTOR_OPTION_HELP}
${LOCK_TIMEOUT_OPTION_HELP}
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 dropped or deprecated; 2 missing --yes, or --retain is not an interval; 5 database
error (2BP01: something outside the module depends on it); 7 not installed.`,
  options: {
    retain: { type: 'string' },
    yes: { type: 'boolean' },
    actor: { type: 'string' },
    'lock-timeout': { type: 'string' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const ids = await readModuleIds(context);
    if (ids.length === 0) {
      throw new CliError('USAGE', EXIT_CODES.USAGE, 'name the module(s) to deprovision');
    }
    const retainFor = stringOption(context, 'retain');
    const actor = actorOption(context);
    const lockTimeoutMs = lockTimeoutOption(context);
    requireYes(
      context,
      `${retainFor ? 'this revokes every access to' : 'this drops the tables and data of'} ${ids.length} module(s) (${ids.join(', ')})`,
    );
    return withDatabase(
      context,
      async (db) => {
        if (retainFor !== undefined) await checkRetention(db, retainFor);
        const results = [];
        for (const [i, id] of ids.entries()) {
          context.out.progress(i + 1, ids.length, `deprovisioning ${id}`);
          try {
            const result = await deprovisionModuleDatabase(db, id, {
              mode: retainFor ? 'retain' : 'drop',
              ...(retainFor ? { retainFor } : {}),
              actor,
              ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
            });
            results.push(result);
            context.out.line(
              result.status === 'dropped'
                ? `dropped ${result.shortId}: ${result.tables.length} table(s)${result.schemaDropped ? `, schema ${result.schema}` : ''}, role ${result.role}; ${result.installations} site installation(s) removed`
                : `deprecated ${result.shortId}: access revoked, data kept until ${result.dropAfter}`,
            );
          } catch (error) {
            if (i + 1 < ids.length) {
              context.out.line(`not attempted after the failure: ${ids.slice(i + 1).join(', ')}`);
            }
            return {
              json: { modules: results, failed: { moduleId: id }, notAttempted: ids.slice(i + 1) },
              error: asFlagError(error, { retainFor: '--retain' }),
            };
          }
        }
        return { json: { modules: results } };
      },
      { platform: 'current' },
    );
  },
};
