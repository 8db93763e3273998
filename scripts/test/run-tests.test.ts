// The test command itself: `pnpm test` (scripts/run-tests.mjs) must run lint, typecheck and every
// test, type tests included, fail when any of them fails, and end with vitest's own totals.
// run-tests.mjs runs here in a scratch project (its own package.json scripts, vitest config and
// tests; node_modules linked to the repository's), so each failure can be provoked on purpose.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUN_TESTS = join(root, 'scripts', 'run-tests.mjs');
const TOTALS = /^(\d+) passed, (\d+) failed, (\d+) skipped$/;
const scratch: string[] = [];

interface Run {
  code: number | null;
  output: string;
  lastLine: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const lines = output.trimEnd().split('\n');
      done({ code, output, lastLine: lines.at(-1) ?? '' });
    });
  });
}

const exit = (code: number, message: string) =>
  `node -e "console.error('${message}'); process.exit(${code})"`;

/** A scratch project: lint and typecheck scripts as given, one runtime test, one type test. */
async function project(options: {
  lint: string;
  typecheck: string;
  typeTest: 'passing' | 'failing';
}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dramac-run-tests-'));
  scratch.push(dir);
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'run-tests-fixture',
      private: true,
      type: 'module',
      scripts: { lint: options.lint, typecheck: options.typecheck },
    }),
  );
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'preserve',
        moduleResolution: 'bundler',
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['*.ts'],
    }),
  );
  // The same type-test settings as the repository's vitest.shared.ts.
  await writeFile(
    join(dir, 'vitest.config.mjs'),
    `export default { test: { typecheck: { enabled: true, include: ['**/*.test-d.ts'], tsconfig: './tsconfig.json', ignoreSourceErrors: true } } };\n`,
  );
  await writeFile(
    join(dir, 'sum.test.mjs'),
    `import { expect, test } from 'vitest';\ntest('adds', () => expect(1 + 1).toBe(2));\n`,
  );
  await writeFile(
    join(dir, 'types.test-d.ts'),
    `import { expectTypeOf, test } from 'vitest';\ntest('a number is a number', () => {\n  expectTypeOf<number>().toEqualTypeOf<${options.typeTest === 'passing' ? 'number' : 'string'}>();\n});\n`,
  );
  return dir;
}

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('pnpm test (scripts/run-tests.mjs)', () => {
  it('runs lint, typecheck and the tests, type tests counted, and ends with the totals', async () => {
    const dir = await project({
      lint: exit(0, 'fixture lint ran'),
      typecheck: exit(0, 'fixture typecheck ran'),
      typeTest: 'passing',
    });
    const result = await run(process.execPath, [RUN_TESTS], dir);
    expect(result.output).toContain('fixture lint ran');
    expect(result.output).toContain('fixture typecheck ran');
    expect(result.output.indexOf('fixture typecheck ran')).toBeLessThan(
      result.output.indexOf('[run-tests] tests: vitest run'),
    );
    expect(result.lastLine).toBe('2 passed, 0 failed, 0 skipped');
    expect(result.code).toBe(0);
  }, 120_000);

  it('fails when lint fails, says so, and still runs the tests', async () => {
    const dir = await project({
      lint: exit(1, 'fixture lint found a problem'),
      typecheck: exit(0, 'fixture typecheck ran'),
      typeTest: 'passing',
    });
    const result = await run(process.execPath, [RUN_TESTS], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('fixture lint found a problem');
    expect(result.output).toMatch(/\[run-tests\] lint: FAILED \(exit 1\)/);
    expect(result.output).toMatch(/\[run-tests\] typecheck: passed/);
    expect(result.lastLine).toBe('2 passed, 0 failed, 0 skipped');
  }, 120_000);

  it('fails when typecheck fails', async () => {
    const dir = await project({
      lint: exit(0, 'fixture lint ran'),
      typecheck: exit(2, 'fixture type error'),
      typeTest: 'passing',
    });
    const result = await run(process.execPath, [RUN_TESTS], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/\[run-tests\] typecheck: FAILED \(exit 2\)/);
    expect(result.lastLine).toMatch(TOTALS);
  }, 120_000);

  it('counts a failing type test as a failed test', async () => {
    const dir = await project({
      lint: exit(0, 'fixture lint ran'),
      typecheck: exit(0, 'fixture typecheck ran'),
      typeTest: 'failing',
    });
    const result = await run(process.execPath, [RUN_TESTS], dir);
    expect(result.code).not.toBe(0);
    expect(result.lastLine).toBe('1 passed, 1 failed, 0 skipped');
  }, 120_000);

  it('with a file argument runs only vitest on it', async () => {
    const dir = await project({
      lint: exit(1, 'fixture lint found a problem'),
      typecheck: exit(1, 'fixture type error'),
      typeTest: 'passing',
    });
    const result = await run(process.execPath, [RUN_TESTS, 'sum.test.mjs'], dir);
    expect(result.output).not.toContain('fixture lint found a problem');
    expect(result.output).toContain('lint and typecheck skipped');
    expect(result.lastLine).toBe('1 passed, 0 failed, 0 skipped');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('the repository configuration', () => {
  it('runs every *.test-d.ts in the repository as a test', () => {
    const tracked = spawnSync('git', ['ls-files', '*.test-d.ts'], { cwd: root, encoding: 'utf8' });
    const typeTests = tracked.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((f) => join(root, f));
    expect(typeTests.length).toBeGreaterThan(0);
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const listed = spawnSync(process.execPath, [vitest, 'list', '--filesOnly', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const files = (JSON.parse(listed.stdout) as { file: string }[]).map((f) => f.file);
    expect(typeTests.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('declares no turbo task that no package implements', async () => {
    const turbo = JSON.parse(await readFile(join(root, 'turbo.json'), 'utf8'));
    // The workspace's packages, as pnpm-workspace.yaml lists them.
    const dirs = [
      ...(await Promise.all(
        ['packages', 'apps', 'examples'].map(async (d) =>
          (await readdir(join(root, d))).map((name) => join(root, d, name)),
        ),
      )),
      [join(root, 'bench')],
    ].flat();
    const scripts = new Set<string>();
    for (const dir of dirs) {
      const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => null);
      if (manifest) for (const s of Object.keys(JSON.parse(manifest).scripts ?? {})) scripts.add(s);
    }
    const idle = Object.keys(turbo.tasks).filter((task) => !scripts.has(task));
    expect(idle).toEqual([]);
  });
});
