import { CliError, EXIT_CODES } from './exit-codes';

/** A checked PostgreSQL connection URL and what messages may show of it. */
export interface DatabaseUrl {
  /** The URL as given (passed to the driver). */
  readonly url: string;
  /** Where it came from: `--database-url` or `DATABASE_URL`. */
  readonly source: string;
  /** The URL without its password, for messages. */
  readonly display: string;
  /** `host:port` (or the socket directory), for messages. */
  readonly address: string;
  /** Seconds to wait for the connection: `connect_timeout` in the URL, else `PGCONNECT_TIMEOUT`, else 10. */
  readonly connectTimeoutSeconds: number;
}

const EXAMPLE = 'postgres://user:password@host:5432/database';

/** The URL with its password replaced, safe to print. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

/**
 * Checks a connection URL before anything connects: it must parse as a URL, and its scheme must
 * be `postgres:` or `postgresql:` (anything else would be handed to the PostgreSQL driver and fail
 * later with a misleading error, e.g. `not a url` as host "base").
 *
 * @example
 * parseDatabaseUrl('postgres://app@db:5432/main', '--database-url', process.env).address; // 'db:5432'
 * @throws CliError `DATABASE_URL_INVALID` (exit 2) naming `source`; the password is never shown.
 */
export function parseDatabaseUrl(
  raw: string,
  source: string,
  env: Readonly<Record<string, string | undefined>> = {},
): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      'DATABASE_URL_INVALID',
      EXIT_CODES.USAGE,
      `${source} is not a URL: expected ${EXAMPLE}`,
      { details: { source } },
    );
  }
  const display = redactUrl(url);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new CliError(
      'DATABASE_URL_INVALID',
      EXIT_CODES.USAGE,
      `${source} is a ${url.protocol}// URL: dramac-modules connects to PostgreSQL only (postgres:// or postgresql://, e.g. ${EXAMPLE})`,
      { details: { source, url: display } },
    );
  }
  const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
  const address = `${host}:${url.port || '5432'}`;
  const timeoutRaw = url.searchParams.get('connect_timeout') ?? env.PGCONNECT_TIMEOUT;
  let connectTimeoutSeconds = 10;
  if (timeoutRaw !== undefined && timeoutRaw !== null && timeoutRaw !== '') {
    const seconds = Number(timeoutRaw);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new CliError(
        'DATABASE_URL_INVALID',
        EXIT_CODES.USAGE,
        `${url.searchParams.has('connect_timeout') ? `connect_timeout in ${source}` : 'PGCONNECT_TIMEOUT'} must be a positive number of seconds, got "${timeoutRaw}"`,
        { details: { source } },
      );
    }
    connectTimeoutSeconds = seconds;
  }
  return { url: raw, source, display, address, connectTimeoutSeconds };
}
