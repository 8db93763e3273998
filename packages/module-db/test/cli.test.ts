// End to end against the harness's real PostgreSQL. A few runs spawn the `dramac-modules` binary
// as a user runs it (through tsx, from source with the @dramac/source condition); the rest call
// the same entry point, runCli, in-process with captured streams: a spawn costs about two seconds
// of start-up (tsx, the parser), which would make this file take minutes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli';
import * as api from '../src/index';
import { installModuleForSite } from '../src/index';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, '../src/cli/main.ts');
const TSX = createRequire(import.meta.url).resolve('tsx/cli');
const EXAMPLE = resolve(here, '../../../examples/crm-module/src/index.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

let tdb: TestDatabase;
let db: Kysely<any>;
let dir: string;

function parseJson(args: readonly string[], stdout: string): any {
  if (!args.includes('--json')) return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** Runs the CLI in-process; relative file arguments are resolved in the test's folder. */
async function cli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
  };
  const resolved = args.map((a) =>
    /\.(json|ts)$/.test(a) && !a.startsWith('/') ? join(dir, a) : a,
  );
  const code = await runCli(resolved, streams, { DATABASE_URL: tdb.url, ...env });
  return { code, stdout, stderr, json: parseJson(args, stdout) };
}

/** Spawns the CLI; `DATABASE_URL` is the test database unless `env` says otherwise. */
function spawnCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX, '--conditions=@dramac/source', MAIN, ...args], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: tdb.url, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, json: parseJson(args, stdout) }));
  });
}

const notesId = randomUUID();
const shopId = randomUUID();
const notes = (version: string, extra: object[] = [], migrations?: object[]) => ({
  moduleId: notesId,
  moduleType: 'system',
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
      indexes: [{ columns: ['title'] }],
    },
  ],
  ...(migrations ? { migrations } : {}),
});
const shop = {
  moduleId: shopId,
  moduleType: 'app',
  version: '1.0.0',
  name: 'Shop',
  tables: [{ name: 'products', columns: [{ name: 'sku', type: 'text', unique: true }] }],
};

async function file(name: string, value: unknown): Promise<string> {
  await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  return name;
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  dir = await mkdtemp(join(tmpdir(), 'dramac-cli-'));
  await file('notes-v1.json', notes('1.0.0'));
  await file(
    'notes-v2.json',
    notes('1.1.0', [{ name: 'pinned', type: 'boolean', default: 'false' }]),
  );
  await file('notes-v3-drop.json', notes('1.2.0'));
  await file('both.json', { modules: [notes('1.0.0'), shop] });
  await file('shop.json', shop);
  await file('invalid.json', {
    ...shop,
    moduleId: randomUUID(),
    tables: [{ name: 'Bad Name', columns: [{ name: 'x', type: 'money_bags' }] }],
  });
});
afterAll(async () => {
  await tdb?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dramac-modules', () => {
  it('prints help for the program and for each command', async () => {
    const main = await spawnCli(['--help']);
    expect(main.code).toBe(0);
    for (const c of [
      'plan',
      'provision',
      'upgrade',
      'status',
      'check',
      'lint',
      'uninstall-site',
      'deprovision',
    ]) {
      expect(main.stdout).toContain(`  ${c}`);
    }
    const plan = await cli(['plan', '--help']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Usage: dramac-modules plan/);
    expect(plan.stdout).toContain('Exit codes:');
  });

  it('exits 2 on usage errors: unknown command or option, no database', async () => {
    const unknown = await spawnCli(['frobnicate', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.code).toBe('UNKNOWN_COMMAND');
    expect((await cli(['plan', 'notes-v1.json', '--bogus'])).code).toBe(2);
    const noDb = await cli(['status'], { DATABASE_URL: '' });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain('DATABASE_URL');
  });

  it('plans offline: the SQL script, or the statements as JSON', async () => {
    const text = await cli(['plan', 'notes-v1.json', '--offline']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('begin;');
    expect(text.stdout).toMatch(/create table "mod_[0-9a-f]{8}"\."notes"/);
    expect(text.stdout).toMatch(
      /create policy "dramac_site_isolation" on "mod_[0-9a-f]{8}"\."notes"/,
    );
    const json = await cli(['plan', 'notes-v1.json', '--json'], { DATABASE_URL: undefined });
    expect(json.code).toBe(0);
    expect(json.json.modules[0]).toMatchObject({ moduleId: notesId, action: 'install' });
    expect(json.json.modules[0].statements.length).toBeGreaterThan(5);
  });

  it('exits 4 on an invalid definition, naming every bad path, before any database work', async () => {
    const run = await cli(['provision', 'shop.json', 'invalid.json', '--json']);
    expect(run.code).toBe(4);
    expect(run.json.error.code).toBe('DEFINITION_INVALID');
    const paths = run.json.error.invalid[0].issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['tables[0].name', 'tables[0].columns[0].type']));
    const text = await cli(['plan', 'invalid.json']);
    expect(text.stderr).toContain('tables[0].columns[0].type');
    // Nothing was provisioned: the valid shop module came first but validation runs before all.
    const roles =
      await sql`select 1 from pg_roles where rolname = ${`modrole_${shopId.slice(0, 8)}`}`.execute(
        db,
      );
    expect(roles.rows).toEqual([]);
  });

  it('status before the platform migration says so (exit 5)', async () => {
    const run = await cli(['status', '--json']);
    expect(run.code).toBe(5);
    expect(run.json.error.code).toBe('PLATFORM_NOT_MIGRATED');
  });

  it('provisions several modules with progress, then reports them unchanged', async () => {
    const run = await spawnCli(['provision', 'both.json', '--migrate-platform']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('[1/2] provision Notes');
    expect(run.stderr).toContain('[2/2] provision Shop');
    expect(run.stdout).toMatch(/Notes \([0-9a-f]{8}\)\s+1\.0\.0\s+created/);
    const again = await cli(['provision', 'both.json', '--json']);
    expect(again.code).toBe(0);
    expect(again.json.modules.map((m: { status: string }) => m.status)).toEqual([
      'unchanged',
      'unchanged',
    ]);
  });

  it('status lists the registry', async () => {
    const run = await cli(['status', '--json']);
    expect(run.code).toBe(0);
    expect(run.json.platformVersion).toBe(api.PLATFORM_MIGRATIONS.at(-1)?.version);
    const ids = run.json.modules.map((m: { moduleId: string }) => m.moduleId);
    expect(ids).toEqual(expect.arrayContaining([notesId, shopId]));
    const text = await cli(['status', notesId]);
    expect(text.stdout).toMatch(/Notes\s+[0-9a-f]{8}\s+system\s+schema\s+1\.0\.0\s+active/);
    const missing = await cli(['status', randomUUID()]);
    expect(missing.code).toBe(7);
  });

  it('plans and applies an additive upgrade; refuses a destructive one (exit 6)', async () => {
    const plan = await cli(['plan', 'notes-v2.json', '--json']);
    expect(plan.code).toBe(0);
    expect(plan.json.modules[0]).toMatchObject({ action: 'upgrade', fromVersion: '1.0.0' });
    const up = await cli(['upgrade', 'notes-v2.json']);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/1\.1\.0\s+upgraded/);

    const refusedPlan = await cli(['plan', 'notes-v3-drop.json']);
    expect(refusedPlan.code).toBe(6);
    expect(refusedPlan.stdout).toContain('REFUSED');
    const refused = await cli(['upgrade', 'notes-v3-drop.json', '--json']);
    expect(refused.code).toBe(6);
    expect(refused.json.error.code).toBe('UPGRADE_REFUSED');
    expect(refused.json.failed).toMatchObject({ moduleId: notesId });

    await file('other.json', { ...shop, moduleId: randomUUID() });
    const notInstalled = await cli(['upgrade', 'other.json']);
    expect(notInstalled.code).toBe(7);
  });

  it('check finds no drift, then the drift a manual change made (exit 3)', async () => {
    // Roles are cluster-wide: other test files' module roles are orphans in this database, so the
    // all-modules run skips the orphan check, and a separate run only looks for ours there.
    const clean = await cli(['check', '--no-orphans', '--json']);
    expect(clean.code).toBe(0);
    expect(clean.json.ok).toBe(true);
    expect(clean.json.modules.map((m: { moduleId: string }) => m.moduleId).sort()).toEqual(
      [notesId, shopId].sort(),
    );
    const withOrphans = await cli(['check', '--json']);
    expect([0, 3]).toContain(withOrphans.code);
    const orphanNames = withOrphans.json.orphans.orphanedObjects.map(
      (o: { name: string }) => o.name,
    );
    for (const id of [notesId, shopId]) {
      expect(orphanNames.filter((n: string) => n.includes(id.slice(0, 8)))).toEqual([]);
    }
    expect(withOrphans.json.orphans.missingObjects).toEqual([]);
    const entry = await api.getModuleRegistryEntry(db, notesId);
    await sql`alter table ${sql.id(entry?.schemaName as string, 'notes')} no force row level security`.execute(
      db,
    );
    const drift = await cli(['check', 'notes-v2.json']);
    expect(drift.code).toBe(3);
    expect(drift.stdout).toContain('[rls_not_forced]');
    await sql`alter table ${sql.id(entry?.schemaName as string, 'notes')} force row level security`.execute(
      db,
    );
  });

  it('lint runs the linter when the package has one', async () => {
    const run = await cli(['lint', shopId, '--json']);
    if (typeof (api as Record<string, unknown>).lintModuleDatabase === 'function') {
      expect([0, 3]).toContain(run.code);
      expect(run.json.modules).toEqual([shopId]);
      expect(Array.isArray(run.json.findings)).toBe(true);
    } else {
      expect(run.code).toBe(1);
      expect(run.json.error.code).toBe('NOT_AVAILABLE');
    }
  });

  it('uninstall-site needs --yes, then deletes that site only, exporting first', async () => {
    const agency = await tdb.factory.agency();
    const site = await tdb.factory.site(agency);
    const other = await tdb.factory.site(agency);
    await installModuleForSite(db, shopId, site);
    await installModuleForSite(db, shopId, other);
    const table = sql.id('public', `mod_${shopId.slice(0, 8)}_products`);
    await sql`insert into ${table} (site_id, sku) values (${site}, 'a'), (${site}, 'b'), (${other}, 'c')`.execute(
      db,
    );
    const unconfirmed = await cli(['uninstall-site', 'shop.json', '--site', site]);
    expect(unconfirmed.code).toBe(2);
    const run = await cli([
      'uninstall-site',
      'shop.json',
      '--site',
      site,
      '--yes',
      '--export-to',
      'export.json',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ wasInstalled: true, deleted: { products: 2 } });
    const exported = JSON.parse(await readFile(join(dir, 'export.json'), 'utf8'));
    expect(exported.products.map((r: { sku: string }) => r.sku).sort()).toEqual(['a', 'b']);
    const left = await sql<{ sku: string }>`select sku from ${table}`.execute(db);
    expect(left.rows.map((r) => r.sku)).toEqual(['c']);
    const unknownSite = await cli(['uninstall-site', shopId, '--site', randomUUID(), '--yes']);
    expect(unknownSite.code).toBe(7);
  });

  it('deprovision needs --yes; retains or drops; a second drop is not found (exit 7)', async () => {
    expect((await cli(['deprovision', 'shop.json'])).code).toBe(2);
    const retained = await cli([
      'deprovision',
      'shop.json',
      '--retain',
      '30 days',
      '--yes',
      '--json',
    ]);
    expect(retained.code).toBe(0);
    expect(retained.json.modules[0]).toMatchObject({ status: 'deprecated', moduleId: shopId });
    const dropped = await cli(['deprovision', notesId, '--yes']);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toMatch(/dropped [0-9a-f]{8}: 1 table\(s\), schema mod_/);
    expect((await cli(['deprovision', notesId, '--yes'])).code).toBe(7);
    const status = await cli(['status', '--json']);
    expect(status.json.modules.map((m: { moduleId: string }) => m.moduleId)).not.toContain(notesId);
  });

  it('reads TypeScript definitions (through tsx here), one export at a time', async () => {
    const both = await spawnCli(['plan', EXAMPLE, '--offline']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--export');
    const v2 = await spawnCli(['plan', EXAMPLE, '--export', 'crmModuleV2', '--offline', '--json']);
    expect(v2.code).toBe(0);
    expect(v2.json.modules[0]).toMatchObject({ version: '1.1.0', action: 'install' });
  });

  it('reports an unreachable database as exit 5', async () => {
    const run = await spawnCli(['status', '--json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(run.code).toBe(5);
  });
});
