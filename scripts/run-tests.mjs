#!/usr/bin/env node
// The repository's test command (`pnpm test`, which CI runs through README.md's test command).
//
// Without arguments it runs, in order: `pnpm run lint` (Biome), `pnpm run typecheck` (tsc over
// every package) and the whole vitest suite, whose type tests (`*.test-d.ts`) are counted like
// any other test. A failed lint or typecheck fails the run; vitest still runs, so one run shows
// everything that is wrong. With arguments (a file or a filter, passed on to vitest) only vitest
// runs: that is the quick loop while working on one file.
//
// The last line is always vitest's own totals, "N passed, N failed, N skipped", read from its
// JSON report (not counted by hand); a summary of the steps comes just before it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const report = '.vitest-report.json';

/** `pnpm run <script>` with the pnpm that started us when there is one (CI, `pnpm test`). */
function pnpmRun(script) {
  const execpath = process.env.npm_execpath;
  const viaNode = execpath && /pnpm/.test(execpath) && /\.c?js$/.test(execpath);
  const command = viaNode ? process.execPath : 'pnpm';
  const commandArgs = [...(viaNode ? [execpath] : []), 'run', script];
  const started = Date.now();
  console.log(`\n[run-tests] ${script}: pnpm run ${script}`);
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error) {
    return { name: script, ok: false, summary: `could not start pnpm (${result.error.message})` };
  }
  const ok = result.status === 0;
  return {
    name: script,
    ok,
    summary: ok
      ? `passed in ${seconds} s`
      : `FAILED (exit ${result.status ?? result.signal}) after ${seconds} s: its output is above`,
  };
}

const checks = args.length === 0 ? [pnpmRun('lint'), pnpmRun('typecheck')] : [];

rmSync(report, { force: true });
const vitestPkg = createRequire(import.meta.url).resolve('vitest/package.json');
const vitest = join(dirname(vitestPkg), 'vitest.mjs');
console.log('\n[run-tests] tests: vitest run (type tests included)');
const result = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
  { stdio: 'inherit', env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } },
);

console.log('');
if (checks.length === 0) {
  console.log('[run-tests] lint and typecheck skipped: arguments were given (vitest only)');
}
for (const check of checks) console.log(`[run-tests] ${check.name}: ${check.summary}`);
const checksFailed = checks.some((c) => !c.ok);

if (!existsSync(report)) {
  console.log('[run-tests] tests: vitest wrote no report: the run did not complete');
  process.exit(result.status || 1);
}
const json = JSON.parse(readFileSync(report, 'utf8'));
const passed = json.numPassedTests ?? 0;
// Files that failed to load count as failures too: their tests never ran.
const failedSuites = (json.testResults ?? []).filter(
  (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
).length;
const failed = (json.numFailedTests ?? 0) + failedSuites;
const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
const testsFailed = result.status !== 0 || failed > 0;
console.log(
  `[run-tests] tests: ${testsFailed ? `FAILED (vitest exit ${result.status ?? result.signal})` : 'passed'}`,
);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(checksFailed || testsFailed ? 1 : 0);
