import { type Kysely, sql } from 'kysely';

/** Where one module's objects live (internal to the lint). */
export interface LintNamespace {
  /** `mod_<id>` for the schema strategy, null otherwise. */
  readonly schema: string | null;
  /** `mod_<id>_` for the prefix strategy (relations and functions in `public`), null otherwise. */
  readonly prefix: string | null;
  /** Platform tables that hold the module's rows (`module_data` for widgets). */
  readonly sharedTables: readonly string[];
}

/** A relation of the namespace. */
export interface LintRelation {
  readonly name: string;
  /** `pg_class.relkind`: r table, p partitioned, v view, m materialized view, S sequence... */
  readonly kind: string;
  readonly rls: boolean;
  readonly forced: boolean;
  readonly securityInvoker: boolean;
  readonly hasPrimaryKey: boolean;
  readonly hasSiteId: boolean;
  /** A valid, non-partial index whose first key column is `site_id`. */
  readonly siteIndexed: boolean;
}

/** A function the lint looks at: one of the namespace, or one a policy calls. */
export interface LintFunction {
  readonly signature: string;
  /** The signature with quoted identifiers, for SQL. */
  readonly quoted: string;
  readonly name: string;
  readonly schema: string;
  /** `pg_proc.provolatile`: i, s or v. */
  readonly volatility: string;
  readonly securityDefiner: boolean;
  readonly fixedSearchPath: boolean;
  readonly publicExecute: boolean;
}

/** A row-level security policy. */
export interface LintPolicy {
  readonly table: string;
  readonly name: string;
  readonly permissive: boolean;
  /** `pg_policy.polcmd`: `*` for ALL, r, a, w, d. */
  readonly command: string;
  /** Role names; `public` for PUBLIC. */
  readonly roles: readonly string[];
  readonly using: string | null;
  readonly withCheck: string | null;
  /** Signatures of the functions the policy depends on (pg_depend). */
  readonly functions: readonly string[];
}

/** A foreign key and whether an index covers it. */
export interface LintForeignKey {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly covered: boolean;
}

/** A privilege granted to PUBLIC, anon or authenticated on a namespace object. */
export interface LintGrant {
  readonly kind: 'relation' | 'column' | 'schema' | 'function';
  readonly object: string;
  readonly grantee: string;
  readonly privilege: string;
  /** The exact statement that takes the grant back. */
  readonly remedy: string;
}

/** Everything the lint reads about one module. */
export interface LintCatalog {
  readonly relations: readonly LintRelation[];
  readonly policies: readonly LintPolicy[];
  readonly foreignKeys: readonly LintForeignKey[];
  readonly grants: readonly LintGrant[];
  readonly functions: readonly LintFunction[];
}

/** Relations of the namespace, as a SQL fragment (every value a bind parameter). */
function relations(ns: LintNamespace) {
  return sql`
    select c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
           c.reloptions, c.relacl, n.nspname || '.' || c.relname as qualified
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and (n.nspname = ${ns.schema}::text
        or (n.nspname = 'public' and ${ns.prefix}::text is not null
            and left(c.relname, length(${ns.prefix}::text)) = ${ns.prefix}::text)
        or (n.nspname = 'public' and c.relname = any(${[...ns.sharedTables]}::text[])))`;
}

/** Functions of the namespace, as a SQL fragment. */
function namespaceFunctions(ns: LintNamespace) {
  return sql`
    select p.oid from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = ${ns.schema}::text
       or (n.nspname = 'public' and ${ns.prefix}::text is not null
           and left(p.proname, length(${ns.prefix}::text)) = ${ns.prefix}::text)`;
}

/**
 * Reads what the lint needs about one module's namespace, in one repeatable-read snapshot when
 * the caller gives a transaction (internal). Reads the catalog only; every value is a parameter.
 */
export async function readLintCatalog(db: Kysely<any>, ns: LintNamespace): Promise<LintCatalog> {
  const rels = await sql<{
    name: string;
    kind: string;
    rls: boolean;
    forced: boolean;
    security_invoker: boolean;
    has_pk: boolean;
    has_site_id: boolean;
    site_indexed: boolean;
  }>`
    with rels as (${relations(ns)})
    select r.qualified as name, r.relkind::text as kind, r.relrowsecurity as rls, r.relforcerowsecurity as forced,
      exists (select 1 from unnest(coalesce(r.reloptions, '{}')) o
              where lower(o) in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes')) as security_invoker,
      exists (select 1 from pg_catalog.pg_constraint k where k.conrelid = r.oid and k.contype = 'p') as has_pk,
      exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = r.oid and a.attname = 'site_id'
              and a.attnum > 0 and not a.attisdropped) as has_site_id,
      exists (select 1 from pg_catalog.pg_index i join pg_catalog.pg_attribute a
                on a.attrelid = i.indrelid and a.attname = 'site_id' and not a.attisdropped
              where i.indrelid = r.oid and i.indisvalid and i.indpred is null
                and (string_to_array(i.indkey::text, ' ')::int2[])[1] = a.attnum) as site_indexed
    from rels r order by 1`.execute(db);

  const policies = await sql<{
    table: string;
    name: string;
    permissive: boolean;
    command: string;
    roles: string[];
    using: string | null;
    with_check: string | null;
    functions: string[];
  }>`
    with rels as (${relations(ns)})
    select r.qualified as table, p.polname::text as name, p.polpermissive as permissive, p.polcmd::text as command,
      array(select case when x = 0 then 'public' else pg_catalog.pg_get_userbyid(x)::text end
            from unnest(p.polroles) x order by 1) as roles,
      pg_catalog.pg_get_expr(p.polqual, p.polrelid) as using,
      pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check,
      array(select format('%s.%s(%s)', f.pronamespace::regnamespace, f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid))
            from pg_catalog.pg_depend d join pg_catalog.pg_proc f on f.oid = d.refobjid
            where d.classid = 'pg_catalog.pg_policy'::regclass and d.objid = p.oid
              and d.refclassid = 'pg_catalog.pg_proc'::regclass order by 1) as functions
    from pg_catalog.pg_policy p join rels r on r.oid = p.polrelid
    order by 1, 2`.execute(db);

  const foreignKeys = await sql<{
    table: string;
    name: string;
    columns: string[];
    covered: boolean;
  }>`
    with rels as (${relations(ns)})
    select r.qualified as table, k.conname::text as name,
      array(select a.attname::text from unnest(k.conkey) with ordinality u(attnum, ord)
            join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.ord) as columns,
      exists (
        select 1 from pg_catalog.pg_index i
        where i.indrelid = k.conrelid and i.indisvalid and i.indpred is null
          and i.indnkeyatts >= cardinality(k.conkey)
          and (select array_agg(x order by x) from unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)]) x)
            = (select array_agg(x order by x) from unnest(k.conkey) x)
      ) as covered
    from pg_catalog.pg_constraint k join rels r on r.oid = k.conrelid
    where k.contype = 'f' order by 1, 2`.execute(db);

  const grants = await sql<LintGrant>`
    with rels as (${relations(ns)}),
    api as (select oid, rolname::text as name from pg_catalog.pg_roles where rolname in ('anon', 'authenticated')),
    acl as (
      select 'relation' as kind, r.qualified as object, a.grantee, a.privilege_type,
        format('%s on table %s', lower(a.privilege_type), r.oid::regclass) as target
      from rels r, aclexplode(r.relacl) a where r.relacl is not null
      union all
      select 'column', r.qualified || '.' || att.attname, a.grantee, a.privilege_type,
        format('%s (%I) on table %s', lower(a.privilege_type), att.attname, r.oid::regclass)
      from rels r join pg_catalog.pg_attribute att on att.attrelid = r.oid and att.attnum > 0 and not att.attisdropped,
        aclexplode(att.attacl) a where att.attacl is not null
      union all
      select 'schema', n.nspname::text, a.grantee, a.privilege_type,
        format('%s on schema %I', lower(a.privilege_type), n.nspname)
      from pg_catalog.pg_namespace n, aclexplode(n.nspacl) a where n.nspname = ${ns.schema}::text and n.nspacl is not null
      union all
      select 'function', format('%s.%s(%s)', p.pronamespace::regnamespace, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), a.grantee, a.privilege_type,
        format('%s on function %I.%I(%s)', lower(a.privilege_type), n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace,
        aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
      where p.oid in (${namespaceFunctions(ns)}) and not p.prosecdef
    )
    select acl.kind, acl.object, case when acl.grantee = 0 then 'PUBLIC' else api.name end as grantee,
           acl.privilege_type as privilege,
           format('revoke %s from %s', acl.target, case when acl.grantee = 0 then 'public' else quote_ident(api.name) end) as remedy
    from acl left join api on api.oid = acl.grantee
    where acl.grantee = 0 or api.oid is not null
    order by 1, 2, 3, 4`.execute(db);

  const functions = await sql<{
    signature: string;
    quoted: string;
    name: string;
    schema: string;
    volatility: string;
    security_definer: boolean;
    fixed_search_path: boolean;
    public_execute: boolean;
  }>`
    with rels as (${relations(ns)}),
    fns as (
      ${namespaceFunctions(ns)}
      union
      select d.refobjid from pg_catalog.pg_depend d join pg_catalog.pg_policy p on p.oid = d.objid
      where d.classid = 'pg_catalog.pg_policy'::regclass and d.refclassid = 'pg_catalog.pg_proc'::regclass
        and p.polrelid in (select oid from rels)
    )
    select format('%s.%s(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as signature,
      format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as quoted,
      p.proname::text as name, n.nspname::text as schema,
      p.provolatile::text as volatility, p.prosecdef as security_definer,
      exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%') as fixed_search_path,
      exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_execute
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where p.oid in (select oid from fns)
    order by 1`.execute(db);

  return {
    relations: rels.rows.map((r) => ({
      name: r.name,
      kind: r.kind,
      rls: r.rls,
      forced: r.forced,
      securityInvoker: r.security_invoker,
      hasPrimaryKey: r.has_pk,
      hasSiteId: r.has_site_id,
      siteIndexed: r.site_indexed,
    })),
    policies: policies.rows.map((p) => ({
      table: p.table,
      name: p.name,
      permissive: p.permissive,
      command: p.command,
      roles: p.roles,
      using: p.using,
      withCheck: p.with_check,
      functions: p.functions,
    })),
    foreignKeys: foreignKeys.rows,
    grants: grants.rows,
    functions: functions.rows.map((f) => ({
      signature: f.signature,
      quoted: f.quoted,
      name: f.name,
      schema: f.schema,
      volatility: f.volatility,
      securityDefiner: f.security_definer,
      fixedSearchPath: f.fixed_search_path,
      publicExecute: f.public_execute,
    })),
  };
}
