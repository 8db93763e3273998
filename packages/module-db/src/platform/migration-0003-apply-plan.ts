/**
 * Platform migration 3: `dramac_apply_module_plan`, the one atomic entry point that applies a
 * whole module plan, for the TypeScript provisioner and for platforms that reach the database
 * only through Supabase's HTTP API (`supabase.rpc('dramac_apply_module_plan', ...)`).
 *
 * Unlike the seed's `exec_ddl(text)` (one statement per call, guarded by a regular expression,
 * running as its owner with every privilege), this function:
 * - applies the whole plan in its single call: all of it or nothing, registry rows included;
 * - runs as `dramac_provisioner`, a role without superuser rights that owns no platform object,
 *   so PostgreSQL itself refuses to drop or alter platform tables, read server files or run
 *   programs, whatever the statements say;
 * - accepts each statement only as one statement (a lexical check refuses `;`, comments,
 *   dollar quotes and escape-string prefixes outside literals) of a kind the planner produces;
 * - compares a fingerprint of everything outside the module's namespace before and after, and
 *   checks that every table it lists exists, is empty, forces row-level security, carries the
 *   site policy, and has no trigger other than the shared `updated_at` one;
 * - is executable by `service_role` only (and by the platform's migration user).
 */
export const MIGRATION_0003_APPLY_PLAN = `
CREATE OR REPLACE FUNCTION public.dramac_is_single_statement(p_sql text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = ''
AS $fn$
DECLARE
  i integer := 1;
  n integer := length(p_sql);
  ch text;
  prev text := ' ';
  in_str boolean := false;
  in_id boolean := false;
BEGIN
  WHILE i <= n LOOP
    ch := substr(p_sql, i, 1);
    IF in_str THEN
      IF ch = '''' THEN
        IF substr(p_sql, i + 1, 1) = '''' THEN i := i + 1; ELSE in_str := false; END IF;
      END IF;
    ELSIF in_id THEN
      IF ch = '"' THEN
        IF substr(p_sql, i + 1, 1) = '"' THEN i := i + 1; ELSE in_id := false; END IF;
      END IF;
    ELSIF ch = '''' THEN
      -- E'', U&'', B'', X'' change how the literal ends: the planner never writes them.
      IF prev ~ '[A-Za-z0-9_&$]' THEN RETURN false; END IF;
      in_str := true;
    ELSIF ch = '"' THEN
      IF prev = '&' THEN RETURN false; END IF;
      in_id := true;
    ELSIF ch IN (';', '$', E'\\\\') THEN
      RETURN false;
    ELSIF ch = '-' AND substr(p_sql, i + 1, 1) = '-' THEN
      RETURN false;
    ELSIF ch = '/' AND substr(p_sql, i + 1, 1) = '*' THEN
      RETURN false;
    END IF;
    prev := ch;
    i := i + 1;
  END LOOP;
  RETURN NOT in_str AND NOT in_id;
END
$fn$;

-- The invariants every module table keeps after any DDL (provisioning, upgrades): it exists,
-- forces row-level security, carries the permissive site policy and no other permissive policy,
-- has no trigger but the shared updated_at one; tables in p_empty hold no row; and the namespace
-- holds no relation p_tables does not list. Raises DM004 otherwise.
CREATE OR REPLACE FUNCTION public.dramac_verify_module_tables(
  p_short text, p_strategy text, p_tables text[], p_empty text[]
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog
AS $fn$
DECLARE
  v_table text;
  v_oid oid;
  v_count integer;
  v_schema text := CASE WHEN p_strategy = 'schema' THEN 'mod_' || p_short ELSE 'public' END;
BEGIN
  FOREACH v_table IN ARRAY p_tables LOOP
    v_oid := to_regclass(format('%I.%I', split_part(v_table, '.', 1), split_part(v_table, '.', 2)));
    IF v_oid IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = format('table %s does not exist', v_table);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = v_oid AND relkind = 'r' AND relrowsecurity AND relforcerowsecurity)
       OR NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_oid AND polname = 'dramac_site_isolation' AND polpermissive) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = format('table %s lacks forced row-level security or the site policy', v_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_oid AND polpermissive AND polname <> 'dramac_site_isolation') THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = format('table %s has a permissive policy besides the site policy', v_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = v_oid AND NOT tgisinternal
               AND tgfoid <> 'public.dramac_set_updated_at()'::regprocedure) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = format('table %s has a trigger other than the shared updated_at trigger', v_table);
    END IF;
    IF v_table = ANY (p_empty) THEN
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 1) s', v_oid::regclass) INTO v_count;
      IF v_count > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = format('new table %s is not empty', v_table);
      END IF;
    END IF;
  END LOOP;
  SELECT count(*) INTO v_count
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND ((p_strategy = 'schema' AND n.nspname = v_schema)
      OR (n.nspname = 'public' AND left(c.relname, length('mod_' || p_short || '_')) = 'mod_' || p_short || '_'))
    AND NOT (n.nspname || '.' || c.relname = ANY (p_tables));
  IF v_count > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the namespace holds relations the plan does not list';
  END IF;
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_verify_module_tables(text, text, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_verify_module_tables(text, text, text[], text[]) TO dramac_provisioner;

CREATE OR REPLACE FUNCTION public.dramac_apply_module_plan(
  p_plan jsonb,
  p_definition jsonb,
  p_checksum text,
  p_module_type text,
  p_actor text DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000,
  p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, extensions
AS $fn$
DECLARE
  v_module_id uuid;
  v_short text := p_plan ->> 'shortId';
  v_strategy text := p_plan ->> 'strategy';
  v_version text := p_plan ->> 'version';
  v_schema text;
  v_role text;
  v_admin text;
  v_existing record;
  v_stmt jsonb;
  v_kind text;
  v_sql text;
  v_i integer := 0;
  v_before text;
  v_after text;
  v_table text;
  v_tables text[];
  v_names text[];
  v_state text;
  v_msg text;
  v_detail text;
  v_hint text;
  v_ok boolean;
BEGIN
  -- 1. The plan's identity, checked against itself: nothing is taken on trust.
  BEGIN
    v_module_id := (p_plan ->> 'moduleId')::uuid;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan has no valid moduleId';
  END;
  IF v_short IS NULL OR v_short !~ '^[a-f0-9]{8}$' OR left(replace(v_module_id::text, '-', ''), 8) <> v_short THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan shortId does not match its moduleId';
  END IF;
  IF v_strategy IS NULL OR v_strategy NOT IN ('shared', 'prefix', 'schema') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('plan strategy %L is not shared, prefix or schema', v_strategy);
  END IF;
  IF p_module_type IS NULL OR p_module_type NOT IN ('widget', 'app', 'integration', 'system', 'custom') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('module type %L is unknown', p_module_type);
  END IF;
  IF v_version IS NULL OR p_checksum IS NULL OR p_definition IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan version, checksum and definition are required';
  END IF;
  v_role := 'modrole_' || v_short;
  v_admin := 'modadmin_' || v_short;
  v_schema := CASE WHEN v_strategy = 'schema' THEN 'mod_' || v_short ELSE 'public' END;
  -- (An assignment, not inside IF: PL/pgSQL would read the CASE's THEN as the IF's.)
  v_ok := p_plan ->> 'role' IS NOT DISTINCT FROM v_role AND p_plan ->> 'schema' IS NOT DISTINCT FROM v_schema
    AND p_plan ->> 'adminRole' IS NOT DISTINCT FROM (CASE WHEN v_strategy = 'shared' THEN NULL ELSE v_admin END);
  IF NOT v_ok THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan role or schema does not follow the naming rules';
  END IF;
  v_tables := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_plan -> 'tables', '[]'::jsonb)));
  FOREACH v_table IN ARRAY v_tables LOOP
    IF NOT (
      (v_strategy = 'schema' AND v_table ~ ('^' || v_schema || '\\.[a-z_][a-z0-9_]*$'))
      OR (v_strategy = 'prefix' AND v_table ~ ('^public\\.mod_' || v_short || '_[a-z0-9_]+$'))
    ) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('plan table %L is outside the module namespace', v_table);
    END IF;
  END LOOP;

  -- 2. One provisioning per module at a time; later callers wait, then see what the first did.
  PERFORM set_config('lock_timeout', p_lock_wait_ms::text || 'ms', true);
  -- One DDL change of module objects at a time, database-wide: each call proves afterwards that
  -- nothing outside its module changed, which another module's concurrent DDL would upset.
  PERFORM pg_advisory_xact_lock(hashtext('dramac.provisioning'));
  PERFORM pg_advisory_xact_lock(hashtext('dramac.module'), hashtext(v_short));
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
  PERFORM set_config('standard_conforming_strings', 'on', true);

  SELECT module_id, checksum, version INTO v_existing
  FROM public.module_database_registry WHERE module_short_id = v_short FOR UPDATE;
  IF FOUND THEN
    IF v_existing.module_id <> v_module_id THEN
      RAISE EXCEPTION USING ERRCODE = 'DM002',
        MESSAGE = format('short id %s is taken: module %s is installed, module %s cannot use the same namespace', v_short, v_existing.module_id, v_module_id),
        DETAIL = jsonb_build_object('installedModuleId', v_existing.module_id, 'requestedModuleId', v_module_id, 'shortId', v_short)::text;
    END IF;
    IF v_existing.checksum = p_checksum THEN
      RETURN jsonb_build_object('status', 'unchanged', 'statementsApplied', 0, 'version', v_existing.version);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'DM003',
      MESSAGE = format('module %s is installed at version %s with a different definition: plan an upgrade instead', v_module_id, v_existing.version),
      DETAIL = jsonb_build_object('installedVersion', v_existing.version, 'requestedVersion', v_version)::text;
  END IF;

  -- 3. Every statement: one statement, of a kind the planner produces, inside the namespace.
  FOR v_stmt IN SELECT value FROM jsonb_array_elements(coalesce(p_plan -> 'statements', '[]'::jsonb)) LOOP
    v_kind := v_stmt ->> 'kind';
    v_sql := v_stmt ->> 'sql';
    IF v_sql IS NULL OR NOT public.dramac_is_single_statement(v_sql) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('statement %s is not a single plain statement', v_i);
    END IF;
    IF jsonb_array_length(coalesce(v_stmt -> 'parameters', '[]'::jsonb)) > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('statement %s has bind parameters', v_i);
    END IF;
    v_ok := CASE v_kind
      WHEN 'create_role' THEN v_sql = format('create role "%s" nologin noinherit', v_role)
        OR (v_strategy <> 'shared' AND v_sql = format('create role "%s" nologin noinherit bypassrls', v_admin))
      WHEN 'create_schema' THEN v_strategy = 'schema' AND v_sql = format('create schema "%s"', v_schema)
      WHEN 'revoke' THEN v_sql LIKE 'revoke all on %'
      WHEN 'grant' THEN v_sql LIKE 'grant %'
        AND (v_sql LIKE format('%% to "%s"', v_role) OR v_sql LIKE format('%% to "%s"', v_admin))
      WHEN 'create_table' THEN v_sql LIKE format('create table "%s".%%', v_schema)
      WHEN 'enable_rls' THEN v_sql LIKE 'alter table % row level security'
      WHEN 'create_policy' THEN v_sql LIKE 'create policy %'
      WHEN 'create_trigger' THEN v_sql LIKE 'create trigger %'
      WHEN 'create_index' THEN v_sql LIKE 'create index %' OR v_sql LIKE 'create unique index %'
      WHEN 'add_foreign_key' THEN v_sql LIKE 'alter table % add constraint % foreign key %'
      ELSE false
    END;
    IF NOT coalesce(v_ok, false) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('statement %s is not a %s statement the planner writes', v_i, coalesce(v_kind, '(no kind)'));
    END IF;
    v_i := v_i + 1;
  END LOOP;

  -- 4. Apply, all or nothing.
  v_before := public.dramac_catalog_fingerprint(v_short);
  v_i := 0;
  BEGIN
    FOR v_stmt IN SELECT value FROM jsonb_array_elements(coalesce(p_plan -> 'statements', '[]'::jsonb)) LOOP
      v_sql := v_stmt ->> 'sql';
      EXECUTE v_sql;
      v_i := v_i + 1;
    END LOOP;
  EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg, HINT = coalesce(v_hint, ''),
      DETAIL = jsonb_build_object('statementIndex', v_i, 'statement', v_sql, 'detail', v_detail)::text;
  END;

  -- 5. Prove it stayed inside its namespace and left every table protected.
  v_after := public.dramac_catalog_fingerprint(v_short);
  IF v_after IS DISTINCT FROM v_before THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the plan changed objects outside its module namespace';
  END IF;
  PERFORM public.dramac_verify_module_tables(v_short, v_strategy, v_tables, v_tables);

  -- The data API (the platform's server user, PostgREST's authenticator) may act as the module.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
    EXECUTE format('GRANT %I TO dramac_data_api', v_role);
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_admin) THEN
    EXECUTE format('GRANT %I TO dramac_admin_api', v_admin);
  END IF;

  -- 6. The registry, in the same transaction as the DDL.
  v_names := ARRAY(SELECT split_part(t, '.', 2) FROM unnest(v_tables) t);
  IF v_strategy = 'prefix' THEN
    v_names := ARRAY(SELECT substr(t, length('mod_' || v_short || '_') + 1) FROM unnest(v_names) t);
  END IF;
  INSERT INTO public.module_database_registry (module_id, module_short_id, module_type, strategy, uses_schema,
    schema_name, role_name, table_names, version, definition, checksum, created_by)
  VALUES (v_module_id, v_short, p_module_type, v_strategy, v_strategy = 'schema',
    CASE WHEN v_strategy = 'schema' THEN v_schema END, v_role, v_names, v_version, p_definition, p_checksum, p_actor);
  INSERT INTO public.module_database_versions (module_id, version, checksum, definition, plan, applied_by)
  VALUES (v_module_id, v_version, p_checksum, p_definition, p_plan, p_actor);
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (v_module_id, v_short, 'provisioned', p_actor,
    jsonb_build_object('version', v_version, 'strategy', v_strategy, 'statements', v_i, 'tables', v_tables));

  RETURN jsonb_build_object('status', 'created', 'statementsApplied', v_i, 'version', v_version);
END
$fn$;

ALTER FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer) OWNER TO dramac_provisioner;
REVOKE ALL ON FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.dramac_is_single_statement(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_is_single_statement(text) TO dramac_provisioner;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.dramac_apply_module_plan(jsonb, jsonb, text, text, text, integer, integer) TO service_role;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
    REVOKE ALL ON public.module_database_registry, public.module_database_versions, public.module_database_events FROM anon, authenticated;
    REVOKE ALL ON FUNCTION public.dramac_verify_module_tables(text, text, text[], text[]) FROM anon, authenticated;
  END IF;
END
$$;
`;
