import 'server-only';
import { type Kysely, sql } from 'kysely';
import { getDb } from '../database';
import { readModuleStates } from '../module-state';
import { readPlatform } from '../platform';
import type { MatrixCell, MatrixSection } from './matrix-types';
import { grantLine, readTableFacts } from './table-facts';

const STATEMENTS = ['select', 'insert', 'update', 'delete'] as const;
type Statement = (typeof STATEMENTS)[number];

/**
 * The statement of each kind against `table`, touching no row (`where false`): PostgreSQL checks
 * privileges when it starts the statement, so a missing grant fails all the same.
 */
function statementFor(kind: Statement, table: string) {
  const t = sql.table(table);
  switch (kind) {
    case 'select':
      return sql`select count(*) from ${t}`;
    case 'insert':
      return sql`insert into ${t} (${sql.id('site_id')}) select null::uuid where false`;
    case 'update':
      return sql`update ${t} set ${sql.id('site_id')} = null where false`;
    case 'delete':
      return sql`delete from ${t} where false`;
  }
}

class Rollback extends Error {}

interface Tried {
  readonly ok: boolean;
  readonly message: string;
  readonly sqlstate?: string;
}

/**
 * Runs every statement kind against every table as `role`, in one transaction that is rolled
 * back (a savepoint per statement, so a denial does not end the run). The role and the request
 * claims are set with SET LOCAL and set_config(..., true), as the data client does.
 */
async function tryAs(
  db: Kysely<any>,
  role: string,
  claims: Record<string, string>,
  tables: readonly string[],
): Promise<Map<string, Tried>> {
  const out = new Map<string, Tried>();
  await db
    .transaction()
    .execute(async (trx) => {
      await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute(
        trx,
      );
      await sql`set local role ${sql.id(role)}`.execute(trx);
      for (const table of tables) {
        for (const kind of STATEMENTS) {
          await sql`savepoint probe`.execute(trx);
          try {
            const r = await statementFor(kind, table).execute(trx);
            await sql`release savepoint probe`.execute(trx);
            const n = kind === 'select' ? Number((r.rows[0] as { count?: string })?.count ?? 0) : 0;
            out.set(`${table}/${kind}`, {
              ok: true,
              message:
                kind === 'select'
                  ? `ran: ${n} rows visible through the policies`
                  : 'ran (touched no row: where false)',
            });
          } catch (error) {
            await sql`rollback to savepoint probe`.execute(trx);
            const e = error as { code?: string; message?: string };
            out.set(`${table}/${kind}`, {
              ok: false,
              message: e.message ?? String(error),
              ...(e.code && { sqlstate: e.code }),
            });
          }
        }
      }
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return out;
}

/**
 * Each module's role (and its admin role) against every module's tables, live: select, insert,
 * update and delete run as that role. A module reaches its own tables and nothing else,
 * whatever SQL it sends: no grant on another module's tables, no usage on its schema.
 */
export async function runModuleAxis(): Promise<MatrixSection> {
  const started = Date.now();
  const db = getDb();
  const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
  const skipped: string[] = [];
  const modules = states.filter((s) => {
    if (!s.entry) return false;
    if (s.entry.strategy === 'shared') {
      skipped.push(`${s.module.title}: a widget (public.module_data), see the widget rows`);
      return false;
    }
    if (s.entry.status !== 'active') {
      skipped.push(`${s.module.title}: ${s.entry.status}`);
      return false;
    }
    return true;
  });
  const tables = modules.flatMap((s) => s.entry?.qualifiedTables ?? []);
  const owner = new Map<string, string>();
  for (const s of modules)
    for (const t of s.entry?.qualifiedTables ?? []) owner.set(t, s.module.key);
  const facts = await readTableFacts(db, tables);
  const { rows: schemaRows } = await sql<{ role: string; schema: string; usage: boolean }>`
    select r.rolname::text as role, n.nspname::text as schema,
      pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE') as usage
    from pg_catalog.pg_roles r cross join pg_catalog.pg_namespace n
    where r.rolname = any(${modules.flatMap((s) => [s.entry?.roleName ?? '', `modadmin_${s.entry?.shortId}`])}::text[])
      and n.nspname = any(${[...new Set([...facts.values()].map((f) => f.schema))]}::text[])`.execute(
    db,
  );
  const usage = new Map(schemaRows.map((r) => [`${r.role}/${r.schema}`, r.usage] as const));

  const cells: MatrixCell[] = [];
  const roleColumns: MatrixSection['columnGroups'][number][] = [];
  for (const s of modules) {
    const entry = s.entry as NonNullable<typeof s.entry>;
    // A site where the module is installed, and a member of its agency: the module's own tables
    // then answer as they would for a real request.
    const siteId = [...s.sites][0];
    const site = platform.sites.find((x) => x.id === siteId);
    const user = site ? platform.users.find((u) => u.agencyIds.includes(site.agencyId)) : undefined;
    const roles = [
      [entry.roleName, 'module role'],
      [`modadmin_${entry.shortId}`, 'admin role (server-only)'],
    ] as const;
    roleColumns.push({
      id: s.module.key,
      title: `${s.module.title} roles`,
      columns: roles.map(([role]) => ({ id: role, title: role })),
    });
    for (const [role, kind] of roles) {
      const claims: Record<string, string> = { role };
      if (siteId) claims.site_id = siteId;
      if (user && kind === 'module role') claims.sub = user.id;
      let tried: Map<string, Tried>;
      try {
        tried = await tryAs(db, role, claims, tables);
      } catch (error) {
        tried = new Map(
          tables.flatMap((t) =>
            STATEMENTS.map(
              (k) => [`${t}/${k}`, { ok: false, message: (error as Error).message }] as const,
            ),
          ),
        );
      }
      for (const table of tables) {
        const own = owner.get(table) === s.module.key;
        const results = STATEMENTS.map((k) => ({
          kind: k,
          ...(tried.get(`${table}/${k}`) as Tried),
        }));
        const okCount = results.filter((r) => r.ok).length;
        const denied = results.filter((r) => !r.ok && r.sqlstate === '42501').length;
        const f = facts.get(table);
        let outcome: MatrixCell['outcome'];
        if (!own && okCount > 0) outcome = 'leak';
        else if (own && okCount === STATEMENTS.length) outcome = 'allowed';
        else if (!own && denied === STATEMENTS.length) outcome = 'denied';
        else outcome = 'unexpected';
        const schemaUsage = f ? usage.get(`${role}/${f.schema}`) : undefined;
        const why = [
          f && f.schema !== 'public'
            ? `Schema ${f.schema}: ${role} ${schemaUsage ? 'has' : 'has no'} USAGE${schemaUsage ? '' : ', so every statement fails with "permission denied for schema"'}`
            : `Table in public: reachable only through its own grants`,
          `Grant: ${grantLine(f, role)}`,
          // The policies that apply to this role on its own tables: which rows it then sees.
          ...(own
            ? (f?.policies ?? [])
                .filter((p) => p.roles.includes(role) || p.roles.includes('public'))
                .map(
                  (p) =>
                    `Policy ${p.name} (${p.permissive ? 'permissive' : 'restrictive'}, ${p.command}, to ${role}): using ${p.using ?? 'true'}`,
                )
            : []),
          ...(own && kind === 'module role'
            ? ['Rows are still filtered by the site policy: the site axis shows which']
            : []),
          ...results.map(
            (r) =>
              `${r.kind}: ${r.ok ? r.message : `refused${r.sqlstate ? ` (${r.sqlstate})` : ''}: ${r.message}`}`,
          ),
        ];
        cells.push({
          row: table,
          column: role,
          expected: own ? 'allowed' : 'denied',
          outcome,
          short:
            outcome === 'allowed'
              ? 'own: S I U D'
              : outcome === 'denied'
                ? denied === STATEMENTS.length && results[0]?.message.includes('schema')
                  ? 'denied: no usage'
                  : 'denied: no grant'
                : outcome === 'leak'
                  ? `LEAK ${results
                      .filter((r) => r.ok)
                      .map((r) => r.kind[0]?.toUpperCase())
                      .join(' ')}`
                  : 'error',
          detail: own
            ? `${okCount}/${STATEMENTS.length} statement kinds ran`
            : `${denied}/${STATEMENTS.length} statement kinds refused with 42501`,
          why,
        });
      }
    }
  }
  return {
    id: 'module-axis',
    title: "Module axis: every module's tables x each module's roles",
    description:
      'select, insert, update and delete run as each role against each table (SET LOCAL ROLE, rolled back). A module reaches its own tables only, whatever SQL it sends.',
    groupHeader: 'Owner',
    rowHeader: 'Table',
    rows: modules.flatMap((s) =>
      (s.entry?.qualifiedTables ?? []).map((t) => ({ id: t, group: s.module.title, title: t })),
    ),
    columnGroups: roleColumns,
    cells,
    skipped,
    tookMs: Date.now() - started,
  };
}
