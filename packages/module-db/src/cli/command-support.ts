import { isModuleId, normalizeModuleId } from '@dramac/module-naming';
import type { Kysely } from 'kysely';
import { safeValidateModuleDefinition } from '../definition/validate-module-definition';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';
import type { DefinitionIssue } from '../errors';
import type { CommandContext } from './cli-command';
import { connectDatabase } from './connect-database';
import { CliError, EXIT_CODES } from './exit-codes';
import { loadDefinitions } from './load-definitions';

/** A validated definition and the file (and export) it came from. */
export interface SourcedDefinition {
  readonly definition: ValidatedModuleDefinition;
  readonly source: string;
  /** The definition's display `name`, else its short id. */
  readonly label: string;
}

/** `--help` lines of the options every command accepts. */
export const GLOBAL_OPTIONS_HELP = `Global options:
  --database-url <url>  PostgreSQL connection string (default: $DATABASE_URL)
  --json                print one JSON document on stdout instead of text
  -h, --help            show this help`;

/** `--help` line of `--export`. */
export const EXPORT_OPTION_HELP =
  '  --export <name>       take only this export of a TS/JS file (e.g. crmModuleV2)';

function labelOf(definition: ValidatedModuleDefinition): string {
  const name = (definition.source as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== ''
    ? `${name} (${definition.shortId})`
    : definition.shortId;
}

/**
 * Loads and validates every definition in the files named by the positional arguments, all of
 * them before anything touches a database.
 *
 * @throws CliError `USAGE` without a file; `DEFINITION_INVALID` (exit 4) listing every invalid
 * definition with its issues.
 */
export async function readDefinitions(context: CommandContext): Promise<SourcedDefinition[]> {
  if (context.args.length === 0) {
    throw new CliError('USAGE', EXIT_CODES.USAGE, 'name at least one definition file');
  }
  const exportName = context.options.export as string | undefined;
  const loaded = await loadDefinitions(context.args, exportName);
  const invalid: { source: string; issues: readonly DefinitionIssue[] }[] = [];
  const valid: SourcedDefinition[] = [];
  for (const { definition, source } of loaded) {
    const result = await safeValidateModuleDefinition(definition);
    if (result.success) {
      valid.push({ definition: result.definition, source, label: labelOf(result.definition) });
    } else {
      invalid.push({ source, issues: result.error.issues });
    }
  }
  if (invalid.length > 0) {
    const lines = invalid.flatMap(({ source, issues }) => [
      `${source}:`,
      ...issues.map((i) => `  - ${i.path || '(root)'}: ${i.message} [${i.code}]`),
    ]);
    throw new CliError(
      'DEFINITION_INVALID',
      EXIT_CODES.DEFINITION_INVALID,
      `${invalid.length} invalid definition(s); nothing ran\n${lines.join('\n')}`,
      { details: { invalid } },
    );
  }
  return valid;
}

/**
 * The module ids named by the positional arguments: each is a module UUID or a definition file.
 *
 * @throws As {@link readDefinitions} for files.
 */
export async function readModuleIds(context: CommandContext): Promise<string[]> {
  const ids: string[] = [];
  const files: string[] = [];
  for (const arg of context.args) {
    if (isModuleId(arg)) ids.push(normalizeModuleId(arg));
    else files.push(arg);
  }
  if (files.length > 0) {
    const definitions = await readDefinitions({ ...context, args: files });
    ids.push(...definitions.map((d) => d.definition.moduleId));
  }
  return [...new Set(ids)];
}

/**
 * Runs `fn` with a database connection and closes it afterwards, whatever happens.
 *
 * @throws CliError without `DATABASE_URL` or `pg`; whatever `fn` throws.
 */
export async function withDatabase<T>(
  context: CommandContext,
  fn: (db: Kysely<any>) => Promise<T>,
): Promise<T> {
  const connection = await connectDatabase(context.databaseUrl);
  try {
    return await fn(connection.db);
  } finally {
    await connection.close();
  }
}

/** `--lock-timeout <ms>` as a number, or undefined. */
export function lockTimeoutOption(context: CommandContext): number | undefined {
  const raw = context.options['lock-timeout'];
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new CliError('USAGE', EXIT_CODES.USAGE, '--lock-timeout takes a positive integer (ms)');
  }
  return ms;
}
