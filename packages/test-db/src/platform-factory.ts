import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

/** Kysely table types of the platform fixture tables (and `auth.users`). */
export interface PlatformTables {
  agencies: { id: string; name: string };
  clients: { id: string; agency_id: string; name: string };
  sites: { id: string; client_id: string; name: string; subdomain: string | null };
  profiles: { id: string; email: string | null; full_name: string | null };
  agency_members: { agency_id: string; user_id: string; role: 'owner' | 'admin' | 'member' };
  'auth.users': { id: string; email: string | null };
}

/** Creates platform rows for tests: agencies, clients, sites, users and memberships. */
export interface PlatformFactory {
  agency(name?: string): Promise<string>;
  client(agencyId: string, name?: string): Promise<string>;
  /** Creates a site under a new client of `agencyId`. */
  site(agencyId: string, name?: string): Promise<string>;
  /** Creates an `auth.users` row and its profile. */
  user(email?: string): Promise<string>;
  member(agencyId: string, userId: string, role?: 'owner' | 'admin' | 'member'): Promise<void>;
}

/**
 * Returns a factory that writes platform fixture rows through `db` (a superuser connection).
 *
 * @example
 * const f = createPlatformFactory(db);
 * const agency = await f.agency();
 * const site = await f.site(agency);
 * const user = await f.user();
 * await f.member(agency, user);
 */
export function createPlatformFactory(db: Kysely<PlatformTables>): PlatformFactory {
  const tag = () => randomUUID().slice(0, 8);
  return {
    async agency(name = `Agency ${tag()}`) {
      const row = await db
        .insertInto('agencies')
        .values({ id: randomUUID(), name })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async client(agencyId, name = `Client ${tag()}`) {
      const row = await db
        .insertInto('clients')
        .values({ id: randomUUID(), agency_id: agencyId, name })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async site(agencyId, name = `Site ${tag()}`) {
      const clientId = await this.client(agencyId);
      const row = await db
        .insertInto('sites')
        .values({ id: randomUUID(), client_id: clientId, name, subdomain: `s-${tag()}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async user(email = `user-${tag()}@example.test`) {
      const id = randomUUID();
      await db.insertInto('auth.users').values({ id, email }).execute();
      await db.insertInto('profiles').values({ id, email, full_name: email }).execute();
      return id;
    },
    async member(agencyId, userId, role = 'member') {
      await db
        .insertInto('agency_members')
        .values({ agency_id: agencyId, user_id: userId, role })
        .execute();
    },
  };
}
