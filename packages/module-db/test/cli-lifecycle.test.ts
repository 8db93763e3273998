// The CLI's site and retention commands, run as a process against a real PostgreSQL: exports
// that are never overwritten and land before the deletion commits, install-site, drop-due, and
// what a command says while it waits for a lock.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getModuleRegistryEntry,
  installModuleForSite,
  migratePlatform,
  provisionModuleDatabase,
} from '../src/index';
import {
  type CliRun,
  expectJsonShape,
  removeCliBundle,
  runCliProcess,
  startCli,
  waitFor,
} from './cli-process';

let tdb: TestDatabase;
let db: Kysely<any>;
let dir: string;
let agency: string;

const shopId = randomUUID();
const notesId = randomUUID();
const shop = {
  moduleId: shopId,
  moduleType: 'app',
  version: '1.0.0',
  name: 'Shop',
  tables: [
    {
      name: 'products',
      columns: [
        { name: 'sku', type: 'text' },
        { name: 'price', type: 'numeric(20,2)', nullable: true },
      ],
    },
  ],
};
const notes = (version: string, extra: object[] = []) => ({
  moduleId: notesId,
  moduleType: 'system',
  version,
  name: 'Notes',
  tables: [{ name: 'notes', columns: [{ name: 'title', type: 'text' }, ...extra] }],
});
const products = sql.id('public', `mod_${shopId.replaceAll('-', '').slice(0, 8)}_products`);

const cli = (args: readonly string[]) =>
  runCliProcess(args, { cwd: dir, env: { DATABASE_URL: tdb.url } });

async function file(name: string, value: unknown): Promise<string> {
  await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  return name;
}

/** A site with the shop installed and these products in it. */
async function siteWithProducts(skus: readonly string[]): Promise<string> {
  const site = await tdb.factory.site(agency);
  await installModuleForSite(db, shopId, site);
  for (const sku of skus) {
    await sql`insert into ${products} (site_id, sku) values (${site}, ${sku})`.execute(db);
  }
  return site;
}

async function skusOf(site: string): Promise<string[]> {
  const { rows } = await sql<{ sku: string }>`
    select sku from ${products} where site_id = ${site} order by sku`.execute(db);
  return rows.map((r) => r.sku);
}

async function installed(site: string): Promise<boolean> {
  const { rows } = await sql`
    select 1 from public.module_site_installations
    where module_id = ${shopId}::uuid and site_id = ${site}::uuid`.execute(db);
  return rows.length > 0;
}

/** Holds a lock from another session (statement run in an open transaction) until released. */
async function holdLock(statement: RawBuilder<unknown>): Promise<{
  pid: number;
  release(): Promise<void>;
}> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started!: (pid: number) => void;
  const pid = new Promise<number>((resolve) => {
    started = resolve;
  });
  const done = db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
    await statement.execute(trx);
    started(rows[0]?.pid as number);
    await gate;
  });
  return {
    pid: await Promise.race([pid, done.then(() => -1)]),
    release: async () => {
      open();
      await done;
    },
  };
}

/** Leftover temporary export files in the test folder. */
async function temporaryFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  dir = await mkdtemp(join(tmpdir(), 'dramac-cli-lifecycle-'));
  await migratePlatform(db);
  await provisionModuleDatabase(db, shop);
  await provisionModuleDatabase(db, notes('1.0.0'));
  agency = await tdb.factory.agency();
  await file('shop.json', shop);
  await file('notes-v2.json', notes('1.1.0', [{ name: 'body', type: 'text', nullable: true }]));
});
afterAll(async () => {
  await tdb?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
  await removeCliBundle();
});

describe('uninstall-site --export-to', () => {
  it('never overwrites: a re-run with the same file stops (exit 9) and keeps the first export', async () => {
    const site = await siteWithProducts(['a', 'b']);
    const other = await siteWithProducts(['c']);
    const args = ['uninstall-site', 'shop.json', '--site', site, '--yes', '--json'];
    const first = await cli([...args, '--export-to', 'rows.json']);
    expectJsonShape(first, 'uninstall-site', 0);
    expect(first.json).toMatchObject({
      deleted: { products: 2 },
      exportedTo: join(dir, 'rows.json'),
    });
    const exported = await readFile(join(dir, 'rows.json'), 'utf8');
    expect(
      JSON.parse(exported)
        .products.map((r: { sku: string }) => r.sku)
        .sort(),
    ).toEqual(['a', 'b']);
    expect((await stat(join(dir, 'rows.json'))).mode & 0o777).toBe(0o600);
    expect(await temporaryFiles()).toEqual([]);

    // The site gets the module and a row again; the same command runs again.
    await installModuleForSite(db, shopId, site);
    await sql`insert into ${products} (site_id, sku) values (${site}, 'd')`.execute(db);
    const again = await cli([...args, '--export-to', 'rows.json']);
    expect(expectJsonShape(again, 'uninstall-site', 9)).toMatchObject({
      code: 'EXPORT_FILE_EXISTS',
      option: '--export-to',
      path: join(dir, 'rows.json'),
    });
    expect(await readFile(join(dir, 'rows.json'), 'utf8')).toBe(exported);
    expect(await skusOf(site)).toEqual(['d']);
    expect(await installed(site)).toBe(true);
    expect(await skusOf(other)).toEqual(['c']);
  }, 60_000);

  it('writes the export before the deletion commits: a file that appears meanwhile stops it', async () => {
    const site = await siteWithProducts(['x', 'y']);
    const blocker = await holdLock(sql`lock table ${products} in access exclusive mode`);
    let run: Promise<CliRun> | undefined;
    try {
      const cliProcess = await startCli(
        [
          'uninstall-site',
          shopId,
          '--site',
          site,
          '--yes',
          '--export-to',
          'race.json',
          '--lock-timeout',
          '60000',
        ],
        { cwd: dir, env: { DATABASE_URL: tdb.url } },
      );
      run = cliProcess.done;
      // The CLI waits for the table; it says so, and on what.
      await waitFor('the lock-wait line', () => cliProcess.stderr().includes('waiting'));
      const table = `public.mod_${shopId.replaceAll('-', '').slice(0, 8)}_products`;
      expect(cliProcess.stderr()).toContain(`for a lock: ShareRowExclusiveLock on ${table}`);
      expect(cliProcess.stderr()).toContain(`held by pid ${blocker.pid}`);
      // Another writer takes the name while the rows are about to be deleted.
      await writeFile(join(dir, 'race.json'), '{"written":"by someone else"}\n');
    } finally {
      await blocker.release();
    }
    const result = (await run) as CliRun;
    expect(result.code).toBe(9);
    expect(result.stderr).toContain('error [EXPORT_FILE_EXISTS]');
    expect(await readFile(join(dir, 'race.json'), 'utf8')).toBe('{"written":"by someone else"}\n');
    expect(await skusOf(site)).toEqual(['x', 'y']);
    expect(await installed(site)).toBe(true);
    expect(await temporaryFiles()).toEqual([]);
  }, 60_000);

  it('an export path in a missing directory is a usage error; nothing is deleted', async () => {
    const site = await siteWithProducts(['m']);
    const run = await cli([
      'uninstall-site',
      shopId,
      '--site',
      site,
      '--yes',
      '--export-to',
      'no/such/dir/rows.json',
      '--json',
    ]);
    expect(expectJsonShape(run, 'uninstall-site', 2)).toMatchObject({
      code: 'INVALID_OPTION',
      option: '--export-to',
    });
    expect(await skusOf(site)).toEqual(['m']);
    expect(await installed(site)).toBe(true);
  }, 60_000);
});

describe('install-site', () => {
  it('installs a module on a site with seed rows, idempotently; refuses bad seeds and sites', async () => {
    const site = await tdb.factory.site(agency);
    const seedFile = await file('seed.json', {
      products: [{ sku: 'p1', price: '123456789012345678.25' }, { sku: 'p2' }],
    });
    const badSeed = await file('bad-seed.json', { products: [{ sku: 'p3', colour: 'red' }] });
    const first = await cli([
      'install-site',
      'shop.json',
      '--site',
      site,
      '--seed',
      seedFile,
      '--json',
    ]);
    expectJsonShape(first, 'install-site', 0);
    expect(first.json).toMatchObject({
      status: 'installed',
      moduleId: shopId,
      seeded: { products: 2 },
    });
    expect(await skusOf(site)).toEqual(['p1', 'p2']);
    const { rows } = await sql<{ price: string }>`
      select price::text as price from ${products} where site_id = ${site} and sku = 'p1'`.execute(
      db,
    );
    expect(rows[0]?.price).toBe('123456789012345678.25');

    const [again, text, bad, unknownSite] = await Promise.all([
      cli(['install-site', shopId, '--site', site, '--seed', seedFile, '--json']),
      cli(['install-site', shopId, '--site', site]),
      cli([
        'install-site',
        shopId,
        '--site',
        await tdb.factory.site(agency),
        '--seed',
        badSeed,
        '--json',
      ]),
      cli(['install-site', shopId, '--site', randomUUID(), '--json']),
    ]);
    expectJsonShape(again, 'install-site', 0);
    expect(again.json).toMatchObject({ status: 'already_installed', seeded: {} });
    expect(await skusOf(site)).toEqual(['p1', 'p2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('already installed');
    const seedError = expectJsonShape(bad, 'install-site', 4);
    expect(seedError.code).toBe('SEED_INVALID');
    expect(seedError.issues.map((i: { path: string }) => i.path)).toEqual([
      'seedRows.products[0].colour',
    ]);
    expect(expectJsonShape(unknownSite, 'install-site', 7).code).toBe('NOT_FOUND');
  }, 60_000);
});

describe('drop-due', () => {
  it('lists what retention released, drops it only with --yes', async () => {
    const oldId = randomUUID();
    await provisionModuleDatabase(db, { ...shop, moduleId: oldId, name: 'Old' });
    const retained = await cli(['deprovision', oldId, '--retain', '0 seconds', '--yes', '--json']);
    expectJsonShape(retained, 'deprovision', 0);
    expect(retained.json.modules[0]).toMatchObject({ status: 'deprecated', moduleId: oldId });

    const [unconfirmed, dryRun] = await Promise.all([
      cli(['drop-due', '--json']),
      cli(['drop-due', '--dry-run', '--json']),
    ]);
    expect(expectJsonShape(unconfirmed, 'drop-due', 2).code).toBe('CONFIRMATION_REQUIRED');
    expect(unconfirmed.json.due.map((d: { moduleId: string }) => d.moduleId)).toContain(oldId);
    expectJsonShape(dryRun, 'drop-due', 0);
    expect(dryRun.json.due.map((d: { moduleId: string }) => d.moduleId)).toContain(oldId);
    expect(await getModuleRegistryEntry(db, oldId)).toBeTruthy();

    const dropped = await cli(['drop-due', '--yes', '--json']);
    expectJsonShape(dropped, 'drop-due', 0);
    expect(dropped.json.dropped.map((d: { moduleId: string }) => d.moduleId)).toContain(oldId);
    expect(await getModuleRegistryEntry(db, oldId)).toBeFalsy();
    const nothing = await cli(['drop-due', '--yes']);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('nothing dropped');
  }, 60_000);
});

describe('progress', () => {
  it('says what an upgrade waits for, held by whom, and when it starts over after a lock timeout', async () => {
    const entry = await getModuleRegistryEntry(db, notesId);
    const table = `${entry?.schemaName}.notes`;
    // A reader in an open transaction: ALTER TABLE needs ACCESS EXCLUSIVE and waits for it.
    const blocker = await holdLock(
      sql`select count(*) from ${sql.id(entry?.schemaName as string, 'notes')}`,
    );
    let run: Promise<CliRun> | undefined;
    let stderr = () => '';
    try {
      const cliProcess = await startCli(['upgrade', 'notes-v2.json', '--lock-timeout', '1500'], {
        cwd: dir,
        env: { DATABASE_URL: tdb.url },
      });
      run = cliProcess.done;
      stderr = cliProcess.stderr;
      await waitFor('the retry line', () => stderr().includes('starts over'), 30_000);
    } finally {
      await blocker.release();
    }
    const result = (await run) as CliRun;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1\.1\.0\s+upgraded/);
    expect(result.stderr).toContain(`waiting`);
    expect(result.stderr).toContain(`for a lock: AccessExclusiveLock on ${table}`);
    expect(result.stderr).toContain(`held by pid ${blocker.pid}`);
    expect(result.stderr).toContain('idle in transaction');
    expect(result.stderr).toContain(
      'lock not granted within the lock timeout: the statement starts over (attempt 2)',
    );
  }, 60_000);
});

describe('repair', () => {
  it('prints the plan of a drifted module, applies it only with --yes, and check is clean after', async () => {
    const repairId = randomUUID();
    const definition = { ...notes('1.0.0'), moduleId: repairId };
    await provisionModuleDatabase(db, definition);
    const entry = await getModuleRegistryEntry(db, repairId);
    const schema = entry?.schemaName as string;
    // Drift, as a superuser could cause it: an index dropped, row-level security not forced, and
    // a grant to an API role.
    const { rows } = await sql<{ name: string }>`
      select c.relname::text as name from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = ${`${schema}.notes`}::regclass and not i.indisprimary limit 1`.execute(db);
    await sql`alter table ${sql.id(schema, 'notes')} no force row level security`.execute(db);
    await sql`grant select on ${sql.id(schema, 'notes')} to anon`.execute(db);
    for (const r of rows) await sql`drop index ${sql.id(schema, r.name)}`.execute(db);

    const planned = await cli(['repair', repairId, '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    expectJsonShape(planned, 'repair', 0);
    expect(planned.json.status).toBe('planned');
    const sqlText = planned.json.plan.statements.map((s: { sql: string }) => s.sql).join('\n');
    expect(sqlText).toContain('force row level security');
    expect(sqlText).toContain('revoke select on table');
    // Nothing changed without --yes.
    expect((await cli(['check', repairId])).code).toBe(3);

    const applied = await cli(['repair', repairId, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/repaired/);
    const check = await cli(['check', repairId]);
    expect(check.code, check.stdout).toBe(0);
    // Once clean, repair has nothing to do.
    const again = await cli(['repair', repairId, '--yes', '--json']);
    expect(again.json.status).toBe('unchanged');
  }, 60_000);
});
