// The playground end to end in a real browser: a production build (`next build`, `next start`)
// on its own fresh embedded PostgreSQL, driven with playwright-core through Debian's Chromium.
// Every screen and capability is walked and asserted on what is visible; a screenshot of each
// lands in apps/playground/test-results/, and each screenshot's page is checked for text that
// overflows its box.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
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
const TIMEOUT = Number(process.env.PLAYGROUND_E2E_TIMEOUT ?? 60_000);
// While working on the tests: keep the build between runs (rebuild by deleting .next-e2e).
const KEEP_BUILD = process.env.PLAYGROUND_E2E_KEEP_BUILD === '1';

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

/** Whether something accepts TCP connections at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Elements whose text does not fit: anything laid out as a box (not inline) whose content is
 * wider than the box, including scroll containers (nothing on these screens should need a
 * sideways scroll), and the page itself wider than the window.
 */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) {
      out.push(`the page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
    }
    const all = document.querySelectorAll<HTMLElement>('main *, header *');
    for (const el of all) {
      if (el.closest('svg') || ['TEXTAREA', 'INPUT', 'SELECT', 'OPTION'].includes(el.tagName))
        continue;
      const style = getComputedStyle(el);
      if (style.display === 'inline' || style.display === 'none' || el.clientWidth === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60);
        out.push(
          `<${el.tagName.toLowerCase()} class="${el.className}"> ${el.scrollWidth} > ${el.clientWidth}: ${text}`,
        );
      }
    }
    return out;
  });
}

describe.skipIf(!hasChromium)('playground in Chromium', () => {
  const dataDir = join(tmpdir(), `dramac-playground-e2e-${process.pid}-${Date.now()}`);
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let port = 0;
  const timings: Record<string, number> = {};
  const shots: string[] = [];

  const expectNoOverflow = async (name: string) => {
    const bad = await overflowing(page);
    if (bad.length > 0) throw new Error(`text overflowing its box on ${name}:\n${bad.join('\n')}`);
  };
  /** A full-page screenshot, after checking that no text overflows its box. */
  const shot = async (name: string) => {
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
    shots.push(name);
    await expectNoOverflow(name);
  };
  const waitText = (scope: Locator | Page, text: string | RegExp) =>
    scope.getByText(text).first().waitFor({ timeout: TIMEOUT });
  const section = (testId: string) => page.getByTestId(testId);
  const text = async (locator: Locator) => (await locator.textContent()) ?? '';
  const go = async (path: string) => {
    await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  };
  /** Applies the install plan of a module on the Modules screen. */
  const install = async (key: string, version: string) => {
    const card = section(`module-${key}`);
    await card.getByRole('button', { name: 'Show install plan' }).click();
    await card.getByTestId('plan-summary').waitFor({ timeout: TIMEOUT });
    await card.getByRole('button', { name: 'Apply install plan' }).click();
    await waitText(card, `installed ${version}`);
  };
  /** Installs a module on a site from its Installations cell. */
  const installOn = async (key: string, site: string) => {
    const cell = section(`cell-${key}-${site}`);
    await cell.getByRole('button', { name: 'Install' }).click();
    await page
      .locator(`[data-testid="cell-${key}-${site}"][data-state="installed"]`)
      .waitFor({ timeout: TIMEOUT });
  };

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    // Old screenshots would hide a screen that is no longer captured.
    for (const name of readdirSync(outDir)) {
      if (name.endsWith('.png') || name.endsWith('.json')) rmSync(join(outDir, name));
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PLAYGROUND_DIST_DIR: DIST_DIR,
      PLAYGROUND_DATA_DIR: dataDir,
      PLAYGROUND_SKIP_TYPECHECK: '1',
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
    };
    // Its own embedded cluster and the default host, whatever the surrounding run uses.
    delete env.DATABASE_URL;
    delete env.PLAYGROUND_HOST;

    let t = Date.now();
    const nextBin = join(dirname(require.resolve('next/package.json')), 'dist', 'bin', 'next');
    if (!(KEEP_BUILD && existsSync(join(appDir, DIST_DIR, 'BUILD_ID')))) {
      await run(process.execPath, [nextBin, 'build'], env);
    }
    timings.build = Date.now() - t;

    t = Date.now();
    port = await freePort();
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
    timings.tests = Date.now();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (!KEEP_BUILD) rmSync(join(appDir, DIST_DIR), { recursive: true, force: true });
    console.log(
      `[playground e2e] build ${timings.build} ms, start ${timings.start} ms, browser steps ${Date.now() - (timings.tests ?? Date.now())} ms; screenshots: ${shots.join(', ')}`,
    );
  }, 60_000);

  it('listens on 127.0.0.1 only, serves a favicon, and marks the current screen', async () => {
    expect(base).toBe(`http://127.0.0.1:${port}`);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external)
      expect(await accepts(external.address, port), `reachable on ${external.address}`).toBe(false);
    else
      console.warn(
        '[playground e2e] no non-loopback interface: the bind address is checked on 127.0.0.1 only',
      );

    const icon = await page.request.get(`${base}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toMatch(/icon/);

    await go('/');
    await page.getByTestId('membership-diagram').first().waitFor({ timeout: TIMEOUT });
    expect(await text(page.getByTestId('db-info'))).toContain('embedded PostgreSQL 17');
    expect(await text(page.getByTestId('db-info'))).toContain(dataDir);
    const current = page.locator('nav a[aria-current="page"]');
    expect(await current.count()).toBe(1);
    expect(await text(current)).toBe('Overview');
    // The membership diagram: 4 users, 2 agencies, 3 sites.
    const diagram = page.getByTestId('membership-diagram').first();
    expect(await diagram.getByTestId('membership-user').count()).toBe(4);
    expect(await diagram.getByTestId('membership-agency').count()).toBe(2);
    expect(await diagram.getByTestId('membership-site').count()).toBe(3);
    await waitText(section('usage'), 'No module is provisioned yet');
    await shot('01-overview');
  });

  it('installs the CRM from its plan: summary with locks, diagram, wrapped SQL', async () => {
    await go('/modules');
    expect(await text(page.locator('nav a[aria-current="page"]'))).toBe('Modules');
    const crm = section('module-crm');
    // Before installing: a preview of the diagram of the available version.
    await waitText(crm, 'Preview: the diagram of 1.0.0');
    await crm.getByRole('button', { name: 'Show install plan' }).click();
    const plan = crm.getByTestId('plan');
    await plan.getByTestId('plan-summary').waitFor({ timeout: TIMEOUT });
    const groups = await plan.getByTestId('plan-group').allTextContents();
    expect(groups.find((g) => g.startsWith('Creates tables'))).toMatch(/^Creates tables4additive/);
    expect(groups.find((g) => g.startsWith('Creates indexes'))).toContain('new table');
    expect(groups.some((g) => g.startsWith('Creates policies'))).toBe(true);
    expect(groups.some((g) => g.startsWith('Grants privileges'))).toBe(true);
    expect(groups.some((g) => g.startsWith('Enables and forces row security'))).toBe(true);
    // The diagram of what the plan creates: 4 tables, the site key and the policies marked.
    const diagram = plan.getByTestId('module-diagram');
    expect(await diagram.getAttribute('data-tables')).toBe('4');
    expect(
      await diagram.locator('[data-table="deals"] [data-policy="closed_deals_are_final"]').count(),
    ).toBe(1);
    expect(await diagram.locator('[data-table="contacts"] [data-column="site_id"]').count()).toBe(
      1,
    );
    // The SQL: every statement, wrapped.
    const sql = plan.getByTestId('plan-sql');
    expect(await sql.locator('code.sql').count()).toBeGreaterThan(40);
    expect(await text(sql)).toMatch(/create table "mod_c0ffee42"\."contacts"/i);
    expect(await text(sql)).toMatch(/force row level security/i);
    await shot('02-modules-install-plan');
    await crm.getByRole('button', { name: 'Apply install plan' }).click();
    await waitText(crm, 'installed 1.0.0');
    await waitText(crm, 'Diagram of the installed version 1.0.0');
    expect(await text(crm.getByTestId('namespace'))).toBe('schema mod_c0ffee42');
  });

  it('installs Booking, Shop and the widgets; the widgets live in public.module_data', async () => {
    await go('/modules');
    await install('booking', '2.1.0');
    await install('shop', '0.3.12');
    await install('widget', '1.0.0');
    await install('faq', '1.0.0');
    const widget = section('module-widget');
    expect(await text(widget.getByTestId('namespace'))).toContain('public.module_data');
    expect(await text(widget.getByTestId('namespace'))).not.toContain('mod_a1d9e7f3_');
    expect(await widget.locator('[data-table="module_data"]').count()).toBe(1);
    expect(await text(section('module-booking').getByTestId('namespace'))).toBe(
      'public.mod_b00c1e55_*',
    );
    await shot('03-modules-installed');
  });

  it('refuses a bad or oversized definition inline, keeps the input, and plans a good one', async () => {
    await go('/modules');
    const box = section('definition-try');
    const area = box.locator('textarea');
    await area.fill('{ not json');
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box, /not valid JSON/);

    // Over the stated limit: refused before anything is sent, and the text stays.
    const huge = JSON.stringify({ padding: 'x'.repeat(1_200_000) });
    await area.fill(huge);
    await waitText(box.getByTestId('definition-limit'), /1\.2 MB of at most 200 kB/);
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box.getByTestId('error'), 'INPUT_TOO_LARGE');
    expect((await area.inputValue()).length).toBe(huge.length);
    await box.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outDir, '04a-modules-input-too-large.png') });
    shots.push('04a-modules-input-too-large');
    await expectNoOverflow('04a');

    // A request that fails on the way (the server gone, a body limit): an inline error, input kept.
    await area.fill('{"moduleId": 1}');
    await page.route('**/modules', (route) =>
      route.request().method() === 'POST' ? route.abort('connectionreset') : route.continue(),
    );
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box.getByTestId('error'), 'REQUEST_FAILED');
    await page.unroute('**/modules');
    expect(await area.inputValue()).toBe('{"moduleId": 1}');

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
    await area.fill(JSON.stringify(hostile, null, 2));
    await box.getByRole('button', { name: 'Validate and plan' }).click();
    await waitText(box, 'DEFINITION_INVALID');
    const problems = await text(box.getByTestId('error'));
    expect(problems).toContain('tables[0].name');
    expect(problems).toContain('tables[0].columns[0].default');
    await shot('04-modules-bad-definition');

    // The sample definition: a plan with its diagram, nothing applied.
    await page.reload({ waitUntil: 'networkidle' });
    await section('definition-try').getByRole('button', { name: 'Validate and plan' }).click();
    const plan = section('definition-try').getByTestId('plan');
    await plan.getByTestId('plan-summary').waitFor({ timeout: TIMEOUT });
    expect(await plan.getByTestId('module-diagram').getAttribute('data-tables')).toBe('2');
    await shot('05-modules-definition-plan');
    await go('/registry');
    expect(await text(section('registry-rows'))).not.toContain('7e57ab1e');
  });

  it('installs modules per site from the grid, beside who can reach which site', async () => {
    await go('/installations');
    expect(await text(page.locator('nav a[aria-current="page"]'))).toBe('Installations');
    await installOn('crm', 'A');
    await installOn('crm', 'B');
    await installOn('booking', 'A');
    await installOn('shop', 'C');
    await installOn('shop', 'A');
    await installOn('widget', 'A');
    await installOn('faq', 'A');
    expect(await page.locator('td[data-state="installed"]').count()).toBe(7);
    expect(await page.locator('td[data-state="available"]').count()).toBe(8);
    const bakery = page.getByTestId('membership-site').filter({ hasText: 'A: Bakery' });
    expect(await text(bakery)).toContain('CRM, Booking,');
    expect(await text(bakery)).toContain('Testimonials widget');
    await shot('06-installations');
  });

  it('opens the Data screen on a member of the site and writes through the SDK', async () => {
    await go('/data');
    // Opens on a user who may reach the selected site.
    await waitText(section('context'), 'member of Northwind Agency');
    expect(await text(section('context'))).not.toContain('not a member');
    await page.selectOption('select[name=module]', { label: 'CRM 1.0.0' });
    await page.selectOption('select[name=table]', 'contacts');
    await waitText(section('row-total'), '(0 total)');
    const form = section('row-form');

    await form.locator('input[name=last_name]').fill('Lovelace');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form, 'first_name is required');

    await form.locator('input[name=first_name]').fill("Robert'); DROP TABLE contacts; --");
    await form.locator('input[name=lead_score]').fill('lots');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'data.lead_score');
    expect(await text(form.getByTestId('error'))).toContain('INVALID_QUERY');

    await form.locator('input[name=first_name]').fill('Ada');
    await form.locator('input[name=lead_score]').fill('150');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'CONSTRAINT_VIOLATION');

    // Over the row's stated limit: refused inline, nothing sent, the field keeps its text.
    const big = 'n'.repeat(300_000);
    await form.locator('input[name=phone]').fill(big);
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'INPUT_TOO_LARGE');
    expect((await form.locator('input[name=phone]').inputValue()).length).toBe(big.length);
    await form.locator('input[name=phone]').fill('');
    await shot('07-data-bad-input');

    await form.locator('input[name=lead_score]').fill('42');
    await form.locator('input[name=email]').fill('ada@example.test');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form, /^Created /);
    // Six more, for filters and pages.
    const people: [string, string, string][] = [
      ['Grace', 'Hopper', '90'],
      ['Alan', 'Turing', '75'],
      ['Edsger', 'Dijkstra', '60'],
      ['Barbara', 'Liskov', '85'],
      ['Donald', 'Knuth', '20'],
      ['Frances', 'Allen', '50'],
    ];
    for (const [i, [first, last, score]] of people.entries()) {
      await form.locator('input[name=first_name]').fill(first);
      await form.locator('input[name=last_name]').fill(last);
      await form.locator('input[name=lead_score]').fill(score);
      await form.getByRole('button', { name: 'Create' }).click();
      await waitText(section('row-total'), `(${i + 2} total)`);
    }
    await waitText(section('row-total'), '(7 total)');

    await section('row-list').getByRole('button', { name: 'Edit' }).first().click();
    await form.locator('input[name=lead_score]').fill('55');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await waitText(form, /^Saved /);
  });

  it('filters with and/or/not, pages by offset and by keyset, and deletes after a confirmation', async () => {
    const list = section('row-list');
    const conditions = list.getByTestId('filter-condition');
    // (lead_score >= 70 and not last_name contains "ing") or (last_name = Knuth)
    await list.getByRole('button', { name: '+ and condition' }).click();
    await conditions.nth(0).locator('select[name=filter-column]').selectOption('lead_score');
    await conditions.nth(0).locator('select[name=filter-op]').selectOption('gte');
    await conditions.nth(0).locator('input[name=filter-value]').fill('70');
    await list.getByRole('button', { name: '+ and condition' }).click();
    await conditions.nth(1).locator('input[name=filter-not]').check();
    await conditions.nth(1).locator('select[name=filter-column]').selectOption('last_name');
    await conditions.nth(1).locator('select[name=filter-op]').selectOption('contains');
    await conditions.nth(1).locator('input[name=filter-value]').fill('ing');
    await list.getByRole('button', { name: '+ or group' }).click();
    await conditions.nth(2).locator('select[name=filter-column]').selectOption('last_name');
    await conditions.nth(2).locator('input[name=filter-value]').fill('Knuth');
    await waitText(
      list.getByTestId('filter-expression'),
      '(lead_score ≥ "70" and not (last_name contains "ing")) or (last_name = "Knuth")',
    );
    await list.getByRole('button', { name: 'Apply' }).click();
    await waitText(section('row-total'), '(3 total)');
    await expect.poll(() => list.locator('tbody tr').count(), { timeout: TIMEOUT }).toBe(3);
    const names = await list.locator('tbody tr').allTextContents();
    expect(names.join(' ')).toContain('Hopper');
    expect(names.join(' ')).toContain('Liskov');
    expect(names.join(' ')).toContain('Knuth');
    expect(names.join(' ')).not.toContain('Turing');
    // A literal "%" matches itself: no row has one.
    await conditions.nth(2).locator('input[name=filter-value]').fill('%');
    await conditions.nth(2).locator('select[name=filter-op]').selectOption('contains');
    await list.getByRole('button', { name: 'Apply' }).click();
    await waitText(section('row-total'), '(2 total)');
    await shot('08-data-compound-filter');

    // Keyset pages over every row, by last name.
    while ((await list.getByTestId('filter-condition').count()) > 0) {
      await list.getByRole('button', { name: 'Remove condition' }).first().click();
    }
    await list.locator('input[name=paging][value=keyset]').check();
    await page.selectOption('select[name=sort-column]', 'last_name');
    await list.getByRole('button', { name: 'Apply' }).click();
    await waitText(section('row-total'), '(7 total)');
    await waitText(list.getByTestId('page-info'), 'page 1 (keyset: first page)');
    const lastNames = () => list.locator('tbody tr td:nth-child(3)').allTextContents();
    await expect
      .poll(lastNames, { timeout: TIMEOUT })
      .toEqual(['Allen', 'Dijkstra', 'Hopper', 'Knuth', 'Liskov']);
    await list.getByRole('button', { name: 'Next' }).click();
    await waitText(list.getByTestId('page-info'), /page 2 \(keyset: after cursor/);
    await expect.poll(lastNames, { timeout: TIMEOUT }).toEqual(['Lovelace', 'Turing']);
    expect(await list.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await shot('09-data-keyset-page');

    // Delete asks first; Cancel keeps the row.
    await list.getByRole('button', { name: 'Delete' }).first().click();
    await list.getByTestId('confirm').getByRole('button', { name: 'Cancel' }).click();
    await waitText(section('row-total'), '(7 total)');
    await list.getByRole('button', { name: 'Delete' }).last().click();
    await list.getByRole('button', { name: 'Delete this row' }).click();
    await waitText(section('row-form'), /^Deleted /);
    await waitText(section('row-total'), '(6 total)');
  });

  it('shows a batch and a transaction rolling back, and a non-atomic batch keeping its rows', async () => {
    const demo = section('batch-demo');
    await demo.getByRole('button', { name: 'Run an atomic batch' }).click();
    await waitText(
      demo.getByTestId('demo-conclusion'),
      /rolled back the 2 before it\. 6 rows before, 6 after/,
    );
    expect(await demo.locator('li[data-status="rolled back"]').count()).toBe(2);
    expect(await demo.locator('li[data-status="failed"]').count()).toBe(1);
    expect(await text(demo.locator('li[data-status="failed"]'))).toContain('CONSTRAINT_VIOLATION');
    await shot('10-data-atomic-batch');
    await demo.getByRole('button', { name: 'Run with atomic: false' }).click();
    await waitText(
      demo.getByTestId('demo-conclusion'),
      /No transaction: the 2 operations before the failure stay\. 6 rows before, 8 after/,
    );
    await demo.getByRole('button', { name: 'Run a transaction that throws' }).click();
    await waitText(
      demo.getByTestId('demo-conclusion'),
      '8 rows before, 10 inside the transaction, 8 after it',
    );
  });

  it('counts every site with the server-only admin client', async () => {
    // A contact on site B too, so "every site" has two to show.
    await page.selectOption('select[name=site]', { label: 'B: Bookshop (Northwind Agency)' });
    await waitText(section('row-total'), '(0 total)');
    const form = section('row-form');
    await form.locator('input[name=first_name]').fill('Mary');
    await form.locator('input[name=last_name]').fill('Somerville');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(section('row-total'), '(1 total)');

    const admin = section('admin-client');
    await waitText(admin, 'server-only');
    await admin.getByRole('button', { name: 'Count contacts on every site' }).click();
    await waitText(admin.getByTestId('admin-total'), /rows on all sites/);
    expect(await text(admin.getByTestId('admin-total'))).toBe('9 rows on all sites');
    expect(await text(admin.getByTestId('admin-result'))).toContain('modadmin_c0ffee42');
    expect(await text(admin.locator('tbody tr', { hasText: 'A: Bakery' }).first())).toContain('8');
    expect(await text(admin.locator('tbody tr', { hasText: 'B: Bookshop' }).first())).toContain(
      '1',
    );
    const sitesSeen = await admin
      .locator('table')
      .nth(1)
      .locator('tbody tr td:nth-child(2)')
      .allTextContents();
    expect(new Set(sitesSeen)).toEqual(new Set(['A: Bakery', 'B: Bookshop']));
    await shot('11-data-admin-client');
  });

  it('hides site A from site B and denies a user of another agency', async () => {
    // Site B (chosen above) shows its own contact only, never site A's.
    await waitText(section('row-list'), 'Somerville');
    expect(await text(section('row-list'))).not.toContain('Lovelace');
    await page.selectOption('select[name=site]', { label: 'A: Bakery (Northwind Agency)' });
    await waitText(section('row-total'), '(8 total)');
    expect(await text(section('row-list'))).not.toContain('Somerville');
    await page.selectOption('select[name=user]', { label: 'Carol (Globex)' });
    await waitText(page, 'not a member of Northwind Agency');
    await waitText(section('row-total'), '(0 total)');
    await waitText(page, 'No rows visible to this user on this site.');
    const form = section('row-form');
    await form.locator('input[name=first_name]').fill('Mallory');
    await form.locator('input[name=last_name]').fill('Intruder');
    await form.getByRole('button', { name: 'Create' }).click();
    await waitText(form.getByTestId('error'), 'ACCESS_DENIED');
    await shot('12-data-denied');
  });

  it('renders the storefront as a visitor beside the member view, and refuses a site that is not public', async () => {
    await go('/storefront');
    expect(await text(page.locator('nav a[aria-current="page"]'))).toBe('Storefront');
    expect(await text(section('storefront-site-A'))).toContain('public');
    expect(await text(section('storefront-site-C'))).toContain('not public');
    await section('storefront-site-A').getByRole('link').click();
    await page.waitForURL(/\/storefront\/05000000/);
    const fill = section('fill-storefront');
    await fill.getByRole('button', { name: 'Fill with demo content (as a member)' }).click();
    await waitText(fill.getByTestId('success'), '4 products and 2 testimonials');
    const visitor = section('visitor-view');
    const member = section('member-view');
    await expect
      .poll(() => visitor.getByTestId('visitor-product').count(), { timeout: TIMEOUT })
      .toBe(3);
    // Published products with their price; the draft and the cost never reach the visitor.
    expect(await text(visitor)).toContain('Sourdough loaf');
    expect(await text(visitor)).toContain('6.50 EUR');
    expect(await text(visitor)).not.toContain('Pumpkin');
    expect(await text(visitor)).not.toContain('2.10');
    expect(await text(visitor.getByTestId('visitor-columns'))).not.toContain('cost');
    expect(await text(member.getByTestId('members-only-columns'))).toContain('cost');
    const draft = member.getByTestId('member-products').locator('tr', { hasText: 'Pumpkin' });
    expect(await text(draft)).toContain('hidden (policy)');
    expect(await text(draft)).toContain('2.80');
    // Testimonials: author, quote and rating for visitors, the email for members only.
    expect(await visitor.getByTestId('visitor-testimonial').count()).toBe(2);
    expect(await text(visitor)).toContain('The best sourdough in town.');
    expect(await text(visitor)).not.toContain('marta@example.test');
    expect(await text(member.getByTestId('member-items'))).toContain('marta@example.test');
    // A booking request, sent as the visitor, shows up in the member view only.
    const booking = section('booking-form');
    await booking.locator('input[name=customer_name]').fill('Grace Visitor');
    await booking.locator('input[name=customer_email]').fill('grace@example.test');
    await booking.locator('input[name=preferred_date]').fill('2031-05-06');
    await booking.locator('input[name=message]').fill('Birthday cake pickup');
    await booking.getByRole('button', { name: 'Request a booking' }).click();
    await waitText(booking.getByTestId('success'), 'Request sent to Bakery');
    await waitText(member.getByTestId('member-requests'), 'Grace Visitor');
    expect(await text(visitor)).not.toContain('Grace Visitor');
    expect(await text(section('verdicts'))).not.toContain('visitors see nothing');
    await shot('12a-storefront-public');

    // Garage is not public: visitors see nothing, the reason is given, the form is refused.
    await go('/storefront');
    await section('storefront-site-C').getByRole('link').click();
    await waitText(section('site-public'), 'not public');
    // Carol (Globex) fills Garage's shop: members see the products, visitors none of them.
    await section('fill-storefront')
      .getByRole('button', { name: 'Fill with demo content (as a member)' })
      .click();
    await waitText(
      section('fill-storefront').getByTestId('success'),
      '4 products and 0 testimonials',
    );
    await expect
      .poll(() => section('member-products').locator('tbody tr').count(), { timeout: TIMEOUT })
      .toBe(4);
    await waitText(section('storefront-closed'), 'Visitors of Garage see nothing');
    expect(await text(section('verdict-shop'))).toContain('Garage is not public');
    await waitText(section('visitor-view').getByTestId('no-products'), 'Garage is not public');
    expect(await section('visitor-view').getByTestId('visitor-product').count()).toBe(0);
    const refused = section('booking-form');
    await refused.locator('input[name=customer_name]').fill('Mallory');
    await refused.locator('input[name=customer_email]').fill('m@example.test');
    await refused.locator('input[name=preferred_date]').fill('2031-05-06');
    await refused.getByRole('button', { name: 'Request a booking' }).click();
    await waitText(refused.getByTestId('error'), 'ACCESS_DENIED');
    expect(await text(refused.getByTestId('error'))).toContain('42501');
    await shot('12b-storefront-not-public');
  });

  it('runs every isolation axis live without a leak, and explains a cell on click', async () => {
    await go('/isolation');
    await page.getByRole('button', { name: 'Run the isolation matrix' }).click();
    const site = section('matrix-site-axis');
    const modules = section('matrix-module-axis');
    const visitors = section('matrix-visitor-axis');
    const widgets = section('matrix-widget-axis');
    await widgets.getByTestId('matrix-summary').waitFor({ timeout: 180_000 });
    for (const s of [site, modules, visitors, widgets]) {
      const odd = await s
        .locator('td[data-outcome=unexpected], td[data-outcome=leak]')
        .evaluateAll((cells) => cells.map((c) => c.textContent));
      expect(odd, 'cells with a leak or an unexpected outcome').toEqual([]);
      expect(await text(s.getByTestId('matrix-summary'))).toMatch(/0 leaks, 0 unexpected/);
      expect(await s.locator('td[data-outcome=allowed]').count()).toBeGreaterThan(0);
      expect(await s.locator('td[data-outcome=denied]').count()).toBeGreaterThan(0);
    }
    // Site axis: 4 users x 3 sites x 3 modules x 4 operations.
    expect(await site.locator('td[data-outcome]').count()).toBe(144);
    // Module axis: 13 tables x 3 modules' 2 roles; each role reaches its own module's only.
    expect(await modules.locator('td[data-outcome]').count()).toBe(78);
    expect(await modules.locator('td[data-outcome=allowed]').count()).toBe(26);

    // Why Carol cannot read the CRM on Bakery: the membership and the site policy.
    const carolOnBakery = site.locator('tr', { hasText: 'A: Bakery' }).nth(1);
    await carolOnBakery.locator('td[data-outcome=denied] button').first().click();
    const why = site.getByTestId('explain');
    await waitText(why, 'Carol (Globex) is not a member of Northwind Agency');
    expect(await text(why)).toContain('dramac_site_isolation');
    await shot('13-isolation-site-axis');

    // Why the Booking role cannot touch CRM's contacts: no schema usage, no grant.
    const contacts = modules.locator('tr', { hasText: 'mod_c0ffee42.contacts' });
    const roles = await modules.locator('thead tr').nth(1).locator('th').allTextContents();
    const column = roles.indexOf('modrole_b00c1e55');
    expect(column).toBeGreaterThanOrEqual(0);
    await contacts.locator('td[data-outcome]').nth(column).locator('button').click();
    const moduleWhy = modules.getByTestId('explain');
    await waitText(moduleWhy, 'modrole_b00c1e55 has no USAGE');
    expect(await text(moduleWhy)).toContain(
      'modrole_b00c1e55 holds no privilege on mod_c0ffee42.contacts',
    );
    expect(await text(moduleWhy)).toContain('42501');
    expect(await section('matrix-pending').count()).toBe(0);
    await shot('14-isolation-module-axis');

    // Visitor rows: 3 sites x 13 tables x 7 operations.
    expect(await visitors.locator('td[data-outcome]').count()).toBe(273);
    const SITE_A = '05000000-0000-4000-8000-00000000000a';
    const SITE_C = '05000000-0000-4000-8000-00000000000c';
    const visitorCell = (site: string, table: string, op: string) =>
      visitors.locator(`tr[data-row="${site}/public.${table}"] td[data-column="${op}"]`);
    // Bakery (public, installed): the declared columns of the published products.
    const bakeryRead = visitorCell(SITE_A, 'mod_5e0b7a11_products', 'read');
    expect(await bakeryRead.getAttribute('data-outcome')).toBe('allowed');
    await bakeryRead.locator('button').click();
    const visitorWhy = visitors.getByTestId('explain');
    await waitText(visitorWhy, 'Bakery is public');
    expect(await text(visitorWhy)).toContain('visitors_see_published');
    expect(await text(visitorWhy)).toMatch(/modvisitor_5e0b7a11 holds SELECT \(id, site_id, sku/);
    expect(await text(visitorWhy)).toMatch(/the visitor got 3 \(the policies hide the rest\)/);
    // ... and never cost.
    await visitorCell(SITE_A, 'mod_5e0b7a11_products', 'unlisted').locator('button').click();
    await waitText(visitorWhy, /cost: refused \(42501\)/);
    // A booking request: inserted on Bakery (rolled back); members-only calendars refused.
    expect(
      await visitorCell(SITE_A, 'mod_b00c1e55_requests', 'insert').getAttribute('data-outcome'),
    ).toBe('allowed');
    expect(await text(visitorCell(SITE_A, 'mod_b00c1e55_calendars', 'read'))).toBe('denied 42501');
    // Garage (not public): the same read, hidden.
    const garageRead = visitorCell(SITE_C, 'mod_5e0b7a11_products', 'read');
    expect(await garageRead.getAttribute('data-outcome')).toBe('denied');
    expect(await text(garageRead)).toBe('hidden');
    await garageRead.locator('button').click();
    await waitText(visitorWhy, 'Garage is not public');
    expect(await text(visitorWhy)).toContain('Stored on Garage: 4 rows');
    expect(await text(visitorWhy)).toContain('the visitor got 0');
    await shot('14a-isolation-visitor-rows');

    // Widget rows: 2 widgets x 3 sites x (member, visitor), against both widgets' 5 operations.
    expect(await widgets.locator('td[data-outcome]').count()).toBe(120);
    const widgetCell = (actor: string, kind: string, column: string) =>
      widgets.locator(`tr[data-row="${actor}/${SITE_A}/${kind}"] td[data-column="${column}"]`);
    expect(await widgetCell('widget', 'visitor', 'widget/read').getAttribute('data-outcome')).toBe(
      'allowed',
    );
    expect(await text(widgetCell('widget', 'visitor', 'widget/value'))).toBe('denied 42501');
    const faqReadsTestimonials = widgetCell('faq', 'member', 'widget/read');
    expect(await text(faqReadsTestimonials)).toBe('hidden');
    await faqReadsTestimonials.locator('button').click();
    const widgetWhy = widgets.getByTestId('explain');
    await waitText(widgetWhy, "another widget's items (Testimonials widget");
    expect(await text(widgetWhy)).toContain('dramac_site_isolation');
    await shot('14b-isolation-widget-rows');
  });

  it('upgrades: additive and declared changes side by side, and a refused drop', async () => {
    await go('/modules');
    const crm = section('module-crm');
    await crm.getByRole('button', { name: 'Show upgrade plan to 1.1.0' }).click();
    const plan = crm.getByTestId('plan');
    await plan.getByTestId('upgrade-diff').waitFor({ timeout: TIMEOUT });
    const contacts = plan.locator('[data-testid="diff-table"]', { hasText: 'contacts' }).first();
    expect(
      await text(contacts.locator('[data-side="after"][data-status="added"]').first()),
    ).toContain('linkedin_url');
    expect(
      await plan
        .locator('[data-testid="diff-table"][data-status="added"]', { hasText: 'notes' })
        .count(),
    ).toBe(1);
    expect(
      await plan
        .getByTestId('module-diagram')
        .locator('[data-table="notes"][data-state="added"]')
        .count(),
    ).toBe(1);
    await shot('15-modules-upgrade-crm');
    await crm.getByRole('button', { name: 'Apply upgrade plan' }).click();
    await waitText(crm, 'installed 1.1.0');

    const booking = section('module-booking');
    await booking.getByRole('button', { name: 'Show upgrade plan to 2.2.0' }).click();
    const bplan = booking.getByTestId('plan');
    await bplan.getByTestId('upgrade-diff').waitFor({ timeout: TIMEOUT });
    const groups = await bplan.getByTestId('plan-group').allTextContents();
    expect(groups.find((g) => g.startsWith('Removes columns'))).toMatch(
      /declared.*ACCESS EXCLUSIVE/,
    );
    expect(groups.find((g) => g.startsWith('Changes columns'))).toContain('declared');
    expect(await text(bplan.locator('[data-side="after"][data-status="renamed"]'))).toContain(
      'staff_notes',
    );
    expect(
      await text(bplan.locator('[data-side="before"][data-status="removed"]').first()),
    ).toContain('customer_email');
    await shot('16-modules-upgrade-declared');
    await booking.getByRole('button', { name: 'Apply upgrade plan' }).click();
    await waitText(booking, 'installed 2.2.0');

    const shop = section('module-shop');
    await shop.getByRole('button', { name: 'Show upgrade plan to 0.4.0' }).click();
    await waitText(shop.getByTestId('plan-refused'), 'customers.phone would be dropped');
    expect(await shop.getByRole('button', { name: 'Apply upgrade plan' }).isDisabled()).toBe(true);
    await shot('17-modules-upgrade-refused');
  });

  it('finds drift, lint findings and orphans made behind the registry, and repairs the drift from its plan', async () => {
    await go('/health');
    const crm = () => section('health-module').filter({ hasText: 'CRM 1.1.0' });
    await waitText(crm(), 'no drift');
    expect(await text(crm())).toContain('lint: no findings');
    const panel = section('break-panel');
    await panel.locator('select[name=break-module]').selectOption({ label: 'CRM' });
    const made: [string, RegExp][] = [
      ['no-force-rls', /no force row level security/],
      ['grant-anon', /^grant select/],
      ['drop-index', /^drop index/],
      ['orphan-table', /^create table/],
    ];
    for (const [id, broke] of made) {
      await panel.getByTestId(`break-${id}`).getByRole('button', { name: 'Break' }).click();
      await waitText(panel.getByTestId('success'), broke);
    }
    await go('/health');
    const drift = await text(crm().getByTestId('drift'));
    expect(drift).toContain('rls_not_forced');
    expect(drift).toContain('unexpected_grant');
    expect(drift).toContain('missing_index');
    const lint = await text(crm().getByTestId('lint-findings'));
    expect(lint).toContain('api_role_grant');
    expect(await crm().getByTestId('lint-findings').locator('code.sql').count()).toBeGreaterThan(0);
    // Drift comes with its exact repair SQL.
    expect(await text(crm().getByTestId('drift'))).toMatch(/force row level security/);
    expect(await text(section('orphans'))).toContain('public.mod_deadbeef_leftover');
    await shot('18-health-drift');
    // The repair: its plan first (the statements that bring the catalog back), then apply it.
    await crm().getByRole('button', { name: 'Plan the repair' }).click();
    const repair = crm().getByTestId('repair-plan');
    await repair.getByTestId('plan-summary').waitFor({ timeout: TIMEOUT });
    const statements = await text(repair.getByTestId('plan-sql'));
    expect(statements).toMatch(/force row level security/);
    expect(statements).toMatch(/revoke select on table "mod_c0ffee42"\."companies" from "anon"/);
    expect(statements).toMatch(/create index "idx_contacts_site_id_company_id"/);
    await shot('18b-health-repair-plan');
    await repair.getByRole('button', { name: 'Apply the repair of CRM' }).click();
    await repair.getByRole('button', { name: 'Yes, repair it' }).click();
    await waitText(crm().getByTestId('repair'), /CRM 1\.1\.0 repaired: \d+ statements applied/);
    // The orphan is not the module's: the platform removes it (here, the demo's undo).
    const orphan = section('break-panel').getByTestId('break-orphan-table');
    await orphan.getByRole('button', { name: 'Undo' }).click();
    await waitText(section('break-panel').getByTestId('success'), /^drop table/);
    await go('/health');
    await waitText(crm(), 'no drift');
    await waitText(section('orphans'), 'consistent');
  });

  it('shows usage per module and per site as charts', async () => {
    await go('/');
    const usage = section('usage');
    await usage.getByTestId('chart-site-rows').waitFor({ timeout: TIMEOUT });
    const moduleRows = await usage
      .getByTestId('chart-module-rows')
      .getByTestId('chart-row')
      .allTextContents();
    expect(moduleRows.find((r) => r.startsWith('CRM'))).toMatch(/CRM\d+ rows/);
    const siteRows = await usage
      .getByTestId('chart-site-rows')
      .getByTestId('chart-row')
      .allTextContents();
    expect(siteRows).toHaveLength(3);
    expect(siteRows.find((r) => r.startsWith('A: Bakery'))).toMatch(/Bakery[1-9]\d* rows/);
    // Calls come from the metered transport the Data and Storefront screens used (getUsage).
    const moduleCalls = await usage
      .getByTestId('chart-module-calls')
      .getByTestId('chart-row')
      .allTextContents();
    expect(moduleCalls.find((r) => r.startsWith('CRM'))).toMatch(/CRM[1-9][\d,]* calls/);
    const siteCalls = await usage
      .getByTestId('chart-site-calls')
      .getByTestId('chart-row')
      .allTextContents();
    expect(siteCalls).toHaveLength(3);
    expect(siteCalls.find((r) => r.startsWith('A: Bakery'))).toMatch(/Bakery[1-9][\d,]* calls/);
    await shot('19-overview-usage');
  });

  it('uninstalls from a site after a confirmation, with the JSON export downloaded', async () => {
    await go('/installations');
    const grid = section('installations');
    await section('cell-crm-A').getByRole('button', { name: 'Uninstall' }).click();
    await waitText(grid.getByTestId('confirm'), 'downloaded as JSON and deleted');
    // Cancel keeps everything; the second time it runs.
    await grid.getByTestId('confirm').getByRole('button', { name: 'Cancel' }).click();
    expect(await grid.getByTestId('confirm').count()).toBe(0);
    await section('cell-crm-A').getByRole('button', { name: 'Uninstall' }).click();
    await waitText(
      grid.getByTestId('confirm'),
      /Uninstall CRM from Bakery: its \d+ rows on this site/,
    );
    await shot('20-installations-confirm');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: TIMEOUT }),
      grid.getByRole('button', { name: /^Purge \d+ rows$/ }).click(),
    ]);
    const file = join(outDir, download.suggestedFilename());
    await download.saveAs(file);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.stringify(exported.tables.contacts)).toContain('Lovelace');
    await page
      .locator('[data-testid="cell-crm-A"][data-state="available"]')
      .waitFor({ timeout: TIMEOUT });
  });

  it('retains Shop, drops it when due, and drops the CRM everywhere', async () => {
    await go('/modules');
    const shop = section('module-shop');
    await shop.getByRole('button', { name: 'Uninstall everywhere' }).click();
    const panel = shop.getByTestId('uninstall-panel');
    await panel.getByText('Retain for').click();
    await panel.locator('select[name=retain-for]').selectOption('0 seconds');
    await panel.getByRole('button', { name: 'Retain Shop for 0 seconds' }).click();
    await panel.getByRole('button', { name: 'Yes, revoke access to Shop' }).click();
    await waitText(shop, 'deprecated 0.3.12');
    await waitText(shop.getByTestId('retained'), 'Retained: every access is revoked');
    const retention = section('retention');
    await waitText(retention, 'due now');
    await shot('21-modules-retained');
    await retention.getByRole('button', { name: 'Drop due modules' }).click();
    await retention.getByRole('button', { name: 'Yes, drop every due module' }).click();
    await waitText(retention.getByTestId('success'), 'Dropped 1 due module: Shop');
    await waitText(shop, 'not installed');

    const crm = section('module-crm');
    await crm.getByRole('button', { name: 'Uninstall everywhere' }).click();
    await crm.getByRole('button', { name: 'Drop CRM everywhere' }).click();
    await crm.getByRole('button', { name: 'Yes, drop CRM and its data' }).click();
    await waitText(crm, 'uninstalled everywhere');
    await waitText(crm, 'not installed');
  });

  it('tells the story on a filterable timeline', async () => {
    await go('/registry');
    expect(await text(section('registry-rows'))).not.toContain('mod_c0ffee42');
    const timeline = section('registry-events');
    const events = timeline.getByTestId('timeline-event');
    await waitText(events.filter({ hasText: 'Dropped everywhere' }), 'tables dropped');
    await waitText(events.filter({ hasText: 'Retained (access revoked)' }), 'dropped after');
    expect(await text(timeline)).not.toMatch(/[{}]"/);
    await shot('22-registry-timeline');
    await timeline.locator('select[name=event]').selectOption('site_installed');
    await timeline.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/event=site_installed/);
    const kinds = await page
      .getByTestId('timeline-event')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    expect(kinds.length).toBe(7);
    expect(new Set(kinds)).toEqual(new Set(['site_installed']));
    await shot('23-registry-filtered');
  });
});
