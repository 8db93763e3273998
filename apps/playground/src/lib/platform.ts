import 'server-only';
import { sql } from 'kysely';
import { getDb } from './database';
import { DEMO_SITES } from './demo-platform';

export interface PlatformSite {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly agencyId: string;
  readonly agencyName: string;
}
export interface PlatformUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly agencyIds: readonly string[];
}
export interface Platform {
  readonly sites: readonly PlatformSite[];
  readonly users: readonly PlatformUser[];
  readonly agencies: readonly { id: string; name: string }[];
}

/** Agencies, sites and users with their memberships (at most 50 of each: a demo screen). */
export async function readPlatform(): Promise<Platform> {
  const db = getDb();
  const agencies = await db
    .selectFrom('agencies')
    .select(['id', 'name'])
    .orderBy('name')
    .limit(50)
    .execute();
  const sites = await sql<{ id: string; name: string; agency_id: string; agency_name: string }>`
    select s.id, s.name, a.id as agency_id, a.name as agency_name
    from public.sites s join public.clients c on c.id = s.client_id
    join public.agencies a on a.id = c.agency_id
    order by a.name, s.name limit 50`.execute(db);
  const users = await sql<{
    id: string;
    email: string | null;
    name: string | null;
    agencies: string[];
  }>`
    select p.id, p.email, p.full_name as name,
      coalesce(array_agg(m.agency_id::text order by m.agency_id) filter (where m.agency_id is not null), '{}') as agencies
    from public.profiles p left join public.agency_members m on m.user_id = p.id
    group by p.id order by p.full_name nulls last, p.email limit 50`.execute(db);
  return {
    agencies,
    sites: sites.rows.map((s, i) => ({
      id: s.id,
      name: s.name,
      agencyId: s.agency_id,
      agencyName: s.agency_name,
      label: DEMO_SITES.find((d) => d.id === s.id)?.label ?? String(i + 1),
    })),
    users: users.rows.map((u) => ({
      id: u.id,
      email: u.email ?? '',
      name: u.name ?? u.email ?? u.id,
      agencyIds: u.agencies,
    })),
  };
}
