import 'server-only';
import { getUsage } from '@dramac/module-db';
import { flushCallCounts } from './data-transport';
import { getDb } from './database';
import { catalogModuleById } from './module-catalog';
import { readModuleStates } from './module-state';
import { readPlatform } from './platform';

export interface ModuleUsage {
  readonly key: string;
  readonly title: string;
  readonly status: string;
  /** Rows of every site (the counters PostgreSQL keeps as rows are written). */
  readonly rows: number;
  /** Space on disk: tables, indexes and TOAST; a widget: its rows in module_data. */
  readonly bytes: number;
  /** Data calls and errors in the last 24 hours, every site. */
  readonly calls: number;
  readonly errors: number;
  readonly tables: readonly { name: string; rows: number; bytes: number }[];
}

export interface SiteUsage {
  readonly siteId: string;
  readonly label: string;
  readonly name: string;
  /** Rows per module key on this site. */
  readonly rows: Readonly<Record<string, number>>;
  /** Row data per module key on this site (the rows as PostgreSQL's binary protocol spells them). */
  readonly bytes: Readonly<Record<string, number>>;
  /** Data calls per module key on this site, last 24 hours. */
  readonly calls: Readonly<Record<string, number>>;
  /** Of those, the calls that failed. */
  readonly errors: Readonly<Record<string, number>>;
}

export interface UsageReport {
  readonly modules: readonly ModuleUsage[];
  readonly sites: readonly SiteUsage[];
}

/**
 * Usage per module and per (module, site) from `getUsage`: the row and byte counters the database
 * keeps (quota triggers), the calls and errors the playground's metered transport recorded over the
 * last 24 hours, and the disk space of each module's tables.
 */
export async function readUsage(): Promise<UsageReport> {
  const db = getDb();
  await flushCallCounts();
  const [states, platform] = await Promise.all([readModuleStates(), readPlatform()]);
  const modules: ModuleUsage[] = [];
  const perSite = new Map<
    string,
    Record<'rows' | 'bytes' | 'calls' | 'errors', Record<string, number>>
  >();
  for (const state of states) {
    const entry = state.entry;
    if (!entry) continue;
    const usage = await getUsage(db, entry.moduleId);
    const key = state.module.key;
    const tables = new Map<string, { rows: number; bytes: number }>();
    for (const site of usage.sites) {
      const s = perSite.get(site.siteId) ?? { rows: {}, bytes: {}, calls: {}, errors: {} };
      perSite.set(site.siteId, s);
      s.rows[key] = site.rows;
      s.bytes[key] = site.bytes;
      s.calls[key] = site.calls;
      s.errors[key] = site.errors;
      for (const t of site.tables) {
        const name = t.collection ? `${t.table}/${t.collection}` : t.table;
        const sum = tables.get(name) ?? { rows: 0, bytes: 0 };
        tables.set(name, { rows: sum.rows + t.rows, bytes: sum.bytes + t.bytes });
      }
    }
    const disk = usage.disk.reduce((n, t) => n + t.bytes, 0);
    modules.push({
      key,
      title: catalogModuleById(entry.moduleId)?.title ?? entry.shortId,
      status: entry.status,
      rows: usage.totals.rows,
      bytes: usage.disk.length > 0 ? disk : usage.totals.bytes,
      calls: usage.totals.calls,
      errors: usage.totals.errors,
      tables: [...tables].map(([name, t]) => ({ name, ...t })),
    });
  }
  return {
    modules,
    sites: platform.sites.map((s) => ({
      siteId: s.id,
      label: s.label,
      name: s.name,
      rows: perSite.get(s.id)?.rows ?? {},
      bytes: perSite.get(s.id)?.bytes ?? {},
      calls: perSite.get(s.id)?.calls ?? {},
      errors: perSite.get(s.id)?.errors ?? {},
    })),
  };
}
