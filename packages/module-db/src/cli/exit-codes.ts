import { isModuleDbError } from '../errors';

/**
 * The exit codes of `dramac-modules`, stable across releases: scripts may branch on them.
 *
 * - `0` `OK`: done (or nothing to do).
 * - `1` `INTERNAL`: an unexpected error (a bug; the message says what).
 * - `2` `USAGE`: bad arguments, an unknown command, a missing `DATABASE_URL`, or a destructive
 *   command run without `--yes`. Nothing ran.
 * - `3` `CHECK_FAILED`: `check` found drift or orphans, or `lint` found problems.
 * - `4` `DEFINITION_INVALID`: a definition file could not be loaded or failed validation.
 * - `5` `DATABASE`: the database could not be reached or refused a statement.
 * - `6` `CONFLICT`: a conflict or a refused upgrade (destructive change without a migration
 *   step, downgrade, changed definition under the same version).
 * - `7` `NOT_FOUND`: the module (or site) is not there.
 * - `8` `ACCESS_DENIED`: the connection lacks a privilege the command needs.
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
} as const);

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** An error the CLI raises itself, with the exit code it ends with. */
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

// Node's network errors when the server cannot be reached at all.
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
]);

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
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRORS.has(code)) return EXIT_CODES.DATABASE;
    // A SQLSTATE from the driver: five characters.
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return code === '42501' ? EXIT_CODES.ACCESS_DENIED : EXIT_CODES.DATABASE;
    }
  }
  return EXIT_CODES.INTERNAL;
}
