import { type Kysely, sql } from 'kysely';

/** The platform migration version the database is at, or `null` before the first migration. */
export async function readPlatformVersion(db: Kysely<any>): Promise<number | null> {
  const { rows: exists } = await sql<{ present: boolean }>`
    select to_regclass('public.dramac_platform_migrations') is not null as present`.execute(db);
  if (!exists[0]?.present) return null;
  const { rows } = await sql<{ version: number | null }>`
    select max(version) as version from public.dramac_platform_migrations`.execute(db);
  const version = rows[0]?.version;
  return version === null || version === undefined ? null : Number(version);
}
