import 'server-only';
import { isSitePublic, validateModuleDefinition } from '@dramac/module-db';
import { getModuleVisitorRoleName } from '@dramac/module-naming';
import { sql } from 'kysely';
import { getDb } from '../database';
import { installedDefinition } from '../module-catalog';
import { type ModuleState, readModuleStates } from '../module-state';
import { readPlatform } from '../platform';
import { memberWidgetClient } from '../visitor-access';
import type { MatrixCell, MatrixSection } from './matrix-types';
import { type Probe, probeAs, type Tried } from './probe';
import { columnGrantLine, grantLine, readTableFacts } from './table-facts';

export const WIDGET_OPS = [
  ['read', 'read items'],
  ['value', 'read full value'],
  ['insert', 'insert'],
  ['update', 'update'],
  ['delete', 'delete'],
] as const;
type WidgetOp = (typeof WIDGET_OPS)[number][0];

const MODULE_DATA = 'public.module_data';

function refusal(t: Tried | undefined): string {
  if (!t) return 'not run';
  return t.ok ? t.message : `refused${t.sqlstate ? ` (${t.sqlstate})` : ''}: ${t.message}`;
}

/** Collections and their visitor access, from the installed definition. */
async function collectionsOf(state: ModuleState) {
  const entry = state.entry as NonNullable<ModuleState['entry']>;
  const validated = (await validateModuleDefinition(
    installedDefinition(state.module, entry.version),
  )) as unknown as {
    collections?: readonly {
      name: string;
      visitors: { read: readonly string[]; insert: readonly string[] } | null;
    }[];
  };
  return validated.collections ?? [];
}

/**
 * Widgets' items in the shared `public.module_data`, live: each widget's role (a member of the
 * site) and its visitor role (a public site's visitor) against every widget's items, per site.
 * A widget reaches its own items on the sites where it is installed, visitors only the fields a
 * collection declares; no widget reaches another's. Writes are rolled back.
 */
export async function runWidgetAxis(): Promise<MatrixSection> {
  const started = Date.now();
  const db = getDb();
  const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
  const sites = platform.sites.slice(0, 6);
  const skipped: string[] = [];
  const widgets = states.filter((s) => {
    if (s.entry?.strategy !== 'shared') return false;
    if (s.entry.status !== 'active') {
      skipped.push(`${s.module.title}: ${s.entry.status}`);
      return false;
    }
    if (!s.module.widgetProbe) {
      skipped.push(`${s.module.title}: no probe item in the catalog`);
      return false;
    }
    return true;
  });
  const publicSites = new Set<string>();
  for (const s of sites) if (await isSitePublic(db, s.id)) publicSites.add(s.id);
  const collections = new Map<string, Awaited<ReturnType<typeof collectionsOf>>>();
  for (const w of widgets) collections.set(w.module.key, await collectionsOf(w));

  // One probe item per widget and site where it is installed, written by a member and kept.
  for (const w of widgets) {
    const probe = w.module.widgetProbe as NonNullable<typeof w.module.widgetProbe>;
    for (const site of sites) {
      if (!w.sites.has(site.id)) continue;
      const member = platform.users.find((u) => u.agencyIds.includes(site.agencyId));
      if (!member) continue;
      const client = memberWidgetClient(w.module.key, site.id, member.id);
      if ((await client.items(probe.collection)).length === 0) {
        await client.insertItem(probe.collection, probe.item());
      }
    }
  }
  const { rows: storedRows } = await sql<{ short: string; site: string; n: number }>`
    select module_short_id as short, site_id::text as site, count(*)::int as n
    from public.module_data group by 1, 2`.execute(db);
  const stored = new Map(storedRows.map((r) => [`${r.short}/${r.site}`, r.n] as const));
  const facts = (await readTableFacts(db, [MODULE_DATA])).get(MODULE_DATA);

  const cells: MatrixCell[] = [];
  const rows: MatrixSection['rows'][number][] = [];
  for (const actorWidget of widgets) {
    const actorEntry = actorWidget.entry as NonNullable<ModuleState['entry']>;
    for (const site of sites) {
      const member = platform.users.find((u) => u.agencyIds.includes(site.agencyId));
      const installed = actorWidget.sites.has(site.id);
      const isPublic = publicSites.has(site.id);
      for (const kind of ['member', 'visitor'] as const) {
        if (kind === 'member' && !member) continue;
        const role =
          kind === 'member' ? actorEntry.roleName : getModuleVisitorRoleName(actorEntry.shortId);
        const rowId = `${actorWidget.module.key}/${site.id}/${kind}`;
        rows.push({
          id: rowId,
          group: actorWidget.module.title,
          title: `${site.label}: ${site.name}`,
          subtitle:
            kind === 'member'
              ? `member ${member?.name}, ${installed ? 'installed' : 'not installed'}`
              : `visitor, ${isPublic ? 'public' : 'not public'}, ${installed ? 'installed' : 'not installed'}`,
        });
        const claims: Record<string, string> =
          kind === 'member'
            ? { role: 'authenticated', sub: member?.id ?? '', site_id: site.id }
            : { role, site_id: site.id };
        const probes: Probe[] = [];
        for (const owner of widgets) {
          const short = (owner.entry as NonNullable<ModuleState['entry']>).shortId;
          const ownerProbe = owner.module.widgetProbe as NonNullable<
            typeof owner.module.widgetProbe
          >;
          const readColumn = kind === 'visitor' ? 'public_value' : 'value';
          const self = owner === actorWidget;
          // A visitor inserts through its own module (module_short_id is not granted to it);
          // into a collection that admits visitors' items when it has one.
          const visitorSample = Object.entries(owner.module.visitorInsert ?? {})[0];
          const [collection, item] =
            kind === 'visitor' && visitorSample
              ? [visitorSample[0], visitorSample[1]('Matrix visitor')]
              : [ownerProbe.collection, ownerProbe.item('Matrix')];
          probes.push(
            {
              key: `${owner.module.key}|read`,
              query: sql`select site_id::text as site, module_short_id as short, ${sql.id(readColumn)} as v
                from public.module_data where module_short_id = ${short}`,
            },
            {
              key: `${owner.module.key}|value`,
              query: sql`select site_id::text as site, value from public.module_data where module_short_id = ${short}`,
            },
            {
              key: `${owner.module.key}|insert`,
              query:
                kind === 'visitor' && self
                  ? sql`insert into public.module_data (site_id, collection, value)
                      values (${site.id}::uuid, ${collection}, ${JSON.stringify(item)}::jsonb)`
                  : sql`insert into public.module_data (module_short_id, site_id, collection, value)
                      values (${short}, ${site.id}::uuid, ${collection}, ${JSON.stringify(item)}::jsonb)`,
            },
            {
              key: `${owner.module.key}|update`,
              query: sql`update public.module_data set value = value where module_short_id = ${short}`,
            },
            {
              key: `${owner.module.key}|delete`,
              query: sql`delete from public.module_data where module_short_id = ${short}`,
            },
          );
        }
        let tried: Map<string, Tried>;
        try {
          tried = await probeAs(db, role, claims, probes);
        } catch (error) {
          tried = new Map(
            probes.map((p) => [p.key, { ok: false, message: (error as Error).message }] as const),
          );
        }

        for (const owner of widgets) {
          const ownerShort = (owner.entry as NonNullable<ModuleState['entry']>).shortId;
          const self = owner === actorWidget;
          const here = stored.get(`${ownerShort}/${site.id}`) ?? 0;
          const ownerCollections = collections.get(owner.module.key) ?? [];
          const readable = ownerCollections.filter((c) => (c.visitors?.read.length ?? 0) > 0);
          const insertable = ownerCollections.filter((c) => (c.visitors?.insert.length ?? 0) > 0);
          const base = [
            kind === 'member'
              ? `${member?.name} is a member of ${site.agencyName}, which owns ${site.name}; the request runs as ${role} (claims with sub)`
              : `A visitor of ${site.name}: role ${role}, claims { role, site_id }, no sub; ${site.name} is ${isPublic ? 'public' : 'not public'}`,
            `${actorWidget.module.title} is ${installed ? '' : 'not '}installed on ${site.name}`,
            self
              ? `Target: ${owner.module.title}'s own items (module_short_id ${ownerShort}); ${here} stored on ${site.name}`
              : `Target: another widget's items (${owner.module.title}, module_short_id ${ownerShort}); ${here} stored on ${site.name}`,
            kind === 'member'
              ? `Grant: ${grantLine(facts, role)}`
              : `Grant: ${columnGrantLine(facts, 'dramac_widget_visitors')} (${role} is a member of dramac_widget_visitors)`,
            ...(facts?.policies ?? [])
              .filter((p) =>
                kind === 'member'
                  ? p.name === 'dramac_site_isolation'
                  : p.roles.includes('dramac_widget_visitors'),
              )
              .map(
                (p) =>
                  `Policy ${p.name} (${p.permissive ? 'permissive' : 'restrictive'}, ${p.command}): ${p.using ? `using ${p.using}` : ''}${p.withCheck ? ` with check ${p.withCheck}` : ''}`,
              ),
            ...(kind === 'visitor'
              ? [
                  `Collections visitors read: ${readable.map((c) => `${c.name} (${c.visitors?.read.join(', ')})`).join('; ') || 'none'}; insert into: ${insertable.map((c) => c.name).join(', ') || 'none'}`,
                ]
              : []),
          ];
          const memberAdmitted = kind === 'member' && self && installed;
          const visitorAdmitted = kind === 'visitor' && self && installed && isPublic;
          const expectedFor = (op: WidgetOp): 'allowed' | 'denied' => {
            if (kind === 'member') return memberAdmitted ? 'allowed' : 'denied';
            if (op === 'read') return visitorAdmitted && readable.length > 0 ? 'allowed' : 'denied';
            if (op === 'insert')
              return visitorAdmitted && owner.module.visitorInsert ? 'allowed' : 'denied';
            return 'denied';
          };
          for (const [op] of WIDGET_OPS) {
            const r = tried.get(`${owner.module.key}|${op}`);
            const expected = expectedFor(op);
            const got = r?.rows ?? [];
            const foreign = got.filter((x) => x.site !== site.id).length;
            const changed = /ran: (\d+) rows/.exec(r?.message ?? '');
            const count = op === 'read' || op === 'value' ? got.length : Number(changed?.[1] ?? 0);
            let result: Pick<MatrixCell, 'outcome' | 'short' | 'detail'>;
            if (!r) result = { outcome: 'unexpected', short: 'error', detail: 'not run' };
            else if (!r.ok) {
              result =
                r.sqlstate === '42501'
                  ? {
                      outcome: expected === 'denied' ? 'denied' : 'unexpected',
                      short: 'denied 42501',
                      detail: refusal(r),
                    }
                  : { outcome: 'unexpected', short: 'error', detail: refusal(r) };
            } else if (foreign > 0) {
              result = {
                outcome: 'leak',
                short: 'LEAK',
                detail: `${foreign} items of another site!`,
              };
            } else if (expected === 'allowed') {
              // A write that matched nothing on a site that has items would be a failure too.
              result =
                count > 0 || (op !== 'update' && op !== 'delete')
                  ? { outcome: 'allowed', short: `allowed (${count})`, detail: refusal(r) }
                  : { outcome: 'unexpected', short: '0 rows', detail: refusal(r) };
            } else if (count > 0) {
              result = { outcome: 'leak', short: 'LEAK', detail: refusal(r) };
            } else {
              result = { outcome: 'denied', short: 'hidden', detail: refusal(r) };
            }
            cells.push({
              row: rowId,
              column: `${owner.module.key}/${op}`,
              expected,
              ...result,
              why: [...base, `Outcome: ${refusal(r)}`],
            });
          }
        }
      }
    }
  }
  return {
    id: 'widget-axis',
    title: "Widget rows: each widget's member and visitor x every widget's items",
    description:
      "Widgets keep their items in the shared public.module_data. A widget's role, for a member of the site, reaches its own items on sites where it is installed; its visitors read only public_value (the fields a collection declares) on a public site and insert only into collections that admit them. No widget reaches another's items. Writes are rolled back; each site with a widget keeps one probe item.",
    groupHeader: 'Acting widget',
    rowHeader: 'Site',
    rows,
    columnGroups: widgets.map((w) => ({
      id: w.module.key,
      title: `${w.module.title}'s items`,
      subtitle: `installed on ${
        sites
          .filter((s) => w.sites.has(s.id))
          .map((s) => s.label)
          .join(', ') || 'no site'
      }`,
      columns: WIDGET_OPS.map(([op, title]) => ({ id: `${w.module.key}/${op}`, title })),
    })),
    cells,
    skipped,
    tookMs: Date.now() - started,
  };
}
