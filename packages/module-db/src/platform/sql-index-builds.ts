/**
 * Online index builds of additive upgrades.
 *
 * `CREATE INDEX` inside the upgrade transaction blocks every writer of the table until the index
 * is built (a 1M-row table: seconds). An upgrade planned with `concurrentIndexes` leaves the
 * plain new indexes of existing tables out of its transaction; `dramac_apply_module_change`
 * checks each of them against the plan's desired state (a plain btree index of the table's own
 * columns: not unique, no predicate, no expression) and records it here, `pending`. The caller
 * then builds them with `CREATE INDEX CONCURRENTLY`, outside any transaction, as the module's
 * owner role:
 *
 * 1. `dramac_index_build_next(module)` returns the statements for the next pending index, built
 *    here from the recorded index (names quoted with `format('%I')`), never taken from the caller:
 *    `DROP INDEX CONCURRENTLY` of an invalid index of that name left by an earlier attempt, then
 *    `CREATE INDEX CONCURRENTLY`. It records the attempt (`index_build_started`).
 * 2. `dramac_index_build_done(module, index, error)` records a failed attempt
 *    (`index_build_failed`), or proves the module's whole end state against the version's desired
 *    state (the index now exists, is valid and is exactly the declared one) and records
 *    `index_built`.
 *
 * A crash anywhere resumes: a pending or half-done build stays recorded until it is proven built,
 * an invalid index is dropped before the next attempt, an index that was built but not yet proven
 * is proven on the next call. Until then the module shows the missing (or invalid) index as drift,
 * and no other upgrade or repair of the module starts.
 *
 * Static, checked-in SQL: nothing in it comes from input; names come from the recorded desired
 * state, checked against the naming rules, and are quoted with `format('%I')`.
 */
export const SQL_INDEX_BUILDS = `
CREATE TABLE IF NOT EXISTS dramac.index_builds (
  module_short_id text NOT NULL,
  index_name text NOT NULL CHECK (index_name ~ '^[a-z_][a-z0-9_]{0,62}$'),
  schema_name text NOT NULL,
  table_name text NOT NULL,
  columns text[] NOT NULL,
  version text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'building', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (module_short_id, index_name)
);
REVOKE ALL ON dramac.index_builds FROM PUBLIC;
ALTER TABLE dramac.index_builds ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON dramac.index_builds TO dramac_platform;
DROP POLICY IF EXISTS dramac_platform_all ON dramac.index_builds;
CREATE POLICY dramac_platform_all ON dramac.index_builds FOR ALL TO dramac_platform USING (true) WITH CHECK (true);

-- The index builds a module still waits for, by name (empty when none).
CREATE OR REPLACE FUNCTION public.dramac_index_builds_pending(p_module_id uuid)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', b.index_name, 'table', b.table_name,
      'status', b.status, 'attempts', b.attempts, 'lastError', b.last_error) ORDER BY b.created_at, b.index_name), '[]'::jsonb)
    FROM dramac.index_builds b
    WHERE b.module_short_id = pg_catalog.left(pg_catalog.replace(p_module_id::text, '-', ''), 8));
END
$fn$;

-- The next pending index build of a module: what to run, as which role, or NULL when none is left.
CREATE OR REPLACE FUNCTION public.dramac_index_build_next(p_module_id uuid)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_short text := pg_catalog.left(pg_catalog.replace(p_module_id::text, '-', ''), 8);
  v_owner text := 'modowner_' || pg_catalog.left(pg_catalog.replace(p_module_id::text, '-', ''), 8);
  v_build record;
  v_index oid;
  v_valid boolean;
  v_rel oid;
  v_statements text[] := '{}';
  v_column text;
BEGIN
  IF p_module_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'module id is required';
  END IF;
  SELECT * INTO v_build FROM dramac.index_builds b
  WHERE b.module_short_id = v_short
  ORDER BY b.created_at, b.index_name LIMIT 1 FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  v_rel := pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_build.schema_name, v_build.table_name));
  IF v_rel IS NULL OR (SELECT pg_catalog.pg_get_userbyid(c.relowner)::text FROM pg_catalog.pg_class c WHERE c.oid = v_rel) IS DISTINCT FROM v_owner THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004',
      MESSAGE = pg_catalog.format('index %s cannot be built: table %s.%s is not the module''s', v_build.index_name, v_build.schema_name, v_build.table_name);
  END IF;
  FOREACH v_column IN ARRAY v_build.columns LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = v_rel AND a.attname = v_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004',
        MESSAGE = pg_catalog.format('index %s cannot be built: %s.%s has no column %s', v_build.index_name, v_build.schema_name, v_build.table_name, v_column);
    END IF;
  END LOOP;
  SELECT i.indexrelid, i.indisvalid AND i.indisready INTO v_index, v_valid
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  WHERE c.relname = v_build.index_name AND c.relnamespace = pg_catalog.to_regnamespace(v_build.schema_name)::oid;
  -- An index of that name left invalid by an earlier attempt goes first; a valid one is only
  -- proven (dramac_index_build_done compares it with the declared one).
  IF v_index IS NOT NULL AND NOT v_valid THEN
    v_statements := v_statements || pg_catalog.format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', v_build.schema_name, v_build.index_name);
  END IF;
  IF v_index IS NULL OR NOT v_valid THEN
    v_statements := v_statements || pg_catalog.format('CREATE INDEX CONCURRENTLY %I ON %I.%I USING btree (%s)',
      v_build.index_name, v_build.schema_name, v_build.table_name,
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY n) FROM pg_catalog.unnest(v_build.columns) WITH ORDINALITY x(c, n)));
  END IF;
  UPDATE dramac.index_builds SET status = 'building', attempts = attempts + 1, updated_at = pg_catalog.now()
  WHERE module_short_id = v_short AND index_name = v_build.index_name;
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (p_module_id, v_short, 'index_build_started', NULL, pg_catalog.jsonb_build_object(
    'index', v_build.index_name, 'table', v_build.schema_name || '.' || v_build.table_name, 'attempt', v_build.attempts + 1,
    'version', v_build.version, 'droppingInvalid', v_index IS NOT NULL AND NOT v_valid));
  RETURN pg_catalog.jsonb_build_object('index', v_build.index_name, 'table', v_build.schema_name || '.' || v_build.table_name,
    'owner', v_owner, 'attempt', v_build.attempts + 1, 'statements', pg_catalog.to_jsonb(v_statements));
END
$fn$;

-- The end of an attempt: a failure is recorded; a success is proven against the version's
-- desired state (every index of the module that is not still pending), then recorded.
CREATE OR REPLACE FUNCTION public.dramac_index_build_done(p_module_id uuid, p_index text, p_error text DEFAULT NULL,
  p_actor text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_short text := pg_catalog.left(pg_catalog.replace(p_module_id::text, '-', ''), 8);
  v_reg record;
  v_build record;
  v_desired jsonb;
  v_actual jsonb;
BEGIN
  IF p_module_id IS NULL OR p_index IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'module id and index are required';
  END IF;
  PERFORM public.dramac_lock_module(v_short);
  SELECT r.module_id, r.strategy, r.version, r.checksum INTO v_reg
  FROM public.module_database_registry r WHERE r.module_short_id = v_short AND r.module_id = p_module_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('module %s is not installed', p_module_id);
  END IF;
  SELECT * INTO v_build FROM dramac.index_builds b WHERE b.module_short_id = v_short AND b.index_name = p_index FOR UPDATE;
  IF NOT FOUND THEN
    RETURN pg_catalog.jsonb_build_object('status', 'unchanged', 'index', p_index);
  END IF;
  IF p_error IS NOT NULL THEN
    UPDATE dramac.index_builds SET status = 'failed', last_error = pg_catalog.left(p_error, 2000), updated_at = pg_catalog.now()
    WHERE module_short_id = v_short AND index_name = p_index;
    INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
    VALUES (p_module_id, v_short, 'index_build_failed', p_actor, pg_catalog.jsonb_build_object(
      'index', p_index, 'attempt', v_build.attempts, 'error', pg_catalog.left(p_error, 2000)));
    RETURN pg_catalog.jsonb_build_object('status', 'failed', 'index', p_index, 'attempts', v_build.attempts);
  END IF;
  -- The desired state of the installed version, less the indexes still waiting for their build.
  SELECT v.plan -> 'desired' INTO v_desired FROM public.module_database_versions v
  WHERE v.module_id = p_module_id AND v.version = v_reg.version AND v.checksum = v_reg.checksum
  ORDER BY v.applied_at DESC LIMIT 1;
  IF v_desired IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = pg_catalog.format('module %s has no recorded desired state for version %s', p_module_id, v_reg.version);
  END IF;
  v_desired := public.dramac_desired_without_indexes(v_desired, ARRAY(
    SELECT pg_catalog.jsonb_build_object('table', b.table_name, 'name', b.index_name) FROM dramac.index_builds b
    WHERE b.module_short_id = v_short AND b.index_name <> p_index));
  -- Quotas (platform migration 8): the counting triggers are not module state; off for the proof,
  -- back on when the registry records it (its trigger), as for an upgrade.
  IF pg_catalog.to_regprocedure('dramac.quota_detach(text)') IS NOT NULL THEN
    PERFORM dramac.quota_detach(v_short);
  END IF;
  v_actual := public.dramac_verify_module_state(v_short, v_reg.strategy, v_desired, '{}');
  DELETE FROM dramac.index_builds WHERE module_short_id = v_short AND index_name = p_index;
  UPDATE public.module_database_registry SET installed_state = v_actual WHERE module_short_id = v_short;
  INSERT INTO public.module_database_events (module_id, module_short_id, event, actor, details)
  VALUES (p_module_id, v_short, 'index_built', p_actor, pg_catalog.jsonb_build_object(
    'index', p_index, 'table', v_build.schema_name || '.' || v_build.table_name, 'attempts', v_build.attempts, 'version', v_build.version));
  RETURN pg_catalog.jsonb_build_object('status', 'built', 'index', p_index, 'attempts', v_build.attempts);
END
$fn$;

-- A desired state without some of its indexes ({table, name} pairs; table is the physical name).
CREATE OR REPLACE FUNCTION public.dramac_desired_without_indexes(p_desired jsonb, p_indexes jsonb[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF coalesce(pg_catalog.cardinality(p_indexes), 0) = 0 THEN
    RETURN p_desired;
  END IF;
  RETURN pg_catalog.jsonb_set(p_desired, '{tables}', coalesce((
    SELECT pg_catalog.jsonb_agg(CASE WHEN pg_catalog.jsonb_typeof(t -> 'indexes') = 'array'
      THEN pg_catalog.jsonb_set(t, '{indexes}', coalesce((
        SELECT pg_catalog.jsonb_agg(i ORDER BY n) FROM pg_catalog.jsonb_array_elements(t -> 'indexes') WITH ORDINALITY x(i, n)
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p_indexes) p
                          WHERE p ->> 'table' = t ->> 'name' AND p ->> 'name' = i ->> 'name')), '[]'::jsonb))
      ELSE t END ORDER BY n)
    FROM pg_catalog.jsonb_array_elements(p_desired -> 'tables') WITH ORDINALITY y(t, n)), '[]'::jsonb));
END
$fn$;
`;
