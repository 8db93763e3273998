import { type Kysely, sql } from 'kysely';
import { toLifecycleError } from './lifecycle-error';
import { parseSiteId } from './parse-lifecycle-ids';

/** Options of {@link setSitePublic}. */
export interface SetSitePublicOptions {
  /** Who did it, for the platform's records (`published_by`). */
  readonly actor?: string;
}

/**
 * Marks a site public, or no longer public. Only a public site's visitors (requests with a site
 * and no signed-in user) reach module data, and only what each module's definition declares for
 * visitors (`visitors: { read, insert }` on a table), on sites where the module is installed.
 * Members of the site's agency are not affected. Idempotent.
 *
 * Runs `public.dramac_set_site_public` (platform migration 6), which the platform's provisioner
 * group and `service_role` may execute. A platform with a "published" flag of its own can call that
 * function from a trigger on the flag instead.
 *
 * @example
 * await setSitePublic(db, siteId, true); // visitors of siteId now see what modules publish
 * await setSitePublic(db, siteId, false); // and now nothing
 * @throws DefinitionValidationError (`invalid_site_id`) for a site id that is not a UUID;
 * NotFoundError when the site does not exist; AccessDeniedError when the connection may not
 * execute the platform function.
 */
export async function setSitePublic(
  db: Kysely<any>,
  siteId: string,
  isPublic: boolean,
  options: SetSitePublicOptions = {},
): Promise<void> {
  const site = parseSiteId(siteId);
  if (typeof isPublic !== 'boolean') {
    throw new TypeError('setSitePublic: isPublic must be true or false');
  }
  try {
    await sql`select public.dramac_set_site_public(${site}::uuid, ${isPublic}, ${options.actor ?? null})`.execute(
      db,
    );
  } catch (error) {
    throw toLifecycleError(
      error,
      `marking site ${site} ${isPublic ? 'public' : 'not public'} failed`,
    );
  }
}

/**
 * Whether the platform marks a site public (see {@link setSitePublic}). Reads `dramac.public_sites`,
 * so the connection must be the platform's migration user or act as `dramac_platform`.
 *
 * @example
 * await isSitePublic(db, siteId); // true
 * @throws DefinitionValidationError (`invalid_site_id`); AccessDeniedError without the privilege.
 */
export async function isSitePublic(db: Kysely<any>, siteId: string): Promise<boolean> {
  const site = parseSiteId(siteId);
  try {
    const { rows } = await sql<{
      public: boolean;
    }>`select exists (select 1 from dramac.public_sites where site_id = ${site}::uuid) as public`.execute(
      db,
    );
    return rows[0]?.public === true;
  } catch (error) {
    throw toLifecycleError(error, `reading whether site ${site} is public failed`);
  }
}
