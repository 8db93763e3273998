import 'server-only';
import { getModuleStats } from '@dramac/module-db';
import { sql } from 'kysely';
import { getDb } from './database';
import { catalogModuleById } from './module-catalog';
import { readModuleStates } from './module-state';
import { readPlatform } from './platform';

export interface ModuleUsage {
  readonly key: string;
  readonly title: string;
  readonly status: string;
  /** Rows of every site (exact `count(*)`). */
  readonly rows: number;
  /** Tables, indexes and TOAST (getModuleStats); a widget: its rows in module_data. */
  readonly bytes: number;
  readonly tables: readonly { name: string; rows: number; bytes: number }[];
}

export interface SiteUsage {
  readonly siteId: string;
  readonly label: string;
  readonly name: string;
  /** Rows per module key on this site. */
  readonly rows: Readonly<Record<string, number>>;
  /** Row data per module key on this site (sum of pg_column_size of its rows; no indexes). */
  readonly bytes: Readonly<Record<string, number>>;
}

export interface UsageReport {
  readonly modules: readonly ModuleUsage[];
  readonly sites: readonly SiteUsage[];
}

/**
 * Rows and bytes per module (getModuleStats, exact counts) and per site (direct `count(*)` and
 * `sum(pg_column_size(row))` grouped by site_id, as the platform, which bypasses row-level
 * security). A metering API will replace the per-site part.
 */
export async function readUsage(): Promise<UsageReport> {
  const db = getDb();
  const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
  const modules: ModuleUsage[] = [];
  const perSite = new Map<
    string,
    { rows: Record<string, number>; bytes: Record<string, number> }
  >();
  const add = (siteId: string, key: string, rows: number, bytes: number) => {
    const s = perSite.get(siteId) ?? { rows: {}, bytes: {} };
    perSite.set(siteId, s);
    s.rows[key] = (s.rows[key] ?? 0) + rows;
    s.bytes[key] = (s.bytes[key] ?? 0) + bytes;
  };
  for (const state of states) {
    const entry = state.entry;
    if (!entry) continue;
    const stats = await getModuleStats(db, entry.moduleId, { exact: true });
    const key = state.module.key;
    modules.push({
      key,
      title: catalogModuleById(entry.moduleId)?.title ?? entry.shortId,
      status: entry.status,
      rows: stats.tables.reduce((n, t) => n + t.rowCount, 0),
      bytes: stats.storageBytes,
      tables: stats.tables.map((t) => ({ name: t.name, rows: t.rowCount, bytes: t.totalBytes })),
    });
    const sources =
      entry.strategy === 'shared'
        ? [
            sql`select site_id::text as site, count(*)::int as n, coalesce(sum(pg_catalog.pg_column_size(t.*)), 0)::bigint as b
               from public.module_data t where module_short_id = ${entry.shortId} group by site_id`,
          ]
        : stats.tables.map(
            (
              t,
            ) => sql`select site_id::text as site, count(*)::int as n, coalesce(sum(pg_catalog.pg_column_size(t.*)), 0)::bigint as b
                       from ${sql.table(t.qualified)} t group by site_id`,
          );
    for (const q of sources) {
      const { rows } = await (
        q as ReturnType<typeof sql<{ site: string; n: number; b: string }>>
      ).execute(db);
      for (const r of rows as { site: string; n: number; b: string }[])
        add(r.site, key, r.n, Number(r.b));
    }
  }
  return {
    modules,
    sites: platform.sites.map((s) => ({
      siteId: s.id,
      label: s.label,
      name: s.name,
      rows: perSite.get(s.id)?.rows ?? {},
      bytes: perSite.get(s.id)?.bytes ?? {},
    })),
  };
}
