import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asUser, startTestDatabase, type TestDatabase } from '../src/index';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await startTestDatabase();
});
afterAll(() => tdb?.destroy());

describe('test database harness', () => {
  it('gives this file its own database on a real PostgreSQL of the expected version', async () => {
    const { rows } = await sql<{ db: string; version: number }>`
      select current_database() as db, current_setting('server_version_num')::int as version`.execute(
      tdb.db,
    );
    expect(rows[0]?.db).toBe(tdb.name);
    // 17 in the default projects, 15 in the (pg15) ones: the version the global setup announced.
    expect(Math.floor(Number(rows[0]?.version) / 10000)).toBe(
      inject('dramacPostgres').majorVersion,
    );
    expect([15, 16, 17]).toContain(inject('dramacPostgres').majorVersion);
    console.log(`[test-db] this file uses ${tdb.name} from ${tdb.source}`);
  });

  it('has the Supabase roles with their attributes', async () => {
    const { rows } = await sql<{
      rolname: string;
      rolcanlogin: boolean;
      rolinherit: boolean;
      rolbypassrls: boolean;
    }>`
      select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator') order by rolname`.execute(
      tdb.db,
    );
    expect(rows).toEqual([
      { rolname: 'anon', rolcanlogin: false, rolinherit: false, rolbypassrls: false },
      { rolname: 'authenticated', rolcanlogin: false, rolinherit: false, rolbypassrls: false },
      { rolname: 'authenticator', rolcanlogin: true, rolinherit: false, rolbypassrls: false },
      { rolname: 'service_role', rolcanlogin: false, rolinherit: false, rolbypassrls: true },
    ]);
    const members = await sql<{ role: string }>`
      select r.rolname as role from pg_auth_members m
      join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member
      where u.rolname = 'authenticator' order by 1`.execute(tdb.db);
    // Other files' platform migrations may add their own grants (roles are cluster-wide).
    expect(members.rows.map((r) => r.role)).toEqual(
      expect.arrayContaining(['anon', 'authenticated', 'service_role']),
    );
  });

  it('auth.uid(), auth.role() and auth.jwt() read the transaction-local claims', async () => {
    const user = await tdb.factory.user();
    const site = await tdb.factory.site(await tdb.factory.agency());
    const result = await asUser(
      tdb.db,
      { role: 'authenticated', sub: user, site_id: site },
      async (trx) => {
        const { rows } = await sql<{ uid: string; role: string; site: string; cur: string }>`
        select auth.uid() as uid, auth.role() as role, auth.jwt() ->> 'site_id' as site, current_user as cur`.execute(
          trx,
        );
        return rows[0];
      },
    );
    expect(result).toEqual({ uid: user, role: 'authenticated', site, cur: 'authenticated' });
    // Transaction-local: nothing survives the transaction on the pooled connections.
    const after = await sql<{
      uid: string | null;
      cur: string;
    }>`select auth.uid() as uid, current_user as cur`.execute(tdb.db);
    expect(after.rows[0]).toEqual({ uid: null, cur: 'postgres' });
  });

  it('RLS and role switching behave as on Supabase: hidden as authenticated, visible as service_role', async () => {
    const agencyA = await tdb.factory.agency();
    const agencyB = await tdb.factory.agency();
    const siteA = await tdb.factory.site(agencyA);
    const siteB = await tdb.factory.site(agencyB);
    const alice = await tdb.factory.user();
    await tdb.factory.member(agencyA, alice);

    await sql`create table public.notes (id serial primary key, site_id uuid not null references public.sites(id), body text)`.execute(
      tdb.db,
    );
    await sql`alter table public.notes enable row level security`.execute(tdb.db);
    await sql`create policy notes_member on public.notes for all to authenticated using (
      site_id in (select s.id from public.sites s join public.clients c on c.id = s.client_id
                  join public.agency_members m on m.agency_id = c.agency_id where m.user_id = (select auth.uid())))`.execute(
      tdb.db,
    );
    await sql`insert into public.notes (site_id, body) values (${siteA}, 'a'), (${siteB}, 'b')`.execute(
      tdb.db,
    );

    const asAlice = await asUser(tdb.db, { role: 'authenticated', sub: alice }, (trx) =>
      sql<{ body: string }>`select body from public.notes order by body`.execute(trx),
    );
    expect(asAlice.rows.map((r) => r.body)).toEqual(['a']);

    const asService = await asUser(tdb.db, { role: 'service_role' }, (trx) =>
      sql<{ body: string }>`select body from public.notes order by body`.execute(trx),
    );
    expect(asService.rows.map((r) => r.body)).toEqual(['a', 'b']);

    // A failed WITH CHECK raises 42501, it does not hide.
    await expect(
      asUser(tdb.db, { role: 'authenticated', sub: alice }, (trx) =>
        sql`insert into public.notes (site_id, body) values (${siteB}, 'sneaky')`.execute(trx),
      ),
    ).rejects.toMatchObject({ code: '42501' });

    // anon has no policy at all: it sees nothing.
    const asAnon = await asUser(tdb.db, { role: 'anon' }, (trx) =>
      sql<{ n: string }>`select count(*) as n from public.notes`.execute(trx),
    );
    expect(Number(asAnon.rows[0]?.n)).toBe(0);
  });
});
