import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { isDefinitionValidationError, isModuleDbError } from '../errors';
import type { CliCommand, CommandResult } from './cli-command';
import { CliOutput, type CliStreams } from './cli-output';
import { checkCommand } from './commands/check-command';
import { deprovisionCommand } from './commands/deprovision-command';
import { lintCommand } from './commands/lint-command';
import { migrateCommand } from './commands/migrate-command';
import { planCommand } from './commands/plan-command';
import { provisionCommand, upgradeCommand } from './commands/provision-command';
import { statusCommand } from './commands/status-command';
import { uninstallSiteCommand } from './commands/uninstall-site-command';
import { CliError, EXIT_CODES, type ExitCode, exitCodeFor } from './exit-codes';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  planCommand,
  provisionCommand,
  upgradeCommand,
  statusCommand,
  checkCommand,
  lintCommand,
  uninstallSiteCommand,
  deprovisionCommand,
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

Exit codes: 0 ok, 1 internal error, 2 usage, 3 check/lint found problems, 4 invalid definition,
5 database error, 6 conflict or refused upgrade, 7 not found, 8 access denied.`;
}

/** Human-readable lines for an error: code, message, and what PostgreSQL or validation said. */
function describeError(error: unknown): string {
  if (error instanceof CliError) return `error [${error.code}]: ${error.message}`;
  if (isModuleDbError(error)) {
    const lines = [`error [${error.code}]: ${error.message}`];
    if (isDefinitionValidationError(error)) {
      for (const i of error.issues)
        lines.push(`  - ${i.path || '(root)'}: ${i.message} [${i.code}]`);
    }
    const e = error as unknown as Record<string, unknown>;
    if (typeof e.sqlstate === 'string') lines.push(`  sqlstate: ${e.sqlstate}`);
    if (typeof e.detail === 'string') lines.push(`  detail: ${e.detail}`);
    if (typeof e.hint === 'string') lines.push(`  hint: ${e.hint}`);
    // UpgradeRefusedError: each refused change on its own line.
    if (Array.isArray(e.changes)) {
      for (const r of e.changes as { description?: string }[]) {
        lines.push(`  - refused: ${r.description}`);
      }
    }
    return lines.join('\n');
  }
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? ` [${e.code}]` : '';
  return `error${code}: ${error instanceof Error ? error.message : String(error)}`;
}

function errorJson(error: unknown): unknown {
  const e = error as { toJSON?: () => unknown; code?: unknown; message?: unknown } | null;
  if (typeof e?.toJSON === 'function') return e.toJSON();
  return {
    name: error instanceof Error ? error.name : 'Error',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: error instanceof Error ? error.message : String(error),
  };
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
  const fail = (error: unknown): ExitCode => {
    const exitCode = exitCodeFor(error);
    if (json) out.result({ ok: false, exitCode, error: errorJson(error) });
    else out.warn(describeError(error));
    return exitCode;
  };

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
    streams.stdout.write(`${command ? command.help : mainHelp()}\n`);
    const asked = argv.includes('--help') || argv.includes('-h') || name === 'help';
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
    );
  }
  if (parsed.values.help) {
    streams.stdout.write(`${command.help}\n`);
    return EXIT_CODES.OK;
  }
  let result: CommandResult;
  try {
    const url = (parsed.values['database-url'] as string | undefined) ?? env.DATABASE_URL;
    result = await command.run({
      args: parsed.positionals,
      options: parsed.values,
      out,
      databaseUrl: url === '' ? undefined : url,
    });
  } catch (error) {
    return fail(error);
  }
  if (result.error !== undefined) {
    const exitCode = exitCodeFor(result.error);
    if (json) {
      out.result({ ...result.json, exitCode, error: errorJson(result.error) });
    } else {
      out.warn(describeError(result.error));
    }
    return exitCode;
  }
  out.result({ ...result.json, exitCode: result.exitCode });
  return result.exitCode;
}
