/**
 * The interleaved multi-tenant workload behind PgBouncer in transaction pooling mode: many client
 * connections share two server connections, so consecutive transactions of different tenants run
 * on the same server backend. Role and claims are transaction-local (`set_config(..., true)`), so
 * no probe between them may find a module role or claims, and no call may see another site's row.
 * PgBouncer (Debian's `pgbouncer`) is started by the test on a free port; without the binary the
 * test is skipped with the reason printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migratePlatform } from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { misplacedRows, prepareWorkload, runWorkload } from './interleaved-workload';

const BINARY = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));
const skipReason = BINARY
  ? undefined
  : 'pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)';
if (skipReason) console.log(`[pgbouncer] skipped: ${skipReason}`);

let tdb: TestDatabase;
let bouncer: ChildProcess | undefined;
let dir: string;
let bouncerUrl: string;
const log: string[] = [];

async function startPgBouncer(): Promise<void> {
  const admin = new URL(inject('dramacPostgres').adminUrl);
  const user = decodeURIComponent(admin.username);
  const password = decodeURIComponent(admin.password);
  const port = await findFreePort();
  dir = join(tmpdir(), `dramac-pgbouncer-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  await writeFile(join(dir, 'userlist.txt'), `${quote(user)} ${quote(password)}\n`);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${tdb.name} = host=${admin.hostname} port=${admin.port || 5432} dbname=${tdb.name}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = md5',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      // Two server connections for many clients: tenants take turns on the same backends.
      'default_pool_size = 2',
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      'max_client_conn = 200',
      'server_reset_query =',
      'ignore_startup_parameters = extra_float_digits,options',
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root: as root, run it as the postgres OS user (-u).
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    const { execFileSync } = await import('node:child_process');
    execFileSync('chown', ['-R', 'postgres', dir]);
  }
  const args = [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')];
  bouncer = spawn(BINARY as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = bouncer;
  process.once('exit', () => child.kill('SIGKILL'));
  bouncer.stdout?.on('data', (d) => log.push(String(d)));
  bouncer.stderr?.on('data', (d) => log.push(String(d)));
  const url = new URL(admin.toString());
  url.port = String(port);
  url.pathname = `/${tdb.name}`;
  bouncerUrl = url.toString();
  // Wait until it accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new pg.Client({ connectionString: bouncerUrl });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline || bouncer.exitCode !== null) {
        throw new Error(
          `pgbouncer did not start: ${(error as Error).message}\n${log.join('').slice(-2000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

beforeAll(async () => {
  if (skipReason) return;
  tdb = await startTestDatabase();
  await migratePlatform(tdb.db as Kysely<any>);
  await startPgBouncer();
});
afterAll(async () => {
  if (bouncer && bouncer.exitCode === null) {
    await new Promise<void>((resolve) => {
      bouncer?.once('exit', () => resolve());
      bouncer?.kill('SIGINT');
    });
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  await tdb?.destroy();
});

describe.skipIf(skipReason !== undefined)('behind PgBouncer (transaction pooling)', () => {
  // (Before the first test: its control leaves a session-level setting on the server
  // connections on purpose.)
  // The one-round-trip transport: a node-postgres pool in pipeline mode, BEGIN, context,
  // statement and COMMIT sent together. PgBouncer before 1.21 (this machine has Debian's 1.18)
  // keeps no protocol-level prepared statements in transaction mode, so the transport is told
  // `preparedStatements: false`; and with the default (named statements) it must notice the
  // first lost or taken name and fall back by itself, with no call failing.
  it.each([
    ['preparedStatements: false', { preparedStatements: false }],
    ['named statements, falling back by itself', {}],
  ] as const)(
    'the pipelined pool transport (%s): no context leak, no cross-tenant row, no error',
    async (label, options) => {
      const db = tdb.db as Kysely<any>;
      const fixture = await prepareWorkload(db, tdb.factory);
      const pool = new pg.Pool({
        connectionString: bouncerUrl,
        max: 20,
        pipeline: true,
      } as pg.PoolConfig);
      pool.on('error', () => undefined);
      const probePool = new pg.Pool({ connectionString: bouncerUrl, max: 5 });
      probePool.on('error', () => undefined);
      const probes = new Kysely<any>({ dialect: new PostgresDialect({ pool: probePool }) });
      const tag = `p${randomUUID().slice(0, 8)}`;
      try {
        const started = Date.now();
        const transport = createPostgresTransport(pool, options);
        const report = await runWorkload(probes, fixture, 240, tag, transport);
        const rows = await misplacedRows(db, fixture, tag);
        console.log(
          `[pgbouncer] pipelined (${label}): ${report.operations} SDK operations + ${report.probes} context probes from 20 pipelined client connections over 2 server connections in ${Date.now() - started} ms: ${report.errors.length} errors, ${report.leaks.length} context leaks or cross-tenant rows, ${rows.total} rows written (${rows.misplaced} on the wrong site)`,
        );
        for (const e of [...report.errors, ...report.leaks].slice(0, 10))
          console.log(`[pgbouncer] ${e}`);
        expect(report.errors).toEqual([]);
        expect(report.leaks).toEqual([]);
        expect(rows).toEqual({ total: report.rowsWritten, misplaced: 0 });
        // Named statements were really sent (and so lost or taken, and recovered from) in the
        // second case only.
        const { rows: prepared } = await sql<{ n: number }>`
          select count(*)::int as n from pg_prepared_statements where name like 'dramac_%'`.execute(
          probes,
        );
        if ('preparedStatements' in options) expect(prepared[0]?.n).toBe(0);
        else expect(prepared[0]?.n).toBeGreaterThan(0);
      } finally {
        await probes.destroy();
        await pool.end();
      }
    },
  );

  it('the interleaved workload shows no context leak and no cross-tenant row', async () => {
    const db = tdb.db as Kysely<any>;
    const fixture = await prepareWorkload(db, tdb.factory);
    // 20 client connections over PgBouncer's 2 server connections.
    const pool = new pg.Pool({ connectionString: bouncerUrl, max: 20 });
    pool.on('error', () => undefined);
    const viaBouncer = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    const tag = `b${randomUUID().slice(0, 8)}`;
    try {
      const started = Date.now();
      const report = await runWorkload(viaBouncer, fixture, 240, tag);
      const pids = new Set<number>();
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
            viaBouncer,
          );
          if (rows[0]) pids.add(rows[0].pid);
        }),
      );
      const rows = await misplacedRows(db, fixture, tag);
      console.log(
        `[pgbouncer] ${report.operations} SDK operations + ${report.probes} context probes from 20 client connections over ${pids.size} server connections (pool_mode=transaction) in ${Date.now() - started} ms: ${report.errors.length} errors, ${report.leaks.length} context leaks or cross-tenant rows, ${rows.total} rows written (${rows.misplaced} on the wrong site)`,
      );
      for (const e of [...report.errors, ...report.leaks].slice(0, 10))
        console.log(`[pgbouncer] ${e}`);
      expect(pids.size).toBeLessThanOrEqual(2);
      expect(report.errors).toEqual([]);
      expect(report.leaks).toEqual([]);
      expect(rows).toEqual({ total: report.rowsWritten, misplaced: 0 });

      // Control: a session-level setting (what the transports never make) does outlive its
      // transaction here and reaches other clients, and the probe sees it.
      await sql`select set_config('request.jwt.claims', '{"sub":"session-level"}', false)`.execute(
        viaBouncer,
      );
      let leaked = 0;
      for (let i = 0; i < 10; i++) {
        const { rows: r } = await sql<{ claims: string | null }>`
          select nullif(current_setting('request.jwt.claims', true), '') as claims`.execute(
          viaBouncer,
        );
        if (r[0]?.claims?.includes('session-level')) leaked++;
      }
      console.log(
        `[pgbouncer] control: a session-level set_config reached ${leaked} of 10 later transactions of other clients`,
      );
      expect(leaked).toBeGreaterThan(0);
    } finally {
      await viaBouncer.destroy();
    }
  });
});
