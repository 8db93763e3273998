// The published artifacts, as a stranger gets them: build, `pnpm pack` the four public packages,
// check each tarball with publint and @arethetypeswrong/cli, install them with plain npm into a
// folder outside the workspace, and run there a third-party author's script (ESM and CommonJS)
// that defines a module, provisions it on the harness's PostgreSQL and uses the SDK, then the
// packed `dramac-modules` binary. Then an author's first hour from the tarballs alone: `npx
// dramac-modules init`, `npm install && npm test` in the new project (strict tsc with
// skipLibCheck false, vitest on an embedded PostgreSQL), the kit under node:test, and `npx
// dramac-modules dev`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(import.meta.url);
const PACKAGES = ['module-naming', 'module-db', 'module-sdk', 'module-testing'] as const;
const PACK_TIMEOUT = 240_000;

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; check?: boolean },
): Promise<Output> {
  return new Promise((done, fail) => {
    // Nothing of this test run leaks into the author's tools (a nested vitest reads VITEST*);
    // an undefined value removes the variable.
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    for (const key of Object.keys(env)) {
      if (env[key] === undefined || key.startsWith('VITEST') || key === 'TEST') delete env[key];
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
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
    child.on('close', (code) => {
      if (options.check !== false && code !== 0) {
        fail(
          new Error(
            `${command} ${args.join(' ')} exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          ),
        );
      } else {
        done({ code, stdout, stderr });
      }
    });
  });
}

// Under `pnpm test`, npm_execpath is pnpm itself; run it with this Node.
const pnpm = (args: readonly string[], cwd: string) => {
  const execpath = process.env.npm_execpath;
  return execpath && /pnpm/.test(execpath) && /\.c?js$/.test(execpath)
    ? run(process.execPath, [execpath, ...args], { cwd })
    : run('pnpm', args, { cwd });
};

let tdb: TestDatabase;
let work: string;
let app: string;
const tarballs: Record<string, string> = {};
let ids: { site: string; other: string; user: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dramac-pack-'));
  const packed = (async () => {
    // turbo: the build is cached between runs (inputs: src, package.json, tsconfig, tsup config).
    // --only runs the three builds side by side: each one's type build reads its workspace
    // dependencies from source (the @dramac/source condition), not from their dist.
    await pnpm(
      ['exec', 'turbo', 'run', 'build', '--filter=@dramac/module-testing...', '--only'],
      root,
    );
    await Promise.all(
      PACKAGES.map(async (name) => {
        const { stdout } = await pnpm(
          ['pack', '--pack-destination', work],
          join(root, 'packages', name),
        );
        const tarball = stdout.trim().split('\n').at(-1)?.trim() as string;
        expect(tarball).toMatch(/\.tgz$/);
        tarballs[name] = tarball;
      }),
    );
  })();
  const database = (async () => {
    tdb = await startTestDatabase();
    const agency = await tdb.factory.agency();
    ids = {
      site: await tdb.factory.site(agency),
      other: await tdb.factory.site(agency),
      user: await tdb.factory.user(),
    };
    await tdb.factory.member(agency, ids.user);
  })();
  await Promise.all([packed, database]);
}, PACK_TIMEOUT);

afterAll(async () => {
  await tdb?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

// Concurrent: attw's analysis and npm's install are independent and each takes a while.
describe.concurrent('packed packages', () => {
  it('have no @dramac/source condition, no src/, and the CLI binary', async () => {
    for (const name of PACKAGES) {
      const { stdout } = await run('tar', ['-tzf', tarballs[name] as string], { cwd: work });
      const files = stdout.trim().split('\n');
      expect(files).toContain('package/package.json');
      expect(files).toContain('package/README.md');
      expect(files).toContain('package/LICENSE');
      expect(files.filter((f) => f.startsWith('package/src/'))).toEqual([]);
      const { stdout: manifest } = await run(
        'tar',
        ['-xzOf', tarballs[name] as string, 'package/package.json'],
        { cwd: work },
      );
      expect(manifest).not.toContain('@dramac/source');
      expect(manifest).not.toContain('workspace:');
      const pkg = JSON.parse(manifest);
      expect(pkg).toMatchObject({ sideEffects: false, license: 'MIT', files: ['dist'] });
      expect(pkg.engines.node).toBeDefined();
      if (name === 'module-db') expect(pkg.bin['dramac-modules']).toBe('./dist/cli.js');
    }
  });

  it('pass publint (strict, suggestions included)', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    for (const name of PACKAGES) {
      const buffer = await readFile(tarballs[name] as string);
      const tarball = buffer.buffer.slice(
        buffer.byteOffset,
        buffer.byteOffset + buffer.byteLength,
      ) as ArrayBuffer;
      const { messages, pkg } = await publint({
        pack: { tarball },
        level: 'suggestion',
        strict: true,
      });
      expect(messages.map((m) => `${name}: ${m.type} ${m.code}: ${formatMessage(m, pkg)}`)).toEqual(
        [],
      );
    }
  });

  it('pass @arethetypeswrong/cli (node16 from CJS and ESM, bundler)', {
    timeout: PACK_TIMEOUT,
  }, async () => {
    // Profile node16: TypeScript's legacy node10 resolution cannot see subpath exports at all
    // (@dramac/module-db/client), and Node >= 22.12 is required anyway.
    const attwManifest = require.resolve('@arethetypeswrong/cli/package.json');
    const attw = join(dirname(attwManifest), require(attwManifest).bin.attw);
    const results = await Promise.all(
      PACKAGES.map((name) =>
        run(
          process.execPath,
          [attw, '--profile', 'node16', '--format', 'json', tarballs[name] as string],
          { cwd: work, check: false },
        ),
      ),
    );
    for (const [i, name] of PACKAGES.entries()) {
      const result = results[i] as Output;
      const report = JSON.parse(result.stdout);
      // The JSON lists problems of ignored resolutions too; the exit code already ignores them.
      const problems = (report.analysis?.problems ?? [report]).filter(
        (p: { resolutionKind?: string }) => p.resolutionKind !== 'node10',
      );
      expect({ name, problems }).toEqual({
        name,
        problems: [],
      });
      expect(result.code).toBe(0);
    }
  });

  it(
    'install with npm outside the workspace and run a third-party script in ESM and CommonJS',
    async () => {
      app = await mkdtemp(join(tmpdir(), 'dramac-author-'));
      const manifest = JSON.parse(
        (
          await run('tar', ['-xzOf', tarballs['module-db'] as string, 'package/package.json'], {
            cwd: work,
          })
        ).stdout,
      );
      await writeFile(
        join(app, 'package.json'),
        JSON.stringify({ name: 'third-party-author', private: true, version: '1.0.0' }),
      );
      await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...PACKAGES.map((name) => tarballs[name] as string),
          `kysely@${manifest.dependencies.kysely}`,
          `pg@${manifest.peerDependencies.pg}`,
        ],
        { cwd: app },
      );
      const fixtures = join(here, 'fixtures', 'third-party');
      await copyFile(join(fixtures, 'author.mjs'), join(app, 'author.mjs'));
      await copyFile(join(fixtures, 'author.cjs'), join(app, 'author.cjs'));
      const env = {
        DATABASE_URL: tdb.url,
        SITE_ID: ids.site,
        OTHER_SITE_ID: ids.other,
        USER_ID: ids.user,
        NODE_OPTIONS: '',
      };
      const results = [];
      for (const script of ['author.mjs', 'author.cjs']) {
        const { stdout } = await run(process.execPath, [script], { cwd: app, env });
        results.push(JSON.parse(stdout.trim().split('\n').at(-1) as string));
      }
      for (const result of results) {
        expect(result).toMatchObject({
          status: 'created',
          count: 2,
          open: [{ title: 'write docs' }],
          otherSite: 'ACCESS_DENIED',
        });
      }

      // The packed binary, through npm's .bin link, as a platform engineer runs it.
      const status = await run(
        join(app, 'node_modules', '.bin', 'dramac-modules'),
        ['status', '--json'],
        {
          cwd: app,
          env,
        },
      );
      const listed = JSON.parse(status.stdout).modules.map((m: { moduleId: string }) => m.moduleId);
      expect(listed).toEqual(expect.arrayContaining(results.map((r) => r.moduleId)));

      // The packed binary's error contract: one JSON shape, URLs checked before connecting, and
      // an existing export file never overwritten (exit 9, nothing deleted).
      const bin = join(app, 'node_modules', '.bin', 'dramac-modules');
      const badUrl = await run(bin, ['status', '--json', '--database-url', 'mysql://u@h/db'], {
        cwd: app,
        env,
        check: false,
      });
      expect({ code: badUrl.code, json: JSON.parse(badUrl.stdout) }).toMatchObject({
        code: 2,
        json: {
          ok: false,
          command: 'status',
          exitCode: 2,
          error: { code: 'DATABASE_URL_INVALID' },
        },
      });
      await writeFile(join(app, 'rows.json'), 'an earlier export\n');
      const exists = await run(
        bin,
        [
          'uninstall-site',
          results[0].moduleId,
          '--site',
          ids.site,
          '--yes',
          '--export-to',
          'rows.json',
          '--json',
        ],
        { cwd: app, env, check: false },
      );
      expect({ code: exists.code, json: JSON.parse(exists.stdout) }).toMatchObject({
        code: 9,
        json: {
          ok: false,
          exitCode: 9,
          error: { code: 'EXPORT_FILE_EXISTS', option: '--export-to' },
        },
      });
      expect(await readFile(join(app, 'rows.json'), 'utf8')).toBe('an earlier export\n');
      await rm(app, { recursive: true, force: true });
    },
    PACK_TIMEOUT,
  );
});

/** `npm ...` quietly, in `cwd`. */
const npm = (args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}) =>
  run('npm', ['--no-audit', '--no-fund', '--loglevel=error', ...args], { cwd, env });

/** Size of a folder in KiB (du). */
async function kib(path: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', path], { cwd: work });
  return Number(stdout.split(/\s/)[0]);
}

describe("an author's first hour, from the packed tarballs with npm only", () => {
  it(
    'an SDK-only project installs no supabase-js',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dramac-sdk-only-'));
      try {
        await writeFile(
          join(dir, 'package.json'),
          JSON.stringify({ name: 'sdk-only', private: true }),
        );
        await npm(
          [
            'install',
            ...['module-naming', 'module-db', 'module-sdk'].map((n) => tarballs[n] as string),
          ],
          dir,
        );
        expect(existsSync(join(dir, 'node_modules', '@supabase'))).toBe(false);
        const size = await kib(join(dir, 'node_modules'));
        console.log(
          `[pack] npm install @dramac/module-sdk (with module-db and module-naming): ${(size / 1024).toFixed(1)} MiB of node_modules, no @supabase/*`,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    PACK_TIMEOUT,
  );

  it('npx dramac-modules init, then npm install && npm test pass, the kit works under node:test, and npx dramac-modules dev provisions the module', async () => {
    // Outside the workspace; open to every user (as root, PostgreSQL runs as the postgres user and
    // must reach the project's .dramac folder).
    const dir = await mkdtemp(join(tmpdir(), 'dramac-first-hour-'));
    await chmod(dir, 0o755);
    const env = { DATABASE_URL: undefined, NODE_OPTIONS: '' };
    try {
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'empty', private: true }));
      await npm(
        ['install', tarballs['module-naming'] as string, tarballs['module-db'] as string, 'pg'],
        dir,
        env,
      );
      const init = await run('npx', ['dramac-modules', 'init', 'my-module'], { cwd: dir, env });
      expect(init.stdout).toContain('npm install && npm test');
      const project = join(dir, 'my-module');

      // The registry would serve these; here they come from the tarballs.
      const manifestPath = join(project, 'package.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      for (const name of PACKAGES) {
        const spec = `file:${tarballs[name]}`;
        if (manifest.dependencies[`@dramac/${name}`])
          manifest.dependencies[`@dramac/${name}`] = spec;
        else manifest.devDependencies[`@dramac/${name}`] = spec;
      }
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

      await npm(['install'], project, env);
      expect(existsSync(join(project, 'node_modules', '@supabase'))).toBe(false);
      const size = await kib(join(project, 'node_modules'));
      console.log(
        `[pack] the scaffolded project (SDK, module-db, test kit with embedded PostgreSQL, vitest, typescript): ${(size / 1024).toFixed(1)} MiB of node_modules`,
      );
      const test = await npm(['test'], project, env);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest's colours
      const plain = test.stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/Tests\s+4 passed \(4\)/);
      expect(plain).not.toMatch(/failed/);

      // The same kit, under node:test (no vitest), from the packed dist.
      await writeFile(
        join(project, 'kit.node-test.mjs'),
        `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineModule } from '@dramac/module-sdk';
import { createTestPlatform } from '@dramac/module-testing';
const notes = defineModule({ moduleId: '${randomUUID()}', moduleType: 'app', version: '1.0.0',
  tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }] });
let platform;
before(async () => { platform = await createTestPlatform({ modules: [notes] }); });
after(() => platform?.close());
test('site A writes, site B sees none of it', async () => {
  await platform.memberOfSiteA(notes).createOne('notes', { body: 'hello' });
  assert.equal(await platform.memberOfSiteA(notes).count('notes'), 1);
  assert.equal(await platform.memberOfSiteB(notes).count('notes'), 0);
});
`,
      );
      const nodeTest = await run(
        process.execPath,
        ['--test', '--test-reporter=tap', 'kit.node-test.mjs'],
        { cwd: project, env },
      );
      expect(nodeTest.stdout).toMatch(/# pass 1/);

      const dev = await run('npx', ['dramac-modules', 'dev', '--once'], { cwd: project, env });
      expect(dev.stdout).toContain('the local platform is ready');
      expect(dev.stdout).toMatch(/module +My module \([0-9a-f]{8}\) 1\.0\.0: created/);
      expect(dev.stderr).toContain('PostgreSQL stopped');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
