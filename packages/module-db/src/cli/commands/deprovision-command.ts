import { deprovisionModuleDatabase } from '../../lifecycle/deprovision-module-database';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  lockTimeoutOption,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** `dramac-modules deprovision`: removes a module from the platform, now or after retention. */
export const deprovisionCommand: CliCommand = {
  name: 'deprovision',
  summary: 'remove a module everywhere: drop now, or revoke and keep the data for a while',
  help: `Usage: dramac-modules deprovision <module-id | definition-file>... --yes [options]

Drops exactly what the registry lists for each module: its schema or prefixed tables, its rows in
module_data, its installations and registry row, its role and admin role. A catalog fingerprint
outside the module's namespace is compared before and after, so nothing else can go.

With --retain <interval>, nothing is dropped yet: both roles lose every access at once, the
registry row is marked deprecated with a drop date, and the data stays until the retention ends
(dropDueModules). Both modes need --yes.

Options:
  --retain <interval>   keep the data this long first, e.g. "30 days"
  --yes                 confirm (required)
  --actor <name>        who is recorded in the event log (default: dramac-modules)
  --lock-timeout <ms>   PostgreSQL lock_timeout (default 5000)
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 dropped or deprecated; 2 missing --yes; 5 database error (2BP01: something outside
the module depends on it); 7 not installed.`,
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
    const retainFor = context.options.retain as string | undefined;
    if (!context.options.yes) {
      throw new CliError(
        'CONFIRMATION_REQUIRED',
        EXIT_CODES.USAGE,
        `${retainFor ? 'this revokes every access to' : 'this drops the tables and data of'} ${ids.length} module(s) (${ids.join(', ')}): add --yes to confirm`,
      );
    }
    const lockTimeoutMs = lockTimeoutOption(context);
    return withDatabase(context, async (db) => {
      const results = [];
      for (const [i, id] of ids.entries()) {
        context.out.progress(i + 1, ids.length, `deprovisioning ${id}`);
        try {
          const result = await deprovisionModuleDatabase(db, id, {
            mode: retainFor ? 'retain' : 'drop',
            ...(retainFor ? { retainFor } : {}),
            actor: (context.options.actor as string | undefined) ?? 'dramac-modules',
            ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
          });
          results.push(result);
          context.out.line(
            result.status === 'dropped'
              ? `dropped ${result.shortId}: ${result.tables.length} table(s)${result.schemaDropped ? `, schema ${result.schema}` : ''}, role ${result.role}; ${result.installations} site installation(s) removed`
              : `deprecated ${result.shortId}: access revoked, data kept until ${result.dropAfter}`,
          );
        } catch (error) {
          return {
            exitCode: EXIT_CODES.OK,
            json: { ok: false, modules: results, failed: id, notAttempted: ids.slice(i + 1) },
            error,
          };
        }
      }
      return { exitCode: EXIT_CODES.OK, json: { ok: true, modules: results } };
    });
  },
};
