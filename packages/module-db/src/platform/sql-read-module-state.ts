/**
 * `public.dramac_read_module_state(short_id, strategy, full)`: the catalog half of the one
 * desired-state model. It reads what PostgreSQL holds for one module — its roles and their
 * memberships, its schema, every table with columns, constraints, indexes, policies, triggers and
 * grants, the objects its roles own or hold privileges on, and every dependency of a module object
 * on something outside the module — as JSON in the same shape the TypeScript planner produces
 * for a definition (`desiredModuleState`), so one comparison serves verification at apply time,
 * drift detection, repair and lint.
 *
 * Scales with the module, not with the catalog: tables are found through `pg_shdepend` (what the
 * module's owner role owns) and, with `p_full`, through the module's namespace; every other
 * lookup goes by relation oid through the catalogs' indexes.
 *
 * Expression texts (`pg_get_expr`) are kept apart from the structure under `expressions`, so the
 * structure can be compared with the definition's exactly while the texts are recorded as
 * PostgreSQL spells them.
 *
 * Static, checked-in SQL: nothing in it comes from input; the short id is checked first.
 */
export const SQL_READ_MODULE_STATE = `
-- The module's relations (tables and anything else but indexes and TOAST): what its owner role
-- owns and, with p_full, what sits in its namespace. Scales with the module: index lookups on
-- pg_shdepend and pg_depend, or a name range of the prefix strategy, never a scan of pg_class.
CREATE OR REPLACE FUNCTION public.dramac_module_relations(p_short text, p_strategy text, p_full boolean)
RETURNS oid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_owner_oid oid;
  v_ns oid;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  SELECT r.oid INTO v_owner_oid FROM pg_catalog.pg_roles r WHERE r.rolname = 'modowner_' || p_short;
  SELECT n.oid INTO v_ns FROM pg_catalog.pg_namespace n
  WHERE n.nspname = CASE WHEN p_strategy = 'schema' THEN 'mod_' || p_short ELSE 'public' END;
  RETURN ARRAY(
    SELECT c.oid FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
    WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND d.refobjid = v_owner_oid
      AND d.deptype = 'o' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
      AND c.relkind NOT IN ('i', 'I', 't')
    UNION
    -- What sits in the module's schema, found through the schema's dependents (an index lookup),
    -- not by reading every row of pg_class.
    SELECT c.oid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
    WHERE p_full AND p_strategy = 'schema' AND d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
      AND d.refobjid = v_ns AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND c.relnamespace = v_ns AND c.relkind NOT IN ('i', 'I', 't')
    UNION
    SELECT c.oid FROM pg_catalog.pg_class c
    WHERE p_full AND p_strategy <> 'schema' AND c.relnamespace = v_ns
      AND c.relname >= ('mod_' || p_short || '_')::name AND c.relname < ('mod_' || p_short || pg_catalog.chr(96))::name
      AND c.relkind NOT IN ('i', 'I', 't'));
END
$fn$;

-- Objects outside the module that depend on one of its relations (a view over a module table, a
-- foreign key from elsewhere into it): dropping the module would have to cascade to them. What
-- deprovisioning checks before it drops anything, and the 'dependents' of a full state read.
CREATE OR REPLACE FUNCTION public.dramac_module_dependents(p_rels oid[])
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object('type', o.type, 'identity', o.identity)), '[]'::jsonb)
  FROM pg_catalog.pg_depend d
  -- A view depends through its rewrite rule: name the view.
  CROSS JOIN LATERAL pg_catalog.pg_identify_object(
    CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END,
    CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
      THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w WHERE w.oid = d.objid) ELSE d.objid END, 0) o
  WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = ANY (p_rels)
    AND d.deptype IN ('n', 'a')
    AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = ANY (p_rels))
    AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_index x WHERE x.indexrelid = d.objid AND x.indrelid = ANY (p_rels)))
    AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = ANY (p_rels) AND d.objid = c.reltype))
    AND NOT (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid AND k.conrelid = ANY (p_rels)))
    AND NOT (d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.oid = d.objid AND p.polrelid = ANY (p_rels)))
    AND NOT (d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.oid = d.objid AND g.tgrelid = ANY (p_rels)))
    AND NOT (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef a WHERE a.oid = d.objid AND a.adrelid = ANY (p_rels)))
    AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.oid = d.objid AND w.ev_class = ANY (p_rels)))
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_read_module_state(
  p_short text, p_strategy text, p_full boolean DEFAULT true
) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  v_schema text;
  v_prefix text;
  v_owner text;
  v_roles text[];
  v_ns oid;
  v_rels oid[];
  v_result jsonb;
  -- The platform's quota counting triggers (platform migration 8) are not module state: only the
  -- platform can create a trigger calling this function; dramac_quota_trigger_problems checks them.
  v_quota_fn oid := pg_catalog.to_regprocedure('public.dramac_count_usage()');
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id (8 lower-case hex digits)', p_short);
  END IF;
  IF p_strategy IS NULL OR p_strategy NOT IN ('shared', 'prefix', 'schema') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('strategy %L is not shared, prefix or schema', p_strategy);
  END IF;
  v_owner := 'modowner_' || p_short;
  v_roles := ARRAY['modrole_' || p_short, 'modadmin_' || p_short, v_owner, 'modvisitor_' || p_short];
  v_schema := CASE WHEN p_strategy = 'schema' THEN 'mod_' || p_short ELSE 'public' END;
  v_prefix := CASE WHEN p_strategy = 'prefix' THEN 'mod_' || p_short || '_' END;
  SELECT n.oid INTO v_ns FROM pg_catalog.pg_namespace n WHERE n.nspname = v_schema;

  v_rels := public.dramac_module_relations(p_short, p_strategy, p_full);

  SELECT pg_catalog.jsonb_build_object(
    'shortId', p_short,
    'strategy', p_strategy,
    'roles', (
      SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'name', rn.name,
        'exists', r.oid IS NOT NULL,
        'attributes', CASE WHEN r.oid IS NULL THEN NULL ELSE pg_catalog.jsonb_build_object(
          'login', r.rolcanlogin, 'superuser', r.rolsuper, 'createrole', r.rolcreaterole,
          'createdb', r.rolcreatedb, 'replication', r.rolreplication, 'bypassrls', r.rolbypassrls,
          'inherit', r.rolinherit) END,
        'memberOf', (
          SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'role', g.rolname::text, 'admin', m.admin_option,
            'inherit', coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, r.rolinherit),
            'set', coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean, true))
            ORDER BY g.rolname), '[]'::jsonb)
          FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
          WHERE m.member = r.oid),
        'members', (
          SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'role', u.rolname::text, 'admin', m.admin_option,
            'inherit', coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, u.rolinherit),
            'set', coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean, true))
            ORDER BY u.rolname), '[]'::jsonb)
          FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles u ON u.oid = m.member
          WHERE m.roleid = r.oid
            -- The module's role manager holds the ADMIN option of the roles it created, and
            -- nothing else: platform bookkeeping, like a pinned object, not listed. Any other
            -- membership of it (INHERIT or SET) is.
            AND NOT (u.rolname = 'dramac_roles_' || pg_catalog.left(p_short, 2) AND m.admin_option
                     AND NOT coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, true)
                     AND NOT coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean, true))),
        'settings', (
          SELECT coalesce(pg_catalog.jsonb_agg(s.setting ORDER BY s.setting), '[]'::jsonb)
          FROM pg_catalog.pg_db_role_setting drs, pg_catalog.unnest(drs.setconfig) s(setting)
          -- Settings that apply here (all databases, or this one): roles are cluster-wide.
          WHERE drs.setrole = r.oid
            AND drs.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d
                                        WHERE d.datname = pg_catalog.current_database()))),
        -- Every object outside the module's tables and schema that the role owns or holds a
        -- privilege on, or that names it in a policy: what it can reach besides its own.
        'objects', (
          SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'dependency', CASE d.deptype WHEN 'o' THEN 'owner' WHEN 'a' THEN 'acl' WHEN 'r' THEN 'policy' ELSE d.deptype::text END,
            'type', o.type, 'identity', o.identity)
            ORDER BY o.type, o.identity, d.deptype), '[]'::jsonb)
          FROM pg_catalog.pg_shdepend d
          CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o
          WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND d.refobjid = r.oid
            AND (d.dbid = 0 OR d.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
            AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = ANY (v_rels))
            AND NOT (d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND p_strategy = 'schema' AND d.objid = v_ns)
            AND NOT (d.deptype = 'r' AND d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
                     AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.oid = d.objid AND p.polrelid = ANY (v_rels))))
      ) ORDER BY rn.name), '[]'::jsonb)
      FROM pg_catalog.unnest(v_roles) rn(name)
      LEFT JOIN pg_catalog.pg_roles r ON r.rolname = rn.name
      WHERE r.oid IS NOT NULL OR rn.name <> 'modvisitor_' || p_short),
    'schema', (
      SELECT pg_catalog.jsonb_build_object(
        'name', n.nspname::text,
        'owner', pg_catalog.pg_get_userbyid(n.nspowner)::text,
        'grants', (
          SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END,
            'privilege', a.privilege_type, 'grantable', a.is_grantable)
            ORDER BY 1), '[]'::jsonb)
          FROM pg_catalog.aclexplode(n.nspacl) a WHERE a.grantee <> n.nspowner))
      FROM pg_catalog.pg_namespace n WHERE p_strategy = 'schema' AND n.oid = v_ns),
    'tables', (
      SELECT coalesce(pg_catalog.jsonb_agg(t.doc ORDER BY t.name), '[]'::jsonb) FROM (
        SELECT c.relname::text AS name, pg_catalog.jsonb_build_object(
          'schema', n.nspname::text,
          'name', c.relname::text,
          'kind', c.relkind::text,
          'persistence', c.relpersistence::text,
          'owner', pg_catalog.pg_get_userbyid(c.relowner)::text,
          'rowSecurity', c.relrowsecurity,
          'forceRowSecurity', c.relforcerowsecurity,
          'partition', c.relispartition,
          'inherits', (SELECT coalesce(pg_catalog.jsonb_agg(i.inhparent::pg_catalog.regclass::text ORDER BY 1), '[]'::jsonb)
                       FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid),
          'inheritedBy', (SELECT coalesce(pg_catalog.jsonb_agg(i.inhrelid::pg_catalog.regclass::text ORDER BY 1), '[]'::jsonb)
                          FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid),
          'rules', (SELECT coalesce(pg_catalog.jsonb_agg(w.rulename::text ORDER BY 1), '[]'::jsonb)
                    FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid),
          'columns', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'name', a.attname::text,
              -- Types outside pg_catalog (an extension's citext) without the schema it happens to live in.
              'type', CASE WHEN ty.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
                        THEN pg_catalog.format_type(a.atttypid, a.atttypmod)
                        ELSE pg_catalog.regexp_replace(pg_catalog.format_type(a.atttypid, a.atttypmod), '^[a-z_][a-z0-9_]*[.]', '') END,
              'notNull', a.attnotnull,
              'hasDefault', a.atthasdef,
              'identity', a.attidentity::text,
              'generated', a.attgenerated::text,
              'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation
                             THEN a.attcollation::pg_catalog.regcollation::text END)
              ORDER BY a.attname), '[]'::jsonb)
            FROM pg_catalog.pg_attribute a
            -- A lookup per column (OFFSET 0: not a hash of every row of pg_type).
            CROSS JOIN LATERAL (SELECT t.typnamespace, t.typcollation FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid OFFSET 0) ty
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
          'constraints', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'name', k.conname::text,
              'type', k.contype::text,
              'columns', (SELECT coalesce(pg_catalog.jsonb_agg(a.attname::text ORDER BY x.ord), '[]'::jsonb)
                          FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY x(attnum, ord)
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum),
              'references', CASE WHEN k.contype = 'f' THEN pg_catalog.jsonb_build_object(
                'schema', fn.nspname::text, 'table', fc.relname::text,
                'columns', (SELECT coalesce(pg_catalog.jsonb_agg(a.attname::text ORDER BY x.ord), '[]'::jsonb)
                            FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY x(attnum, ord)
                            JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.attnum),
                'onDelete', CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                              WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END,
                'onUpdate', CASE k.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                              WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END,
                'onDeleteColumns', (SELECT pg_catalog.jsonb_agg(a.attname::text ORDER BY x.ord)
                            FROM pg_catalog.jsonb_array_elements_text(CASE WHEN pg_catalog.jsonb_typeof(pg_catalog.to_jsonb(k) -> 'confdelsetcols') = 'array'
                              THEN pg_catalog.to_jsonb(k) -> 'confdelsetcols' ELSE '[]'::jsonb END) WITH ORDINALITY x(attnum, ord)
                            JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum::int2),
                'match', k.confmatchtype::text) END,
              'deferrable', k.condeferrable,
              'validated', k.convalidated)
              ORDER BY k.conname), '[]'::jsonb)
            FROM pg_catalog.pg_constraint k
            LEFT JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid
            LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
            WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'c', 'f', 'x', 't')),
          'indexes', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'name', ic.relname::text,
              'method', am.amname::text,
              'unique', x.indisunique,
              'columns', (SELECT coalesce(pg_catalog.jsonb_agg(coalesce(a.attname::text, '(expression)') ORDER BY k.ord), '[]'::jsonb)
                          FROM pg_catalog.unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                          LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                          WHERE k.ord <= x.indnkeyatts),
              'hasPredicate', x.indpred IS NOT NULL,
              'valid', x.indisvalid AND x.indisready,
              'constraint', (SELECT k.conname::text FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x'))
              ) ORDER BY ic.relname), '[]'::jsonb)
            FROM pg_catalog.pg_index x
            JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
            JOIN pg_catalog.pg_am am ON am.oid = ic.relam
            WHERE x.indrelid = c.oid),
          'policies', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'name', p.polname::text,
              'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
              'permissive', p.polpermissive,
              'roles', (SELECT coalesce(pg_catalog.jsonb_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r)::text END ORDER BY 1), '[]'::jsonb)
                        FROM pg_catalog.unnest(p.polroles) r),
              'hasUsing', p.polqual IS NOT NULL,
              'hasWithCheck', p.polwithcheck IS NOT NULL)
              ORDER BY p.polname), '[]'::jsonb)
            FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid),
          'triggers', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'name', g.tgname::text,
              'function', g.tgfoid::pg_catalog.regprocedure::text,
              'timing', CASE WHEN g.tgtype & 2 <> 0 THEN 'BEFORE' WHEN g.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END,
              'events', (SELECT coalesce(pg_catalog.jsonb_agg(e.name ORDER BY e.bit), '[]'::jsonb)
                         FROM (VALUES (4, 'INSERT'), (8, 'DELETE'), (16, 'UPDATE'), (32, 'TRUNCATE')) e(bit, name)
                         WHERE g.tgtype & e.bit <> 0),
              'level', CASE WHEN g.tgtype & 1 <> 0 THEN 'ROW' ELSE 'STATEMENT' END,
              'enabled', g.tgenabled::text,
              'arguments', (SELECT coalesce(pg_catalog.jsonb_agg(x ORDER BY n), '[]'::jsonb)
                            FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.encode(g.tgargs, 'escape'), E'\\\\000'))
                              WITH ORDINALITY a(x, n)
                            WHERE n <= g.tgnargs),
              'transitionTables', g.tgoldtable IS NOT NULL OR g.tgnewtable IS NOT NULL,
              'hasCondition', g.tgqual IS NOT NULL)
              ORDER BY g.tgname), '[]'::jsonb)
            FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND g.tgfoid IS DISTINCT FROM v_quota_fn),
          'grants', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END,
              'privilege', a.privilege_type, 'grantable', a.is_grantable)
              ORDER BY 1), '[]'::jsonb)
            FROM pg_catalog.aclexplode(c.relacl) a WHERE a.grantee <> c.relowner),
          'columnGrants', (
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'column', a.attname::text,
              'grantee', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END,
              'privilege', x.privilege_type, 'grantable', x.is_grantable)
              ORDER BY 1), '[]'::jsonb)
            FROM pg_catalog.pg_attribute a CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) x
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL),
          'expressions', (
            SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, e.text), '{}'::jsonb) FROM (
              SELECT 'default:' || a.attname AS key, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS text
              FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
              WHERE d.adrelid = c.oid
              UNION ALL
              SELECT 'check:' || k.conname, pg_catalog.pg_get_constraintdef(k.oid)
              FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c'
              UNION ALL
              SELECT 'index:' || ic.relname, pg_catalog.pg_get_expr(x.indpred, x.indrelid)
              FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
              WHERE x.indrelid = c.oid AND x.indpred IS NOT NULL
              UNION ALL
              SELECT 'using:' || p.polname, pg_catalog.pg_get_expr(p.polqual, p.polrelid)
              FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polqual IS NOT NULL
              UNION ALL
              SELECT 'withCheck:' || p.polname, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
              FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polwithcheck IS NOT NULL
            ) e)
        ) AS doc
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = ANY (v_rels)
      ) t),
    -- Everything a module object depends on outside the module (pinned system objects are never
    -- recorded): the schema of a prefixed table, platform tables its foreign keys reference,
    -- platform functions its policies and triggers call, non-built-in types.
    'externalDependencies', (
      WITH objs AS (
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, r AS objid FROM pg_catalog.unnest(v_rels) r
        UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, x.indexrelid FROM pg_catalog.pg_index x WHERE x.indrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, c.reltype FROM pg_catalog.pg_class c WHERE c.oid = ANY (v_rels) AND c.reltype <> 0
        -- (A lookup per table: a join would hash every row of pg_type.)
        UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, a.typarray FROM (
          SELECT (SELECT t.typarray FROM pg_catalog.pg_type t WHERE t.oid = c.reltype) AS typarray
          FROM pg_catalog.pg_class c WHERE c.oid = ANY (v_rels) AND c.reltype <> 0) a WHERE a.typarray <> 0
        UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid FROM pg_catalog.pg_constraint k WHERE k.conrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid FROM pg_catalog.pg_trigger g WHERE g.tgrelid = ANY (v_rels)
          AND g.tgfoid IS DISTINCT FROM v_quota_fn
        UNION ALL SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid FROM pg_catalog.pg_attrdef d WHERE d.adrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, w.oid FROM pg_catalog.pg_rewrite w WHERE w.ev_class = ANY (v_rels)
      )
      SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object('type', o.type, 'identity', o.identity)), '[]'::jsonb)
      FROM objs
      -- One index lookup per module object, never a scan of pg_depend (OFFSET 0 keeps the planner
      -- from turning the lookups into a hash join over every row of pg_depend).
      CROSS JOIN LATERAL (SELECT x.refclassid, x.refobjid, x.deptype FROM pg_catalog.pg_depend x
                          WHERE x.classid = objs.classid AND x.objid = objs.objid OFFSET 0) d
      CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) o
      WHERE NOT EXISTS (SELECT 1 FROM objs o2 WHERE o2.classid = d.refclassid AND o2.objid = d.refobjid)
        AND NOT (d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = v_ns)
        AND d.deptype <> 'i'),
    -- Objects outside the module that depend on a module object (a view over a module table,
    -- a foreign key from elsewhere into it): dropping the module would have to cascade to them.
    -- (Only for a full read: verification reads what the module holds, not what holds it.)
    'dependents', CASE WHEN NOT p_full THEN '[]'::jsonb ELSE public.dramac_module_dependents(v_rels) END
  ) INTO v_result;
  RETURN v_result;
END
$fn$;
`;
