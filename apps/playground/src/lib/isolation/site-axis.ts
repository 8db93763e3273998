import 'server-only';
import { isModuleDbError } from '@dramac/module-sdk';
import { getDb } from '../database';
import type { CatalogModule } from '../module-catalog';
import { sdkFor } from '../module-sdk-for';
import { readModuleStates } from '../module-state';
import { readPlatform } from '../platform';
import type { MatrixCell, MatrixSection } from './matrix-types';
import { grantLine, readTableFacts, type TableFacts } from './table-facts';

export const OPERATIONS = ['read', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

type Probe = NonNullable<CatalogModule['probe']>;

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

interface Attempt {
  readonly ok: boolean;
  readonly detail: string;
  readonly foreignRows: number;
  /** The denial was an error (42501), not rows hidden by a USING filter. */
  readonly raised?: string;
}

async function attemptOp(
  module: CatalogModule,
  probe: Probe,
  op: Operation,
  userId: string,
  siteId: string,
  probeId: string | undefined,
): Promise<Attempt> {
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
          detail:
            rows.length > 0 ? 'row changed (rolled back)' : '0 rows matched (hidden by the policy)',
          foreignRows: 0,
        };
      }
      case 'delete': {
        const n = await rolledBack(sdk, (tx) => tx.delete(probe.table, { id: target }));
        return {
          ok: n > 0,
          detail: n > 0 ? 'row deleted (rolled back)' : '0 rows matched (hidden by the policy)',
          foreignRows: 0,
        };
      }
    }
  } catch (error) {
    if (isModuleDbError(error) && error.code === 'ACCESS_DENIED') {
      const sqlstate = (error as { sqlstate?: string }).sqlstate;
      return {
        ok: false,
        detail: `refused: ACCESS_DENIED${sqlstate ? ` ${sqlstate}` : ''}: ${error.message.slice(0, 160)}`,
        foreignRows: 0,
        raised: sqlstate ?? 'ACCESS_DENIED',
      };
    }
    throw error;
  }
}

/** The reasons behind one cell, from the memberships, the installation and the table's catalog. */
function explain(args: {
  userName: string;
  member: boolean;
  agencyName: string;
  siteName: string;
  moduleTitle: string;
  installed: boolean;
  op: Operation;
  role: string;
  facts: TableFacts | undefined;
  attempt: Attempt | undefined;
}): string[] {
  const { facts } = args;
  // The permissive policy for the module's role (the others serve its owner and admin roles).
  const site = facts?.policies.find((p) => p.permissive && p.roles.includes(args.role));
  const command = args.op === 'read' ? 'select' : args.op === 'create' ? 'insert' : args.op;
  const restrictive = facts?.policies.filter(
    (p) => !p.permissive && (p.command === 'all' || p.command === command),
  );
  const lines = [
    args.member
      ? `${args.userName} is a member of ${args.agencyName}, which owns ${args.siteName} (public.agency_members)`
      : `${args.userName} is not a member of ${args.agencyName}, which owns ${args.siteName}: dramac_can_access_current_site() is false`,
    args.installed
      ? `${args.moduleTitle} is installed on ${args.siteName} (public.module_site_installations, active)`
      : `${args.moduleTitle} is not installed on ${args.siteName}: dramac_can_access_current_site() is false`,
    `Grant: ${grantLine(facts, args.role)}`,
  ];
  if (site) {
    lines.push(
      `Policy ${site.name} (permissive, ${site.command}, to ${site.roles.join(', ')}): using ${site.using ?? 'true'}`,
    );
  }
  for (const p of restrictive ?? []) {
    lines.push(
      `Policy ${p.name} (restrictive, ${p.command}): ${p.using ? `using ${p.using}` : ''}${p.withCheck ? ` with check ${p.withCheck}` : ''}`,
    );
  }
  if (facts?.rlsForced)
    lines.push('Row-level security is forced on the table (the owner is bound too)');
  const a = args.attempt;
  if (a?.raised) {
    lines.push(
      `Outcome: PostgreSQL raised ${a.raised}: the new row fails the policy's WITH CHECK, so the write is refused with an error`,
    );
  } else if (a && !a.ok) {
    lines.push(
      `Outcome: the policy's USING filter hides the rows: ${args.op === 'read' ? 'the read returns nothing' : 'nothing matched, nothing changed'} (no error, by design)`,
    );
  } else if (a?.ok) {
    lines.push('Outcome: the grant lets the statement run and the policy passes for this row');
  }
  return lines;
}

/**
 * Users x sites against each installed module's SDK: read, create, update and delete, compared
 * with what the memberships and installations say. Each site that has a module installed gets
 * one probe row (written as a member, kept); every write of the matrix itself is rolled back.
 */
export async function runSiteAxis(): Promise<MatrixSection> {
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
    if (s.entry.status !== 'active') {
      skipped.push(`${s.module.title}: ${s.entry.status} (access revoked until it is dropped)`);
      return false;
    }
    if (!s.module.probe) {
      skipped.push(
        `${s.module.title}: a widget, items in public.module_data (see the widget rows)`,
      );
      return false;
    }
    return true;
  });

  const probes = new Map<string, string>();
  const physical = new Map<string, string>();
  for (const state of modules) {
    const probe = state.module.probe as Probe;
    const entry = state.entry;
    const index = entry?.tableNames.indexOf(probe.table) ?? -1;
    if (entry && index >= 0) physical.set(state.module.key, entry.qualifiedTables[index] as string);
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
  const facts = await readTableFacts(getDb(), [...physical.values()]);

  const cells: MatrixCell[] = [];
  for (const user of users) {
    for (const site of sites) {
      for (const state of modules) {
        const probe = state.module.probe as Probe;
        const member = user.agencyIds.includes(site.agencyId);
        const installed = state.sites.has(site.id);
        const expected = member && installed ? ('allowed' as const) : ('denied' as const);
        for (const op of OPERATIONS) {
          let attempt: Attempt | undefined;
          let cell: Pick<MatrixCell, 'outcome' | 'short' | 'detail'>;
          try {
            attempt = await attemptOp(
              state.module,
              probe,
              op,
              user.id,
              site.id,
              probes.get(`${state.module.key}/${site.id}`),
            );
            if (attempt.foreignRows > 0 || (attempt.ok && expected === 'denied')) {
              cell = {
                outcome: 'leak',
                short: 'LEAK',
                detail:
                  attempt.foreignRows > 0
                    ? `${attempt.foreignRows} rows of another site!`
                    : attempt.detail,
              };
            } else if (attempt.ok) {
              cell = { outcome: 'allowed', short: 'allowed', detail: attempt.detail };
            } else {
              cell = {
                outcome: expected === 'allowed' ? 'unexpected' : 'denied',
                short: attempt.raised ? `denied ${attempt.raised}` : 'hidden',
                detail: attempt.detail,
              };
            }
          } catch (error) {
            cell = {
              outcome: 'unexpected',
              short: 'error',
              detail: error instanceof Error ? error.message : String(error),
            };
          }
          cells.push({
            row: `${user.id}/${site.id}`,
            column: `${state.module.key}/${op}`,
            expected,
            ...cell,
            why: explain({
              userName: user.name,
              member,
              agencyName: site.agencyName,
              siteName: site.name,
              moduleTitle: state.module.title,
              installed,
              op,
              role: state.entry?.roleName ?? '',
              facts: facts.get(physical.get(state.module.key) ?? ''),
              attempt,
            }),
          });
        }
      }
    }
  }
  return {
    id: 'site-axis',
    title: 'Site axis: users x sites, through each module',
    description:
      "Every user on every site, through every installed module's SDK. Allowed only when the user belongs to the site's agency and the module is installed there. A USING filter hides rows silently (hidden); a failed WITH CHECK raises 42501.",
    groupHeader: 'User',
    rowHeader: 'Site',
    rows: users.flatMap((u) =>
      sites.map((s) => ({
        id: `${u.id}/${s.id}`,
        group: u.name,
        title: `${s.label}: ${s.name}`,
        subtitle: s.agencyName,
      })),
    ),
    columnGroups: modules.map((s) => ({
      id: s.module.key,
      title: s.module.title,
      subtitle: `${(s.module.probe as Probe).table}; installed on ${
        sites
          .filter((site) => s.sites.has(site.id))
          .map((site) => site.label)
          .join(', ') || 'no site'
      }`,
      columns: OPERATIONS.map((op) => ({ id: `${s.module.key}/${op}`, title: op })),
    })),
    cells,
    skipped,
    tookMs: Date.now() - started,
  };
}
