#!/usr/bin/env node
// The repository's two entry points, `npm test` / `pnpm test` and `npm run dev` / `pnpm dev`
// (package.json scripts), start here, on whatever Node ran them: Node 20 and npm alone are
// enough. This script makes sure of the toolchain the repository is built with, then runs the
// command with it:
//
//   1. Node: the one running, when it satisfies package.json `engines.node` (>= 22.12); otherwise
//      the major version in .node-version (24), installed once from the npm registry (the `node`
//      package) into ~/.cache/dramac/node<major>.
//   2. pnpm: the version in package.json `packageManager` (12.4.2): the one on PATH when it is
//      that version; otherwise installed once from the npm registry into the same folder (or
//      ~/.cache/dramac/pnpm-<version> when the running Node is used).
//   3. `pnpm install`: the workspace's dependencies into node_modules/ (pnpm's store in
//      ~/.local/share/pnpm/store), quick when nothing changed.
//   4. The command: `test` runs scripts/run-tests.mjs (lint, typecheck, every test; arguments go
//      to vitest); `dev` runs the playground (apps/playground).
//
// Written for Node 20 too: no dependencies, nothing newer than Node 20 has.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeMajor = readFileSync(join(root, '.node-version'), 'utf8').trim().split('.')[0];
const pnpmVersion = String(manifest.packageManager).split('@')[1];
const cache = process.env.DRAMAC_TOOLCHAIN_DIR ?? join(homedir(), '.cache', 'dramac');
const say = (line) => console.log(`[toolchain] ${line}`);

const COMMANDS = {
  test: { what: 'the tests', pnpmArgs: null },
  dev: { what: 'the playground', pnpmArgs: ['--filter', '@dramac/playground', 'dev'] },
};
const [command, ...rest] = process.argv.slice(2);
if (!Object.hasOwn(COMMANDS, command ?? '')) {
  console.error(`usage: node scripts/toolchain.mjs ${Object.keys(COMMANDS).join('|')} [arguments]`);
  process.exit(2);
}

/** Whether `version` (x.y.z) satisfies a `>=a.b[.c]` range (the only form engines uses here). */
function satisfies(version, range) {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
  if (!want) return true;
  const have = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const w = Number(want[i + 1] ?? 0);
    if ((have[i] ?? 0) !== w) return (have[i] ?? 0) > w;
  }
  return true;
}

function run(cmd, args, env, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env, cwd: root, ...options });
  if (result.error) {
    console.error(`[toolchain] could not run ${cmd}: ${result.error.message}`);
    process.exit(1);
  }
  return result.status ?? 1;
}

function npmInstallGlobal(prefix, spec, env) {
  say(`installing ${spec} from the npm registry into ${prefix}`);
  const status = run(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      spec,
    ],
    env,
  );
  if (status !== 0) {
    console.error(`[toolchain] npm install ${spec} failed (exit ${status})`);
    process.exit(status);
  }
}

const env = { ...process.env };
const pathWith = (dir) => `${dir}${delimiter}${env.PATH ?? ''}`;

// 1. Node.
const engines = manifest.engines?.node ?? '>=0';
if (!satisfies(process.versions.node, engines)) {
  const prefix = join(cache, `node${nodeMajor}`);
  const node = join(prefix, 'bin', 'node');
  say(`Node ${process.versions.node} does not satisfy engines "${engines}" (package.json)`);
  if (!existsSync(node)) npmInstallGlobal(prefix, `node@${nodeMajor}`, env);
  say(`continuing with Node ${nodeMajor} from ${prefix}`);
  // The same script again, on that Node: it finds everything else from there.
  process.exit(
    run(node, [fileURLToPath(import.meta.url), command, ...rest], {
      ...env,
      PATH: `${join(prefix, 'bin')}${delimiter}${env.PATH ?? ''}`,
    }),
  );
}

// 2. pnpm.
function pnpmVersionOf(pnpm) {
  const result = spawnSync(pnpm, ['--version'], { env, encoding: 'utf8', cwd: root });
  return result.status === 0 ? result.stdout.trim() : null;
}
const onPath = pnpmVersionOf('pnpm');
if (onPath !== pnpmVersion) {
  // Next to the Node this script installed, else a folder of its own.
  const nodePrefix = join(cache, `node${nodeMajor}`);
  const prefix = process.execPath.startsWith(nodePrefix)
    ? nodePrefix
    : join(cache, `pnpm-${pnpmVersion}`);
  const bin = join(prefix, 'bin');
  env.PATH = pathWith(dirname(process.execPath));
  if (pnpmVersionOf(join(bin, 'pnpm')) !== pnpmVersion) {
    say(`pnpm ${onPath ?? '(none)'} on PATH is not ${pnpmVersion} (package.json packageManager)`);
    npmInstallGlobal(prefix, `pnpm@${pnpmVersion}`, env);
  }
  env.PATH = pathWith(bin);
}
// The Node running this script first on PATH, so pnpm and every script it starts use it.
env.PATH = pathWith(dirname(process.execPath));
say(`Node ${process.versions.node} (${process.execPath}), pnpm ${pnpmVersion}`);

// 3. The workspace's dependencies.
say('pnpm install: the workspace dependencies into node_modules/ (quick when nothing changed)');
const installed = run('pnpm', ['install'], env);
if (installed !== 0) process.exit(installed);

// 4. The command, as a child this process waits for: Ctrl-C reaches it from the terminal (this
// process ignores it and exits with the child's code), a SIGTERM sent here is passed on.
say(`running ${COMMANDS[command].what}`);
const child =
  command === 'test'
    ? spawn(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...rest], {
        stdio: 'inherit',
        env,
        cwd: root,
      })
    : spawn('pnpm', [...COMMANDS[command].pnpmArgs, ...rest], { stdio: 'inherit', env, cwd: root });
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (error) => {
  console.error(`[toolchain] could not start ${COMMANDS[command].what}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
