import { isModuleDbError } from '../errors';

/**
 * The exit codes of `dramac-modules`, stable across releases: scripts may branch on them.
 * {@link EXIT_CODE_TABLE} says what each means; `--help` and the README print that table.
 */
export const EXIT_CODES = Object.freeze({
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CHECK_FAILED: 3,
  DEFINITION_INVALID: 4,
  DATABASE: 5,
  CONFLICT: 6,
  NOT_FOUND: 7,
  ACCESS_DENIED: 8,
  FILE_EXISTS: 9,
} as const);

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** One row of the exit-code table. */
export interface ExitCodeRow {
  readonly exitCode: ExitCode;
  readonly name: keyof typeof EXIT_CODES;
  readonly meaning: string;
}

/** What every exit code means: the one table `--help` and the README show. */
export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = Object.freeze([
  { exitCode: 0, name: 'OK', meaning: 'done, or nothing to do' },
  {
    exitCode: 1,
    name: 'INTERNAL',
    meaning: 'an unexpected error (a bug: the message says what happened)',
  },
  {
    exitCode: 2,
    name: 'USAGE',
    meaning:
      'bad arguments or flag values, unknown command, missing or invalid database URL, missing --yes; nothing ran',
  },
  {
    exitCode: 3,
    name: 'CHECK_FAILED',
    meaning: 'check found drift or orphans, or lint found errors or warnings',
  },
  {
    exitCode: 4,
    name: 'DEFINITION_INVALID',
    meaning: 'a definition or seed file could not be loaded or failed validation; nothing ran',
  },
  {
    exitCode: 5,
    name: 'DATABASE',
    meaning:
      'the database is unreachable, refused the connection, is not migrated, or refused a statement (SQLSTATE shown)',
  },
  {
    exitCode: 6,
    name: 'CONFLICT',
    meaning:
      'a conflict, a deprecated module, or a refused upgrade (undeclared destructive change)',
  },
  { exitCode: 7, name: 'NOT_FOUND', meaning: 'the module or site is not there' },
  {
    exitCode: 8,
    name: 'ACCESS_DENIED',
    meaning: 'the connection lacks a privilege the command needs',
  },
  {
    exitCode: 9,
    name: 'FILE_EXISTS',
    meaning: 'a file the command would write exists already: it is never overwritten; nothing ran',
  },
] satisfies ExitCodeRow[]);

/** The exit-code table as `--help` prints it. */
export function renderExitCodeTable(indent = '  '): string {
  const width = Math.max(...EXIT_CODE_TABLE.map((r) => r.name.length));
  return EXIT_CODE_TABLE.map(
    (r) => `${indent}${r.exitCode}  ${r.name.padEnd(width)}  ${r.meaning}`,
  ).join('\n');
}

/**
 * An error the CLI raises itself, with the exit code it ends with. `details` are extra fields of
 * its JSON form (e.g. `option` for a bad flag value, `invalid` for invalid definitions).
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  /** Structured details for `--json` (e.g. every invalid definition with its issues). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = options?.details;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.details };
  }
}

/** A bad value for a flag: a usage error (exit 2) that names the flag. */
export function invalidOption(option: string, message: string, value?: unknown): CliError {
  return new CliError('INVALID_OPTION', EXIT_CODES.USAGE, `${option}: ${message}`, {
    details: { option, ...(value === undefined ? {} : { value }) },
  });
}

// Node's network errors when the server cannot be reached at all.
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Whether `error` says the connection to PostgreSQL failed or was lost (no SQLSTATE). */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (typeof e?.code === 'string' && CONNECTION_ERRORS.has(e.code)) return true;
  // node-postgres: a dropped or timed-out connection is a plain Error with one of these messages.
  if (
    typeof e?.message === 'string' &&
    /^(Connection terminated|Connection ended|timeout expired|Client has encountered a connection error)/i.test(
      e.message,
    )
  ) {
    return true;
  }
  // Happy eyeballs: one error per address tried.
  if (Array.isArray(e?.errors) && e.errors.length > 0) return e.errors.every(isConnectionFailure);
  return false;
}

/** The exit code an error ends the CLI with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (isModuleDbError(error)) {
    switch (error.code) {
      case 'DEFINITION_INVALID':
        return EXIT_CODES.DEFINITION_INVALID;
      case 'CONFLICT':
      case 'UPGRADE_REFUSED':
        return EXIT_CODES.CONFLICT;
      case 'NOT_FOUND':
        return EXIT_CODES.NOT_FOUND;
      case 'ACCESS_DENIED':
        return EXIT_CODES.ACCESS_DENIED;
      case 'INVALID_QUERY':
        return EXIT_CODES.USAGE;
      case 'NOT_SUPPORTED':
        return EXIT_CODES.INTERNAL;
      default:
        return EXIT_CODES.DATABASE;
    }
  }
  if (isConnectionFailure(error)) return EXIT_CODES.DATABASE;
  const code = (error as { code?: unknown } | null)?.code;
  // A SQLSTATE from the driver: five characters.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return code === '42501' ? EXIT_CODES.ACCESS_DENIED : EXIT_CODES.DATABASE;
  }
  return EXIT_CODES.INTERNAL;
}
