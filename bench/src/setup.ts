/** Where the benchmark's PostgreSQL comes from, and the platform it needs. */
import { randomBytes } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migratePlatform } from '@dramac/module-db';
import {
  connect,
  PLATFORM_FIXTURES_SQL,
  runScripts,
  SUPABASE_COMPAT_SQL,
  startEmbeddedPostgres,
} from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';

/** A PostgreSQL server reachable as a superuser. */
export interface BenchServer {
  /** `embedded` (started here) or `DATABASE_URL`. */
  readonly kind: 'embedded' | 'DATABASE_URL';
  /** Where an embedded server keeps its data, for the report. */
  readonly storage: string;
  readonly url: string;
  stop(): Promise<void>;
}

/** Free bytes of the file system holding `dir`, or 0 when it cannot be read. */
function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}

/**
 * Where an embedded server's data directory goes: `DRAMAC_BENCH_DATA_DIR` when set, else memory
 * (`/dev/shm`, a tmpfs on Linux) when it has 8 GiB free, else the OS temp dir. On disk, creating
 * and removing a module's files costs whatever the file system does that day: on this machine's
 * ext4 (mounted with `discard`) the same raw DDL of a module took 30-35 ms in one cluster and 8-9 ms
 * in a cluster on tmpfs, and moved between full runs by 20 ms at the same catalog size, which
 * shifted every provisioning ratio. In memory, what remains is the work PostgreSQL does.
 */
function benchDataDir(): { dir: string | undefined; storage: string } {
  const name = `dramac-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
  const given = process.env.DRAMAC_BENCH_DATA_DIR;
  if (given) return { dir: join(given, name), storage: given };
  if (existsSync('/dev/shm') && freeBytes('/dev/shm') >= 8 * 1024 ** 3) {
    return { dir: join('/dev/shm', name), storage: 'memory (tmpfs /dev/shm)' };
  }
  return { dir: undefined, storage: `disk (${tmpdir()})` };
}

/** Uses `DATABASE_URL` when set (its user must be a superuser), else starts embedded PostgreSQL 17. */
export async function startServer(): Promise<BenchServer> {
  const given = process.env.DATABASE_URL;
  if (given) {
    return {
      kind: 'DATABASE_URL',
      storage: 'the server behind DATABASE_URL',
      url: given,
      stop: async () => undefined,
    };
  }
  const { dir, storage } = benchDataDir();
  const server = await startEmbeddedPostgres(dir === undefined ? {} : { dataDir: dir });
  return { kind: 'embedded', storage, url: server.url, stop: () => server.stop() };
}

/** `url` pointing at `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** A fresh database with the Supabase compat layer, the platform fixtures and `migratePlatform`. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(
  serverUrl: string,
  label: string,
): Promise<BenchDatabase> {
  const name = `dramac_bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = connect(serverUrl, 1);
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(serverUrl, name);
  await runScripts(url, [SUPABASE_COMPAT_SQL, PLATFORM_FIXTURES_SQL]);
  const db = connect(url, 1);
  try {
    await migratePlatform(db);
  } finally {
    await db.destroy();
  }
  return {
    name,
    url,
    async drop() {
      const a = connect(serverUrl, 1);
      try {
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(a);
      } finally {
        await a.destroy();
      }
    },
  };
}

/** Deterministic UUID from a label (md5), so runs are comparable. */
export const uuidSql = (label: string) => sql<string>`md5(${label})::uuid`;

/** The platform rows every case uses: agencies, clients, sites, users and memberships. */
export interface Platform {
  /** Site ids, index 0 first. */
  readonly sites: readonly string[];
  /** A user who is a member of the agency owning sites[0] (and the other sites of that agency). */
  readonly userId: string;
}

/**
 * `siteCount` sites spread over agencies of 10 sites each, 10 members per agency; the benchmark
 * user belongs to the agency of site 0. Written with generate_series as the superuser.
 */
export async function createPlatform(db: Kysely<any>, siteCount: number): Promise<Platform> {
  const agencies = Math.max(1, Math.ceil(siteCount / 10));
  await sql`
    insert into public.agencies (id, name)
    select md5('agency-' || g)::uuid, 'Agency ' || g from generate_series(0, ${agencies - 1}::int) g
    on conflict do nothing`.execute(db);
  await sql`
    insert into public.clients (id, agency_id, name)
    select md5('client-' || g)::uuid, md5('agency-' || (g / 10))::uuid, 'Client ' || g
    from generate_series(0, ${siteCount - 1}::int) g on conflict do nothing`.execute(db);
  await sql`
    insert into public.sites (id, client_id, name, subdomain)
    select md5('site-' || g)::uuid, md5('client-' || g)::uuid, 'Site ' || g, 'site-' || g
    from generate_series(0, ${siteCount - 1}::int) g on conflict do nothing`.execute(db);
  await sql`
    insert into auth.users (id, email)
    select md5('user-' || g)::uuid, 'user-' || g || '@bench.test' from generate_series(0, ${agencies * 10 - 1}::int) g
    on conflict do nothing`.execute(db);
  await sql`
    insert into public.profiles (id, email)
    select md5('user-' || g)::uuid, 'user-' || g || '@bench.test' from generate_series(0, ${agencies * 10 - 1}::int) g
    on conflict do nothing`.execute(db);
  await sql`
    insert into public.agency_members (agency_id, user_id)
    select md5('agency-' || (g / 10))::uuid, md5('user-' || g)::uuid from generate_series(0, ${agencies * 10 - 1}::int) g
    on conflict do nothing`.execute(db);
  await sql`analyze`.execute(db);
  const { rows } = await sql<{ id: string }>`
    select md5('site-' || g)::uuid::text as id from generate_series(0, ${siteCount - 1}::int) g order by g`.execute(
    db,
  );
  const user = await sql<{ id: string }>`select md5('user-0')::uuid::text as id`.execute(db);
  return { sites: rows.map((r) => r.id), userId: (user.rows[0] as { id: string }).id };
}

/** Records the installation of a module on sites (what the site policy requires), in bulk. */
export async function installOnSites(
  db: Kysely<any>,
  moduleId: string,
  shortId: string,
  sites: readonly string[],
): Promise<void> {
  await sql`
    insert into public.module_site_installations (module_short_id, site_id, module_id)
    select ${shortId}, s::uuid, ${moduleId}::uuid from unnest(${sites}::text[]) s
    on conflict do nothing`.execute(db);
}
