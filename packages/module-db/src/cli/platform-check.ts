import type { Kysely } from 'kysely';
import { PLATFORM_MIGRATIONS } from '../platform/platform-migrations';
import type { CliOutput } from './cli-output';
import { CliError, EXIT_CODES } from './exit-codes';
import { readPlatformVersion } from './read-platform-version';

/**
 * What a command needs of the platform schema:
 * - `none`: nothing (`migrate` itself);
 * - `migrated`: any migrated version (commands that only read); an older one than this CLI ships
 *   gets a warning;
 * - `current`: the newest version this CLI ships (commands that write call the newest platform
 *   functions).
 */
export type PlatformRequirement = 'none' | 'migrated' | 'current';

/** The newest platform version this CLI ships. */
export const LATEST_PLATFORM_VERSION = PLATFORM_MIGRATIONS.at(-1)?.version ?? 0;

const MIGRATE_HINT =
  'run `dramac-modules migrate` (or `provision --migrate-platform`), or migratePlatform(db)';

/**
 * The one platform check every command that needs the platform runs before anything else, so an
 * unmigrated database is reported as such instead of as a raw `42P01` from whichever query came
 * first. Returns the platform version (null when not migrated and `requirement` is `none`).
 *
 * @example
 * await requirePlatform(db, 'current', out); // 5
 * @throws CliError `PLATFORM_NOT_MIGRATED` or `PLATFORM_OUTDATED` (exit 5).
 */
export async function requirePlatform(
  db: Kysely<any>,
  requirement: PlatformRequirement,
  out: CliOutput,
): Promise<number | null> {
  if (requirement === 'none') return null;
  const version = await readPlatformVersion(db);
  if (version === null) {
    throw new CliError(
      'PLATFORM_NOT_MIGRATED',
      EXIT_CODES.DATABASE,
      `the platform is not migrated in this database: ${MIGRATE_HINT}`,
      { details: { platformVersion: null, expected: LATEST_PLATFORM_VERSION } },
    );
  }
  if (version < LATEST_PLATFORM_VERSION) {
    if (requirement === 'current') {
      throw new CliError(
        'PLATFORM_OUTDATED',
        EXIT_CODES.DATABASE,
        `the platform is at version ${version}, this CLI needs ${LATEST_PLATFORM_VERSION}: ${MIGRATE_HINT}`,
        { details: { platformVersion: version, expected: LATEST_PLATFORM_VERSION } },
      );
    }
    out.warn(
      `warning: the platform is at version ${version}, this CLI ships ${LATEST_PLATFORM_VERSION}: ${MIGRATE_HINT}`,
    );
  } else if (version > LATEST_PLATFORM_VERSION) {
    out.warn(
      `warning: the platform is at version ${version}, newer than this CLI knows (${LATEST_PLATFORM_VERSION}): use a newer @dramac/module-db`,
    );
  }
  return version;
}
