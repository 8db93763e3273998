/**
 * Widgets' items: typed rows of `public.module_data`, checked by the database.
 *
 * - `dramac.widget_collections`: each widget's declared item shape per collection (fields with
 *   their type, optional/nullable and bounds) and what visitors may read and insert. Written only
 *   by `dramac_apply_widget_collections`, a fixed step of provisioning and upgrades.
 * - A trigger on `module_data` checks every item written (by the module, its admin client or a
 *   visitor) against its collection's shape (`dramac_widget_item_problem`) and keeps
 *   `public_value`, the item's visitor-readable fields (null when visitors read nothing).
 * - Visitor policies on `module_data` for the widgets' visitor roles (`dramac_widget_visitors`):
 *   read `public_value` (never `value`) of the current public site's items of their own module,
 *   insert items that set only the declared fields. Column privileges keep `value` from them.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const SQL_WIDGET_COLLECTIONS = `
CREATE TABLE IF NOT EXISTS dramac.widget_collections (
  module_short_id text NOT NULL CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  collection text NOT NULL CHECK (collection ~ '^[a-z_][a-z0-9_]{0,62}$'),
  fields jsonb NOT NULL,
  visitor_read text[],
  visitor_insert text[],
  PRIMARY KEY (module_short_id, collection)
);
REVOKE ALL ON dramac.widget_collections FROM PUBLIC;
ALTER TABLE dramac.widget_collections ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON dramac.widget_collections TO dramac_platform;
CREATE POLICY dramac_platform_all ON dramac.widget_collections FOR ALL TO dramac_platform USING (true) WITH CHECK (true);

ALTER TABLE public.module_data ADD COLUMN IF NOT EXISTS public_value jsonb;

-- Why an item does not fit its collection's shape, or NULL when it does. Pure.
CREATE OR REPLACE FUNCTION public.dramac_widget_item_problem(p_fields jsonb, p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_key text;
  v_spec jsonb;
  v jsonb;
  v_type text;
  v_text text;
  v_num numeric;
BEGIN
  IF p_value IS NULL OR pg_catalog.jsonb_typeof(p_value) <> 'object' THEN
    RETURN pg_catalog.jsonb_build_object('rule', 'object', 'message', 'an item is a JSON object');
  END IF;
  IF pg_catalog.octet_length(p_value::text) > 65536 THEN
    RETURN pg_catalog.jsonb_build_object('rule', 'size', 'message', 'an item is at most 65536 bytes of JSON');
  END IF;
  FOR v_key IN SELECT k FROM pg_catalog.jsonb_object_keys(p_value) k LOOP
    IF NOT (p_fields ? v_key) THEN
      RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'unknown_field',
        'message', pg_catalog.format('%s is not a field of this collection', v_key));
    END IF;
  END LOOP;
  FOR v_key, v_spec IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(p_fields) e LOOP
    v := p_value -> v_key;
    IF v IS NULL THEN
      IF NOT coalesce((v_spec ->> 'optional')::boolean, false) THEN
        RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'required', 'message', pg_catalog.format('%s is required', v_key));
      END IF;
      CONTINUE;
    END IF;
    v_type := pg_catalog.jsonb_typeof(v);
    IF v_type = 'null' THEN
      IF NOT coalesce((v_spec ->> 'nullable')::boolean, false) THEN
        RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'not_null', 'message', pg_catalog.format('%s may not be null', v_key));
      END IF;
      CONTINUE;
    END IF;
    CASE v_spec ->> 'type'
      WHEN 'string' THEN
        IF v_type <> 'string' THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'type', 'message', pg_catalog.format('%s must be a string', v_key));
        END IF;
        v_text := v #>> '{}';
        IF v_spec ? 'minLength' AND pg_catalog.char_length(v_text) < (v_spec ->> 'minLength')::integer THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'minLength',
            'message', pg_catalog.format('%s must be at least %s characters', v_key, v_spec ->> 'minLength'));
        END IF;
        IF v_spec ? 'maxLength' AND pg_catalog.char_length(v_text) > (v_spec ->> 'maxLength')::integer THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'maxLength',
            'message', pg_catalog.format('%s must be at most %s characters', v_key, v_spec ->> 'maxLength'));
        END IF;
        IF v_spec ? 'enum' AND NOT ((v_spec -> 'enum') @> pg_catalog.jsonb_build_array(v)) THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'enum',
            'message', pg_catalog.format('%s must be one of %s', v_key, v_spec -> 'enum'));
        END IF;
      WHEN 'integer', 'number' THEN
        IF v_type <> 'number' THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'type', 'message', pg_catalog.format('%s must be a number', v_key));
        END IF;
        v_num := (v #>> '{}')::numeric;
        IF v_spec ->> 'type' = 'integer' AND (v_num <> pg_catalog.trunc(v_num) OR pg_catalog.abs(v_num) > 9007199254740991) THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'integer',
            'message', pg_catalog.format('%s must be a safe integer', v_key));
        END IF;
        IF v_spec ? 'minimum' AND v_num < (v_spec ->> 'minimum')::numeric THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'minimum',
            'message', pg_catalog.format('%s must be at least %s', v_key, v_spec ->> 'minimum'));
        END IF;
        IF v_spec ? 'maximum' AND v_num > (v_spec ->> 'maximum')::numeric THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'maximum',
            'message', pg_catalog.format('%s must be at most %s', v_key, v_spec ->> 'maximum'));
        END IF;
      WHEN 'boolean' THEN
        IF v_type <> 'boolean' THEN
          RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'type', 'message', pg_catalog.format('%s must be true or false', v_key));
        END IF;
      WHEN 'json' THEN
        NULL;
      ELSE
        RETURN pg_catalog.jsonb_build_object('field', v_key, 'rule', 'type', 'message', pg_catalog.format('%s has an unknown type', v_key));
    END CASE;
  END LOOP;
  RETURN NULL;
END
$fn$;

-- May the visitor's item be inserted: its collection admits visitors' inserts and the item sets
-- only the fields they may set.
CREATE OR REPLACE FUNCTION public.dramac_widget_visitor_may_insert(p_short text, p_collection text, p_value jsonb)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT coalesce((
    SELECT c.visitor_insert IS NOT NULL AND pg_catalog.jsonb_typeof(p_value) = 'object'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(
            CASE WHEN pg_catalog.jsonb_typeof(p_value) = 'object' THEN p_value ELSE '{}'::jsonb END) k
          WHERE k <> ALL (c.visitor_insert))
    FROM dramac.widget_collections c WHERE c.module_short_id = p_short AND c.collection = p_collection), false)
$fn$;

-- Every item written is checked against its collection's shape, and its visitor-readable part kept.
CREATE OR REPLACE FUNCTION public.dramac_module_data_item() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_config record;
  v_problem jsonb;
BEGIN
  -- A visitor's item that its collection does not admit is refused as the policy would refuse
  -- it, before anything about the collection's shape is said.
  IF pg_catalog.current_setting('role', true) ~ '^modvisitor_' AND TG_OP = 'INSERT'
     AND NOT public.dramac_widget_visitor_may_insert(NEW.module_short_id, NEW.collection, NEW.value) THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'new row violates row-level security policy for table "module_data"';
  END IF;
  SELECT c.fields, c.visitor_read INTO v_config FROM dramac.widget_collections c
  WHERE c.module_short_id = NEW.module_short_id AND c.collection = NEW.collection;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM dramac.widget_collections c WHERE c.module_short_id = NEW.module_short_id) THEN
      RAISE EXCEPTION USING ERRCODE = '23514', COLUMN = 'collection', CONSTRAINT = 'dramac_widget_item',
        MESSAGE = pg_catalog.format('collection %s is not one this widget declares', NEW.collection),
        DETAIL = pg_catalog.jsonb_build_object('rule', 'collection', 'collection', NEW.collection)::text;
    END IF;
    NEW.public_value := NULL;
  ELSE
    v_problem := public.dramac_widget_item_problem(v_config.fields, NEW.value);
    IF v_problem IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '23514', COLUMN = 'value', CONSTRAINT = 'dramac_widget_item',
        MESSAGE = pg_catalog.format('item of %s: %s', NEW.collection, v_problem ->> 'message'),
        DETAIL = (v_problem || pg_catalog.jsonb_build_object('collection', NEW.collection))::text;
    END IF;
    NEW.public_value := CASE WHEN v_config.visitor_read IS NULL THEN NULL ELSE coalesce(
      (SELECT pg_catalog.jsonb_object_agg(e.key, e.value) FROM pg_catalog.jsonb_each(NEW.value) e
       WHERE e.key = ANY (v_config.visitor_read)), '{}'::jsonb) END;
  END IF;
  IF NEW.key IS NULL THEN
    NEW.key := NEW.id::text;
  END IF;
  RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_widget_item_problem(jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.dramac_widget_visitor_may_insert(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.dramac_module_data_item() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dramac_widget_visitor_may_insert(text, text, jsonb) TO dramac_widget_visitors;
GRANT EXECUTE ON FUNCTION public.dramac_widget_item_problem(jsonb, jsonb) TO dramac_platform;
DROP TRIGGER IF EXISTS trg_module_data_item ON public.module_data;
CREATE TRIGGER trg_module_data_item BEFORE INSERT OR UPDATE ON public.module_data
  FOR EACH ROW EXECUTE FUNCTION public.dramac_module_data_item();

-- Which module a request runs as: its data role or its visitor role.
CREATE OR REPLACE FUNCTION public.dramac_current_module_short_id() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT CASE WHEN current_user::text ~ '^mod(role|visitor)_[a-f0-9]{8}$'
    THEN pg_catalog.substr(current_user::text, pg_catalog.strpos(current_user::text, '_') + 1) END
$fn$;

-- Widgets' visitors: the visitor-readable part of their public site's items, and inserts of the
-- fields their collection admits. Never the items' full value.
GRANT SELECT (id, site_id, module_short_id, collection, key, public_value, created_at, updated_at),
  INSERT (site_id, collection, value) ON public.module_data TO dramac_widget_visitors;
CREATE POLICY dramac_visitor_read ON public.module_data AS PERMISSIVE FOR SELECT TO dramac_widget_visitors
  USING (
    module_short_id = (SELECT public.dramac_current_module_short_id())
    AND site_id = (SELECT public.dramac_current_site_id())
    AND public_value IS NOT NULL
    AND (SELECT public.dramac_visitor_can_access_current_site(public.dramac_current_module_short_id()))
  );
CREATE POLICY dramac_visitor_insert ON public.module_data AS PERMISSIVE FOR INSERT TO dramac_widget_visitors
  WITH CHECK (
    module_short_id = (SELECT public.dramac_current_module_short_id())
    AND site_id = (SELECT public.dramac_current_site_id())
    AND (SELECT public.dramac_visitor_can_access_current_site(public.dramac_current_module_short_id()))
    AND public.dramac_widget_visitor_may_insert(module_short_id, collection, value)
  );

-- The platform refreshes items when a collection's shape changes.
GRANT UPDATE ON public.module_data TO dramac_platform;
CREATE POLICY dramac_platform_refresh ON public.module_data AS PERMISSIVE FOR UPDATE TO dramac_platform USING (true) WITH CHECK (true);

-- The fixed step of provisioning and upgrades for widgets: the desired collections, checked
-- (the plan may be hostile), written, and every stored item checked against its new shape.
-- Returns how many items were checked.
CREATE OR REPLACE FUNCTION public.dramac_apply_widget_collections(p_short text, p_collections jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_c jsonb;
  v_name text;
  v_names text[] := '{}';
  v_field text;
  v_spec jsonb;
  v_fields text[];
  v_old record;
  v_read text[];
  v_insert text[];
  v_removed text[];
  v_checked bigint := 0;
  v_n bigint;
BEGIN
  IF p_collections IS NULL THEN
    p_collections := '[]'::jsonb;
  END IF;
  IF pg_catalog.jsonb_typeof(p_collections) <> 'array' OR pg_catalog.jsonb_array_length(p_collections) > 50 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = 'plan collections are not a list of at most 50';
  END IF;
  FOR v_c IN SELECT value FROM pg_catalog.jsonb_array_elements(p_collections) LOOP
    v_name := CASE WHEN pg_catalog.jsonb_typeof(v_c) = 'object' THEN v_c ->> 'name' END;
    IF v_name IS NULL OR v_name !~ '^[a-z_][a-z0-9_]{0,62}$' OR v_name = ANY (v_names)
       OR pg_catalog.jsonb_typeof(v_c -> 'fields') IS DISTINCT FROM 'object'
       OR (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_object_keys(v_c -> 'fields')) NOT BETWEEN 1 AND 100 THEN
      RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('plan collection %L is not a valid collection', v_name);
    END IF;
    v_names := v_names || v_name;
    v_fields := ARRAY(SELECT k FROM pg_catalog.jsonb_object_keys(v_c -> 'fields') k);
    FOR v_field, v_spec IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v_c -> 'fields') e LOOP
      IF v_field !~ '^[a-z_][a-z0-9_]{0,62}$' OR pg_catalog.jsonb_typeof(v_spec) <> 'object'
         OR v_spec ->> 'type' IS NULL OR v_spec ->> 'type' NOT IN ('string', 'integer', 'number', 'boolean', 'json')
         OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(v_spec) k
                    WHERE k NOT IN ('type', 'optional', 'nullable', 'minLength', 'maxLength', 'minimum', 'maximum', 'enum'))
         OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(v_spec) e
                    WHERE (e.key IN ('optional', 'nullable') AND pg_catalog.jsonb_typeof(e.value) <> 'boolean')
                       OR (e.key IN ('minLength', 'maxLength', 'minimum', 'maximum') AND pg_catalog.jsonb_typeof(e.value) <> 'number')
                       OR (e.key = 'enum' AND (pg_catalog.jsonb_typeof(e.value) <> 'array'
                           OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(e.value) x WHERE pg_catalog.jsonb_typeof(x) <> 'string')))) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('plan field %s.%s is not a valid field', v_name, v_field);
      END IF;
    END LOOP;
    FOREACH v_field IN ARRAY ARRAY['visitorRead', 'visitorInsert'] LOOP
      IF pg_catalog.jsonb_typeof(coalesce(v_c -> v_field, 'null'::jsonb)) NOT IN ('null', 'array')
         OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(v_c -> v_field) = 'array' THEN v_c -> v_field ELSE '[]'::jsonb END) x
                    WHERE pg_catalog.jsonb_typeof(x) <> 'string' OR (x #>> '{}') <> ALL (v_fields)) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM001', MESSAGE = pg_catalog.format('plan collection %s: %s names no field of it', v_name, v_field);
      END IF;
    END LOOP;
  END LOOP;

  -- Collections no longer declared: their items and shapes go.
  DELETE FROM public.module_data d WHERE d.module_short_id = p_short
    AND EXISTS (SELECT 1 FROM dramac.widget_collections c WHERE c.module_short_id = p_short AND c.collection = d.collection)
    AND d.collection <> ALL (v_names);
  DELETE FROM dramac.widget_collections c WHERE c.module_short_id = p_short AND c.collection <> ALL (v_names);
  -- Items of a collection never declared (written before the widget declared its shapes).
  IF pg_catalog.cardinality(v_names) > 0 AND EXISTS (
      SELECT 1 FROM public.module_data d WHERE d.module_short_id = p_short AND d.collection <> ALL (v_names)) THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004',
      MESSAGE = pg_catalog.format('module_data holds items of module %s in collections the definition does not declare: %s', p_short,
        (SELECT pg_catalog.string_agg(DISTINCT d.collection, ', ') FROM public.module_data d
         WHERE d.module_short_id = p_short AND d.collection <> ALL (v_names)));
  END IF;

  FOR v_c IN SELECT value FROM pg_catalog.jsonb_array_elements(p_collections) LOOP
    v_name := v_c ->> 'name';
    v_read := CASE WHEN pg_catalog.jsonb_typeof(v_c -> 'visitorRead') = 'array'
      THEN ARRAY(SELECT x FROM pg_catalog.jsonb_array_elements_text(v_c -> 'visitorRead') x) END;
    v_insert := CASE WHEN pg_catalog.jsonb_typeof(v_c -> 'visitorInsert') = 'array'
      THEN ARRAY(SELECT x FROM pg_catalog.jsonb_array_elements_text(v_c -> 'visitorInsert') x) END;
    SELECT c.fields, c.visitor_read, c.visitor_insert INTO v_old FROM dramac.widget_collections c
    WHERE c.module_short_id = p_short AND c.collection = v_name;
    IF FOUND AND v_old.fields = v_c -> 'fields' AND v_old.visitor_read IS NOT DISTINCT FROM v_read
       AND v_old.visitor_insert IS NOT DISTINCT FROM v_insert THEN
      CONTINUE;
    END IF;
    v_removed := CASE WHEN FOUND THEN ARRAY(
      SELECT k FROM pg_catalog.jsonb_object_keys(v_old.fields) k WHERE NOT ((v_c -> 'fields') ? k)) ELSE '{}' END;
    INSERT INTO dramac.widget_collections (module_short_id, collection, fields, visitor_read, visitor_insert)
    VALUES (p_short, v_name, v_c -> 'fields', v_read, v_insert)
    ON CONFLICT (module_short_id, collection) DO UPDATE
      SET fields = EXCLUDED.fields, visitor_read = EXCLUDED.visitor_read, visitor_insert = EXCLUDED.visitor_insert;
    -- Every stored item, checked against the new shape by the item trigger (removed fields taken
    -- out first); one that does not fit fails the whole change.
    UPDATE public.module_data d SET value = d.value - v_removed
    WHERE d.module_short_id = p_short AND d.collection = v_name;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_checked := v_checked + v_n;
  END LOOP;
  RETURN v_checked;
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_apply_widget_collections(text, jsonb) FROM PUBLIC;
`;
