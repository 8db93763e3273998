/**
 * Online additive upgrades: a new plain index of an existing table is built with
 * `CREATE INDEX CONCURRENTLY` after the upgrade commits, as the module's owner role, from
 * statements the database writes; an interrupted build (the backend terminated from another
 * connection in each phase) rolls back or resumes, and the database proves the end state.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyModuleUpgrade,
  canBuildIndexesOnline,
  checkModuleDatabase,
  definitionChecksum,
  listModuleEvents,
  migratePlatform,
  pendingIndexBuilds,
  planModuleUpgrade,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '../src/index';
import { type AttackEnv, createAttackEnv, dropAttackEnv } from './support/attack-harness';

let tdb: TestDatabase;
let db: Kysely<any>;
/** Provisioning calls whose backend a test terminates: a pool that expects lost connections. */
let work: Kysely<any>;
let site: string;
let env: AttackEnv;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  site = await tdb.factory.site(await tdb.factory.agency());
  env = await createAttackEnv(tdb);
  const pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
  // A terminated backend's connection ends after its query failed: the pool drops it.
  pool.on('error', () => undefined);
  work = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
});
afterAll(async () => {
  await work?.destroy();
  await dropAttackEnv(env);
  await tdb?.destroy();
});

const INDEX = 'idx_items_site_id_score';

function definition(moduleId: string, version: string, withIndex: boolean) {
  return {
    moduleId,
    moduleType: 'system' as const,
    version,
    name: 'Online index builds',
    tables: [
      {
        name: 'items',
        columns: [
          { name: 'title', type: 'text' },
          { name: 'score', type: 'integer', default: '0' },
        ],
        ...(withIndex ? { indexes: [{ columns: ['score'] }] } : {}),
      },
    ],
  };
}

/** Provisions v1 with rows in `items`; returns the definitions of v1 and v2 (v2 adds the index). */
async function installV1(rows = 2000) {
  const moduleId = randomUUID();
  const v1 = definition(moduleId, '1.0.0', false);
  const v2 = definition(moduleId, '1.1.0', true);
  const result = await provisionModuleDatabase(db, v1);
  const items = `${result.schemaName}.items`;
  await sql`insert into ${sql.table(items)} (site_id, title, score)
    select ${site}::uuid, 'row ' || g, g % 100 from generate_series(1, ${rows}) g`.execute(db);
  return { moduleId, v1, v2, schema: result.schemaName, items, short: result.shortId };
}

async function indexState(schema: string): Promise<'absent' | 'valid' | 'invalid'> {
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid and i.indisready as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = ${INDEX} and c.relnamespace = ${schema}::regnamespace`.execute(db);
  if (rows.length === 0) return 'absent';
  return rows[0]?.valid ? 'valid' : 'invalid';
}

async function registryVersion(moduleId: string): Promise<string | undefined> {
  const { rows } = await sql<{ version: string }>`
    select version from public.module_database_registry where module_id = ${moduleId}`.execute(db);
  return rows[0]?.version;
}

/** A separate superuser session (locks, blockers, pg_terminate_backend). */
async function session(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  return client;
}

/** Waits until a backend runs a statement matching `pattern` and waits on a lock; returns its pid. */
async function waitForBlocked(pattern: string, notPid = 0, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and pid <> ${notPid}
        and query ilike ${pattern} and wait_event_type = 'Lock'`.execute(db);
    if (rows[0]) return rows[0].pid;
    if (Date.now() > until) {
      const { rows: activity } = await sql<Record<string, unknown>>`
        select pid, state, wait_event_type, wait_event, left(query, 120) as query from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`.execute(db);
      throw new Error(`no backend blocked on ${pattern}: ${JSON.stringify(activity)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function terminate(pid: number): Promise<void> {
  const { rows } = await sql<{ ok: boolean }>`select pg_terminate_backend(${pid}) as ok`.execute(
    db,
  );
  expect(rows[0]?.ok).toBe(true);
}

async function expectProvenBuilt(m: Awaited<ReturnType<typeof installV1>>) {
  expect(await indexState(m.schema)).toBe('valid');
  expect(await registryVersion(m.moduleId)).toBe('1.1.0');
  expect(await pendingIndexBuilds(db, m.moduleId)).toEqual([]);
  const report = await checkModuleDatabase(db, m.moduleId);
  expect(report.differences).toEqual([]);
  expect(report.ok).toBe(true);
}

describe('online index builds', () => {
  it('plans the new plain index of an existing table out of the transaction', async () => {
    const id = randomUUID();
    const v1 = await validateModuleDefinition(definition(id, '1.0.0', false));
    const v2 = await validateModuleDefinition(definition(id, '1.1.0', true));
    const online = planModuleUpgrade(v1, v2, { concurrentIndexes: true });
    expect(online.concurrentIndexes).toEqual([{ table: 'items', name: INDEX }]);
    expect(online.statements.filter((s) => s.kind === 'create_index')).toEqual([]);
    expect(online.changes.find((c) => c.kind === 'add_index')?.description).toMatch(
      /built concurrently/,
    );
    const plain = planModuleUpgrade(v1, v2);
    expect(plain.concurrentIndexes).toEqual([]);
    expect(plain.statements.filter((s) => s.kind === 'create_index')).toHaveLength(1);
  });

  it('builds the index concurrently after the upgrade commits; writers are not blocked while it waits', async () => {
    const m = await installV1();
    // An open writer: the concurrent build waits for it, and must not block other writers.
    const blocker = await session();
    const writer = await session();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into ${m.items} (site_id, title) values ($1, 'open')`, [site]);
      const upgrade = provisionModuleDatabase(work, m.v2, { actor: 'test' });
      await waitForBlocked('create index concurrently%');
      // The registry already says 1.1.0, the index is still being built: drift names it.
      expect(await registryVersion(m.moduleId)).toBe('1.1.0');
      const drift = await checkModuleDatabase(db, m.moduleId);
      expect(drift.ok).toBe(false);
      expect(drift.differences.map((d) => d.object)).toContain(INDEX);
      // Another writer gets through while the build waits (a plain CREATE INDEX would queue it).
      await writer.query(`set statement_timeout = '3s'`);
      await writer.query(`insert into ${m.items} (site_id, title) values ($1, 'meanwhile')`, [
        site,
      ]);
      await blocker.query('commit');
      const result = await upgrade;
      expect(result.status).toBe('upgraded');
    } finally {
      await blocker.end();
      await writer.end();
    }
    await expectProvenBuilt(m);
    const events = await listModuleEvents(db, m.moduleId);
    expect(events.map((e) => e.event)).toEqual([
      'provisioned',
      'upgraded',
      'index_build_started',
      'index_built',
    ]);
    expect(events[1]?.details).toMatchObject({ pendingIndexes: [INDEX] });
  });

  it('a backend killed in the upgrade transaction leaves nothing: the next call upgrades', async () => {
    const m = await installV1(100);
    const locker = await session();
    try {
      await locker.query('begin');
      await locker.query(
        'select 1 from public.module_database_registry where module_id = $1 for update',
        [m.moduleId],
      );
      const upgrade = provisionModuleDatabase(work, m.v2).then(
        () => 'resolved',
        (e: Error) => e,
      );
      await terminate(await waitForBlocked('%dramac_apply_module_upgrade%'));
      await locker.query('rollback');
      expect(await upgrade).toBeInstanceOf(Error);
    } finally {
      await locker.end();
    }
    expect(await registryVersion(m.moduleId)).toBe('1.0.0');
    expect(await pendingIndexBuilds(db, m.moduleId)).toEqual([]);
    expect(await indexState(m.schema)).toBe('absent');
    expect((await provisionModuleDatabase(db, m.v2)).status).toBe('upgraded');
    await expectProvenBuilt(m);
  });

  it('an upgrade recorded but never built (the caller died between phases) is resumed, also after a kill at the start of the build', async () => {
    const m = await installV1(100);
    // Phase 1 alone, as the entry point runs it: the caller then disappears.
    const v1 = await validateModuleDefinition(m.v1);
    const v2 = await validateModuleDefinition(m.v2);
    const plan = planModuleUpgrade(v1, v2, { concurrentIndexes: true });
    await sql`select public.dramac_apply_module_upgrade(${JSON.stringify(plan)}::jsonb,
      ${JSON.stringify(v2.source)}::jsonb, ${definitionChecksum(v2)}, ${definitionChecksum(v1)})`.execute(
      db,
    );
    expect(await pendingIndexBuilds(db, m.moduleId)).toMatchObject([
      { index: INDEX, status: 'pending', attempts: 0 },
    ]);
    const drift = await checkModuleDatabase(db, m.moduleId);
    expect(drift.differences.map((d) => `${d.kind} ${d.object}`)).toEqual([
      `missing_index ${INDEX}`,
    ]);
    // No other upgrade starts while a build is pending.
    const v3 = await validateModuleDefinition({
      ...m.v2,
      version: '1.2.0',
      tables: [
        {
          ...m.v2.tables[0],
          columns: [
            ...(m.v2.tables[0]?.columns ?? []),
            { name: 'note', type: 'text', nullable: true },
          ],
        },
      ],
    });
    const next = planModuleUpgrade(v2, v3);
    await expect(
      sql`select public.dramac_apply_module_upgrade(${JSON.stringify(next)}::jsonb,
        ${JSON.stringify(v3.source)}::jsonb, ${definitionChecksum(v3)}, ${definitionChecksum(v2)})`.execute(
        db,
      ),
    ).rejects.toMatchObject({ code: 'DM003' });
    // The next attempt is killed as it starts.
    const locker = await session();
    try {
      await locker.query('begin');
      await locker.query(
        'select 1 from dramac.index_builds where module_short_id = $1 for update',
        [m.short],
      );
      const resume = provisionModuleDatabase(work, m.v2).then(
        () => 'resolved',
        (e: Error) => e,
      );
      await terminate(await waitForBlocked('%dramac_index_build_next%'));
      await locker.query('rollback');
      expect(await resume).toBeInstanceOf(Error);
    } finally {
      await locker.end();
    }
    expect(await pendingIndexBuilds(db, m.moduleId)).toMatchObject([
      { index: INDEX, status: 'pending', attempts: 0 },
    ]);
    const result = await provisionModuleDatabase(db, m.v2);
    expect(result.status).toBe('unchanged');
    await expectProvenBuilt(m);
  });

  it('a backend killed during CREATE INDEX CONCURRENTLY leaves an invalid index: the next call drops it and builds again', async () => {
    const m = await installV1();
    const blocker = await session();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into ${m.items} (site_id, title) values ($1, 'open')`, [site]);
      const upgrade = provisionModuleDatabase(work, m.v2).then(
        () => 'resolved',
        (e: Error) => e,
      );
      await terminate(await waitForBlocked('create index concurrently%'));
      await blocker.query('rollback');
      const error = await upgrade;
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toMatch(/interrupted|terminat/i);
    } finally {
      await blocker.end();
    }
    expect(await indexState(m.schema)).toBe('invalid');
    expect(await registryVersion(m.moduleId)).toBe('1.1.0');
    expect(await pendingIndexBuilds(db, m.moduleId)).toMatchObject([
      { index: INDEX, status: 'building', attempts: 1 },
    ]);
    // The invalid index is drift.
    const drift = await checkModuleDatabase(db, m.moduleId);
    expect(drift.ok).toBe(false);
    expect(drift.differences.some((d) => d.object === INDEX)).toBe(true);
    expect((await provisionModuleDatabase(db, m.v2)).status).toBe('unchanged');
    await expectProvenBuilt(m);
    const started = (await listModuleEvents(db, m.moduleId)).filter(
      (e) => e.event === 'index_build_started',
    );
    expect(started.map((e) => e.details)).toMatchObject([
      { attempt: 1, droppingInvalid: false },
      { attempt: 2, droppingInvalid: true },
    ]);
  });

  it('a backend killed while the build is proven resumes with the proof', async () => {
    const m = await installV1();
    const blocker = await session();
    const locker = await session();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into ${m.items} (site_id, title) values ($1, 'open')`, [site]);
      const upgrade = provisionModuleDatabase(work, m.v2).then(
        () => 'resolved',
        (e: Error) => e,
      );
      await waitForBlocked('create index concurrently%');
      // The module's advisory lock, held by a session outside any transaction (the concurrent
      // build waits for transactions, not for it): the proof waits for it.
      await locker.query(
        `select pg_advisory_lock(dramac.lock_key('dramac.module'), hashtext($1))`,
        [m.short],
      );
      await blocker.query('commit');
      await terminate(await waitForBlocked('%dramac_index_build_done%'));
      await locker.query(
        `select pg_advisory_unlock(dramac.lock_key('dramac.module'), hashtext($1))`,
        [m.short],
      );
      expect(await upgrade).toBeInstanceOf(Error);
    } finally {
      await blocker.end();
      await locker.end();
    }
    expect(await indexState(m.schema)).toBe('valid');
    expect(await pendingIndexBuilds(db, m.moduleId)).toMatchObject([
      { index: INDEX, status: 'building' },
    ]);
    expect((await provisionModuleDatabase(db, m.v2)).status).toBe('unchanged');
    await expectProvenBuilt(m);
  });

  it('a failed attempt is recorded and retried', async () => {
    const m = await installV1();
    const blocker = await session();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into ${m.items} (site_id, title) values ($1, 'open')`, [site]);
      const upgrade = provisionModuleDatabase(work, m.v2);
      const pid = await waitForBlocked('create index concurrently%');
      await sql`select pg_cancel_backend(${pid})`.execute(db);
      // The retry drops the invalid index first, waiting for the same writer.
      expect(await waitForBlocked('drop index concurrently%')).toBeGreaterThan(0);
      await blocker.query('commit');
      expect((await upgrade).status).toBe('upgraded');
    } finally {
      await blocker.end();
    }
    await expectProvenBuilt(m);
    const events = (await listModuleEvents(db, m.moduleId)).map((e) => e.event);
    expect(events).toEqual([
      'provisioned',
      'upgraded',
      'index_build_started',
      'index_build_failed',
      'index_build_started',
      'index_built',
    ]);
  });

  it('builds inside the transaction for a caller that may not act as the owner role', async () => {
    const m = await installV1(100);
    const provisioner = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: env.provisionerUrl }) }),
    });
    try {
      expect(await canBuildIndexesOnline(provisioner, m.short)).toBe(false);
      expect(await canBuildIndexesOnline(db, m.short)).toBe(true);
      expect(await db.transaction().execute((trx) => canBuildIndexesOnline(trx, m.short))).toBe(
        false,
      );
      const v1 = await validateModuleDefinition(m.v1);
      const v2 = await validateModuleDefinition(m.v2);
      const plan = planModuleUpgrade(v1, v2, { concurrentIndexes: false });
      const result = await applyModuleUpgrade(provisioner, plan, v2, definitionChecksum(v1));
      expect(result).toMatchObject({ status: 'upgraded', indexesBuilt: [] });
    } finally {
      await provisioner.destroy();
    }
    await expectProvenBuilt(m);
    const events = (await listModuleEvents(db, m.moduleId)).map((e) => e.event);
    expect(events).toEqual(['provisioned', 'upgraded']);
  });

  it('refuses a plan whose concurrent index is not a plain index of the desired state', async () => {
    const m = await installV1(10);
    const v1 = await validateModuleDefinition(m.v1);
    const v2 = await validateModuleDefinition(m.v2);
    const plan = planModuleUpgrade(v1, v2, { concurrentIndexes: true });
    const table = plan.desired.tables[0] as any;
    const variants: [string, unknown][] = [
      [
        'an index the desired state does not declare',
        { ...plan, concurrentIndexes: [{ table: 'items', name: 'idx_nope' }] },
      ],
      [
        'a unique index',
        {
          ...plan,
          desired: {
            ...plan.desired,
            tables: [
              {
                ...table,
                indexes: table.indexes.map((i: any) =>
                  i.name === INDEX ? { ...i, unique: true } : i,
                ),
              },
            ],
          },
        },
      ],
      [
        'a column the table does not have',
        {
          ...plan,
          desired: {
            ...plan.desired,
            tables: [
              {
                ...table,
                indexes: table.indexes.map((i: any) =>
                  i.name === INDEX
                    ? { ...i, columns: ['site_id', 'score"); drop table x; --'] }
                    : i,
                ),
              },
            ],
          },
        },
      ],
      [
        'a table of another schema',
        { ...plan, concurrentIndexes: [{ table: 'sites', name: INDEX }] },
      ],
    ];
    for (const [label, hostile] of variants) {
      await expect(
        sql`select public.dramac_apply_module_upgrade(${JSON.stringify(hostile)}::jsonb,
          ${JSON.stringify(v2.source)}::jsonb, ${definitionChecksum(v2)}, ${definitionChecksum(v1)})`.execute(
          db,
        ),
        label,
      ).rejects.toMatchObject({ code: 'DM001' });
    }
    expect(await registryVersion(m.moduleId)).toBe('1.0.0');
    expect(await pendingIndexBuilds(db, m.moduleId)).toEqual([]);
    // The data API's and the provisioner's roles cannot run a build step themselves.
    const p = new pg.Client({ connectionString: env.provisionerUrl });
    await p.connect();
    try {
      await expect(p.query(`set role ${`modowner_${m.short}`}`)).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await p.end();
    }
  });
});
