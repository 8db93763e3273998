/**
 * Platform migration 7: `dramac_module_status`, which the data API calls on its error path only
 * (a module role that does not exist, a column or table the code names that is not there) to say
 * which version of a module is installed instead of passing on `column "title" does not exist`.
 *
 * It answers only for a module the calling login may act as (member of the module's role or of
 * its admin role, which members of `dramac_data_api` / `dramac_admin_api` are), and gives the
 * same `{"installed": false}` for a module that does not exist and for one the caller may not
 * act as, so it reveals nothing about other modules. Module roles cannot execute it at all: a
 * module's own code, running as `modrole_<id>` inside an SDK call or through PostgREST, cannot
 * use it to learn which other modules are installed.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0007_MODULE_STATUS = `
CREATE OR REPLACE FUNCTION public.dramac_module_status(p_module_short_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_role oid;
  v_admin oid;
  v_result jsonb;
BEGIN
  IF p_module_short_id IS NULL OR p_module_short_id !~ '^[a-f0-9]{8}$' THEN
    RETURN pg_catalog.jsonb_build_object('installed', false);
  END IF;
  SELECT r.oid INTO v_role FROM pg_catalog.pg_roles r WHERE r.rolname = 'modrole_' || p_module_short_id;
  SELECT r.oid INTO v_admin FROM pg_catalog.pg_roles r WHERE r.rolname = 'modadmin_' || p_module_short_id;
  -- session_user: inside SECURITY DEFINER current_user is the owner; the login is who asks.
  IF NOT (
    (v_role IS NOT NULL AND pg_catalog.pg_has_role(session_user, v_role, 'MEMBER'))
    OR (v_admin IS NOT NULL AND pg_catalog.pg_has_role(session_user, v_admin, 'MEMBER'))
  ) THEN
    RETURN pg_catalog.jsonb_build_object('installed', false);
  END IF;
  SELECT pg_catalog.jsonb_build_object(
      'installed', true,
      'module_id', r.module_id,
      'version', r.version,
      'status', r.status,
      'strategy', r.strategy)
    INTO v_result
    FROM public.module_database_registry r
    WHERE r.module_short_id = p_module_short_id;
  RETURN coalesce(v_result, pg_catalog.jsonb_build_object('installed', false));
END
$$;

REVOKE ALL ON FUNCTION public.dramac_module_status(text) FROM PUBLIC;
-- anon, authenticated and service_role are named explicitly: Supabase's default privileges grant
-- them every new function in public.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION public.dramac_module_status(text) FROM %I', r);
    END IF;
  END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION public.dramac_module_status(text) TO dramac_data_api, dramac_admin_api;
`;
