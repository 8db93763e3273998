import { type Kysely, sql } from 'kysely';

/** A relation in the module's namespace. `kind` is `pg_class.relkind`. */
export interface CatalogRelation {
  readonly name: string;
  readonly kind: string;
  readonly rls: boolean;
  readonly forced: boolean;
}

/** A column of a module table, its type as `format_type` spells it. */
export interface CatalogColumn {
  readonly table: string;
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
}

/** A constraint of a module table; `type` is `pg_constraint.contype`. */
export interface CatalogConstraint {
  readonly table: string;
  readonly name: string;
  readonly type: string;
}

/** An index of a module table that backs no constraint. */
export interface CatalogIndex {
  readonly table: string;
  readonly name: string;
  readonly valid: boolean;
}

/** A policy; `command` is `pg_policy.polcmd`, `roles` role names (`public` for PUBLIC). */
export interface CatalogPolicy {
  readonly table: string;
  readonly name: string;
  readonly permissive: boolean;
  readonly command: string;
  readonly roles: readonly string[];
}

/** A user trigger; `enabled` is `pg_trigger.tgenabled` (`D` when disabled). */
export interface CatalogTrigger {
  readonly table: string;
  readonly name: string;
  readonly enabled: string;
}

/** One privilege a grantee holds on a module table (`column` set for a column-level grant). */
export interface CatalogGrant {
  readonly table: string;
  /** A role name, or `PUBLIC`. */
  readonly grantee: string;
  readonly privilege: string;
  readonly column: string | null;
}

/** What the catalog holds in one module's namespace (internal to the drift check). */
export interface ModuleCatalog {
  readonly relations: readonly CatalogRelation[];
  readonly columns: readonly CatalogColumn[];
  readonly constraints: readonly CatalogConstraint[];
  readonly indexes: readonly CatalogIndex[];
  readonly policies: readonly CatalogPolicy[];
  readonly triggers: readonly CatalogTrigger[];
  readonly grants: readonly CatalogGrant[];
  /** Which of the roles asked about exist. */
  readonly existingRoles: readonly string[];
}

/** Where a module's relations live: a whole schema, or the `prefix`ed relations of `public`. */
export interface ModuleNamespace {
  readonly schema: string;
  /** `mod_<id>_` for the prefix strategy, null for the schema strategy. */
  readonly prefix: string | null;
}

/**
 * Reads a module's namespace from the catalog in one repeatable snapshot (internal). Every value is
 * a bind parameter; identifiers are never spliced into the text.
 *
 * `roles` are checked with `has_table_privilege`, so privileges they hold through membership of
 * another role count too; PUBLIC's come from the tables' ACLs, column-level grants of anyone
 * from the columns' ACLs.
 *
 * @example
 * const catalog = await readModuleCatalog(db, { schema: 'mod_c7a1e0b2', prefix: null }, ['modrole_c7a1e0b2']);
 * catalog.relations.map((r) => r.name); // ['activities', 'companies', 'contacts', 'deals']
 * @throws the driver's error when a query fails (callers map it to a typed error).
 */
export async function readModuleCatalog(
  db: Kysely<any>,
  namespace: ModuleNamespace,
  roles: readonly string[],
): Promise<ModuleCatalog> {
  const { schema, prefix } = namespace;
  // The relations of the namespace, as a reusable fragment (each query re-states it).
  const rels = sql`
    select c.oid, c.relname::text as name, c.relkind::text as kind, c.relrowsecurity, c.relforcerowsecurity, c.relacl
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema}::text
      and (${prefix}::text is null or left(c.relname, length(${prefix}::text)) = ${prefix}::text)
      and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')`;
  const tables = sql`(select * from (${rels}) r where r.kind in ('r', 'p'))`;

  const read = async (trx: Kysely<any>): Promise<ModuleCatalog> => {
    const relations = await sql<{
      name: string;
      kind: string;
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
    }>`select name, kind, relrowsecurity, relforcerowsecurity from (${rels}) r order by name`.execute(
      trx,
    );
    const columns = await sql<{ table: string; name: string; type: string; not_null: boolean }>`
      select t.name as table, a.attname::text as name,
             pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null
      from ${tables} t join pg_catalog.pg_attribute a on a.attrelid = t.oid
      where a.attnum > 0 and not a.attisdropped
      order by t.name, a.attnum`.execute(trx);
    const constraints = await sql<{ table: string; name: string; type: string }>`
      select t.name as table, k.conname::text as name, k.contype::text as type
      from ${tables} t join pg_catalog.pg_constraint k on k.conrelid = t.oid
      where k.contype in ('p', 'u', 'c', 'f', 'x')
      order by t.name, k.conname`.execute(trx);
    // Indexes behind a primary key, unique or exclusion constraint are reported as constraints.
    const indexes = await sql<{ table: string; name: string; valid: boolean }>`
      select t.name as table, i.relname::text as name, x.indisvalid as valid
      from ${tables} t
      join pg_catalog.pg_index x on x.indrelid = t.oid
      join pg_catalog.pg_class i on i.oid = x.indexrelid
      where not exists (
        select 1 from pg_catalog.pg_constraint k
        where k.conindid = x.indexrelid and k.conrelid = x.indrelid and k.contype in ('p', 'u', 'x'))
      order by t.name, i.relname`.execute(trx);
    const policies = await sql<{
      table: string;
      name: string;
      permissive: boolean;
      command: string;
      roles: string[];
    }>`
      select t.name as table, p.polname::text as name, p.polpermissive as permissive,
             p.polcmd::text as command,
             array(select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end
                   from unnest(p.polroles) r order by 1)::text[] as roles
      from ${tables} t join pg_catalog.pg_policy p on p.polrelid = t.oid
      order by t.name, p.polname`.execute(trx);
    const triggers = await sql<{ table: string; name: string; enabled: string }>`
      select t.name as table, g.tgname::text as name, g.tgenabled::text as enabled
      from ${tables} t join pg_catalog.pg_trigger g on g.tgrelid = t.oid
      where not g.tgisinternal
      order by t.name, g.tgname`.execute(trx);
    const existing = await sql<{ rolname: string }>`
      select rolname::text from pg_catalog.pg_roles where rolname = any(${[...roles]}::text[])
      order by rolname`.execute(trx);
    const grants = await sql<{
      table: string;
      grantee: string;
      privilege: string;
      column: string | null;
    }>`
      with privs(privilege) as (
        select unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']
          -- MAINTAIN exists from PostgreSQL 17 on; asking an older server about it is an error.
          || case when pg_catalog.current_setting('server_version_num')::int >= 170000
                  then array['MAINTAIN'] else array[]::text[] end)
      )
      select t.name as table, r.rolname::text as grantee, p.privilege, null::text as column
      from ${tables} t cross join privs p
      join pg_catalog.pg_roles r on r.rolname = any(${[...roles]}::text[])
      where pg_catalog.has_table_privilege(r.oid, t.oid, p.privilege)
      union all
      select t.name, 'PUBLIC', a.privilege_type::text, null
      from ${tables} t cross join lateral pg_catalog.aclexplode(t.relacl) a
      where a.grantee = 0
      union all
      select t.name, case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee)::text end,
             a.privilege_type::text, c.attname::text
      from ${tables} t join pg_catalog.pg_attribute c on c.attrelid = t.oid
      cross join lateral pg_catalog.aclexplode(c.attacl) a
      where c.attnum > 0 and not c.attisdropped
      order by 1, 2, 4 nulls first, 3`.execute(trx);

    return {
      relations: relations.rows.map((r) => ({
        name: r.name,
        kind: r.kind,
        rls: r.relrowsecurity,
        forced: r.relforcerowsecurity,
      })),
      columns: columns.rows.map((r) => ({
        table: r.table,
        name: r.name,
        type: r.type,
        notNull: r.not_null,
      })),
      constraints: constraints.rows,
      indexes: indexes.rows,
      policies: policies.rows,
      triggers: triggers.rows,
      grants: grants.rows,
      existingRoles: existing.rows.map((r) => r.rolname),
    };
  };

  // One snapshot for every query, so a concurrent DDL cannot make the parts disagree.
  if (db.isTransaction) return read(db);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(read);
}
