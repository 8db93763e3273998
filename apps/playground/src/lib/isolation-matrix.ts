import 'server-only';
import { isModuleDbError } from '@dramac/module-sdk';
import type { CatalogModule } from './module-catalog';
import { sdkFor } from './module-sdk-for';
import { readModuleStates } from './module-state';
import { readPlatform } from './platform';

export const OPERATIONS = ['read', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One attempt: a user, on a site, through a module's SDK, doing one operation. */
export interface MatrixCell {
  readonly userId: string;
  readonly siteId: string;
  readonly moduleKey: string;
  readonly op: Operation;
  /** What the policies should decide: member of the site's agency and module installed there. */
  readonly expected: 'allowed' | 'denied';
  /** `leak`: allowed (or rows of another site seen) where it must be denied. */
  readonly outcome: 'allowed' | 'denied' | 'leak' | 'unexpected';
  readonly detail: string;
}

export interface MatrixReport {
  readonly users: readonly { id: string; name: string }[];
  readonly sites: readonly { id: string; name: string; label: string; agencyName: string }[];
  readonly modules: readonly { key: string; title: string; table: string; installedOn: string[] }[];
  readonly cells: readonly MatrixCell[];
  readonly skipped: readonly string[];
  readonly tookMs: number;
}

/** Thrown to roll a probe write back (an Error object: the SDK passes the caller's own errors on). */
class Rollback extends Error {}

/** Runs `fn` in an SDK transaction that is always rolled back: the matrix writes nothing. */
async function rolledBack<T>(
  sdk: Awaited<ReturnType<typeof sdkFor>>['sdk'],
  fn: (tx: typeof sdk) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  try {
    await sdk.transaction(async (tx) => {
      result = await fn(tx);
      throw new Rollback('rolled back on purpose');
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return result as T;
}

function describe(error: unknown): { denied: boolean; detail: string } {
  if (isModuleDbError(error)) {
    const sqlstate = (error as { sqlstate?: string }).sqlstate;
    return {
      denied: error.code === 'ACCESS_DENIED',
      detail: `${error.code}${sqlstate ? ` ${sqlstate}` : ''}: ${error.message.slice(0, 160)}`,
    };
  }
  return { denied: false, detail: error instanceof Error ? error.message : String(error) };
}

async function attemptOp(
  module: CatalogModule,
  probe: NonNullable<CatalogModule['probe']>,
  op: Operation,
  userId: string,
  siteId: string,
  probeId: string | undefined,
): Promise<{ ok: boolean; detail: string; foreignRows: number }> {
  const { sdk } = await sdkFor(module.key, siteId, userId);
  const target = probeId ?? '00000000-0000-4000-8000-000000000000';
  try {
    switch (op) {
      case 'read': {
        const rows = await sdk.find(probe.table, { limit: 100 });
        const foreign = rows.filter((r) => r.site_id !== siteId).length;
        return { ok: rows.length > 0, detail: `${rows.length} rows visible`, foreignRows: foreign };
      }
      case 'create': {
        const row = await rolledBack(sdk, (tx) => tx.createOne(probe.table, probe.record()));
        return { ok: row !== undefined, detail: 'row written (rolled back)', foreignRows: 0 };
      }
      case 'update': {
        const rows = await rolledBack(sdk, (tx) =>
          tx.update(probe.table, { id: target }, probe.change),
        );
        return {
          ok: rows.length > 0,
          detail: rows.length > 0 ? 'row changed (rolled back)' : '0 rows matched (hidden)',
          foreignRows: 0,
        };
      }
      case 'delete': {
        const n = await rolledBack(sdk, (tx) => tx.delete(probe.table, { id: target }));
        return {
          ok: n > 0,
          detail: n > 0 ? 'row deleted (rolled back)' : '0 rows matched (hidden)',
          foreignRows: 0,
        };
      }
    }
  } catch (error) {
    const d = describe(error);
    if (d.denied) return { ok: false, detail: `refused: ${d.detail}`, foreignRows: 0 };
    throw new Error(d.detail);
  }
}

/**
 * Runs every (user, site, module, operation) through the SDK on the Postgres transport and
 * compares what PostgreSQL allowed with what the membership and installation say it should.
 * Each site that has a module installed gets one probe row (written as a member, kept), so reads,
 * updates and deletes have something to reach; every write of the matrix itself is rolled back.
 */
export async function runIsolationMatrix(): Promise<MatrixReport> {
  const started = Date.now();
  const [platform, states] = await Promise.all([readPlatform(), readModuleStates()]);
  const users = platform.users.slice(0, 6);
  const sites = platform.sites.slice(0, 6);
  const skipped: string[] = [];
  const modules = states.filter((s) => {
    if (!s.entry) {
      skipped.push(`${s.module.title}: not installed`);
      return false;
    }
    if (!s.module.probe) {
      skipped.push(`${s.module.title}: a widget, no tables of its own (rows in module_data)`);
      return false;
    }
    return true;
  });

  // One probe row per (module, installed site), written by a member of the site's agency.
  const probes = new Map<string, string>();
  for (const state of modules) {
    const probe = state.module.probe as NonNullable<CatalogModule['probe']>;
    for (const site of sites) {
      if (!state.sites.has(site.id)) continue;
      const member = platform.users.find((u) => u.agencyIds.includes(site.agencyId));
      if (!member) continue;
      const { sdk } = await sdkFor(state.module.key, site.id, member.id);
      const [existing] = await sdk.find(probe.table, { limit: 1 });
      const row = existing ?? (await sdk.createOne(probe.table, probe.record()));
      probes.set(`${state.module.key}/${site.id}`, String(row.id));
    }
  }

  const cells: MatrixCell[] = [];
  for (const user of users) {
    for (const site of sites) {
      for (const state of modules) {
        const probe = state.module.probe as NonNullable<CatalogModule['probe']>;
        const expectedAllowed = user.agencyIds.includes(site.agencyId) && state.sites.has(site.id);
        for (const op of OPERATIONS) {
          const base = {
            userId: user.id,
            siteId: site.id,
            moduleKey: state.module.key,
            op,
            expected: expectedAllowed ? ('allowed' as const) : ('denied' as const),
          };
          try {
            const r = await attemptOp(
              state.module,
              probe,
              op,
              user.id,
              site.id,
              probes.get(`${state.module.key}/${site.id}`),
            );
            let outcome: MatrixCell['outcome'];
            if (r.foreignRows > 0 || (r.ok && !expectedAllowed)) outcome = 'leak';
            else if (r.ok) outcome = 'allowed';
            else outcome = expectedAllowed ? 'unexpected' : 'denied';
            const detail = r.foreignRows > 0 ? `${r.foreignRows} rows of another site!` : r.detail;
            cells.push({ ...base, outcome, detail });
          } catch (error) {
            cells.push({
              ...base,
              outcome: 'unexpected',
              detail: error instanceof Error ? error.message : String(error),
            });
          }
        }
      }
    }
  }
  return {
    users: users.map((u) => ({ id: u.id, name: u.name })),
    sites: sites.map((s) => ({ id: s.id, name: s.name, label: s.label, agencyName: s.agencyName })),
    modules: modules.map((s) => ({
      key: s.module.key,
      title: s.module.title,
      table: (s.module.probe as NonNullable<CatalogModule['probe']>).table,
      installedOn: sites.filter((site) => s.sites.has(site.id)).map((site) => site.label),
    })),
    cells,
    skipped,
    tookMs: Date.now() - started,
  };
}
