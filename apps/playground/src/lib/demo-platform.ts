/**
 * The demo platform: two agencies, three sites and users with different memberships. Fixed ids,
 * so seeding twice changes nothing and the isolation matrix knows what to expect.
 */
import { setSitePublic } from '@dramac/module-db';
import { type Kysely, sql } from 'kysely';

export interface DemoAgency {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
}
export interface DemoSite {
  readonly id: string;
  readonly name: string;
  readonly subdomain: string;
  readonly agencyId: string;
  /** Short label used in grids: A, B, C. */
  readonly label: string;
  /**
   * Marked public by the seed (`setSitePublic`): its visitors reach what modules declare for
   * visitors. Bakery and Bookshop are public, Garage is not.
   */
  readonly public: boolean;
}
export interface DemoUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  /** Agencies the user is a member of. */
  readonly agencies: readonly string[];
}

export const DEMO_AGENCIES: readonly DemoAgency[] = [
  {
    id: '0a000000-0000-4000-8000-000000000001',
    name: 'Northwind Agency',
    clientId: '0c000000-0000-4000-8000-000000000001',
  },
  {
    id: '0a000000-0000-4000-8000-000000000002',
    name: 'Globex Studio',
    clientId: '0c000000-0000-4000-8000-000000000002',
  },
];

const [northwind, globex] = DEMO_AGENCIES as [DemoAgency, DemoAgency];

export const DEMO_SITES: readonly DemoSite[] = [
  {
    id: '05000000-0000-4000-8000-00000000000a',
    name: 'Bakery',
    subdomain: 'bakery',
    agencyId: northwind.id,
    label: 'A',
    public: true,
  },
  {
    id: '05000000-0000-4000-8000-00000000000b',
    name: 'Bookshop',
    subdomain: 'bookshop',
    agencyId: northwind.id,
    label: 'B',
    public: true,
  },
  {
    id: '05000000-0000-4000-8000-00000000000c',
    name: 'Garage',
    subdomain: 'garage',
    agencyId: globex.id,
    label: 'C',
    public: false,
  },
];

export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: '0e000000-0000-4000-8000-00000000a11c',
    email: 'alice@northwind.test',
    name: 'Alice (Northwind)',
    agencies: [northwind.id],
  },
  {
    id: '0e000000-0000-4000-8000-00000000ca01',
    email: 'carol@globex.test',
    name: 'Carol (Globex)',
    agencies: [globex.id],
  },
  {
    id: '0e000000-0000-4000-8000-00000000da7e',
    email: 'dave@freelance.test',
    name: 'Dave (both agencies)',
    agencies: [northwind.id, globex.id],
  },
  {
    id: '0e000000-0000-4000-8000-000000000e7e',
    email: 'eve@outside.test',
    name: 'Eve (no agency)',
    agencies: [],
  },
];

/** The site's agency membership check the site policy makes, restated for expectations. */
export function isMember(user: DemoUser, site: DemoSite): boolean {
  return user.agencies.includes(site.agencyId);
}

/** Whether the demo platform's rows are present. */
export async function hasDemoPlatform(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from public.sites where id in (${sql.join(DEMO_SITES.map((s) => s.id))})`.execute(
    db,
  );
  return (rows[0]?.n ?? 0) === DEMO_SITES.length;
}

/** Whether the database holds any agency at all (a real platform's data, or an earlier seed). */
export async function hasAnyAgency(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ any: boolean }>`
    select exists (select 1 from public.agencies) as any`.execute(db);
  return rows[0]?.any === true;
}

/**
 * Writes the demo platform (idempotent: rows that exist are left alone) in one transaction, and
 * marks the public demo sites public (`setSitePublic`). Needs the platform tables (`agencies`,
 * `clients`, `sites`, `profiles`, `agency_members`, `auth.users`) and `migratePlatform`.
 */
export async function seedDemoPlatform(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const agency of DEMO_AGENCIES) {
      await trx
        .insertInto('agencies')
        .values({ id: agency.id, name: agency.name })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await trx
        .insertInto('clients')
        .values({ id: agency.clientId, agency_id: agency.id, name: `${agency.name} client` })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    for (const site of DEMO_SITES) {
      const agency = DEMO_AGENCIES.find((a) => a.id === site.agencyId) as DemoAgency;
      await trx
        .insertInto('sites')
        .values({
          id: site.id,
          client_id: agency.clientId,
          name: site.name,
          subdomain: site.subdomain,
        })
        // Any conflict: the id, or a real site already using the subdomain.
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const user of DEMO_USERS) {
      await trx
        .insertInto('auth.users')
        .values({ id: user.id, email: user.email })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await trx
        .insertInto('profiles')
        .values({ id: user.id, email: user.email, full_name: user.name })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      for (const agencyId of user.agencies) {
        await trx
          .insertInto('agency_members')
          .values({ agency_id: agencyId, user_id: user.id, role: 'member' })
          .onConflict((oc) => oc.columns(['agency_id', 'user_id']).doNothing())
          .execute();
      }
    }
    for (const site of DEMO_SITES) {
      // A real site holding the subdomain kept the demo site out: nothing to mark then.
      const stored = await trx
        .selectFrom('sites')
        .select('id')
        .where('id', '=', site.id)
        .executeTakeFirst();
      if (site.public && stored) {
        await setSitePublic(trx, site.id, true, { actor: 'playground seed' });
      }
    }
  });
}
