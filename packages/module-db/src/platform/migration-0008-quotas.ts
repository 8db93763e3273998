/**
 * Platform migration 8: quotas and metering per module and per site, enforced by PostgreSQL.
 *
 * - `dramac.quota_limits`: the limits the platform sets (never the module author), with built-in
 *   defaults and per-module, per-site and per-(module, site) overrides. A NULL value is
 *   "unlimited"; the most specific row wins: (module, site), (module), (site), default.
 * - `dramac.quota_usage`: counters per (module, site, table) — per (module, site, collection) for
 *   widgets in `module_data` — plus one total row per (module, site) (`relid = 0`) that carries the
 *   effective limits. Maintained by `public.dramac_count_usage()`, statement-level AFTER triggers
 *   with transition tables on every module table and on `module_data`. The platform attaches them
 *   (`dramac.quota_ensure_triggers`, called by the registry trigger below), never the module's DDL: they are
 *   not part of a module's desired state. As released here, the apply step detached them before a
 *   module's statements ran (`dramac.quota_detach`); since migration 9 they stay on and the
 *   registry trigger puts back exactly the four afterwards. `dramac_read_module_state` leaves them
 *   out; `dramac_quota_trigger_problems` says when one is missing, disabled or altered.
 * - The counting trigger takes the (module, site) total row with an `UPDATE` (its row lock is held
 *   until commit: writers of one module on one site queue there), adds the statement's rows and
 *   bytes, and refuses a module's write that would pass a limit with SQLSTATE `DQ001` (detail: JSON
 *   with the limit, its value, the usage and the scope). Concurrent writers never overshoot.
 * - Bytes are `octet_length(record_send(row))`: the row as PostgreSQL's binary protocol spells it,
 *   the same figure for a row whatever TOAST did with it, so an insert and the delete of the same
 *   row cancel out exactly.
 * - Tables and columns per module are checked when a change is recorded in the registry (install,
 *   upgrade, repair), statement and lock timeouts are set on the module's data, visitor and admin
 *   roles (`ALTER ROLE ... IN DATABASE ... SET`), and the counters of tables a change altered
 *   (columns, triggers) are counted again, all by a trigger on the registry, in the same transaction.
 * - `dramac.usage_calls`: calls and errors per (module, site, minute), flushed by the data client.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0008_QUOTAS = `
-- ---------------------------------------------------------------------------------------------
-- Limits.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE dramac.quota_limits (
  name text NOT NULL CHECK (name IN ('tables', 'columns', 'rows', 'site_bytes', 'module_bytes',
    'statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second')),
  module_short_id text CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  site_id uuid REFERENCES public.sites (id) ON DELETE CASCADE,
  -- NULL: unlimited at this scope.
  value bigint CHECK (value IS NULL OR value >= 0),
  updated_by text,
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT quota_limits_scope UNIQUE NULLS NOT DISTINCT (name, module_short_id, site_id),
  -- What a site can narrow: its rows, its bytes, its calls. The rest is per module.
  CONSTRAINT quota_limits_site_scope CHECK (site_id IS NULL OR name IN ('rows', 'site_bytes', 'calls_per_second')),
  -- A timeout of 0 would switch the timeout off: "unlimited" is NULL.
  CONSTRAINT quota_limits_timeouts CHECK (name NOT IN ('statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second') OR value IS NULL OR value > 0)
);
REVOKE ALL ON dramac.quota_limits FROM PUBLIC;
INSERT INTO dramac.quota_limits (name, value, updated_by) VALUES
  ('tables', 50, 'platform migration 8'),
  ('columns', 1000, 'platform migration 8'),
  ('rows', 1000000, 'platform migration 8'),
  ('site_bytes', 1073741824, 'platform migration 8'),
  ('module_bytes', NULL, 'platform migration 8'),
  ('statement_timeout_ms', 60000, 'platform migration 8'),
  ('lock_timeout_ms', 10000, 'platform migration 8'),
  ('calls_per_second', 1000, 'platform migration 8');

-- ---------------------------------------------------------------------------------------------
-- Counters.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE dramac.quota_usage (
  module_short_id text NOT NULL CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  site_id uuid NOT NULL REFERENCES public.sites (id) ON DELETE CASCADE,
  -- The module table (or module_data); 0 for the (module, site) total.
  relid oid NOT NULL,
  -- A widget's collection in module_data; '' otherwise.
  collection text NOT NULL DEFAULT '',
  row_count bigint NOT NULL DEFAULT 0,
  byte_count bigint NOT NULL DEFAULT 0,
  -- The effective limits, on the total row only: read with the lock that serializes writers.
  max_rows bigint,
  max_bytes bigint,
  max_module_bytes bigint,
  PRIMARY KEY (module_short_id, site_id, relid, collection)
) WITH (fillfactor = 70);
REVOKE ALL ON dramac.quota_usage FROM PUBLIC;
-- The module's total over every site, kept only while the module has a module_bytes limit: every
-- write of the module then updates this one row, so that limit serializes the module's writes.
CREATE TABLE dramac.quota_module_usage (
  module_short_id text PRIMARY KEY CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  row_count bigint NOT NULL DEFAULT 0,
  byte_count bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
REVOKE ALL ON dramac.quota_module_usage FROM PUBLIC;
-- Calls and errors of the data client, per (module, site, minute).
CREATE TABLE dramac.usage_calls (
  module_short_id text NOT NULL CHECK (module_short_id ~ '^[a-f0-9]{8}$'),
  site_id uuid NOT NULL REFERENCES public.sites (id) ON DELETE CASCADE,
  bucket timestamptz NOT NULL,
  calls bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
  errors bigint NOT NULL DEFAULT 0 CHECK (errors >= 0),
  PRIMARY KEY (module_short_id, site_id, bucket)
);
REVOKE ALL ON dramac.usage_calls FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON dramac.quota_limits, dramac.quota_usage, dramac.quota_module_usage,
  dramac.usage_calls TO dramac_platform;

-- ---------------------------------------------------------------------------------------------
-- The effective limit of one kind for a module on a site: the most specific row wins.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dramac.quota_limit(p_name text, p_short text, p_site uuid) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT l.value FROM dramac.quota_limits l
          WHERE l.name = p_name
            AND (l.module_short_id IS NULL OR l.module_short_id = p_short)
            AND (l.site_id IS NULL OR l.site_id = p_site)
          ORDER BY (l.module_short_id IS NULL), (l.site_id IS NULL)
          LIMIT 1);
END
$fn$;

-- Every limit for a module (and a site), as JSON with the names the platform uses.
CREATE OR REPLACE FUNCTION public.dramac_module_limits(p_short text, p_site uuid DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  RETURN (SELECT pg_catalog.jsonb_object_agg(n.name, dramac.quota_limit(n.name, p_short, p_site))
          FROM pg_catalog.unnest(ARRAY['tables', 'columns', 'rows', 'site_bytes', 'module_bytes',
            'statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second']) n(name));
END
$fn$;

-- Refuses a write: SQLSTATE DQ001, the limit, its value, the usage and the scope in DETAIL (JSON).
CREATE OR REPLACE FUNCTION dramac.quota_exceeded(
  p_limit text, p_max bigint, p_usage bigint, p_requested bigint, p_short text, p_site uuid, p_table text
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'DQ001',
    MESSAGE = pg_catalog.format('quota exceeded: module %s%s%s uses %s %s of %s allowed (this statement adds %s)',
      p_short, CASE WHEN p_site IS NULL THEN '' ELSE ' on site ' || p_site::text END,
      CASE WHEN p_table IS NULL THEN '' ELSE ', ' || p_table || ',' END,
      p_usage, CASE WHEN p_limit IN ('site_bytes', 'module_bytes') THEN 'bytes' WHEN p_limit = 'rows' THEN 'rows' ELSE p_limit END,
      p_max, p_requested),
    DETAIL = pg_catalog.jsonb_build_object('limit', p_limit, 'max', p_max, 'usage', p_usage, 'requested', p_requested,
      'module', p_short, 'site', p_site, 'table', p_table)::text,
    HINT = 'the platform sets this limit (dramac.quota_limits); delete rows, or ask for a higher limit';
END
$fn$;

-- Adds a statement's rows and bytes of one (module, site, table or collection) to its counters,
-- and (p_enforce) refuses it when a limit would be passed. Locks in one order: the (module, site)
-- total, the module's total (only while it has a module_bytes limit), the table's counter.
CREATE OR REPLACE FUNCTION dramac.quota_add(
  p_short text, p_site uuid, p_relid oid, p_collection text, p_table text,
  p_rows bigint, p_bytes bigint, p_enforce boolean
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_total record;
  v_rows bigint;
  v_module bigint;
BEGIN
  IF p_rows = 0 AND p_bytes = 0 THEN
    RETURN;
  END IF;
  -- The total row's lock is held until commit: every writer of this module on this site waits
  -- here for the one before it, then adds to what that one committed.
  UPDATE dramac.quota_usage u SET row_count = u.row_count + p_rows, byte_count = u.byte_count + p_bytes
  WHERE u.module_short_id = p_short AND u.site_id = p_site AND u.relid = 0 AND u.collection = ''
  RETURNING u.byte_count, u.max_rows, u.max_bytes, u.max_module_bytes INTO v_total;
  IF NOT FOUND THEN
    -- Rows removed where nothing is counted: the site is being deleted (its counters went first).
    IF p_rows < 0 OR (p_rows = 0 AND p_bytes <= 0) THEN
      RETURN;
    END IF;
    -- The module's first rows on this site: its limits are read under a shared lock, which a
    -- change of limits takes exclusively before it refreshes the total rows.
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(dramac.lock_key('dramac.quota_limits'));
    INSERT INTO dramac.quota_usage (module_short_id, site_id, relid, collection, max_rows, max_bytes, max_module_bytes)
    VALUES (p_short, p_site, 0, '', dramac.quota_limit('rows', p_short, p_site),
      dramac.quota_limit('site_bytes', p_short, p_site), dramac.quota_limit('module_bytes', p_short, NULL))
    ON CONFLICT DO NOTHING;
    UPDATE dramac.quota_usage u SET row_count = u.row_count + p_rows, byte_count = u.byte_count + p_bytes
    WHERE u.module_short_id = p_short AND u.site_id = p_site AND u.relid = 0 AND u.collection = ''
    RETURNING u.byte_count, u.max_rows, u.max_bytes, u.max_module_bytes INTO v_total;
  END IF;
  IF p_enforce AND p_bytes > 0 AND v_total.byte_count > v_total.max_bytes THEN
    PERFORM dramac.quota_exceeded('site_bytes', v_total.max_bytes, v_total.byte_count - p_bytes, p_bytes, p_short, p_site, NULL);
  END IF;
  IF v_total.max_module_bytes IS NOT NULL THEN
    UPDATE dramac.quota_module_usage m SET row_count = m.row_count + p_rows, byte_count = m.byte_count + p_bytes
    WHERE m.module_short_id = p_short RETURNING m.byte_count INTO v_module;
    IF NOT FOUND THEN
      -- The limit was set before the module wrote anything: its total is the sum of the sites'.
      INSERT INTO dramac.quota_module_usage (module_short_id, row_count, byte_count)
      SELECT p_short, coalesce(pg_catalog.sum(u.row_count), 0), coalesce(pg_catalog.sum(u.byte_count), 0)
      FROM dramac.quota_usage u WHERE u.module_short_id = p_short AND u.relid = 0
      ON CONFLICT (module_short_id) DO UPDATE SET row_count = dramac.quota_module_usage.row_count + p_rows,
        byte_count = dramac.quota_module_usage.byte_count + p_bytes
      RETURNING byte_count INTO v_module;
    END IF;
    IF p_enforce AND p_bytes > 0 AND v_module > v_total.max_module_bytes THEN
      PERFORM dramac.quota_exceeded('module_bytes', v_total.max_module_bytes, v_module - p_bytes, p_bytes, p_short, NULL, NULL);
    END IF;
  END IF;
  UPDATE dramac.quota_usage u SET row_count = u.row_count + p_rows, byte_count = u.byte_count + p_bytes
  WHERE u.module_short_id = p_short AND u.site_id = p_site AND u.relid = p_relid AND u.collection = p_collection
  RETURNING u.row_count INTO v_rows;
  IF NOT FOUND THEN
    INSERT INTO dramac.quota_usage (module_short_id, site_id, relid, collection, row_count, byte_count)
    VALUES (p_short, p_site, p_relid, p_collection, p_rows, p_bytes)
    RETURNING row_count INTO v_rows;
  END IF;
  IF p_enforce AND p_rows > 0 AND v_rows > v_total.max_rows THEN
    PERFORM dramac.quota_exceeded('rows', v_total.max_rows, v_rows - p_rows, p_rows, p_short, p_site, p_table);
  END IF;
END
$fn$;

-- Forgets what was counted for one relation of a module (truncated, dropped, or about to be
-- counted again): its rows go and the totals lose what they held.
CREATE OR REPLACE FUNCTION dramac.quota_forget(p_short text, p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT u.site_id, pg_catalog.sum(u.row_count)::bigint AS n, pg_catalog.sum(u.byte_count)::bigint AS b
    FROM dramac.quota_usage u WHERE u.module_short_id = p_short AND u.relid = p_relid
    GROUP BY u.site_id ORDER BY u.site_id
  LOOP
    UPDATE dramac.quota_usage u SET row_count = u.row_count - r.n, byte_count = u.byte_count - r.b
    WHERE u.module_short_id = p_short AND u.site_id = r.site_id AND u.relid = 0 AND u.collection = '';
    UPDATE dramac.quota_module_usage m SET row_count = m.row_count - r.n, byte_count = m.byte_count - r.b
    WHERE m.module_short_id = p_short;
    DELETE FROM dramac.quota_usage u WHERE u.module_short_id = p_short AND u.site_id = r.site_id AND u.relid = p_relid;
  END LOOP;
END
$fn$;

-- Counts one relation of a module again from its rows (module_data: the module's items), under a
-- lock that keeps writers out meanwhile.
CREATE OR REPLACE FUNCTION dramac.quota_recount(p_short text, p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r record;
  v_table text;
BEGIN
  IF p_relid = 'public.module_data'::pg_catalog.regclass THEN
    LOCK TABLE public.module_data IN SHARE MODE;
    PERFORM dramac.quota_forget(p_short, p_relid);
    FOR r IN
      SELECT d.site_id, d.collection, pg_catalog.count(*) AS n,
        pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(d)))::bigint AS b
      FROM public.module_data d WHERE d.module_short_id = p_short
      GROUP BY d.site_id, d.collection ORDER BY d.site_id, d.collection
    LOOP
      PERFORM dramac.quota_add(p_short, r.site_id, p_relid, r.collection, r.collection, r.n, r.b, false);
    END LOOP;
    RETURN;
  END IF;
  v_table := dramac.quota_table_name(p_relid);
  EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', p_relid::pg_catalog.regclass);
  PERFORM dramac.quota_forget(p_short, p_relid);
  FOR r IN EXECUTE pg_catalog.format(
      'SELECT t.site_id, pg_catalog.count(*) AS n, pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(t)))::bigint AS b '
      'FROM %s t GROUP BY t.site_id ORDER BY t.site_id', p_relid::pg_catalog.regclass)
  LOOP
    PERFORM dramac.quota_add(p_short, r.site_id, p_relid, '', v_table, r.n, r.b, false);
  END LOOP;
END
$fn$;

-- A module table's declared name: the table in a module schema, the name after mod_<id>_ in public.
CREATE OR REPLACE FUNCTION dramac.quota_table_name(p_relid oid) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v record;
BEGIN
  SELECT c.relname::text AS rel, n.nspname::text AS nsp INTO v
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = p_relid;
  RETURN CASE WHEN v.nsp = 'public' AND v.rel ~ '^mod_[a-f0-9]{8}_' THEN pg_catalog.substr(v.rel, 14) ELSE v.rel END;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- The counting trigger: one statement-level AFTER trigger per event on every module table (and on
-- module_data), with transition tables named dramac_old and dramac_new. Owned by the migration
-- user, like the platform's other trigger functions, to write the counters no module role reads.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.dramac_count_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_enforce boolean;
  v_short text;
  v_table text;
  r record;
BEGIN
  IF TG_RELID = 'public.module_data'::pg_catalog.regclass THEN
    IF TG_OP = 'TRUNCATE' THEN
      FOR r IN SELECT DISTINCT u.module_short_id FROM dramac.quota_usage u WHERE u.relid = TG_RELID LOOP
        PERFORM dramac.quota_forget(r.module_short_id, TG_RELID);
      END LOOP;
      RETURN NULL;
    END IF;
  ELSE
    v_short := pg_catalog.substr(CASE WHEN TG_TABLE_SCHEMA = 'public' THEN TG_TABLE_NAME ELSE TG_TABLE_SCHEMA END, 5, 8);
    IF v_short !~ '^[a-f0-9]{8}$' OR (TG_TABLE_SCHEMA <> 'public' AND TG_TABLE_SCHEMA <> 'mod_' || v_short)
       OR (TG_TABLE_SCHEMA = 'public' AND pg_catalog.left(TG_TABLE_NAME, 13) <> 'mod_' || v_short || '_') THEN
      RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = pg_catalog.format('%I.%I is not a module table', TG_TABLE_SCHEMA, TG_TABLE_NAME);
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
      PERFORM dramac.quota_forget(v_short, TG_RELID);
      RETURN NULL;
    END IF;
    v_table := CASE WHEN TG_TABLE_SCHEMA = 'public' THEN pg_catalog.substr(TG_TABLE_NAME, 14) ELSE TG_TABLE_NAME END;
  END IF;
  -- A module's own writes (its data, visitor and admin roles) are held to its limits; the
  -- platform's (backfills of upgrades, purges, refreshes of widget items) are counted, never refused.
  v_enforce := pg_catalog.current_setting('role', true) ~ '^mod(role|visitor|admin)_[a-f0-9]{8}$';
  IF v_short IS NULL THEN
    -- Widgets: per (module, site, collection) of module_data. (A transition table exists only
    -- for the events that have it: each event reads its own.)
    IF TG_OP = 'INSERT' THEN
      FOR r IN
        SELECT w.module_short_id AS m, w.site_id AS s, w.collection AS c, pg_catalog.count(*) AS n,
          pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(w)))::bigint AS b
        FROM dramac_new w GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      LOOP
        PERFORM dramac.quota_add(r.m, r.s, TG_RELID, r.c, r.c, r.n, r.b, v_enforce);
      END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
      FOR r IN
        SELECT o.module_short_id AS m, o.site_id AS s, o.collection AS c, pg_catalog.count(*) AS n,
          pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(o)))::bigint AS b
        FROM dramac_old o GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      LOOP
        PERFORM dramac.quota_add(r.m, r.s, TG_RELID, r.c, r.c, -r.n, -r.b, false);
      END LOOP;
    ELSE
      FOR r IN
        SELECT x.m, x.s, x.c, pg_catalog.sum(x.n)::bigint AS n, pg_catalog.sum(x.b)::bigint AS b FROM (
          SELECT o.module_short_id AS m, o.site_id AS s, o.collection AS c, -1 AS n,
            -pg_catalog.octet_length(pg_catalog.record_send(o)) AS b FROM dramac_old o
          UNION ALL
          SELECT w.module_short_id, w.site_id, w.collection, 1, pg_catalog.octet_length(pg_catalog.record_send(w)) FROM dramac_new w) x
        GROUP BY x.m, x.s, x.c ORDER BY x.m, x.s, x.c
      LOOP
        PERFORM dramac.quota_add(r.m, r.s, TG_RELID, r.c, r.c, r.n, r.b, v_enforce);
      END LOOP;
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    FOR r IN
      SELECT w.site_id AS s, pg_catalog.count(*) AS n,
        pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(w)))::bigint AS b
      FROM dramac_new w GROUP BY w.site_id ORDER BY w.site_id
    LOOP
      PERFORM dramac.quota_add(v_short, r.s, TG_RELID, '', v_table, r.n, r.b, v_enforce);
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR r IN
      SELECT o.site_id AS s, pg_catalog.count(*) AS n,
        pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(o)))::bigint AS b
      FROM dramac_old o GROUP BY o.site_id ORDER BY o.site_id
    LOOP
      PERFORM dramac.quota_add(v_short, r.s, TG_RELID, '', v_table, -r.n, -r.b, false);
    END LOOP;
  ELSE
    FOR r IN
      SELECT x.s, pg_catalog.sum(x.n)::bigint AS n, pg_catalog.sum(x.b)::bigint AS b FROM (
        SELECT o.site_id AS s, -1 AS n, -pg_catalog.octet_length(pg_catalog.record_send(o)) AS b FROM dramac_old o
        UNION ALL
        SELECT w.site_id, 1, pg_catalog.octet_length(pg_catalog.record_send(w)) FROM dramac_new w) x
      GROUP BY x.s ORDER BY x.s
    LOOP
      PERFORM dramac.quota_add(v_short, r.s, TG_RELID, '', v_table, r.n, r.b, v_enforce);
    END LOOP;
  END IF;
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION public.dramac_count_usage() FROM PUBLIC;
-- Only the platform attaches it (dramac.quota_ensure_triggers): a module's DDL, run as its owner role,
-- cannot create a trigger calling it, so a trigger calling it is always the platform's.
GRANT EXECUTE ON FUNCTION public.dramac_count_usage() TO dramac_platform;

-- module_data: the widgets' rows, counted per (module, site, collection).
CREATE TRIGGER dramac_quota_insert AFTER INSERT ON public.module_data
  REFERENCING NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage();
CREATE TRIGGER dramac_quota_update AFTER UPDATE ON public.module_data
  REFERENCING OLD TABLE AS dramac_old NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage();
CREATE TRIGGER dramac_quota_delete AFTER DELETE ON public.module_data
  REFERENCING OLD TABLE AS dramac_old FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage();
CREATE TRIGGER dramac_quota_truncate AFTER TRUNCATE ON public.module_data
  FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage();

-- The four counting triggers on one module table.
CREATE OR REPLACE FUNCTION dramac.quota_ensure_triggers(p_rel oid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_rel text := p_rel::pg_catalog.regclass::text;
BEGIN
  -- Present and enabled: nothing to do, and no lock on the table (CREATE OR REPLACE TRIGGER takes
  -- SHARE ROW EXCLUSIVE until commit: every writer of the table would wait).
  IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid = p_rel AND t.tgenabled = 'O'
        AND t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure
        AND t.tgname IN ('dramac_quota_insert', 'dramac_quota_update', 'dramac_quota_delete', 'dramac_quota_truncate')) = 4 THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER dramac_quota_insert AFTER INSERT ON %s '
    'REFERENCING NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER dramac_quota_update AFTER UPDATE ON %s '
    'REFERENCING OLD TABLE AS dramac_old NEW TABLE AS dramac_new FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER dramac_quota_delete AFTER DELETE ON %s '
    'REFERENCING OLD TABLE AS dramac_old FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
  EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER dramac_quota_truncate AFTER TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION public.dramac_count_usage()', v_rel);
END
$fn$;

-- The module's tables (prefix and schema strategies) as the registry lists them, by oid.
CREATE OR REPLACE FUNCTION dramac.quota_module_relations(p_short text) RETURNS oid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_reg record;
BEGIN
  SELECT r.strategy, r.schema_name, r.table_names INTO v_reg FROM public.module_database_registry r WHERE r.module_short_id = p_short;
  IF NOT FOUND OR v_reg.strategy = 'shared' THEN
    RETURN '{}';
  END IF;
  RETURN ARRAY(SELECT x FROM (
      SELECT pg_catalog.to_regclass(CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, n)
        ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || p_short || '_' || n) END)::oid AS x
      FROM pg_catalog.unnest(v_reg.table_names) n) t WHERE x IS NOT NULL);
END
$fn$;

-- Removes the counting triggers from a module's tables, and its roles' timeouts, before its DDL
-- runs (install, upgrade, repair): the statements then cannot alter or disable them, and the end-state check sees the
-- tables as the definition describes them. DROP TRIGGER holds SHARE ROW EXCLUSIVE on each table
-- until commit, so no module write slips in uncounted before the registry trigger attaches them
-- again (dramac.quota_after_registry_change), in the same transaction.
CREATE OR REPLACE FUNCTION dramac.quota_detach(p_short text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  g record;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  FOR g IN SELECT t.tgname::text AS name, t.tgrelid FROM pg_catalog.pg_trigger t
           WHERE t.tgrelid = ANY (dramac.quota_module_relations(p_short))
             AND t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure
           ORDER BY t.tgrelid, t.tgname LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', g.name, g.tgrelid::pg_catalog.regclass);
  END LOOP;
  -- The roles' timeouts likewise: the end-state check wants module roles without settings.
  FOR g IN SELECT r.rolname::text AS name FROM pg_catalog.pg_roles r
           WHERE r.rolname IN ('modrole_' || p_short, 'modvisitor_' || p_short, 'modadmin_' || p_short)
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
                         WHERE s.setrole = r.oid AND d.datname = pg_catalog.current_database())
           ORDER BY 1 LOOP
    -- By the module's role manager, which administers its roles (sql-role-managers.ts); the
    -- platform itself for roles it created before role managers existed.
    BEGIN
      PERFORM public.dramac_module_roles('settings', p_short, NULL, g.name, NULL);
    EXCEPTION WHEN insufficient_privilege THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET ALL', g.name, pg_catalog.current_database());
    END;
  END LOOP;
END
$fn$;

-- What is wrong with a module's counting triggers (missing, disabled, altered), as JSON problems
-- in the shape drift reports use; empty when they are as the platform attaches them.
CREATE OR REPLACE FUNCTION public.dramac_quota_trigger_problems(p_short text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_rel oid;
  v_want record;
  v_problems jsonb := '[]';
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  FOREACH v_rel IN ARRAY dramac.quota_module_relations(p_short) LOOP
    -- tgtype: statement level (no bit 1), AFTER (no bit 2), the event's bit.
    FOR v_want IN SELECT * FROM (VALUES ('dramac_quota_insert', 4, false, true), ('dramac_quota_update', 16, true, true),
        ('dramac_quota_delete', 8, true, false), ('dramac_quota_truncate', 32, false, false)) w(name, tgtype, old_table, new_table) LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = v_rel AND t.tgname = v_want.name
          AND t.tgfoid = 'public.dramac_count_usage()'::pg_catalog.regprocedure AND t.tgtype = v_want.tgtype
          AND t.tgenabled = 'O' AND t.tgqual IS NULL AND t.tgnargs = 0
          AND (t.tgoldtable IS NOT DISTINCT FROM CASE WHEN v_want.old_table THEN 'dramac_old' END)
          AND (t.tgnewtable IS NOT DISTINCT FROM CASE WHEN v_want.new_table THEN 'dramac_new' END)) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'quota_trigger', 'table', v_rel::pg_catalog.regclass::text,
          'object', v_want.name, 'message', pg_catalog.format('the quota counting trigger %s on %s is missing, disabled or altered',
            v_want.name, v_rel::pg_catalog.regclass));
      END IF;
    END LOOP;
  END LOOP;
  RETURN v_problems;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Statement and lock timeouts of a module's data, visitor and admin roles. PostgREST applies a
-- role's settings when it switches to it; the Postgres transport sets them per transaction.
-- ---------------------------------------------------------------------------------------------
-- The settings a module role must have in this database (sorted), or NULL for none.
CREATE OR REPLACE FUNCTION dramac.quota_role_settings(p_role text) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_short text;
  v_lock bigint;
  v_statement bigint;
  v_out text[] := '{}';
BEGIN
  IF p_role IS NULL OR p_role !~ '^mod(role|visitor|admin)_[a-f0-9]{8}$' THEN
    RETURN NULL;
  END IF;
  v_short := pg_catalog.substr(p_role, pg_catalog.strpos(p_role, '_') + 1);
  v_lock := dramac.quota_limit('lock_timeout_ms', v_short, NULL);
  v_statement := dramac.quota_limit('statement_timeout_ms', v_short, NULL);
  IF v_lock IS NOT NULL THEN
    v_out := v_out || ('lock_timeout=' || v_lock::text);
  END IF;
  IF v_statement IS NOT NULL THEN
    v_out := v_out || ('statement_timeout=' || v_statement::text);
  END IF;
  RETURN CASE WHEN pg_catalog.cardinality(v_out) = 0 THEN NULL ELSE v_out END;
END
$fn$;

-- Gives a module's roles the settings they must have (in this database only). Owned by
-- dramac_platform, which created the roles (CREATEROLE, and ADMIN OPTION on PostgreSQL 16+).
CREATE OR REPLACE FUNCTION dramac.quota_apply_role_settings(p_short text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_role text;
  v_oid oid;
  v_want text[];
  v_have text[];
  v_setting text;
  v_db oid := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database());
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  FOREACH v_role IN ARRAY ARRAY['modrole_' || p_short, 'modvisitor_' || p_short, 'modadmin_' || p_short] LOOP
    SELECT r.oid INTO v_oid FROM pg_catalog.pg_roles r WHERE r.rolname = v_role;
    CONTINUE WHEN v_oid IS NULL;
    v_want := dramac.quota_role_settings(v_role);
    v_have := (SELECT ARRAY(SELECT x FROM pg_catalog.unnest(s.setconfig) x ORDER BY x)
               FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = v_oid AND s.setdatabase = v_db);
    CONTINUE WHEN v_have IS NOT DISTINCT FROM v_want;
    -- By the module's role manager, which administers its roles (sql-role-managers.ts); the
    -- platform itself for roles it created before role managers existed.
    BEGIN
      PERFORM public.dramac_module_roles('settings', p_short, NULL, v_role, v_want);
    EXCEPTION WHEN insufficient_privilege THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET ALL', v_role, pg_catalog.current_database());
      FOREACH v_setting IN ARRAY coalesce(v_want, '{}') LOOP
        -- name=<integer>: names from the fixed list above, values integers.
        EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET %I = %s', v_role, pg_catalog.current_database(),
          pg_catalog.split_part(v_setting, '=', 1), pg_catalog.split_part(v_setting, '=', 2)::bigint);
      END LOOP;
    END;
  END LOOP;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- The registry records every install, upgrade and repair (in the same transaction as the DDL):
-- check the module's size limits, set its roles' timeouts, and count again what the change altered.
-- ---------------------------------------------------------------------------------------------
-- True when a catalog row was written by this transaction (or one of its subtransactions): its
-- creator is still in progress and the row is visible, so it can only be ours.
CREATE OR REPLACE FUNCTION dramac.written_here(p_xmin xid) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_top bigint := pg_catalog.pg_current_xact_id_if_assigned()::text::bigint;
  v_x bigint := p_xmin::text::bigint;
BEGIN
  IF v_top IS NULL OR v_x < (v_top & 4294967295) THEN
    RETURN false;
  END IF;
  RETURN pg_catalog.pg_xact_status((((v_top >> 32) << 32) + v_x)::text::xid8) = 'in progress';
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
    -- 3. Counters of tables the change dropped go. A table the change altered (a column added,
    -- dropped or retyped changes every row's size; a TRUNCATE or a migration step's writes ran
    -- while the counting triggers were detached) is counted again; the others are exact already.
    FOR v_rel IN SELECT DISTINCT u.relid FROM dramac.quota_usage u
                 WHERE u.module_short_id = v_short AND u.relid <> 0 AND u.relid <> ALL (v_rels) LOOP
      PERFORM dramac.quota_forget(v_short, v_rel);
    END LOOP;
    FOREACH v_rel IN ARRAY v_rels LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = v_rel AND dramac.written_here(c.xmin))
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = v_rel AND a.attnum > 0 AND dramac.written_here(a.xmin))
         OR pg_catalog.pg_stat_get_xact_tuples_inserted(v_rel) + pg_catalog.pg_stat_get_xact_tuples_updated(v_rel)
            + pg_catalog.pg_stat_get_xact_tuples_deleted(v_rel) > 0 THEN
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

-- ---------------------------------------------------------------------------------------------
-- Entry points for the platform (dramac_provisioner): limits, usage, recount.
-- ---------------------------------------------------------------------------------------------
-- Sets (p_mode 'set', p_value NULL = unlimited) or removes (p_mode 'default') one limit at one
-- scope, then refreshes what depends on it: the effective limits on the total rows, the module
-- totals of modules with a module_bytes limit, the module roles' timeouts. Returns the rows of the
-- scope's effective limits.
CREATE OR REPLACE FUNCTION public.dramac_set_quota_limit(
  p_name text, p_module_short_id text, p_site_id uuid, p_value bigint, p_mode text DEFAULT 'set', p_actor text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_builtin jsonb := '{"tables": 50, "columns": 1000, "rows": 1000000, "site_bytes": 1073741824, "module_bytes": null,
    "statement_timeout_ms": 60000, "lock_timeout_ms": 10000, "calls_per_second": 1000}';
  v_short text;
BEGIN
  IF p_name IS NULL OR NOT (v_builtin ? p_name) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a quota limit (%s)', p_name,
      (SELECT pg_catalog.string_agg(k, ', ') FROM pg_catalog.jsonb_object_keys(v_builtin) k));
  END IF;
  IF p_module_short_id IS NOT NULL AND p_module_short_id !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_module_short_id);
  END IF;
  IF p_mode IS NULL OR p_mode NOT IN ('set', 'default') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('mode %L is not set or default', p_mode);
  END IF;
  IF p_site_id IS NOT NULL AND p_name NOT IN ('rows', 'site_bytes', 'calls_per_second') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%s is a limit per module: it has no per-site value', p_name);
  END IF;
  IF p_site_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.sites s WHERE s.id = p_site_id) THEN
    RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = pg_catalog.format('site %s does not exist', p_site_id);
  END IF;
  IF p_mode = 'set' AND p_value IS NOT NULL AND (p_value < 0
     OR (p_value = 0 AND p_name IN ('statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second'))) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%s must be %s (null: unlimited)', p_name,
      CASE WHEN p_name IN ('statement_timeout_ms', 'lock_timeout_ms', 'calls_per_second') THEN 'positive' ELSE 'zero or more' END);
  END IF;
  -- Writers that create a total row read the limits under the shared side of this lock.
  PERFORM pg_catalog.pg_advisory_xact_lock(dramac.lock_key('dramac.quota_limits'));
  IF p_mode = 'default' AND p_module_short_id IS NULL AND p_site_id IS NULL THEN
    -- The default scope always has a row: back to the built-in value.
    UPDATE dramac.quota_limits SET value = (v_builtin ->> p_name)::bigint, updated_by = p_actor, updated_at = pg_catalog.now()
    WHERE name = p_name AND module_short_id IS NULL AND site_id IS NULL;
  ELSIF p_mode = 'default' THEN
    DELETE FROM dramac.quota_limits l WHERE l.name = p_name AND l.module_short_id IS NOT DISTINCT FROM p_module_short_id
      AND l.site_id IS NOT DISTINCT FROM p_site_id;
  ELSE
    INSERT INTO dramac.quota_limits (name, module_short_id, site_id, value, updated_by)
    VALUES (p_name, p_module_short_id, p_site_id, p_value, p_actor)
    ON CONFLICT ON CONSTRAINT quota_limits_scope DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,
      updated_at = pg_catalog.now();
  END IF;
  -- The effective limits kept on the total rows of the (module, site) pairs in scope.
  IF p_name IN ('rows', 'site_bytes', 'module_bytes') THEN
    UPDATE dramac.quota_usage u
    SET max_rows = dramac.quota_limit('rows', u.module_short_id, u.site_id),
        max_bytes = dramac.quota_limit('site_bytes', u.module_short_id, u.site_id),
        max_module_bytes = dramac.quota_limit('module_bytes', u.module_short_id, NULL)
    WHERE u.relid = 0 AND (p_module_short_id IS NULL OR u.module_short_id = p_module_short_id)
      AND (p_site_id IS NULL OR u.site_id = p_site_id);
    -- Module totals: kept while a module has a module_bytes limit, counted from its sites when
    -- one is set (every total row of those modules is locked by the UPDATE above).
    DELETE FROM dramac.quota_module_usage m WHERE NOT EXISTS (
      SELECT 1 FROM dramac.quota_usage u WHERE u.module_short_id = m.module_short_id AND u.relid = 0 AND u.max_module_bytes IS NOT NULL);
    INSERT INTO dramac.quota_module_usage (module_short_id, row_count, byte_count)
    SELECT u.module_short_id, pg_catalog.sum(u.row_count), pg_catalog.sum(u.byte_count) FROM dramac.quota_usage u
    WHERE u.relid = 0 AND u.max_module_bytes IS NOT NULL GROUP BY u.module_short_id
    ON CONFLICT (module_short_id) DO NOTHING;
  ELSIF p_name IN ('statement_timeout_ms', 'lock_timeout_ms') THEN
    FOR v_short IN SELECT r.module_short_id FROM public.module_database_registry r
                   WHERE p_module_short_id IS NULL OR r.module_short_id = p_module_short_id ORDER BY 1 LOOP
      PERFORM dramac.quota_apply_role_settings(v_short);
    END LOOP;
  END IF;
  RETURN (SELECT pg_catalog.jsonb_build_object('name', p_name, 'module', p_module_short_id, 'site', p_site_id,
    'value', dramac.quota_limit(p_name, coalesce(p_module_short_id, '00000000'), p_site_id)));
END
$fn$;

-- The configured limit rows (every scope), for reports.
CREATE OR REPLACE FUNCTION public.dramac_quota_limits()
RETURNS TABLE (name text, module_short_id text, site_id uuid, value bigint, updated_by text, updated_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN QUERY SELECT l.name, l.module_short_id, l.site_id, l.value, l.updated_by, l.updated_at
    FROM dramac.quota_limits l ORDER BY l.name, l.module_short_id NULLS FIRST, l.site_id NULLS FIRST;
END
$fn$;

-- The counters of one module: per site, per table (or collection). relation is the table's
-- regclass text, '' for a site's total row.
CREATE OR REPLACE FUNCTION public.dramac_module_usage(p_short text)
RETURNS TABLE (site_id uuid, relation text, collection text, row_count bigint, byte_count bigint,
  max_rows bigint, max_bytes bigint, max_module_bytes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  RETURN QUERY SELECT u.site_id, CASE WHEN u.relid = 0 THEN '' ELSE dramac.quota_table_name(u.relid) END,
      u.collection, u.row_count, u.byte_count, u.max_rows, u.max_bytes, u.max_module_bytes
    FROM dramac.quota_usage u WHERE u.module_short_id = p_short
    ORDER BY u.site_id, u.relid <> 0, 2, u.collection;
END
$fn$;

-- The same figures read from the module's rows now (every row is read): what the counters must be.
CREATE OR REPLACE FUNCTION public.dramac_module_exact_usage(p_short text, p_site uuid DEFAULT NULL)
RETURNS TABLE (site_id uuid, relation text, collection text, row_count bigint, byte_count bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_reg record;
  v_name text;
  v_rel oid;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  SELECT r.strategy, r.schema_name, r.table_names INTO v_reg FROM public.module_database_registry r WHERE r.module_short_id = p_short;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF v_reg.strategy = 'shared' THEN
    RETURN QUERY SELECT d.site_id, 'module_data'::text, d.collection, pg_catalog.count(*),
        pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(d)))::bigint
      FROM public.module_data d WHERE d.module_short_id = p_short AND (p_site IS NULL OR d.site_id = p_site)
      GROUP BY d.site_id, d.collection ORDER BY 1, 3;
    RETURN;
  END IF;
  FOREACH v_name IN ARRAY v_reg.table_names LOOP
    v_rel := pg_catalog.to_regclass(CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, v_name)
      ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || p_short || '_' || v_name) END);
    CONTINUE WHEN v_rel IS NULL;
    RETURN QUERY EXECUTE pg_catalog.format(
      'SELECT t.site_id, %L::text, ''''::text, pg_catalog.count(*), pg_catalog.sum(pg_catalog.octet_length(pg_catalog.record_send(t)))::bigint '
      'FROM %s t WHERE $1 IS NULL OR t.site_id = $1 GROUP BY t.site_id ORDER BY 1', v_name, v_rel::pg_catalog.regclass) USING p_site;
  END LOOP;
END
$fn$;

-- How much disk each of the module's tables takes (table, indexes, TOAST; every site).
CREATE OR REPLACE FUNCTION public.dramac_module_disk_usage(p_short text)
RETURNS TABLE (relation text, total_bytes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_reg record;
  v_name text;
  v_rel oid;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  SELECT r.strategy, r.schema_name, r.table_names INTO v_reg FROM public.module_database_registry r WHERE r.module_short_id = p_short;
  IF NOT FOUND OR v_reg.strategy = 'shared' THEN
    RETURN;
  END IF;
  FOREACH v_name IN ARRAY v_reg.table_names LOOP
    v_rel := pg_catalog.to_regclass(CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, v_name)
      ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || p_short || '_' || v_name) END);
    CONTINUE WHEN v_rel IS NULL;
    relation := v_name;
    total_bytes := pg_catalog.pg_total_relation_size(v_rel);
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- Counts a module's rows again (every table, or its items in module_data) and returns what the
-- counters said before, per site and table, where they differed.
CREATE OR REPLACE FUNCTION public.dramac_quota_recount(p_short text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_reg record;
  v_name text;
  v_rel oid;
  v_before jsonb;
  v_after jsonb;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  PERFORM public.dramac_lock_module(p_short);
  SELECT r.strategy, r.schema_name, r.table_names INTO v_reg FROM public.module_database_registry r WHERE r.module_short_id = p_short;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'DM005', MESSAGE = pg_catalog.format('module %s is not provisioned', p_short);
  END IF;
  v_before := (SELECT coalesce(pg_catalog.jsonb_object_agg(u.site_id::text || '/' || u.relid::text || '/' || u.collection,
      pg_catalog.jsonb_build_array(u.row_count, u.byte_count)), '{}'::jsonb) FROM dramac.quota_usage u WHERE u.module_short_id = p_short);
  IF v_reg.strategy = 'shared' THEN
    PERFORM dramac.quota_recount(p_short, 'public.module_data'::pg_catalog.regclass);
  ELSE
    FOREACH v_name IN ARRAY v_reg.table_names LOOP
      v_rel := pg_catalog.to_regclass(CASE WHEN v_reg.strategy = 'schema' THEN pg_catalog.format('%I.%I', v_reg.schema_name, v_name)
        ELSE pg_catalog.format('%I.%I', 'public', 'mod_' || p_short || '_' || v_name) END);
      CONTINUE WHEN v_rel IS NULL;
      PERFORM dramac.quota_recount(p_short, v_rel);
    END LOOP;
  END IF;
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

-- ---------------------------------------------------------------------------------------------
-- Metering: calls and errors of the data client, per (module, site, minute), flushed in batches.
-- ---------------------------------------------------------------------------------------------
-- p_batch: [{"module": "<short id>", "site": "<uuid>", "at": "<ISO time>", "calls": n, "errors": n}, ...]
CREATE OR REPLACE FUNCTION public.dramac_record_calls(p_batch jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_n integer;
BEGIN
  IF p_batch IS NULL OR pg_catalog.jsonb_typeof(p_batch) <> 'array' OR pg_catalog.jsonb_array_length(p_batch) > 10000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the batch is not a list of at most 10000 entries';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(p_batch) e
             WHERE pg_catalog.jsonb_typeof(e) <> 'object'
                OR coalesce(e ->> 'module', '') !~ '^[a-f0-9]{8}$'
                OR coalesce(e ->> 'site', '') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                OR pg_catalog.jsonb_typeof(e -> 'calls') IS DISTINCT FROM 'number'
                OR pg_catalog.jsonb_typeof(e -> 'errors') IS DISTINCT FROM 'number'
                OR pg_catalog.jsonb_typeof(e -> 'at') IS DISTINCT FROM 'string'
                OR (e ->> 'calls')::numeric NOT BETWEEN 0 AND 1000000000
                OR (e ->> 'errors')::numeric NOT BETWEEN 0 AND (e ->> 'calls')::numeric
                OR (e ->> 'calls')::numeric <> pg_catalog.trunc((e ->> 'calls')::numeric)
                OR (e ->> 'errors')::numeric <> pg_catalog.trunc((e ->> 'errors')::numeric)) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'every entry needs module (short id), site (uuid), at (time), calls and errors (whole numbers, errors <= calls)';
  END IF;
  INSERT INTO dramac.usage_calls AS c (module_short_id, site_id, bucket, calls, errors)
  SELECT e ->> 'module', (e ->> 'site')::uuid, pg_catalog.date_trunc('minute', (e ->> 'at')::timestamptz, 'UTC'),
    pg_catalog.sum((e ->> 'calls')::bigint), pg_catalog.sum((e ->> 'errors')::bigint)
  FROM pg_catalog.jsonb_array_elements(p_batch) e
  -- Calls of a site deleted since are dropped with it.
  WHERE EXISTS (SELECT 1 FROM public.sites s WHERE s.id = (e ->> 'site')::uuid)
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (module_short_id, site_id, bucket) DO UPDATE
    SET calls = c.calls + EXCLUDED.calls, errors = c.errors + EXCLUDED.errors;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END
$fn$;

-- Calls and errors of one module (one site, or all) between two times, per window.
CREATE OR REPLACE FUNCTION public.dramac_call_usage(
  p_short text, p_site uuid, p_from timestamptz, p_to timestamptz, p_window interval
) RETURNS TABLE (site_id uuid, window_start timestamptz, calls bigint, errors bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  IF p_window IS NULL OR p_window < interval '1 minute' OR p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the window is at least a minute and the time range ends after it starts';
  END IF;
  RETURN QUERY
    SELECT c.site_id, pg_catalog.date_bin(p_window, c.bucket, p_from) AS w, pg_catalog.sum(c.calls)::bigint, pg_catalog.sum(c.errors)::bigint
    FROM dramac.usage_calls c
    WHERE c.module_short_id = p_short AND (p_site IS NULL OR c.site_id = p_site) AND c.bucket >= p_from AND c.bucket < p_to
    GROUP BY c.site_id, w ORDER BY c.site_id, w;
END
$fn$;

-- Removes call counts older than a time (a scheduled job keeps the window it needs).
CREATE OR REPLACE FUNCTION public.dramac_prune_call_usage(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_n bigint;
BEGIN
  DELETE FROM dramac.usage_calls c WHERE c.bucket < p_before;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Ownership and rights.
-- ---------------------------------------------------------------------------------------------
-- Reading module tables (recounts, exact usage) and altering module roles: as dramac_platform,
-- which acts as each module's owner role (its dramac_owner_access policy) and created the module
-- roles. Setting limits stays with the migration user (it checks sites, which the platform role
-- cannot read; timeouts go through dramac.quota_apply_role_settings).
-- A function's new owner needs CREATE on its schema at the time of the change (a non-superuser
-- migration user, as on Supabase, is held to it): granted for these statements only.
GRANT CREATE ON SCHEMA dramac TO dramac_platform;
ALTER FUNCTION dramac.quota_ensure_triggers(oid) OWNER TO dramac_platform;
ALTER FUNCTION dramac.quota_detach(text) OWNER TO dramac_platform;
ALTER FUNCTION dramac.quota_apply_role_settings(text) OWNER TO dramac_platform;
ALTER FUNCTION dramac.quota_after_registry_change() OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_module_exact_usage(text, uuid) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_module_disk_usage(text) OWNER TO dramac_platform;
ALTER FUNCTION public.dramac_quota_recount(text) OWNER TO dramac_platform;
REVOKE CREATE ON SCHEMA dramac FROM dramac_platform;
DO $$
DECLARE
  v_fn text;
  v_api text;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[
    'dramac.quota_limit(text, text, uuid)',
    'dramac.quota_exceeded(text, bigint, bigint, bigint, text, uuid, text)',
    'dramac.quota_add(text, uuid, oid, text, text, bigint, bigint, boolean)',
    'dramac.quota_forget(text, oid)',
    'dramac.quota_recount(text, oid)',
    'dramac.quota_table_name(oid)',
    'dramac.quota_ensure_triggers(oid)',
    'dramac.quota_module_relations(text)',
    'public.dramac_count_usage()',
    'dramac.quota_detach(text)',
    'public.dramac_quota_trigger_problems(text)',
    'dramac.quota_role_settings(text)',
    'dramac.quota_apply_role_settings(text)',
    'dramac.written_here(xid)',
    'dramac.quota_after_registry_change()',
    'public.dramac_module_limits(text, uuid)',
    'public.dramac_set_quota_limit(text, text, uuid, bigint, text, text)',
    'public.dramac_quota_limits()',
    'public.dramac_module_usage(text)',
    'public.dramac_module_exact_usage(text, uuid)',
    'public.dramac_module_disk_usage(text)',
    'public.dramac_quota_recount(text)',
    'public.dramac_record_calls(jsonb)',
    'public.dramac_call_usage(text, uuid, timestamptz, timestamptz, interval)',
    'public.dramac_prune_call_usage(timestamptz)'
  ] LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    -- Supabase's default privileges grant every new function in public to its API roles.
    FOREACH v_api IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_api) THEN
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I', v_fn, v_api);
      END IF;
    END LOOP;
  END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION dramac.quota_limit(text, text, uuid), dramac.quota_exceeded(text, bigint, bigint, bigint, text, uuid, text),
  dramac.quota_add(text, uuid, oid, text, text, bigint, bigint, boolean), dramac.quota_forget(text, oid),
  dramac.quota_recount(text, oid), dramac.quota_table_name(oid), dramac.quota_role_settings(text),
  dramac.written_here(xid), dramac.quota_module_relations(text) TO dramac_platform;
-- The platform's server: limits, usage, recounts.
GRANT EXECUTE ON FUNCTION public.dramac_set_quota_limit(text, text, uuid, bigint, text, text), public.dramac_quota_limits(),
  public.dramac_module_usage(text), public.dramac_module_exact_usage(text, uuid), public.dramac_module_disk_usage(text),
  public.dramac_quota_recount(text), public.dramac_call_usage(text, uuid, timestamptz, timestamptz, interval),
  public.dramac_prune_call_usage(timestamptz), public.dramac_module_limits(text, uuid),
  public.dramac_quota_trigger_problems(text) TO dramac_provisioner;
-- The data client's connection (never a module role): its limits and its metering.
GRANT EXECUTE ON FUNCTION public.dramac_module_limits(text, uuid), public.dramac_record_calls(jsonb)
  TO dramac_data_api, dramac_admin_api;

-- ---------------------------------------------------------------------------------------------
-- Modules installed before this migration: their tables get the counting triggers, their rows are
-- counted, their roles get their timeouts. (Their recorded installed_state is unchanged: the
-- platform's counting triggers are not part of a module's state.)
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
  v_reg record;
  v_rel oid;
BEGIN
  FOR v_reg IN SELECT r.module_short_id, r.strategy FROM public.module_database_registry r ORDER BY r.module_short_id LOOP
    IF v_reg.strategy = 'shared' THEN
      PERFORM dramac.quota_recount(v_reg.module_short_id, 'public.module_data'::pg_catalog.regclass);
    ELSE
      FOREACH v_rel IN ARRAY dramac.quota_module_relations(v_reg.module_short_id) LOOP
        PERFORM dramac.quota_ensure_triggers(v_rel);
        PERFORM dramac.quota_recount(v_reg.module_short_id, v_rel);
      END LOOP;
    END IF;
    PERFORM dramac.quota_apply_role_settings(v_reg.module_short_id);
  END LOOP;
END
$$;

-- From now on every install, upgrade, repair and drop passes through it.
CREATE TRIGGER dramac_quota_registry AFTER INSERT OR DELETE OR UPDATE OF installed_state, table_names
  ON public.module_database_registry FOR EACH ROW EXECUTE FUNCTION dramac.quota_after_registry_change();
`;
