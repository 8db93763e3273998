/**
 * Names of the platform objects that planned module SQL refers to. They are created by the
 * platform migration; the planner only names them, so the two can never disagree.
 */
export const PLATFORM_SCHEMA = 'public';

/** `public.dramac_current_site_id()`: the `site_id` claim of the current request, or null. */
export const CURRENT_SITE_FN = 'dramac_current_site_id';

/** `public.dramac_current_user_id()`: the `sub` claim of the current request, or null. */
export const CURRENT_USER_FN = 'dramac_current_user_id';

/**
 * `public.dramac_can_access_current_site(module_short_id text)`: true when the current user is a
 * member of the agency owning the request's site and the module is installed on that site.
 */
export const CAN_ACCESS_SITE_FN = 'dramac_can_access_current_site';

/**
 * `public.dramac_visitor_can_access_current_site(module_short_id text)`: true when the request runs
 * as the module's visitor role, the request's site is public and the module is installed there.
 */
export const VISITOR_CAN_ACCESS_SITE_FN = 'dramac_visitor_can_access_current_site';

/** `public.dramac_set_updated_at()`: the one shared `updated_at` trigger function. */
export const SET_UPDATED_AT_FN = 'dramac_set_updated_at';

/** The shared table where `widget` modules (strategy `shared`) keep their rows. */
export const MODULE_DATA_TABLE = 'module_data';

/** Platform tables a module table may reference with a foreign key (schema -> tables). */
export const PLATFORM_FK_TARGETS: Readonly<Record<'public' | 'auth', readonly string[]>> = {
  public: ['agencies', 'clients', 'profiles'],
  auth: ['users'],
};
