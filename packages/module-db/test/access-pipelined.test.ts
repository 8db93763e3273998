/**
 * The Postgres transport over a node-postgres pool in pipeline mode: BEGIN, the request context,
 * the statement and COMMIT leave together. These tests fail each of the four steps in turn and
 * check that the error is typed as before, that nothing of the call stayed, and that the pooled
 * connection comes back idle, as the login user, with no claims (or is replaced when it broke).
 * Pools of one connection make "the next call" run on the same backend.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleDataClient } from '../src/client';
import { isModuleDbError, migratePlatform, provisionModuleDatabase } from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { crmModule } from './fixtures/sample-modules';
import { rejectionOf } from './module-request';
import { withFreshModuleId } from './support';

let tdb: TestDatabase;
let db: Kysely<any>;
const crm = withFreshModuleId(crmModule);
let schema: string;
let siteA: string;
let siteB: string;
let alice: string;
const pools: pg.Pool[] = [];

/** A pipelined pool of `max` connections whose client errors are observed, not thrown. */
function pool(max = 1, extra: pg.PoolConfig = {}): pg.Pool {
  const p = new pg.Pool({
    connectionString: tdb.url,
    max,
    pipeline: true,
    ...extra,
  } as pg.PoolConfig);
  p.on('error', () => undefined);
  pools.push(p);
  return p;
}

function clientOn(p: pg.Pool, site = siteA, user: string | undefined = alice) {
  return createModuleDataClient({
    definition: crm,
    siteId: site,
    ...(user ? { userId: user } : {}),
    transport: createPostgresTransport(p),
  });
}

/** What the (only) connection of `p` carries now, read without any context. */
async function connectionState(p: pg.Pool) {
  const c = await p.connect();
  try {
    const { rows } = await c.query(
      `select current_user::text as who, pg_backend_pid() as pid,
        coalesce(current_setting('request.jwt.claims', true), '') as claims,
        coalesce(current_setting('request.jwt.claim.sub', true), '') as sub,
        coalesce(current_setting('role', true), '') as role`,
    );
    return { ...rows[0], tx: (c as any).getTransactionStatus?.() };
  } finally {
    c.release();
  }
}

async function rowsNamed(name: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.id(schema, 'companies')} where name = ${name}`.execute(db);
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const result = await provisionModuleDatabase(db, crm);
  schema = result.schemaName;
  const agency = await tdb.factory.agency();
  siteA = await tdb.factory.site(agency);
  siteB = await tdb.factory.site(agency);
  alice = await tdb.factory.user();
  await tdb.factory.member(agency, alice);
  for (const site of [siteA, siteB]) {
    await sql`insert into public.module_site_installations (module_short_id, site_id, module_id)
      values (${result.shortId}, ${site}, ${crm.moduleId})`.execute(db);
  }
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await tdb?.destroy();
});

describe('one round trip per call: results and context', () => {
  it('reads, writes, counts and deletes as the module role, and leaves the connection as it found it', async () => {
    const p = pool();
    const before = await connectionState(p);
    const a = clientOn(p);
    const [acme] = await a.insert('companies', { name: 'Acme' });
    expect(acme).toMatchObject({ name: 'Acme', site_id: siteA });
    expect(await a.select('companies', { where: { name: 'Acme' } })).toEqual([acme]);
    expect(await a.count('companies')).toBe(1);
    expect(await a.update('companies', { industry: 'tools' }, { name: 'Acme' })).toMatchObject([
      { name: 'Acme', industry: 'tools' },
    ]);
    // Another site on the same connection right after: sees none of A's rows.
    const b = clientOn(p, siteB);
    expect(await b.select('companies')).toEqual([]);
    expect(await b.count('companies', undefined, { mode: 'capped', cap: 5 })).toEqual({
      count: 0,
      capped: false,
    });
    expect(await a.delete('companies', { name: 'Acme' })).toBe(1);
    const after = await connectionState(p);
    // Same backend (one connection), idle, the login role, no claims left.
    expect(after).toEqual(before);
    expect(after).toMatchObject({ tx: 'I', claims: '', sub: '' });
    expect(after.who).not.toMatch(/^mod(role|admin)_/);
  });

  it('a call is written while the socket is corked: BEGIN, context, statement and COMMIT leave together', async () => {
    const p = pool();
    const a = clientOn(p);
    await a.count('companies'); // connects and prepares
    const c = await p.connect();
    const stream = (c as any).connection.stream;
    c.release();
    // Every message of the call is written while the socket is corked, and the cork is lifted
    // once, after the last: one flush (a single writev when the socket is free).
    const corkedAtWrite: number[] = [];
    let flushes = 0;
    const write = stream.write;
    const uncork = stream.uncork;
    stream.write = function (this: any, ...args: unknown[]) {
      corkedAtWrite.push(this.writableCorked);
      return write.apply(this, args);
    };
    stream.uncork = function (this: any) {
      if (this.writableCorked === 1) flushes++;
      return uncork.apply(this);
    };
    try {
      for (const name of ['x', 'y']) {
        corkedAtWrite.length = 0;
        flushes = 0;
        expect(await a.count('companies', { name })).toBe(0); // 'x': a new shape, Parse too
        // begin (1 message), context and statement (bind, describe, execute, sync; and parse
        // for a new shape), commit (1): all corked.
        expect(corkedAtWrite.length).toBeGreaterThanOrEqual(10);
        expect(corkedAtWrite.every((n) => n >= 1)).toBe(true);
        // Each query corks itself inside the outer cork: only the outer uncork flushes... and the
        // queries' own uncorks never reach zero.
        expect(flushes).toBe(1);
      }
    } finally {
      stream.write = write;
      stream.uncork = uncork;
    }
  });

  it('the same shape with other values reuses the prepared statement and returns the right rows', async () => {
    const p = pool();
    const a = clientOn(p);
    const names = Array.from({ length: 5 }, (_, i) => `shape-${i}-${randomUUID()}`);
    for (const name of names) await a.insert('companies', { name });
    for (const name of names) {
      expect(await a.select('companies', { where: { name } })).toMatchObject([{ name }]);
    }
    const c = await p.connect();
    try {
      const { rows } = await c.query<{ n: string }>(
        "select count(*) as n from pg_prepared_statements where name like 'dramac_%'",
      );
      // One insert shape, one select shape and the context statement, however many calls.
      expect(Number(rows[0]?.n)).toBe(3);
    } finally {
      c.release();
    }
  });

  it('a cached generic plan carries no identity: after calls by a member, a non-member on the same connection sees nothing', async () => {
    const p = pool();
    const member = clientOn(p, siteA, alice);
    const name = `plan-${randomUUID()}`;
    await member.insert('companies', { name });
    // More than five executions: PostgreSQL may switch the prepared statement to a generic plan.
    for (let i = 0; i < 12; i++) expect(await member.count('companies', { name })).toBe(1);
    const stranger = await tdb.factory.user();
    const outsider = clientOn(p, siteA, stranger);
    for (let i = 0; i < 3; i++) {
      expect(await outsider.count('companies', { name })).toBe(0);
      expect(await outsider.select('companies', { where: { name } })).toEqual([]);
    }
    // And the other site, same role, same statement text: nothing of site A.
    expect(await clientOn(p, siteB, alice).count('companies', { name })).toBe(0);
    expect(await member.count('companies', { name })).toBe(1);
  });

  it('plans every call for its own site: no generic plan costed for an average site', async () => {
    const p = pool();
    const a = clientOn(p, siteA);
    const b = clientOn(p, siteB);
    const name = `custom-${randomUUID()}`;
    await a.insert('companies', { name });
    // Far more than the five executions after which PostgreSQL may keep a generic plan.
    for (let i = 0; i < 10; i++) {
      expect(await a.count('companies', { name })).toBe(1);
      expect(await b.count('companies', { name })).toBe(0);
      expect(await a.select('companies', { where: { name } })).toHaveLength(1);
    }
    const c = await p.connect();
    try {
      const { rows } = await c.query<{ statement: string; generic: string; custom: string }>(
        `select statement, generic_plans as generic, custom_plans as custom from pg_prepared_statements
         where name like 'dramac_%' and statement ilike 'select%companies%'`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const r of rows) {
        expect(Number(r.generic), r.statement).toBe(0);
        expect(Number(r.custom), r.statement).toBeGreaterThanOrEqual(10);
      }
    } finally {
      c.release();
    }
  });

  it('many calls at once over a small pool: each sees only its own site', async () => {
    const p = pool(3);
    const tag = randomUUID();
    const a = clientOn(p, siteA);
    const b = clientOn(p, siteB);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? b : a).insert('companies', { name: `${tag}-${i % 2 ? 'b' : 'a'}-${i}` }),
      ),
    );
    const [rowsA, rowsB] = await Promise.all([
      a.select('companies', { where: { name: { like: `${tag}-%` } } }),
      b.select('companies', { where: { name: { like: `${tag}-%` } } }),
    ]);
    expect(rowsA).toHaveLength(20);
    expect(rowsB).toHaveLength(20);
    expect(rowsA.every((r) => r.site_id === siteA && String(r.name).includes('-a-'))).toBe(true);
    expect(rowsB.every((r) => r.site_id === siteB && String(r.name).includes('-b-'))).toBe(true);
  });
});

describe('a failure at each pipelined step', () => {
  it('BEGIN fails (the connection was handed back inside an aborted transaction): typed, nothing runs, the connection is idle again', async () => {
    const p = pool();
    const c = await p.connect();
    await c.query('begin');
    await c.query('select 1/0').catch(() => undefined);
    c.release();
    const name = `begin-${randomUUID()}`;
    const error = await rejectionOf(clientOn(p).insert('companies', { name }));
    expect(isModuleDbError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DATABASE_ERROR', sqlstate: '25P02' });
    expect(await rowsNamed(name)).toBe(0);
    expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '' });
    expect(await clientOn(p).insert('companies', { name })).toHaveLength(1);
  });

  it('setting the context fails (the module role does not exist): typed NOT_FOUND, the statement never ran', async () => {
    const p = pool();
    const ghost = withFreshModuleId(crmModule);
    const error = await rejectionOf(
      createModuleDataClient({
        definition: ghost,
        siteId: siteA,
        userId: alice,
        transport: createPostgresTransport(p),
      }).insert('companies', { name: 'ghost' }),
    );
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '', sub: '' });
    expect(await clientOn(p).count('companies', { name: 'ghost' })).toBe(0);
  });

  it('the statement fails (unique violation): CONFLICT, nothing written, connection clean', async () => {
    const p = pool();
    const a = clientOn(p);
    const name = `dup-${randomUUID()}`;
    await a.insert('contacts', { first_name: 'A', last_name: 'B', email: `${name}@x.test` });
    const error = await rejectionOf(
      a.insert('contacts', { first_name: 'C', last_name: 'D', email: `${name}@x.test` }),
    );
    expect(error).toMatchObject({ code: 'CONFLICT', sqlstate: '23505' });
    expect(await a.count('contacts', { email: `${name}@x.test` })).toBe(1);
    expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '' });
  });

  it('COMMIT fails (a deferred foreign key): CONSTRAINT_VIOLATION, nothing written, connection clean', async () => {
    const p = pool();
    const { rows } = await sql<{ conname: string }>`
      select conname from pg_constraint
      where conrelid = ${`${schema}.deals`}::regclass and contype = 'f'
        and pg_get_constraintdef(oid) like '%contacts%'`.execute(db);
    const fk = rows[0]?.conname as string;
    await sql`alter table ${sql.id(schema, 'deals')} alter constraint ${sql.id(fk)} deferrable initially deferred`.execute(
      db,
    );
    try {
      const title = `deferred-${randomUUID()}`;
      const error = await rejectionOf(
        clientOn(p).insert('deals', { title, contact_id: randomUUID() }),
      );
      expect(error).toMatchObject({ code: 'CONSTRAINT_VIOLATION', sqlstate: '23503' });
      const { rows: kept } = await sql`
        select 1 from ${sql.id(schema, 'deals')} where title = ${title}`.execute(db);
      expect(kept).toEqual([]);
      expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '' });
    } finally {
      await sql`alter table ${sql.id(schema, 'deals')} alter constraint ${sql.id(fk)} not deferrable`.execute(
        db,
      );
    }
  });

  it('the connection is terminated mid-pipeline: typed, nothing written, the broken connection is replaced', async () => {
    const p = pool();
    const a = clientOn(p);
    const name = `held-${randomUUID()}`;
    const [held] = await a.insert('companies', { name });
    // Another connection holds the row: the update waits on it, then its backend is killed.
    const holder = new pg.Client({ connectionString: tdb.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query(`select 1 from ${schema}.companies where id = $1 for update`, [held?.id]);
    const before = (await connectionState(p)).pid;
    const running = rejectionOf(a.update('companies', { industry: 'x' }, { name }));
    let killed = false;
    for (let i = 0; i < 200 && !killed; i++) {
      const { rows } = await holder.query(
        "select pg_terminate_backend(pid) as ok from pg_stat_activity where wait_event_type = 'Lock' and pid = $1",
        [before],
      );
      killed = rows.length > 0;
      if (!killed) await new Promise((r) => setTimeout(r, 20));
    }
    await holder.query('rollback');
    await holder.end();
    expect(killed).toBe(true);
    const error = await running;
    expect(isModuleDbError(error)).toBe(true);
    expect(error.code).toBe('DATABASE_ERROR');
    const after = await connectionState(p);
    expect(after.pid).not.toBe(before);
    expect(after).toMatchObject({ tx: 'I', claims: '' });
    expect(await a.count('companies', { name, industry: 'x' })).toBe(0);
  });
});

describe('prepared statements', () => {
  it('a statement name the server lost (a pooler moved the session): the call is retried unnamed and succeeds', async () => {
    const p = pool();
    const a = clientOn(p);
    const name = `lost-${randomUUID()}`;
    await a.insert('companies', { name });
    expect(await a.count('companies', { name })).toBe(1);
    // Behind the driver's back, as a pooler without prepared-statement support would.
    await p.query('deallocate all');
    expect(await a.count('companies', { name })).toBe(1);
    expect(await a.select('companies', { where: { name } })).toHaveLength(1);
    const { rows } = await p.query(
      "select count(*)::int as n from pg_prepared_statements where name like 'dramac_%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('preparedStatements: false sends unnamed statements', async () => {
    const p = pool();
    const client = createModuleDataClient({
      definition: crm,
      siteId: siteA,
      userId: alice,
      transport: createPostgresTransport(p, { preparedStatements: false }),
    });
    expect(await client.count('companies')).toBeGreaterThanOrEqual(0);
    const { rows } = await p.query(
      "select count(*)::int as n from pg_prepared_statements where name like 'dramac_%'",
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('transaction() on the pool', () => {
  it('commits together, rolls back together, and leaves the connection clean', async () => {
    const p = pool();
    const a = clientOn(p);
    const tag = randomUUID();
    await a.transaction(async (tx) => {
      await tx.insert('companies', { name: `${tag}-1` });
      await tx.insert('companies', { name: `${tag}-2` });
    });
    expect(await a.count('companies', { name: { like: `${tag}-%` } })).toBe(2);
    const failed = await rejectionOf(
      a.transaction(async (tx) => {
        await tx.insert('companies', { name: `${tag}-3` });
        const email = `${tag}@x.test`;
        await tx.insert('contacts', { first_name: 'A', last_name: 'B', email });
        await tx.insert('contacts', { first_name: 'C', last_name: 'D', email }); // unique per site
      }),
    );
    expect(failed).toMatchObject({ code: 'CONFLICT' });
    expect(await a.count('companies', { name: { like: `${tag}-%` } })).toBe(2);
    const own = new Error('mine');
    expect(
      await rejectionOf(
        a.transaction(async (tx) => {
          await tx.insert('companies', { name: `${tag}-4` });
          throw own;
        }),
      ),
    ).toBe(own);
    expect(await a.count('companies', { name: { like: `${tag}-%` } })).toBe(2);
    expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '', sub: '' });
  });

  it('a context that cannot be set fails the first statement with the context error, typed', async () => {
    const p = pool();
    const ghost = withFreshModuleId(crmModule);
    const client = createModuleDataClient({
      definition: ghost,
      siteId: siteA,
      userId: alice,
      transport: createPostgresTransport(p),
    });
    const error = await rejectionOf(client.transaction((tx) => tx.count('companies')));
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(await connectionState(p)).toMatchObject({ tx: 'I', claims: '' });
  });
});
