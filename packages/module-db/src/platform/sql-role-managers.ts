/**
 * Module roles are created, granted and dropped by 256 small "role managers", not by
 * `dramac_platform` itself, so that provisioning costs the same with 1 or 10,000 modules installed.
 *
 * Why: on PostgreSQL 16+ every role a non-superuser creates is granted back to its creator WITH
 * ADMIN OPTION, and every later `CREATE ROLE`, `GRANT <role>` or `DROP ROLE` checks the ADMIN option
 * by walking every role the acting role is a member of (`roles_is_member_of`), on catalog caches
 * that the previous role change has just invalidated. With `dramac_platform` creating every module
 * role, that walk visited 4 roles per installed module for each of about 15 role changes per
 * install: module #1000 took several times module #1 (case 4 of `pnpm bench`).
 *
 * A manager, `dramac_roles_<xx>`, looks after the modules whose short id starts with the two hex
 * digits `xx`: it creates their roles (so it holds their ADMIN option), grants their fixed
 * memberships and drops them; its own memberships stay a few dozen roles however many modules are
 * installed. Each manager is NOLOGIN, has CREATEROLE (to create and drop roles) and, on PostgreSQL
 * 16+, ADMIN on the platform's module groups and no inheritance from them (on 15, CREATEROLE alone
 * administers every non-superuser role); it owns one function, `dramac_roles.manager_<xx>`, that
 * only `dramac_platform` may execute and that only runs the fixed steps of
 * `dramac_roles.module_role_op` for a module of its own bucket. Nothing in them comes from a plan.
 *
 * Static, checked-in SQL: nothing in it comes from input; role names are derived from the checked
 * short id and quoted with `format('%I')`.
 */
export const SQL_ROLE_MANAGERS = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dramac_role_managers') THEN
    CREATE ROLE dramac_role_managers NOLOGIN NOINHERIT;
  END IF;
END
$$;
CREATE SCHEMA IF NOT EXISTS dramac_roles;
REVOKE ALL ON SCHEMA dramac_roles FROM PUBLIC;
GRANT USAGE ON SCHEMA dramac_roles TO dramac_platform;
-- Each manager owns its function here (ALTER FUNCTION ... OWNER TO needs CREATE on the schema).
GRANT USAGE, CREATE ON SCHEMA dramac_roles TO dramac_role_managers;

-- The fixed role steps of one module, run as that module's manager (SECURITY INVOKER: called only
-- from the managers' own functions). Membership is looked up directly in pg_auth_members, never
-- with pg_has_role, which would walk every membership of the asking role.
--   setup:  create the module's missing roles and grant their fixed memberships (idempotent);
--   retain: take the module's data and visitor roles out of the platform's groups (the grants
--           it made; the platform revokes its own, from before role managers);
--   drop:   drop the module's roles (their objects are gone by then);
--   settings: the quota timeouts of one of its request roles (platform migration 8).
CREATE OR REPLACE FUNCTION dramac_roles.module_role_op(p_op text, p_short text, p_strategy text,
  p_role text DEFAULT NULL, p_settings text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_pg16 boolean := pg_catalog.current_setting('server_version_num')::int >= 160000;
  v_role text := 'modrole_' || p_short;
  v_visitor text := 'modvisitor_' || p_short;
  v_admin text := 'modadmin_' || p_short;
  v_owner text := 'modowner_' || p_short;
  v_name text;
  v_grant record;
  v_setting text;
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  IF p_op = 'settings' THEN
    -- The quota timeouts of one of the module's request roles, in this database (platform
    -- migration 8): fixed names, integer values.
    IF p_role IS NULL OR p_role NOT IN (v_role, v_visitor, v_admin) OR pg_catalog.to_regrole(p_role) IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a request role of module %s', p_role, p_short);
    END IF;
    EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET ALL', p_role, pg_catalog.current_database());
    FOREACH v_setting IN ARRAY coalesce(p_settings, '{}') LOOP
      IF pg_catalog.split_part(v_setting, '=', 1) NOT IN ('lock_timeout', 'statement_timeout')
         OR pg_catalog.split_part(v_setting, '=', 2) !~ '^[0-9]{1,12}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a quota setting', v_setting);
      END IF;
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET %I = %s', p_role, pg_catalog.current_database(),
        pg_catalog.split_part(v_setting, '=', 1), pg_catalog.split_part(v_setting, '=', 2)::bigint);
    END LOOP;
    RETURN;
  END IF;
  IF p_strategy IS NULL OR p_strategy NOT IN ('shared', 'prefix', 'schema') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('strategy %L is not shared, prefix or schema', p_strategy);
  END IF;
  IF p_op = 'drop' THEN
    FOREACH v_name IN ARRAY ARRAY[v_role, v_admin, v_visitor, v_owner] LOOP
      IF pg_catalog.to_regrole(v_name) IS NOT NULL THEN
        EXECUTE pg_catalog.format('DROP ROLE %I', v_name);
      END IF;
    END LOOP;
    RETURN;
  END IF;
  IF p_op = 'retain' THEN
    -- A module kept for later removal: its data and visitor roles leave the platform's groups.
    FOR v_grant IN
      SELECT m.roleid::pg_catalog.regrole::text AS granted, m.member::pg_catalog.regrole::text AS member
      FROM pg_catalog.pg_auth_members m
      WHERE m.member IN (pg_catalog.to_regrole(v_role)::oid, pg_catalog.to_regrole(v_visitor)::oid)
        AND m.roleid IN (pg_catalog.to_regrole('dramac_module_roles')::oid, pg_catalog.to_regrole('dramac_widget_roles')::oid,
                         pg_catalog.to_regrole('dramac_widget_visitors')::oid)
        AND m.grantor = pg_catalog.to_regrole(pg_catalog.quote_ident(current_user))::oid
    LOOP
      EXECUTE pg_catalog.format('REVOKE %I FROM %I', v_grant.granted, v_grant.member);
    END LOOP;
    RETURN;
  END IF;
  IF p_op IS DISTINCT FROM 'setup' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('role operation %L is unknown', p_op);
  END IF;
  -- Roles: (name, INHERIT, needed for this strategy).
  FOR v_name IN
    SELECT x.name FROM (VALUES (v_role, true), (v_visitor, true), (v_admin, p_strategy <> 'shared'), (v_owner, p_strategy <> 'shared')) x(name, wanted)
    WHERE x.wanted AND pg_catalog.to_regrole(x.name) IS NULL
  LOOP
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN %s', v_name, CASE WHEN v_name = v_admin THEN 'NOINHERIT' ELSE 'INHERIT' END);
  END LOOP;
  -- Memberships: (role granted, member, platform acts as it).
  FOR v_grant IN
    SELECT x.granted, x.member, x.acts FROM (VALUES
      ('dramac_module_roles', v_role, false, true),
      ('dramac_module_roles', v_visitor, false, true),
      ('dramac_widget_roles', v_role, false, p_strategy = 'shared'),
      ('dramac_widget_visitors', v_visitor, false, p_strategy = 'shared'),
      (v_role, 'dramac_data_api', false, true),
      (v_visitor, 'dramac_data_api', false, true),
      (v_admin, 'dramac_admin_api', false, p_strategy <> 'shared'),
      ('dramac_module_owners', v_owner, false, p_strategy <> 'shared'),
      -- The platform acts as the owner role (hands it the DDL function, creates its schema, reads
      -- its tables): SET and INHERIT.
      (v_owner, 'dramac_platform', true, p_strategy <> 'shared')
    ) x(granted, member, acts, wanted)
    WHERE x.wanted AND NOT EXISTS (
      -- By oid through the catalog caches, then one index lookup: never a join over every role.
      SELECT 1 FROM pg_catalog.pg_auth_members m
      WHERE m.roleid = pg_catalog.to_regrole(pg_catalog.quote_ident(x.granted))::oid
        AND m.member = pg_catalog.to_regrole(pg_catalog.quote_ident(x.member))::oid
        AND (NOT x.acts OR (coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, true)
                            AND coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean, true))))
  LOOP
    IF v_grant.acts AND v_pg16 THEN
      EXECUTE pg_catalog.format('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', v_grant.granted, v_grant.member);
    ELSE
      EXECUTE pg_catalog.format('GRANT %I TO %I', v_grant.granted, v_grant.member);
    END IF;
  END LOOP;
END
$fn$;
DROP FUNCTION IF EXISTS dramac_roles.module_role_op(text, text, text);
REVOKE ALL ON FUNCTION dramac_roles.module_role_op(text, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dramac_roles.module_role_op(text, text, text, text, text[]) TO dramac_role_managers;

-- The 256 managers and their functions.
DO $do$
DECLARE
  v_pg16 boolean := pg_catalog.current_setting('server_version_num')::int >= 160000;
  v_hex text;
  v_mgr text;
  v_fn text;
  v_super boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
  FOR i IN 0 .. 255 LOOP
    v_hex := pg_catalog.lpad(pg_catalog.to_hex(i), 2, '0');
    v_mgr := 'dramac_roles_' || v_hex;
    v_fn := 'dramac_roles.manager_' || v_hex;
    IF v_pg16 THEN
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_mgr) THEN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN NOINHERIT CREATEROLE', v_mgr);
      END IF;
      EXECUTE pg_catalog.format('GRANT dramac_module_roles, dramac_module_owners, dramac_widget_roles, dramac_widget_visitors TO %I WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', v_mgr);
      EXECUTE pg_catalog.format('GRANT dramac_role_managers TO %I WITH INHERIT TRUE, SET FALSE', v_mgr);
    ELSE
      -- PostgreSQL 15: CREATEROLE alone administers every non-superuser role (no ADMIN option
      -- needed, none recorded), and inheritance is per role: the manager inherits its group's
      -- rights (the schema, the function) and is a member of nothing else.
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_mgr) THEN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT CREATEROLE', v_mgr);
      ELSIF NOT (SELECT r.rolinherit FROM pg_catalog.pg_roles r WHERE r.rolname = v_mgr) THEN
        EXECUTE pg_catalog.format('ALTER ROLE %I INHERIT', v_mgr);
      END IF;
      EXECUTE pg_catalog.format('GRANT dramac_role_managers TO %I', v_mgr);
    END IF;
    EXECUTE pg_catalog.format($f$
      CREATE OR REPLACE FUNCTION %s(p_op text, p_short text, p_strategy text, p_role text DEFAULT NULL,
        p_settings text[] DEFAULT NULL) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp %s
      AS $body$
      BEGIN
        IF p_short IS NULL OR pg_catalog.left(p_short, 2) IS DISTINCT FROM %L THEN
          RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('module %%s is not managed by %s', p_short);
        END IF;
        PERFORM dramac_roles.module_role_op(p_op, p_short, p_strategy, p_role, p_settings);
      END
      $body$
      $f$, v_fn, CASE WHEN v_pg16 THEN 'SET createrole_self_grant = '''''  ELSE '' END, v_hex, v_mgr);
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s(text, text, text, text, text[]) FROM PUBLIC', v_fn);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s(text, text, text, text, text[]) TO dramac_platform', v_fn);
    -- Hand the function to its manager: a migration user that is not a superuser acts as it.
    IF NOT v_super THEN
      IF v_pg16 THEN
        EXECUTE pg_catalog.format('GRANT %I TO %I WITH INHERIT FALSE, SET TRUE', v_mgr, current_user);
      ELSE
        EXECUTE pg_catalog.format('GRANT %I TO %I', v_mgr, current_user);
      END IF;
    END IF;
    EXECUTE pg_catalog.format('ALTER FUNCTION %s(text, text, text, text, text[]) OWNER TO %I', v_fn, v_mgr);
  END LOOP;
END
$do$;

-- Takes the quota timeouts (platform migration 8) off a module's request roles, through its role
-- manager: the end-state proof wants module roles without settings, and unlike the counting
-- triggers this takes no lock on the module's tables.
CREATE OR REPLACE FUNCTION public.dramac_reset_module_role_settings(p_short text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_role text;
BEGIN
  FOR v_role IN
    SELECT r.rolname::text FROM pg_catalog.pg_roles r
    WHERE r.rolname IN ('modrole_' || p_short, 'modvisitor_' || p_short, 'modadmin_' || p_short)
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s
                  WHERE s.setrole = r.oid AND s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
    ORDER BY 1
  LOOP
    BEGIN
      PERFORM public.dramac_module_roles('settings', p_short, NULL, v_role, NULL);
    EXCEPTION WHEN insufficient_privilege THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET ALL', v_role, pg_catalog.current_database());
    END;
  END LOOP;
END
$fn$;

-- Calls the manager of a module's roles: the fixed steps above, as that manager.
CREATE OR REPLACE FUNCTION public.dramac_module_roles(p_op text, p_short text, p_strategy text,
  p_role text DEFAULT NULL, p_settings text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_short IS NULL OR p_short !~ '^[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%L is not a module short id', p_short);
  END IF;
  EXECUTE pg_catalog.format('SELECT %I.%I($1, $2, $3, $4, $5)', 'dramac_roles', 'manager_' || pg_catalog.left(p_short, 2))
    USING p_op, p_short, p_strategy, p_role, p_settings;
END
$fn$;
`;
