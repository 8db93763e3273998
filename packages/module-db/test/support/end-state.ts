/**
 * Reads the end state an attack aims at, from the catalogs, as the superuser: memberships,
 * policies, ACLs, foreign-key targets, row-level security, triggers, and what a refused module
 * left behind. Assertions are on these facts, never on an error code.
 */
import { type Kysely, sql } from 'kysely';
import { SQL_DDL_RUNNER } from '../../src/platform/sql-ddl-runner';

/** Whether `member` may act as `role` (direct or indirect membership); false when either is missing. */
export async function isMember(db: Kysely<any>, member: string, role: string): Promise<boolean> {
  const { rows } = await sql<{ m: boolean }>`
    select case when exists (select 1 from pg_catalog.pg_roles where rolname = ${member})
                 and exists (select 1 from pg_catalog.pg_roles where rolname = ${role})
           then pg_catalog.pg_has_role(${member}, ${role}, 'member') else false end as m`.execute(
    db,
  );
  return rows[0]?.m === true;
}

/** The roles `member` belongs to directly. */
export async function memberOf(db: Kysely<any>, member: string): Promise<string[]> {
  const { rows } = await sql<{ r: string }>`
    select g.rolname as r from pg_catalog.pg_auth_members m
    join pg_catalog.pg_roles g on g.oid = m.roleid join pg_catalog.pg_roles u on u.oid = m.member
    where u.rolname = ${member} order by 1`.execute(db);
  return rows.map((r) => r.r);
}

/** The direct members of `role`. */
export async function membersOf(db: Kysely<any>, role: string): Promise<string[]> {
  const { rows } = await sql<{ r: string }>`
    select u.rolname as r from pg_catalog.pg_auth_members m
    join pg_catalog.pg_roles g on g.oid = m.roleid join pg_catalog.pg_roles u on u.oid = m.member
    where g.rolname = ${role} order by 1`.execute(db);
  return rows.map((r) => r.r);
}

/** Attributes of a role, or undefined when it does not exist. */
export async function roleAttributes(db: Kysely<any>, role: string) {
  const { rows } = await sql<{
    super: boolean;
    bypassrls: boolean;
    login: boolean;
    createrole: boolean;
    createdb: boolean;
    inherit: boolean;
    config: string[] | null;
  }>`select rolsuper as super, rolbypassrls as bypassrls, rolcanlogin as login,
      rolcreaterole as createrole, rolcreatedb as createdb, rolinherit as inherit, rolconfig as config
    from pg_catalog.pg_roles where rolname = ${role}`.execute(db);
  return rows[0];
}

export interface PolicyFact {
  readonly name: string;
  readonly permissive: boolean;
  readonly cmd: string;
  readonly roles: string[];
  readonly qual: string | null;
  readonly check: string | null;
}

/** Every policy of a table (`schema.table`), by name. Empty when the table does not exist. */
export async function policiesOf(db: Kysely<any>, table: string): Promise<PolicyFact[]> {
  const { rows } = await sql<PolicyFact>`
    select p.polname as name, p.polpermissive as permissive, p.polcmd::text as cmd,
      array(select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end
            from unnest(p.polroles) r order by 1) as roles,
      pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
      pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as "check"
    from pg_catalog.pg_policy p
    where p.polrelid = pg_catalog.to_regclass(${table})
    order by 1`.execute(db);
  return rows;
}

/** Table and column privileges on a table: `grantee:privilege[*]` (`*` = with grant option). */
export async function privilegesOn(db: Kysely<any>, table: string): Promise<string[]> {
  const { rows } = await sql<{ p: string }>`
    with t as (select pg_catalog.to_regclass(${table}) as oid)
    select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end
      || ':' || a.privilege_type || case when a.is_grantable then '*' else '' end as p
    from pg_catalog.pg_class c, t, aclexplode(c.relacl) a where c.oid = t.oid
    union all
    select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end
      || ':' || a.privilege_type || '(' || att.attname || ')' || case when a.is_grantable then '*' else '' end
    from pg_catalog.pg_attribute att, t, aclexplode(att.attacl) a
    where att.attrelid = t.oid and att.attacl is not null
    order by 1`.execute(db);
  return rows.map((r) => r.p);
}

/**
 * Privileges on the module's relations that no module table may grant: TRUNCATE, REFERENCES,
 * TRIGGER or a grant option to anyone but the owner, anything to PUBLIC, an API role or another
 * module's role.
 */
export async function forbiddenPrivileges(db: Kysely<any>, shortId: string): Promise<string[]> {
  const { rows } = await sql<{ p: string }>`
    with rels as (
      select c.oid, n.nspname || '.' || c.relname as name, c.relacl from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`})
    )
    select rels.name || ' ' || case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end
      || ':' || a.privilege_type || case when a.is_grantable then '*' else '' end as p
    from rels, aclexplode(rels.relacl) a
    where a.grantee <> (select c.relowner from pg_catalog.pg_class c where c.oid = rels.oid)
      and (a.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER') or a.is_grantable
        or a.grantee = 0
        or pg_catalog.pg_get_userbyid(a.grantee) in ('anon', 'authenticated', 'service_role', 'authenticator', 'dramac_data_api')
        or (pg_catalog.pg_get_userbyid(a.grantee) ~ '^mod[a-z]*_[a-f0-9]{8}$'
            and pg_catalog.pg_get_userbyid(a.grantee) !~ ${`_${shortId}$`}))
    union all
    select rels.name || '.' || att.attname || ' ' || case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end
      || ':' || a.privilege_type
    from rels join pg_catalog.pg_attribute att on att.attrelid = rels.oid, aclexplode(att.attacl) a
    where att.attacl is not null
    order by 1`.execute(db);
  return rows.map((r) => r.p);
}

/** The target of every foreign key declared on a relation of the module's namespace. */
export async function foreignKeyTargets(db: Kysely<any>, shortId: string): Promise<string[]> {
  const { rows } = await sql<{ t: string }>`
    select distinct tn.nspname || '.' || tc.relname as t
    from pg_catalog.pg_constraint k
    join pg_catalog.pg_class c on c.oid = k.conrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_class tc on tc.oid = k.confrelid join pg_catalog.pg_namespace tn on tn.oid = tc.relnamespace
    where k.contype = 'f'
      and (n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`}))
    order by 1`.execute(db);
  return rows.map((r) => r.t);
}

/** Row-level security flags of a table, or undefined when it does not exist. */
export async function rlsOf(db: Kysely<any>, table: string) {
  const { rows } = await sql<{ enabled: boolean; forced: boolean }>`
    select relrowsecurity as enabled, relforcerowsecurity as forced from pg_catalog.pg_class
    where oid = pg_catalog.to_regclass(${table})`.execute(db);
  return rows[0];
}

/** User triggers of the module's relations: `table:trigger:function`. */
export async function triggersOf(db: Kysely<any>, shortId: string): Promise<string[]> {
  const { rows } = await sql<{ t: string }>`
    select c.relname || ':' || t.tgname || ':' || t.tgfoid::regprocedure::text as t
    from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal
      and (n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`}))
    order by 1`.execute(db);
  return rows.map((r) => r.t);
}

/** Relations of the module's namespace: `schema.name:relkind:rls:forced`. */
export async function relationsOf(db: Kysely<any>, shortId: string): Promise<string[]> {
  const { rows } = await sql<{ r: string }>`
    select n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity || ':' || c.relforcerowsecurity as r
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`})
    order by 1`.execute(db);
  return rows.map((r) => r.r);
}

/**
 * Everything of a module that exists anywhere: registry and version rows, installations, roles,
 * schema, relations, functions and types named after it. Empty after a refused install. (Events
 * are left out: a platform may log refused attempts.)
 */
export async function leftovers(db: Kysely<any>, shortId: string): Promise<string[]> {
  const prefix = `mod\\_${shortId}\\_%`;
  const { rows } = await sql<{ x: string }>`
    select 'registry' as x from public.module_database_registry where module_short_id = ${shortId}
    union all select 'version ' || v.version from public.module_database_versions v
      where replace(v.module_id::text, '-', '') like ${`${shortId}%`}
    union all select 'installation' from public.module_site_installations where module_short_id = ${shortId}
    union all select 'role ' || rolname from pg_catalog.pg_roles
      where rolname in (${`modrole_${shortId}`}, ${`modadmin_${shortId}`}, ${`modowner_${shortId}`})
    union all select 'schema ' || nspname from pg_catalog.pg_namespace where nspname = ${`mod_${shortId}`}
    union all select 'relation ' || n.nspname || '.' || c.relname from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${`mod_${shortId}`} or c.relname like ${prefix}
    union all select 'function ' || p.proname from pg_catalog.pg_proc p where p.proname like ${prefix}
    union all select 'type ' || t.typname from pg_catalog.pg_type t where t.typname like ${prefix}
    order by 1`.execute(db);
  return rows.map((r) => r.x);
}

/** Rows of `module_data` of modules other than `except` whose value or key contains `needle`. */
export async function moduleDataContaining(
  db: Kysely<any>,
  needle: string,
  except: string,
): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from public.module_data
    where module_short_id <> ${except}
      and (value::text like ${`%${needle}%`} or key like ${`%${needle}%`} or collection like ${`%${needle}%`})`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/** Whether any text column of any relation of the module's namespace holds `needle`. */
export async function namespaceContains(
  db: Kysely<any>,
  shortId: string,
  needle: string,
): Promise<boolean> {
  const { rows } = await sql<{ schema: string; name: string }>`
    select n.nspname as schema, c.relname as name
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'v', 'm', 'p')
      and (n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`}))`.execute(
    db,
  );
  for (const { schema, name } of rows) {
    const hit = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id(schema, name)} t where t::text like ${`%${needle}%`}`.execute(
      db,
    );
    if ((hit.rows[0]?.n ?? 0) > 0) return true;
  }
  return false;
}

/**
 * Everything about one module's namespace, with its short id replaced by `<short>` so two
 * modules of the same definition compare equal: registry row, relations, columns, constraints,
 * indexes, policies, ACLs, triggers, role attributes and memberships.
 */
export async function moduleShape(db: Kysely<any>, shortId: string): Promise<string> {
  const ns = `mod_${shortId}`;
  const prefix = `mod\\_${shortId}\\_%`;
  const rels = sql`(select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${ns} or (n.nspname = 'public' and c.relname like ${prefix}))`;
  const registry = await sql`
    select version, status, strategy, schema_name, role_name, table_names from public.module_database_registry
    where module_short_id = ${shortId}`.execute(db);
  const columns = await sql`
    select a.attrelid::regclass::text as t, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
      a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as def, a.attacl::text as acl
    from pg_catalog.pg_attribute a left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid in ${rels} and a.attnum > 0 and not a.attisdropped order by 1, 2`.execute(db);
  const constraints = await sql`
    select conrelid::regclass::text as t, conname, pg_catalog.pg_get_constraintdef(oid) as def
    from pg_catalog.pg_constraint where conrelid in ${rels} order by 1, 2`.execute(db);
  const indexes = await sql`
    select pg_catalog.pg_get_indexdef(indexrelid) as def from pg_catalog.pg_index where indrelid in ${rels} order by 1`.execute(
    db,
  );
  const acls = await sql`
    select c.oid::regclass::text as t, c.relkind::text as kind, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
      c.relacl::text as acl from pg_catalog.pg_class c where c.oid in ${rels} order by 1`.execute(
    db,
  );
  const policies = await sql`
    select p.polrelid::regclass::text as t, p.polname, p.polpermissive, p.polcmd::text as cmd, p.polroles::regrole[]::text as roles,
      pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as chk
    from pg_catalog.pg_policy p where p.polrelid in ${rels} order by 1, 2`.execute(db);
  const triggers = await triggersOf(db, shortId);
  const roles: Record<string, unknown> = {};
  for (const role of [`modrole_${shortId}`, `modadmin_${shortId}`]) {
    roles[role] = {
      attributes: await roleAttributes(db, role),
      memberOf: await memberOf(db, role),
      members: await membersOf(db, role),
    };
  }
  return (
    JSON.stringify({
      registry: registry.rows,
      columns: columns.rows,
      constraints: constraints.rows,
      indexes: indexes.rows,
      acls: acls.rows,
      policies: policies.rows,
      triggers,
      roles,
    })
      // The module's own role manager (dramac_roles_<first two hex digits>) differs between modules.
      .split(`dramac_roles_${shortId.slice(0, 2)}`)
      .join('dramac_roles_<bucket>')
      .split(shortId)
      .join('<short>')
  );
}

/** Owners of the module's relations: `schema.name:owner`. */
export async function ownersOf(db: Kysely<any>, shortId: string): Promise<string[]> {
  const { rows } = await sql<{ o: string }>`
    select n.nspname || '.' || c.relname || ':' || pg_catalog.pg_get_userbyid(c.relowner) as o
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${`mod_${shortId}`} or (n.nspname = 'public' and c.relname like ${`mod\\_${shortId}\\_%`})
    order by 1`.execute(db);
  return rows.map((r) => r.o);
}

/**
 * What a module may not leave behind besides its tables: functions (anywhere) owned by its roles or
 * in its schema, types that are not its tables' row types, default privileges of its roles, and
 * objects in public owned by its roles other than its prefixed relations.
 */
export async function routinesOf(db: Kysely<any>, shortId: string): Promise<string[]> {
  const roles = [`modrole_${shortId}`, `modadmin_${shortId}`, `modowner_${shortId}`];
  const { rows } = await sql<{ x: string }>`
    with r as (select oid from pg_catalog.pg_roles where rolname = any(${roles}::text[]))
    select 'function ' || p.oid::regprocedure::text as x from pg_catalog.pg_proc p
      where p.proowner in (select oid from r) or p.pronamespace::regnamespace::text = ${`mod_${shortId}`}
    union all
    select 'type ' || t.oid::regtype::text from pg_catalog.pg_type t
      where (t.typowner in (select oid from r) or t.typnamespace::regnamespace::text = ${`mod_${shortId}`})
        and t.typelem = 0
        and (t.typrelid = 0 or (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c')
    union all
    select 'relation ' || c.oid::regclass::text from pg_catalog.pg_class c
      where c.relowner in (select oid from r) and c.relkind not in ('i', 'S', 't')
        and c.relnamespace::regnamespace::text <> ${`mod_${shortId}`}
        and not (c.relnamespace = 'public'::regnamespace and c.relname like ${`mod\\_${shortId}\\_%`})
    union all
    select 'default privileges of ' || pg_catalog.pg_get_userbyid(d.defaclrole) || ': ' || d.defaclacl::text
      from pg_catalog.pg_default_acl d
      where d.defaclrole in (select oid from r) or d.defaclacl::text ~ ${`mod[a-z]*_${shortId}=`}
    order by 1`.execute(db);
  return rows.map((r) => r.x);
}

/** The body of `dramac_ddl.run` exactly as platform migration 10 creates it. */
const RUNNER_SOURCE = (() => {
  const m = /AS \$fn\$([\s\S]*?)\$fn\$;/.exec(SQL_DDL_RUNNER);
  if (!m?.[1]) throw new Error('no function body in SQL_DDL_RUNNER');
  return m[1];
})();

/**
 * Everything wrong with the platform's DDL runner at rest (see sql-ddl-runner.ts): it must be the
 * one function in its schema, owned by dramac_platform, SECURITY DEFINER, with its own body, no
 * privilege for anyone but its owner, no comment, no dependency but its schema, and the schema
 * closed to every module role. Empty when all is as migration 10 left it.
 */
export async function runnerProblems(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ x: string }>`
    with fn as (select p.* from pg_catalog.pg_proc p where p.oid = to_regprocedure('dramac_ddl.run(text[])'))
    select 'missing' as x where not exists (select 1 from fn)
    union all select 'owner ' || pg_get_userbyid(proowner) from fn where pg_get_userbyid(proowner) <> 'dramac_platform'
    union all select 'security invoker' from fn where not prosecdef
    union all select 'body changed' from fn where prosrc <> ${RUNNER_SOURCE}
    union all select 'privileges ' || coalesce(proacl::text, 'default (PUBLIC)') from fn
      where proacl is null or proacl::text <> '{dramac_platform=X/dramac_platform}'
    union all select 'settings ' || proconfig::text from fn
      where proconfig is null or array_length(proconfig, 1) <> 1 or proconfig[1] !~ '^search_path=pg_catalog, (.*, )?pg_temp$'
    union all select 'comment ' || d.description from pg_catalog.pg_description d, fn
      where d.objoid = fn.oid and d.classoid = 'pg_catalog.pg_proc'::regclass
    union all select 'depends on ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) from pg_catalog.pg_depend d, fn
      where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = fn.oid
        and not (d.refclassid = 'pg_catalog.pg_namespace'::regclass and d.refobjid = fn.pronamespace)
        and not (d.refclassid = 'pg_catalog.pg_language'::regclass and d.refobjid = fn.prolang)
    union all select 'in its schema: ' || pg_describe_object(d.classid, d.objid, d.objsubid) from pg_catalog.pg_depend d
      where d.refclassid = 'pg_catalog.pg_namespace'::regclass and d.refobjid = to_regnamespace('dramac_ddl')
        and d.objid is distinct from to_regprocedure('dramac_ddl.run(text[])')::oid
    union all select 'schema privilege ' || a.privilege_type || ' of ' || pg_get_userbyid(a.grantee)
      from pg_catalog.pg_namespace n, aclexplode(n.nspacl) a
      where n.nspname = 'dramac_ddl' and pg_get_userbyid(a.grantee) not in ('dramac_platform', pg_get_userbyid(n.nspowner))
    order by 1`.execute(db);
  return rows.map((r) => r.x);
}
