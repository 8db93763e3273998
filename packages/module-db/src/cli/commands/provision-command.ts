import type { Kysely } from 'kysely';
import { migratePlatform } from '../../platform/platform-migrations';
import { readInstalledDefinition } from '../../provision/installed-definition';
import {
  type ProvisionResult,
  provisionModuleDatabase,
} from '../../provision/provision-module-database';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  ACTOR_OPTION_HELP,
  actorOption,
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  LOCK_TIMEOUT_OPTION_HELP,
  lockTimeoutOption,
  readDefinitions,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';
import { requirePlatform } from '../platform-check';

const PROVISION_OPTIONS_HELP = `  --migrate-platform    apply pending platform migrations first
  --expose-postgrest    also expose schema-strategy modules to PostgREST (pgrst.db_schemas)
${ACTOR_OPTION_HELP}
${LOCK_TIMEOUT_OPTION_HELP}
                        (an upgrade retries a lock timeout 3 times; waits are shown)
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}`;

/** Provisions or upgrades every definition in order, stopping at the first failure. */
async function provisionAll(
  context: CommandContext,
  mode: 'provision' | 'upgrade',
): Promise<CommandResult> {
  const definitions = await readDefinitions(context);
  const lockTimeoutMs = lockTimeoutOption(context);
  const actor = actorOption(context);
  const migrate = Boolean(context.options['migrate-platform']);
  // With --migrate-platform the check comes after the migration, inside.
  return withDatabase(
    context,
    async (db: Kysely<any>) => {
      const migrated = migrate ? await migratePlatform(db) : undefined;
      if (migrated && migrated.applied.length > 0) {
        context.out.line(
          `platform migrated to version ${migrated.version} (applied ${migrated.applied.join(', ')})`,
        );
      }
      if (migrate) await requirePlatform(db, 'current', context.out);
      const done: (ProvisionResult & { source: string })[] = [];
      let failure: { source: string; moduleId: string; error: unknown } | undefined;
      for (const [i, { definition, source, label }] of definitions.entries()) {
        context.out.progress(i + 1, definitions.length, `${mode} ${label} ${definition.version}`);
        try {
          if (mode === 'upgrade' && !(await readInstalledDefinition(db, definition.moduleId))) {
            throw new CliError(
              'NOT_INSTALLED',
              EXIT_CODES.NOT_FOUND,
              `module ${definition.moduleId} (${label}) is not installed: use provision for a first install`,
            );
          }
          const result = await provisionModuleDatabase(db, definition, {
            actor,
            exposeToPostgrest: Boolean(context.options['expose-postgrest']),
            ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
          });
          done.push({ ...result, source });
        } catch (error) {
          failure = { source, moduleId: definition.moduleId, error };
          break;
        }
      }
      if (done.length > 0) {
        context.out.line(
          formatTable(
            ['module', 'version', 'status', 'statements', 'namespace'],
            done.map((r, i) => [
              definitions[i]?.label ?? r.shortId,
              r.version,
              r.status,
              String(r.statementsApplied),
              r.strategy === 'schema' ? r.schemaName : `${r.schemaName}.mod_${r.shortId}_*`,
            ]),
          ),
        );
      }
      const pending = definitions.slice(done.length + (failure ? 1 : 0)).map((d) => d.source);
      if (failure) {
        if (pending.length > 0) {
          context.out.line(`not attempted after the failure: ${pending.join(', ')}`);
        }
        return {
          json: {
            ...(migrated ? { platform: migrated } : {}),
            modules: done,
            failed: { source: failure.source, moduleId: failure.moduleId },
            notAttempted: pending,
          },
          error: failure.error,
        };
      }
      return {
        json: {
          ...(migrated ? { platform: migrated } : {}),
          modules: done,
        },
      };
    },
    { platform: migrate ? 'none' : 'current' },
  );
}

/** `dramac-modules provision`: installs or upgrades module databases. */
export const provisionCommand: CliCommand = {
  name: 'provision',
  summary: 'install module databases (or upgrade them to the given definitions)',
  help: `Usage: dramac-modules provision <definition-file>... [options]

Validates every definition first (nothing runs if one is invalid), then provisions each module in
order, each in its own transaction under the module's advisory lock: a first install creates the
namespace, role, tables, indexes and policies; a newer version applies its upgrade; the same
definition again changes nothing ("unchanged"). A failure leaves that module as it was, stops the
run and lists what was not attempted.

Options:
${PROVISION_OPTIONS_HELP}

Exit codes: 0 done; 4 invalid definition; 5 PostgreSQL refused (SQLSTATE shown), or the platform
is not migrated or older than this CLI (add --migrate-platform); 6 conflict or refused upgrade;
8 missing privilege.`,
  options: {
    'migrate-platform': { type: 'boolean' },
    'expose-postgrest': { type: 'boolean' },
    actor: { type: 'string' },
    'lock-timeout': { type: 'string' },
    export: { type: 'string' },
  },
  run: (context) => provisionAll(context, 'provision'),
};

/** `dramac-modules upgrade`: upgrades installed modules to newer definitions. */
export const upgradeCommand: CliCommand = {
  name: 'upgrade',
  summary: 'upgrade installed modules to newer definitions',
  help: `Usage: dramac-modules upgrade <definition-file>... [options]

Like provision, but only for modules that are already installed (exit 7 otherwise). The new
definition is diffed against the installed one: additive changes apply automatically; renames,
drops and type changes apply only when the definition declares them in "migrations"; anything
else is refused before any SQL runs (exit 6). Preview with: dramac-modules plan <file>.

Options:
${PROVISION_OPTIONS_HELP}

Exit codes: 0 upgraded (or unchanged); 4 invalid definition; 5 PostgreSQL refused, or the
platform is not migrated or older than this CLI; 6 refused upgrade (undeclared destructive change,
downgrade, same version with a different definition); 7 not installed.`,
  options: provisionCommand.options,
  run: (context) => provisionAll(context, 'upgrade'),
};
