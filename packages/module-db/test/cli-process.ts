// Runs the `dramac-modules` binary as a process, as a user runs it. The binary is this package's
// source bundled by esbuild (as tsup bundles dist/cli.js for the published package, workspace
// packages through their @dramac/source condition, third-party packages left to node_modules),
// then run by plain node: about 0.4 s a run instead of 1.5 s through tsx, and these tests run it
// dozens of times. Output can be read while it runs (for progress and lock waits).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');
// Under the package's node_modules, so the bundle's imports of kysely, pg, ... resolve there.
const bundleDir = join(packageRoot, 'node_modules', '.cache', `dramac-cli-${randomUUID()}`);
let bundled: Promise<string> | undefined;

/** Bundles src/cli/main.ts once per test file; returns the script's path. */
function cliScript(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(bundleDir, 'cli.mjs');
    await build({
      entryPoints: [join(packageRoot, 'src/cli/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      conditions: ['@dramac/source'],
      logLevel: 'error',
      plugins: [
        {
          name: 'third-party-external',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@dramac/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    return outfile;
  })();
  return bundled;
}

/** Removes the bundle (call from afterAll). */
export async function removeCliBundle(): Promise<void> {
  await rm(bundleDir, { recursive: true, force: true });
}

/** A finished run. `json` is the parsed stdout when `--json` was given and it parsed. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: any;
}

/** A running CLI process. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly done: Promise<CliRun>;
}

function parseJson(args: readonly string[], stdout: string): any {
  if (!args.includes('--json')) return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/**
 * Starts the CLI with `args` in `cwd`; `env` is added to the test process's environment (an
 * `undefined` value removes the variable).
 */
export async function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliProcess> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, [await cliScript(), ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<CliRun>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr, json: parseJson(args, stdout) }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs the CLI to the end. */
export async function runCliProcess(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliRun> {
  return (await startCli(args, options)).done;
}

/** Waits until `predicate` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The one JSON document every command prints with `--json`: `ok` is true exactly when the exit
 * code is 0, `command` names it, `exitCode` is the process's, and `error` (only on failure) has
 * `code`, `name` and `message`. Returns the error for further checks.
 */
export function expectJsonShape(run: CliRun, command: string | null, exitCode: number): any {
  expect(run.json, `stdout is one JSON document:\n${run.stdout}\n${run.stderr}`).toBeTypeOf(
    'object',
  );
  expect(
    { code: run.code, exitCode: run.json.exitCode },
    JSON.stringify(run.json.error ?? null),
  ).toEqual({ code: exitCode, exitCode });
  expect(run.json.ok).toBe(exitCode === 0);
  expect(run.json.command).toBe(command);
  if (exitCode === 0) {
    expect(run.json.error).toBeUndefined();
    return undefined;
  }
  expect(run.json.error).toMatchObject({
    code: expect.any(String),
    name: expect.any(String),
    message: expect.any(String),
  });
  // No second copy of the error anywhere else in the document.
  const { error: _error, ...rest } = run.json;
  expect(JSON.stringify(rest)).not.toContain('"error"');
  return run.json.error;
}

/** Runs `tasks` at most `limit` at a time (each spawn costs a tsx start-up). */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit = 4): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return results;
}
