// The playground end to end in a real browser: a production build (`next build`, `next start`)
// on its own fresh embedded PostgreSQL, driven with playwright-core through Debian's Chromium.
// Screenshots of every screen land in apps/playground/test-results/.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(appDir, 'test-results');
const CHROMIUM = process.env.PLAYGROUND_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[playground e2e] skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`,
  );
}

const require = createRequire(import.meta.url);
const DIST_DIR = '.next-e2e';
const TIMEOUT = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs a command to completion; rejects with its last output lines on failure. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${args.join(' ')} exited with ${code}:\n${log.join('').slice(-3000)}`)),
    );
  });
}

describe.skipIf(!hasChromium)('playground in Chromium', () => {
  const dataDir = join(tmpdir(), `dramac-playground-e2e-${process.pid}-${Date.now()}`);
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  const timings: Record<string, number> = {};

  const shot = (name: string) =>
    page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
  const waitText = (scope: Locator | Page, text: string | RegExp) =>
    scope.getByText(text).first().waitFor({ timeout: TIMEOUT });
  const section = (testId: string) => page.getByTestId(testId);
  const text = async (locator: Locator) => (await locator.textContent()) ?? '';
  const go = async (path: string) => {
    await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  };

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PLAYGROUND_DIST_DIR: DIST_DIR,
      PLAYGROUND_DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
    };
    // Its own embedded cluster, whatever the surrounding run uses.
    delete env.DATABASE_URL;

    let t = Date.now();
    const nextBin = join(dirname(require.resolve('next/package.json')), 'dist', 'bin', 'next');
    await run(process.execPath, [nextBin, 'build'], env);
    timings.build = Date.now() - t;

    t = Date.now();
    const port = await freePort();
    const tsx = join(dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
    server = spawn(
      process.execPath,
      [tsx, '--conditions=@dramac/source', 'scripts/start.ts', 'start', '--port', String(port)],
      { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the playground did not start:\n${log.join('')}`)),
        90_000,
      );
      const onData = (d: Buffer) => {
        log.push(String(d));
        const m = /\[playground\] open (http:\/\/\S+)/.exec(log.join(''));
        if (m) {
          clearTimeout(timer);
          base = m[1] as string;
          resolve();
        }
      };
      server?.stdout?.on('data', onData);
      server?.stderr?.on('data', onData);
      server?.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the playground exited with ${code}:\n${log.join('')}`));
      });
    });
    timings.start = Date.now() - t;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(appDir, DIST_DIR), { recursive: true, force: true });
    console.log(`[playground e2e] build ${timings.build} ms, start ${timings.start} ms`);
  }, 60_000);

  it('shows the seeded demo platform and the database it uses', async () => {
    await go('/');
    await waitText(page, 'Northwind Agency');
    expect(await text(page.getByTestId('db-info'))).toContain('embedded PostgreSQL 17');
    expect(await text(page.getByTestId('db-info'))).toContain(dataDir);
    await shot('01-overview');
  });

  it('installs the CRM: the plan first, then applies it; then per site', async () => {
    await go('/modules');
    const crm = section('module-crm');
    await crm.getByRole('button', { name: 'Show install plan' }).click();
    await crm.getByTestId('plan-sql').waitFor({ timeout: TIMEOUT });
    const planSql = await text(crm.getByTestId('plan-sql'));
    expect(planSql).toMatch(/create table "mod_c0ffee42"\."contacts"/i);
    expect(planSql).toMatch(/force row level security/i);
    await shot('02-modules-install-plan');
    await crm.getByRole('button', { name: 'Apply install plan' }).click();
    await waitText(crm, 'installed 1.0.0');
    for (const site of ['Bakery', 'Bookshop']) {
      await crm.getByRole('button', { name: `Install on ${site}` }).click();
      await crm
        .getByRole('button', { name: `Uninstall from ${site} (download JSON)` })
        .waitFor({ timeout: TIMEOUT });
    }
    await shot('03-modules-installed');
  });

  it('refuses a bad definition with the path of each problem, and provisions nothing', async () => {
    await go('/modules');
    const box = section('definition-try');
    await box.locator('textarea').fill('{ not json');
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box, /not valid JSON/);
    const hostile = {
      moduleId: '7e57ab1e-0000-4000-8000-000000000002',
      moduleType: 'app',
      version: '1.0.0',
      tables: [
        {
          name: 'x; drop table public.sites; --',
          columns: [{ name: 'note', type: 'text', default: '(select pg_sleep(10))::text' }],
        },
      ],
    };
    await box.locator('textarea').fill(JSON.stringify(hostile, null, 2));
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box, 'DEFINITION_INVALID');
    const problems = await text(box.getByTestId('error'));
    expect(problems).toContain('tables[0].name');
    expect(problems).toContain('tables[0].columns[0].default');
    await shot('04-modules-bad-definition');
    await go('/registry');
    expect(await text(section('registry-rows'))).not.toContain('7e57ab1e');
  });

  it('creates a contact on site A through the SDK; bad input changes nothing', async () => {
    await go('/data');
    await page.selectOption('select[name=user]', { label: 'Alice (Northwind)' });
    await page.selectOption('select[name=site]', { label: 'A: Bakery (Northwind Agency)' });
    await page.selectOption('select[name=module]', { label: 'CRM 1.0.0' });
    await page.selectOption('select[name=table]', 'contacts');
    await waitText(section('row-total'), '(0 total)');
    const form = section('row-form');

    // Empty required field: refused before anything is sent.
    await form.locator('input[name=last_name]').fill('Lovelace');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form, 'first_name is required');

    // A hostile string next to an invalid value: the SDK refuses, nothing is written.
    await form.locator('input[name=first_name]').fill("Robert'); DROP TABLE contacts; --");
    await form.locator('input[name=lead_score]').fill('lots');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'data.lead_score');
    expect(await text(form.getByTestId('error'))).toContain('INVALID_QUERY');

    // Out of the check constraint's range: PostgreSQL refuses.
    await form.locator('input[name=first_name]').fill('Ada');
    await form.locator('input[name=lead_score]').fill('150');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'CONSTRAINT_VIOLATION');
    await shot('05-data-bad-input');
    // None of it was written.
    await section('row-list').getByRole('button', { name: 'Apply' }).click();
    await waitText(section('row-total'), '(0 total)');

    await form.locator('input[name=lead_score]').fill('42');
    await form.locator('input[name=email]').fill('ada@example.test');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form, /^Created /);
    await waitText(section('row-total'), '(1 total)');
    await waitText(section('row-list'), 'Lovelace');

    // Edit through the form.
    await section('row-list').getByRole('button', { name: 'Edit' }).first().click();
    await form.locator('input[name=lead_score]').fill('55');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await waitText(form, /^Saved /);
    await waitText(section('row-list'), '55');

    // Filter and sort.
    await page.selectOption('select[name=filter-column]', 'last_name');
    await page.selectOption('select[name=filter-op]', 'contains');
    await page.fill('input[name=filter-value]', 'love');
    await section('row-list').getByRole('button', { name: 'Apply' }).click();
    await waitText(section('row-list'), 'Lovelace');
    await shot('06-data-site-a');
  });

  it('does not show the contact on site B, and denies a user of another agency', async () => {
    await page.selectOption('select[name=site]', { label: 'B: Bookshop (Northwind Agency)' });
    await waitText(section('row-total'), '(0 total)');
    await waitText(page, 'No rows visible to this user on this site.');
    await shot('07-data-site-b');

    await page.selectOption('select[name=site]', { label: 'A: Bakery (Northwind Agency)' });
    await page.selectOption('select[name=user]', { label: 'Carol (Globex)' });
    await waitText(page, 'not a member of Northwind Agency');
    await waitText(section('row-total'), '(0 total)'); // hidden by the site policy
    const form = section('row-form');
    await form.locator('input[name=first_name]').fill('Mallory');
    await form.locator('input[name=last_name]').fill('Intruder');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'ACCESS_DENIED');
    await shot('08-data-denied');
  });

  it('runs the isolation matrix without a leak', async () => {
    await go('/isolation');
    await page.getByRole('button', { name: 'Run the isolation matrix' }).click();
    await page.getByTestId('matrix-summary').waitFor({ timeout: 90_000 });
    const summary = await text(page.getByTestId('matrix-summary'));
    await shot('09-isolation');
    const odd = await page
      .locator('td[data-outcome=unexpected], td[data-outcome=leak]')
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('title')));
    expect(odd, 'cells with a leak or an unexpected outcome').toEqual([]);
    expect(summary).toContain('0 leaks');
    expect(summary).toContain('0 unexpected');
    expect(await page.locator('td[data-outcome=allowed]').count()).toBeGreaterThan(0);
    expect(await page.locator('td[data-outcome=denied]').count()).toBeGreaterThan(0);
  });

  it('upgrades the CRM to 1.1.0 from its plan, and the lint finds nothing', async () => {
    await go('/modules');
    const crm = section('module-crm');
    await crm.getByRole('button', { name: 'Show upgrade plan to 1.1.0' }).click();
    await crm.getByTestId('plan-sql').waitFor({ timeout: TIMEOUT });
    expect(await text(crm.getByTestId('plan-sql'))).toContain('linkedin_url');
    await shot('10-modules-upgrade-plan');
    await crm.getByRole('button', { name: 'Apply upgrade plan' }).click();
    await waitText(crm, 'installed 1.1.0');

    await go('/lint');
    await waitText(page, 'CRM');
    expect(await text(page.getByTestId('lint-module').first())).toContain('lint: no findings');
    expect(await text(page.getByTestId('lint-module').first())).toContain('no drift');
    await shot('11-lint');

    await go('/registry');
    await waitText(section('registry-rows'), 'mod_c0ffee42');
    await waitText(section('registry-events'), 'upgraded');
    await shot('12-registry');
  });

  it('uninstalls from site A with a JSON download, then everywhere; the schema is gone', async () => {
    await go('/modules');
    const crm = section('module-crm');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: TIMEOUT }),
      crm.getByRole('button', { name: 'Uninstall from Bakery (download JSON)' }).click(),
    ]);
    const file = join(outDir, download.suggestedFilename());
    await download.saveAs(file);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.stringify(exported.tables.contacts)).toContain('Lovelace');
    await waitText(crm, /exported and purged/);
    await shot('13-modules-site-uninstalled');

    await crm.getByRole('button', { name: 'Uninstall everywhere' }).click();
    await crm.getByRole('button', { name: 'Drop CRM everywhere' }).click();
    await waitText(crm, 'uninstalled everywhere');
    await waitText(crm, 'not installed');

    await go('/registry');
    await waitText(section('registry-events'), 'deprovisioned');
    expect(await text(section('registry-rows'))).not.toContain('mod_c0ffee42');
    await shot('14-registry-after-uninstall');
  });
});
