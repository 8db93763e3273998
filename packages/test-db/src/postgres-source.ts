import { startEmbeddedPostgres } from './embedded-postgres-server';

/** Where the test PostgreSQL came from. */
export type PostgresSourceKind = 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres';

/** A PostgreSQL server the harness can create databases on. */
export interface PostgresSource {
  readonly kind: PostgresSourceKind;
  /** A connection URL whose user may `CREATE DATABASE` and `CREATE ROLE`. */
  readonly url: string;
  /** Why this source was chosen (printed once per run). */
  readonly reason: string;
  stop(): Promise<void>;
}

async function tryTestcontainers(): Promise<PostgresSource | string> {
  let mod: typeof import('testcontainers');
  try {
    mod = await import('testcontainers');
  } catch (error) {
    return `testcontainers could not be loaded (${(error as Error).message})`;
  }
  try {
    await mod.getContainerRuntimeClient();
  } catch (error) {
    return `no container runtime (${(error as Error).message.split('\n')[0]})`;
  }
  const container = await new mod.GenericContainer('postgres:17')
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
    .withExposedPorts(5432)
    .withWaitStrategy(mod.Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const url = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return {
    kind: 'testcontainers',
    url,
    reason: 'a container runtime is available',
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Picks the PostgreSQL server for a test run, in this order: `DATABASE_URL` if set; a
 * `postgres:17` container through testcontainers when a container runtime answers (unless
 * `DRAMAC_TEST_NO_CONTAINERS=1`); otherwise a server of its own on the binaries in
 * `DRAMAC_TEST_POSTGRES_BIN`, or PostgreSQL 17 from `embedded-postgres`.
 *
 * @example
 * const source = await acquirePostgres();
 * console.log(source.kind, source.reason);
 * await source.stop();
 * @throws Error when the chosen source fails to start.
 */
export async function acquirePostgres(
  env: Record<string, string | undefined> = process.env,
): Promise<PostgresSource> {
  const fromEnv = env.DATABASE_URL;
  if (fromEnv) {
    return {
      kind: 'DATABASE_URL',
      url: fromEnv,
      reason: 'DATABASE_URL is set',
      stop: async () => {},
    };
  }
  const skipContainers = env.DRAMAC_TEST_NO_CONTAINERS === '1';
  const containerResult = skipContainers
    ? 'DRAMAC_TEST_NO_CONTAINERS=1'
    : await tryTestcontainers();
  if (typeof containerResult !== 'string') return containerResult;
  const binDir = env.DRAMAC_TEST_POSTGRES_BIN || undefined;
  const server = await startEmbeddedPostgres(binDir === undefined ? {} : { binDir });
  return {
    kind: 'embedded-postgres',
    url: server.url,
    reason:
      binDir === undefined
        ? `DATABASE_URL is not set and ${containerResult}`
        : `the binaries in ${binDir} (DRAMAC_TEST_POSTGRES_BIN)`,
    stop: () => server.stop(),
  };
}
