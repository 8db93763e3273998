// Starts the playground: a PostgreSQL (embedded, or DATABASE_URL), the platform migration and the
// demo platform, then Next.js (`dev` or `start`) with DATABASE_URL pointing at it.
//
//   tsx --conditions=@dramac/source scripts/start.ts dev|start [--seed] [--port N] [--host H]
//
// Environment: DATABASE_URL (use that database; seeds only with --seed), PLAYGROUND_DATA_DIR
// (where the embedded cluster lives; default apps/playground/.data/postgres), PORT, PLAYGROUND_HOST.
//
// The site has no authentication and offers drop and purge actions, so it listens on 127.0.0.1
// only unless asked otherwise (`--host 0.0.0.0` or PLAYGROUND_HOST=0.0.0.0).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migratePlatform } from '@dramac/module-db';
import {
  connect,
  type EmbeddedPostgresServer,
  PLATFORM_FIXTURES_SQL,
  runScripts,
  SUPABASE_COMPAT_SQL,
  startEmbeddedPostgres,
} from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { hasAnyAgency, hasDemoPlatform, seedDemoPlatform } from '../src/lib/demo-platform';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const mode = args[0] === 'start' ? 'start' : 'dev';
const forceSeed = args.includes('--seed');
const portArg = args.indexOf('--port');
const hostArg = args.indexOf('--host');
const host = (hostArg >= 0 ? args[hostArg + 1] : process.env.PLAYGROUND_HOST) || '127.0.0.1';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const say = (line: string) => console.log(`[playground] ${line}`);

/** Prints a failure as a few readable lines (no stack trace) and exits. */
function fail(headline: string, error: unknown, hints: readonly string[] = []): never {
  const message = error instanceof Error ? error.message : String(error);
  const [first, ...rest] = message.split('\n').filter((l) => l.trim() !== '');
  console.error(`\n[playground] ${headline}`);
  console.error(`  ${first ?? 'unknown error'}`);
  for (const line of rest.slice(-6)) console.error(`    ${line.trim()}`);
  for (const hint of hints) console.error(`  -> ${hint}`);
  process.exit(1);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

async function choosePort(): Promise<number> {
  const wanted = Number(portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 3000));
  for (let port = wanted; port < wanted + 20; port++) if (await portIsFree(port)) return port;
  return wanted;
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL (unparsable)';
  }
}

async function exists(db: Kysely<any>, query: ReturnType<typeof sql<{ ok: boolean }>>) {
  const { rows } = await query.execute(db);
  return rows[0]?.ok === true;
}

let server: EmbeddedPostgresServer | undefined;
let databaseUrl: string;
let kind: 'embedded' | 'external';
let dataDir: string | null = null;

if (process.env.DATABASE_URL) {
  kind = 'external';
  databaseUrl = process.env.DATABASE_URL;
} else {
  kind = 'embedded';
  dataDir = resolve(process.env.PLAYGROUND_DATA_DIR ?? join(appDir, '.data', 'postgres'));
  // The parent must stay enterable: as root, PostgreSQL runs as the `postgres` OS user, and a
  // 0700 root-owned parent (what a recursive mkdir of the data folder would create) locks it out.
  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  if (parent === join(appDir, '.data')) await chmod(parent, 0o755);
  say(`starting the embedded PostgreSQL 17 (data in ${relative(process.cwd(), dataDir) || '.'})`);
  try {
    server = await startEmbeddedPostgres({ dataDir, persistent: true });
  } catch (error) {
    fail('Could not start the embedded PostgreSQL.', error, [
      'Is another playground still running on this data folder? Stop it, or delete',
      `${dataDir} to start from scratch (this deletes the demo data).`,
      'Or point the playground at a PostgreSQL of your own: DATABASE_URL=postgres://... pnpm dev',
    ]);
  }
  databaseUrl = server.url;
}

const db = connect(databaseUrl, 2);
try {
  await sql`select 1`.execute(db);
} catch (error) {
  await server?.stop();
  fail(`Could not connect to ${describeUrl(databaseUrl)}.`, error, [
    'Check DATABASE_URL (user, password, host, port and database name).',
  ]);
}

try {
  if (kind === 'embedded') {
    // A plain PostgreSQL: Supabase's roles and auth functions, and the platform's tables.
    await runScripts(databaseUrl, [SUPABASE_COMPAT_SQL, PLATFORM_FIXTURES_SQL]);
  } else {
    // Someone's database: the compatibility layer only where Supabase is absent, never over it.
    const hasAuth = await exists(
      db,
      sql<{ ok: boolean }>`select exists (select 1 from pg_namespace where nspname = 'auth') as ok`,
    );
    const hasSites = await exists(
      db,
      sql<{ ok: boolean }>`select to_regclass('public.sites') is not null as ok`,
    );
    const scripts = [
      ...(hasAuth ? [] : [SUPABASE_COMPAT_SQL]),
      ...(hasSites ? [] : [PLATFORM_FIXTURES_SQL]),
    ];
    if (scripts.length > 0) await runScripts(databaseUrl, scripts);
  }
  const migrated = await migratePlatform(db);
  say(`platform migrations: ${JSON.stringify(migrated).slice(0, 160)}`);
  if (kind === 'embedded' ? forceSeed || !(await hasAnyAgency(db)) : forceSeed) {
    await seedDemoPlatform(db);
    say('seeded the demo platform: 2 agencies, 3 sites, 4 users');
  } else if (!(await hasDemoPlatform(db))) {
    say('the demo platform is not seeded: use --seed or the button on the Overview page');
  }
} catch (error) {
  await db.destroy();
  await server?.stop();
  fail(`Could not prepare the database at ${describeUrl(databaseUrl)}.`, error);
}
await db.destroy();

const port = await choosePort();
const require = createRequire(import.meta.url);
const nextBin = join(dirname(require.resolve('next/package.json')), 'dist', 'bin', 'next');
if (!LOOPBACK.has(host)) {
  say(`WARNING: listening on ${host}, not only on this machine: anyone who can reach it can`);
  say('drop modules and purge site data (the playground has no authentication).');
}
const child: ChildProcess = spawn(
  process.execPath,
  [nextBin, mode, '--port', String(port), '--hostname', host],
  {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Its own process group: `next` runs the server in a child of its own, and stopping the group
    // stops both (a SIGTERM to `next` alone can leave its server behind).
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PLAYGROUND_DB_KIND: kind,
      PLAYGROUND_DATA_DIR_RESOLVED: dataDir ?? '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
);
let announced = false;
child.stdout?.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready in/.test(String(chunk))) {
    announced = true;
    const where =
      kind === 'embedded'
        ? `embedded PostgreSQL 17 at ${describeUrl(databaseUrl)}, data in ${dataDir}`
        : `DATABASE_URL ${describeUrl(databaseUrl)}`;
    const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    say(`open http://${shown}:${port}`);
    say(`database: ${where}`);
  }
});

function stopGroup(signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}
process.on('exit', () => stopGroup('SIGKILL'));

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    stopGroup('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
  }
  stopGroup('SIGKILL');
  await server?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
child.on('exit', (code) => void shutdown(code ?? 0));
