/**
 * The isolation matrix: three modules (one per strategy: shared `module_data`, prefixed tables,
 * own schema) x three sites (two in agency A, one in agency B) x four actors (a member of both
 * agencies, a member of A only, a member of none, anonymous). Every (actor, module, site) is tried
 * with every operation through the data client and the SDK (table modules), as direct SQL as the
 * module's own role, as the other modules' roles, and as the API roles `authenticated` and
 * `anon`. Access must be allowed exactly where the design says (the actor is a member of the
 * site's agency and the module is installed on the site, and only through the module's own role)
 * and denied everywhere else, with the right kind of denial (rows hidden, or 42501). A leak is a
 * denied attempt that saw or changed a row, or any attempt that saw a row of another site.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseSDK } from '../../module-sdk/src/index';
import { createModuleDataClient } from '../src/client';
import {
  installModuleForSite,
  isModuleDbError,
  migratePlatform,
  type ProvisionResult,
  provisionModuleDatabase,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { bookingModule, crmModule, widgetModule } from './fixtures/sample-modules';

let tdb: TestDatabase;
let db: Kysely<any>;

interface Module {
  readonly label: string;
  readonly definition: any;
  result: ProvisionResult;
  /** The table the matrix uses (`module_data` for the widget). */
  readonly table: string;
}
const modules: Module[] = [
  {
    label: 'widget',
    definition: { ...widgetModule, moduleId: randomUUID() },
    table: 'module_data',
  },
  {
    label: 'booking',
    definition: { ...bookingModule, moduleId: randomUUID() },
    table: 'calendars',
  },
  { label: 'crm', definition: { ...crmModule, moduleId: randomUUID() }, table: 'companies' },
] as Module[];

interface Site {
  readonly label: string;
  id: string;
  agency: 'A' | 'B';
}
const sites: Site[] = [
  { label: 's1(A)', id: '', agency: 'A' },
  { label: 's2(A)', id: '', agency: 'A' },
  { label: 's3(B)', id: '', agency: 'B' },
];
interface Actor {
  readonly label: string;
  id: string | undefined;
  readonly agencies: readonly ('A' | 'B')[];
}
const actors: Actor[] = [
  { label: 'both', id: '', agencies: ['A', 'B'] },
  { label: 'onlyA', id: '', agencies: ['A'] },
  { label: 'none', id: '', agencies: [] },
  { label: 'anonymous', id: undefined, agencies: [] },
];
/** Where each module is installed: not everywhere, so installation is part of the matrix. */
const installedOn: Record<string, readonly string[]> = {
  widget: ['s2(A)', 's3(B)'],
  booking: ['s1(A)', 's3(B)'],
  crm: ['s1(A)', 's2(A)', 's3(B)'],
};
/** The marker row of each (module, site), written by the platform before the matrix. */
const markers = new Map<string, string>();

type Outcome = 'allowed' | 'hidden' | '42501' | 'error';
type Expectation = 'allowed' | 'hidden' | '42501' | 'hidden|42501';
interface Observation {
  /** Rows returned or affected (count for `count`). */
  readonly n: number;
  /** Site ids of the rows returned, when the operation returns rows. */
  readonly sites: readonly string[];
}
const totals = {
  attempts: 0,
  allowed: 0,
  hidden: 0,
  denied42501: 0,
  leaks: 0,
  mismatches: 0,
  byChannel: new Map<string, number>(),
};
const problems: string[] = [];

function sqlstateOf(error: unknown): string | undefined {
  if (isModuleDbError(error)) return (error as { sqlstate?: string }).sqlstate;
  return (error as { code?: string })?.code;
}

async function attempt(
  label: string,
  channel: string,
  expected: Expectation,
  site: string,
  fn: () => Promise<Observation>,
): Promise<Observation | undefined> {
  totals.attempts++;
  totals.byChannel.set(channel, (totals.byChannel.get(channel) ?? 0) + 1);
  let outcome: Outcome;
  let observation: Observation | undefined;
  let detail = '';
  try {
    observation = await fn();
    outcome = observation.n > 0 ? 'allowed' : 'hidden';
  } catch (error) {
    const state = sqlstateOf(error);
    outcome = state === '42501' ? '42501' : 'error';
    detail = `${state ?? ''} ${(error as Error).message}`;
  }
  if (outcome === 'allowed') totals.allowed++;
  else if (outcome === 'hidden') totals.hidden++;
  else if (outcome === '42501') totals.denied42501++;
  const foreign = observation?.sites.filter((s) => s !== site).length ?? 0;
  const leak = foreign > 0 || (expected !== 'allowed' && outcome === 'allowed');
  if (leak) {
    totals.leaks++;
    problems.push(`LEAK ${label}: expected ${expected}, got ${outcome} (${foreign} foreign rows)`);
  } else if (!expected.split('|').includes(outcome)) {
    totals.mismatches++;
    problems.push(`MISMATCH ${label}: expected ${expected}, got ${outcome} ${detail}`);
  }
  return observation;
}

const siteOf = (label: string) => sites.find((s) => s.label === label) as Site;
const isAllowed = (actor: Actor, module: Module, site: Site) =>
  actor.id !== undefined &&
  actor.agencies.includes(site.agency) &&
  (installedOn[module.label] ?? []).includes(site.label);

function tableRef(m: Module): RawBuilder<unknown> {
  if (m.result.strategy === 'shared') return sql.id('public', 'module_data');
  if (m.result.strategy === 'schema') return sql.id(m.result.schemaName, m.table);
  return sql.id('public', `mod_${m.result.shortId}_${m.table}`);
}

/** Runs `fn` in a transaction as `role` with the request's claims, both transaction-local. */
function as<T>(
  role: string,
  claims: Record<string, unknown>,
  fn: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('role', ${role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

const rowsObs = (rows: readonly { site_id: string }[]): Observation => ({
  n: rows.length,
  sites: rows.map((r) => r.site_id),
});

/** select, insert, update, delete as plain SQL, the way module code (or an attacker) writes it. */
function sqlOps(m: Module, site: string, marker: string) {
  const t = tableRef(m);
  const shared = m.result.strategy === 'shared';
  let inserted: string | undefined;
  return {
    select: (trx: Kysely<any>) =>
      sql<{ site_id: string }>`select site_id from ${t}`.execute(trx).then((r) => rowsObs(r.rows)),
    insert: async (trx: Kysely<any>) => {
      const { rows } = await (shared
        ? sql<{ id: string; site_id: string }>`insert into ${t} (site_id, collection, key, value)
            values (${site}::uuid, 'notes', ${`tmp-${randomUUID()}`}, '{"x":1}') returning id, site_id`
        : sql<{ id: string; site_id: string }>`insert into ${t} (site_id, name)
            values (${site}::uuid, 'tmp') returning id, site_id`
      ).execute(trx);
      inserted = rows[0]?.id;
      return rowsObs(rows);
    },
    // Every visible row, no WHERE: only the policy stands between this and other sites.
    update: (trx: Kysely<any>) =>
      (shared
        ? sql<{ site_id: string }>`update ${t} set value = value returning site_id`
        : sql<{ site_id: string }>`update ${t} set name = name returning site_id`
      )
        .execute(trx)
        .then((r) => rowsObs(r.rows)),
    delete: (trx: Kysely<any>) =>
      sql<{
        site_id: string;
      }>`delete from ${t} where id = ${inserted ?? marker}::uuid returning site_id`
        .execute(trx)
        .then((r) => rowsObs(r.rows)),
  };
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  for (const m of modules) m.result = await provisionModuleDatabase(db, m.definition);
  const agencyA = await tdb.factory.agency();
  const agencyB = await tdb.factory.agency();
  for (const s of sites) s.id = await tdb.factory.site(s.agency === 'A' ? agencyA : agencyB);
  for (const a of actors) {
    if (a.id === undefined) continue;
    a.id = await tdb.factory.user();
    for (const g of a.agencies) await tdb.factory.member(g === 'A' ? agencyA : agencyB, a.id);
  }
  for (const m of modules) {
    for (const label of installedOn[m.label] ?? [])
      await installModuleForSite(db, m.result.moduleId, siteOf(label).id);
    // A marker row on every site, installed there or not (written past RLS by the platform).
    for (const s of sites) {
      const { rows } = await (m.result.strategy === 'shared'
        ? sql<{
            id: string;
          }>`insert into public.module_data (module_short_id, site_id, collection, key, value)
            values (${m.result.shortId}, ${s.id}::uuid, 'notes', 'marker', '{"marker":true}') returning id`
        : sql<{
            id: string;
          }>`insert into ${tableRef(m)} (site_id, name) values (${s.id}::uuid, 'marker') returning id`
      ).execute(db);
      markers.set(`${m.label} ${s.label}`, rows[0]?.id as string);
    }
  }
});

async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  for (const m of modules) {
    const { rows } = await (m.result.strategy === 'shared'
      ? sql<{
          line: string;
        }>`select module_short_id || ' ' || site_id || ' ' || key || ' ' || value::text as line
          from public.module_data where module_short_id = ${m.result.shortId} order by 1`
      : sql<{
          line: string;
        }>`select id || ' ' || site_id || ' ' || name as line from ${tableRef(m)} order by 1`
    ).execute(db);
    out.push(...rows.map((r) => `${m.label} ${r.line}`));
  }
  return out;
}

afterAll(async () => {
  console.log(
    `[isolation] ${totals.attempts} attempts: ${totals.allowed} allowed, ${totals.hidden + totals.denied42501} denied (${totals.hidden} rows hidden, ${totals.denied42501} with 42501), ${totals.leaks} leaks, ${totals.mismatches} mismatches`,
  );
  console.log(
    `[isolation] by channel: ${[...totals.byChannel].map(([c, n]) => `${c} ${n}`).join(', ')}`,
  );
  await tdb?.destroy();
});

describe('isolation matrix', () => {
  it('allows exactly the member-of-the-agency, module-installed cells and denies the rest, with no leak', async () => {
    const before = await snapshot();
    const transport = createPostgresTransport(db);
    for (const actor of actors) {
      for (const m of modules) {
        for (const site of sites) {
          const allowed = isAllowed(actor, m, site);
          const cell = `${actor.label} x ${m.label} x ${site.label}`;
          const marker = markers.get(`${m.label} ${site.label}`) as string;
          const claims = {
            role: 'authenticated',
            site_id: site.id,
            ...(actor.id ? { sub: actor.id } : {}),
          };
          const rlsDenied: Expectation = allowed ? 'allowed' : 'hidden';
          const writeDenied: Expectation = allowed ? 'allowed' : '42501';

          // 1. The data client and the SDK (table modules; widgets have no tables for them).
          if (m.result.strategy !== 'shared') {
            const client = createModuleDataClient({
              definition: m.definition,
              siteId: site.id,
              ...(actor.id ? { userId: actor.id } : {}),
              transport,
            });
            const sdk = createDatabaseSDK({
              definition: m.definition,
              siteId: site.id,
              ...(actor.id ? { userId: actor.id } : {}),
              transport,
            }) as any;
            for (const [channel, api] of [
              [
                'client',
                {
                  select: () => client.select(m.table),
                  count: () => client.count(m.table),
                  insert: () => client.insert(m.table, { name: 'tmp' }),
                  update: (id: string) => client.update(m.table, { name: 'tmp2' }, { id }),
                  delete: (id: string) => client.delete(m.table, { id }),
                },
              ],
              [
                'sdk',
                {
                  select: () => sdk.find(m.table, {}),
                  count: () => sdk.count(m.table),
                  insert: () => sdk.create(m.table, { name: 'tmp' }),
                  update: (id: string) => sdk.update(m.table, { id }, { name: 'tmp2' }),
                  delete: (id: string) => sdk.delete(m.table, { id }),
                },
              ],
            ] as const) {
              const at = `${channel} ${cell}`;
              await attempt(`${at} select`, channel, rlsDenied, site.id, async () =>
                rowsObs((await api.select()) as { site_id: string }[]),
              );
              await attempt(`${at} count`, channel, rlsDenied, site.id, async () => ({
                n: await api.count(),
                sites: [],
              }));
              const ins = await attempt(`${at} insert`, channel, writeDenied, site.id, async () => {
                const rows = (await api.insert()) as { id: string; site_id: string }[];
                return { ...rowsObs(rows), id: rows[0]?.id } as Observation;
              });
              const target = (ins as { id?: string } | undefined)?.id ?? marker;
              await attempt(`${at} update`, channel, rlsDenied, site.id, async () =>
                rowsObs((await api.update(target)) as { site_id: string }[]),
              );
              await attempt(`${at} delete`, channel, rlsDenied, site.id, async () => ({
                n: await api.delete(target),
                sites: [],
              }));
            }
          }

          // 2. Direct SQL as the module's own role: only the policy decides.
          {
            const ops = sqlOps(m, site.id, marker);
            const role = m.result.role;
            const at = `sql:module-role ${cell}`;
            await attempt(`${at} select`, 'sql:module-role', rlsDenied, site.id, () =>
              as(role, claims, ops.select),
            );
            await attempt(`${at} insert`, 'sql:module-role', writeDenied, site.id, () =>
              as(role, claims, ops.insert),
            );
            await attempt(`${at} update`, 'sql:module-role', rlsDenied, site.id, () =>
              as(role, claims, ops.update),
            );
            await attempt(`${at} delete`, 'sql:module-role', rlsDenied, site.id, () =>
              as(role, claims, ops.delete),
            );
          }

          // 3. Direct SQL as every other module's role: never this module's rows. Table modules
          // hold no grant (42501); widgets share module_data, whose policy matches the module
          // from the role, so another widget would see nothing (rows hidden).
          for (const other of modules) {
            if (other === m) continue;
            const ops = sqlOps(m, site.id, marker);
            const at = `sql:other-module-role(${other.label}) ${cell}`;
            for (const op of ['select', 'insert', 'update', 'delete'] as const) {
              await attempt(`${at} ${op}`, 'sql:other-module-role', 'hidden|42501', site.id, () =>
                as(other.result.role, claims, ops[op]),
              );
            }
          }

          // 4. Direct SQL as the API roles: no privilege at all on module data.
          for (const role of ['authenticated', 'anon'] as const) {
            const ops = sqlOps(m, site.id, marker);
            const at = `sql:${role} ${cell}`;
            for (const op of ['select', 'insert', 'update', 'delete'] as const) {
              await attempt(`${at} ${op}`, `sql:${role}`, '42501', site.id, () =>
                as(role, { ...claims, role }, ops[op]),
              );
            }
          }
        }
      }
    }
    for (const p of problems.slice(0, 40)) console.log(`[isolation] ${p}`);
    expect(problems).toEqual([]);
    expect(totals.leaks).toBe(0);
    expect(totals.allowed).toBeGreaterThan(0);
    // Nothing written anywhere survived: every allowed insert was deleted again, every denied
    // write changed nothing.
    const after = await snapshot();
    expect(after.filter((l) => !l.includes(' tmp'))).toEqual(
      before.filter((l) => !l.includes(' tmp')),
    );
    expect(after.length).toBe(before.length);
  });

  it('the data client and the SDK refuse widget modules with NOT_SUPPORTED', () => {
    const widget = modules[0] as Module;
    for (const make of [
      () =>
        createModuleDataClient({
          definition: widget.definition,
          siteId: sites[0]?.id as string,
          transport: createPostgresTransport(db),
        }),
      () =>
        createDatabaseSDK({
          definition: widget.definition,
          siteId: sites[0]?.id as string,
          transport: createPostgresTransport(db),
        }),
    ]) {
      expect(make).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    }
  });
});
