// The published artifacts, as a stranger gets them: build, `pnpm pack` the three public packages,
// check each tarball with publint and @arethetypeswrong/cli, install them with plain npm into a
// folder outside the workspace, and run there a third-party author's script (ESM and CommonJS)
// that defines a module, provisions it on the harness's PostgreSQL and uses the SDK, then the
// packed `dramac-modules` binary.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(import.meta.url);
const PACKAGES = ['module-naming', 'module-db', 'module-sdk'] as const;
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
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
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
    await pnpm(['exec', 'turbo', 'run', 'build', '--filter=@dramac/module-sdk...', '--only'], root);
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
