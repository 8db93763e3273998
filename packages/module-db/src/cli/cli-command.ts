import type { ParseArgsConfig } from 'node:util';
import type { CliOutput } from './cli-output';
import type { ExitCode } from './exit-codes';

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
  /** `--database-url`, else `DATABASE_URL`. */
  readonly databaseUrl: string | undefined;
}

/**
 * What a command ends with: its exit code and the JSON document `--json` prints. A command that
 * failed part-way (a multi-module run) returns what it did plus the `error` that stopped it; the
 * runner reports that error as it reports a thrown one.
 */
export interface CommandResult {
  readonly exitCode: ExitCode;
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
