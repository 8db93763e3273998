import { type Kysely, sql } from 'kysely';

/**
 * Sets the transaction's role to `dramac_platform` when the connection's user holds that role
 * only through SET ROLE, and returns how to set it back. Migration 6 grants the platform to the
 * migration user WITH INHERIT FALSE on PostgreSQL 16+, so a non-superuser (Supabase's postgres)
 * reaches module tables (owned by each module's owner role, of which the platform is an
 * inheriting member) only as the platform. A superuser, or a member that inherits it
 * (PostgreSQL 15), keeps its role: the returned function then does nothing.
 *
 * @example
 * const restore = await actAsPlatformWhenNeeded(trx);
 * await trx.deleteFrom('mod_1a2b3c4d_tasks').where('site_id', '=', site).execute();
 * await restore();
 * @throws the database's error when the role cannot be set.
 */
export async function actAsPlatformWhenNeeded(trx: Kysely<any>): Promise<() => Promise<void>> {
  // CASE, not AND: pg_has_role's SET privilege exists from PostgreSQL 16 only.
  const { rows } = await sql<{ needed: boolean; previous: string }>`
    select case
        when r.rolsuper or pg_catalog.current_setting('server_version_num')::int < 160000
          or pg_catalog.to_regrole('dramac_platform') is null then false
        else pg_catalog.pg_has_role('dramac_platform', 'SET')
          and not pg_catalog.pg_has_role('dramac_platform', 'USAGE')
      end as needed,
      pg_catalog.current_setting('role') as previous
    from pg_catalog.pg_roles r where r.rolname = current_user`.execute(trx);
  const row = rows[0];
  if (!row?.needed) return async () => {};
  await sql`select pg_catalog.set_config('role', 'dramac_platform', true)`.execute(trx);
  return async () => {
    await sql`select pg_catalog.set_config('role', ${row.previous}, true)`.execute(trx);
  };
}
