/**
 * Platform migration 4: the module lifecycle after provisioning, and fixes to migrations 1-3.
 *
 * - The seed's helper functions, rewritten: `get_module_tables` (exact counts with `count(*)`,
 *   estimated ones from `pg_class.reltuples`, no `query_to_xml` trick), `module_schema_exists`
 *   and `get_module_storage_size`. They read the registry, so they work for the schema and the
 *   prefix strategies alike, and only ever name objects the registry lists.
 * - `dramac_deprovision_module`: drops exactly what the registry lists, the module role and its
 *   rows, atomically, or (retention mode) revokes every access now and leaves the drop to
 *   `dramac_drop_due_modules` once `drop_after` has passed.
 * - Fix: Supabase's default privileges (`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON
 *   FUNCTIONS TO anon, authenticated, service_role`) had granted the API roles EXECUTE on every
 *   platform function of migrations 1-3, `dramac_apply_module_plan` included, and the event log's
 *   identity sequence. `REVOKE ... FROM PUBLIC` does not remove those grants; this migration does.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0004_LIFECYCLE = `
-- ---------------------------------------------------------------------------------------------
-- Fix: take back what Supabase's default privileges gave the API roles in migrations 1-3.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      -- Module roles and the provisioner call the policy helpers; a browser request never
      -- needs to, and dramac_apply_module_plan is for service_role only.
      EXECUTE format('REVOKE ALL ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
        public.dramac_can_access_current_site(text), public.dramac_catalog_fingerprint(text),
        public.dramac_is_single_statement(text),
        public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer) FROM %I', r);
      EXECUTE format('REVOKE ALL ON SEQUENCE public.module_database_events_id_seq FROM %I', r);
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    REVOKE ALL ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
      public.dramac_can_access_current_site(text), public.dramac_catalog_fingerprint(text),
      public.dramac_is_single_statement(text) FROM service_role;
  END IF;
END
$$;

-- The provisioner purges a deprovisioned widget's rows from module_data. The table forces RLS
-- and its only policy is the module/site one, so without these the DELETE would silently
-- remove nothing. Read and delete only: the provisioner never writes widget rows.
DROP POLICY IF EXISTS dramac_provisioner_read ON public.module_data;
CREATE POLICY dramac_provisioner_read ON public.module_data AS PERMISSIVE FOR SELECT TO dramac_provisioner USING (true);
DROP POLICY IF EXISTS dramac_provisioner_purge ON public.module_data;
CREATE POLICY dramac_provisioner_purge ON public.module_data AS PERMISSIVE FOR DELETE TO dramac_provisioner USING (true);

-- ---------------------------------------------------------------------------------------------
-- The seed's helper functions, rewritten.
-- ---------------------------------------------------------------------------------------------

-- Row counts and sizes of one module's tables, as the registry lists them. p_exact: count(*)
-- (reads every row); otherwise the planner's estimate pg_class.reltuples (-1 = never analyzed,
-- reported as 0 and estimated). Identifiers come from the registry, checked again against the
-- naming rules, never from the caller. Owned by the migration user, which reads past row-level
-- security (superuser, or BYPASSRLS as Supabase's postgres): counts are of every site's rows.
CREATE OR REPLACE FUNCTION public.get_module_tables(p_module_short_id text, p_exact boolean DEFAULT false)
RETURNS TABLE (table_name text, row_count bigint, estimated boolean, total_bytes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
AS $fn$
DECLARE
  v_reg record;
  v_name text;
  v_schema text;
  v_rel text;
  v_oid oid;
  v_tuples real;
BEGIN
  IF p_module_short_id IS NULL OR p_module_short_id !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L is not a module short id (8 lower-case hex digits)', p_module_short_id);
  END IF;
  SELECT r.strategy, r.schema_name, r.table_names INTO v_reg
  FROM public.module_database_registry r WHERE r.module_short_id = p_module_short_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;

  IF v_reg.strategy = 'shared' THEN
    -- A widget's share of the shared table: its rows and their size.
    RETURN QUERY
      SELECT 'module_data'::text, pg_catalog.count(*)::bigint, false,
             coalesce(pg_catalog.sum(pg_catalog.pg_column_size(d.*)), 0)::bigint
      FROM public.module_data d WHERE d.module_short_id = p_module_short_id;
    RETURN;
  END IF;

  FOREACH v_name IN ARRAY v_reg.table_names LOOP
    IF v_name !~ '^[a-z_][a-z0-9_]*$' THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('registry table name %L breaks the naming rules', v_name);
    END IF;
    IF v_reg.strategy = 'schema' THEN
      v_schema := v_reg.schema_name;
      v_rel := v_name;
      IF v_schema IS DISTINCT FROM 'mod_' || p_module_short_id THEN
        RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('registry schema %L breaks the naming rules', v_schema);
      END IF;
    ELSE
      v_schema := 'public';
      v_rel := 'mod_' || p_module_short_id || '_' || v_name;
    END IF;
    v_oid := pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_schema, v_rel));
    -- A listed table that is missing is the orphan check's business, not a count of 0.
    CONTINUE WHEN v_oid IS NULL;
    table_name := v_name;
    total_bytes := pg_catalog.pg_total_relation_size(v_oid);
    IF p_exact THEN
      EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I', v_schema, v_rel) INTO row_count;
      estimated := false;
    ELSE
      SELECT c.reltuples INTO v_tuples FROM pg_catalog.pg_class c WHERE c.oid = v_oid;
      row_count := greatest(v_tuples, 0)::bigint;
      estimated := true;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- True when a module schema of that name exists. Only answers for names of module schemas
-- (mod_<8 hex>), so it is no general catalog oracle.
CREATE OR REPLACE FUNCTION public.module_schema_exists(p_schema_name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $fn$
  SELECT p_schema_name ~ '^mod_[a-f0-9]{8}$'
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = p_schema_name)
$fn$;

-- Bytes used by a module's tables (indexes and TOAST included), both strategies, from the
-- registry. 0 for a module the registry does not know.
CREATE OR REPLACE FUNCTION public.get_module_storage_size(p_module_short_id text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $fn$
  SELECT coalesce(pg_catalog.sum(t.total_bytes), 0)::bigint FROM public.get_module_tables(p_module_short_id, false) t
$fn$;

REVOKE ALL ON FUNCTION public.get_module_tables(text, boolean), public.module_schema_exists(text),
  public.get_module_storage_size(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_module_tables(text, boolean), public.module_schema_exists(text),
  public.get_module_storage_size(text) TO dramac_provisioner;

-- ---------------------------------------------------------------------------------------------
-- Deprovisioning.
-- ---------------------------------------------------------------------------------------------

-- Removes a module everywhere, atomically. p_mode 'drop': drops the schema (CASCADE) or each
-- listed prefixed table, revokes the module role's grants on platform objects, deletes its
-- module_data rows, installations, version history and registry row, drops the module role and
-- the module admin role (modadmin_<id>, table modules), logs
-- 'deprovisioned'. p_mode 'retain': revokes every access of both roles now (table grants, schema usage,
-- module_data, installations set to 'uninstalling' so the site policy refuses too), marks the
-- registry row 'deprecated' with drop_after = now() + p_retain_interval and logs 'deprecated';
-- dramac_drop_due_modules performs the drop later. Runs as dramac_provisioner, which owns the
-- module objects and nothing of the platform's; a catalog fingerprint of everything outside the
-- module namespace is compared before and after, so a CASCADE can never reach past it.
CREATE OR REPLACE FUNCTION public.dramac_deprovision_module(
  p_module_id uuid,
  p_actor text DEFAULT NULL,
  p_mode text DEFAULT 'drop',
  p_retain_interval interval DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000,
  p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $fn$
DECLARE
  v_short text;
  v_reg record;
  v_name text;
  v_rel text;
  v_present text[] := '{}';
  v_missing text[] := '{}';
  v_schema_dropped boolean := false;
  v_before text;
  v_after text;
  v_data bigint := 0;
  v_installs bigint := 0;
  v_role_dropped boolean := false;
  v_admin text;
  v_admin_dropped boolean := false;
  v_drop_after timestamptz;
BEGIN
  IF p_module_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'module id is required';
  END IF;
  IF p_mode IS NULL OR p_mode NOT IN ('drop', 'retain') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('mode %L is not drop or retain', p_mode);
  END IF;
  IF p_mode = 'retain' AND (p_retain_interval IS NULL OR p_retain_interval < interval '0') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'retain mode needs a retention interval of zero or more';
  END IF;
  v_short := left(replace(p_module_id::text, '-', ''), 8);
  -- Table modules also have an admin role (BYPASSRLS, this module's tables only).
  v_admin := 'modadmin_' || v_short;

  -- The same lock as provisioning: a module is never provisioned and removed at once.
  PERFORM set_config('lock_timeout', p_lock_wait_ms::text || 'ms', true);
  -- One DDL change of module objects at a time, database-wide: each call proves afterwards that
  -- nothing outside its module changed, which another module's concurrent DDL would upset.
  PERFORM pg_advisory_xact_lock(hashtext('dramac.provisioning'));
  PERFORM pg_advisory_xact_lock(hashtext('dramac.module'), hashtext(v_short));
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);

  SELECT * INTO v_reg FROM public.module_database_registry r
  WHERE r.module_id = p_module_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = format('module %s is not provisioned', p_module_id);
  END IF;

  -- Every name used below comes from the registry and passes the naming rules again.
  IF v_reg.module_short_id IS DISTINCT FROM v_short OR v_reg.role_name IS DISTINCT FROM 'modrole_' || v_short
     OR (v_reg.strategy = 'schema' AND v_reg.schema_name IS DISTINCT FROM 'mod_' || v_short)
     OR (v_reg.strategy <> 'schema' AND v_reg.schema_name IS NOT NULL) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('registry row of module %s breaks the naming rules', p_module_id);
  END IF;
  FOREACH v_name IN ARRAY v_reg.table_names LOOP
    IF v_name !~ '^[a-z_][a-z0-9_]*$' THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('registry table name %L breaks the naming rules', v_name);
    END IF;
    v_rel := CASE WHEN v_reg.strategy = 'schema' THEN format('%I.%I', v_reg.schema_name, v_name)
                  ELSE format('%I.%I', 'public', 'mod_' || v_short || '_' || v_name) END;
    IF to_regclass(v_rel) IS NULL THEN
      v_missing := v_missing || v_rel;
    ELSE
      v_present := v_present || v_rel;
    END IF;
  END LOOP;

  IF p_mode = 'retain' THEN
    FOREACH v_name IN ARRAY ARRAY[v_reg.role_name, v_admin] LOOP
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_name);
      FOREACH v_rel IN ARRAY v_present LOOP
        EXECUTE format('REVOKE ALL ON TABLE %s FROM %I', v_rel, v_name);
      END LOOP;
      IF v_reg.strategy = 'schema' AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_reg.schema_name) THEN
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', v_reg.schema_name, v_name);
      END IF;
      EXECUTE format('REVOKE ALL ON TABLE public.module_data FROM %I', v_name);
    END LOOP;
    UPDATE public.module_site_installations SET status = 'uninstalling' WHERE module_short_id = v_short;
    GET DIAGNOSTICS v_installs = ROW_COUNT;
    v_drop_after := now() + p_retain_interval;
    UPDATE public.module_database_registry SET status = 'deprecated', drop_after = v_drop_after
    WHERE module_id = p_module_id;
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (p_module_id, v_short, 'deprecated', p_actor,
      jsonb_build_object('dropAfter', v_drop_after, 'tables', to_jsonb(v_present), 'installationsSuspended', v_installs));
    RETURN jsonb_build_object('status', 'deprecated', 'moduleId', p_module_id, 'shortId', v_short,
      'dropAfter', v_drop_after, 'tables', to_jsonb(v_present), 'installations', v_installs);
  END IF;

  v_before := public.dramac_catalog_fingerprint(v_short);
  IF v_reg.strategy = 'schema' THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_reg.schema_name) THEN
      EXECUTE format('DROP SCHEMA %I CASCADE', v_reg.schema_name);
      v_schema_dropped := true;
    END IF;
  ELSIF array_length(v_present, 1) > 0 THEN
    -- One statement for all of them: foreign keys between them need no ordering, and no
    -- CASCADE, so an object outside the module that depends on one makes the drop fail.
    EXECUTE 'DROP TABLE ' || array_to_string(v_present, ', ');
  END IF;

  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_reg.role_name) THEN
    -- What the module's plan granted on platform objects (the provisioner was the grantor).
    EXECUTE format('REVOKE ALL ON FUNCTION public.dramac_current_site_id(), public.dramac_current_user_id(),
      public.dramac_can_access_current_site(text) FROM %I', v_reg.role_name);
    EXECUTE format('REVOKE ALL ON TABLE public.module_data FROM %I', v_reg.role_name);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
      EXECUTE format('REVOKE ALL ON SCHEMA auth FROM %I', v_reg.role_name);
    END IF;
  END IF;

  DELETE FROM public.module_data WHERE module_short_id = v_short;
  GET DIAGNOSTICS v_data = ROW_COUNT;
  DELETE FROM public.module_site_installations WHERE module_short_id = v_short;
  GET DIAGNOSTICS v_installs = ROW_COUNT;

  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_reg.role_name) THEN
    -- Fails (2BP01) if anyone granted the role something else: nothing is dropped then.
    EXECUTE format('DROP ROLE %I', v_reg.role_name);
    v_role_dropped := true;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_admin) THEN
    -- Its only grants were on the module's tables and schema, dropped above.
    EXECUTE format('DROP ROLE %I', v_admin);
    v_admin_dropped := true;
  END IF;

  v_after := public.dramac_catalog_fingerprint(v_short);
  IF v_after IS DISTINCT FROM v_before THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'dropping the module would change objects outside its namespace';
  END IF;

  DELETE FROM public.module_database_versions WHERE module_id = p_module_id;
  DELETE FROM public.module_database_registry WHERE module_id = p_module_id;
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (p_module_id, v_short, 'deprovisioned', p_actor, jsonb_build_object(
    'version', v_reg.version, 'strategy', v_reg.strategy, 'schema', v_reg.schema_name,
    'schemaDropped', v_schema_dropped, 'tablesDropped', to_jsonb(v_present), 'tablesMissing', to_jsonb(v_missing),
    'role', v_reg.role_name, 'roleDropped', v_role_dropped, 'adminRoleDropped', v_admin_dropped,
    'moduleDataRows', v_data, 'installations', v_installs, 'wasDeprecated', v_reg.status = 'deprecated'));
  RETURN jsonb_build_object('status', 'dropped', 'moduleId', p_module_id, 'shortId', v_short,
    'strategy', v_reg.strategy, 'schema', v_reg.schema_name, 'schemaDropped', v_schema_dropped,
    'tables', to_jsonb(v_present), 'missingTables', to_jsonb(v_missing), 'role', v_reg.role_name,
    'roleDropped', v_role_dropped, 'adminRole', CASE WHEN v_reg.strategy <> 'shared' THEN v_admin END,
    'adminRoleDropped', v_admin_dropped, 'moduleDataRows', v_data, 'installations', v_installs);
END
$fn$;

-- Drops every deprecated module whose drop_after has passed, each under its module lock, all in
-- the caller's transaction. Returns what it dropped.
CREATE OR REPLACE FUNCTION public.dramac_drop_due_modules(p_actor text DEFAULT NULL)
RETURNS TABLE (module_id uuid, module_short_id text, result jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $fn$
DECLARE
  v_candidate record;
BEGIN
  FOR v_candidate IN
    SELECT r.module_id, r.module_short_id FROM public.module_database_registry r
    WHERE r.status = 'deprecated' AND r.drop_after <= now() ORDER BY r.drop_after, r.module_id
  LOOP
    PERFORM pg_advisory_xact_lock(hashtext('dramac.provisioning'));
    PERFORM pg_advisory_xact_lock(hashtext('dramac.module'), hashtext(v_candidate.module_short_id));
    -- Re-checked under the lock: another caller may have dropped it meanwhile.
    CONTINUE WHEN NOT EXISTS (
      SELECT 1 FROM public.module_database_registry r
      WHERE r.module_id = v_candidate.module_id AND r.status = 'deprecated' AND r.drop_after <= now());
    module_id := v_candidate.module_id;
    module_short_id := v_candidate.module_short_id;
    result := public.dramac_deprovision_module(v_candidate.module_id, p_actor, 'drop', NULL);
    RETURN NEXT;
  END LOOP;
END
$fn$;

ALTER FUNCTION public.dramac_deprovision_module(uuid, text, text, interval, integer, integer) OWNER TO dramac_provisioner;
ALTER FUNCTION public.dramac_drop_due_modules(text) OWNER TO dramac_provisioner;
REVOKE ALL ON FUNCTION public.dramac_deprovision_module(uuid, text, text, interval, integer, integer),
  public.dramac_drop_due_modules(text) FROM PUBLIC;

-- Executable by the provisioner (and its members: the migration user) and service_role only.
-- anon and authenticated are named explicitly: Supabase's default privileges grant them every
-- new function in public.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.get_module_tables(text, boolean), public.module_schema_exists(text),
        public.get_module_storage_size(text), public.dramac_deprovision_module(uuid, text, text, interval, integer, integer),
        public.dramac_drop_due_modules(text) FROM %I', r);
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.get_module_tables(text, boolean), public.module_schema_exists(text),
      public.get_module_storage_size(text), public.dramac_deprovision_module(uuid, text, text, interval, integer, integer),
      public.dramac_drop_due_modules(text) TO service_role;
  END IF;
END
$$;
`;
