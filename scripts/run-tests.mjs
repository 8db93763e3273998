#!/usr/bin/env node
// Runs the whole test suite with vitest and closes with the runner's own totals on one line:
// "N passed, N failed, N skipped" (read from vitest's JSON report, not counted by hand).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const report = '.vitest-report.json';
rmSync(report, { force: true });
const vitestPkg = createRequire(import.meta.url).resolve('vitest/package.json');
const vitest = join(dirname(vitestPkg), 'vitest.mjs');
const result = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } },
);

if (!existsSync(report)) {
  console.error('vitest wrote no report: the run did not complete');
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
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(result.status ?? (failed > 0 ? 1 : 0));
