import { type Kysely, sql } from 'kysely';

/** One demo site and who may use it. */
export interface DemoSite {
  readonly id: string;
  readonly name: string;
  readonly agencyId: string;
  /** A signed-in member of the site's agency: the SDK as this user sees the site's rows. */
  readonly memberId: string;
  readonly memberEmail: string;
}

/**
 * A visitor of a demo site: someone on the public website, not signed in. A visitor request names
 * the site and no user; it reaches only what a module's tables and widget collections declare under
 * `visitors` (see docs/visitors-and-widgets.md).
 */
export interface DemoVisitor {
  /** Which demo site (`'a'` or `'b'`). */
  readonly site: 'a' | 'b';
  /** The site's id, the only identity a visitor request carries. */
  readonly siteId: string;
}

/**
 * The demo platform's fixed ids (the same on every run, so `dramac-modules dev` prints the same
 * ids after a restart): two agencies with one site each and one member each. Alice belongs to
 * agency A only and Bob to agency B only, so site A's rows are out of Bob's reach and the
 * other way round.
 */
export interface DemoPlatform {
  readonly siteA: DemoSite;
  readonly siteB: DemoSite;
  /**
   * Visitors of the two sites, both public (`setSitePublic`): a visitor request names a site and
   * no user.
   */
  readonly visitors: readonly DemoVisitor[];
}

/** The demo platform's fixed rows. */
export const DEMO_PLATFORM: DemoPlatform = Object.freeze({
  siteA: Object.freeze({
    id: 'd5000000-0000-4000-8000-00000000000a',
    name: 'Demo site A',
    agencyId: 'da000000-0000-4000-8000-00000000000a',
    memberId: 'de000000-0000-4000-8000-00000000000a',
    memberEmail: 'alice@demo.dramac.test',
  }),
  siteB: Object.freeze({
    id: 'd5000000-0000-4000-8000-00000000000b',
    name: 'Demo site B',
    agencyId: 'da000000-0000-4000-8000-00000000000b',
    memberId: 'de000000-0000-4000-8000-00000000000b',
    memberEmail: 'bob@demo.dramac.test',
  }),
  visitors: Object.freeze([
    Object.freeze({ site: 'a', siteId: 'd5000000-0000-4000-8000-00000000000a' } as const),
    Object.freeze({ site: 'b', siteId: 'd5000000-0000-4000-8000-00000000000b' } as const),
  ]),
});

const CLIENT_IDS = {
  a: 'dc000000-0000-4000-8000-00000000000a',
  b: 'dc000000-0000-4000-8000-00000000000b',
} as const;

/**
 * Writes the demo platform's rows ({@link DEMO_PLATFORM}): two agencies, a client and a site
 * each, two users in `auth.users` and `public.profiles`, each a member of one agency, and both
 * sites marked public for their visitors (as `setSitePublic` does). Idempotent (fixed ids, `on conflict do
 * nothing`). Needs the platform tables (`installDevelopmentPlatform`), the migrated platform
 * (`migratePlatform`) and a connection that may write them and `auth.users`.
 *
 * @example
 * const demo = await seedDemoPlatform(db);
 * demo.siteA.id; // 'd5000000-0000-4000-8000-00000000000a'
 * @throws the database's error when a table is missing or not writable.
 */
export async function seedDemoPlatform(db: Kysely<any>): Promise<DemoPlatform> {
  await db.transaction().execute(async (trx) => {
    for (const [key, site] of [
      ['a', DEMO_PLATFORM.siteA],
      ['b', DEMO_PLATFORM.siteB],
    ] as const) {
      const label = key.toUpperCase();
      await sql`insert into public.agencies (id, name) values (${site.agencyId}, ${`Demo agency ${label}`})
        on conflict (id) do nothing`.execute(trx);
      await sql`insert into public.clients (id, agency_id, name) values (${CLIENT_IDS[key]}, ${site.agencyId}, ${`Demo client ${label}`})
        on conflict (id) do nothing`.execute(trx);
      await sql`insert into public.sites (id, client_id, name, subdomain) values (${site.id}, ${CLIENT_IDS[key]}, ${site.name}, ${`demo-${key}`})
        on conflict do nothing`.execute(trx);
      await sql`insert into auth.users (id, email) values (${site.memberId}, ${site.memberEmail})
        on conflict do nothing`.execute(trx);
      await sql`insert into public.profiles (id, email, full_name) values (${site.memberId}, ${site.memberEmail}, ${site.memberEmail.split('@')[0]})
        on conflict (id) do nothing`.execute(trx);
      await sql`insert into public.agency_members (agency_id, user_id, role) values (${site.agencyId}, ${site.memberId}, 'owner')
        on conflict do nothing`.execute(trx);
    }
  });
  // The SQL function `setSitePublic` runs (this module stays free of the package's other imports:
  // the test harness loads it before anything is built).
  for (const visitor of DEMO_PLATFORM.visitors) {
    await sql`select public.dramac_set_site_public(${visitor.siteId}::uuid, true, ${'demo platform'})`.execute(
      db,
    );
  }
  return DEMO_PLATFORM;
}
