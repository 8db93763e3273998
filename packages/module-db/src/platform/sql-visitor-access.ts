/**
 * Site visitors: what a public website's visitors (no signed-in user) may reach.
 *
 * - `dramac.public_sites`: the sites the platform marks as public. Only a public site's visitors
 *   reach any module data. The platform marks and unmarks a site with
 *   `public.dramac_set_site_public(site, is_public)` (`setSitePublic` in TypeScript); a platform
 *   that keeps its own "published" flag calls it from a trigger on that flag.
 * - `public.dramac_visitor_can_access_current_site(short_id)`: true when the request runs as the
 *   module's visitor role (`modvisitor_<id>`), its site is public and the module is installed
 *   there. It answers only for the module the request runs as, like the members' helper.
 * - The visitor policies' templates, beside the site policy's, for the end-state proof.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const SQL_VISITOR_ACCESS = `
CREATE TABLE IF NOT EXISTS dramac.public_sites (
  site_id uuid PRIMARY KEY REFERENCES public.sites (id) ON DELETE CASCADE,
  published_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  published_by text
);
REVOKE ALL ON dramac.public_sites FROM PUBLIC;
ALTER TABLE dramac.public_sites ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON dramac.public_sites TO dramac_platform;
CREATE POLICY dramac_platform_all ON dramac.public_sites FOR ALL TO dramac_platform USING (true) WITH CHECK (true);

-- Owned by the migration user, like the members' helper, to read the platform's tables past
-- their row-level security; module roles call it as (select ...), once per statement.
CREATE OR REPLACE FUNCTION public.dramac_visitor_can_access_current_site(p_module_short_id text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF pg_catalog.current_setting('role', true) IS DISTINCT FROM 'modvisitor_' || p_module_short_id THEN
    RETURN false;
  END IF;
  RETURN EXISTS (
    SELECT 1
    FROM dramac.public_sites p
    JOIN public.module_site_installations i
      ON i.site_id = p.site_id AND i.module_short_id = p_module_short_id AND i.status = 'active'
    WHERE p.site_id = public.dramac_current_site_id()
  );
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_visitor_can_access_current_site(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_visitor_can_access_current_site(text) TO dramac_module_roles;

-- Marks a site public (its visitors reach what modules declare for visitors) or not.
CREATE OR REPLACE FUNCTION public.dramac_set_site_public(p_site_id uuid, p_public boolean, p_actor text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_site_id IS NULL OR p_public IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'site id and public flag are required';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.sites s WHERE s.id = p_site_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('site %s does not exist', p_site_id);
  END IF;
  IF p_public THEN
    INSERT INTO dramac.public_sites (site_id, published_by) VALUES (p_site_id, p_actor)
    ON CONFLICT (site_id) DO NOTHING;
  ELSE
    DELETE FROM dramac.public_sites WHERE site_id = p_site_id;
  END IF;
  RETURN p_public;
END
$fn$;

-- The visitor policies, exactly as the planner writes them, for the placeholder module 00000000,
-- on a template table of their own (one permissive policy per action and role on each table).
CREATE TABLE dramac.visitor_policy_template (id integer PRIMARY KEY, site_id uuid NOT NULL);
REVOKE ALL ON dramac.visitor_policy_template FROM PUBLIC;
ALTER TABLE dramac.visitor_policy_template ENABLE ROW LEVEL SECURITY;
ALTER TABLE dramac.visitor_policy_template FORCE ROW LEVEL SECURITY;
CREATE POLICY "dramac_visitor_read" ON dramac.visitor_policy_template AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_visitor_can_access_current_site"('00000000'))));
CREATE POLICY "dramac_visitor_insert" ON dramac.visitor_policy_template AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_visitor_can_access_current_site"('00000000'))));
`;
