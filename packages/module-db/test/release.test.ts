// The release path, without publishing: `changeset version` in a scratch copy of the workspace's
// manifests and changesets must give the four public packages sensible versions and changelogs
// and leave private packages alone; the root `release` script must build before it publishes.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PUBLIC = ['module-naming', 'module-db', 'module-sdk', 'module-testing'];
let scratch: string;

function git(args: string[], cwd: string) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'dramac-release-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml']) {
    await cp(join(root, file), join(scratch, file));
  }
  await cp(join(root, '.changeset'), join(scratch, '.changeset'), { recursive: true });
  // Only manifests: changesets reads package.json files and writes versions and CHANGELOG.md.
  for (const group of ['packages', 'apps', 'examples']) {
    const names = await readdir(join(root, group)).catch(() => [] as string[]);
    for (const name of names) {
      const manifest = await readFile(join(root, group, name, 'package.json'), 'utf8').catch(
        () => null,
      );
      if (manifest === null) continue;
      await mkdir(join(scratch, group, name), { recursive: true });
      await writeFile(join(scratch, group, name, 'package.json'), manifest);
    }
  }
  const bench = await readFile(join(root, 'bench', 'package.json'), 'utf8').catch(() => null);
  if (bench !== null) {
    await mkdir(join(scratch, 'bench'));
    await writeFile(join(scratch, 'bench', 'package.json'), bench);
  }
  await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  git(['init', '-q', '-b', 'main'], scratch);
  git(['add', '.'], scratch);
  git(
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'scratch'],
    scratch,
  );
});
afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

it('changeset version bumps the public packages and writes their changelogs', async () => {
  const before = new Map<string, unknown>();
  const manifests = spawnSync('git', ['ls-files', '*package.json'], {
    cwd: scratch,
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n');
  for (const m of manifests) before.set(m, JSON.parse(await readFile(join(scratch, m), 'utf8')));

  const bin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
  const r = spawnSync(process.execPath, [bin, 'version'], { cwd: scratch, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);

  for (const name of PUBLIC) {
    const dir = join(scratch, 'packages', name);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const previous = before.get(`packages/${name}/package.json`) as { version: string };
    expect(pkg.version, name).not.toBe(previous.version);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`# @dramac/${name}\n\n## ${pkg.version}`);
    // Internal dependencies stay workspace ranges; pnpm rewrites them when it packs.
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
      if (dep.startsWith('@dramac/')) expect(range).toBe('workspace:^');
    }
  }
  // Private packages (harness, example, playground, bench) are never versioned.
  for (const [file, previous] of before) {
    const pkg = JSON.parse(await readFile(join(scratch, file), 'utf8'));
    if (pkg.private) expect(pkg.version, file).toBe((previous as { version?: string }).version);
  }
  // Every changeset was consumed.
  const left = (await readdir(join(scratch, '.changeset'))).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );
  expect(left).toEqual([]);
});

it('release builds the packages before changeset publish', async () => {
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const release: string = scripts.release;
  expect(release).toMatch(/build/);
  expect(release).toMatch(/changeset publish/);
  expect(release.indexOf('build')).toBeLessThan(release.indexOf('changeset publish'));
  expect(release).toContain('&&');
});
