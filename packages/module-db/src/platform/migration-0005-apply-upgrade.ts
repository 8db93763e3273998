/**
 * Platform migration 5: `dramac_apply_module_upgrade`, the atomic entry point for upgrades. Like
 * `dramac_apply_module_plan` it runs as `dramac_provisioner`, accepts only single planner-shaped
 * statements, proves nothing outside the module's namespace changed and that every table still
 * forces row-level security behind the site policy. It also checks that the installed definition is
 * the one the upgrade was planned from (its checksum), so two concurrent upgrades cannot both run.
 */
export const MIGRATION_0005_APPLY_UPGRADE = `
CREATE OR REPLACE FUNCTION public.dramac_upgrade_statement_allowed(
  p_kind text, p_sql text, p_schema text, p_role text, p_admin text, p_prefix text
) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = ''
AS $$
  SELECT public.dramac_is_single_statement(p_sql) AND CASE p_kind
    WHEN 'create_table' THEN p_sql LIKE format('create table "%s".%%', p_schema)
    WHEN 'revoke' THEN p_sql LIKE 'revoke all on %'
    WHEN 'grant' THEN p_sql LIKE 'grant %' AND (p_sql LIKE format('%% to "%s"', p_role) OR p_sql LIKE format('%% to "%s"', p_admin))
    WHEN 'enable_rls' THEN p_sql LIKE format('alter table "%s".%% row level security', p_schema)
    WHEN 'create_policy' THEN p_sql LIKE 'create policy % as restrictive %' OR p_sql LIKE 'create policy "dramac_site_isolation" on % as permissive %'
    WHEN 'create_trigger' THEN p_sql LIKE 'create trigger %'
    WHEN 'create_index' THEN p_sql LIKE 'create index %' OR p_sql LIKE 'create unique index %'
    WHEN 'add_foreign_key' THEN p_sql LIKE format('alter table "%s".%% add constraint %% foreign key %%', p_schema)
    WHEN 'add_column' THEN p_sql LIKE format('alter table "%s".%% add column %%', p_schema)
    WHEN 'alter_column' THEN p_sql LIKE format('alter table "%s".%% alter column %%', p_schema)
    WHEN 'drop_column' THEN p_sql LIKE format('alter table "%s".%% drop column %%', p_schema)
    WHEN 'add_constraint' THEN p_sql LIKE format('alter table "%s".%% add constraint %%', p_schema)
    WHEN 'drop_constraint' THEN p_sql LIKE format('alter table "%s".%% drop constraint %%', p_schema)
    WHEN 'drop_index' THEN p_sql LIKE format('drop index "%s".%%', p_schema)
    WHEN 'drop_policy' THEN p_sql LIKE 'drop policy %' AND p_sql NOT LIKE 'drop policy "dramac_site_isolation"%'
    WHEN 'drop_trigger' THEN p_sql LIKE 'drop trigger %'
    WHEN 'drop_table' THEN p_sql LIKE format('drop table "%s".%%', p_schema) AND p_sql NOT LIKE '% cascade'
    WHEN 'backfill' THEN p_sql LIKE format('update "%s".%% set %%', p_schema)
    WHEN 'rename' THEN p_sql LIKE format('alter table "%s".%% rename %%', p_schema)
      OR p_sql LIKE format('alter index "%s".%% rename to %%', p_schema)
      OR p_sql LIKE 'alter trigger % rename to %'
      OR p_sql LIKE 'alter policy % rename to %'
    ELSE false
  END
    AND (p_prefix IS NULL OR p_kind NOT IN ('create_table', 'add_foreign_key', 'add_column', 'alter_column', 'drop_column',
      'add_constraint', 'drop_constraint', 'drop_table', 'backfill', 'enable_rls')
      OR p_sql LIKE format('%% "public"."%s%%', p_prefix))
$$;
REVOKE ALL ON FUNCTION public.dramac_upgrade_statement_allowed(text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_upgrade_statement_allowed(text, text, text, text, text, text) TO dramac_provisioner;

CREATE OR REPLACE FUNCTION public.dramac_apply_module_upgrade(
  p_plan jsonb,
  p_definition jsonb,
  p_checksum text,
  p_from_checksum text,
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
  v_version text := p_plan ->> 'toVersion';
  v_schema text;
  v_role text;
  v_admin text;
  v_prefix text;
  v_existing record;
  v_stmt jsonb;
  v_sql text;
  v_i integer := 0;
  v_before text;
  v_after text;
  v_table text;
  v_tables text[];
  v_new_tables text[];
  v_names text[];
  v_state text;
  v_msg text;
  v_detail text;
  v_hint text;
BEGIN
  BEGIN
    v_module_id := (p_plan ->> 'moduleId')::uuid;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan has no valid moduleId';
  END;
  IF v_short IS NULL OR v_short !~ '^[a-f0-9]{8}$' OR left(replace(v_module_id::text, '-', ''), 8) <> v_short
     OR v_strategy IS NULL OR v_strategy NOT IN ('prefix', 'schema') OR v_version IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'upgrade plan identity is invalid';
  END IF;
  IF jsonb_array_length(coalesce(p_plan -> 'refused', '[]'::jsonb)) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'upgrade plan still has refused changes';
  END IF;
  v_role := 'modrole_' || v_short;
  v_admin := 'modadmin_' || v_short;
  v_schema := CASE WHEN v_strategy = 'schema' THEN 'mod_' || v_short ELSE 'public' END;
  v_prefix := CASE WHEN v_strategy = 'prefix' THEN 'mod_' || v_short || '_' END;
  v_tables := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_plan -> 'tables', '[]'::jsonb)));
  v_new_tables := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_plan -> 'newTables', '[]'::jsonb)));
  FOREACH v_table IN ARRAY v_tables LOOP
    IF NOT ((v_strategy = 'schema' AND v_table ~ ('^' || v_schema || '\\.[a-z_][a-z0-9_]*$'))
        OR (v_strategy = 'prefix' AND v_table ~ ('^public\\.mod_' || v_short || '_[a-z0-9_]+$'))) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('plan table %L is outside the module namespace', v_table);
    END IF;
  END LOOP;

  PERFORM set_config('lock_timeout', p_lock_wait_ms::text || 'ms', true);
  -- One DDL change of module objects at a time, database-wide: each call proves afterwards that
  -- nothing outside its module changed, which another module's concurrent DDL would upset.
  PERFORM pg_advisory_xact_lock(hashtext('dramac.provisioning'));
  PERFORM pg_advisory_xact_lock(hashtext('dramac.module'), hashtext(v_short));
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
  PERFORM set_config('standard_conforming_strings', 'on', true);

  SELECT module_id, checksum, version, status INTO v_existing
  FROM public.module_database_registry WHERE module_short_id = v_short FOR UPDATE;
  IF NOT FOUND OR v_existing.module_id <> v_module_id THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = format('module %s is not installed', v_module_id);
  END IF;
  IF v_existing.checksum = p_checksum THEN
    RETURN jsonb_build_object('status', 'unchanged', 'statementsApplied', 0, 'version', v_existing.version);
  END IF;
  IF v_existing.checksum IS DISTINCT FROM p_from_checksum OR v_existing.version IS DISTINCT FROM p_plan ->> 'fromVersion' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM003',
      MESSAGE = format('module %s is at version %s now, not the version %s this upgrade was planned from', v_module_id, v_existing.version, p_plan ->> 'fromVersion');
  END IF;
  IF v_existing.status <> 'active' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM003', MESSAGE = format('module %s is %s', v_module_id, v_existing.status);
  END IF;

  FOR v_stmt IN SELECT value FROM jsonb_array_elements(coalesce(p_plan -> 'statements', '[]'::jsonb)) LOOP
    IF NOT coalesce(public.dramac_upgrade_statement_allowed(v_stmt ->> 'kind', v_stmt ->> 'sql', v_schema, v_role, v_admin, v_prefix), false)
       OR jsonb_array_length(coalesce(v_stmt -> 'parameters', '[]'::jsonb)) > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = format('statement %s is not a %s statement the planner writes', v_i, coalesce(v_stmt ->> 'kind', '(no kind)'));
    END IF;
    v_i := v_i + 1;
  END LOOP;

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

  v_after := public.dramac_catalog_fingerprint(v_short);
  IF v_after IS DISTINCT FROM v_before THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the upgrade changed objects outside its module namespace';
  END IF;
  PERFORM public.dramac_verify_module_tables(v_short, v_strategy, v_tables, v_new_tables);

  v_names := ARRAY(SELECT split_part(t, '.', 2) FROM unnest(v_tables) t);
  IF v_strategy = 'prefix' THEN
    v_names := ARRAY(SELECT substr(t, length(v_prefix) + 1) FROM unnest(v_names) t);
  END IF;
  UPDATE public.module_database_registry
  SET version = v_version, definition = p_definition, checksum = p_checksum, table_names = v_names
  WHERE module_short_id = v_short;
  INSERT INTO public.module_database_versions (module_id, version, checksum, definition, plan, applied_by)
  VALUES (v_module_id, v_version, p_checksum, p_definition, p_plan, p_actor);
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (v_module_id, v_short, 'upgraded', p_actor,
    jsonb_build_object('from', v_existing.version, 'to', v_version, 'statements', v_i, 'changes', p_plan -> 'changes'));

  RETURN jsonb_build_object('status', 'upgraded', 'statementsApplied', v_i, 'version', v_version, 'fromVersion', v_existing.version);
END
$fn$;

ALTER FUNCTION public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer) OWNER TO dramac_provisioner;
REVOKE ALL ON FUNCTION public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer) FROM PUBLIC;
DO $$
DECLARE r text;
BEGIN
  -- Named explicitly: Supabase's default privileges grant new functions to the API roles.
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer), public.dramac_upgrade_statement_allowed(text, text, text, text, text, text) FROM %I', r);
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.dramac_apply_module_upgrade(jsonb, jsonb, text, text, text, integer, integer) TO service_role;
    REVOKE ALL ON FUNCTION public.dramac_upgrade_statement_allowed(text, text, text, text, text, text) FROM service_role;
  END IF;
END
$$;
`;
