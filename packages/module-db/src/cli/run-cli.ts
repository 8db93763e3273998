import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import type { CliCommand, CommandResult } from './cli-command';
import { CliOutput, type CliStreams } from './cli-output';
import { checkCommand } from './commands/check-command';
import { deprovisionCommand } from './commands/deprovision-command';
import { devCommand } from './commands/dev-command';
import { dropDueCommand } from './commands/drop-due-command';
import { initCommand } from './commands/init-command';
import { installSiteCommand } from './commands/install-site-command';
import { lintCommand } from './commands/lint-command';
import { migrateCommand } from './commands/migrate-command';
import { planCommand } from './commands/plan-command';
import { provisionCommand, upgradeCommand } from './commands/provision-command';
import { repairCommand } from './commands/repair-command';
import { statusCommand } from './commands/status-command';
import { uninstallSiteCommand } from './commands/uninstall-site-command';
import { usageCommand } from './commands/usage-command';
import { describeError, errorJson } from './error-report';
import {
  CliError,
  EXIT_CODES,
  type ExitCode,
  exitCodeFor,
  renderExitCodeTable,
} from './exit-codes';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  initCommand,
  devCommand,
  planCommand,
  provisionCommand,
  upgradeCommand,
  statusCommand,
  usageCommand,
  checkCommand,
  lintCommand,
  installSiteCommand,
  uninstallSiteCommand,
  deprovisionCommand,
  dropDueCommand,
  repairCommand,
  migrateCommand,
];

const GLOBAL_OPTIONS = {
  'database-url': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `dramac-modules ${version}: provision and inspect DRAMAC module databases

Usage: dramac-modules <command> [arguments] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Definitions come from .json files (a definition, an array, or { "modules": [...] }) or from
TypeScript/JavaScript modules (their default export, else every exported definition). TypeScript
needs Node's type stripping (Node 22.18+) for self-contained files, or tsx for anything else:
  npx tsx node_modules/@dramac/module-db/dist/cli.js plan src/module.ts

The database comes from DATABASE_URL (or --database-url); the pg package must be installed.

Options: --json (one JSON document on stdout), -h/--help, --version
Run "dramac-modules <command> --help" for a command's options and exit codes.

Exit codes (the same for every command; --json prints them too, as "exitCode"):
${renderExitCodeTable()}

With --json, stdout holds exactly one JSON document, success or failure:
  { "ok": <exitCode is 0>, "command": "<name>", "exitCode": <n>, ...results,
    "error": { "code", "name", "message", ...details } }   (error only when ok is false)`;
}

/**
 * Runs `dramac-modules` with `argv` (without the node and script paths) and returns the exit
 * code; writes to `streams`. Never throws: every failure becomes an exit code and a message.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), process, process.env);
 */
export async function runCli(
  argv: readonly string[],
  streams: CliStreams,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ExitCode> {
  const json = argv.includes('--json');
  const out = new CliOutput(streams, json);
  /** Ends the run: the one JSON document (or the error on stderr) and the exit code. */
  const finish = (
    command: string | null,
    fields: Record<string, unknown>,
    error: unknown,
  ): ExitCode => {
    const exitCode = error === undefined ? EXIT_CODES.OK : exitCodeFor(error);
    const { ok: _ok, exitCode: _exitCode, error: _error, command: _command, ...rest } = fields;
    out.result({
      ok: exitCode === EXIT_CODES.OK,
      command,
      exitCode,
      ...rest,
      ...(error === undefined ? {} : { error: errorJson(error) }),
    });
    if (error !== undefined && !json) out.warn(describeError(error));
    return exitCode;
  };
  const fail = (error: unknown, command: string | null = null) => finish(command, {}, error);

  // The command is the first argument naming one (flags may come first); else the first word.
  const name =
    argv.find((a) => a === 'help' || COMMANDS.some((c) => c.name === a)) ??
    (argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined);
  if (argv.includes('--version') && name === undefined) {
    streams.stdout.write(`${version}\n`);
    return EXIT_CODES.OK;
  }
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? argv[argv.indexOf('help') + 1] : undefined;
    const command = COMMANDS.find((c) => c.name === topic);
    const asked = argv.includes('--help') || argv.includes('-h') || name === 'help';
    if (!asked && json) {
      // --json promises one JSON document on stdout, not the help text.
      return fail(
        new CliError(
          'USAGE',
          EXIT_CODES.USAGE,
          `name a command: one of ${COMMANDS.map((c) => c.name).join(', ')}`,
        ),
      );
    }
    streams.stdout.write(`${command ? command.help : mainHelp()}\n`);
    return asked ? EXIT_CODES.OK : EXIT_CODES.USAGE;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    return fail(
      new CliError(
        'UNKNOWN_COMMAND',
        EXIT_CODES.USAGE,
        `unknown command "${name}": one of ${COMMANDS.map((c) => c.name).join(', ')}`,
      ),
    );
  }
  const rest = [...argv];
  rest.splice(argv.indexOf(name), 1);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return fail(
      new CliError(
        'USAGE',
        EXIT_CODES.USAGE,
        `${(error as Error).message}. Run "dramac-modules ${name} --help".`,
      ),
      name,
    );
  }
  if (parsed.values.help) {
    streams.stdout.write(`${command.help}\n`);
    return EXIT_CODES.OK;
  }
  let result: CommandResult;
  try {
    const fromFlag = parsed.values['database-url'] as string | undefined;
    const url = fromFlag ?? env.DATABASE_URL;
    result = await command.run({
      args: parsed.positionals,
      options: parsed.values,
      out,
      databaseUrl: url === '' ? undefined : url,
      databaseUrlSource: fromFlag !== undefined ? '--database-url' : 'DATABASE_URL',
      env,
    });
  } catch (error) {
    return fail(error, command.name);
  }
  return finish(command.name, result.json, result.error);
}
