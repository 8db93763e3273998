// What an author meets on a database that is not a platform yet: migratePlatform checks the
// PostgreSQL version, the platform tables and columns and the migration user's privileges first,
// and names each missing one with what to do; nothing is created. A plain database gets the
// platform tables from installDevelopmentPlatform (what `dramac-modules dev
// --create-platform-tables` runs), and then migrates.
import { randomBytes } from 'node:crypto';
import { connect, withDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  checkPlatformPrerequisites,
  isModuleDbError,
  migratePlatform,
  PLATFORM_TABLES,
} from '../src/index';
import { installDevelopmentPlatform } from '../src/local';

const { adminUrl, majorVersion } = inject('dramacPostgres');
const created: string[] = [];
const pools: Kysely<any>[] = [];

/** A new, empty database (no compatibility layer, no platform tables). */
async function emptyDatabase(): Promise<Kysely<any>> {
  const name = `dramac_pre_${randomBytes(5).toString('hex')}`;
  const admin = connect(adminUrl, 1);
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  created.push(name);
  const db = connect(withDatabase(adminUrl, name), 2);
  pools.push(db);
  return db;
}

afterAll(async () => {
  for (const db of pools) await db.destroy();
  const admin = connect(adminUrl, 1);
  for (const name of created) {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
  }
  await admin.destroy();
});

async function tableExists(db: Kysely<any>, name: string): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean;
  }>`select to_regclass(${name}) is not null as ok`.execute(db);
  return rows[0]?.ok === true;
}

describe('migratePlatform on a database without the platform tables', () => {
  it('names every missing table with what to do, and creates nothing', async () => {
    const db = await emptyDatabase();
    const error = await migratePlatform(db).catch((e: unknown) => e);
    expect(isModuleDbError(error) && error.code).toBe('PREREQUISITE_MISSING');
    const missing = (error as { missing: { kind: string; name: string; remedy: string }[] })
      .missing;
    expect(missing.map((m) => m.name)).toEqual(Object.keys(PLATFORM_TABLES));
    for (const m of missing) {
      expect(m.kind).toBe('table');
      expect(m.remedy).toContain(
        'dramac-modules dev --database-url <url> --create-platform-tables',
      );
    }
    expect((error as Error).message).toContain('public.sites');
    expect(await tableExists(db, 'public.dramac_platform_migrations')).toBe(false);
  });

  it('names a missing column', async () => {
    const db = await emptyDatabase();
    await installDevelopmentPlatform(db);
    await sql`alter table public.clients drop column agency_id cascade`.execute(db);
    const error = await migratePlatform(db).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PREREQUISITE_MISSING',
      missing: [{ kind: 'column', name: 'public.clients.agency_id' }],
    });
  });

  it('reports the server version it checked, then migrates once the tables are there', async () => {
    const db = await emptyDatabase();
    const before = await checkPlatformPrerequisites(db, 'provision');
    expect(before.postgres.major).toBe(majorVersion);
    expect(before.platformVersion).toBeNull();
    expect(before.missing).toEqual([
      expect.objectContaining({
        kind: 'platform',
        remedy: expect.stringContaining('dramac-modules migrate'),
      }),
    ]);
    expect(await installDevelopmentPlatform(db)).toEqual({
      supabaseCompat: true,
      platformTables: true,
    });
    const result = await migratePlatform(db);
    expect(result.applied.length).toBeGreaterThanOrEqual(7);
    const after = await checkPlatformPrerequisites(db, 'provision');
    expect(after.missing).toEqual([]);
    // A superuser migrated, so module roles may use schema auth: no warning.
    expect(after.warnings).toEqual([]);
  });
});

describe('the migration user', () => {
  it('without CREATEROLE and not owning the database: both named, nothing created', async () => {
    const db = await emptyDatabase();
    await installDevelopmentPlatform(db);
    const role = `pre_user_${randomBytes(4).toString('hex')}`;
    await sql`create role ${sql.id(role)} login password 'pre'`.execute(db);
    await sql`grant references on public.agencies, public.clients, public.sites, public.agency_members, public.profiles to ${sql.id(role)} with grant option`.execute(
      db,
    );
    const url = new URL(withDatabase(adminUrl, created.at(-1) as string));
    url.username = role;
    url.password = 'pre';
    const asUser = connect(url.toString(), 1);
    pools.push(asUser);
    try {
      const error = await migratePlatform(asUser).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PREREQUISITE_MISSING' });
      const names = (error as { missing: { name: string }[] }).missing.map((m) => m.name);
      expect(names).toEqual([
        `CREATEROLE for ${role}`,
        `CREATE WITH GRANT OPTION on the database for ${role}`,
        `CREATE WITH GRANT OPTION on schema public for ${role}`,
      ]);
      expect(await tableExists(db, 'public.dramac_platform_migrations')).toBe(false);
    } finally {
      await asUser.destroy();
      pools.pop();
      await sql`drop owned by ${sql.id(role)}`.execute(db);
      await sql`drop role ${sql.id(role)}`.execute(db);
    }
  });
});
