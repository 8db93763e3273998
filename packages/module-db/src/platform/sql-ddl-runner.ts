/**
 * The one function through which a module's statements run: `dramac_ddl.run(text[])`.
 *
 * It is SECURITY DEFINER, so it runs its statements as its owner. At rest its owner is
 * `dramac_platform` and it refuses to run (it runs only as a module's owner role). For one call,
 * `dramac_apply_module_change` makes the module's owner role `modowner_<id>` its owner, calls it,
 * checks that the statements left it exactly as it was (its `pg_proc` row, dependencies, comment
 * and labels) and that its schema holds nothing else, and hands it back to `dramac_platform`.
 *
 * Why one persistent function, rather than one created and dropped per call (platform migrations
 * 6-9): PL/pgSQL keeps the compiled form of every function a backend has run, by oid, until the
 * connection closes, even once the function is dropped. A function per call cost a provisioning
 * connection about 100 KB per provision and deprovision pair, for good. One function keeps one
 * oid: each change of owner makes PL/pgSQL compile it again and free the old form.
 *
 * Provisioning is serialised database-wide (an advisory lock), so two calls never share the
 * function. Static, checked-in SQL: nothing in it comes from input.
 */
export const SQL_DDL_RUNNER = `
CREATE SCHEMA IF NOT EXISTS dramac_ddl;
REVOKE ALL ON SCHEMA dramac_ddl FROM PUBLIC;
-- dramac_platform owns the function at rest, and gives the module's owner role CREATE on this
-- schema for the one call (a function's new owner needs it).
GRANT USAGE, CREATE ON SCHEMA dramac_ddl TO dramac_platform WITH GRANT OPTION;
-- Created (or replaced) as dramac_platform, which owns it: a non-superuser migration user holds
-- dramac_platform with SET but without INHERIT on PostgreSQL 16+.
SELECT pg_catalog.set_config('dramac.migration_role', pg_catalog.current_setting('role'), true);
SET LOCAL ROLE dramac_platform;
-- Every statement in one call: the role it runs them as is fixed when the call starts, so a
-- statement that alters or replaces the function changes nothing for the statements after it
-- (and is refused once the call returns). A failing statement is named by its index.
CREATE OR REPLACE FUNCTION dramac_ddl.run(p_sql text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_i integer := 0;
  v_s text;
  v_state text;
  v_msg text;
  v_detail text;
  v_hint text;
BEGIN
  -- At rest (owned by dramac_platform) it runs nothing.
  IF current_user !~ '^modowner_[a-f0-9]{8}$' THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = 'dramac_ddl.run runs a module''s statements only as that module''s owner role, during its change';
  END IF;
  FOREACH v_s IN ARRAY p_sql LOOP
    EXECUTE v_s;
    v_i := v_i + 1;
  END LOOP;
  RETURN v_i;
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
  RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg, HINT = coalesce(v_hint, ''),
    DETAIL = pg_catalog.jsonb_build_object('statementIndex', v_i, 'statement', pg_catalog.left(p_sql[v_i + 1], 4000), 'detail', v_detail)::text;
END
$fn$;
REVOKE ALL ON FUNCTION dramac_ddl.run(text[]) FROM PUBLIC;
SELECT pg_catalog.set_config('role', pg_catalog.current_setting('dramac.migration_role'), true);
`;

/**
 * What must stay as it was across a call of `dramac_ddl.run`, as text: its `pg_proc` row (name,
 * schema, owner, body, settings, privileges, SECURITY DEFINER, ...), what it depends on (an
 * extension it was tied to), its comment and its security labels. An expression over the PL/pgSQL variable `v_exec_oid` (the function's
 * oid), for `dramac_apply_module_change`.
 */
export const SQL_DDL_RUNNER_SIGNATURE = `
    (SELECT p::text
       || '|' || coalesce((SELECT pg_catalog.string_agg(d.refclassid::text || '/' || d.refobjid::text || '/' || d.refobjsubid::text || '/' || d.deptype::text, ',' ORDER BY 1)
                           FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid), '')
       || '|' || coalesce((SELECT pg_catalog.string_agg(x.description, ',' ORDER BY 1)
                           FROM pg_catalog.pg_description x WHERE x.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND x.objoid = p.oid), '')
       || '|' || coalesce((SELECT pg_catalog.string_agg(x.provider || '=' || x.label, ',' ORDER BY 1)
                           FROM pg_catalog.pg_seclabel x WHERE x.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND x.objoid = p.oid), '')
     FROM pg_catalog.pg_proc p WHERE p.oid = v_exec_oid)`;
