import { readFile } from 'node:fs/promises';
import { isDefinitionValidationError } from '../../errors';
import { installModuleForSite } from '../../lifecycle/install-module-for-site';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  asFlagError,
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  oneModuleId,
  siteOption,
  stringOption,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

type SeedRows = Record<string, Record<string, unknown>[]>;

/** The rows of a `--seed` file: `{ "<table>": [ { column: value } ] }`, read before connecting. */
async function readSeedFile(file: string): Promise<SeedRows> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(
      'SEED_INVALID',
      EXIT_CODES.DEFINITION_INVALID,
      `--seed: cannot read ${file} as JSON: ${(error as Error).message}`,
      { cause: error, details: { option: '--seed', file } },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(
      'SEED_INVALID',
      EXIT_CODES.DEFINITION_INVALID,
      `--seed: ${file} must hold an object of rows per table, e.g. { "contacts": [{ "name": "Ada" }] }`,
      { details: { option: '--seed', file } },
    );
  }
  return value as SeedRows;
}

/** `dramac-modules install-site`: installs a provisioned module on one site. */
export const installSiteCommand: CliCommand = {
  name: 'install-site',
  summary: 'install a provisioned module on one site (optionally with seed rows)',
  help: `Usage: dramac-modules install-site <module-id | definition-file> --site <site-id> [options]

Records the module's installation on the site, which its site policy requires before the module
can read or write any row there, and logs the event. Idempotent: on a site where the module is
installed already it writes nothing (seed rows included) and says so.

With --seed <file>, the rows in that JSON file ({ "<table>": [ { "<column>": value } ] }; a
widget's collections hold { "key", "value" } rows) are written in the same transaction, after
every table and column is checked against the provisioned definition. site_id is stamped; a row
naming another site is refused. Seeding writes past row-level security: the connection must be a
superuser or have BYPASSRLS.

Options:
  --site <uuid>         the site (required)
  --seed <file>         rows to write with the installation (JSON)
${ACTOR_OPTION_HELP}
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 installed (or already installed); 2 missing or invalid --site; 4 unreadable or
invalid seed rows (SEED_INVALID, each problem with its path); 5 database error; 6 the module is
deprecated; 7 module or site not found; 8 access denied.`,
  options: {
    site: { type: 'string' },
    seed: { type: 'string' },
    actor: { type: 'string' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const site = siteOption(context, 'install-site');
    const moduleId = await oneModuleId(context, 'install-site');
    const seedFile = stringOption(context, 'seed');
    const seedRows = seedFile === undefined ? undefined : await readSeedFile(seedFile);
    const actor = actorOption(context);
    const result = await withDatabase(
      context,
      async (db) => {
        try {
          return await installModuleForSite(db, moduleId, site, {
            actor,
            ...(seedRows ? { seedRows } : {}),
          });
        } catch (error) {
          if (
            isDefinitionValidationError(error) &&
            error.issues.some((i) => i.path.startsWith('seedRows'))
          ) {
            throw new CliError(
              'SEED_INVALID',
              EXIT_CODES.DEFINITION_INVALID,
              `--seed: ${seedFile} has rows the module cannot take; nothing was written:\n${error.issues
                .map((i) => `  - ${i.path}: ${i.message} [${i.code}]`)
                .join('\n')}`,
              { cause: error, details: { option: '--seed', file: seedFile, issues: error.issues } },
            );
          }
          throw asFlagError(error, { siteId: '--site' });
        }
      },
      { platform: 'current' },
    );
    const seeded = Object.entries(result.seeded);
    context.out.line(
      result.status === 'installed'
        ? `installed module ${result.shortId} on site ${result.siteId}${seeded.length > 0 ? `: ${seeded.map(([t, n]) => `${n} ${t}`).join(', ')} seeded` : ''}`
        : `module ${result.shortId} is already installed on site ${result.siteId}: nothing written${seedRows ? ' (seed rows included)' : ''}`,
    );
    return { json: { ...result } };
  },
};
