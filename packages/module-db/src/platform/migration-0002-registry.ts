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
    CREATE ROLE dramac_provisioner NOLOGIN NOINHERIT CREATEROLE BYPASSRLS;
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

-- A fingerprint of every catalog object a module plan must not touch: everything outside the
-- module's own namespace (other modules included), role attributes and memberships, ACLs minus
-- the module role's own entries. Compared before and after a plan runs.
CREATE OR REPLACE FUNCTION public.dramac_catalog_fingerprint(p_short_id text) RETURNS text
LANGUAGE sql STABLE SET search_path = ''
AS $$
  WITH modns AS (
    SELECT 'mod_' || p_short_id AS schema_name, 'mod_' || p_short_id || '_' AS prefix,
      'modrole_' || p_short_id AS role_name, 'modadmin_' || p_short_id AS admin_name
  ),
  outside AS (
    SELECT c.oid, c.relname, n.nspname, c.relkind, c.relnatts, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.relowner
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, modns
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname <> modns.schema_name
      AND NOT (n.nspname = 'public' AND left(c.relname, length(modns.prefix)) = modns.prefix)
      -- Indexes (and the constraints behind them) of the module's own prefixed tables.
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
        WHERE i.indexrelid = c.oid AND t.relnamespace = 'public'::regnamespace
          AND left(t.relname, length(modns.prefix)) = modns.prefix
      )
  ),
  items AS (
    SELECT format('rel %s %s.%s %s %s %s%s %s %s', o.oid, o.nspname, o.relname, o.relkind, o.relnatts,
      o.relrowsecurity, o.relforcerowsecurity, o.relowner,
      (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(o.relacl) a, modns
        -- The module role's own grant on module_data is the plan's to make; any other is not.
        WHERE NOT (o.nspname = 'public' AND o.relname = 'module_data' AND a::text LIKE modns.role_name || '=%'))) AS item
    FROM outside o
    UNION ALL
    SELECT format('pol %s %s %s %s', p.polrelid, p.polname, p.polpermissive, pg_catalog.pg_get_expr(p.polqual, p.polrelid))
    FROM pg_catalog.pg_policy p JOIN outside o ON o.oid = p.polrelid
    UNION ALL
    SELECT format('trg %s %s %s', t.tgrelid, t.tgname, t.tgfoid) FROM pg_catalog.pg_trigger t JOIN outside o ON o.oid = t.tgrelid
    -- Internal triggers come with foreign keys that reference platform tables (public.sites).
    WHERE NOT t.tgisinternal
    UNION ALL
    SELECT format('con %s %s %s', k.conrelid, k.conname, k.contype) FROM pg_catalog.pg_constraint k JOIN outside o ON o.oid = k.conrelid
    UNION ALL
    SELECT format('ns %s %s %s', n.nspname, n.nspowner,
      (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a, modns
        WHERE NOT (n.nspname = 'auth' AND a::text LIKE modns.role_name || '=%')))
    FROM pg_catalog.pg_namespace n, modns WHERE n.nspname <> modns.schema_name
    UNION ALL
    SELECT format('fn %s %s %s', p.oid, p.proname,
      (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a, modns
        WHERE NOT (n.nspname = 'public' AND p.proname IN ('dramac_current_site_id', 'dramac_current_user_id', 'dramac_can_access_current_site')
                   AND a::text LIKE modns.role_name || '=%')))
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    -- Roles are cluster-wide: other modules' roles come and go with provisioning in other
    -- databases, so they are left out (a plan can only create its own two roles anyway).
    SELECT format('role %s %s %s %s %s %s', r.rolname, r.rolsuper, r.rolcanlogin, r.rolcreaterole, r.rolbypassrls, r.rolinherit)
    FROM pg_catalog.pg_roles r, modns
    WHERE r.rolname NOT IN (modns.role_name, modns.admin_name) AND r.rolname !~ '^mod(role|admin)_[a-f0-9]{8}$'
    UNION ALL
    -- Memberships, except the ones provisioning itself makes: the provisioner's own membership in
    -- the roles it creates, and module roles granted to the data and admin API roles.
    SELECT format('member %s %s %s', g.rolname, u.rolname, m.admin_option)
    FROM pg_catalog.pg_auth_members m
    JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
    JOIN pg_catalog.pg_roles u ON u.oid = m.member, modns
    WHERE NOT (g.rolname ~ '^mod(role|admin)_[a-f0-9]{8}$'
               AND u.rolname IN ('dramac_provisioner', 'dramac_data_api', 'dramac_admin_api'))
  )
  SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM items
$$;
REVOKE ALL ON FUNCTION public.dramac_catalog_fingerprint(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_catalog_fingerprint(text) TO dramac_provisioner;
`;
