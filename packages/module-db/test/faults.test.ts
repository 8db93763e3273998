/**
 * Faults: the connection running a provisioning, an upgrade, an uninstall or an SDK batch is
 * killed (`pg_terminate_backend`) while the operation is under way, held on a lock that another
 * connection keeps. Afterwards the catalog, the registry and the data are exactly as before, and a
 * retry succeeds. Statement and lock timeouts surface as typed errors and leave nothing half-done.
 */
import { randomUUID } from 'node:crypto';
import { connect, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseSDK } from '../../module-sdk/src/index';
import { createModuleDataClient } from '../src/client';
import {
  deprovisionModuleDatabase,
  installModuleForSite,
  isModuleDbError,
  migratePlatform,
  type ProvisionResult,
  provisionModuleDatabase,
  uninstallModuleFromSite,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { moduleCatalogSnapshot, onlyModules } from './catalog-snapshot';
import { crmModule } from './fixtures/sample-modules';
import { rejectionOf } from './module-request';

let tdb: TestDatabase;
let db: Kysely<any>;
let site: string;
let user: string;
const tally = { kills: 0, retries: 0, timeouts: 0 };

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agency = await tdb.factory.agency();
  site = await tdb.factory.site(agency);
  user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
});
afterAll(async () => {
  console.log(
    `[faults] ${tally.kills} backends terminated mid-operation, ${tally.retries} retries succeeded, ${tally.timeouts} timeouts surfaced as typed errors; state identical before and after each`,
  );
  await tdb?.destroy();
});

const crmV = (moduleId: string, version = '1.0.0', extraColumn = false) => {
  const copy = JSON.parse(JSON.stringify(crmModule));
  if (extraColumn) {
    copy.tables
      .find((t: { name: string }) => t.name === 'companies')
      .columns.push({ name: 'notes', type: 'text', nullable: true });
  }
  return { ...copy, moduleId, version };
};

/** Everything of one module: catalog objects, registry, versions, events, installations, rows. */
async function state(shortId: string): Promise<string[]> {
  const catalog = onlyModules(await moduleCatalogSnapshot(db), [shortId]);
  const { rows } = await sql<{ line: string }>`
    select 'install ' || site_id || ' ' || status as line from public.module_site_installations where module_short_id = ${shortId}
    union all
    select 'column ' || table_schema || '.' || table_name || '.' || column_name from information_schema.columns
      where table_schema = ${`mod_${shortId}`}
    union all
    select 'registry ' || version || ' ' || checksum || ' ' || status || ' ' || array_to_string(table_names, ',')
      from public.module_database_registry where module_short_id = ${shortId}
    order by 1`.execute(db);
  const data: string[] = [];
  if (await schemaExists(shortId)) {
    for (const table of ['companies', 'contacts', 'deals', 'activities']) {
      const { rows: r } = await sql<{ line: string }>`
        select ${table} || ' ' || string_agg(to_jsonb(t)::text, ';' order by t.id) as line
        from ${sql.id(`mod_${shortId}`, table)} t`.execute(db);
      data.push(r[0]?.line ?? `${table} empty`);
    }
  }
  return [...catalog, ...rows.map((r) => r.line), ...data];
}

async function schemaExists(shortId: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select exists (select 1 from pg_namespace where nspname = ${`mod_${shortId}`}) as ok`.execute(
    db,
  );
  return rows[0]?.ok === true;
}

/**
 * Opens a transaction on its own connection, runs `hold` in it (taking a lock) and keeps it open
 * until `release` is called.
 */
async function holdLock(hold: (trx: Transaction<any>) => Promise<unknown>) {
  const holder = connect(tdb.url, 1);
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ready: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = holder
    .transaction()
    .execute(async (trx) => {
      await hold(trx);
      ready();
      await released;
    })
    .finally(() => holder.destroy());
  await held;
  return {
    async release() {
      release();
      await done;
    },
  };
}

/** Waits until a backend of this database waits on a lock with `pattern` in its query, then kills it. */
async function killWaiting(pattern: string): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and wait_event_type = 'Lock' and query ilike ${`%${pattern}%`}`.execute(db);
    const pid = rows[0]?.pid;
    if (pid !== undefined) {
      await sql`select pg_terminate_backend(${pid})`.execute(db);
      tally.kills++;
      return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no backend waited on a lock running ${pattern}`);
}

/**
 * A one-connection pool for the operation that is going to be killed. Its client gets an error
 * listener: when the server ends the connection, node-postgres also emits 'error' on the client
 * (the query in flight already got the error), which would otherwise crash the run.
 */
function victim(): Kysely<any> {
  const pool = new pg.Pool({ connectionString: tdb.url, max: 1 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

async function provisioned(): Promise<{ def: any; result: ProvisionResult }> {
  const def = crmV(randomUUID());
  const result = await provisionModuleDatabase(db, def);
  await installModuleForSite(db, def.moduleId, site, {
    seedRows: {
      companies: [{ name: 'Acme' }, { name: 'Globex' }],
      contacts: [{ first_name: 'Ada', last_name: 'Lovelace' }],
      deals: [{ title: 'Big deal', amount: 10 }],
    },
  });
  return { def, result };
}

describe('pg_terminate_backend in the middle of an operation', () => {
  it('mid-provision: nothing is left, the retry creates the module', async () => {
    const def = crmV(randomUUID());
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    // The plan's foreign keys to public.sites need a lock on it: hold a conflicting one, so the
    // provisioning waits with its role and schema already created in its transaction.
    const lock = await holdLock((trx) =>
      sql`lock table public.sites in access exclusive mode`.execute(trx),
    );
    const conn = victim();
    const running = rejectionOf(provisionModuleDatabase(conn, def, { lockTimeoutMs: 30_000 }));
    await killWaiting('dramac_apply_module_plan');
    const error = await running;
    await lock.release();
    await conn.destroy();
    expect(isModuleDbError(error)).toBe(true);
    expect(await state(shortId)).toEqual(before);
    const retry = await provisionModuleDatabase(db, def);
    tally.retries++;
    expect(retry.status).toBe('created');
  });

  it('mid-upgrade: the module stays at v1 with its data, the retry upgrades', async () => {
    const { def } = await provisioned();
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    // ALTER TABLE ... ADD COLUMN needs an ACCESS EXCLUSIVE lock: a reader holding ACCESS SHARE
    // keeps it waiting.
    const lock = await holdLock((trx) =>
      sql`lock table ${sql.id(`mod_${shortId}`, 'companies')} in access share mode`.execute(trx),
    );
    const conn = victim();
    const v2 = crmV(def.moduleId, '1.1.0', true);
    const running = rejectionOf(provisionModuleDatabase(conn, v2, { lockTimeoutMs: 30_000 }));
    await killWaiting('dramac_apply_module_upgrade');
    const error = await running;
    await lock.release();
    await conn.destroy();
    expect(isModuleDbError(error)).toBe(true);
    expect(await state(shortId)).toEqual(before);
    const retry = await provisionModuleDatabase(db, v2);
    tally.retries++;
    expect(retry).toMatchObject({ status: 'upgraded', version: '1.1.0' });
  });

  it('mid-uninstall (children already deleted): every row and the installation are back, the retry purges', async () => {
    const { def } = await provisioned();
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    // Children are deleted first; a row lock on a company stops the delete of the parents.
    const lock = await holdLock((trx) =>
      sql`select id from ${sql.id(`mod_${shortId}`, 'companies')} where name = 'Acme' for update`.execute(
        trx,
      ),
    );
    const conn = victim();
    const running = rejectionOf(
      uninstallModuleFromSite(conn, def.moduleId, site, { lockTimeoutMs: 30_000 }),
    );
    await killWaiting('delete from');
    const error = await running;
    await lock.release();
    await conn.destroy();
    expect(isModuleDbError(error)).toBe(true);
    expect(await state(shortId)).toEqual(before);
    const retry = await uninstallModuleFromSite(db, def.moduleId, site);
    tally.retries++;
    expect(retry).toMatchObject({
      wasInstalled: true,
      deleted: { companies: 2, contacts: 1, deals: 1, activities: 0 },
    });
  });

  it('mid-batch (two creates done): none of the batch is kept, the retry commits all of it', async () => {
    const { def } = await provisioned();
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    const lock = await holdLock((trx) =>
      sql`select id from ${sql.id(`mod_${shortId}`, 'companies')} where name = 'Globex' for update`.execute(
        trx,
      ),
    );
    const conn = victim();
    const sdk = createDatabaseSDK({
      definition: def,
      siteId: site,
      userId: user,
      transport: createPostgresTransport(conn),
    }) as any;
    const ops = [
      { type: 'create', table: 'companies', data: { name: 'Initech' } },
      { type: 'create', table: 'contacts', data: { first_name: 'Bob', last_name: 'Slydell' } },
      { type: 'update', table: 'companies', where: { name: 'Globex' }, data: { industry: 'x' } },
    ];
    const running = rejectionOf(sdk.batch(ops));
    await killWaiting('update');
    const error = await running;
    await lock.release();
    await conn.destroy();
    expect(isModuleDbError(error)).toBe(true);
    expect(await state(shortId)).toEqual(before);
    const again = createDatabaseSDK({
      definition: def,
      siteId: site,
      userId: user,
      transport: createPostgresTransport(db),
    }) as any;
    const rows = await again.batch(ops);
    tally.retries++;
    expect(rows).toHaveLength(3);
    expect(await again.count('companies')).toBe(3);
  });
});

describe('transactions', () => {
  // Errors of BEGIN, of setting the context and of COMMIT are typed like every other call's.
  it('a transaction on a deprovisioned module is refused with a typed error, as select is', async () => {
    const def = crmV(randomUUID());
    await provisionModuleDatabase(db, def);
    await deprovisionModuleDatabase(db, def.moduleId);
    const client = createModuleDataClient({
      definition: def,
      siteId: site,
      userId: user,
      transport: createPostgresTransport(db),
    });
    const viaSelect = await rejectionOf(client.select('companies'));
    const viaTransaction = await rejectionOf(
      client.transaction(async (tx) => tx.count('companies')),
    );
    console.log(
      `[faults] select -> ${viaSelect?.name} ${viaSelect?.code}; transaction -> ${viaTransaction?.name} ${viaTransaction?.code ?? ''} (${viaTransaction?.message})`,
    );
    expect(isModuleDbError(viaSelect)).toBe(true);
    expect(isModuleDbError(viaTransaction)).toBe(true);
  });
});

describe('timeouts', () => {
  it('a lock timeout while provisioning is a typed error (55P03) and leaves nothing', async () => {
    const def = crmV(randomUUID());
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    const lock = await holdLock((trx) =>
      sql`lock table public.sites in access exclusive mode`.execute(trx),
    );
    const error = await rejectionOf(provisionModuleDatabase(db, def, { lockTimeoutMs: 150 }));
    await lock.release();
    tally.timeouts++;
    expect(error).toMatchObject({ code: 'PROVISIONING_FAILED', sqlstate: '55P03' });
    expect(await state(shortId)).toEqual(before);
  });

  it('a lock timeout while upgrading (retries exhausted) is typed and leaves v1', async () => {
    const { def } = await provisioned();
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    const lock = await holdLock((trx) =>
      sql`lock table ${sql.id(`mod_${shortId}`, 'companies')} in access share mode`.execute(trx),
    );
    const error = await rejectionOf(
      provisionModuleDatabase(db, crmV(def.moduleId, '1.1.0', true), {
        lockTimeoutMs: 100,
        lockRetries: 1,
      }),
    );
    await lock.release();
    tally.timeouts++;
    expect(isModuleDbError(error)).toBe(true);
    expect(error.sqlstate).toBe('55P03');
    expect(await state(shortId)).toEqual(before);
  });

  it('a lock timeout while uninstalling is typed and deletes nothing', async () => {
    const { def } = await provisioned();
    const shortId = def.moduleId.slice(0, 8);
    const before = await state(shortId);
    const lock = await holdLock((trx) =>
      sql`select id from ${sql.id(`mod_${shortId}`, 'companies')} for update`.execute(trx),
    );
    const error = await rejectionOf(
      uninstallModuleFromSite(db, def.moduleId, site, { lockTimeoutMs: 150 }),
    );
    await lock.release();
    tally.timeouts++;
    expect(isModuleDbError(error)).toBe(true);
    expect(error.sqlstate).toBe('55P03');
    expect(await state(shortId)).toEqual(before);
  });

  it.each([
    ['statement_timeout', '57014'],
    ['lock_timeout', '55P03'],
  ] as const)(
    'a %s on the data connection surfaces as a typed error (%s); the batch keeps nothing',
    async (setting, sqlstate) => {
      const { def } = await provisioned();
      const shortId = def.moduleId.slice(0, 8);
      const before = await state(shortId);
      const lock = await holdLock((trx) =>
        sql`select id from ${sql.id(`mod_${shortId}`, 'companies')} where name = 'Acme' for update`.execute(
          trx,
        ),
      );
      const pool = new pg.Pool({ connectionString: tdb.url, max: 1, [setting]: 150 });
      pool.on('error', () => undefined);
      const limited = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
      try {
        const client = createModuleDataClient({
          definition: def,
          siteId: site,
          userId: user,
          transport: createPostgresTransport(limited),
        });
        const single = await rejectionOf(
          client.update('companies', { industry: 'x' }, { name: 'Acme' }),
        );
        expect(single).toMatchObject({ code: 'QUERY_TIMEOUT', sqlstate });
        const batch = await rejectionOf(
          createDatabaseSDK({
            definition: def,
            siteId: site,
            userId: user,
            transport: createPostgresTransport(limited),
          }).batch([
            { type: 'create', table: 'companies', data: { name: 'Kept?' } },
            {
              type: 'update',
              table: 'companies',
              where: { name: 'Acme' },
              data: { industry: 'y' },
            },
          ] as any),
        );
        expect(batch).toMatchObject({ code: 'QUERY_TIMEOUT', sqlstate });
        tally.timeouts += 2;
      } finally {
        await lock.release();
        await limited.destroy();
      }
      expect(await state(shortId)).toEqual(before);
    },
  );
});
