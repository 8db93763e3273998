import { SQL_APPLY_MODULE_CHANGE } from './sql-apply-module-change';
import { SQL_DDL_RUNNER } from './sql-ddl-runner';
import { SQL_INDEX_BUILDS } from './sql-index-builds';
import { SQL_READ_MODULE_STATE } from './sql-read-module-state';
import { SQL_ROLE_MANAGERS } from './sql-role-managers';
import { SQL_VERIFY_MODULE_STATE } from './sql-verify-module-state';
import { SQL_VISITOR_ACCESS } from './sql-visitor-access';
import { SQL_WIDGET_COLLECTIONS } from './sql-widget-collections';

/**
 * Platform migration 6: provisioning that stays safe when the plan handed to the database is
 * hostile. Migrations 1-5 trusted the shape of SQL text and ran module DDL as
 * `dramac_provisioner`, which owned every module's tables and bypassed row-level security; this
 * migration replaces that with least privilege and a proof of the end state:
 *
 * - `dramac_platform` (NOLOGIN, CREATEROLE, no BYPASSRLS, not a superuser) owns the entry points
 *   and takes the fixed steps (roles, memberships, schema, registry) itself.
 * - Each module gets an owner role, `modowner_<id>`, that owns its schema and tables; the plan's
 *   statements run with that role's privileges only (see `dramac_apply_module_change`).
 * - `dramac_verify_module_state` proves the end state against the plan's desired state and the
 *   platform's invariants before commit; the registry keeps the state it read.
 * - Module admin roles lose BYPASSRLS: an explicit `dramac_admin_access` policy on each of their
 *   module's tables gives them every site's rows of that module, and nothing else. This also
 *   lets a non-superuser (Supabase's `postgres` on PostgreSQL 15) install the platform.
 * - `dramac_provisioner` keeps only EXECUTE on the entry points: it owns nothing, reads no module
 *   table, bypasses no policy and creates no role.
 * - `dramac_can_access_current_site(id)` answers only for the module the request runs as, so a
 *   module can no longer ask whether another module is installed on its site.
 * - Every module installed by migrations 1-5 is moved in place to the new ownership.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0006_LEAST_PRIVILEGE = `
-- ---------------------------------------------------------------------------------------------
-- Roles.
-- ---------------------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_platform') THEN
    -- INHERIT: it acts as owner of module objects through its membership in each modowner_<id>.
    CREATE ROLE dramac_platform NOLOGIN INHERIT CREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_module_owners') THEN
    CREATE ROLE dramac_module_owners NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_module_roles') THEN
    CREATE ROLE dramac_module_roles NOLOGIN NOINHERIT;
  END IF;
  -- Widgets (strategy shared) keep their rows in module_data; table modules have no business there.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_widget_roles') THEN
    CREATE ROLE dramac_widget_roles NOLOGIN NOINHERIT;
  END IF;
  -- Widgets' visitor roles: module_data's visitor policies apply to this group.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_widget_visitors') THEN
    CREATE ROLE dramac_widget_visitors NOLOGIN NOINHERIT;
  END IF;
  EXECUTE pg_catalog.format('GRANT CREATE ON DATABASE %I TO dramac_platform', pg_catalog.current_database());
  -- dramac_platform hands out membership of the two groups to each module's roles.
  IF pg_catalog.current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE 'GRANT dramac_module_owners, dramac_module_roles, dramac_widget_roles, dramac_widget_visitors, dramac_data_api, dramac_admin_api TO dramac_platform WITH ADMIN TRUE, INHERIT FALSE, SET FALSE';
    -- The migration user may act as the platform (later migrations, maintenance), without
    -- inheriting its rights in everyday queries.
    EXECUTE pg_catalog.format('GRANT dramac_platform TO %I WITH INHERIT FALSE, SET TRUE', current_user);
  ELSE
    EXECUTE 'GRANT dramac_module_owners, dramac_module_roles, dramac_widget_roles, dramac_widget_visitors, dramac_data_api, dramac_admin_api TO dramac_platform WITH ADMIN OPTION';
    EXECUTE pg_catalog.format('GRANT dramac_platform TO %I', current_user);
  END IF;
END
$$;

-- What every module owner may use in its DDL, and every module role in its queries: granted once
-- to a group, not once per module, so these ACLs stay small however many modules are installed.
GRANT USAGE, CREATE ON SCHEMA public TO dramac_platform WITH GRANT OPTION;
GRANT REFERENCES ON public.sites, public.agencies, public.clients, public.profiles TO dramac_module_owners;
GRANT EXECUTE ON FUNCTION public.dramac_set_updated_at() TO dramac_module_owners;
GRANT EXECUTE ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
  public.dramac_can_access_current_site(text) TO dramac_module_roles;
-- Which module a request runs as: module_data's policy and default call it as the module role.
REVOKE ALL ON FUNCTION public.dramac_current_module_short_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_current_module_short_id() TO dramac_module_roles, dramac_platform;
-- Widgets' rows: the table's policy picks each widget's own rows (module_short_id from the role).
GRANT SELECT, INSERT, UPDATE, DELETE ON public.module_data TO dramac_widget_roles;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    BEGIN
      GRANT USAGE ON SCHEMA auth TO dramac_module_owners, dramac_module_roles;
      GRANT REFERENCES ON auth.users TO dramac_module_owners;
      -- Module policies may read the request's user and claims as Supabase spells them.
      GRANT EXECUTE ON FUNCTION auth.uid(), auth.jwt(), auth.role() TO dramac_module_roles;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'dramac: cannot grant USAGE on schema auth / REFERENCES on auth.users (%); modules cannot reference auth.users', SQLERRM;
    END;
  END IF;
END
$$;
-- Extension types (citext) are looked up by name in their schema while a module's DDL runs as its
-- owner, and their operators while a module role queries (without USAGE, citext = compares as
-- text, case-sensitively): Supabase keeps extensions in schema extensions and grants its USAGE to
-- its own roles only (anon, authenticated, service_role, postgres).
DO $$
DECLARE
  v_schema text;
BEGIN
  FOR v_schema IN
    SELECT n.nspname FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'public')
      AND (n.nspname = 'extensions' OR n.oid IN (SELECT e.extnamespace FROM pg_catalog.pg_extension e WHERE e.extname = 'citext'))
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO dramac_module_owners, dramac_module_roles', v_schema);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'dramac: cannot grant USAGE on schema % (%); module columns cannot use its types and operators', v_schema, SQLERRM;
    END;
  END LOOP;
END
$$;

-- The platform's own bookkeeping.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.module_database_registry, public.module_database_versions,
  public.module_database_events, public.module_site_installations TO dramac_platform;
GRANT USAGE ON SEQUENCE public.module_database_events_id_seq TO dramac_platform;
GRANT SELECT, DELETE ON public.module_data TO dramac_platform;
CREATE POLICY dramac_platform_all ON public.module_database_registry FOR ALL TO dramac_platform USING (true) WITH CHECK (true);
CREATE POLICY dramac_platform_all ON public.module_database_versions FOR ALL TO dramac_platform USING (true) WITH CHECK (true);
CREATE POLICY dramac_platform_all ON public.module_database_events FOR ALL TO dramac_platform USING (true) WITH CHECK (true);
CREATE POLICY dramac_platform_all ON public.module_site_installations FOR ALL TO dramac_platform USING (true) WITH CHECK (true);
-- module_data's site policy was TO PUBLIC: it now applies to the widgets' group only, so no other
-- role (the platform's among them) meets more than one permissive policy there.
ALTER POLICY dramac_site_isolation ON public.module_data TO dramac_widget_roles;
CREATE POLICY dramac_platform_read ON public.module_data AS PERMISSIVE FOR SELECT TO dramac_platform USING (true);
CREATE POLICY dramac_platform_purge ON public.module_data AS PERMISSIVE FOR DELETE TO dramac_platform USING (true);

ALTER TABLE public.module_database_registry ADD COLUMN IF NOT EXISTS installed_state jsonb;
ALTER TABLE public.module_database_events DROP CONSTRAINT IF EXISTS module_database_events_event_check;
ALTER TABLE public.module_database_events ADD CONSTRAINT module_database_events_event_check
  CHECK (event IN ('provisioned', 'upgraded', 'repaired', 'site_installed', 'site_purged', 'deprecated', 'deprovisioned',
    'index_build_started', 'index_build_failed', 'index_built'));

-- ---------------------------------------------------------------------------------------------
-- The platform's policies, once, on a template table nobody reads: verification compares each
-- module table's platform policies with these, as this server deparses them.
-- ---------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS dramac;
REVOKE ALL ON SCHEMA dramac FROM PUBLIC;
GRANT USAGE ON SCHEMA dramac TO dramac_platform;
CREATE TABLE dramac.policy_template (id integer PRIMARY KEY, site_id uuid NOT NULL);
REVOKE ALL ON dramac.policy_template FROM PUBLIC;
ALTER TABLE dramac.policy_template ENABLE ROW LEVEL SECURITY;
ALTER TABLE dramac.policy_template FORCE ROW LEVEL SECURITY;
-- The exact SQL the planner writes for every module table, for the placeholder module 00000000.
CREATE POLICY "dramac_site_isolation" ON dramac.policy_template AS PERMISSIVE FOR ALL TO PUBLIC
  USING (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('00000000'))))
  WITH CHECK (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('00000000'))));

${SQL_VISITOR_ACCESS}
${SQL_WIDGET_COLLECTIONS}

-- A secret salt for the platform's advisory lock keys (see dramac.lock_key).
CREATE TABLE dramac.platform_secrets (name text PRIMARY KEY, value text NOT NULL);
REVOKE ALL ON dramac.platform_secrets FROM PUBLIC;
INSERT INTO dramac.platform_secrets (name, value) VALUES ('lock_salt', gen_random_uuid()::text);
GRANT SELECT ON dramac.platform_secrets TO dramac_platform;

-- ---------------------------------------------------------------------------------------------
-- The site helper answers only for the module the request runs as (the role set with
-- SET LOCAL ROLE, which a SECURITY DEFINER function still sees in the role setting).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.dramac_can_access_current_site(p_module_short_id text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
AS $fn$
BEGIN
  IF pg_catalog.current_setting('role', true) IS DISTINCT FROM 'modrole_' || p_module_short_id THEN
    RETURN false;
  END IF;
  RETURN EXISTS (
    SELECT 1
    FROM public.sites s
    JOIN public.clients c ON c.id = s.client_id
    JOIN public.agency_members m ON m.agency_id = c.agency_id
    JOIN public.module_site_installations i
      ON i.site_id = s.id AND i.module_short_id = p_module_short_id AND i.status = 'active'
    WHERE s.id = public.dramac_current_site_id()
      AND m.user_id = public.dramac_current_user_id()
  );
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- References to platform rows stay within the row's own site's tenant: a module row may name a
-- user or profile who is a member of its site's agency, that agency, or that site's client. Checked
-- before the foreign key is (BEFORE trigger; the key's check runs after the statement), so an id
-- of another tenant and an id that does not exist are refused alike: no existence oracle. Owned
-- by the migration user, like the request helpers, to read the platform's tables past their RLS.
-- Arguments: pairs of (column, agencies | clients | profiles | users).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.dramac_check_tenant_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_new jsonb := pg_catalog.to_jsonb(NEW);
  v_old jsonb;
  v_agency uuid;
  v_client uuid;
  v_col text;
  v_kind text;
  v_value uuid;
  v_ok boolean;
  i integer;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    v_old := pg_catalog.to_jsonb(OLD);
  END IF;
  SELECT c.id, c.agency_id INTO v_client, v_agency
  FROM public.sites s JOIN public.clients c ON c.id = s.client_id
  WHERE s.id = (v_new ->> 'site_id')::uuid;
  FOR i IN 0 .. (TG_NARGS / 2) - 1 LOOP
    v_col := TG_ARGV[2 * i];
    v_kind := TG_ARGV[2 * i + 1];
    CONTINUE WHEN v_new ->> v_col IS NULL;
    -- An unchanged reference stays valid (its user may have left the agency since).
    CONTINUE WHEN TG_OP = 'UPDATE' AND (v_old ->> v_col) IS NOT DISTINCT FROM (v_new ->> v_col);
    v_value := (v_new ->> v_col)::uuid;
    v_ok := CASE v_kind
      WHEN 'agencies' THEN v_value = v_agency
      WHEN 'clients' THEN v_value = v_client
      WHEN 'users' THEN EXISTS (SELECT 1 FROM public.agency_members m WHERE m.agency_id = v_agency AND m.user_id = v_value)
      WHEN 'profiles' THEN EXISTS (SELECT 1 FROM public.agency_members m WHERE m.agency_id = v_agency AND m.user_id = v_value)
      ELSE false
    END;
    IF NOT coalesce(v_ok, false) THEN
      RAISE EXCEPTION USING ERRCODE = '42501', COLUMN = v_col,
        MESSAGE = pg_catalog.format('%s names no %s of this site''s tenant', v_col,
          CASE v_kind WHEN 'agencies' THEN 'agency' WHEN 'clients' THEN 'client' WHEN 'profiles' THEN 'member profile' ELSE 'member' END);
    END IF;
  END LOOP;
  RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_check_tenant_references() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_check_tenant_references() TO dramac_module_owners;

-- ---------------------------------------------------------------------------------------------
-- Reading, verifying and applying a module's state.
-- ---------------------------------------------------------------------------------------------
${SQL_ROLE_MANAGERS}
${SQL_READ_MODULE_STATE}
${SQL_VERIFY_MODULE_STATE}
${SQL_INDEX_BUILDS}
${SQL_DDL_RUNNER}
${SQL_APPLY_MODULE_CHANGE}

-- ---------------------------------------------------------------------------------------------
-- Deprovisioning: drops exactly what the registry lists, as the platform, refusing when
-- something outside the module depends on a module object (a CASCADE would reach past it).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.dramac_deprovision_module(
  p_module_id uuid,
  p_actor text DEFAULT NULL,
  p_mode text DEFAULT 'drop',
  p_retain_interval interval DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000,
  p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_short text;
  v_reg record;
  v_name text;
  v_rel text;
  v_present text[] := '{}';
  v_missing text[] := '{}';
  v_schema_dropped boolean := false;
  v_data bigint := 0;
  v_installs bigint := 0;
  v_role_dropped boolean := false;
  v_admin text;
  v_owner text;
  v_visitor text;
  v_admin_dropped boolean := false;
  v_drop_after timestamptz;
  v_dependents jsonb;
BEGIN
  IF p_module_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'module id is required';
  END IF;
  IF p_mode IS NULL OR p_mode NOT IN ('drop', 'retain') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('mode %L is not drop or retain', p_mode);
  END IF;
  IF p_mode = 'retain' AND (p_retain_interval IS NULL OR p_retain_interval < interval '0') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'retain mode needs a retention interval of zero or more';
  END IF;
  v_short := pg_catalog.left(pg_catalog.replace(p_module_id::text, '-', ''), 8);
  v_admin := 'modadmin_' || v_short;
  v_owner := 'modowner_' || v_short;
  v_visitor := 'modvisitor_' || v_short;

  PERFORM pg_catalog.set_config('lock_timeout', p_lock_wait_ms::text || 'ms', true);
  PERFORM pg_catalog.pg_advisory_xact_lock(dramac.lock_key('dramac.provisioning'));
  PERFORM public.dramac_lock_module(v_short);
  PERFORM pg_catalog.set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);

  SELECT * INTO v_reg FROM public.module_database_registry r WHERE r.module_id = p_module_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('module %s is not provisioned', p_module_id);
  END IF;
  IF v_reg.module_short_id IS DISTINCT FROM v_short OR v_reg.role_name IS DISTINCT FROM 'modrole_' || v_short
     OR (v_reg.strategy = 'schema' AND v_reg.schema_name IS DISTINCT FROM 'mod_' || v_short)
     OR (v_reg.strategy <> 'schema' AND v_reg.schema_name IS NOT NULL) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('registry row of module %s breaks the naming rules', p_module_id);
  END IF;
  FOREACH v_name IN ARRAY v_reg.table_names LOOP
    IF v_name !~ '^[a-z_][a-z0-9_]*$' THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('registry table name %L breaks the naming rules', v_name);
    END IF;
    v_rel := CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, v_name)
                  ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || v_short || '_' || v_name) END;
    IF pg_catalog.to_regclass(v_rel) IS NULL THEN
      v_missing := v_missing || v_rel;
    ELSE
      v_present := v_present || v_rel;
    END IF;
  END LOOP;

  IF p_mode = 'retain' THEN
    FOREACH v_name IN ARRAY ARRAY[v_reg.role_name, v_admin, v_visitor] LOOP
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_name);
      FOREACH v_rel IN ARRAY v_present LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %s FROM %I', v_rel, v_name);
      END LOOP;
      IF v_reg.strategy = 'schema' AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_reg.schema_name) THEN
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM %I', v_reg.schema_name, v_name);
      END IF;
    END LOOP;
    -- The group memberships the module's role manager granted, then those the platform granted
    -- before role managers existed.
    BEGIN
      PERFORM public.dramac_module_roles('retain', v_short, v_reg.strategy);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
    IF pg_catalog.pg_has_role(v_reg.role_name, 'dramac_module_roles', 'MEMBER') THEN
      EXECUTE pg_catalog.format('REVOKE dramac_module_roles FROM %I', v_reg.role_name);
    END IF;
    IF pg_catalog.pg_has_role(v_reg.role_name, 'dramac_widget_roles', 'MEMBER') THEN
      EXECUTE pg_catalog.format('REVOKE dramac_widget_roles FROM %I', v_reg.role_name);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_visitor) THEN
      IF pg_catalog.pg_has_role(v_visitor, 'dramac_module_roles', 'MEMBER') THEN
        EXECUTE pg_catalog.format('REVOKE dramac_module_roles FROM %I', v_visitor);
      END IF;
      IF pg_catalog.pg_has_role(v_visitor, 'dramac_widget_visitors', 'MEMBER') THEN
        EXECUTE pg_catalog.format('REVOKE dramac_widget_visitors FROM %I', v_visitor);
      END IF;
    END IF;
    UPDATE public.module_site_installations SET status = 'uninstalling' WHERE module_short_id = v_short;
    GET DIAGNOSTICS v_installs = ROW_COUNT;
    v_drop_after := pg_catalog.now() + p_retain_interval;
    UPDATE public.module_database_registry SET status = 'deprecated', drop_after = v_drop_after WHERE module_id = p_module_id;
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (p_module_id, v_short, 'deprecated', p_actor,
      pg_catalog.jsonb_build_object('dropAfter', v_drop_after, 'tables', pg_catalog.to_jsonb(v_present), 'installationsSuspended', v_installs));
    RETURN pg_catalog.jsonb_build_object('status', 'deprecated', 'moduleId', p_module_id, 'shortId', v_short,
      'dropAfter', v_drop_after, 'tables', pg_catalog.to_jsonb(v_present), 'installations', v_installs);
  END IF;

  -- Nothing outside the module may depend on what is dropped: a CASCADE would take it along.
  v_dependents := public.dramac_module_dependents(public.dramac_module_relations(v_short, v_reg.strategy, true));
  IF pg_catalog.jsonb_array_length(v_dependents) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004',
      MESSAGE = pg_catalog.format('dropping module %s would also drop objects outside it: %s', p_module_id,
        (SELECT pg_catalog.string_agg((d ->> 'type') || ' ' || (d ->> 'identity'), ', ') FROM pg_catalog.jsonb_array_elements(v_dependents) d)),
      DETAIL = pg_catalog.jsonb_build_object('dependents', v_dependents)::text;
  END IF;
  IF v_reg.strategy = 'schema' THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_reg.schema_name) THEN
      EXECUTE pg_catalog.format('DROP SCHEMA %I CASCADE', v_reg.schema_name);
      v_schema_dropped := true;
    END IF;
  ELSIF pg_catalog.array_length(v_present, 1) > 0 THEN
    EXECUTE 'DROP TABLE ' || pg_catalog.array_to_string(v_present, ', ');
  END IF;

  DELETE FROM public.module_data WHERE module_short_id = v_short;
  GET DIAGNOSTICS v_data = ROW_COUNT;
  DELETE FROM dramac.widget_collections WHERE module_short_id = v_short;
  DELETE FROM dramac.index_builds WHERE module_short_id = v_short;
  DELETE FROM public.module_site_installations WHERE module_short_id = v_short;
  GET DIAGNOSTICS v_installs = ROW_COUNT;

  -- The roles go last: DROP ROLE fails while anything still depends on them, which proves nothing
  -- of the module is left behind. Dropped by the module's role manager, which administers them
  -- (a walk of a few dozen memberships, not of every module's); a module whose roles the
  -- platform created before role managers existed is dropped by the platform.
  v_role_dropped := EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_reg.role_name);
  v_admin_dropped := EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_admin);
  BEGIN
    PERFORM public.dramac_module_roles('drop', v_short, v_reg.strategy);
  EXCEPTION WHEN insufficient_privilege THEN
    FOREACH v_name IN ARRAY ARRAY[v_reg.role_name, v_admin, v_visitor, v_owner] LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_name) THEN
        EXECUTE pg_catalog.format('DROP ROLE %I', v_name);
      END IF;
    END LOOP;
  END;

  DELETE FROM public.module_database_versions WHERE module_id = p_module_id;
  DELETE FROM public.module_database_registry WHERE module_id = p_module_id;
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (p_module_id, v_short, 'deprovisioned', p_actor, pg_catalog.jsonb_build_object(
    'version', v_reg.version, 'strategy', v_reg.strategy, 'schema', v_reg.schema_name,
    'schemaDropped', v_schema_dropped, 'tablesDropped', pg_catalog.to_jsonb(v_present), 'tablesMissing', pg_catalog.to_jsonb(v_missing),
    'role', v_reg.role_name, 'roleDropped', v_role_dropped, 'adminRoleDropped', v_admin_dropped,
    'moduleDataRows', v_data, 'installations', v_installs, 'wasDeprecated', v_reg.status = 'deprecated'));
  RETURN pg_catalog.jsonb_build_object('status', 'dropped', 'moduleId', p_module_id, 'shortId', v_short,
    'strategy', v_reg.strategy, 'schema', v_reg.schema_name, 'schemaDropped', v_schema_dropped,
    'tables', pg_catalog.to_jsonb(v_present), 'missingTables', pg_catalog.to_jsonb(v_missing), 'role', v_reg.role_name,
    'roleDropped', v_role_dropped, 'adminRole', CASE WHEN v_reg.strategy <> 'shared' THEN v_admin END,
    'adminRoleDropped', v_admin_dropped, 'moduleDataRows', v_data, 'installations', v_installs);
END
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_drop_due_modules(p_actor text DEFAULT NULL)
RETURNS TABLE (module_id uuid, module_short_id text, result jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_candidate record;
BEGIN
  FOR v_candidate IN
    SELECT r.module_id, r.module_short_id FROM public.module_database_registry r
    WHERE r.status = 'deprecated' AND r.drop_after <= pg_catalog.now() ORDER BY r.drop_after, r.module_id
  LOOP
    PERFORM pg_catalog.pg_advisory_xact_lock(dramac.lock_key('dramac.provisioning'));
    PERFORM public.dramac_lock_module(v_candidate.module_short_id);
    CONTINUE WHEN NOT EXISTS (
      SELECT 1 FROM public.module_database_registry r
      WHERE r.module_id = v_candidate.module_id AND r.status = 'deprecated' AND r.drop_after <= pg_catalog.now());
    module_id := v_candidate.module_id;
    module_short_id := v_candidate.module_short_id;
    result := public.dramac_deprovision_module(v_candidate.module_id, p_actor, 'drop', NULL);
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Modules installed by migrations 1-5 move to the new ownership, in place.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
  v_reg record;
  v_role text;
  v_admin text;
  v_owner text;
  v_visitor text;
  v_rel text;
  v_name text;
  v_pg16 boolean := pg_catalog.current_setting('server_version_num')::int >= 160000;
BEGIN
  FOR v_reg IN SELECT * FROM public.module_database_registry ORDER BY module_short_id LOOP
    v_role := 'modrole_' || v_reg.module_short_id;
    v_admin := 'modadmin_' || v_reg.module_short_id;
    v_owner := 'modowner_' || v_reg.module_short_id;
    v_visitor := 'modvisitor_' || v_reg.module_short_id;
    -- Every module gets its visitor role (it reaches nothing until a definition declares visitors).
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_visitor) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT', v_visitor);
      EXECUTE pg_catalog.format('GRANT dramac_module_roles TO %I', v_visitor);
      IF v_reg.strategy = 'shared' THEN
        EXECUTE pg_catalog.format('GRANT dramac_widget_visitors TO %I', v_visitor);
      END IF;
      IF v_pg16 THEN
        EXECUTE pg_catalog.format('GRANT %I TO dramac_platform WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', v_visitor);
        EXECUTE pg_catalog.format('GRANT %I TO dramac_data_api GRANTED BY dramac_platform', v_visitor);
      ELSE
        EXECUTE pg_catalog.format('GRANT %I TO dramac_data_api', v_visitor);
      END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I INHERIT', v_role);
      EXECUTE pg_catalog.format('GRANT dramac_module_roles TO %I', v_role);
      IF v_reg.strategy = 'shared' THEN
        EXECUTE pg_catalog.format('GRANT dramac_widget_roles TO %I', v_role);
      END IF;
      IF v_pg16 THEN
        -- The data API's membership was granted by the provisioner, whose ADMIN OPTION goes below:
        -- grant it again by the platform first.
        EXECUTE pg_catalog.format('GRANT %I TO dramac_platform WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', v_role);
        EXECUTE pg_catalog.format('GRANT %I TO dramac_data_api GRANTED BY dramac_platform', v_role);
      END IF;
    END IF;
    CONTINUE WHEN v_reg.strategy = 'shared';
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_admin) THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I NOBYPASSRLS', v_admin);
      IF v_pg16 THEN
        EXECUTE pg_catalog.format('GRANT %I TO dramac_platform WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', v_admin);
        EXECUTE pg_catalog.format('GRANT %I TO dramac_admin_api GRANTED BY dramac_platform', v_admin);
      END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_owner) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT', v_owner);
    END IF;
    IF v_pg16 THEN
      EXECUTE pg_catalog.format('GRANT %I TO dramac_platform WITH ADMIN TRUE, INHERIT TRUE, SET TRUE', v_owner);
    ELSE
      EXECUTE pg_catalog.format('GRANT %I TO dramac_platform', v_owner);
    END IF;
    EXECUTE pg_catalog.format('GRANT dramac_module_owners TO %I', v_owner);
    IF v_reg.strategy = 'schema' AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_reg.schema_name) THEN
      EXECUTE pg_catalog.format('ALTER SCHEMA %I OWNER TO %I', v_reg.schema_name, v_owner);
    END IF;
    FOREACH v_name IN ARRAY v_reg.table_names LOOP
      v_rel := CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, v_name)
                    ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || v_reg.module_short_id || '_' || v_name) END;
      CONTINUE WHEN pg_catalog.to_regclass(v_rel) IS NULL;
      EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO %I', v_rel, v_owner);
      EXECUTE pg_catalog.format('CREATE POLICY dramac_owner_access ON %s AS PERMISSIVE FOR ALL TO %I USING (true) WITH CHECK (true)', v_rel, v_owner);
      EXECUTE pg_catalog.format('CREATE POLICY dramac_admin_access ON %s AS PERMISSIVE FOR ALL TO %I USING (true) WITH CHECK (true)', v_rel, v_admin);
    END LOOP;
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The provisioner keeps EXECUTE on the entry points, and nothing else.
-- ---------------------------------------------------------------------------------------------
REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
  public.dramac_can_access_current_site(text) FROM dramac_provisioner CASCADE;
REVOKE EXECUTE ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
  public.dramac_can_access_current_site(text), public.dramac_set_updated_at() FROM dramac_provisioner;
REVOKE ALL ON public.module_data FROM dramac_provisioner CASCADE;
REVOKE ALL ON public.module_database_registry, public.module_database_versions, public.module_database_events,
  public.module_site_installations FROM dramac_provisioner;
REVOKE ALL ON public.sites, public.agencies, public.clients, public.profiles FROM dramac_provisioner;
REVOKE ALL ON SCHEMA public FROM dramac_provisioner;
GRANT USAGE ON SCHEMA public TO dramac_provisioner;
DROP POLICY IF EXISTS dramac_provisioner_all ON public.module_database_registry;
DROP POLICY IF EXISTS dramac_provisioner_all ON public.module_database_versions;
DROP POLICY IF EXISTS dramac_provisioner_all ON public.module_database_events;
DROP POLICY IF EXISTS dramac_provisioner_all ON public.module_site_installations;
DROP POLICY IF EXISTS dramac_provisioner_read ON public.module_data;
DROP POLICY IF EXISTS dramac_provisioner_purge ON public.module_data;
DO $$
DECLARE
  v_role record;
BEGIN
  EXECUTE pg_catalog.format('REVOKE CREATE ON DATABASE %I FROM dramac_provisioner', pg_catalog.current_database());
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    BEGIN
      REVOKE ALL ON SCHEMA auth FROM dramac_provisioner CASCADE;
      REVOKE ALL ON auth.users FROM dramac_provisioner;
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END IF;
  -- PostgreSQL 16+ recorded the provisioner's ADMIN OPTION on every role it created.
  FOR v_role IN
    SELECT g.rolname FROM pg_catalog.pg_auth_members m
    JOIN pg_catalog.pg_roles g ON g.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member
    WHERE u.rolname = 'dramac_provisioner' AND g.rolname ~ '^mod(role|admin)_[a-f0-9]{8}$'
  LOOP
    EXECUTE pg_catalog.format('REVOKE %I FROM dramac_provisioner CASCADE', v_role.rolname);
  END LOOP;
  -- One attribute at a time: PostgreSQL 15 refuses any mention of BYPASSRLS from a non-superuser
  -- (Supabase's postgres), even to take it away from a role that does not have it.
  IF (SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'dramac_provisioner') THEN
    ALTER ROLE dramac_provisioner NOCREATEROLE;
  END IF;
  IF (SELECT rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = 'dramac_provisioner') THEN
    ALTER ROLE dramac_provisioner NOBYPASSRLS;
  END IF;
END
$$;

-- Old entry-point helpers that trusted SQL text: gone.
DROP FUNCTION IF EXISTS public.dramac_upgrade_statement_allowed(text, text, text, text, text, text);
DROP FUNCTION IF EXISTS public.dramac_is_single_statement(text);
DROP FUNCTION IF EXISTS public.dramac_catalog_fingerprint(text);
DROP FUNCTION IF EXISTS public.dramac_verify_module_tables(text, text, text[], text[]);

-- Ownership and execution rights of every platform function.
ALTER FUNCTION public.dramac_apply_module_change(text, jsonb, jsonb, text, text, text, text, integer, integer) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_apply_module_repair(jsonb, text, text, integer, integer) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_verify_module_state(text, text, jsonb, text[]) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_ensure_module_role(text, boolean, boolean) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_module_roles(text, text, text, text, text[]) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_reset_module_role_settings(text) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_index_builds_pending(uuid) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_index_build_next(uuid) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_index_build_done(uuid, text, text, text) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_lock_module(text) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_deprovision_module(uuid, text, text, interval, integer, integer) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_drop_due_modules(text) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_apply_widget_collections(text, jsonb) OWNER TO dramac_platform;
-- Counts and sizes read every site's rows of the module's tables: as their owner's member.
ALTER FUNCTION public.get_module_tables(text, boolean) OWNER TO dramac_platform;
ALTER FUNCTION public.get_module_storage_size(text) OWNER TO dramac_platform;

-- Every platform function searches pg_catalog, then pg_temp last: left out, pg_temp would be
-- searched first for relation and type names (migrations 1-5 used an empty path).
DO $$
DECLARE
  v_fn regprocedure;
  v_owner text;
  v_role text := pg_catalog.current_setting('role');
BEGIN
  FOR v_fn, v_owner IN
    SELECT p.oid::pg_catalog.regprocedure, pg_catalog.pg_get_userbyid(p.proowner)::text FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'public'::pg_catalog.regnamespace
      AND (p.proname ~ '^dramac_' OR p.proname IN ('get_module_tables', 'module_schema_exists', 'get_module_storage_size'))
  LOOP
    -- A non-superuser migration user (Supabase's postgres) holds dramac_platform WITHOUT INHERIT on
    -- PostgreSQL 16+: it acts as the owner of the platform's functions through SET ROLE only.
    IF NOT pg_catalog.pg_has_role(v_owner, 'USAGE') THEN
      PERFORM pg_catalog.set_config('role', v_owner, true);
    END IF;
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', v_fn);
    PERFORM pg_catalog.set_config('role', v_role, true);
  END LOOP;
END
$$;

DO $$
DECLARE
  v_fn text;
  v_api text;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[
    'public.dramac_current_module_short_id()',
    'public.dramac_visitor_can_access_current_site(text)',
    'public.dramac_widget_item_problem(jsonb, jsonb)',
    'public.dramac_widget_visitor_may_insert(text, text, jsonb)',
    'public.dramac_module_data_item()',
    'public.dramac_apply_widget_collections(text, jsonb)',
    'public.dramac_set_site_public(uuid, boolean, text)',
    'public.dramac_set_updated_at()',
    'public.dramac_check_tenant_references()',
    'public.dramac_apply_module_change(text, jsonb, jsonb, text, text, text, text, integer, integer)',
    'public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer)',
    'public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer)',
    'public.dramac_apply_module_repair(jsonb, text, text, integer, integer)',
    'public.dramac_verify_module_state(text, text, jsonb, text[])',
    'public.dramac_ensure_module_role(text, boolean, boolean)',
    'public.dramac_module_roles(text, text, text, text, text[])',
    'public.dramac_reset_module_role_settings(text)',
    'public.dramac_index_builds_pending(uuid)',
    'public.dramac_index_build_next(uuid)',
    'public.dramac_index_build_done(uuid, text, text, text)',
    'public.dramac_desired_without_indexes(jsonb, jsonb[])',
    'public.dramac_read_module_state(text, text, boolean)',
    'public.dramac_module_relations(text, text, boolean)',
    'public.dramac_module_dependents(oid[])',
    'public.dramac_expression_problem(pg_node_tree)',
    'public.dramac_expression_text_problem(text)',
    'public.dramac_expressions_problem(text[])',
    'public.dramac_table_shapes(jsonb, boolean)',
    'public.dramac_function_allowed(oid)',
    'public.dramac_platform_policy_text(text, text)',
    'public.dramac_compare_objects(text, text, jsonb[], jsonb[])',
    'public.dramac_constraint_shape(jsonb)',
    'public.dramac_policy_shape(jsonb)',
    'public.dramac_lock_module(text)',
    'public.dramac_undo_session_residue(text[], text[])',
    'public.dramac_deprovision_module(uuid, text, text, interval, integer, integer)',
    'public.dramac_drop_due_modules(text)'
  ] LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    -- Supabase's default privileges grant every new function in public to its API roles.
    FOREACH v_api IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_api) THEN
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I', v_fn, v_api);
      END IF;
    END LOOP;
  END LOOP;
  -- Internal pieces the platform functions call as dramac_platform.
  GRANT EXECUTE ON FUNCTION public.dramac_read_module_state(text, text, boolean), public.dramac_module_relations(text, text, boolean),
    public.dramac_module_dependents(oid[]), public.dramac_expression_problem(pg_node_tree),
    public.dramac_expression_text_problem(text), public.dramac_expressions_problem(text[]), public.dramac_table_shapes(jsonb, boolean),
    public.dramac_desired_without_indexes(jsonb, jsonb[]),
    public.dramac_function_allowed(oid), public.dramac_platform_policy_text(text, text),
    public.dramac_compare_objects(text, text, jsonb[], jsonb[]), public.dramac_constraint_shape(jsonb),
    public.dramac_policy_shape(jsonb), public.dramac_undo_session_residue(text[], text[]) TO dramac_platform;
  REVOKE ALL ON FUNCTION dramac.lock_key(text) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION dramac.lock_key(text) TO dramac_platform;
  -- The entry points: the provisioner group (the platform's server) and, for platforms that
  -- reach the database only over HTTP, service_role.
  GRANT EXECUTE ON FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer),
    public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer),
    public.dramac_apply_module_repair(jsonb, text, text, integer, integer),
    public.dramac_deprovision_module(uuid, text, text, interval, integer, integer),
    public.dramac_drop_due_modules(text),
    public.dramac_lock_module(text),
    public.dramac_set_site_public(uuid, boolean, text),
    public.dramac_index_builds_pending(uuid), public.dramac_index_build_next(uuid), public.dramac_index_build_done(uuid, text, text, text),
    public.dramac_read_module_state(text, text, boolean) TO dramac_provisioner;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer),
      public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer),
      public.dramac_apply_module_repair(jsonb, text, text, integer, integer),
      public.dramac_deprovision_module(uuid, text, text, interval, integer, integer),
      public.dramac_drop_due_modules(text),
      public.dramac_set_site_public(uuid, boolean, text),
      public.dramac_read_module_state(text, text, boolean) TO service_role;
  END IF;
END
$$;

-- The request helpers every policy calls are PARALLEL RESTRICTED: a policy calls them as
-- (select ...), an InitPlan the leader evaluates once and hands to parallel workers, so an RLS
-- count or scan of a large site can use workers (PARALLEL UNSAFE, the default, forbade any
-- parallel plan). Not PARALLEL SAFE: the helpers read the role setting, and a worker must never
-- evaluate them on its own (older minor releases restored a different role setting in workers).
ALTER FUNCTION public.dramac_current_site_id() PARALLEL RESTRICTED;
ALTER FUNCTION public.dramac_current_user_id() PARALLEL RESTRICTED;
ALTER FUNCTION public.dramac_current_module_short_id() PARALLEL RESTRICTED;
ALTER FUNCTION public.dramac_can_access_current_site(text) PARALLEL RESTRICTED;
ALTER FUNCTION public.dramac_visitor_can_access_current_site(text) PARALLEL RESTRICTED;

-- Every module installed before this migration: prove it keeps the invariants now, and record
-- the state as installed. A module that does not is left as it is and reported by drift checks.
DO $$
DECLARE
  v_reg record;
BEGIN
  FOR v_reg IN SELECT module_short_id, strategy FROM public.module_database_registry LOOP
    UPDATE public.module_database_registry
    SET installed_state = public.dramac_read_module_state(v_reg.module_short_id, v_reg.strategy, true)
    WHERE module_short_id = v_reg.module_short_id;
  END LOOP;
END
$$;
`;
