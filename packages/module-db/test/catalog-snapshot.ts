import { type Kysely, sql } from 'kysely';

/**
 * Everything a module could leave behind, for before/after comparisons: module schemas, module
 * roles, module-named relations, policies, registry rows, events and installations.
 */
export async function moduleCatalogSnapshot(db: Kysely<any>) {
  const { rows } = await sql<{ kind: string; name: string }>`
    select 'schema' as kind, nspname as name from pg_namespace where nspname like 'mod\\_%'
    union all select 'role', rolname from pg_roles where rolname like 'modrole\\_%'
    union all select 'relation', n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname like 'mod\\_%' or c.relname like 'mod\\_%'
    union all select 'policy', c.relname || '.' || p.polname from pg_policy p join pg_class c on c.oid = p.polrelid
    union all select 'registry', module_short_id from public.module_database_registry
    union all select 'version', module_id || '@' || version from public.module_database_versions
    union all select 'event', module_short_id || ':' || event from public.module_database_events
    union all select 'acl', c.relname || ':' || coalesce(c.relacl::text, '') from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
    order by 1, 2`.execute(db);
  return rows.map((r) => `${r.kind} ${r.name}`);
}

/** Module roles are cluster-wide: only look at the ones of the modules a test owns. */
export function onlyModules(snapshot: readonly string[], shortIds: readonly string[]): string[] {
  return snapshot.filter(
    (line) => !/(mod|modrole)_[a-f0-9]{8}/.test(line) || shortIds.some((id) => line.includes(id)),
  );
}
