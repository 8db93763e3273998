/**
 * The end-state proof of a module's DDL, run in the same transaction before it commits.
 *
 * `public.dramac_verify_module_state(short_id, strategy, desired, new_tables)` reads the catalogs
 * and requires the module to be exactly what the plan's desired state describes AND to keep the
 * platform's invariants whatever that desired state says: a hostile caller controls the plan, so
 * the invariants are checked on the catalog itself, never taken from the plan:
 *
 * - roles: the module's roles exist, log in never, hold no attribute (superuser, createrole,
 *   createdb, replication, bypassrls), are members of exactly their platform group, and only the
 *   platform's API roles are members of them;
 * - ownership and reach: the module's owner role owns exactly the module's tables (and schema),
 *   nothing else (no function, sequence, type, view, default privilege, temporary object); the
 *   module's roles hold privileges on, and are named by policies of, module objects only;
 * - tables: ordinary, permanent, no inheritance, no rules, row-level security enabled AND forced;
 *   exactly the planned columns, constraints, indexes, policies, triggers and grants;
 * - policies: the site policy, the owner policy, the admin policy and the visitor policies are
 *   exactly the platform's (expressions compared with templates deparsed by this server); every
 *   other policy is RESTRICTIVE and applies to the module's own data and visitor roles only;
 * - grants: the module role and the admin role hold exactly SELECT, INSERT, UPDATE, DELETE; the
 *   visitor role holds column SELECT and INSERT only; no one else holds anything, no grant option;
 * - references: primary keys and unique constraints lead with `site_id`; a foreign key points into
 *   the module's own tables pairing `site_id` with `site_id`, at `public.sites(id)` from `site_id`,
 *   or at an allowed platform table with `ON DELETE CASCADE` or `SET NULL`;
 * - expressions (defaults, checks, index predicates, module policies): only allowed node kinds and
 *   functions (built-ins by name, cast functions, the platform's helpers), read from the stored
 *   parse trees, never from SQL text;
 * - dependencies: no module object depends on anything outside the module but the allowed
 *   platform objects (`pg_depend`);
 * - tables the change created hold no row.
 *
 * Anything else raises `DM004` naming every difference (in DETAIL, as JSON). Returns the state it
 * read (`dramac_read_module_state`), which the registry keeps as what was installed.
 */
export const SQL_VERIFY_MODULE_STATE = `
-- The stored parse tree of an expression, checked against the allow-lists: NULL when fine, else
-- why not. Node names and oids are read from the serialized tree (pg_node_tree), whose strings are
-- escaped, so a literal in the expression cannot fake a node or an oid.
CREATE OR REPLACE FUNCTION public.dramac_expression_problem(p_tree pg_node_tree)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN public.dramac_expression_text_problem(p_tree::text);
END
$fn$;

-- The same for the text of one or more serialized trees (pg_node_tree's output, which only the
-- server writes: its strings are escaped).
CREATE OR REPLACE FUNCTION public.dramac_expression_text_problem(v_tree text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_node text;
  v_oid oid;
BEGIN
  IF v_tree IS NULL THEN
    RETURN NULL;
  END IF;
  FOR v_node IN SELECT DISTINCT m[2] FROM pg_catalog.regexp_matches(v_tree, '(^|[ (])[{]([A-Z_]+)', 'g') m LOOP
    IF v_node <> ALL (ARRAY['BOOLEXPR', 'OPEXPR', 'DISTINCTEXPR', 'NULLIFEXPR', 'SCALARARRAYOPEXPR',
        'FUNCEXPR', 'CONST', 'VAR', 'NULLTEST', 'BOOLEANTEST', 'RELABELTYPE', 'COERCEVIAIO',
        'ARRAYCOERCEEXPR', 'ARRAYEXPR', 'CASEEXPR', 'CASEWHEN', 'CASETESTEXPR', 'COALESCEEXPR',
        'MINMAXEXPR', 'SQLVALUEFUNCTION',
        -- (select auth.uid()): a sub-select without FROM, once per statement. A FROM (a table,
        -- a function, VALUES) would bring a RANGETBLENTRY, which is not on this list.
        'SUBLINK', 'QUERY', 'TARGETENTRY', 'FROMEXPR']) THEN
      RETURN pg_catalog.format('%s nodes are not allowed in module expressions', pg_catalog.lower(v_node));
    END IF;
  END LOOP;
  FOR v_oid IN
    SELECT DISTINCT m[2]::oid FROM pg_catalog.regexp_matches(v_tree, ':(funcid|opfuncid|hashfuncid|negfuncid) ([0-9]+)', 'g') m
    UNION
    SELECT o.oprcode::oid FROM pg_catalog.regexp_matches(v_tree, ':opno ([0-9]+)', 'g') m
      JOIN pg_catalog.pg_operator o ON o.oid = m[1]::oid
  LOOP
    IF v_oid <> 0 AND NOT public.dramac_function_allowed(v_oid) THEN
      RETURN pg_catalog.format('function %s is not allowed in module expressions', v_oid::pg_catalog.regprocedure);
    END IF;
  END LOOP;
  RETURN NULL;
END
$fn$;

-- Functions a module expression may call: the built-ins the definition language allows (by name,
-- in pg_catalog), cast and operator functions of pg_catalog, the platform's request helpers and
-- the citext extension's functions. Nothing that writes, sleeps, locks, reads files or settings.
CREATE OR REPLACE FUNCTION public.dramac_function_allowed(p_fn oid)
RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v record;
BEGIN
  -- PL/pgSQL, not SQL: a SQL function with SET is not inlined and is planned on every call. The
  -- cheap tests first: most functions in module expressions are built-ins named here.
  SELECT p.pronamespace, p.proname, p.prokind, p.proretset INTO v FROM pg_catalog.pg_proc p WHERE p.oid = p_fn;
  IF NOT FOUND OR v.prokind <> 'f' OR v.proretset THEN
    RETURN false;
  END IF;
  IF v.pronamespace = 'pg_catalog'::pg_catalog.regnamespace THEN
    RETURN v.proname = ANY (ARRAY['now', 'gen_random_uuid', 'lower', 'upper', 'length', 'char_length', 'btrim',
          'ltrim', 'rtrim', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'starts_with', 'date_trunc',
          'jsonb_typeof', 'jsonb_array_length', 'array_length', 'cardinality']::name[])
      OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.castfunc = p_fn)
      OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator o WHERE o.oprcode = p_fn
                 AND o.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace);
  END IF;
  IF v.pronamespace = 'public'::pg_catalog.regnamespace
     AND v.proname = ANY (ARRAY['dramac_current_site_id', 'dramac_current_user_id', 'dramac_can_access_current_site',
       'dramac_visitor_can_access_current_site', 'dramac_current_claims', 'dramac_current_role']::name[]) THEN
    RETURN true;
  END IF;
  IF v.pronamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = 'auth') THEN
    RETURN v.proname = ANY (ARRAY['uid', 'jwt', 'role']::name[]);
  END IF;
  RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p_fn
                   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                   AND e.extname = 'citext');
END
$fn$;

-- The platform's policies, deparsed by this server from the template table, so the comparison
-- does not depend on how a PostgreSQL version prints an expression.
CREATE OR REPLACE FUNCTION public.dramac_platform_policy_text(p_policy text, p_short text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_text text;
BEGIN
  SELECT pg_catalog.pg_get_expr(coalesce(p.polqual, p.polwithcheck), p.polrelid) INTO v_text
  FROM pg_catalog.pg_policy p
  WHERE p.polrelid IN ('dramac.policy_template'::pg_catalog.regclass, 'dramac.visitor_policy_template'::pg_catalog.regclass)
    AND p.polname = p_policy;
  IF v_text IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004', MESSAGE = pg_catalog.format('platform policy template %s is missing', p_policy);
  END IF;
  -- The template names module 00000000; the literal is the only thing that differs per module.
  RETURN pg_catalog.replace(v_text, '''00000000''::text', pg_catalog.quote_literal(p_short) || '::text');
END
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_verify_module_state(
  p_short text, p_strategy text, p_desired jsonb, p_new_tables text[]
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  v_role text := 'modrole_' || p_short;
  v_admin text := 'modadmin_' || p_short;
  v_owner text := 'modowner_' || p_short;
  v_visitor text := 'modvisitor_' || p_short;
  v_schema text := CASE WHEN p_strategy = 'schema' THEN 'mod_' || p_short ELSE 'public' END;
  v_ns oid;
  v_actual jsonb;
  v_problems jsonb := '[]'::jsonb;
  v_desired_tables jsonb := coalesce(p_desired -> 'tables', '[]'::jsonb);
  v_rels oid[];
  v_rel oid;
  v_t jsonb;
  v_d jsonb;
  v_name text;
  v_site_text text;
  v_visitor_text text;
  r record;
  v_module_roles text[];
  v_role_oids oid[];
  v_has_rows boolean;
  v_same_shape boolean;
  v_expr_ok boolean;
  v_all_rels oid[];
BEGIN
  v_module_roles := CASE WHEN p_strategy = 'shared' THEN ARRAY[v_role, v_visitor] ELSE ARRAY[v_role, v_admin, v_owner, v_visitor] END;
  v_role_oids := ARRAY(SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = ANY (v_module_roles));
  v_actual := public.dramac_read_module_state(p_short, p_strategy, false);
  SELECT n.oid INTO v_ns FROM pg_catalog.pg_namespace n WHERE n.nspname = v_schema;

  -- Roles: attributes, what they are members of, who is a member of them.
  FOR r IN
    SELECT x.name, a.* FROM pg_catalog.unnest(v_module_roles) x(name)
    LEFT JOIN pg_catalog.pg_roles a ON a.rolname = x.name
  LOOP
    IF r.oid IS NULL THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'missing_role', 'object', r.name);
      CONTINUE;
    END IF;
    IF r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'role_attributes', 'object', r.name,
        'message', 'module roles never log in and hold no attribute (superuser, createrole, createdb, replication, bypassrls)');
    END IF;
    -- Settings that apply here: for every database (0) or this one. Roles are cluster-wide, and a
    -- platform in another database of the cluster keeps its own (quota timeouts, migration 8).
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = r.oid
               AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d
                                         WHERE d.datname = pg_catalog.current_database()))) THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'role_settings', 'object', r.name);
    END IF;
  END LOOP;
  FOR r IN
    SELECT m.member::pg_catalog.regrole::text AS member, m.roleid::pg_catalog.regrole::text AS role, m.admin_option AS admin,
      coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, true) AS inherit,
      coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean, true) AS set
    FROM pg_catalog.pg_auth_members m
    WHERE m.member = ANY (v_role_oids) OR m.roleid = ANY (v_role_oids)
  LOOP
    IF NOT (
      (r.member IN (v_role, v_visitor) AND r.role = 'dramac_module_roles' AND NOT r.admin)
      OR (r.member = v_role AND r.role = 'dramac_widget_roles' AND p_strategy = 'shared' AND NOT r.admin)
      OR (r.member = v_visitor AND r.role = 'dramac_widget_visitors' AND p_strategy = 'shared' AND NOT r.admin)
      OR (r.member = v_owner AND r.role = 'dramac_module_owners' AND NOT r.admin)
      OR (r.role IN (v_role, v_visitor) AND r.member = 'dramac_data_api' AND NOT r.admin)
      OR (r.role = v_admin AND r.member = 'dramac_admin_api' AND NOT r.admin)
      OR (r.role = v_owner AND r.member = 'dramac_platform')
      OR (r.role IN (v_role, v_admin, v_visitor) AND r.member = 'dramac_platform' AND NOT r.inherit AND NOT r.set)
      -- The module's role manager, which created its roles (see dramac_roles.module_role_op).
      OR (r.role IN (v_role, v_admin, v_visitor, v_owner) AND r.member = 'dramac_roles_' || pg_catalog.left(p_short, 2)
          AND r.admin AND NOT r.inherit AND NOT r.set)
    ) THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'unexpected_membership',
        'object', r.member || ' in ' || r.role,
        'message', pg_catalog.format('%s must not be a member of %s', r.member, r.role));
    END IF;
  END LOOP;

  -- Every object the module's roles own, hold privileges on or are named in policies of, besides
  -- the module's own tables and schema: none.
  FOR r IN
    SELECT o.type, o.identity, d.deptype, pg_catalog.pg_get_userbyid(d.refobjid)::text AS holder, d.classid, d.objid
    FROM pg_catalog.pg_shdepend d
    CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, 0) o
    WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
      AND d.refobjid = ANY (v_role_oids)
      AND (d.dbid = 0 OR d.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
  LOOP
    CONTINUE WHEN r.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND p_strategy = 'schema' AND r.objid = v_ns
      AND (r.deptype = 'a' OR r.holder = v_owner);
    CONTINUE WHEN r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND r.deptype IN ('o', 'a')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.jsonb_array_elements(v_desired_tables) t(doc)
                  ON c.relname = t.doc ->> 'name' AND c.relnamespace = v_ns
                  WHERE c.oid = r.objid AND c.relkind = 'r' AND t.doc ->> 'schema' = v_schema);
    CONTINUE WHEN r.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND r.deptype = 'r'
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
                  JOIN pg_catalog.jsonb_array_elements(v_desired_tables) t(doc) ON c.relname = t.doc ->> 'name'
                  WHERE p.oid = r.objid AND c.relnamespace = v_ns);
    v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'outside_object',
      'object', r.type || ' ' || r.identity,
      'message', pg_catalog.format('%s %s %s %s outside the module', r.holder,
        CASE r.deptype WHEN 'o' THEN 'owns' WHEN 'a' THEN 'holds privileges on' WHEN 'r' THEN 'is named by' ELSE 'depends on' END,
        r.type, r.identity));
  END LOOP;

  -- Schema strategy: the schema belongs to the owner role; usage for the module's roles only.
  IF p_strategy = 'schema' THEN
    IF v_ns IS NULL THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'missing_schema', 'object', v_schema);
    ELSE
      IF (SELECT pg_catalog.pg_get_userbyid(n.nspowner)::text FROM pg_catalog.pg_namespace n WHERE n.oid = v_ns) <> v_owner THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'schema_owner', 'object', v_schema);
      END IF;
      FOR r IN
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
          a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
        WHERE n.oid = v_ns AND a.grantee <> n.nspowner
      LOOP
        IF NOT (r.grantee IN (v_role, v_admin, v_visitor) AND r.privilege_type = 'USAGE' AND NOT r.is_grantable) THEN
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'unexpected_grant',
            'object', v_schema, 'message', pg_catalog.format('%s holds %s on schema %s', r.grantee, r.privilege_type, v_schema));
        END IF;
      END LOOP;
    END IF;
  END IF;

  -- Tables: the planned set, exactly.
  FOR v_name IN
    SELECT t.doc ->> 'name' FROM pg_catalog.jsonb_array_elements(v_desired_tables) t(doc)
    EXCEPT SELECT t.doc ->> 'name' FROM pg_catalog.jsonb_array_elements(v_actual -> 'tables') t(doc)
  LOOP
    v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'missing_table', 'object', v_schema || '.' || v_name);
  END LOOP;
  FOR v_name IN
    SELECT t.doc ->> 'name' FROM pg_catalog.jsonb_array_elements(v_actual -> 'tables') t(doc)
    EXCEPT SELECT t.doc ->> 'name' FROM pg_catalog.jsonb_array_elements(v_desired_tables) t(doc)
  LOOP
    v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'unexpected_table', 'object', v_schema || '.' || v_name);
  END LOOP;

  -- The whole structure in one comparison; the per-kind comparison below names the differences
  -- only when there are some.
  v_same_shape := public.dramac_table_shapes(v_actual -> 'tables', false)
    IS NOT DISTINCT FROM public.dramac_table_shapes(v_desired_tables, true);
  -- Every expression of the module's tables (defaults, checks, index predicates, policies) in one
  -- scan; each one is checked on its own (to name it) only when something is not allowed.
  v_all_rels := ARRAY(
    SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', a.doc ->> 'schema', a.doc ->> 'name'))::oid
    FROM pg_catalog.jsonb_array_elements(v_actual -> 'tables') a(doc));
  v_expr_ok := public.dramac_expressions_problem(ARRAY(
      SELECT d.adbin::text FROM pg_catalog.pg_attrdef d WHERE d.adrelid = ANY (v_all_rels)
      UNION ALL SELECT k.conbin::text FROM pg_catalog.pg_constraint k WHERE k.conrelid = ANY (v_all_rels) AND k.conbin IS NOT NULL
      UNION ALL SELECT i.indpred::text FROM pg_catalog.pg_index i WHERE i.indrelid = ANY (v_all_rels) AND i.indpred IS NOT NULL
      UNION ALL SELECT p.polqual::text FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY (v_all_rels) AND p.polqual IS NOT NULL
      UNION ALL SELECT p.polwithcheck::text FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY (v_all_rels) AND p.polwithcheck IS NOT NULL)) IS NULL;
  v_site_text := public.dramac_platform_policy_text('dramac_site_isolation', p_short);
  v_visitor_text := public.dramac_platform_policy_text('dramac_visitor_read', p_short);
  FOR v_t, v_d IN
    SELECT a.doc, d.doc FROM pg_catalog.jsonb_array_elements(v_actual -> 'tables') a(doc)
    JOIN pg_catalog.jsonb_array_elements(v_desired_tables) d(doc) ON d.doc ->> 'name' = a.doc ->> 'name'
  LOOP
    v_name := (v_t ->> 'schema') || '.' || (v_t ->> 'name');
    v_rel := pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_t ->> 'schema', v_t ->> 'name'));
    v_rels := v_rels || v_rel;
    IF v_t ->> 'kind' <> 'r' OR v_t ->> 'persistence' <> 'p' OR (v_t ->> 'partition')::boolean
       OR pg_catalog.jsonb_array_length(v_t -> 'inherits') > 0 OR pg_catalog.jsonb_array_length(v_t -> 'inheritedBy') > 0 THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'table_kind', 'table', v_name,
        'message', 'a module table is an ordinary, permanent table without inheritance or partitions');
    END IF;
    IF v_t ->> 'owner' <> v_owner THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'table_owner', 'table', v_name, 'actual', v_t ->> 'owner');
    END IF;
    IF NOT (v_t ->> 'rowSecurity')::boolean OR NOT (v_t ->> 'forceRowSecurity')::boolean THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'rls_not_forced', 'table', v_name);
    END IF;
    IF pg_catalog.jsonb_array_length(v_t -> 'rules') > 0 THEN
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'unexpected_rule', 'table', v_name, 'actual', v_t -> 'rules');
    END IF;

    -- Structure, exactly as planned: each kind of object compared as a set on the fields that define it.
    IF NOT v_same_shape THEN
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'column',
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', c ->> 'name', 'type', c ->> 'type', 'notNull', (c ->> 'notNull')::boolean,
                'hasDefault', (c ->> 'hasDefault')::boolean, 'identity', coalesce(c ->> 'identity', ''), 'generated', coalesce(c ->> 'generated', ''),
                'collation', c -> 'collation')
              FROM pg_catalog.jsonb_array_elements(v_t -> 'columns') c),
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', c ->> 'name', 'type', c ->> 'type', 'notNull', (c ->> 'notNull')::boolean,
                'hasDefault', (c ->> 'hasDefault')::boolean, 'identity', '', 'generated', '', 'collation', 'null'::jsonb)
              FROM pg_catalog.jsonb_array_elements(v_d -> 'columns') c));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'constraint',
        ARRAY(SELECT public.dramac_constraint_shape(c) FROM pg_catalog.jsonb_array_elements(v_t -> 'constraints') c),
        ARRAY(SELECT public.dramac_constraint_shape(c) FROM pg_catalog.jsonb_array_elements(v_d -> 'constraints') c));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'index',
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', i ->> 'name', 'method', i ->> 'method', 'unique', (i ->> 'unique')::boolean,
                'columns', i -> 'columns', 'hasPredicate', (i ->> 'hasPredicate')::boolean, 'constraint', i -> 'constraint',
                'valid', (i ->> 'valid')::boolean)
              FROM pg_catalog.jsonb_array_elements(v_t -> 'indexes') i),
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', i ->> 'name', 'method', i ->> 'method', 'unique', (i ->> 'unique')::boolean,
                'columns', i -> 'columns', 'hasPredicate', (i ->> 'hasPredicate')::boolean, 'constraint', coalesce(i -> 'constraint', 'null'::jsonb),
                'valid', true)
              FROM pg_catalog.jsonb_array_elements(v_d -> 'indexes') i));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'policy',
        ARRAY(SELECT public.dramac_policy_shape(p) FROM pg_catalog.jsonb_array_elements(v_t -> 'policies') p),
        ARRAY(SELECT public.dramac_policy_shape(p) FROM pg_catalog.jsonb_array_elements(v_d -> 'policies') p));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'trigger',
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', g ->> 'name', 'function', g ->> 'function', 'timing', g ->> 'timing',
                'events', g -> 'events', 'level', g ->> 'level', 'enabled', g ->> 'enabled', 'arguments', g -> 'arguments',
                'transitionTables', (g ->> 'transitionTables')::boolean, 'hasCondition', (g ->> 'hasCondition')::boolean)
              FROM pg_catalog.jsonb_array_elements(v_t -> 'triggers') g),
        ARRAY(SELECT pg_catalog.jsonb_build_object('name', g ->> 'name', 'function', g ->> 'function', 'timing', g ->> 'timing',
                'events', g -> 'events', 'level', g ->> 'level', 'enabled', 'O', 'arguments', coalesce(g -> 'arguments', '[]'::jsonb),
                'transitionTables', false, 'hasCondition', false)
              FROM pg_catalog.jsonb_array_elements(v_d -> 'triggers') g));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'grant',
        ARRAY(SELECT pg_catalog.jsonb_build_object('grantee', g ->> 'grantee', 'privilege', g ->> 'privilege', 'grantable', (g ->> 'grantable')::boolean)
              FROM pg_catalog.jsonb_array_elements(v_t -> 'grants') g),
        ARRAY(SELECT pg_catalog.jsonb_build_object('grantee', g ->> 'grantee', 'privilege', g ->> 'privilege', 'grantable', coalesce((g ->> 'grantable')::boolean, false))
              FROM pg_catalog.jsonb_array_elements(v_d -> 'grants') g));
      v_problems := v_problems || public.dramac_compare_objects(v_name, 'column_grant',
        ARRAY(SELECT pg_catalog.jsonb_build_object('column', g ->> 'column', 'grantee', g ->> 'grantee', 'privilege', g ->> 'privilege', 'grantable', (g ->> 'grantable')::boolean)
              FROM pg_catalog.jsonb_array_elements(v_t -> 'columnGrants') g),
        ARRAY(SELECT pg_catalog.jsonb_build_object('column', g ->> 'column', 'grantee', g ->> 'grantee', 'privilege', g ->> 'privilege', 'grantable', coalesce((g ->> 'grantable')::boolean, false))
              FROM pg_catalog.jsonb_array_elements(coalesce(v_d -> 'columnGrants', '[]'::jsonb)) g));
    END IF;

    -- Invariants, on the catalog, whatever the plan said.
    -- Grants: the module role and the admin role, SELECT/INSERT/UPDATE/DELETE, no grant option.
    FOR r IN SELECT g ->> 'grantee' AS grantee, g ->> 'privilege' AS privilege, (g ->> 'grantable')::boolean AS grantable
             FROM pg_catalog.jsonb_array_elements(v_t -> 'grants') g LOOP
      IF NOT (r.grantee IN (v_role, v_admin) AND r.privilege IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE') AND NOT r.grantable) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'forbidden_grant', 'table', v_name,
          'message', pg_catalog.format('%s holds %s%s on %s', r.grantee, r.privilege, CASE WHEN r.grantable THEN ' WITH GRANT OPTION' ELSE '' END, v_name));
      END IF;
    END LOOP;
    -- Column grants: the visitor role only, SELECT and INSERT only, no grant option.
    FOR r IN SELECT g ->> 'column' AS col, g ->> 'grantee' AS grantee, g ->> 'privilege' AS privilege, (g ->> 'grantable')::boolean AS grantable
             FROM pg_catalog.jsonb_array_elements(v_t -> 'columnGrants') g LOOP
      IF NOT (r.grantee = v_visitor AND r.privilege IN ('SELECT', 'INSERT') AND NOT r.grantable) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'forbidden_grant', 'table', v_name,
          'message', pg_catalog.format('%s holds %s%s on column %s of %s', r.grantee, r.privilege,
            CASE WHEN r.grantable THEN ' WITH GRANT OPTION' ELSE '' END, r.col, v_name));
      END IF;
    END LOOP;
    -- Policies: the platform's three exactly; every other one restrictive, for the module role only.
    FOR r IN
      SELECT p.polname::text AS name, p.polpermissive AS permissive, p.polcmd AS cmd,
        ARRAY(SELECT CASE WHEN x = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x)::text END FROM pg_catalog.unnest(p.polroles) x) AS roles,
        pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS checks,
        p.polqual, p.polwithcheck
      FROM pg_catalog.pg_policy p WHERE p.polrelid = v_rel
    LOOP
      IF r.name = 'dramac_site_isolation' THEN
        IF NOT (r.permissive AND r.cmd = '*' AND r.roles = ARRAY[v_role] AND r.qual = v_site_text AND r.checks = v_site_text) THEN
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'site_policy', 'table', v_name,
            'expected', v_site_text, 'actual', r.qual,
            'message', pg_catalog.format('the site policy on %s is not the platform''s', v_name));
        END IF;
      ELSIF r.name IN ('dramac_owner_access', 'dramac_admin_access') THEN
        IF NOT (r.permissive AND r.cmd = '*' AND r.roles = ARRAY[CASE r.name WHEN 'dramac_owner_access' THEN v_owner ELSE v_admin END]
                AND r.qual = 'true' AND r.checks = 'true') THEN
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'platform_policy', 'table', v_name, 'object', r.name,
            'message', pg_catalog.format('policy %s on %s is not the platform''s', r.name, v_name));
        END IF;
      ELSIF r.name IN ('dramac_visitor_read', 'dramac_visitor_insert') THEN
        IF NOT (r.permissive AND r.roles = ARRAY[v_visitor]
                AND ((r.name = 'dramac_visitor_read' AND r.cmd = 'r' AND r.qual = v_visitor_text AND r.checks IS NULL)
                  OR (r.name = 'dramac_visitor_insert' AND r.cmd = 'a' AND r.qual IS NULL AND r.checks = v_visitor_text))) THEN
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'platform_policy', 'table', v_name, 'object', r.name,
            'expected', v_visitor_text, 'actual', coalesce(r.qual, r.checks),
            'message', pg_catalog.format('policy %s on %s is not the platform''s', r.name, v_name));
        END IF;
      ELSIF r.permissive THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'permissive_policy', 'table', v_name, 'object', r.name,
          'message', pg_catalog.format('policy %s on %s is permissive: module policies can only narrow access', r.name, v_name));
      ELSIF NOT (r.roles <@ ARRAY[v_role, v_visitor]) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'policy_roles', 'table', v_name, 'object', r.name,
          'message', pg_catalog.format('policy %s on %s applies to %s', r.name, v_name, pg_catalog.array_to_string(r.roles, ', ')));
      ELSIF NOT v_expr_ok THEN
        v_problems := v_problems || coalesce((
          SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', 'expression', 'table', v_name, 'object', r.name, 'message', x.problem))
          FROM (SELECT public.dramac_expression_problem(r.polqual) AS problem UNION ALL SELECT public.dramac_expression_problem(r.polwithcheck)) x
          WHERE x.problem IS NOT NULL), '[]'::jsonb);
      END IF;
    END LOOP;
    FOREACH v_name IN ARRAY ARRAY['dramac_site_isolation', 'dramac_owner_access', 'dramac_admin_access'] LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = v_rel AND p.polname = v_name) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'missing_policy', 'table', v_rel::pg_catalog.regclass::text, 'object', v_name);
      END IF;
    END LOOP;
    v_name := v_rel::pg_catalog.regclass::text;
    -- Triggers: the shared updated_at trigger, and the tenant-references trigger whose arguments
    -- are exactly the table's references to platform rows (read from its foreign keys).
    FOR r IN SELECT g.tgname, g.tgfoid, g.tgtype, g.tgnargs, g.tgqual, g.tgenabled,
               pg_catalog.string_to_array(pg_catalog.encode(g.tgargs, 'escape'), E'\\\\000') AS args
             FROM pg_catalog.pg_trigger g
             -- (The platform's quota counting triggers are not module state: platform migration 8.)
             WHERE g.tgrelid = v_rel AND NOT g.tgisinternal
               AND g.tgfoid IS DISTINCT FROM pg_catalog.to_regprocedure('public.dramac_count_usage()') LOOP
      IF NOT ((r.tgfoid = 'public.dramac_set_updated_at()'::pg_catalog.regprocedure AND r.tgtype = 19 AND r.tgnargs = 0
               AND r.tgqual IS NULL AND r.tgenabled = 'O')
           OR (r.tgfoid = 'public.dramac_check_tenant_references()'::pg_catalog.regprocedure AND r.tgtype = 23
               AND r.tgqual IS NULL AND r.tgenabled = 'O'
               AND r.args[1:r.tgnargs] = ARRAY(
                 SELECT y FROM (
                   SELECT a.attname::text AS col, fc.relname::text AS kind
                   FROM pg_catalog.pg_constraint k
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                   JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid
                   JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
                   WHERE k.conrelid = v_rel AND k.contype = 'f'
                     AND ((fn.nspname = 'public' AND fc.relname IN ('agencies', 'clients', 'profiles'))
                       OR (fn.nspname = 'auth' AND fc.relname = 'users'))) refs
                 CROSS JOIN LATERAL (VALUES (1, refs.col), (2, refs.kind)) v(o, y)
                 ORDER BY refs.col, v.o))) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'forbidden_trigger', 'table', v_name, 'object', r.tgname,
          'message', pg_catalog.format('trigger %s on %s is not one of the platform''s (updated_at, tenant references)', r.tgname, v_name));
      END IF;
    END LOOP;
    -- Keys per site; foreign keys inside the module or at allowed platform tables only.
    FOR r IN
      SELECT k.conname::text AS name, k.contype, k.conkey, k.confkey, k.confrelid, k.confdeltype, k.conbin,
        (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = k.conkey[1]) AS first_col,
        (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = k.confrelid AND a.attnum = k.confkey[1]) AS first_ref,
        fn.nspname::text AS ref_schema, fc.relname::text AS ref_table
      FROM pg_catalog.pg_constraint k
      LEFT JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid
      LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE k.conrelid = v_rel
    LOOP
      IF r.contype IN ('p', 'u', 'x') AND r.first_col IS DISTINCT FROM 'site_id' THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'key_not_per_site', 'table', v_name, 'object', r.name,
          'message', pg_catalog.format('%s on %s does not lead with site_id: keys are unique per site', r.name, v_name));
      ELSIF r.contype = 'c' THEN
        IF NOT v_expr_ok AND public.dramac_expression_problem(r.conbin) IS NOT NULL THEN
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'expression', 'table', v_name, 'object', r.name,
            'message', public.dramac_expression_problem(r.conbin));
        END IF;
      ELSIF r.contype = 'f' THEN
        IF r.ref_schema = v_schema AND (p_strategy = 'schema' OR pg_catalog.left(r.ref_table, 13) = 'mod_' || p_short || '_')
           AND EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(v_desired_tables) t(doc) WHERE t.doc ->> 'name' = r.ref_table) THEN
          IF r.first_col IS DISTINCT FROM 'site_id' OR r.first_ref IS DISTINCT FROM 'site_id' THEN
            v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'foreign_key_site', 'table', v_name, 'object', r.name,
              'message', pg_catalog.format('%s on %s does not pair site_id with site_id: it could point at another site''s row', r.name, v_name));
          END IF;
        ELSIF r.ref_schema = 'public' AND r.ref_table = 'sites' THEN
          IF NOT (pg_catalog.array_length(r.conkey, 1) = 1 AND r.first_col = 'site_id' AND r.first_ref = 'id' AND r.confdeltype = 'c') THEN
            v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'foreign_key_target', 'table', v_name, 'object', r.name,
              'message', pg_catalog.format('%s on %s references public.sites other than through site_id', r.name, v_name));
          END IF;
        ELSIF (r.ref_schema = 'public' AND r.ref_table IN ('agencies', 'clients', 'profiles')) OR (r.ref_schema = 'auth' AND r.ref_table = 'users') THEN
          IF r.confdeltype NOT IN ('c', 'n') OR r.first_ref IS DISTINCT FROM 'id' OR pg_catalog.array_length(r.conkey, 1) <> 1 THEN
            v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'foreign_key_action', 'table', v_name, 'object', r.name,
              'message', pg_catalog.format('%s on %s must reference %s.%s(id) ON DELETE CASCADE or SET NULL: it must never block the platform deleting that row',
                r.name, v_name, r.ref_schema, r.ref_table));
          END IF;
        ELSE
          v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'foreign_key_target', 'table', v_name, 'object', r.name,
            'message', pg_catalog.format('%s on %s references %s.%s, outside the module', r.name, v_name, r.ref_schema, r.ref_table));
        END IF;
      END IF;
    END LOOP;
    -- Unique indexes too (a unique index without a constraint).
    FOR r IN SELECT x.indexrelid::pg_catalog.regclass::text AS name, x.indisunique, x.indexprs, x.indpred,
               (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[0]) AS first_col
             FROM pg_catalog.pg_index x WHERE x.indrelid = v_rel LOOP
      IF r.indisunique AND r.first_col IS DISTINCT FROM 'site_id' THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'key_not_per_site', 'table', v_name, 'object', r.name,
          'message', pg_catalog.format('unique index %s does not lead with site_id', r.name));
      END IF;
      IF r.indexprs IS NOT NULL OR (NOT v_expr_ok AND public.dramac_expression_problem(r.indpred) IS NOT NULL) THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'expression', 'table', v_name, 'object', r.name,
          'message', coalesce(public.dramac_expression_problem(r.indpred), 'expression indexes are not allowed'));
      END IF;
    END LOOP;
    -- Column defaults.
    FOR r IN SELECT a.attname::text AS name, public.dramac_expression_problem(d.adbin) AS problem
             FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
             WHERE d.adrelid = v_rel AND NOT v_expr_ok LOOP
      IF r.problem IS NOT NULL THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'expression', 'table', v_name, 'object', r.name, 'message', r.problem);
      END IF;
    END LOOP;
  END LOOP;

  -- Widgets: the stored item shapes are exactly the planned collections.
  IF p_strategy = 'shared' AND coalesce((
      SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', c.collection, 'fields', c.fields,
        'visitorRead', pg_catalog.to_jsonb(c.visitor_read), 'visitorInsert', pg_catalog.to_jsonb(c.visitor_insert)) ORDER BY c.collection)
      FROM dramac.widget_collections c WHERE c.module_short_id = p_short), '[]'::jsonb)
    IS DISTINCT FROM coalesce((
      SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', x ->> 'name', 'fields', x -> 'fields',
        'visitorRead', coalesce(x -> 'visitorRead', 'null'::jsonb), 'visitorInsert', coalesce(x -> 'visitorInsert', 'null'::jsonb)) ORDER BY x ->> 'name')
      FROM pg_catalog.jsonb_array_elements(coalesce(p_desired -> 'collections', '[]'::jsonb)) x), '[]'::jsonb) THEN
    v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'collections',
      'message', 'the widget''s stored item shapes are not the planned collections');
  END IF;

  -- Dependencies: nothing outside the module but the allowed platform objects.
  IF v_rels IS NOT NULL THEN
    FOR r IN
      WITH objs AS (
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, x AS objid FROM pg_catalog.unnest(v_rels) x
        UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, c.reltype FROM pg_catalog.pg_class c WHERE c.oid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid FROM pg_catalog.pg_constraint k WHERE k.conrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY (v_rels)
        UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid FROM pg_catalog.pg_trigger g WHERE g.tgrelid = ANY (v_rels)
          AND g.tgfoid IS DISTINCT FROM pg_catalog.to_regprocedure('public.dramac_count_usage()')
        UNION ALL SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid FROM pg_catalog.pg_attrdef d WHERE d.adrelid = ANY (v_rels)
      )
      SELECT DISTINCT d.refclassid, d.refobjid, o.type, o.identity
      FROM objs
      -- One index lookup per module object (OFFSET 0 keeps the planner from turning the lookups
      -- into a hash join over every row of pg_depend, which grows with every installed module).
      CROSS JOIN LATERAL (SELECT x.refclassid, x.refobjid, x.deptype FROM pg_catalog.pg_depend x
                          WHERE x.classid = objs.classid AND x.objid = objs.objid OFFSET 0) d
      CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) o
      WHERE d.deptype IN ('n', 'a')
        AND NOT EXISTS (SELECT 1 FROM objs o2 WHERE o2.classid = d.refclassid AND o2.objid = d.refobjid)
    LOOP
      CONTINUE WHEN r.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND r.refobjid = v_ns;
      CONTINUE WHEN r.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
        AND (public.dramac_function_allowed(r.refobjid) OR r.refobjid = 'public.dramac_set_updated_at()'::pg_catalog.regprocedure
             OR r.refobjid = 'public.dramac_check_tenant_references()'::pg_catalog.regprocedure);
      CONTINUE WHEN r.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE (c.oid = r.refobjid OR c.oid = (SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = r.refobjid))
          AND ((n.nspname = 'public' AND c.relname IN ('sites', 'agencies', 'clients', 'profiles')) OR (n.nspname = 'auth' AND c.relname = 'users')));
      -- The citext extension's type, its array type and its operator classes.
      CONTINUE WHEN EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend x JOIN pg_catalog.pg_extension e ON e.oid = x.refobjid
        WHERE x.classid = r.refclassid
          AND (x.objid = r.refobjid OR (r.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
               AND x.objid = (SELECT t.typelem FROM pg_catalog.pg_type t WHERE t.oid = r.refobjid)))
          AND x.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND x.deptype = 'e' AND e.extname = 'citext');
      v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'outside_dependency', 'object', r.type || ' ' || r.identity,
        'message', pg_catalog.format('a module object depends on %s %s, outside the module', r.type, r.identity));
    END LOOP;
  END IF;

  -- A table this change created starts empty: DDL never copies data in. Read only once everything
  -- above holds: reading a table evaluates its policies as the reader, and nothing the module
  -- defined may run as the platform before its expressions are known to be harmless.
  IF pg_catalog.jsonb_array_length(v_problems) = 0 THEN
    FOREACH v_rel IN ARRAY coalesce(v_rels, '{}') LOOP
      v_name := v_rel::pg_catalog.regclass::text;
      CONTINUE WHEN NOT (v_name = ANY (p_new_tables) OR EXISTS (
        SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = v_rel AND n.nspname || '.' || c.relname = ANY (p_new_tables)));
      EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', v_rel::pg_catalog.regclass) INTO v_has_rows;
      IF v_has_rows THEN
        v_problems := v_problems || pg_catalog.jsonb_build_object('kind', 'new_table_not_empty', 'table', v_name);
      END IF;
    END LOOP;
  END IF;

  IF pg_catalog.jsonb_array_length(v_problems) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'DM004',
      MESSAGE = pg_catalog.format('the module''s catalog state is not what the plan describes: %s',
        (SELECT pg_catalog.string_agg(coalesce(p ->> 'message', (p ->> 'kind') || ' ' || coalesce(p ->> 'table', '') || ' ' || coalesce(p ->> 'object', '')), '; ')
         FROM (SELECT p FROM pg_catalog.jsonb_array_elements(v_problems) p LIMIT 5) s)),
      DETAIL = pg_catalog.jsonb_build_object('differences', v_problems)::text;
  END IF;
  -- Nothing above changes the catalogs: the state read first is the state that commits.
  RETURN v_actual;
END
$fn$;

-- The structure of tables (catalog state, or a plan's desired state) as one value: per table,
-- each kind of object as a sorted set of exactly the fields dramac_compare_objects compares. Equal
-- values mean dramac_compare_objects would find nothing, so verification compares them once and
-- runs the per-kind comparison (which names each difference) only when they differ.
CREATE OR REPLACE FUNCTION public.dramac_table_shapes(p_tables jsonb, p_desired boolean)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
    'name', t ->> 'name',
    'column', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT pg_catalog.jsonb_build_object('name', c ->> 'name', 'type', c ->> 'type', 'notNull', (c ->> 'notNull')::boolean,
        'hasDefault', (c ->> 'hasDefault')::boolean,
        'identity', CASE WHEN p_desired THEN '' ELSE coalesce(c ->> 'identity', '') END,
        'generated', CASE WHEN p_desired THEN '' ELSE coalesce(c ->> 'generated', '') END,
        'collation', CASE WHEN p_desired THEN 'null'::jsonb ELSE c -> 'collation' END) AS x
      FROM pg_catalog.jsonb_array_elements(t -> 'columns') c) s),
    'constraint', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT public.dramac_constraint_shape(c) AS x FROM pg_catalog.jsonb_array_elements(t -> 'constraints') c) s),
    'index', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT pg_catalog.jsonb_build_object('name', i ->> 'name', 'method', i ->> 'method', 'unique', (i ->> 'unique')::boolean,
        'columns', i -> 'columns', 'hasPredicate', (i ->> 'hasPredicate')::boolean,
        'constraint', CASE WHEN p_desired THEN coalesce(i -> 'constraint', 'null'::jsonb) ELSE i -> 'constraint' END,
        'valid', CASE WHEN p_desired THEN true ELSE (i ->> 'valid')::boolean END) AS x
      FROM pg_catalog.jsonb_array_elements(t -> 'indexes') i) s),
    'policy', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT public.dramac_policy_shape(p) AS x FROM pg_catalog.jsonb_array_elements(t -> 'policies') p) s),
    'trigger', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT pg_catalog.jsonb_build_object('name', g ->> 'name', 'function', g ->> 'function', 'timing', g ->> 'timing',
        'events', g -> 'events', 'level', g ->> 'level',
        'enabled', CASE WHEN p_desired THEN 'O' ELSE g ->> 'enabled' END,
        'arguments', CASE WHEN p_desired THEN coalesce(g -> 'arguments', '[]'::jsonb) ELSE g -> 'arguments' END,
        'transitionTables', CASE WHEN p_desired THEN false ELSE (g ->> 'transitionTables')::boolean END,
        'hasCondition', CASE WHEN p_desired THEN false ELSE (g ->> 'hasCondition')::boolean END) AS x
      FROM pg_catalog.jsonb_array_elements(t -> 'triggers') g) s),
    'grant', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT pg_catalog.jsonb_build_object('grantee', g ->> 'grantee', 'privilege', g ->> 'privilege',
        'grantable', CASE WHEN p_desired THEN coalesce((g ->> 'grantable')::boolean, false) ELSE (g ->> 'grantable')::boolean END) AS x
      FROM pg_catalog.jsonb_array_elements(t -> 'grants') g) s),
    'column_grant', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM (
      SELECT pg_catalog.jsonb_build_object('column', g ->> 'column', 'grantee', g ->> 'grantee', 'privilege', g ->> 'privilege',
        'grantable', CASE WHEN p_desired THEN coalesce((g ->> 'grantable')::boolean, false) ELSE (g ->> 'grantable')::boolean END) AS x
      FROM pg_catalog.jsonb_array_elements(coalesce(t -> 'columnGrants', '[]'::jsonb)) g) s)
  ) ORDER BY t ->> 'name'), '[]'::jsonb)
  FROM pg_catalog.jsonb_array_elements(p_tables) t);
END
$fn$;

-- Whether any of the given stored parse trees (as text) breaks the allow-lists of
-- dramac_expression_problem: one scan of all of a module's expressions, so the per-expression
-- check (which names the offending object) runs only when something is wrong.
CREATE OR REPLACE FUNCTION public.dramac_expressions_problem(p_trees text[])
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN public.dramac_expression_text_problem(
    (SELECT pg_catalog.string_agg(t, ' ') FROM pg_catalog.unnest(p_trees) t));
END
$fn$;

-- Compares two sets of object descriptions (one per kind) and lists what is missing and what is
-- unexpected, by name.
CREATE OR REPLACE FUNCTION public.dramac_compare_objects(p_table text, p_kind text, p_actual jsonb[], p_desired jsonb[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT coalesce(pg_catalog.jsonb_agg(x.problem), '[]'::jsonb) FROM (
    SELECT pg_catalog.jsonb_build_object('kind', CASE WHEN a.doc IS NULL THEN 'missing_' ELSE 'different_' END || p_kind,
      'table', p_table, 'object', coalesce(coalesce(d.doc, a.doc) ->> 'name', coalesce(d.doc, a.doc) ->> 'grantee'),
      'expected', d.doc, 'actual', a.doc) AS problem
    FROM (SELECT DISTINCT e AS doc FROM pg_catalog.unnest(p_desired) e EXCEPT SELECT e FROM pg_catalog.unnest(p_actual) e) d
    LEFT JOIN pg_catalog.unnest(p_actual) a(doc) ON a.doc ->> 'name' = d.doc ->> 'name' AND p_kind NOT IN ('grant', 'column_grant')
    UNION ALL
    SELECT pg_catalog.jsonb_build_object('kind', 'unexpected_' || p_kind, 'table', p_table, 'object', coalesce(a.doc ->> 'name', a.doc ->> 'grantee'), 'actual', a.doc)
    FROM (SELECT DISTINCT e AS doc FROM pg_catalog.unnest(p_actual) e EXCEPT SELECT e FROM pg_catalog.unnest(p_desired) e) a
    WHERE p_kind IN ('grant', 'column_grant')
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p_desired) d(doc) WHERE d.doc ->> 'name' = a.doc ->> 'name')
  ) x);
END
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_constraint_shape(p jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN pg_catalog.jsonb_build_object('name', p ->> 'name', 'type', p ->> 'type', 'columns', p -> 'columns',
    'references', CASE WHEN p -> 'references' IS NULL OR p -> 'references' = 'null'::jsonb THEN 'null'::jsonb
      ELSE pg_catalog.jsonb_build_object('schema', p -> 'references' ->> 'schema', 'table', p -> 'references' ->> 'table',
        'columns', p -> 'references' -> 'columns', 'onDelete', coalesce(p -> 'references' ->> 'onDelete', 'NO ACTION'),
        'onUpdate', coalesce(p -> 'references' ->> 'onUpdate', 'NO ACTION'),
        'onDeleteColumns', coalesce(p -> 'references' -> 'onDeleteColumns', 'null'::jsonb)) END,
    'deferrable', coalesce((p ->> 'deferrable')::boolean, false));
END
$fn$;

CREATE OR REPLACE FUNCTION public.dramac_policy_shape(p jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN pg_catalog.jsonb_build_object('name', p ->> 'name', 'command', p ->> 'command', 'permissive', (p ->> 'permissive')::boolean,
    'roles', (SELECT coalesce(pg_catalog.jsonb_agg(r ORDER BY r), '[]'::jsonb) FROM pg_catalog.jsonb_array_elements_text(p -> 'roles') r),
    'hasUsing', (p ->> 'hasUsing')::boolean, 'hasWithCheck', (p ->> 'hasWithCheck')::boolean);
END
$fn$;
`;
