/**
 * The isolation matrix: four modules (two widgets in the shared `module_data`, one of them open to
 * visitors; prefixed tables, members only; an own schema whose table is open to visitors) x three
 * sites (two in agency A, one in agency B; s1 and s3 public, s2 not) x five actors (a member of
 * both agencies, a member of A only, a member of none, anonymous, and a site visitor). Every
 * (actor, module, site) is tried with every operation through the data client and the SDK (tables,
 * or a widget's collection), as direct SQL as the module's own role, as its visitor role, as the
 * other modules' data and visitor roles, and as the API roles `authenticated` and `anon`. Access
 * must be allowed exactly where the design says (members: the actor is a member of the site's
 * agency and the module is installed on the site, only through the module's own role; visitors:
 * the site is public, the module installed there, and the table or collection declares it) and
 * denied everywhere else, with the right kind of denial (rows hidden, 42501, or the client's
 * VISITOR_NOT_ALLOWED before any SQL). A leak is a denied attempt that saw or changed a row, or
 * any attempt that saw a row of another site. The totals (attempts, allowed, each kind of denial)
 * are asserted against the counts the design predicts, cell by cell.
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
  setSitePublic,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { bookingModule, crmModule, widgetModule } from './fixtures/sample-modules';

let tdb: TestDatabase;
let db: Kysely<any>;

interface Module {
  readonly label: string;
  readonly definition: any;
  result: ProvisionResult;
  /** The table the matrix uses (`module_data` for the widgets, whose collection is `notes`). */
  readonly table: string;
  /** Whether visitors may read / insert that table (or collection). */
  readonly visitorRead: boolean;
  readonly visitorInsert: boolean;
}
/** A widget whose `notes` collection is open to visitors (`open`) or for members only. */
const widgetDefinition = (open: boolean) => ({
  ...widgetModule,
  moduleId: randomUUID(),
  collections: {
    notes: {
      fields: {
        x: { type: 'integer', optional: true },
        marker: { type: 'boolean', optional: true },
      },
      ...(open ? { visitors: { read: 'all', insert: ['x'] } } : {}),
    },
  },
});
const modules: Module[] = [
  {
    label: 'widget',
    definition: widgetDefinition(true),
    table: 'module_data',
    visitorRead: true,
    visitorInsert: true,
  },
  {
    label: 'widget2',
    definition: widgetDefinition(false),
    table: 'module_data',
    visitorRead: false,
    visitorInsert: false,
  },
  {
    label: 'booking',
    definition: { ...bookingModule, moduleId: randomUUID() },
    table: 'calendars',
    visitorRead: false,
    visitorInsert: false,
  },
  {
    label: 'crm',
    definition: {
      ...crmModule,
      moduleId: randomUUID(),
      tables: crmModule.tables.map((t) =>
        t.name === 'companies' ? { ...t, visitors: { read: ['id', 'name'], insert: ['name'] } } : t,
      ),
    },
    table: 'companies',
    visitorRead: true,
    visitorInsert: true,
  },
] as Module[];

interface Site {
  readonly label: string;
  id: string;
  agency: 'A' | 'B';
  /** Marked public by the platform: its visitors reach what modules declare for them. */
  readonly public: boolean;
}
const sites: Site[] = [
  { label: 's1(A)', id: '', agency: 'A', public: true },
  { label: 's2(A)', id: '', agency: 'A', public: false },
  { label: 's3(B)', id: '', agency: 'B', public: true },
];
interface Actor {
  readonly label: string;
  id: string | undefined;
  readonly agencies: readonly ('A' | 'B')[];
  /** A site visitor: no user, the module's visitor role. */
  readonly visitor?: boolean;
}
const actors: Actor[] = [
  { label: 'both', id: '', agencies: ['A', 'B'] },
  { label: 'onlyA', id: '', agencies: ['A'] },
  { label: 'none', id: '', agencies: [] },
  { label: 'anonymous', id: undefined, agencies: [] },
  { label: 'visitor', id: undefined, agencies: [], visitor: true },
];
/** Where each module is installed: not everywhere, so installation is part of the matrix. */
const installedOn: Record<string, readonly string[]> = {
  widget: ['s1(A)', 's2(A)', 's3(B)'],
  widget2: ['s2(A)', 's3(B)'],
  booking: ['s1(A)', 's3(B)'],
  crm: ['s1(A)', 's2(A)', 's3(B)'],
};
/** The marker row of each (module, site), written by the platform before the matrix. */
const markers = new Map<string, string>();

type Outcome = 'allowed' | 'hidden' | '42501' | 'refused' | 'error';
/** `refused`: the data client's VISITOR_NOT_ALLOWED, before any SQL. */
type Expectation = 'allowed' | 'hidden' | '42501' | 'hidden|42501' | 'refused';
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
  refused: 0,
  leaks: 0,
  mismatches: 0,
  byChannel: new Map<string, number>(),
};
/** What the design predicts, counted from the expectations before each attempt runs. */
const predicted = { allowed: 0, denied: 0, refused: 0, visitorAllowed: 0, visitorDenied: 0 };
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
  const byVisitor = label.includes(' visitor x ') || channel.includes('visitor');
  if (expected === 'allowed') {
    predicted.allowed++;
    if (byVisitor) predicted.visitorAllowed++;
  } else {
    predicted.denied++;
    if (byVisitor) predicted.visitorDenied++;
    if (expected === 'refused') predicted.refused++;
  }
  let outcome: Outcome;
  let observation: Observation | undefined;
  let detail = '';
  try {
    observation = await fn();
    outcome = observation.n > 0 ? 'allowed' : 'hidden';
  } catch (error) {
    const state = sqlstateOf(error);
    outcome =
      state === '42501'
        ? '42501'
        : isModuleDbError(error) && error.code === 'VISITOR_NOT_ALLOWED'
          ? 'refused'
          : 'error';
    detail = `${state ?? ''} ${(error as Error).message}`;
  }
  if (outcome === 'allowed') totals.allowed++;
  else if (outcome === 'hidden') totals.hidden++;
  else if (outcome === '42501') totals.denied42501++;
  else if (outcome === 'refused') totals.refused++;
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
/** A visitor reaches a module on a site: the site is public and the module installed there. */
const visitorReaches = (module: Module, site: Site) =>
  site.public && (installedOn[module.label] ?? []).includes(site.label);

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
    // module_data holds every widget's items: a role sees its own module's, which are not this
    // module's rows, so the select names the module (the policies still decide).
    select: (trx: Kysely<any>) =>
      (shared
        ? sql<{
            site_id: string;
          }>`select site_id from ${t} where module_short_id = ${m.result.shortId}`
        : sql<{ site_id: string }>`select site_id from ${t}`
      )
        .execute(trx)
        .then((r) => rowsObs(r.rows)),
    insert: async (trx: Kysely<any>) => {
      // A widget's insert names its module: another widget's role would otherwise write an item
      // of its own (module_short_id defaults to the role's module), not one of this module.
      const { rows } = await (shared
        ? sql<{
            id: string;
            site_id: string;
          }>`insert into ${t} (module_short_id, site_id, collection, key, value)
            values (${m.result.shortId}, ${site}::uuid, 'notes', ${`tmp-${randomUUID()}`}, '{"x":1}') returning id, site_id`
        : sql<{ id: string; site_id: string }>`insert into ${t} (site_id, name)
            values (${site}::uuid, 'tmp') returning id, site_id`
      ).execute(trx);
      inserted = rows[0]?.id;
      return rowsObs(rows);
    },
    // Every visible row, no WHERE: only the policy stands between this and other sites.
    update: (trx: Kysely<any>) =>
      (shared
        ? sql<{
            site_id: string;
          }>`update ${t} set value = value where module_short_id = ${m.result.shortId} returning site_id`
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
  for (const s of sites) {
    s.id = await tdb.factory.site(s.agency === 'A' ? agencyA : agencyB);
    if (s.public) await setSitePublic(db, s.id, true);
  }
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
    `[isolation] ${totals.attempts} attempts: ${totals.allowed} allowed, ${totals.hidden + totals.denied42501 + totals.refused} denied (${totals.hidden} rows hidden, ${totals.denied42501} with 42501, ${totals.refused} refused by the client before SQL), ${totals.leaks} leaks, ${totals.mismatches} mismatches`,
  );
  console.log(
    `[isolation] by channel: ${[...totals.byChannel].map(([c, n]) => `${c} ${n}`).join(', ')}`,
  );
  await tdb?.destroy();
});

/**
 * select, insert, update, delete as plain SQL as a visitor writes it: the declared columns
 * (`site_id` and `name`; a widget's `public_value`), an insert without RETURNING (a visitor may not
 * read back what it writes).
 */
function visitorSqlOps(m: Module, site: string, foreign = false) {
  const t = tableRef(m);
  const shared = m.result.strategy === 'shared';
  return {
    select: (trx: Kysely<any>) =>
      (shared
        ? sql<{
            site_id: string;
          }>`select site_id, public_value from ${t} where module_short_id = ${m.result.shortId}`
        : sql<{ site_id: string }>`select site_id, name from ${t}`
      )
        .execute(trx)
        .then((r) => rowsObs(r.rows)),
    insert: async (trx: Kysely<any>) => {
      const r = await (shared
        ? foreign
          ? // Another module's visitor role, aiming at this module's items, must name it.
            sql`insert into ${t} (module_short_id, site_id, collection, value)
              values (${m.result.shortId}, ${site}::uuid, 'notes', '{"x":2}')`
          : // module_short_id is not the visitor's to set (no column grant): it defaults to
            // the module of the role, and the policy checks it is this request's module.
            sql`insert into ${t} (site_id, collection, value)
              values (${site}::uuid, 'notes', '{"x":2}')`
        : sql`insert into ${t} (site_id, name) values (${site}::uuid, 'vtmp')`
      ).execute(trx);
      return { n: Number(r.numAffectedRows ?? 0), sites: [] };
    },
    update: (trx: Kysely<any>) =>
      (shared
        ? sql<{
            site_id: string;
          }>`update ${t} set value = value where module_short_id = ${m.result.shortId}`
        : sql<{ site_id: string }>`update ${t} set name = name`
      )
        .execute(trx)
        .then((r) => ({ n: Number(r.numAffectedRows ?? 0), sites: [] })),
    delete: (trx: Kysely<any>) =>
      (shared
        ? sql`delete from ${t} where module_short_id = ${m.result.shortId}`
        : sql`delete from ${t}`
      )
        .execute(trx)
        .then((r) => ({ n: Number(r.numAffectedRows ?? 0), sites: [] })),
  };
}

/** The five operations as one API: a table's through the client or the SDK, or a collection's. */
interface Api {
  select(): Promise<Observation>;
  count(): Promise<number>;
  /** Resolves the observation and the key (or id) of what it wrote, when it can read it back. */
  insert(): Promise<Observation & { key?: string }>;
  /** Absent from a visitor's SDK, which has no update or delete at all. */
  update?(key: string): Promise<Observation>;
  delete?(key: string): Promise<number>;
}

function apis(m: Module, actor: Actor, site: Site, transport: any): [string, Api][] {
  const who = actor.visitor ? { visitor: true as const } : actor.id ? { userId: actor.id } : {};
  const client = createModuleDataClient({
    definition: m.definition,
    siteId: site.id,
    ...who,
    transport,
  });
  const sdk = createDatabaseSDK({
    definition: m.definition,
    siteId: site.id,
    ...who,
    transport,
  } as any) as any;
  const visitorInsert = { x: 2 };
  if (m.result.strategy === 'shared') {
    return (
      [
        ['client', client.collection('notes')],
        ['sdk', sdk.collection('notes')],
      ] as const
    ).map(([channel, c]: readonly [string, any]) => [
      channel,
      {
        select: async () => rowsObs((await c.list({ limit: 1000 })).items as { site_id: string }[]),
        count: () => c.count(),
        insert: async () => {
          const item = await c.create(actor.visitor ? visitorInsert : { x: 1 });
          // A visitor's insert reads nothing back: it resolves, or it is refused.
          return item ? { ...rowsObs([item]), key: item.key } : { n: 1, sites: [] as string[] };
        },
        ...(typeof c.update === 'function'
          ? {
              update: async (key: string) => {
                const item = await c.update(key, { x: 3 });
                return rowsObs(item ? [item] : []);
              },
              delete: async (key: string) => ((await c.delete(key)) ? 1 : 0),
            }
          : {}),
      },
    ]);
  }
  const record = { name: actor.visitor ? 'vtmp' : 'tmp' };
  const inserted = (rows: { id: string; site_id: string }[]) =>
    actor.visitor ? { n: 1, sites: [] as string[] } : { ...rowsObs(rows), key: rows[0]?.id };
  return [
    [
      'client',
      {
        select: async () => rowsObs((await client.select(m.table)) as { site_id: string }[]),
        count: () => client.count(m.table),
        insert: async () => inserted((await client.insert(m.table, record)) as any),
        update: async (id) =>
          rowsObs((await client.update(m.table, { name: 'tmp2' }, { id })) as any),
        delete: (id) => client.delete(m.table, { id }),
      },
    ],
    [
      'sdk',
      {
        select: async () => rowsObs(await sdk.find(m.table, {})),
        count: () => sdk.count(m.table),
        insert: async () => {
          const result = await sdk.create(m.table, record);
          return actor.visitor ? { n: result, sites: [] as string[] } : inserted(result);
        },
        ...(typeof sdk.update === 'function'
          ? {
              update: async (id: string) =>
                rowsObs(await sdk.update(m.table, { id }, { name: 'tmp2' })),
              delete: (id: string) => sdk.delete(m.table, { id }),
            }
          : {}),
      },
    ],
  ];
}

describe('isolation matrix', () => {
  it('allows exactly the member-of-the-agency and public-site visitor cells and denies the rest, with no leak', async () => {
    const before = await snapshot();
    const transport = createPostgresTransport(db);
    for (const actor of actors) {
      for (const m of modules) {
        for (const site of sites) {
          const allowed = isAllowed(actor, m, site);
          const cell = `${actor.label} x ${m.label} x ${site.label}`;
          const marker = markers.get(`${m.label} ${site.label}`) as string;
          const markerKey = m.result.strategy === 'shared' ? 'marker' : marker;
          const claims = {
            role: 'authenticated',
            site_id: site.id,
            ...(actor.id ? { sub: actor.id } : {}),
          };
          const rlsDenied: Expectation = allowed ? 'allowed' : 'hidden';
          const writeDenied: Expectation = allowed ? 'allowed' : '42501';

          // 1. The data client and the SDK: a table's rows, or a widget's collection.
          const reaches = actor.visitor === true && visitorReaches(m, site);
          for (const [channel, api] of apis(m, actor, site, transport)) {
            const at = `${channel} ${cell}`;
            if (actor.visitor) {
              // The client refuses what the definition does not declare, before any SQL; what it
              // declares, PostgreSQL allows on a public site where the module is installed.
              const read: Expectation = !m.visitorRead ? 'refused' : reaches ? 'allowed' : 'hidden';
              const insert: Expectation = !m.visitorInsert
                ? 'refused'
                : reaches
                  ? 'allowed'
                  : '42501';
              await attempt(`${at} select`, channel, read, site.id, () => api.select());
              await attempt(`${at} count`, channel, read, site.id, async () => ({
                n: await api.count(),
                sites: [],
              }));
              await attempt(`${at} insert`, channel, insert, site.id, () => api.insert());
              // The visitor's SDK has no update or delete at all (nor a collection's); the data
              // client, for callers without types, refuses them before any SQL.
              expect(channel === 'sdk', at).toBe(api.update === undefined);
              const { update, delete: remove } = api;
              if (update && remove) {
                await attempt(`${at} update`, channel, 'refused', site.id, () => update(markerKey));
                await attempt(`${at} delete`, channel, 'refused', site.id, async () => ({
                  n: await remove(markerKey),
                  sites: [],
                }));
              }
              continue;
            }
            await attempt(`${at} select`, channel, rlsDenied, site.id, () => api.select());
            await attempt(`${at} count`, channel, rlsDenied, site.id, async () => ({
              n: await api.count(),
              sites: [],
            }));
            const ins = await attempt(`${at} insert`, channel, writeDenied, site.id, () =>
              api.insert(),
            );
            const target = (ins as { key?: string } | undefined)?.key ?? markerKey;
            await attempt(`${at} update`, channel, rlsDenied, site.id, async () =>
              (api.update as NonNullable<Api['update']>)(target),
            );
            await attempt(`${at} delete`, channel, rlsDenied, site.id, async () => ({
              n: await (api.delete as NonNullable<Api['delete']>)(target),
              sites: [],
            }));
          }

          if (actor.visitor) {
            // 2v. Direct SQL as the module's visitor role: only grants and policies decide.
            const vClaims = {
              role: m.result.role.replace('modrole_', 'modvisitor_'),
              site_id: site.id,
            };
            const ops = visitorSqlOps(m, site.id);
            const at = `sql:visitor-role ${cell}`;
            // No visitor grant at all on a members-only table: 42501; widgets share module_data,
            // whose visitor policy hides what the collection does not publish.
            const read: Expectation = reaches
              ? m.visitorRead
                ? 'allowed'
                : m.result.strategy === 'shared'
                  ? 'hidden'
                  : '42501'
              : m.visitorRead || m.result.strategy === 'shared'
                ? 'hidden'
                : '42501';
            await attempt(`${at} select`, 'sql:visitor-role', read, site.id, () =>
              as(vClaims.role, vClaims, ops.select),
            );
            await attempt(
              `${at} insert`,
              'sql:visitor-role',
              reaches && m.visitorInsert ? 'allowed' : '42501',
              site.id,
              () => as(vClaims.role, vClaims, ops.insert),
            );
            for (const op of ['update', 'delete'] as const) {
              await attempt(`${at} ${op}`, 'sql:visitor-role', '42501', site.id, () =>
                as(vClaims.role, vClaims, ops[op]),
              );
            }
            // 3v. Every other module's visitor role: never this module's rows.
            for (const other of modules) {
              if (other === m) continue;
              const role = other.result.role.replace('modrole_', 'modvisitor_');
              const foreignOps = visitorSqlOps(m, site.id, true);
              const at2 = `sql:other-visitor-role(${other.label}) ${cell}`;
              for (const op of ['select', 'insert', 'update', 'delete'] as const) {
                await attempt(
                  `${at2} ${op}`,
                  'sql:other-visitor-role',
                  'hidden|42501',
                  site.id,
                  () => as(role, { role, site_id: site.id }, foreignOps[op]),
                );
              }
            }
            continue;
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

    // The totals, against the counts the design predicts. Per (actor, module, site) cell:
    // members and anonymous: 2 SDK channels x 5 operations, 4 SQL operations as the module role,
    // 4 x 3 other module roles, 4 x 2 API roles = 34; the visitor: the client's 5 operations,
    // the SDK's 3 (it has no update or delete), 4 as its visitor role, 4 x 3 other visitor roles
    // = 24. 4 member-side actors and 1 visitor x 4 modules x 3 sites.
    const cells = modules.length * sites.length;
    expect(totals.attempts).toBe(cells * (4 * 34 + 24));
    expect(totals.attempts).toBe(predicted.allowed + predicted.denied);
    expect(totals.allowed).toBe(predicted.allowed);
    expect(totals.hidden + totals.denied42501 + totals.refused).toBe(predicted.denied);
    expect(totals.refused).toBe(predicted.refused);
    // Allowed cells, from the design alone: a member of the site's agency where the module is
    // installed (10 SDK + 4 own-role SQL attempts per cell); a visitor of a public site where
    // the module is installed and the table declares it (SDK: 2 x (select, count, insert); SQL
    // as its visitor role: select and insert).
    let memberCells = 0;
    let visitorCells = 0;
    for (const actor of actors) {
      for (const m of modules) {
        for (const site of sites) {
          if (isAllowed(actor, m, site)) memberCells++;
          if (actor.visitor && visitorReaches(m, site) && m.visitorRead) visitorCells++;
        }
      }
    }
    expect(predicted.allowed).toBe(memberCells * 14 + visitorCells * 8);
    expect(predicted.visitorAllowed).toBe(visitorCells * 8);
    expect(predicted.visitorAllowed + predicted.visitorDenied).toBe(cells * 24);
    console.log(
      `[isolation] predicted and observed: ${predicted.allowed} allowed (${predicted.visitorAllowed} by visitors), ${predicted.denied} denied (${predicted.visitorDenied} of visitors, ${predicted.refused} by the client before SQL)`,
    );

    // Nothing written anywhere survived: every allowed member insert was deleted again, every
    // denied write changed nothing. Visitors cannot delete what they insert: their rows (name
    // 'vtmp', item {"x": 2}) are counted and removed by the platform here, one per allowed insert.
    let visitorRows = 0;
    for (const m of modules) {
      const r = await (m.result.strategy === 'shared'
        ? sql`delete from public.module_data where module_short_id = ${m.result.shortId} and value = '{"x":2}'::jsonb`
        : sql`delete from ${tableRef(m)} where name = 'vtmp'`
      ).execute(db);
      visitorRows += Number(r.numAffectedRows ?? 0);
    }
    // Per reached cell: one insert by the client, one by the SDK, one as raw SQL.
    expect(visitorRows).toBe(visitorCells * 3);
    const after = await snapshot();
    expect(after.filter((l) => !l.includes(' tmp'))).toEqual(
      before.filter((l) => !l.includes(' tmp')),
    );
    expect(after.length).toBe(before.length);
  });
});
