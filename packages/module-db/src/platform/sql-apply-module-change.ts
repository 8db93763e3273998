import { SQL_DDL_RUNNER_SIGNATURE } from './sql-ddl-runner';

/**
 * `public.dramac_apply_module_change` alone (part of {@link SQL_APPLY_MODULE_CHANGE}): platform
 * migration 10 replaces it, as `dramac_platform`, on a database an earlier migration 6 set up.
 */
export const SQL_APPLY_MODULE_CHANGE_FUNCTION = `
CREATE OR REPLACE FUNCTION public.dramac_apply_module_change(
  p_mode text,
  p_plan jsonb,
  p_definition jsonb,
  p_checksum text,
  p_from_checksum text,
  p_module_type text,
  p_actor text,
  p_lock_timeout_ms integer,
  p_lock_wait_ms integer
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_module_id uuid;
  v_short text := p_plan ->> 'shortId';
  v_strategy text := p_plan ->> 'strategy';
  v_version text := CASE p_mode WHEN 'upgrade' THEN p_plan ->> 'toVersion' ELSE p_plan ->> 'version' END;
  v_desired jsonb := p_plan -> 'desired';
  v_schema text;
  v_role text;
  v_admin text;
  v_owner text;
  v_visitor text;
  v_existing record;
  v_stmt jsonb;
  v_sql text;
  v_i integer := 0;
  v_table jsonb;
  v_tables text[];
  v_new_tables text[] := '{}';
  v_before oid[];
  v_exec_oid oid;
  v_exec_sig text;
  v_names text[];
  v_path text;
  v_settings text[];
  v_claims text[];
  v_locks text[];
  v_prepared text[];
  v_listening text[];
  v_residue text[];
  v_lock record;
  v_name text;
  v_actual jsonb;
  v_module_type text := p_module_type;
  v_state text;
  v_msg text;
  v_detail text;
  v_hint text;
  v_ok boolean;
  v_concurrent jsonb[] := '{}';
  v_sqls text[] := '{}';
  v_ci jsonb;
  v_ci_table jsonb;
  v_ci_index jsonb;
BEGIN
  -- 1. The plan's identity, checked against itself and the naming rules.
  IF p_mode IS NULL OR p_mode NOT IN ('install', 'upgrade', 'repair') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('mode %L is not install, upgrade or repair', p_mode);
  END IF;
  IF p_plan IS NULL OR pg_catalog.jsonb_typeof(p_plan) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'the plan is not a JSON object';
  END IF;
  IF pg_catalog.octet_length(p_plan::text) > 8388608 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'the plan is larger than 8 MiB';
  END IF;
  BEGIN
    v_module_id := (p_plan ->> 'moduleId')::uuid;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan has no valid moduleId';
  END;
  IF v_short IS NULL OR v_short !~ '^[a-f0-9]{8}$' OR pg_catalog.left(pg_catalog.replace(v_module_id::text, '-', ''), 8) <> v_short THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan shortId does not match its moduleId';
  END IF;
  IF v_strategy IS NULL OR v_strategy NOT IN ('shared', 'prefix', 'schema') THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('plan strategy %L is not shared, prefix or schema', v_strategy);
  END IF;
  IF v_version IS NULL OR pg_catalog.length(v_version) > 64 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan version is missing or too long';
  END IF;
  IF p_mode = 'install' AND (p_module_type IS NULL OR p_module_type NOT IN ('widget', 'app', 'integration', 'system', 'custom')) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('module type %L is unknown', p_module_type);
  END IF;
  IF p_checksum IS NULL OR (p_mode <> 'repair' AND p_definition IS NULL) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan checksum and definition are required';
  END IF;
  IF v_desired IS NULL OR pg_catalog.jsonb_typeof(v_desired) <> 'object'
     OR pg_catalog.jsonb_typeof(coalesce(v_desired -> 'tables', 'null'::jsonb)) <> 'array' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan has no desired state (desired.tables)';
  END IF;
  IF pg_catalog.jsonb_typeof(coalesce(p_plan -> 'statements', '[]'::jsonb)) <> 'array' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan statements are not a list';
  END IF;
  IF p_mode = 'upgrade' AND pg_catalog.jsonb_array_length(coalesce(p_plan -> 'refused', '[]'::jsonb)) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'upgrade plan still has refused changes';
  END IF;
  v_role := 'modrole_' || v_short;
  v_admin := 'modadmin_' || v_short;
  v_owner := 'modowner_' || v_short;
  v_visitor := 'modvisitor_' || v_short;
  v_schema := CASE WHEN v_strategy = 'schema' THEN 'mod_' || v_short ELSE 'public' END;
  IF v_strategy = 'shared' AND pg_catalog.jsonb_array_length(v_desired -> 'tables') > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'a shared (widget) module has no tables';
  END IF;
  FOR v_table IN SELECT value FROM pg_catalog.jsonb_array_elements(v_desired -> 'tables') LOOP
    v_ok := pg_catalog.jsonb_typeof(v_table) = 'object' AND v_table ->> 'schema' = v_schema
      AND ((v_strategy = 'schema' AND v_table ->> 'name' ~ '^[a-z_][a-z0-9_]{0,62}$')
        OR (v_strategy = 'prefix' AND v_table ->> 'name' ~ ('^mod_' || v_short || '_[a-z0-9_]{1,49}$')));
    IF NOT coalesce(v_ok, false) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('plan table %L is outside the module namespace',
        coalesce(v_table ->> 'schema', '?') || '.' || coalesce(v_table ->> 'name', '?'));
    END IF;
    v_tables := v_tables || (v_schema || '.' || (v_table ->> 'name'));
  END LOOP;
  IF pg_catalog.cardinality(coalesce(v_tables, '{}')) <> (SELECT pg_catalog.count(DISTINCT x) FROM pg_catalog.unnest(v_tables) x) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan lists a table twice';
  END IF;

  -- 2. One change of module objects at a time, database-wide (roles and the public schema's ACL
  -- are shared catalog rows), and one per module.
  PERFORM pg_catalog.set_config('lock_timeout', p_lock_wait_ms::text || 'ms', true);
  PERFORM pg_catalog.pg_advisory_xact_lock(dramac.lock_key('dramac.provisioning'));
  PERFORM public.dramac_lock_module(v_short);
  PERFORM pg_catalog.set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);

  SELECT r.module_id, r.checksum, r.version, r.status, r.strategy, r.module_type INTO v_existing
  FROM public.module_database_registry r WHERE r.module_short_id = v_short FOR UPDATE;
  IF p_mode = 'install' THEN
    IF FOUND THEN
      IF v_existing.module_id <> v_module_id THEN
        RAISE EXCEPTION USING ERRCODE = 'DM002',
          MESSAGE = pg_catalog.format('short id %s is taken: module %s is installed, module %s cannot use the same namespace', v_short, v_existing.module_id, v_module_id),
          DETAIL = pg_catalog.jsonb_build_object('installedModuleId', v_existing.module_id, 'requestedModuleId', v_module_id, 'shortId', v_short)::text;
      END IF;
      IF v_existing.checksum = p_checksum THEN
        RETURN pg_catalog.jsonb_build_object('status', 'unchanged', 'statementsApplied', 0, 'version', v_existing.version);
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'DM003',
        MESSAGE = pg_catalog.format('module %s is installed at version %s with a different definition: plan an upgrade instead', v_module_id, v_existing.version),
        DETAIL = pg_catalog.jsonb_build_object('installedVersion', v_existing.version, 'requestedVersion', v_version)::text;
    END IF;
  ELSE
    IF NOT FOUND OR v_existing.module_id <> v_module_id THEN
      RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('module %s is not installed', v_module_id);
    END IF;
    IF v_existing.strategy <> v_strategy THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('module %s uses the %s strategy, not %s', v_module_id, v_existing.strategy, v_strategy);
    END IF;
    IF v_existing.status <> 'active' THEN
      RAISE EXCEPTION USING ERRCODE = 'DM003', MESSAGE = pg_catalog.format('module %s is %s', v_module_id, v_existing.status);
    END IF;
    v_module_type := v_existing.module_type;
    IF p_mode = 'upgrade' THEN
      IF v_existing.checksum = p_checksum THEN
        RETURN pg_catalog.jsonb_build_object('status', 'unchanged', 'statementsApplied', 0, 'version', v_existing.version);
      END IF;
      IF v_existing.checksum IS DISTINCT FROM p_from_checksum OR v_existing.version IS DISTINCT FROM p_plan ->> 'fromVersion' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM003',
          MESSAGE = pg_catalog.format('module %s is at version %s now, not the version %s this upgrade was planned from', v_module_id, v_existing.version, p_plan ->> 'fromVersion');
      END IF;
    ELSIF v_existing.version IS DISTINCT FROM v_version OR v_existing.checksum IS DISTINCT FROM p_checksum THEN
      RAISE EXCEPTION USING ERRCODE = 'DM003',
        MESSAGE = pg_catalog.format('module %s is at version %s now: the repair was planned for version %s', v_module_id, v_existing.version, v_version);
    END IF;
  END IF;
  -- The module's tables before the change, by oid: a renamed table keeps its rows and its oid,
  -- a new one must start empty.
  v_before := ARRAY(
    SELECT d.objid FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_roles r ON r.oid = d.refobjid
    WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND r.rolname = v_owner
      AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'o');

  -- Indexes the caller builds CONCURRENTLY after this transaction (upgrades only): each one a
  -- plain btree index of the desired state, on a table that existed before, over its own columns.
  -- They are left out of the end-state proof here and recorded as pending builds; the build
  -- itself runs statements this database writes (dramac_index_build_next) and is proven then.
  IF p_mode <> 'install' AND EXISTS (SELECT 1 FROM dramac.index_builds b WHERE b.module_short_id = v_short) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM003',
      MESSAGE = pg_catalog.format('module %s has index builds pending: complete them first (provisionModuleDatabase or buildPendingIndexes resumes them)', v_module_id);
  END IF;
  IF pg_catalog.jsonb_typeof(coalesce(p_plan -> 'concurrentIndexes', '[]'::jsonb)) <> 'array' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan concurrentIndexes is not a list';
  END IF;
  FOR v_ci IN SELECT value FROM pg_catalog.jsonb_array_elements(coalesce(p_plan -> 'concurrentIndexes', '[]'::jsonb)) LOOP
    IF p_mode <> 'upgrade' THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'only an upgrade builds indexes concurrently';
    END IF;
    SELECT t INTO v_ci_table FROM pg_catalog.jsonb_array_elements(v_desired -> 'tables') t
    WHERE pg_catalog.jsonb_typeof(v_ci) = 'object' AND t ->> 'name' = v_ci ->> 'table';
    SELECT i INTO v_ci_index FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(v_ci_table -> 'indexes') = 'array'
      THEN v_ci_table -> 'indexes' ELSE '[]'::jsonb END) i WHERE i ->> 'name' = v_ci ->> 'name';
    v_ok := v_ci_index IS NOT NULL AND (v_ci ->> 'name') ~ '^[a-z_][a-z0-9_]{0,62}$'
      AND v_ci_index ->> 'method' = 'btree' AND v_ci_index -> 'unique' = 'false'::jsonb AND v_ci_index -> 'hasPredicate' = 'false'::jsonb
      AND coalesce(v_ci_index -> 'constraint', 'null'::jsonb) = 'null'::jsonb AND v_ci_index -> 'where' IS NULL
      AND pg_catalog.jsonb_typeof(v_ci_index -> 'columns') = 'array' AND pg_catalog.jsonb_array_length(v_ci_index -> 'columns') BETWEEN 1 AND 32
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(v_ci_index -> 'columns') c
                      WHERE pg_catalog.jsonb_typeof(c) <> 'string' OR NOT EXISTS (
                        SELECT 1 FROM pg_catalog.jsonb_array_elements(v_ci_table -> 'columns') dc WHERE dc ->> 'name' = c #>> '{}'))
      AND coalesce(pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_schema, v_ci_table ->> 'name'))::oid = ANY (v_before), false)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(v_concurrent) x WHERE x ->> 'name' = v_ci ->> 'name');
    IF NOT coalesce(v_ok, false) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001',
        MESSAGE = pg_catalog.format('plan index %L cannot be built concurrently: only a plain btree index of the desired state, over columns of an existing module table',
          coalesce(v_ci ->> 'name', v_ci::text));
    END IF;
    v_concurrent := v_concurrent || pg_catalog.jsonb_build_object('table', v_ci_table ->> 'name', 'name', v_ci ->> 'name',
      'columns', v_ci_index -> 'columns');
  END LOOP;

  -- Quotas (platform migration 8): the roles' timeouts come off before the statements run (the
  -- end-state check wants module roles without settings) and go back on when the registry records
  -- the change (its trigger). The counting triggers stay on the module's tables: no lock is taken on
  -- a table the statements do not touch, and what the statements write is counted. Whatever the
  -- statements do to them (drop, disable, rename) is undone by the same registry trigger, which
  -- puts back exactly the platform's four (dramac.quota_ensure_triggers) and counts the tables the
  -- change wrote or altered again.
  PERFORM public.dramac_reset_module_role_settings(v_short);
  -- 3. Fixed platform steps: roles, memberships, schema. No caller-supplied SQL. The module's
  -- roles and memberships are the work of its role manager (see dramac_roles.module_role_op):
  -- done by dramac_platform itself, each role change would walk every module role it administers.
  BEGIN
    PERFORM public.dramac_module_roles('setup', v_short, v_strategy);
  EXCEPTION WHEN insufficient_privilege THEN
    -- A module whose roles the platform created before role managers existed: the platform
    -- administers them, so it takes the same steps itself.
    PERFORM public.dramac_ensure_module_role(v_role, true, false);
    IF NOT pg_catalog.pg_has_role('dramac_data_api', v_role, 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT %I TO dramac_data_api', v_role);
    END IF;
    IF NOT pg_catalog.pg_has_role(v_role, 'dramac_module_roles', 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT dramac_module_roles TO %I', v_role);
    END IF;
    IF v_strategy = 'shared' AND NOT pg_catalog.pg_has_role(v_role, 'dramac_widget_roles', 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT dramac_widget_roles TO %I', v_role);
    END IF;
    PERFORM public.dramac_ensure_module_role(v_visitor, true, false);
    IF NOT pg_catalog.pg_has_role('dramac_data_api', v_visitor, 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT %I TO dramac_data_api', v_visitor);
    END IF;
    IF NOT pg_catalog.pg_has_role(v_visitor, 'dramac_module_roles', 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT dramac_module_roles TO %I', v_visitor);
    END IF;
    IF v_strategy = 'shared' AND NOT pg_catalog.pg_has_role(v_visitor, 'dramac_widget_visitors', 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT dramac_widget_visitors TO %I', v_visitor);
    END IF;
    IF v_strategy <> 'shared' THEN
      PERFORM public.dramac_ensure_module_role(v_admin, false, false);
      IF NOT pg_catalog.pg_has_role('dramac_admin_api', v_admin, 'MEMBER') THEN
        EXECUTE pg_catalog.format('GRANT %I TO dramac_admin_api', v_admin);
      END IF;
      PERFORM public.dramac_ensure_module_role(v_owner, true, true);
      IF NOT pg_catalog.pg_has_role(v_owner, 'dramac_module_owners', 'MEMBER') THEN
        EXECUTE pg_catalog.format('GRANT dramac_module_owners TO %I', v_owner);
      END IF;
    END IF;
  END;
  IF v_strategy <> 'shared' THEN
    IF v_strategy = 'schema' THEN
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_schema) THEN
        EXECUTE pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION %I', v_schema, v_owner);
        EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I, %I', v_schema, v_role, v_admin);
      END IF;
      IF NOT pg_catalog.has_schema_privilege(v_visitor, v_schema, 'USAGE') THEN
        EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', v_schema, v_visitor);
      END IF;
    ELSE
      -- For this call only: the prefixed tables live in public.
      EXECUTE pg_catalog.format('GRANT CREATE ON SCHEMA public TO %I', v_owner);
    END IF;

    -- 4. The plan's statements, with the owner role's privileges and nothing more: one call of
    -- dramac_ddl.run (SECURITY DEFINER), whose owner the module's owner role is for this call only
    -- (see sql-ddl-runner.ts). The search path of the statements: pg_catalog first (nothing can
    -- shadow a built-in), the schema of the citext extension if it is installed (column types name
    -- it unqualified), pg_temp last.
    v_exec_oid := 'dramac_ddl.run(text[])'::pg_catalog.regprocedure;
    v_path := pg_catalog.concat_ws(', ', 'pg_catalog',
      (SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
       WHERE e.extname = 'citext' AND n.nspname <> 'pg_catalog'),
      'pg_temp');
    IF (SELECT p.proowner <> 'dramac_platform'::pg_catalog.regrole::oid OR NOT p.prosecdef OR p.proacl IS NULL
          OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(p.proacl) a WHERE a.grantee <> p.proowner)
        FROM pg_catalog.pg_proc p WHERE p.oid = v_exec_oid) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the platform''s DDL runner dramac_ddl.run(text[]) is not as platform migration 10 left it: run migratePlatform';
    END IF;
    -- Set again only when it changed (citext installed or moved since the last call).
    IF (SELECT p.proconfig IS DISTINCT FROM ARRAY['search_path=' || v_path] FROM pg_catalog.pg_proc p WHERE p.oid = v_exec_oid) THEN
      EXECUTE pg_catalog.format('ALTER FUNCTION dramac_ddl.run(text[]) SET search_path = %s', v_path);
    END IF;
    EXECUTE pg_catalog.format('GRANT CREATE ON SCHEMA dramac_ddl TO %I', v_owner);
    EXECUTE pg_catalog.format('ALTER FUNCTION dramac_ddl.run(text[]) OWNER TO %I', v_owner);
    -- The owner role owns the function it runs in, so a statement could make it SECURITY INVOKER,
    -- replace it, rename it, grant it to others or tie it to an extension: once the call returns,
    -- the function must still be this one, unchanged.
    v_exec_sig := ${SQL_DDL_RUNNER_SIGNATURE};
    -- The statements: SQL text each, no bind parameters.
    FOR v_stmt IN SELECT value FROM pg_catalog.jsonb_array_elements(coalesce(p_plan -> 'statements', '[]'::jsonb)) LOOP
      v_sql := CASE WHEN pg_catalog.jsonb_typeof(v_stmt) = 'object' THEN v_stmt ->> 'sql' END;
      IF v_sql IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('statement %s has no SQL', pg_catalog.cardinality(v_sqls));
      END IF;
      IF pg_catalog.jsonb_typeof(coalesce(v_stmt -> 'parameters', '[]'::jsonb)) <> 'array'
         OR pg_catalog.jsonb_array_length(coalesce(v_stmt -> 'parameters', '[]'::jsonb)) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('statement %s has bind parameters', pg_catalog.cardinality(v_sqls));
      END IF;
      v_sqls := v_sqls || v_sql;
    END LOOP;
    -- What the statements must not leave in the calling session. Read here, not in a function
    -- of its own: a function's own search_path setting would hide a changed one.
    v_settings := ARRAY(SELECT s.name || '=' || coalesce(s.setting, '') FROM pg_catalog.pg_settings s
                        WHERE s.source = 'session' ORDER BY 1);
    v_claims := ARRAY(SELECT coalesce(pg_catalog.current_setting(g, true), '') FROM pg_catalog.unnest(ARRAY[
      'request.jwt.claims', 'request.jwt.claim', 'request.jwt.claim.sub', 'request.jwt.claim.role',
      'request.jwt.claim.site_id']) g);
    v_locks := ARRAY(SELECT l.classid::text || '/' || l.objid::text || '/' || l.objsubid::text || '/' || l.mode
                     FROM pg_catalog.pg_locks l WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'advisory' ORDER BY 1);
    v_prepared := ARRAY(SELECT p.name FROM pg_catalog.pg_prepared_statements p ORDER BY 1);
    v_listening := ARRAY(SELECT c FROM pg_catalog.pg_listening_channels() c ORDER BY 1);
    -- Everything from here to the end-state check runs guarded: on any failure, what the
    -- statements left in the session that the rollback would not undo is undone first.
    BEGIN
      v_i := dramac_ddl.run(v_sqls);
    IF ${SQL_DDL_RUNNER_SIGNATURE} IS DISTINCT FROM v_exec_sig THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the plan''s statements changed the function they run in';
    END IF;
    -- Session state a rollback would not undo (session-level advisory locks, prepared statements)
    -- is undone here; a LISTEN takes effect only at commit: every channel is unlistened and the
    -- caller's own are listened to again, in the same transaction.
    v_residue := public.dramac_undo_session_residue(v_locks, v_prepared);
    EXECUTE 'UNLISTEN *';
    FOREACH v_name IN ARRAY v_listening LOOP
      EXECUTE pg_catalog.format('LISTEN %I', v_name);
    END LOOP;
    IF ARRAY(SELECT s.name || '=' || coalesce(s.setting, '') FROM pg_catalog.pg_settings s
             WHERE s.source = 'session' ORDER BY 1) IS DISTINCT FROM v_settings THEN
      v_residue := v_residue || 'a setting';
    END IF;
    IF ARRAY(SELECT coalesce(pg_catalog.current_setting(g, true), '') FROM pg_catalog.unnest(ARRAY[
          'request.jwt.claims', 'request.jwt.claim', 'request.jwt.claim.sub', 'request.jwt.claim.role',
          'request.jwt.claim.site_id']) g) IS DISTINCT FROM v_claims THEN
      v_residue := v_residue || 'the request claims';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_cursors c WHERE c.is_holdable) THEN
      v_residue := v_residue || 'a cursor';
    END IF;
    IF pg_catalog.cardinality(v_residue) > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004',
        MESSAGE = pg_catalog.format('the plan''s statements changed the calling session (%s)',
          pg_catalog.array_to_string(ARRAY(SELECT DISTINCT x FROM pg_catalog.unnest(v_residue) x ORDER BY 1), ', '));
    END IF;
    EXCEPTION WHEN others THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
      PERFORM public.dramac_undo_session_residue(v_locks, v_prepared);
      RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg, DETAIL = coalesce(v_detail, ''), HINT = coalesce(v_hint, '');
    END;
    -- The runner back to rest: owned by dramac_platform (it then runs nothing), its schema closed
    -- to the module again and holding nothing but the runner.
    ALTER FUNCTION dramac_ddl.run(text[]) OWNER TO dramac_platform;
    EXECUTE pg_catalog.format('REVOKE CREATE ON SCHEMA dramac_ddl FROM %I', v_owner);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
               WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                 AND d.refobjid = 'dramac_ddl'::pg_catalog.regnamespace::oid
                 AND NOT (d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = v_exec_oid)) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = 'the plan''s statements created objects in the schema of the platform''s DDL runner (dramac_ddl)';
    END IF;
    IF v_strategy = 'prefix' THEN
      EXECUTE pg_catalog.format('REVOKE CREATE ON SCHEMA public FROM %I', v_owner);
    END IF;
  ELSIF pg_catalog.jsonb_array_length(coalesce(p_plan -> 'statements', '[]'::jsonb)) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'a shared (widget) module runs no DDL: its plan has no statements';
  ELSE
    -- Widgets: the item shapes of their collections, a fixed step (every stored item is checked).
    PERFORM public.dramac_apply_widget_collections(v_short, v_desired -> 'collections');
  END IF;

  -- 5. Prove the end state, then record it.
  FOREACH v_sql IN ARRAY coalesce(v_tables, '{}') LOOP
    IF coalesce(pg_catalog.to_regclass(pg_catalog.format('%I.%I', pg_catalog.split_part(v_sql, '.', 1),
         pg_catalog.split_part(v_sql, '.', 2)))::oid <> ALL (v_before), true) THEN
      v_new_tables := v_new_tables || v_sql;
    END IF;
  END LOOP;
  v_actual := public.dramac_verify_module_state(v_short, v_strategy,
    public.dramac_desired_without_indexes(v_desired, v_concurrent), v_new_tables);

  v_names := ARRAY(SELECT pg_catalog.split_part(t, '.', 2) FROM pg_catalog.unnest(coalesce(v_tables, '{}')) t);
  IF v_strategy = 'prefix' THEN
    v_names := ARRAY(SELECT pg_catalog.substr(t, pg_catalog.length('mod_' || v_short || '_') + 1) FROM pg_catalog.unnest(v_names) t);
  END IF;
  IF p_mode = 'install' THEN
    INSERT INTO public.module_database_registry (module_id, module_short_id, module_type, strategy, uses_schema,
      schema_name, role_name, table_names, version, definition, checksum, created_by, installed_state)
    VALUES (v_module_id, v_short, v_module_type, v_strategy, v_strategy = 'schema',
      CASE WHEN v_strategy = 'schema' THEN v_schema END, v_role, v_names, v_version, p_definition, p_checksum, p_actor, v_actual);
    INSERT INTO public.module_database_versions (module_id, version, checksum, definition, plan, applied_by)
    VALUES (v_module_id, v_version, p_checksum, p_definition, p_plan, p_actor);
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (v_module_id, v_short, 'provisioned', p_actor,
      pg_catalog.jsonb_build_object('version', v_version, 'strategy', v_strategy, 'statements', v_i, 'tables', pg_catalog.to_jsonb(coalesce(v_tables, '{}'))));
    RETURN pg_catalog.jsonb_build_object('status', 'created', 'statementsApplied', v_i, 'version', v_version);
  ELSIF p_mode = 'upgrade' THEN
    UPDATE public.module_database_registry
    SET version = v_version, definition = p_definition, checksum = p_checksum, table_names = v_names, installed_state = v_actual
    WHERE module_short_id = v_short;
    INSERT INTO public.module_database_versions (module_id, version, checksum, definition, plan, applied_by)
    VALUES (v_module_id, v_version, p_checksum, p_definition, p_plan, p_actor);
    INSERT INTO dramac.index_builds (module_short_id, index_name, schema_name, table_name, columns, version)
    SELECT v_short, x ->> 'name', v_schema, x ->> 'table', ARRAY(SELECT pg_catalog.jsonb_array_elements_text(x -> 'columns')), v_version
    FROM pg_catalog.unnest(v_concurrent) x;
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (v_module_id, v_short, 'upgraded', p_actor,
      pg_catalog.jsonb_build_object('from', v_existing.version, 'to', v_version, 'statements', v_i, 'changes', p_plan -> 'changes',
        'pendingIndexes', (SELECT coalesce(pg_catalog.jsonb_agg(x ->> 'name'), '[]'::jsonb) FROM pg_catalog.unnest(v_concurrent) x)));
    RETURN pg_catalog.jsonb_build_object('status', 'upgraded', 'statementsApplied', v_i, 'version', v_version, 'fromVersion', v_existing.version,
      'pendingIndexes', (SELECT coalesce(pg_catalog.jsonb_agg(x ->> 'name'), '[]'::jsonb) FROM pg_catalog.unnest(v_concurrent) x));
  ELSE
    UPDATE public.module_database_registry SET installed_state = v_actual WHERE module_short_id = v_short;
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (v_module_id, v_short, 'repaired', p_actor,
      pg_catalog.jsonb_build_object('version', v_version, 'statements', v_i, 'changes', p_plan -> 'changes'));
    RETURN pg_catalog.jsonb_build_object('status', CASE WHEN v_i = 0 THEN 'unchanged' ELSE 'repaired' END, 'statementsApplied', v_i, 'version', v_version);
  END IF;
END
$fn$;
`;

/**
 * Applying a module's DDL with least privilege, then proving the end state.
 *
 * `public.dramac_apply_module_change(mode, plan, ...)` is the one body behind
 * `dramac_apply_module_plan` (install), `dramac_apply_module_upgrade` and
 * `dramac_apply_module_repair`. It runs as `dramac_platform` (owner of the platform functions; not a
 * superuser; no BYPASSRLS; nobody logs in as it or is a member of it but the migration user) and:
 *
 * 1. checks the plan's identity (module id, short id, strategy, version) and mode against the registry;
 * 2. takes the fixed platform steps itself, with no caller-supplied SQL: the module's roles
 *    (`modrole_<id>` for data, `modadmin_<id>` for the server-only admin client, `modowner_<id>`
 *    which owns the module's objects), their memberships, the module schema;
 * 3. runs the plan's statements through `dramac_ddl.run`, a SECURITY DEFINER function whose owner
 *    `modowner_<id>` is for this call only (see sql-ddl-runner.ts): the statements run with the privileges of that
 *    role alone, which owns nothing but this module's objects, can read no other table, bypasses no
 *    policy, creates no role and grants no membership. PostgreSQL itself refuses everything else;
 *    nothing here looks at the SQL text;
 * 4. refuses a change of the session's state (settings, advisory locks, listeners, prepared
 *    statements, cursors) made by those statements;
 * 5. proves the end state with `dramac_verify_module_state` and writes the registry, the version
 *    history and the event log, in the same transaction.
 *
 * Static, checked-in SQL: nothing in it comes from input; names are derived from the checked
 * short id and quoted with `format('%I')`.
 */
export const SQL_APPLY_MODULE_CHANGE = `
-- The platform's advisory lock keys, salted with a secret only the platform reads: a statement
-- of a module (or anyone else) cannot take them at session level and block provisioning.
CREATE OR REPLACE FUNCTION dramac.lock_key(p_name text) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT pg_catalog.hashtext(p_name || (SELECT s.value FROM dramac.platform_secrets s WHERE s.name = 'lock_salt'))
$fn$;

-- Takes one module's advisory lock for the rest of the transaction: the lock provisioning,
-- upgrades, repairs and deprovisioning take, for site installs and uninstalls to wait on.
CREATE OR REPLACE FUNCTION public.dramac_lock_module(p_short text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(dramac.lock_key('dramac.module'), pg_catalog.hashtext(p_short));
END
$fn$;

-- Creates a module role if it is missing. On PostgreSQL 16+ the creating role (dramac_platform)
-- receives ADMIN OPTION on it; for the owner role it also needs SET and INHERIT, so that it can
-- hand objects to it and act as their owner.
CREATE OR REPLACE FUNCTION public.dramac_ensure_module_role(p_role text, p_inherit boolean, p_platform_acts_as boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_role !~ '^mod(role|admin|owner|visitor)_[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('%L is not a module role name', p_role);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN %s', p_role, CASE WHEN p_inherit THEN 'INHERIT' ELSE 'NOINHERIT' END);
  END IF;
  IF p_platform_acts_as AND NOT pg_catalog.pg_has_role(current_user, p_role, 'USAGE') THEN
    IF pg_catalog.current_setting('server_version_num')::int >= 160000 THEN
      EXECUTE pg_catalog.format('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', p_role, current_user);
    ELSE
      EXECUTE pg_catalog.format('GRANT %I TO %I', p_role, current_user);
    END IF;
  END IF;
END
$fn$;

-- Undoes what a module's statements left in the calling session that a rollback would not undo
-- (advisory locks held at session level, prepared statements), given what was there before, and
-- says what it found.
CREATE OR REPLACE FUNCTION public.dramac_undo_session_residue(p_locks text[], p_prepared text[])
RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_found text[] := '{}';
  v_lock record;
  v_name text;
BEGIN
  FOR v_lock IN
    SELECT l.classid, l.objid, l.objsubid, l.mode FROM pg_catalog.pg_locks l
    WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'advisory'
      AND l.classid::text || '/' || l.objid::text || '/' || l.objsubid::text || '/' || l.mode <> ALL (coalesce(p_locks, '{}'))
  LOOP
    v_found := v_found || 'an advisory lock'::text;
    BEGIN
      -- A lock taken several times is held until unlocked as many times; a transaction-level
      -- one cannot be unlocked (it goes with the rollback).
      LOOP
        EXIT WHEN NOT CASE
          WHEN v_lock.objsubid = 1 AND v_lock.mode = 'ShareLock'
            THEN pg_catalog.pg_advisory_unlock_shared((v_lock.classid::bigint << 32) | v_lock.objid::bigint)
          WHEN v_lock.objsubid = 1
            THEN pg_catalog.pg_advisory_unlock((v_lock.classid::bigint << 32) | v_lock.objid::bigint)
          WHEN v_lock.mode = 'ShareLock'
            THEN pg_catalog.pg_advisory_unlock_shared(v_lock.classid::int, v_lock.objid::int)
          ELSE pg_catalog.pg_advisory_unlock(v_lock.classid::int, v_lock.objid::int) END;
      END LOOP;
    EXCEPTION WHEN others THEN NULL;
    END;
  END LOOP;
  FOR v_name IN SELECT p.name FROM pg_catalog.pg_prepared_statements p WHERE p.name <> ALL (coalesce(p_prepared, '{}')) LOOP
    v_found := v_found || 'a prepared statement'::text;
    EXECUTE pg_catalog.format('DEALLOCATE %I', v_name);
  END LOOP;
  RETURN v_found;
END
$fn$;

${SQL_APPLY_MODULE_CHANGE_FUNCTION}
CREATE OR REPLACE FUNCTION public.dramac_apply_module_plan(
  p_plan jsonb, p_definition jsonb, p_checksum text, p_module_type text, p_actor text DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000, p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT public.dramac_apply_module_change('install', p_plan, p_definition, p_checksum, NULL, p_module_type, p_actor,
    p_lock_timeout_ms, p_lock_wait_ms)
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_apply_module_upgrade(
  p_plan jsonb, p_definition jsonb, p_checksum text, p_from_checksum text, p_actor text DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000, p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT public.dramac_apply_module_change('upgrade', p_plan, p_definition, p_checksum, p_from_checksum, NULL, p_actor,
    p_lock_timeout_ms, p_lock_wait_ms)
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_apply_module_repair(
  p_plan jsonb, p_checksum text, p_actor text DEFAULT NULL,
  p_lock_timeout_ms integer DEFAULT 5000, p_lock_wait_ms integer DEFAULT 60000
) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT public.dramac_apply_module_change('repair', p_plan, NULL, p_checksum, NULL, NULL, p_actor,
    p_lock_timeout_ms, p_lock_wait_ms)
$fn$;
`;
