/**
 * Quotas and metering (issue 19), on a real PostgreSQL: limits the platform sets, enforced by
 * PostgreSQL itself (rows and bytes by the counting triggers, SQLSTATE DQ001; statement and lock
 * timeouts on the module roles), counters that stay exact, calls and errors metered by the data
 * client, rate limits per (module, site).
 */
import { randomUUID } from 'node:crypto';
import { connect, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleDataClient } from '../src/client';
import {
  applyModuleUpgrade,
  checkModuleDatabase,
  createRateLimiter,
  createUsageMeter,
  definitionChecksum,
  getModuleLimits,
  getUsage,
  installModuleForSite,
  isModuleDbError,
  listQuotaLimits,
  migratePlatform,
  planModuleRepair,
  planModuleUpgrade,
  provisionModuleDatabase,
  recountUsage,
  repairModuleDatabase,
  resetQuotaLimit,
  setQuotaLimit,
  uninstallModuleFromSite,
  validateModuleDefinition,
  withQuotas,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { rejectionOf } from './module-request';
import { insertAfter, stmt, tamperPlan } from './support/hostile-plan';

let tdb: TestDatabase;
let db: Kysely<any>;
let site1: string;
let site2: string;
let user: string;

function notesModule(moduleType: 'app' | 'system', version = '1.0.0', extra: any[] = []): any {
  return {
    moduleId: randomUUID(),
    moduleType,
    version,
    name: 'Notes',
    tables: [
      {
        name: 'notes',
        columns: [
          { name: 'title', type: 'text' },
          { name: 'body', type: 'text', nullable: true },
          ...extra,
        ],
      },
      { name: 'tags', columns: [{ name: 'label', type: 'text', unique: true }] },
    ],
  };
}

function widget(): any {
  return {
    moduleId: randomUUID(),
    moduleType: 'widget',
    version: '1.0.0',
    tables: [],
    collections: { quotes: { fields: { text: { type: 'string' } } } },
  };
}

async function install(def: any): Promise<string> {
  const { shortId } = await provisionModuleDatabase(db, def);
  for (const site of [site1, site2]) await installModuleForSite(db, def.moduleId, site);
  return shortId;
}

const client = (def: any, siteId: string, kysely: Kysely<any> = db) =>
  createModuleDataClient({
    definition: def,
    siteId,
    userId: user,
    transport: createPostgresTransport(kysely),
  });

/** The counters must equal what a count of the rows says, site by site and table by table. */
async function expectExact(def: any) {
  const usage = await getUsage(db, def.moduleId, { exact: true });
  for (const s of usage.sites) {
    const counted = s.tables.filter((t) => t.rows !== 0 || t.bytes !== 0);
    const exact = (s.exact?.tables ?? []).filter((t) => t.rows !== 0 || t.bytes !== 0);
    const key = (t: { table: string; collection: string }) => `${t.table}/${t.collection}`;
    expect(
      [...counted].sort((a, b) => key(a).localeCompare(key(b))),
      `site ${s.siteId}`,
    ).toEqual([...exact].sort((a, b) => key(a).localeCompare(key(b))));
    expect(s.rows, `site ${s.siteId} rows`).toBe(s.exact?.rows);
    expect(s.bytes, `site ${s.siteId} bytes`).toBe(s.exact?.bytes);
  }
  return usage;
}

const insertItem = (shortId: string, siteId: string, text: string) =>
  db.transaction().execute(async (trx) => {
    const claims = JSON.stringify({ role: 'authenticated', site_id: siteId, sub: user });
    await sql`select set_config('request.jwt.claims', ${claims}, true), set_config('role', ${`modrole_${shortId}`}, true)`.execute(
      trx,
    );
    await sql`insert into public.module_data (site_id, collection, value) values (${siteId}::uuid, 'quotes', ${JSON.stringify({ text })}::jsonb)`.execute(
      trx,
    );
  });

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agency = await tdb.factory.agency();
  site1 = await tdb.factory.site(agency);
  site2 = await tdb.factory.site(agency);
  user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
});
afterAll(() => tdb?.destroy());

describe('limits', () => {
  it('have defaults, per-module and per-site overrides; the most specific wins', async () => {
    const def = notesModule('app');
    await install(def);
    expect(await getModuleLimits(db, def.moduleId, site1)).toMatchObject({
      rows: 1_000_000,
      site_bytes: 1_073_741_824,
      module_bytes: null,
      statement_timeout_ms: 60_000,
    });
    await setQuotaLimit(db, 'rows', 500, { moduleId: def.moduleId }, { actor: 'ops' });
    await setQuotaLimit(db, 'rows', 7, { moduleId: def.moduleId, siteId: site1 });
    expect((await getModuleLimits(db, def.moduleId, site1)).rows).toBe(7);
    expect((await getModuleLimits(db, def.moduleId, site2)).rows).toBe(500);
    const listed = await listQuotaLimits(db);
    expect(listed).toContainEqual(
      expect.objectContaining({ name: 'rows', siteId: null, value: 500, updatedBy: 'ops' }),
    );
    await resetQuotaLimit(db, 'rows', { moduleId: def.moduleId, siteId: site1 });
    expect((await getModuleLimits(db, def.moduleId, site1)).rows).toBe(500);
  });

  it('refuses bad input with typed errors naming the path', async () => {
    const bad = [
      rejectionOf(setQuotaLimit(db, 'nope' as any, 1)),
      rejectionOf(setQuotaLimit(db, 'tables', 3, { siteId: site1 })),
      rejectionOf(setQuotaLimit(db, 'rows', -1)),
      rejectionOf(setQuotaLimit(db, 'statement_timeout_ms', 0)),
      rejectionOf(setQuotaLimit(db, 'rows', 1, { moduleId: 'not-a-uuid' })),
    ];
    const errors = await Promise.all(bad);
    expect(errors.map((e) => [e.code, e.issues?.[0]?.path])).toEqual([
      ['DEFINITION_INVALID', 'name'],
      ['DEFINITION_INVALID', 'siteId'],
      ['DEFINITION_INVALID', 'value'],
      ['DEFINITION_INVALID', 'value'],
      ['DEFINITION_INVALID', 'moduleId'],
    ]);
  });
});

describe.each([
  ['prefix', 'app'],
  ['schema', 'system'],
] as const)('rows per (module, site, table), %s strategy', (_strategy, moduleType) => {
  it('a module at its row limit on one site is refused there; other sites and modules keep working', async () => {
    const a = notesModule(moduleType);
    const b = notesModule(moduleType);
    const shortA = await install(a);
    await install(b);
    await setQuotaLimit(db, 'rows', 3, { moduleId: a.moduleId, siteId: site1 });
    const a1 = client(a, site1);
    await a1.insert('notes', [{ title: 'one' }, { title: 'two' }]);
    await a1.insert('notes', { title: 'three' });
    const refused = await rejectionOf(a1.insert('notes', { title: 'four' }));
    expect(isModuleDbError(refused)).toBe(true);
    expect(refused.toJSON()).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      sqlstate: 'DQ001',
      limit: 'rows',
      max: 3,
      usage: 3,
      requested: 1,
      scope: { module: shortA, site: site1, table: 'notes' },
    });
    // The limit is per table: the same module's other table on that site still takes rows.
    await a1.insert('tags', { label: 'x' });
    // The same module on another site, and another module on the same site.
    await client(a, site2).insert(
      'notes',
      [1, 2, 3, 4, 5].map((i) => ({ title: `n${i}` })),
    );
    await client(b, site1).insert(
      'notes',
      [1, 2, 3, 4, 5].map((i) => ({ title: `n${i}` })),
    );
    expect(await a1.count('notes')).toBe(3);
    // A delete frees room.
    await a1.delete('notes', { title: 'one' });
    await a1.insert('notes', { title: 'four' });
    await expectExact(a);
  });
});

describe('storage', () => {
  it('a widget at its byte limit on one site is refused there (module_data, per collection counters)', async () => {
    const w = widget();
    const other = widget();
    const shortW = await install(w);
    const shortOther = await install(other);
    await insertItem(shortW, site1, 'first');
    const before = await getUsage(db, w.moduleId, { siteId: site1 });
    const perRow = before.sites[0]?.bytes ?? 0;
    expect(perRow).toBeGreaterThan(0);
    await setQuotaLimit(db, 'site_bytes', perRow * 3, { moduleId: w.moduleId, siteId: site1 });
    await insertItem(shortW, site1, 'secnd');
    await insertItem(shortW, site1, 'third');
    const refused = await rejectionOf(insertItem(shortW, site1, 'forth'));
    expect(refused.code).toBe('DQ001');
    expect(JSON.parse(refused.detail)).toMatchObject({
      limit: 'site_bytes',
      max: perRow * 3,
      usage: perRow * 3,
      module: shortW,
      site: site1,
    });
    await insertItem(shortW, site2, 'fine');
    await insertItem(shortOther, site1, 'fine');
    const usage = await expectExact(w);
    expect(usage.sites.find((s) => s.siteId === site1)?.tables).toEqual([
      { table: 'module_data', collection: 'quotes', rows: 3, bytes: perRow * 3 },
    ]);
  });

  it('a module-wide byte limit holds over every site', async () => {
    const def = notesModule('app');
    await install(def);
    await client(def, site1).insert('notes', { title: 'a' });
    const used = (await getUsage(db, def.moduleId)).totals.bytes;
    await setQuotaLimit(db, 'module_bytes', used * 2, { moduleId: def.moduleId });
    await client(def, site2).insert('notes', { title: 'b' });
    const refused = await rejectionOf(client(def, site2).insert('notes', { title: 'c' }));
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'module_bytes', max: used * 2 });
    expect(refused.scope.site).toBeUndefined();
  });
});

describe('concurrency', () => {
  it('concurrent writers never overshoot a row limit', async () => {
    const def = notesModule('app');
    await install(def);
    await setQuotaLimit(db, 'rows', 20, { moduleId: def.moduleId, siteId: site1 });
    const pool = connect(tdb.url, 8);
    try {
      const writers = Array.from({ length: 8 }, (_, w) =>
        (async () => {
          const c = client(def, site1, pool);
          const outcomes: string[] = [];
          for (let i = 0; i < 6; i++) {
            try {
              await c.insert('notes', { title: `w${w}-${i}` });
              outcomes.push('ok');
            } catch (e: any) {
              outcomes.push(e.code);
            }
          }
          return outcomes;
        })(),
      );
      const outcomes = (await Promise.all(writers)).flat();
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(20);
      expect(new Set(outcomes.filter((o) => o !== 'ok'))).toEqual(new Set(['QUOTA_EXCEEDED']));
    } finally {
      await pool.destroy();
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id('public', `mod_${def.moduleId.replaceAll('-', '').slice(0, 8)}_notes`)}
      where site_id = ${site1}::uuid`.execute(db);
    expect(rows[0]?.n).toBe(20);
    await expectExact(def);
  });
});

describe('counters stay exact', () => {
  it.each([
    ['prefix', 'app'],
    ['schema', 'system'],
  ] as const)(
    'after a randomized mix of inserts, updates, deletes, failed batches, uninstalls and upgrades (%s)',
    async (_s, moduleType) => {
      const v1 = notesModule(moduleType);
      await install(v1);
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      let def = v1;
      for (let round = 0; round < 3; round++) {
        for (let step = 0; step < 25; step++) {
          const site = rand(2) === 0 ? site1 : site2;
          const c = client(def, site);
          const op = rand(6);
          if (op <= 1) {
            await c.insert(
              'notes',
              Array.from({ length: 1 + rand(4) }, (_, i) => ({
                title: `t${step}-${i}`,
                body: 'x'.repeat(rand(200)),
              })),
            );
          } else if (op === 2) {
            await c.update(
              'notes',
              { body: 'y'.repeat(rand(300)) },
              { title: { like: `t${rand(25)}-%` } },
            );
          } else if (op === 3) {
            await c.delete('notes', { title: { like: `t${rand(25)}-%` } });
          } else if (op === 4) {
            // A failed batch: the second row breaks the unique label; nothing stays, counters too.
            const label = `l${rand(1000)}`;
            await rejectionOf(c.insert('tags', [{ label: `${label}-a` }, { label: `${label}-a` }]));
            await c.insert('tags', { label: `${label}-${step}-${round}` }).catch(() => undefined);
          } else {
            // A transaction that writes, then fails: rolled back.
            await rejectionOf(
              c.transaction(async (tx) => {
                await tx.insert('notes', { title: 'doomed' });
                throw new Error('roll back');
              }),
            );
          }
        }
        await expectExact(def);
        if (round === 0) await uninstallModuleFromSite(db, def.moduleId, site2);
        if (round === 0) await installModuleForSite(db, def.moduleId, site2);
        if (round === 1) {
          // An upgrade that adds a column with a default: every row's size changes.
          def = {
            ...notesModule(moduleType, '1.1.0', [
              { name: 'pinned', type: 'boolean', default: 'false' },
            ]),
            moduleId: v1.moduleId,
          };
          await provisionModuleDatabase(db, def);
        }
        await expectExact(def);
      }
      // Nothing drifted: a recount finds nothing to put right.
      expect(await recountUsage(db, v1.moduleId)).toEqual([]);
    },
  );

  it('after a platform truncation and a per-site uninstall', async () => {
    const def = notesModule('system');
    const shortId = await install(def);
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'b' }]);
    await client(def, site2).insert('notes', [{ title: 'c' }]);
    await uninstallModuleFromSite(db, def.moduleId, site2);
    expect((await getUsage(db, def.moduleId, { siteId: site2 })).sites[0]?.rows).toBe(0);
    await sql`truncate ${sql.id(`mod_${shortId}`, 'notes')}`.execute(db);
    const usage = await expectExact(def);
    expect(usage.totals.rows).toBe(0);
  });

  it('a recount puts counters right and says what differed', async () => {
    const def = notesModule('app');
    const shortId = await install(def);
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'b' }]);
    // Rows written past the counting triggers (as a superuser could): the counters are now off.
    await db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await sql`insert into ${sql.id('public', `mod_${shortId}_notes`)} (site_id, title) values (${site1}::uuid, 'sneaky')`.execute(
        trx,
      );
    });
    const fixed = await recountUsage(db, def.moduleId);
    expect(fixed.length).toBeGreaterThan(0);
    expect(fixed[0]).toMatchObject({ site: site1 });
    await expectExact(def);
    expect((await getUsage(db, def.moduleId, { siteId: site1 })).sites[0]?.rows).toBe(3);
  });
});

describe('counting triggers that go missing', () => {
  const triggerKinds = async (moduleId: string) =>
    (await checkModuleDatabase(db, moduleId)).differences
      .filter((d) => d.kind === 'quota_trigger')
      .map((d) => `${d.table} ${d.object}`)
      .sort();

  it('are drift; a repair puts them back and counts the rows written meanwhile', async () => {
    const def = notesModule('system');
    const shortId = await install(def);
    const notes = `mod_${shortId}.notes`;
    const tags = `mod_${shortId}.tags`;
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'b' }]);
    expect(await triggerKinds(def.moduleId)).toEqual([]);
    // An operator drops one counting trigger and disables another, behind the registry.
    await sql`drop trigger dramac_quota_insert on ${sql.table(notes)}`.execute(db);
    await sql`alter table ${sql.table(tags)} disable trigger dramac_quota_delete`.execute(db);
    expect(await triggerKinds(def.moduleId)).toEqual([
      `${notes} dramac_quota_insert`,
      `${tags} dramac_quota_delete`,
    ]);
    // Rows written meanwhile are not counted.
    await client(def, site1).insert('notes', [{ title: 'c' }, { title: 'd' }, { title: 'e' }]);
    const off = await getUsage(db, def.moduleId, { siteId: site1, exact: true });
    expect(off.sites[0]?.rows).toBe(2);
    expect(off.sites[0]?.exact?.rows).toBe(5);
    const plan = await planModuleRepair(db, def.moduleId);
    expect(plan.unrepairable).toEqual([]);
    const result = await repairModuleDatabase(db, def.moduleId, { actor: 'test' });
    expect(result).toMatchObject({ status: 'repaired', statementsApplied: 0 });
    expect((await checkModuleDatabase(db, def.moduleId)).ok).toBe(true);
    const usage = await expectExact(def);
    expect(usage.totals.rows).toBe(5);
    // Counted again from the next statement on, and the limit holds again.
    await setQuotaLimit(
      db,
      'rows',
      6,
      { moduleId: def.moduleId, siteId: site1 },
      { actor: 'test' },
    );
    await client(def, site1).insert('notes', [{ title: 'f' }]);
    const refused = await rejectionOf(client(def, site1).insert('notes', [{ title: 'g' }]));
    expect(isModuleDbError(refused) && refused.code).toBe('QUOTA_EXCEEDED');
    await expectExact(def);
  });

  it("survive a module's own statements: an upgrade that drops, disables and renames them ends with exactly the four", async () => {
    const def = notesModule('system');
    const shortId = await install(def);
    const notes = `mod_${shortId}.notes`;
    const tags = `mod_${shortId}.tags`;
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'b' }]);
    await client(def, site1).insert('tags', [{ label: 'x' }]);
    const source = JSON.parse(JSON.stringify(def));
    source.version = '1.1.0';
    source.tables[0].columns.push({ name: 'extra', type: 'text', nullable: true });
    const next = await validateModuleDefinition(source);
    const from = await validateModuleDefinition(def);
    const plan = planModuleUpgrade(from, next);
    const hostile = tamperPlan(plan, {
      statements: (s) =>
        insertAfter(
          s,
          undefined,
          stmt('sql', `drop trigger dramac_quota_insert on ${notes}`),
          stmt('sql', `alter table ${notes} disable trigger dramac_quota_delete`),
          stmt('sql', `alter trigger dramac_quota_update on ${tags} rename to sneaky`),
          // A rewrite without a row written (same type, new values): counted again.
          stmt(
            'sql',
            `alter table ${tags} alter column label type text using label || '-0123456789'`,
          ),
          // Written by the module's statements while its triggers were off: counted all the same.
          stmt('sql', `insert into ${notes} (site_id, title) values ('${site1}', 'during')`),
        ),
    });
    await applyModuleUpgrade(db, hostile as typeof plan, next, definitionChecksum(from), {
      actor: 'test',
    });
    const { rows } = await sql<{ rel: string; name: string }>`
      select tgrelid::regclass::text as rel, tgname::text as name from pg_trigger
      where tgrelid in (${notes}::regclass, ${tags}::regclass)
        and tgfoid = 'public.dramac_count_usage()'::regprocedure and tgenabled = 'O'
      order by 1, 2`.execute(db);
    const four = [
      'dramac_quota_delete',
      'dramac_quota_insert',
      'dramac_quota_truncate',
      'dramac_quota_update',
    ];
    expect(rows).toEqual([
      ...four.map((name) => ({ rel: notes, name })),
      ...four.map((name) => ({ rel: tags, name })),
    ]);
    expect(await triggerKinds(def.moduleId)).toEqual([]);
    const usage = await expectExact(def);
    expect(usage.totals.rows).toBe(4);
    // Counted from the next statement on, once each.
    await client(def, site1).insert('tags', [{ label: 'y' }]);
    await client(def, site1).update('tags', { label: 'z' }, { label: 'y' });
    await client(def, site1).delete('notes', { title: 'a' });
    await expectExact(def);
  });

  it('an upgrade that only adds columns grows the bytes of every row without counting again', async () => {
    const def = notesModule('app');
    await install(def);
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'bb', body: 'x' }]);
    await client(def, site2).insert('notes', [{ title: 'ccc' }]);
    const before = await getUsage(db, def.moduleId);
    const source = JSON.parse(JSON.stringify(def));
    source.version = '1.1.0';
    source.tables[0].columns.push(
      { name: 'extra', type: 'text', nullable: true },
      { name: 'score', type: 'integer', default: '7' },
      { name: 'note', type: 'text', default: "'hello'" },
    );
    await provisionModuleDatabase(db, source);
    const after = await expectExact(def);
    // Each row: three columns of 8 bytes (type and length) plus 4 (integer 7) and 5 ('hello').
    expect(after.totals.bytes - before.totals.bytes).toBe(3 * (3 * 8 + 4 + 5));
    expect(after.totals.rows).toBe(3);
  });

  it('on module_data are drift of every widget; recountUsage puts them back', async () => {
    const def = widget();
    const shortId = await install(def);
    await insertItem(shortId, site1, 'one');
    await sql`drop trigger dramac_quota_insert on public.module_data`.execute(db);
    try {
      expect(await triggerKinds(def.moduleId)).toEqual(['public.module_data dramac_quota_insert']);
      await insertItem(shortId, site1, 'two');
      const fixed = await recountUsage(db, def.moduleId);
      expect(fixed.map((f) => f.site)).toContain(site1);
    } finally {
      // Whatever happened above, the other tests get module_data's trigger back.
      await sql`select public.dramac_quota_recount(${shortId})`.execute(db);
    }
    expect(await triggerKinds(def.moduleId)).toEqual([]);
    const usage = await expectExact(def);
    expect(usage.totals.rows).toBe(2);
  });
});

describe('tables and columns per module', () => {
  it('are checked at provision: over the limit, nothing is installed', async () => {
    const def = notesModule('app');
    await setQuotaLimit(db, 'tables', 1, { moduleId: def.moduleId });
    const refused = await rejectionOf(provisionModuleDatabase(db, def));
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'tables', max: 1 });
    const { rows } =
      await sql`select 1 from public.module_database_registry where module_id = ${def.moduleId}::uuid`.execute(
        db,
      );
    expect(rows).toHaveLength(0);
    await setQuotaLimit(db, 'tables', 2, { moduleId: def.moduleId });
    await setQuotaLimit(db, 'columns', 12, { moduleId: def.moduleId });
    await provisionModuleDatabase(db, def);
    // An upgrade that adds columns past the limit is refused; the installed version stays.
    const next = {
      ...notesModule('app', '1.1.0', [{ name: 'extra', type: 'text', nullable: true }]),
      moduleId: def.moduleId,
    };
    await setQuotaLimit(db, 'columns', 1, { moduleId: def.moduleId });
    const again = await rejectionOf(provisionModuleDatabase(db, next));
    expect(again).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'columns', max: 1 });
    const { rows: reg } = await sql<{
      version: string;
    }>`select version from public.module_database_registry where module_id = ${def.moduleId}::uuid`.execute(
      db,
    );
    expect(reg[0]?.version).toBe('1.0.0');
  });
});

describe('timeouts of module roles', () => {
  it('are set on the roles and cancel a runaway statement or lock wait with QUERY_TIMEOUT', async () => {
    const def = notesModule('app');
    const shortId = await install(def);
    await setQuotaLimit(db, 'statement_timeout_ms', 300, { moduleId: def.moduleId });
    await setQuotaLimit(db, 'lock_timeout_ms', null, { moduleId: def.moduleId });
    const { rows: settings } = await sql<{ role: string; config: string[] }>`
      select r.rolname as role, s.setconfig as config from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
      where r.rolname = ${`modrole_${shortId}`}`.execute(db);
    expect(settings[0]?.config).toEqual(['statement_timeout=300']);
    const c = client(def, site1);
    const [row] = await c.insert('notes', { title: 'locked' });
    // Another session holds the row: the module's update waits until its statement time is up.
    const holder = connect(tdb.url, 1);
    try {
      await holder.transaction().execute(async (trx) => {
        await sql`select 1 from ${sql.id('public', `mod_${shortId}_notes`)} where id = ${row?.id}::uuid for update`.execute(
          trx,
        );
        const started = Date.now();
        const error = await rejectionOf(
          c.update('notes', { body: 'x' }, { id: row?.id as string }),
        );
        expect(error.toJSON()).toMatchObject({
          code: 'QUERY_TIMEOUT',
          kind: 'statement',
          sqlstate: '57014',
        });
        expect(Date.now() - started).toBeLessThan(5000);
        // The lock timeout instead (statement time unlimited).
        await setQuotaLimit(db, 'statement_timeout_ms', null, { moduleId: def.moduleId });
        await setQuotaLimit(db, 'lock_timeout_ms', 200, { moduleId: def.moduleId });
        const lockError = await rejectionOf(
          c.update('notes', { body: 'x' }, { id: row?.id as string }),
        );
        expect(lockError.toJSON()).toMatchObject({
          code: 'QUERY_TIMEOUT',
          kind: 'lock',
          sqlstate: '55P03',
        });
      });
    } finally {
      await holder.destroy();
    }
    // Without the lock, the same update goes through.
    expect(await c.update('notes', { body: 'x' }, { id: row?.id as string })).toHaveLength(1);
  });
});

describe('metering and rate limits', () => {
  it('counts calls and errors per (module, site) in batches; usage matches direct counts', async () => {
    const def = notesModule('app');
    const shortId = await install(def);
    const meter = createUsageMeter({ db, flushIntervalMs: 0 });
    const transport = withQuotas(createPostgresTransport(db), { meter });
    const c1 = createModuleDataClient({ definition: def, siteId: site1, userId: user, transport });
    const c2 = createModuleDataClient({ definition: def, siteId: site2, userId: user, transport });
    await c1.insert('notes', [{ title: 'a' }, { title: 'b' }]);
    await c1.select('notes');
    await rejectionOf(c1.insert('tags', [{ label: 'same' }, { label: 'same' }]));
    await c2.count('notes');
    expect(meter.pending).toBeGreaterThan(0);
    await meter.close();
    const usage = await getUsage(db, def.moduleId, { windowMinutes: 5 });
    const s1 = usage.sites.find((s) => s.siteId === site1);
    const s2 = usage.sites.find((s) => s.siteId === site2);
    expect([s1?.calls, s1?.errors, s2?.calls, s2?.errors]).toEqual([3, 1, 1, 0]);
    expect(s1?.windows.reduce((a, w) => a + w.calls, 0)).toBe(3);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id('public', `mod_${shortId}_notes`)} where site_id = ${site1}::uuid`.execute(
      db,
    );
    expect(s1?.rows).toBe(rows[0]?.n);
    expect(s1?.tables.find((t) => t.table === 'notes')?.rows).toBe(2);
    expect(usage.disk.map((d) => d.table).sort()).toEqual(['notes', 'tags']);
  });

  it('refuses calls past the limit with RATE_LIMITED and a retry time; other sites are not affected', async () => {
    const def = notesModule('app');
    await install(def);
    await setQuotaLimit(db, 'calls_per_second', 2, { moduleId: def.moduleId, siteId: site1 });
    let now = 0;
    const limiter = createRateLimiter({ limits: db, now: () => now });
    const transport = withQuotas(createPostgresTransport(db), { limiter });
    const c1 = createModuleDataClient({ definition: def, siteId: site1, userId: user, transport });
    const c2 = createModuleDataClient({ definition: def, siteId: site2, userId: user, transport });
    await c1.count('notes');
    await c1.count('notes');
    const refused = await rejectionOf(c1.count('notes'));
    expect(refused.toJSON()).toMatchObject({ code: 'RATE_LIMITED', limit: 2 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    for (let i = 0; i < 5; i++) await c2.count('notes');
    now += refused.retryAfterMs;
    expect(await c1.count('notes')).toBe(0);
  });
});

describe('dramac-modules usage', () => {
  it('prints usage per module and site as JSON, matching getUsage; an unknown module exits 7', async () => {
    const { runCli } = await import('../src/cli/run-cli');
    const def = notesModule('app');
    await install(def);
    await client(def, site1).insert('notes', [{ title: 'a' }, { title: 'b' }]);
    const run = async (args: string[]) => {
      let stdout = '';
      const streams = {
        stdout: { write: (c: string) => (stdout += c) },
        stderr: { write: () => true },
      };
      const code = await runCli(args, streams, { DATABASE_URL: tdb.url });
      return { code, stdout };
    };
    const ok = await run(['usage', def.moduleId, '--exact', '--json']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout);
    const site = doc.modules[0].sites.find((s: any) => s.siteId === site1);
    expect(site).toMatchObject({ rows: 2, exact: { rows: 2 }, limits: { rows: 1_000_000 } });
    expect(site.bytes).toBe(site.exact.bytes);
    const text = await run(['usage', def.moduleId, '--site', site1]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(site1);
    const missing = await run(['usage', randomUUID(), '--json']);
    expect(missing.code).toBe(7);
    expect(JSON.parse(missing.stdout).error.code).toBe('NOT_INSTALLED');
    expect((await run(['usage', '--since', 'soon'])).code).toBe(2);
  });
});
