import { type Kysely, sql } from 'kysely';
import { DefinitionValidationError, NotFoundError } from '../errors';
import { toLifecycleError } from '../lifecycle/lifecycle-error';
import { readRegistry } from '../lifecycle/module-registry-entry';
import { parseModuleId, parseSiteId } from '../lifecycle/parse-lifecycle-ids';

/** Options of {@link getUsage}. */
export interface GetUsageOptions {
  /** Only this site. Default: every site the module has rows or calls on. */
  readonly siteId?: string;
  /**
   * Also count every row now (`exact` on each site and table): reads all of the module's rows.
   * Default false: the counters the database keeps as rows are written (exact by construction,
   * read in O(sites x tables)).
   */
  readonly exact?: boolean;
  /** Start of the calls window. Default: 24 hours before `to`. */
  readonly from?: Date;
  /** End of the calls window (exclusive). Default: now. */
  readonly to?: Date;
  /** Width of each calls window, in minutes (at least 1). Default 60. */
  readonly windowMinutes?: number;
}

/** Rows and bytes of one table (or one widget collection) on one site. */
export interface TableUsage {
  /** The declared table name, or `module_data` for a widget. */
  readonly table: string;
  /** The widget collection ('' for a table). */
  readonly collection: string;
  readonly rows: number;
  /** Bytes of the rows as PostgreSQL's binary protocol spells them (not pages on disk). */
  readonly bytes: number;
}

/** Calls and errors of the data client in one time window. */
export interface CallWindow {
  readonly windowStart: string;
  readonly calls: number;
  readonly errors: number;
}

/** What one module uses on one site. */
export interface SiteUsage {
  readonly siteId: string;
  readonly rows: number;
  readonly bytes: number;
  /** The effective limits there: rows per table, bytes per (module, site). Null: unlimited. */
  readonly limits: { readonly rows: number | null; readonly siteBytes: number | null };
  readonly tables: readonly TableUsage[];
  /** With `exact: true`: what a count of the rows says now (must equal the counters). */
  readonly exact?: {
    readonly rows: number;
    readonly bytes: number;
    readonly tables: readonly TableUsage[];
  };
  /** Calls and errors in the window, in total and per window. */
  readonly calls: number;
  readonly errors: number;
  readonly windows: readonly CallWindow[];
}

/** What {@link getUsage} returns. */
export interface ModuleUsage {
  readonly moduleId: string;
  readonly shortId: string;
  readonly sites: readonly SiteUsage[];
  /** Over the sites listed. */
  readonly totals: {
    readonly rows: number;
    readonly bytes: number;
    readonly calls: number;
    readonly errors: number;
  };
  /** The module's limit over every site (`module_bytes`); null: unlimited. */
  readonly moduleBytesLimit: number | null;
  /** Space on disk of each table (heap, indexes, TOAST; every site): a physical estimate. Empty for widgets. */
  readonly disk: readonly { readonly table: string; readonly bytes: number }[];
  readonly window: { readonly from: string; readonly to: string; readonly minutes: number };
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v as string));
const nullable = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v as string);
const iso = (v: unknown): string =>
  v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();

/**
 * Usage of one module per site: rows and bytes per table (the counters PostgreSQL keeps, and with
 * `exact` a count of the rows now), the effective limits, the calls and errors the data client
 * recorded per time window, and the disk space of its tables.
 *
 * @example
 * const usage = await getUsage(db, crm.moduleId, { siteId, exact: true });
 * usage.sites[0]; // { siteId, rows: 42, bytes: 6120, limits: { rows: 1000000, siteBytes: 1073741824 }, tables: [...], calls: 17, errors: 1, ... }
 * @throws NotFoundError when the module is not provisioned; DefinitionValidationError for a bad
 * module or site id or window; ProvisioningError (with `sqlstate`) when PostgreSQL refuses (42883
 * before platform migration 8).
 */
export async function getUsage(
  db: Kysely<any>,
  moduleId: string,
  options: GetUsageOptions = {},
): Promise<ModuleUsage> {
  const id = parseModuleId(moduleId);
  const site = options.siteId === undefined ? null : parseSiteId(options.siteId);
  const minutes = options.windowMinutes ?? 60;
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > 525_600) {
    throw new DefinitionValidationError([
      {
        path: 'windowMinutes',
        code: 'invalid_window',
        message: 'windowMinutes is a whole number from 1 to 525600',
      },
    ]);
  }
  const to = options.to ?? new Date();
  const from = options.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to < from) {
    throw new DefinitionValidationError([
      { path: 'from', code: 'invalid_window', message: 'from and to are dates, from not after to' },
    ]);
  }
  try {
    const [entry] = await readRegistry(db, { moduleId: id.moduleId });
    if (!entry)
      throw new NotFoundError(`module ${id.moduleId} is not provisioned`, {
        moduleId: id.moduleId,
      });
    const { rows: counters } = await sql<{
      site_id: string;
      relation: string;
      collection: string;
      row_count: string;
      byte_count: string;
      max_rows: string | null;
      max_bytes: string | null;
      max_module_bytes: string | null;
    }>`select * from public.dramac_module_usage(${id.shortId})
       where ${site}::uuid is null or site_id = ${site}::uuid`.execute(db);
    const { rows: calls } = await sql<{
      site_id: string;
      window_start: Date;
      calls: string;
      errors: string;
    }>`
      select * from public.dramac_call_usage(${id.shortId}, ${site}::uuid, ${from.toISOString()}::timestamptz,
        ${to.toISOString()}::timestamptz, make_interval(mins => ${minutes}))`.execute(db);
    const exact = options.exact
      ? (
          await sql<{
            site_id: string;
            relation: string;
            collection: string;
            row_count: string;
            byte_count: string;
          }>`
            select * from public.dramac_module_exact_usage(${id.shortId}, ${site}::uuid)`.execute(
            db,
          )
        ).rows
      : undefined;
    const { rows: disk } = await sql<{ relation: string; total_bytes: string }>`
      select * from public.dramac_module_disk_usage(${id.shortId})`.execute(db);
    const { rows: limits } = await sql<{ limits: Record<string, unknown> }>`
      select public.dramac_module_limits(${id.shortId}, null) as limits`.execute(db);

    const siteIds = new Set<string>([
      ...counters.map((r) => r.site_id),
      ...calls.map((r) => r.site_id),
      ...(exact ?? []).map((r) => r.site_id),
      ...(site ? [site] : []),
    ]);
    const sites: SiteUsage[] = [];
    for (const s of [...siteIds].sort()) {
      const total = counters.find((r) => r.site_id === s && r.relation === '');
      const tables = counters
        .filter((r) => r.site_id === s && r.relation !== '')
        .map((r) =>
          Object.freeze({
            table: r.relation,
            collection: r.collection,
            rows: n(r.row_count),
            bytes: n(r.byte_count),
          }),
        );
      const mine = calls.filter((r) => r.site_id === s);
      let siteLimits = { rows: nullable(total?.max_rows), siteBytes: nullable(total?.max_bytes) };
      if (!total) {
        const { rows } = await sql<{ limits: Record<string, unknown> }>`
          select public.dramac_module_limits(${id.shortId}, ${s}::uuid) as limits`.execute(db);
        siteLimits = {
          rows: nullable(rows[0]?.limits.rows),
          siteBytes: nullable(rows[0]?.limits.site_bytes),
        };
      }
      const exactTables = exact
        ?.filter((r) => r.site_id === s)
        .map((r) =>
          Object.freeze({
            table: r.relation,
            collection: r.collection,
            rows: n(r.row_count),
            bytes: n(r.byte_count),
          }),
        );
      sites.push(
        Object.freeze({
          siteId: s,
          rows: n(total?.row_count),
          bytes: n(total?.byte_count),
          limits: Object.freeze(siteLimits),
          tables: Object.freeze(tables),
          ...(exactTables
            ? {
                exact: Object.freeze({
                  rows: exactTables.reduce((a, t) => a + t.rows, 0),
                  bytes: exactTables.reduce((a, t) => a + t.bytes, 0),
                  tables: Object.freeze(exactTables),
                }),
              }
            : {}),
          calls: mine.reduce((a, r) => a + n(r.calls), 0),
          errors: mine.reduce((a, r) => a + n(r.errors), 0),
          windows: Object.freeze(
            mine.map((r) =>
              Object.freeze({
                windowStart: iso(r.window_start),
                calls: n(r.calls),
                errors: n(r.errors),
              }),
            ),
          ),
        }),
      );
    }
    return Object.freeze({
      moduleId: entry.moduleId,
      shortId: entry.shortId,
      sites: Object.freeze(sites),
      totals: Object.freeze({
        rows: sites.reduce((a, s) => a + s.rows, 0),
        bytes: sites.reduce((a, s) => a + s.bytes, 0),
        calls: sites.reduce((a, s) => a + s.calls, 0),
        errors: sites.reduce((a, s) => a + s.errors, 0),
      }),
      moduleBytesLimit: nullable(limits[0]?.limits.module_bytes),
      disk: Object.freeze(
        disk.map((r) => Object.freeze({ table: r.relation, bytes: n(r.total_bytes) })),
      ),
      window: Object.freeze({ from: from.toISOString(), to: to.toISOString(), minutes }),
    });
  } catch (error) {
    throw toLifecycleError(error, `reading the usage of module ${id.moduleId}`);
  }
}

/**
 * Counts a module's rows again from the tables and puts the counters right; returns where they
 * differed (an empty list when the counters were exact). First attaches again any of the
 * platform's counting triggers that is missing, disabled or altered (drift kind `quota_trigger`;
 * platform migration 9). Takes a SHARE lock on each table while it counts (writers wait). For
 * operators: after a restore, or when `getUsage({ exact: true })` disagrees with the counters.
 *
 * @example
 * const fixed = await recountUsage(db, crm.moduleId); // [] when nothing was off
 * @throws NotFoundError when the module is not provisioned; DefinitionValidationError for a bad id.
 */
export async function recountUsage(
  db: Kysely<any>,
  moduleId: string,
): Promise<
  { site: string; relation: string; collection: string; before: unknown; after: unknown }[]
> {
  const id = parseModuleId(moduleId);
  try {
    const { rows } = await sql<{
      result: unknown;
    }>`select public.dramac_quota_recount(${id.shortId}) as result`.execute(db);
    return (rows[0]?.result ?? []) as {
      site: string;
      relation: string;
      collection: string;
      before: unknown;
      after: unknown;
    }[];
  } catch (error) {
    throw toLifecycleError(error, `recounting the usage of module ${id.moduleId}`);
  }
}
