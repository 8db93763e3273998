import 'server-only';
import { isSitePublic, validateModuleDefinition } from '@dramac/module-db';
import { getModuleVisitorRoleName } from '@dramac/module-naming';
import { type Kysely, sql } from 'kysely';
import { getDb } from '../database';
import { installedDefinition } from '../module-catalog';
import { type ModuleState, readModuleStates } from '../module-state';
import { type PlatformSite, readPlatform } from '../platform';
import type { MatrixCell, MatrixSection } from './matrix-types';
import { type Probe, probeAs, type Tried } from './probe';
import { columnGrantLine, readTableFacts, type TableFacts } from './table-facts';

export const VISITOR_OPS = [
  ['read', 'read declared'],
  ['unlisted', 'read unlisted'],
  ['other-site', "another site's rows"],
  ['insert', 'insert'],
  ['update', 'update'],
  ['delete', 'delete'],
  ['other-module', "another module's visitor"],
] as const;
type VisitorOp = (typeof VISITOR_OPS)[number][0];

interface TableUnderTest {
  readonly state: ModuleState;
  readonly name: string;
  readonly qualified: string;
  readonly columns: readonly string[];
  readonly read: readonly string[];
  readonly insert: readonly string[];
  readonly sample: ((label?: string) => Record<string, unknown>) | undefined;
}

/** Rows stored per (table, site), counted as the platform (past row-level security). */
async function storedRows(db: Kysely<any>, tables: readonly TableUnderTest[]) {
  const out = new Map<string, number>();
  for (const t of tables) {
    const { rows } = await sql<{ site_id: string; n: number }>`
      select site_id::text, count(*)::int as n from ${sql.table(t.qualified)} group by site_id`.execute(
      db,
    );
    for (const r of rows) out.set(`${t.qualified}/${r.site_id}`, r.n);
  }
  return out;
}

/** The probes a visitor of `site` runs against one table (each in its own savepoint). */
function probesFor(t: TableUnderTest, site: string, otherSite: string): Probe[] {
  const table = sql.table(t.qualified);
  const list = (t.read.length > 0 ? t.read : ['id']).map((c) => sql.id(c));
  const unlisted = t.columns.filter((c) => !t.read.includes(c) && c !== 'site_id');
  const sample = t.insert.length > 0 ? t.sample?.('Matrix visitor') : undefined;
  return [
    {
      key: 'read',
      // site_id is granted with the declared columns: it shows whose rows came back.
      query: sql`select ${sql.id('site_id')}::text as site, ${sql.join(list)} from ${table}`,
    },
    ...unlisted.map((c) => ({
      key: `unlisted:${c}`,
      query: sql`select ${sql.id(c)} from ${table} limit 1`,
    })),
    {
      key: 'other-site',
      query: sql`select ${sql.id('site_id')}::text as site, ${sql.join(list)} from ${table} where ${sql.id('site_id')} = ${otherSite}::uuid`,
    },
    sample
      ? {
          key: 'insert',
          query: sql`insert into ${table} (${sql.join([sql.id('site_id'), ...Object.keys(sample).map((k) => sql.id(k))])})
            values (${sql.join([site, ...Object.values(sample)])})`,
        }
      : {
          // Touches no row: the privilege check alone decides.
          key: 'insert',
          query: sql`insert into ${table} (${sql.id('site_id')}) select null::uuid where false`,
        },
    {
      key: 'update',
      query: sql`update ${table} set ${sql.id('site_id')} = ${sql.id('site_id')} where false`,
    },
    { key: 'delete', query: sql`delete from ${table} where false` },
  ];
}

function visitorWhy(args: {
  site: PlatformSite;
  isPublic: boolean;
  installed: boolean;
  t: TableUnderTest;
  role: string;
  facts: TableFacts | undefined;
  command: 'select' | 'insert' | 'update' | 'delete';
}): string[] {
  const { facts, t, role } = args;
  const lines = [
    `A visitor: role ${role}, claims { role, site_id: ${args.site.name} }, no sub (no user)`,
    args.isPublic
      ? `${args.site.name} is public (dramac.public_sites, set with setSitePublic)`
      : `${args.site.name} is not public: dramac_visitor_can_access_current_site() is false`,
    args.installed
      ? `${t.state.module.title} is installed on ${args.site.name}`
      : `${t.state.module.title} is not installed on ${args.site.name}: dramac_visitor_can_access_current_site() is false`,
    t.read.length + t.insert.length === 0
      ? `${t.name} declares no visitors: members only`
      : `${t.name} declares visitors: read ${t.read.join(', ') || 'nothing'}; insert ${t.insert.join(', ') || 'nothing'}`,
    `Grant: ${columnGrantLine(facts, role)}`,
  ];
  for (const p of facts?.policies ?? []) {
    const applies = p.command === 'all' || p.command === args.command;
    if (!applies) continue;
    if (p.permissive && p.roles.includes(role)) {
      lines.push(
        `Policy ${p.name} (permissive, ${p.command}, to ${role}): ${p.using ? `using ${p.using}` : ''}${p.withCheck ? ` with check ${p.withCheck}` : ''}`,
      );
    } else if (!p.permissive) {
      lines.push(
        `Policy ${p.name} (restrictive, ${p.command}, also binds visitors): ${p.using ? `using ${p.using}` : ''}${p.withCheck ? ` with check ${p.withCheck}` : ''}`,
      );
    }
  }
  return lines;
}

function refusal(t: Tried | undefined): string {
  if (!t) return 'not run';
  return t.ok ? t.message : `refused${t.sqlstate ? ` (${t.sqlstate})` : ''}: ${t.message}`;
}

/**
 * A public site's visitors against every installed module's tables, live: what each table
 * declares for them (read, insert) against what PostgreSQL lets through, on every site (public or
 * not, with the module installed or not), plus what they must never do (read an unlisted column,
 * another site's rows, update, delete, reach another module). Writes are rolled back.
 */
export async function runVisitorAxis(): Promise<MatrixSection> {
  const started = Date.now();
  const db = getDb();
  const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
  const sites = platform.sites.slice(0, 6);
  const skipped: string[] = [];
  const modules = states.filter((s) => {
    if (!s.entry) return false;
    if (s.entry.strategy === 'shared') {
      skipped.push(`${s.module.title}: a widget (see the widget rows)`);
      return false;
    }
    if (s.entry.status !== 'active') {
      skipped.push(`${s.module.title}: ${s.entry.status}`);
      return false;
    }
    return true;
  });
  const tables: TableUnderTest[] = [];
  for (const state of modules) {
    const entry = state.entry as NonNullable<ModuleState['entry']>;
    const validated = await validateModuleDefinition(
      installedDefinition(state.module, entry.version),
    );
    for (const t of validated.tables) {
      const index = entry.tableNames.indexOf(t.name);
      if (index < 0) continue;
      tables.push({
        state,
        name: t.name,
        qualified: entry.qualifiedTables[index] as string,
        columns: t.columns.map((c) => c.name),
        read: t.visitors?.read ?? [],
        insert: t.visitors?.insert ?? [],
        sample: state.module.visitorInsert?.[t.name],
      });
    }
  }
  // The tables visitors may reach first; the members-only ones (refused throughout) after them.
  const declares = (t: TableUnderTest) => (t.read.length + t.insert.length > 0 ? 0 : 1);
  tables.sort((a, b) => declares(a) - declares(b));
  const publicSites = new Set<string>();
  for (const s of sites) if (await isSitePublic(db, s.id)) publicSites.add(s.id);
  const [facts, stored] = await Promise.all([
    readTableFacts(
      db,
      tables.map((t) => t.qualified),
    ),
    storedRows(db, tables),
  ]);

  const cells: MatrixCell[] = [];
  for (const site of sites) {
    const isPublic = publicSites.has(site.id);
    for (const state of modules) {
      const entry = state.entry as NonNullable<ModuleState['entry']>;
      const role = getModuleVisitorRoleName(entry.shortId);
      const own = tables.filter((t) => t.state === state);
      const installed = state.sites.has(site.id);
      // Another site with rows in each table, so "another site's rows" has something to find.
      const otherOf = (t: TableUnderTest) =>
        sites.find((s) => s.id !== site.id && (stored.get(`${t.qualified}/${s.id}`) ?? 0) > 0)
          ?.id ??
        sites.find((s) => s.id !== site.id)?.id ??
        site.id;
      const tried = await probeAs(
        db,
        role,
        { role, site_id: site.id },
        own.flatMap((t) =>
          probesFor(t, site.id, otherOf(t)).map((p) => ({ ...p, key: `${t.qualified}|${p.key}` })),
        ),
      );
      // Another module's visitor role against these tables (the next module's, in order).
      const other = modules[(modules.indexOf(state) + 1) % modules.length];
      const otherRole =
        other && other !== state ? getModuleVisitorRoleName(other.entry?.shortId ?? '') : null;
      const foreign = otherRole
        ? await probeAs(
            db,
            otherRole,
            { role: otherRole, site_id: site.id },
            own.map((t) => ({
              key: t.qualified,
              query: sql`select ${sql.join((t.read.length > 0 ? t.read : ['id']).map((c) => sql.id(c)))} from ${sql.table(t.qualified)}`,
            })),
          )
        : new Map<string, Tried>();

      for (const t of own) {
        const f = facts.get(t.qualified);
        const admitted = isPublic && installed;
        const here = stored.get(`${t.qualified}/${site.id}`) ?? 0;
        const why = (command: 'select' | 'insert' | 'update' | 'delete') =>
          visitorWhy({ site, isPublic, installed, t, role, facts: f, command });
        const cell = (
          op: VisitorOp,
          expected: 'allowed' | 'denied',
          result: Pick<MatrixCell, 'outcome' | 'short' | 'detail'>,
          lines: string[],
        ) =>
          cells.push({
            row: `${site.id}/${t.qualified}`,
            column: op,
            expected,
            ...result,
            why: lines,
          });
        const judge = (
          expected: 'allowed' | 'denied',
          r: Tried | undefined,
          opts: { rows?: number; foreignRows?: number } = {},
        ): Pick<MatrixCell, 'outcome' | 'short' | 'detail'> => {
          if (!r) return { outcome: 'unexpected', short: 'error', detail: 'not run' };
          if (!r.ok) {
            return r.sqlstate === '42501'
              ? {
                  outcome: expected === 'denied' ? 'denied' : 'unexpected',
                  short: 'denied 42501',
                  detail: refusal(r),
                }
              : { outcome: 'unexpected', short: 'error', detail: refusal(r) };
          }
          if ((opts.foreignRows ?? 0) > 0) {
            return {
              outcome: 'leak',
              short: 'LEAK',
              detail: `${opts.foreignRows} rows of another site!`,
            };
          }
          if (expected === 'allowed')
            return { outcome: 'allowed', short: 'allowed', detail: r.message };
          if ((opts.rows ?? 0) > 0) return { outcome: 'leak', short: 'LEAK', detail: r.message };
          return { outcome: 'denied', short: 'hidden', detail: r.message };
        };

        // read declared
        const read = tried.get(`${t.qualified}|read`);
        const readRows = read?.rows ?? [];
        const readExpected = t.read.length > 0 && admitted ? 'allowed' : 'denied';
        cell(
          'read',
          readExpected,
          judge(readExpected, read, {
            rows: readRows.length,
            foreignRows: readRows.filter((r) => r.site !== site.id).length,
          }),
          [
            ...why('select'),
            `Stored on ${site.name}: ${here} rows (counted as the platform); the visitor got ${read?.ok ? readRows.length : 'an error'}${read?.ok && readRows.length < here ? ' (the policies hide the rest)' : ''}`,
            `Outcome: ${refusal(read)}`,
          ],
        );

        // read unlisted columns
        const unlisted = t.columns.filter((c) => !t.read.includes(c) && c !== 'site_id');
        if (unlisted.length > 0) {
          const results = unlisted.map(
            (c) => [c, tried.get(`${t.qualified}|unlisted:${c}`)] as const,
          );
          const ran = results.filter(([, r]) => r?.ok && (r.rows?.length ?? 0) > 0);
          const refused = results.filter(([, r]) => r && !r.ok && r.sqlstate === '42501');
          cell(
            'unlisted',
            'denied',
            ran.length > 0
              ? { outcome: 'leak', short: 'LEAK', detail: `read ${ran.map(([c]) => c).join(', ')}` }
              : refused.length === results.length
                ? {
                    outcome: 'denied',
                    short: 'denied 42501',
                    detail: `${refused.length}/${results.length} columns refused: ${unlisted.join(', ')}`,
                  }
                : admitted
                  ? {
                      outcome: 'unexpected',
                      short: 'error',
                      detail: results.map(([c, r]) => `${c}: ${refusal(r)}`).join('; '),
                    }
                  : {
                      outcome: 'denied',
                      short: 'hidden',
                      detail: 'no column refused, no row returned',
                    },
            [...why('select'), ...results.map(([c, r]) => `${c}: ${refusal(r)}`)],
          );
        }

        // another site's rows, named in a filter
        const os = tried.get(`${t.qualified}|other-site`);
        const otherId = otherOf(t);
        const otherName = sites.find((s) => s.id === otherId)?.name ?? otherId;
        cell('other-site', 'denied', judge('denied', os, { rows: os?.rows?.length ?? 0 }), [
          ...why('select'),
          `The filter names ${otherName} (site_id = '${otherId}'), which stores ${stored.get(`${t.qualified}/${otherId}`) ?? 0} rows; the visitor policy compares site_id with the request's site, so none can pass`,
          `Outcome: ${refusal(os)}`,
        ]);

        // insert
        const ins = tried.get(`${t.qualified}|insert`);
        const canInsert = t.insert.length > 0 && t.sample !== undefined;
        if (t.insert.length === 0 || canInsert) {
          const insExpected = canInsert && admitted ? 'allowed' : 'denied';
          cell('insert', insExpected, judge(insExpected, ins), [
            ...why('insert'),
            canInsert
              ? `Tried: a row with the declared columns (${Object.keys(t.sample?.() ?? {}).join(', ')}) for ${site.name}, no RETURNING (rolled back)`
              : 'Tried: insert into site_id, touching no row (where false): the privilege check alone decides',
            `Outcome: ${refusal(ins)}`,
          ]);
        }
        for (const op of ['update', 'delete'] as const) {
          const r = tried.get(`${t.qualified}|${op}`);
          cell(op, 'denied', judge('denied', r), [
            ...why(op),
            `Visitors never ${op}: no ${op.toUpperCase()} privilege is granted to ${role}`,
            `Outcome: ${refusal(r)}`,
          ]);
        }
        if (otherRole) {
          const r = foreign.get(t.qualified);
          cell('other-module', 'denied', judge('denied', r, { rows: r?.rows?.length ?? 0 }), [
            `Another module's visitor: role ${otherRole} (${other?.module.title}), claims { role, site_id: ${site.name} }`,
            `Grant: ${columnGrantLine(f, otherRole)}`,
            `Outcome: ${refusal(r)}`,
          ]);
        }
      }
    }
  }

  return {
    id: 'visitor-axis',
    title: "Visitor rows: a site's visitors x every module's tables",
    description:
      "A request with a site and no user, as each module's visitor role. Allowed only what a table declares for visitors (visitors.read, visitors.insert), on a public site where the module is installed; the module's restrictive policies still apply (drafts stay hidden). Everything else is refused (42501) or hidden. Writes are rolled back.",
    groupHeader: 'Visitor of',
    rowHeader: 'Table',
    rows: sites.flatMap((s) =>
      tables.map((t) => ({
        id: `${s.id}/${t.qualified}`,
        group: `${s.label}: ${s.name} (${publicSites.has(s.id) ? 'public' : 'not public'})`,
        title: `${t.state.module.title}: ${t.name}`,
        subtitle:
          t.read.length + t.insert.length === 0
            ? 'members only'
            : `${t.state.sites.has(s.id) ? 'installed' : 'not installed'}; read ${t.read.length}, insert ${t.insert.length} columns`,
      })),
    ),
    columnGroups: [
      {
        id: 'visitor-ops',
        title: 'As the visitor of that site',
        columns: VISITOR_OPS.map(([id, title]) => ({ id, title })),
      },
    ],
    cells,
    skipped,
    tookMs: Date.now() - started,
  };
}
