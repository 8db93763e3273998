/**
 * Platform migration 9: counting triggers that went missing are found and put back.
 *
 * - `public.dramac_quota_trigger_problems` also checks `public.module_data` for a widget module
 *   (its rows are counted by module_data's own triggers): a dropped or disabled trigger there
 *   leaves every widget's rows uncounted.
 * - `public.dramac_quota_trigger_problems` also reports a trigger that calls the counting function
 *   without being one of the platform's four (renamed or added: rows counted twice).
 * - `dramac.quota_ensure_triggers` leaves a relation alone only when it has exactly the platform's
 *   four counting triggers, as attached, and no other trigger calling the function; otherwise it
 *   drops every such trigger and attaches the four again. Install, upgrade and repair no longer
 *   detach the counting triggers before the module's statements run (which locked every table of
 *   the module for the whole change): the registry trigger calls this function on every table
 *   after the statements, so nothing they did to the triggers survives the change.
 * - `public.dramac_quota_recount` attaches the counting triggers again (the same function) before it
 *   counts, in the same transaction: what `recountUsage` and a drift repair run when drift reports
 *   `quota_trigger`. The rows written while a trigger was missing are then counted, and the limits
 *   hold again from the next statement.
 *
 * - A change counts again only the tables it made uncountable: rows written or rewritten (a
 *   rewrite counts its rows as inserted), a column dropped. A table that only gained
 *   columns grows by their bytes per row (every existing row holds the same value in each: its
 *   default or NULL), read from one row, with no scan and no lock: migration 8 counted every
 *   altered table again under a SHARE lock, which blocked its writers for the whole scan.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0009_QUOTA_TRIGGER_REPAIR = `
-- The relations whose counting triggers a module relies on: its tables, or module_data for a widget.
CREATE OR REPLACE FUNCTION dramac.quota_counted_relations(p_short text) RETURNS oid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM public.module_database_registry r WHERE r.module_short_id = p_short AND r.strategy = 'shared') THEN
    RETURN ARRAY['public.module_data'::pg_catalog.regclass::oid];
  END IF;
  RETURN dramac.quota_module_relations(p_short);
END
$fn$;

-- What is wrong with the counting triggers of one relation, as drift problems: one of the
-- platform's four missing, disabled or altered, or another trigger calling the counting function
-- (one renamed, or added: rows counted twice). Empty when they are exactly as the platform attaches
-- them: what dramac.quota_ensure_triggers leaves alone.
CREATE OR REPLACE FUNCTION dramac.quota_trigger_problems_of(p_rel oid) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_want record;
  v_problems jsonb := '[]';
BEGIN
  -- tgtype: statement level (no bit 1), AFTER (no bit 2), the event's bit.
  FOR v_want IN SELECT * FROM (VALUES ('dramac_quota_insert', 4, false, true), ('dramac_quota_update', 16, true, true),
      ('dramac_quota_delete', 8, true, false), ('dramac_quota_truncate', 32, false, false)) w(name, tgtype, old_table, new_table) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = p_rel AND t.tgname = v_want.name
        AND t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure AND t.tgtype = v_want.tgtype
        AND t.tgenabled = 'O' AND t.tgqual IS NULL AND t.tgnargs = 0
        AND (t.tgoldtable IS NOT DISTINCT FROM CASE WHEN v_want.old_table THEN 'dramac_old' END)
        AND (t.tgnewtable IS NOT DISTINCT FROM CASE WHEN v_want.new_table THEN 'dramac_new' END)) THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'quota_trigger', 'table', p_rel::pg_catalog.regclass::text,
        'object', v_want.name, 'message', pg_catalog.format('the quota counting trigger %s on %s is missing, disabled or altered',
          v_want.name, p_rel::pg_catalog.regclass));
    END IF;
  END LOOP;
  RETURN v_problems || coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', 'quota_trigger',
      'table', p_rel::pg_catalog.regclass::text, 'object', t.tgname::text,
      'message', pg_catalog.format('the trigger %s on %s calls the quota counting function but is not one of the platform''s four',
        t.tgname, p_rel::pg_catalog.regclass)) ORDER BY t.tgname)
    FROM pg_catalog.pg_trigger t WHERE t.tgrelid = p_rel AND t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure
      AND t.tgname NOT IN ('dramac_quota_insert', 'dramac_quota_update', 'dramac_quota_delete', 'dramac_quota_truncate')), '[]'::jsonb);
END
$fn$;

-- Drops every counting trigger of one relation (and any trigger under their names), then attaches
-- the four. Runs with its caller's rights: the relation's owner (see quota_ensure_triggers).
CREATE OR REPLACE FUNCTION dramac.quota_attach_triggers(p_rel oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_rel text := p_rel::pg_catalog.regclass::text;
  v_name text;
BEGIN
  FOR v_name IN SELECT t.tgname::text FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid = p_rel AND (t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure
                  OR t.tgname IN ('dramac_quota_insert', 'dramac_quota_update', 'dramac_quota_delete', 'dramac_quota_truncate'))
                ORDER BY 1 LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', v_name, v_rel);
  END LOOP;
  EXECUTE pg_catalog.format('CREATE TRIGGER dramac_quota_insert AFTER INSERT ON %s '
    'REFERENCING NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE TRIGGER dramac_quota_update AFTER UPDATE ON %s '
    'REFERENCING OLD TABLE AS dramac_old NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE TRIGGER dramac_quota_delete AFTER DELETE ON %s '
    'REFERENCING OLD TABLE AS dramac_old FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE TRIGGER dramac_quota_truncate AFTER TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
END
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_quota_trigger_problems(p_short text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_rel oid;
  v_problems jsonb := '[]';
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  FOREACH v_rel IN ARRAY dramac.quota_counted_relations(p_short) LOOP
    v_problems := v_problems || dramac.quota_trigger_problems_of(v_rel);
  END LOOP;
  RETURN v_problems;
END
$fn$;

-- The counting triggers of module_data, which the platform (the migration user) owns.
CREATE OR REPLACE FUNCTION dramac.quota_restore_data_triggers() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM dramac.quota_attach_triggers('public.module_data'::pg_catalog.regclass);
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Counting again only what a change made uncountable. Platform migration 8 counted every table a
-- change altered again, under a SHARE lock: adding a column to a table of 1,000,000 rows blocked
-- its writers for the whole scan (1.7 s in pnpm bench, case 5). Rows change size only through
-- writes, rewrites and column changes; a column added without a rewrite holds the same value in
-- every existing row (its default, kept as the column's missing value, or NULL), so each row grows
-- by the same number of bytes.
-- ---------------------------------------------------------------------------------------------
-- Adds p_bytes to every counted row of one table (each site's table counter, its total, the
-- module's total), in the lock order of dramac.quota_add.
CREATE OR REPLACE FUNCTION dramac.quota_grow_rows(p_short text, p_rel oid, p_bytes bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT u.site_id, u.row_count FROM dramac.quota_usage u
           WHERE u.module_short_id = p_short AND u.relid = p_rel AND u.collection = '' AND u.row_count <> 0
           ORDER BY u.site_id LOOP
    UPDATE dramac.quota_usage u SET byte_count = u.byte_count + r.row_count * p_bytes
    WHERE u.module_short_id = p_short AND u.site_id = r.site_id AND u.relid = 0 AND u.collection = '';
    UPDATE dramac.quota_module_usage m SET byte_count = m.byte_count + r.row_count * p_bytes
    WHERE m.module_short_id = p_short;
    UPDATE dramac.quota_usage u SET byte_count = u.byte_count + r.row_count * p_bytes
    WHERE u.module_short_id = p_short AND u.site_id = r.site_id AND u.relid = p_rel AND u.collection = '';
  END LOOP;
END
$fn$;

-- After a change, with the table's state before it (p_old: the registry's installed_state then):
-- true when its counters are exact (nothing to do, or grown by the bytes of columns it gained),
-- false when it must be counted again.
CREATE OR REPLACE FUNCTION dramac.quota_after_alter(p_short text, p_rel oid, p_old jsonb) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_class record;
  v_old jsonb;
  v_added text[];
  v_bytes bigint;
BEGIN
  -- Rows written (a backfill, anything a statement did) or a table rewritten (ALTER COLUMN ...
  -- TYPE, a volatile default: PostgreSQL counts the rewritten rows as inserted): count again.
  IF pg_catalog.pg_stat_get_xact_tuples_inserted(p_rel) + pg_catalog.pg_stat_get_xact_tuples_updated(p_rel)
     + pg_catalog.pg_stat_get_xact_tuples_deleted(p_rel) > 0 THEN
    RETURN false;
  END IF;
  SELECT c.relname::text AS name, dramac.written_here(c.xmin) AS altered INTO v_class
  FROM pg_catalog.pg_class c WHERE c.oid = p_rel;
  IF NOT v_class.altered AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_rel AND a.attnum > 0 AND dramac.written_here(a.xmin)) THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM dramac.quota_usage u WHERE u.module_short_id = p_short AND u.relid = p_rel) THEN
    -- Nothing counted: no row was ever written (the counting triggers see every write; a table
    -- created by this change was proven empty by the end-state check).
    RETURN true;
  END IF;
  SELECT t INTO v_old FROM pg_catalog.jsonb_array_elements(coalesce(p_old -> 'tables', '[]'::jsonb)) t
  WHERE t ->> 'name' = v_class.name;
  IF v_old IS NULL THEN
    RETURN false;
  END IF;
  -- A column dropped, or the table's columns otherwise unknown: count again.
  IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(coalesce(v_old -> 'columns', '[]'::jsonb)) oc
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_rel
                               AND a.attname = (oc ->> 'name') AND a.attnum > 0 AND NOT a.attisdropped)) THEN
    RETURN false;
  END IF;
  -- A column the table had before, changed by this transaction (ALTER COLUMN ... TYPE rewrites
  -- every row; its tuples are not always in this transaction's statistics): count again.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.jsonb_array_elements(coalesce(v_old -> 'columns', '[]'::jsonb)) oc ON oc ->> 'name' = a.attname::text
             WHERE a.attrelid = p_rel AND a.attnum > 0 AND NOT a.attisdropped AND dramac.written_here(a.xmin)) THEN
    RETURN false;
  END IF;
  v_added := ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = p_rel AND a.attnum > 0 AND NOT a.attisdropped
                     AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(coalesce(v_old -> 'columns', '[]'::jsonb)) oc
                                     WHERE oc ->> 'name' = a.attname::text)
                   ORDER BY a.attnum);
  IF pg_catalog.cardinality(v_added) = 0 THEN
    RETURN true;
  END IF;
  -- Every existing row holds the same value in each added column: its missing value, or NULL
  -- when it has no default. (A default without a missing value was written by a rewrite.)
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_rel AND a.attname = ANY (v_added)
             AND a.atthasdef AND NOT a.atthasmissing) THEN
    RETURN false;
  END IF;
  -- Their bytes in one row (record_send of a row of just them, less its 4-byte column count).
  EXECUTE pg_catalog.format('SELECT pg_catalog.octet_length(pg_catalog.record_send(ROW(%s))) - 4 FROM %s t LIMIT 1',
    (SELECT pg_catalog.string_agg(pg_catalog.format('t.%I', x), ', ' ORDER BY o) FROM pg_catalog.unnest(v_added) WITH ORDINALITY u(x, o)),
    p_rel::pg_catalog.regclass) INTO v_bytes;
  IF v_bytes IS NOT NULL THEN
    PERFORM dramac.quota_grow_rows(p_short, p_rel, v_bytes);
  END IF;
  RETURN true;
END
$fn$;

DO $$
DECLARE
  v_fn text;
  v_api text;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[
    'dramac.quota_counted_relations(text)',
    'dramac.quota_trigger_problems_of(oid)',
    'dramac.quota_attach_triggers(oid)',
    'dramac.quota_restore_data_triggers()',
    'dramac.quota_grow_rows(text, oid, bigint)',
    'dramac.quota_after_alter(text, oid, jsonb)'
  ] LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    FOREACH v_api IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_api) THEN
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I', v_fn, v_api);
      END IF;
    END LOOP;
  END LOOP;
END
$$;
-- Called by the registry trigger, which runs as dramac_platform (it acts as each module's owner
-- role, so it reads a row of a module table).
GRANT EXECUTE ON FUNCTION dramac.quota_counted_relations(text), dramac.quota_restore_data_triggers(),
  dramac.quota_trigger_problems_of(oid), dramac.quota_attach_triggers(oid),
  dramac.quota_grow_rows(text, oid, bigint), dramac.quota_after_alter(text, oid, jsonb) TO dramac_platform;

-- ---------------------------------------------------------------------------------------------
-- Functions migration 8 gave to dramac_platform are replaced as dramac_platform: a non-superuser
-- migration user (Supabase's postgres) holds it with SET but without INHERIT on PostgreSQL 16+, so
-- it is not their owner itself. (Replacing keeps each function's owner and privileges; CREATE on
-- the schema is needed at the time: granted on dramac for these statements only; dramac_platform
-- holds it on public since migration 6.)
-- ---------------------------------------------------------------------------------------------
GRANT CREATE ON SCHEMA dramac TO dramac_platform;
SELECT pg_catalog.set_config('dramac.migration_role', pg_catalog.current_setting('role'), true);
SET LOCAL ROLE dramac_platform;

-- The four counting triggers exactly as the platform attaches them, on one relation, and no other
-- trigger calling public.dramac_count_usage(): when that is not so (one missing, disabled, altered,
-- renamed, or another one added), every trigger calling it is dropped and the four are created
-- again. Replaces migration 8's version, which counted four enabled triggers by name: a module's
-- own statements (run as its owner role, which may drop, disable or rename triggers on its tables)
-- must not be able to leave the counting off or doubled. Module tables: as dramac_platform, which
-- acts as each module's owner role; module_data, which the platform owns: through
-- dramac.quota_restore_data_triggers.
CREATE OR REPLACE FUNCTION dramac.quota_ensure_triggers(p_rel oid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- As the platform attaches them: nothing to do, and no lock on the table (CREATE TRIGGER takes
  -- SHARE ROW EXCLUSIVE until commit: every writer of the table would wait).
  IF dramac.quota_trigger_problems_of(p_rel) = '[]'::jsonb THEN
    RETURN;
  END IF;
  IF p_rel = 'public.module_data'::pg_catalog.regclass THEN
    PERFORM dramac.quota_restore_data_triggers();
  ELSE
    PERFORM dramac.quota_attach_triggers(p_rel);
  END IF;
END
$fn$;

-- Counts a module's rows again (every table, or its items in module_data) after putting its
-- counting triggers back, and returns what the counters said before, per site and table, where
-- they differed.
CREATE OR REPLACE FUNCTION public.dramac_quota_recount(p_short text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_rel oid;
  v_before jsonb;
  v_after jsonb;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  PERFORM public.dramac_lock_module(p_short);
  IF NOT EXISTS (SELECT 1 FROM public.module_database_registry r WHERE r.module_short_id = p_short) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('module %s is not provisioned', p_short);
  END IF;
  v_before := (SELECT coalesce(pg_catalog.jsonb_object_agg(u.site_id::text || '/' || u.relid::text || '/' || u.collection,
      pg_catalog.jsonb_build_array(u.row_count, u.byte_count)), '{}'::jsonb) FROM dramac.quota_usage u WHERE u.module_short_id = p_short);
  FOREACH v_rel IN ARRAY dramac.quota_counted_relations(p_short) LOOP
    PERFORM dramac.quota_ensure_triggers(v_rel);
    PERFORM dramac.quota_recount(p_short, v_rel);
  END LOOP;
  v_after := (SELECT coalesce(pg_catalog.jsonb_object_agg(u.site_id::text || '/' || u.relid::text || '/' || u.collection,
      pg_catalog.jsonb_build_array(u.row_count, u.byte_count)), '{}'::jsonb) FROM dramac.quota_usage u WHERE u.module_short_id = p_short);
  RETURN (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'site', pg_catalog.split_part(k, '/', 1),
      'relation', CASE WHEN pg_catalog.split_part(k, '/', 2) = '0' THEN '' ELSE coalesce(dramac.quota_table_name(pg_catalog.split_part(k, '/', 2)::oid), '') END,
      'collection', pg_catalog.split_part(k, '/', 3),
      'before', v_before -> k, 'after', v_after -> k) ORDER BY k), '[]'::jsonb)
    FROM (SELECT x FROM pg_catalog.jsonb_object_keys(v_before) x UNION SELECT x FROM pg_catalog.jsonb_object_keys(v_after) x) keys(k)
    WHERE (v_before -> k) IS DISTINCT FROM (v_after -> k)
      AND coalesce(v_before -> k, '[0, 0]'::jsonb) IS DISTINCT FROM coalesce(v_after -> k, '[0, 0]'::jsonb));
END
$fn$;

CREATE OR REPLACE FUNCTION dramac.quota_after_registry_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_short text;
  v_tables bigint;
  v_columns bigint;
  v_old_tables bigint := 0;
  v_old_columns bigint := 0;
  v_max bigint;
  v_rels oid[];
  v_recount oid[] := '{}';
  v_rel oid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM dramac.quota_usage WHERE module_short_id = OLD.module_short_id;
    DELETE FROM dramac.quota_module_usage WHERE module_short_id = OLD.module_short_id;
    DELETE FROM dramac.quota_limits WHERE module_short_id = OLD.module_short_id;
    DELETE FROM dramac.usage_calls WHERE module_short_id = OLD.module_short_id;
    RETURN NULL;
  END IF;
  v_short := NEW.module_short_id;
  -- 1. Tables and columns per module, from the state the end-state check proved. A change that
  -- does not grow the module passes even above a lowered limit (repairs, shrinking upgrades).
  SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(pg_catalog.jsonb_array_length(t -> 'columns')), 0)
  INTO v_tables, v_columns
  FROM pg_catalog.jsonb_array_elements(coalesce(NEW.installed_state -> 'tables', '[]'::jsonb)) t;
  IF TG_OP = 'UPDATE' THEN
    SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(pg_catalog.jsonb_array_length(t -> 'columns')), 0)
    INTO v_old_tables, v_old_columns
    FROM pg_catalog.jsonb_array_elements(coalesce(OLD.installed_state -> 'tables', '[]'::jsonb)) t;
  END IF;
  v_max := dramac.quota_limit('tables', v_short, NULL);
  IF v_tables > v_max AND (TG_OP = 'INSERT' OR v_tables > v_old_tables) THEN
    PERFORM dramac.quota_exceeded('tables', v_max, v_tables, v_tables - v_old_tables, v_short, NULL, NULL);
  END IF;
  v_max := dramac.quota_limit('columns', v_short, NULL);
  IF v_columns > v_max AND (TG_OP = 'INSERT' OR v_columns > v_old_columns) THEN
    PERFORM dramac.quota_exceeded('columns', v_max, v_columns, v_columns - v_old_columns, v_short, NULL, NULL);
  END IF;
  -- 2. The roles' statement and lock timeouts.
  PERFORM dramac.quota_apply_role_settings(v_short);
  IF NEW.strategy = 'shared' THEN
    -- Widgets' rows are counted by module_data's own triggers, as they are written.
    RETURN NULL;
  END IF;
  v_rels := dramac.quota_module_relations(v_short);
  IF TG_OP = 'UPDATE' THEN
    -- 3. Counters of tables the change dropped go. For the others (dramac.quota_after_alter): a
    -- table the change wrote rows of, rewrote, or dropped a column of is counted again; a table
    -- that only gained columns grows by their bytes per row, with no scan and no lock; the
    -- others are exact already.
    FOR v_rel IN SELECT DISTINCT u.relid FROM dramac.quota_usage u
                 WHERE u.module_short_id = v_short AND u.relid <> 0 AND u.relid <> ALL (v_rels) LOOP
      PERFORM dramac.quota_forget(v_short, v_rel);
    END LOOP;
    FOREACH v_rel IN ARRAY v_rels LOOP
      IF NOT dramac.quota_after_alter(v_short, v_rel, OLD.installed_state) THEN
        v_recount := v_recount || v_rel;
      END IF;
    END LOOP;
  END IF;

  -- 4. The counting triggers, on every table of the module (new tables start empty: the end-state
  -- check proved it).
  FOREACH v_rel IN ARRAY v_rels LOOP
    PERFORM dramac.quota_ensure_triggers(v_rel);
  END LOOP;
  FOREACH v_rel IN ARRAY v_recount LOOP
    PERFORM dramac.quota_recount(v_short, v_rel);
  END LOOP;
  RETURN NULL;
END
$fn$;

SELECT pg_catalog.set_config('role', pg_catalog.current_setting('dramac.migration_role'), true);
REVOKE CREATE ON SCHEMA dramac FROM dramac_platform;
`;
