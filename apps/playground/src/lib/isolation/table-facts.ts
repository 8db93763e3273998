import 'server-only';
import { type Kysely, sql } from 'kysely';

export interface PolicyFact {
  readonly name: string;
  readonly permissive: boolean;
  /** `select`, `insert`, `update`, `delete` or `all`. */
  readonly command: string;
  readonly roles: readonly string[];
  readonly using: string | null;
  readonly withCheck: string | null;
}

/** What the catalog says about one table: its policies and who holds which privilege. */
export interface TableFacts {
  readonly qualified: string;
  readonly schema: string;
  readonly rlsForced: boolean;
  /** The table's owner (its privileges come with ownership, not from a grant). */
  readonly owner: string;
  readonly policies: readonly PolicyFact[];
  /** Grantee -> privileges (`SELECT`, `INSERT`...). */
  readonly grants: ReadonlyMap<string, readonly string[]>;
  /** Column privileges: grantee -> privilege -> columns (a visitor role's `SELECT (id, name)`). */
  readonly columnGrants: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

const COMMANDS: Record<string, string> = {
  r: 'select',
  a: 'insert',
  w: 'update',
  d: 'delete',
  '*': 'all',
};

/** Policies and privileges of the given tables (`schema.table`), read from pg_policy and relacl. */
export async function readTableFacts(
  db: Kysely<any>,
  qualified: readonly string[],
): Promise<Map<string, TableFacts>> {
  if (qualified.length === 0) return new Map();
  const { rows } = await sql<{
    qualified: string;
    schema: string;
    forced: boolean;
    owner: string;
    policies: {
      name: string;
      permissive: boolean;
      cmd: string;
      roles: string[] | null;
      qual: string | null;
      check: string | null;
    }[];
    grants: { grantee: string; privilege: string }[];
    column_grants: { grantee: string; privilege: string; column: string }[];
  }>`
    select n.nspname || '.' || c.relname as qualified, n.nspname as schema,
      c.relforcerowsecurity as forced, pg_catalog.pg_get_userbyid(c.relowner)::text as owner,
      coalesce((
        select json_agg(json_build_object(
          'name', p.polname, 'permissive', p.polpermissive, 'cmd', p.polcmd,
          'qual', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
          'check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
          'roles', (select array_agg(case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end)
                    from unnest(p.polroles) r))
          order by p.polpermissive desc, p.polname)
        from pg_catalog.pg_policy p where p.polrelid = c.oid), '[]') as policies,
      coalesce((
        select json_agg(json_build_object(
          'grantee', case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee)::text end,
          'privilege', a.privilege_type))
        from pg_catalog.aclexplode(c.relacl) a), '[]') as grants,
      coalesce((
        select json_agg(json_build_object(
          'grantee', case when x.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(x.grantee)::text end,
          'privilege', x.privilege_type, 'column', att.attname) order by att.attnum)
        from pg_catalog.pg_attribute att cross join lateral pg_catalog.aclexplode(att.attacl) x
        where att.attrelid = c.oid and att.attnum > 0 and not att.attisdropped), '[]') as column_grants
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname || '.' || c.relname = any(${[...qualified]}::text[])`.execute(db);
  const out = new Map<string, TableFacts>();
  for (const r of rows) {
    const grants = new Map<string, string[]>();
    for (const g of r.grants)
      grants.set(g.grantee, [...(grants.get(g.grantee) ?? []), g.privilege]);
    const columnGrants = new Map<string, Map<string, string[]>>();
    for (const g of r.column_grants) {
      const byPrivilege = columnGrants.get(g.grantee) ?? new Map<string, string[]>();
      columnGrants.set(g.grantee, byPrivilege);
      byPrivilege.set(g.privilege, [...(byPrivilege.get(g.privilege) ?? []), g.column]);
    }
    out.set(r.qualified, {
      qualified: r.qualified,
      schema: r.schema,
      rlsForced: r.forced,
      owner: r.owner,
      policies: r.policies.map((p) => ({
        name: p.name,
        permissive: p.permissive,
        command: COMMANDS[p.cmd] ?? p.cmd,
        roles: p.roles ?? [],
        using: p.qual,
        withCheck: p.check,
      })),
      grants,
      columnGrants,
    });
  }
  return out;
}

/** `modrole_x holds SELECT, INSERT, UPDATE, DELETE on t` or the list of who does. */
export function grantLine(facts: TableFacts | undefined, role: string): string {
  if (!facts) return 'the table is not in the catalog';
  const held = facts.grants.get(role);
  if (held && held.length > 0)
    return `${role} holds ${held.join(', ')} on ${facts.qualified} (granted by the module's plan)`;
  const holders = [...facts.grants]
    .filter(([g]) => g !== facts.owner)
    .map(([g, p]) => `${g} (${p.join(', ')})`)
    .join('; ');
  return `${role} holds no privilege on ${facts.qualified}; besides its owner ${facts.owner}, only ${holders || 'nobody'} ${holders.includes(';') ? 'hold' : 'holds'} any`;
}

/** `modvisitor_x may SELECT (id, name) and INSERT (name) on t`, or that it holds nothing. */
export function columnGrantLine(facts: TableFacts | undefined, role: string): string {
  if (!facts) return 'the table is not in the catalog';
  const held = facts.columnGrants.get(role);
  const table = facts.grants.get(role);
  const parts = [
    ...(table ?? []).map((p) => `${p} on the whole table`),
    ...[...(held ?? [])].map(([p, cols]) => `${p} (${cols.join(', ')})`),
  ];
  if (parts.length === 0) {
    return `${role} holds no privilege on ${facts.qualified}, on the table or any column`;
  }
  return `${role} holds ${parts.join(' and ')} on ${facts.qualified}; nothing else`;
}
