import type { ParseArgsConfig } from 'node:util';
import type { CliOutput } from './cli-output';

/** Option values after parsing (strings and booleans, as `node:util` parseArgs gives them). */
export type OptionValues = Readonly<
  Record<string, string | boolean | (string | boolean)[] | undefined>
>;

/** What a command gets to run with. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly options: OptionValues;
  readonly out: CliOutput;
  /** `--database-url`, else `DATABASE_URL` (unchecked: `withDatabase` parses it). */
  readonly databaseUrl: string | undefined;
  /** Where {@link databaseUrl} came from, for messages: `--database-url` or `DATABASE_URL`. */
  readonly databaseUrlSource: string;
  /** The environment (`PGCONNECT_TIMEOUT`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * What a command ends with: the fields of the JSON document `--json` prints, and the `error` that
 * made it fail, if any. The exit code follows from the error (0 without one), and the runner
 * adds `ok`, `command`, `exitCode` and `error` in the same shape for every command. A command
 * that failed part-way (a multi-module run) returns what it did plus the error that stopped it;
 * a command may also throw, which ends the same way with no other fields.
 */
export interface CommandResult {
  readonly json: Record<string, unknown>;
  readonly error?: unknown;
}

/** One `dramac-modules` command. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** `--help` text: usage, description, options, exit codes particular to the command. */
  readonly help: string;
  /** The command's own options (the global ones are added by the runner). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(context: CommandContext): Promise<CommandResult>;
}
