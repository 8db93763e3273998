import { type Kysely, sql } from 'kysely';
import {
  SUPPORTED_POSTGRES_VERSIONS,
  UnsupportedPostgresVersionError,
} from './prerequisite-errors';

/** The server's version, as {@link checkPostgresVersion} read it. */
export interface PostgresVersion {
  /** `server_version`, e.g. `17.6` or `15.8 (Debian 15.8-1)`. */
  readonly version: string;
  /** `server_version_num`, e.g. `170006`. */
  readonly num: number;
  /** The major version, e.g. `17`. */
  readonly major: number;
}

/**
 * Reads the server's version and checks it is one this package supports (PostgreSQL 15, 16 or
 * 17; Supabase runs 15 and 17). Run first, before anything that would fail in a less readable
 * way on another version.
 *
 * @example
 * const { major } = await checkPostgresVersion(db); // 17
 * @throws UnsupportedPostgresVersionError (`POSTGRES_VERSION_UNSUPPORTED`) naming the version
 * found and the supported range.
 */
export async function checkPostgresVersion(db: Kysely<any>): Promise<PostgresVersion> {
  const { rows } = await sql<{ version: string; num: string }>`
    select pg_catalog.current_setting('server_version') as version,
      pg_catalog.current_setting('server_version_num') as num`.execute(db);
  return assertSupportedPostgresVersion(rows[0]?.version ?? 'unknown', Number(rows[0]?.num ?? 0));
}

/**
 * The version check of {@link checkPostgresVersion} on the values a server reported
 * (`server_version`, `server_version_num`).
 *
 * @example
 * assertSupportedPostgresVersion('17.6', 170006).major; // 17
 * assertSupportedPostgresVersion('18.1', 180001); // throws: PostgreSQL 18.1 is not supported ... 15-17
 * @throws UnsupportedPostgresVersionError outside 15-17.
 */
export function assertSupportedPostgresVersion(version: string, num: number): PostgresVersion {
  const major = Math.floor(num / 10000);
  if (
    !Number.isFinite(major) ||
    major < SUPPORTED_POSTGRES_VERSIONS.min ||
    major > SUPPORTED_POSTGRES_VERSIONS.max
  ) {
    throw new UnsupportedPostgresVersionError(version, num);
  }
  return { version, num, major };
}
