import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { isModuleId, normalizeModuleId } from '@dramac/module-naming';
import type { Kysely } from 'kysely';
import { safeValidateModuleDefinition } from '../definition/validate-module-definition';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';
import { type DefinitionIssue, isDefinitionValidationError } from '../errors';
import { checkPostgresVersion } from '../prerequisites/check-postgres-version';
import type { CommandContext } from './cli-command';
import { connectDatabase } from './connect-database';
import { parseDatabaseUrl } from './database-url';
import { CliError, EXIT_CODES, invalidOption } from './exit-codes';
import { loadDefinitions } from './load-definitions';
import { watchOperation } from './operation-watcher';
import { type PlatformRequirement, requirePlatform } from './platform-check';

/** A validated definition and the file (and export) it came from. */
export interface SourcedDefinition {
  readonly definition: ValidatedModuleDefinition;
  readonly source: string;
  /** The definition's display `name`, else its short id. */
  readonly label: string;
}

/** `--help` lines of the options every command accepts. */
export const GLOBAL_OPTIONS_HELP = `Global options:
  --database-url <url>  postgres:// or postgresql:// URL (default: $DATABASE_URL); connect
                        timeout: connect_timeout=<s> in the URL, or PGCONNECT_TIMEOUT (default 10)
  --json                print one JSON document on stdout instead of text
  -h, --help            show this help`;

/** `--help` line of `--export`. */
export const EXPORT_OPTION_HELP =
  '  --export <name>       take only this export of a TS/JS file (e.g. crmModuleV2)';

/** `--help` lines of `--actor` and `--lock-timeout`. */
export const ACTOR_OPTION_HELP =
  '  --actor <name>        who is recorded in the event log (default: dramac-modules)';
export const LOCK_TIMEOUT_OPTION_HELP =
  '  --lock-timeout <ms>   how long a statement may wait for a table lock (default 5000)';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFINITION_EXTENSIONS = new Set(['.json', '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

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
  const exportName = stringOption(context, 'export');
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
 * @throws CliError `INVALID_ARGUMENT` (exit 2) for an argument that is neither; as
 * {@link readDefinitions} for files.
 */
export async function readModuleIds(context: CommandContext): Promise<string[]> {
  const ids: string[] = [];
  const files: string[] = [];
  for (const arg of context.args) {
    if (isModuleId(arg)) {
      ids.push(normalizeModuleId(arg));
    } else if (DEFINITION_EXTENSIONS.has(extname(arg).toLowerCase()) || existsSync(arg)) {
      files.push(arg);
    } else {
      throw new CliError(
        'INVALID_ARGUMENT',
        EXIT_CODES.USAGE,
        `"${arg}" is neither a module id (a UUID) nor a definition file (.json, .ts, .js, ...)`,
        { details: { argument: arg } },
      );
    }
  }
  if (files.length > 0) {
    const definitions = await readDefinitions({ ...context, args: files });
    ids.push(...definitions.map((d) => d.definition.moduleId));
  }
  return [...new Set(ids)];
}

/** Options of {@link withDatabase}. */
export interface WithDatabaseOptions {
  /** What the command needs of the platform schema (default `migrated`). */
  readonly platform?: PlatformRequirement;
}

/**
 * Checks the database URL, connects, runs the platform check the command needs, then `fn`, with
 * the operation watcher saying on stderr what a slow step runs or waits for. Closes everything
 * afterwards, whatever happens.
 *
 * @throws CliError `DATABASE_URL_MISSING` or `DATABASE_URL_INVALID` (exit 2) before connecting;
 * `DATABASE_UNREACHABLE`, `DATABASE_CONNECTION_REFUSED`, `PLATFORM_NOT_MIGRATED`,
 * `PLATFORM_OUTDATED` (exit 5); UnsupportedPostgresVersionError (exit 5) outside PostgreSQL
 * 15-17; whatever `fn` throws.
 */
export async function withDatabase<T>(
  context: CommandContext,
  fn: (db: Kysely<any>) => Promise<T>,
  options: WithDatabaseOptions = {},
): Promise<T> {
  if (context.databaseUrl === undefined || context.databaseUrl.trim() === '') {
    throw new CliError(
      'DATABASE_URL_MISSING',
      EXIT_CODES.USAGE,
      'no database: set DATABASE_URL or pass --database-url postgres://user@host/db',
    );
  }
  const target = parseDatabaseUrl(context.databaseUrl, context.databaseUrlSource, context.env);
  const connection = await connectDatabase(target);
  try {
    // PostgreSQL 15-17 first: another version fails later in less readable ways.
    await checkPostgresVersion(connection.db);
    await requirePlatform(connection.db, options.platform ?? 'migrated', context.out);
    const watcher = watchOperation(connection, context.out);
    try {
      return await fn(connection.db);
    } finally {
      await watcher.stop();
    }
  } finally {
    await connection.close();
  }
}

/** A string option's value, or undefined; an empty value is a usage error naming the flag. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const raw = context.options[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw invalidOption(`--${name}`, 'needs a value', raw);
  }
  return raw;
}

/** `--lock-timeout <ms>` as a number, or undefined. */
export function lockTimeoutOption(context: CommandContext): number | undefined {
  const raw = stringOption(context, 'lock-timeout');
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw invalidOption('--lock-timeout', `takes a positive integer (ms), got "${raw}"`, raw);
  }
  return ms;
}

/** `--actor <name>`, default `dramac-modules`. */
export function actorOption(context: CommandContext): string {
  return stringOption(context, 'actor') ?? 'dramac-modules';
}

/**
 * `--site <uuid>`, required and lower-cased.
 *
 * @throws CliError `OPTION_REQUIRED` or `INVALID_OPTION` (exit 2) naming `--site`.
 */
export function siteOption(context: CommandContext, command: string): string {
  const raw = context.options.site;
  if (raw === undefined) {
    throw new CliError('OPTION_REQUIRED', EXIT_CODES.USAGE, `${command} needs --site <uuid>`, {
      details: { option: '--site' },
    });
  }
  if (typeof raw !== 'string' || !UUID.test(raw.trim())) {
    throw invalidOption('--site', `must be a site id (a UUID), got "${String(raw)}"`, raw);
  }
  return raw.trim().toLowerCase();
}

/** A module argument: exactly one. */
export async function oneModuleId(context: CommandContext, command: string): Promise<string> {
  const ids = await readModuleIds(context);
  if (ids.length !== 1) {
    throw new CliError(
      'USAGE',
      EXIT_CODES.USAGE,
      `${command} takes exactly one module (a module id or a definition file), got ${ids.length}`,
    );
  }
  return ids[0] as string;
}

/**
 * A library call's validation error about one of its options, as the usage error it is at the
 * command line: `flags` maps the option's path (`siteId`, `retainFor`) to the flag that set it.
 * Anything else is returned unchanged.
 */
export function asFlagError(error: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (!isDefinitionValidationError(error)) return error;
  const issue = error.issues.find((i) => flags[i.path] !== undefined);
  if (!issue) return error;
  return new CliError(
    'INVALID_OPTION',
    EXIT_CODES.USAGE,
    `${flags[issue.path]}: ${issue.message}`,
    { cause: error, details: { option: flags[issue.path], issues: error.issues } },
  );
}

/**
 * Ends a destructive command without `--yes`.
 *
 * @throws CliError `CONFIRMATION_REQUIRED` (exit 2).
 */
export function requireYes(context: CommandContext, what: string): void {
  if (!context.options.yes) {
    throw new CliError('CONFIRMATION_REQUIRED', EXIT_CODES.USAGE, `${what}: add --yes to confirm`);
  }
}
