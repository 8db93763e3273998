/**
 * Platform migration 2: the module registry (the seed's `module_database_registry`, extended), its
 * event log and version history, the restricted `dramac_provisioner` role, the seed's helper
 * functions rewritten safely, and `dramac_apply_module_plan`, the one atomic entry point that
 * applies a whole plan.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0002_REGISTRY = `
CREATE TABLE IF NOT EXISTS public.module_database_registry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  module_id uuid NOT NULL UNIQUE,
  module_short_id text NOT NULL UNIQUE CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  module_type text NOT NULL CHECK (module_type IN ('widget', 'app', 'integration', 'system', 'custom')),
  strategy text NOT NULL CHECK (strategy IN ('shared', 'prefix', 'schema')),
  uses_schema boolean NOT NULL DEFAULT false,
  schema_name text,
  role_name text NOT NULL CHECK (role_name ~ '^modrole_[a-f0-9]{8}$'),
  table_names text[] NOT NULL DEFAULT '{}',
  version text NOT NULL,
  definition jsonb NOT NULL,
  checksum text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'migrating', 'deprecated')),
  drop_after timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT valid_schema CHECK (schema_name IS NULL OR schema_name ~ '^mod_[a-f0-9]{8}$'),
  CONSTRAINT schema_matches_strategy CHECK (uses_schema = (strategy = 'schema') AND uses_schema = (schema_name IS NOT NULL))
);
DROP TRIGGER IF EXISTS trg_module_database_registry_updated_at ON public.module_database_registry;
CREATE TRIGGER trg_module_database_registry_updated_at BEFORE UPDATE ON public.module_database_registry
  FOR EACH ROW EXECUTE FUNCTION public.dramac_set_updated_at();

-- Every applied version of every module: checksum, plan, when, by whom.
CREATE TABLE IF NOT EXISTS public.module_database_versions (
  module_id uuid NOT NULL,
  version text NOT NULL,
  checksum text NOT NULL,
  definition jsonb NOT NULL,
  plan jsonb NOT NULL,
  applied_by text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (module_id, version)
);

CREATE TABLE IF NOT EXISTS public.module_database_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  module_id uuid NOT NULL,
  module_short_id text NOT NULL,
  event text NOT NULL CHECK (event IN ('provisioned', 'upgraded', 'site_installed', 'site_purged', 'deprecated', 'deprovisioned')),
  site_id uuid,
  actor text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS module_database_events_module_idx ON public.module_database_events (module_id, created_at);

ALTER TABLE public.module_database_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.module_database_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.module_database_events ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.module_database_registry, public.module_database_versions, public.module_database_events FROM PUBLIC;

-- The role module objects belong to. Not a superuser: PostgreSQL itself keeps it away from
-- platform tables (it owns none and may only reference the allowed ones), from other
-- databases' objects and from server files and programs.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_provisioner') THEN
    -- BYPASSRLS so it may create the modules' admin roles (PostgreSQL 16+ lets a CREATEROLE
    -- role hand out only the attributes it has).
    BEGIN
      CREATE ROLE dramac_provisioner NOLOGIN NOINHERIT CREATEROLE BYPASSRLS;
    EXCEPTION WHEN insufficient_privilege THEN
      -- PostgreSQL 15 lets only superusers create BYPASSRLS roles (Supabase's postgres is not
      -- one); migration 6 takes the attribute away again, so a fresh install never needs it.
      CREATE ROLE dramac_provisioner NOLOGIN NOINHERIT CREATEROLE;
    END;
  END IF;
  EXECUTE format('GRANT CREATE ON DATABASE %I TO dramac_provisioner', current_database());
  -- The migration's user administers module objects (uninstall, stats) through this role.
  EXECUTE format('GRANT dramac_provisioner TO %I', current_user);
  -- Every module role is granted to dramac_data_api when provisioned, so members of it (the
  -- platform's server user, PostgREST's authenticator) may switch to a module role for one
  -- transaction. NOINHERIT: it holds no module privileges itself.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_data_api') THEN
    CREATE ROLE dramac_data_api NOLOGIN NOINHERIT;
  END IF;
  EXECUTE format('GRANT dramac_data_api TO %I', current_user);
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticator') THEN
    GRANT dramac_data_api TO authenticator;
  END IF;
  -- Module admin roles (BYPASSRLS) are granted to dramac_admin_api: server-side only, never to
  -- PostgREST's authenticator.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_admin_api') THEN
    CREATE ROLE dramac_admin_api NOLOGIN NOINHERIT;
  END IF;
  EXECUTE format('GRANT dramac_admin_api TO %I', current_user);
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    GRANT USAGE ON SCHEMA auth TO dramac_provisioner WITH GRANT OPTION;
    GRANT REFERENCES ON auth.users TO dramac_provisioner;
  END IF;
END
$$;
GRANT USAGE, CREATE ON SCHEMA public TO dramac_provisioner;
GRANT REFERENCES ON public.sites, public.agencies, public.clients, public.profiles TO dramac_provisioner;
GRANT EXECUTE ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
  public.dramac_can_access_current_site(text) TO dramac_provisioner WITH GRANT OPTION;
GRANT EXECUTE ON FUNCTION public.dramac_set_updated_at() TO dramac_provisioner;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.module_data TO dramac_provisioner WITH GRANT OPTION;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.module_database_registry, public.module_database_versions,
  public.module_database_events, public.module_site_installations TO dramac_provisioner;
CREATE POLICY dramac_provisioner_all ON public.module_database_registry FOR ALL TO dramac_provisioner USING (true) WITH CHECK (true);
CREATE POLICY dramac_provisioner_all ON public.module_database_versions FOR ALL TO dramac_provisioner USING (true) WITH CHECK (true);
CREATE POLICY dramac_provisioner_all ON public.module_database_events FOR ALL TO dramac_provisioner USING (true) WITH CHECK (true);
CREATE POLICY dramac_provisioner_all ON public.module_site_installations FOR ALL TO dramac_provisioner USING (true) WITH CHECK (true);

-- A fingerprint of what a module's DDL must not touch: everything outside the module's own
-- namespace. Compared before and after the DDL runs. Three parts, none of them a full dump of the
-- catalog (which made provisioning slower with every module installed):
-- 1. catalog rows outside the namespace written by this transaction: a visible row whose creator
--    is still in progress can only be ours (cheap pre-filter on the xid, then pg_xact_status);
-- 2. how many rows each catalog holds outside the namespace, so a drop shows too;
-- 3. the ACLs of the shared objects a plan legitimately grants on (the policy helpers,
--    module_data, schema auth), minus the module's own role's entries.
CREATE OR REPLACE FUNCTION public.dramac_catalog_fingerprint(p_short_id text) RETURNS text
LANGUAGE sql STABLE SET search_path = ''
AS $$
  WITH modns AS (
    SELECT 'mod_' || p_short_id AS schema_name, 'mod_' || p_short_id || '_' AS prefix,
      'modrole_' || p_short_id AS role_name, 'modadmin_' || p_short_id AS admin_name,
      (pg_catalog.pg_current_xact_id()::text::bigint >> 32) AS epoch,
      (pg_catalog.pg_current_xact_id()::text::bigint & 4294967295) AS top_xid
  ),
  own AS (
    SELECT c.oid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, modns
    WHERE n.nspname = modns.schema_name
       OR (n.nspname = 'public' AND left(c.relname, length(modns.prefix)) = modns.prefix)
    UNION
    SELECT i.indexrelid FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace, modns
    WHERE n.nspname = modns.schema_name
       OR (n.nspname = 'public' AND left(t.relname, length(modns.prefix)) = modns.prefix)
  ),
  -- Platform tables whose catalog row a foreign key may touch (relhastriggers), and module_data.
  shared_rel AS (
    SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE (n.nspname = 'public' AND c.relname IN ('sites', 'agencies', 'clients', 'profiles', 'module_data'))
       OR (n.nspname = 'auth' AND c.relname = 'users')
  ),
  shared_fn AS (
    SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND p.proname IN ('dramac_current_site_id', 'dramac_current_user_id', 'dramac_can_access_current_site')
  ),
  rows AS (
    SELECT 'class' AS cat, c.oid AS id, c.xmin AS x FROM pg_catalog.pg_class c
    WHERE c.relnamespace <> 'pg_toast'::regnamespace AND c.oid NOT IN (SELECT oid FROM own)
      AND c.oid NOT IN (SELECT oid FROM shared_rel)
    UNION ALL
    SELECT 'namespace', n.oid, n.xmin FROM pg_catalog.pg_namespace n, modns
    WHERE n.nspname NOT IN (modns.schema_name, 'auth')
    UNION ALL
    SELECT 'proc', p.oid, p.xmin FROM pg_catalog.pg_proc p WHERE p.oid NOT IN (SELECT oid FROM shared_fn)
    UNION ALL
    SELECT 'policy', p.oid, p.xmin FROM pg_catalog.pg_policy p WHERE p.polrelid NOT IN (SELECT oid FROM own)
    UNION ALL
    SELECT 'trigger', t.oid, t.xmin FROM pg_catalog.pg_trigger t
    WHERE NOT t.tgisinternal AND t.tgrelid NOT IN (SELECT oid FROM own)
    UNION ALL
    SELECT 'constraint', k.oid, k.xmin FROM pg_catalog.pg_constraint k
    WHERE k.conrelid <> 0 AND k.conrelid NOT IN (SELECT oid FROM own)
    UNION ALL
    SELECT 'attribute', a.attrelid, a.xmin FROM pg_catalog.pg_attribute a
    WHERE a.attnum > 0 AND a.attrelid NOT IN (SELECT oid FROM own) AND a.attrelid NOT IN (SELECT oid FROM shared_rel)
      AND a.attrelid IN (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace <> 'pg_toast'::regnamespace)
    UNION ALL
    -- Memberships of other roles than the module's own two (roles are cluster-wide).
    SELECT 'member', m.roleid, m.xmin FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid, modns
    WHERE g.rolname NOT IN (modns.role_name, modns.admin_name)
  ),
  written AS (
    SELECT format('written %s %s', r.cat, r.id) AS item
    FROM rows r, modns
    WHERE r.x::text::bigint >= modns.top_xid
      AND pg_catalog.pg_xact_status(((modns.epoch << 32) + r.x::text::bigint)::text::xid8) = 'in progress'
  ),
  counts AS (
    -- Memberships are left out: other databases add and remove module roles at any time.
    SELECT format('count %s %s', r.cat, count(*)) AS item FROM rows r WHERE r.cat <> 'member' GROUP BY r.cat
  ),
  acls AS (
    SELECT format('acl fn %s %s', p.oid, (SELECT string_agg(a::text, ',' ORDER BY a::text)
      FROM unnest(p.proacl) a, modns WHERE a::text NOT LIKE modns.role_name || '=%')) AS item
    FROM pg_catalog.pg_proc p WHERE p.oid IN (SELECT oid FROM shared_fn)
    UNION ALL
    SELECT format('acl rel %s %s %s %s', c.oid, c.relrowsecurity, c.relforcerowsecurity, (SELECT string_agg(a::text, ',' ORDER BY a::text)
      FROM unnest(c.relacl) a, modns WHERE a::text NOT LIKE modns.role_name || '=%'))
    FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT oid FROM shared_rel)
    UNION ALL
    SELECT format('acl ns %s %s', n.oid, (SELECT string_agg(a::text, ',' ORDER BY a::text)
      FROM unnest(n.nspacl) a, modns WHERE a::text NOT LIKE modns.role_name || '=%'))
    FROM pg_catalog.pg_namespace n WHERE n.nspname = 'auth'
  )
  SELECT md5(coalesce(string_agg(item, E'\n' ORDER BY item), ''))
  FROM (SELECT item FROM written UNION ALL SELECT item FROM counts UNION ALL SELECT item FROM acls) s
$$;
REVOKE ALL ON FUNCTION public.dramac_catalog_fingerprint(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_catalog_fingerprint(text) TO dramac_provisioner;
`;
