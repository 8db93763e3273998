// The storefront and the visitor and widget rows of the isolation matrix, on a real PostgreSQL:
// the demo platform seeded as the playground seeds it, the catalog's modules provisioned and
// installed, then the page's loader, its server actions and the matrix's axes called as the page
// calls them. Nothing is mocked: what a visitor sees is what PostgreSQL returned to the visitor
// role.
import {
  installModuleForSite,
  isSitePublic,
  migratePlatform,
  provisionModuleDatabase,
} from '@dramac/module-db';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bookAction,
  fillStorefrontAction,
  setSitePublicAction,
  submitTestimonialAction,
} from '../src/app/actions/storefront';
import { DEMO_SITES, seedDemoPlatform } from '../src/lib/demo-platform';
import { runVisitorAxis } from '../src/lib/isolation/visitor-axis';
import { runWidgetAxis } from '../src/lib/isolation/widget-axis';
import { catalogModule } from '../src/lib/module-catalog';
import { readStorefront } from '../src/lib/storefront';
import { visitorClient } from '../src/lib/visitor-access';

let tdb: TestDatabase;
let db: Kysely<any>;
const [A, B, C] = DEMO_SITES.map((s) => s.id) as [string, string, string];

const okValue = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
};

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  // The playground's pool (getDb) reads DATABASE_URL on first use.
  process.env.DATABASE_URL = tdb.url;
  await migratePlatform(db);
  await seedDemoPlatform(db);
  for (const key of ['shop', 'booking', 'widget', 'faq']) {
    await provisionModuleDatabase(db, catalogModule(key).definition as never);
  }
  const installs: [string, string][] = [
    ['shop', A],
    ['shop', C],
    ['booking', A],
    ['widget', A],
    ['faq', A],
    ['faq', B],
  ];
  for (const [key, site] of installs) {
    await installModuleForSite(db, catalogModule(key).definition.moduleId, site);
  }
});

afterAll(async () => {
  const { getDb } = await import('../src/lib/database');
  await getDb().destroy();
  await tdb?.destroy();
});

describe('the demo platform', () => {
  it('marks Bakery and Bookshop public, Garage not', async () => {
    expect(await isSitePublic(db, A)).toBe(true);
    expect(await isSitePublic(db, B)).toBe(true);
    expect(await isSitePublic(db, C)).toBe(false);
  });
});

describe('the storefront of a public site (Bakery)', () => {
  it('shows visitors the published products, their declared columns only; members see drafts and cost', async () => {
    expect(okValue(await fillStorefrontAction(A))).toMatch(/4 products and 2 testimonials/);
    // Idempotent: nothing is added twice.
    expect(okValue(await fillStorefrontAction(A))).toMatch(/0 products and 0 testimonials/);
    const front = await readStorefront(A);
    expect(front?.verdicts.every((v) => v.admitted)).toBe(true);
    const products = front?.visitor.products;
    expect(products?.ok).toBe(true);
    const rows = products?.ok ? products.value : [];
    expect(rows.map((r) => r.name)).toEqual(['Butter croissant', 'Lemon tart', 'Sourdough loaf']);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(
        // site_id comes with the declared columns: it shows whose row it is.
        ['currency', 'description', 'id', 'name', 'price', 'site_id', 'sku'].sort(),
      );
    }
    // numeric arrives as its exact decimal text.
    expect(rows.find((r) => r.name === 'Sourdough loaf')?.price).toBe('6.50');

    const member = front?.memberView.products;
    const memberRows = member?.ok ? member.value : [];
    expect(memberRows).toHaveLength(4);
    const draft = memberRows.find((r) => r.status === 'draft');
    expect(draft?.name).toBe('Pumpkin loaf (autumn draft)');
    expect(draft?.cost).toBe('2.80');
    expect(front?.productColumns.visitorRead).not.toContain('cost');
  });

  it('refuses a visitor a table it may only insert into and a members-only table, before any SQL', async () => {
    // The SDK refuses what the definition does not declare (VISITOR_NOT_ALLOWED); the matrix's
    // visitor rows send the same statements raw and show PostgreSQL's own 42501.
    const visitor = visitorClient('booking', A);
    await expect(visitor.find('requests')).rejects.toMatchObject({ code: 'VISITOR_NOT_ALLOWED' });
    await expect(visitor.find('calendars')).rejects.toMatchObject({ code: 'VISITOR_NOT_ALLOWED' });
  });

  it('takes a booking request from a visitor, which only the member view then shows', async () => {
    const sent = await bookAction(A, {
      customer_name: 'Ada Visitor',
      customer_email: 'ada@example.test',
      preferred_date: '2031-03-04',
      message: '',
    });
    expect(okValue(sent)).toMatch(/Request sent to Bakery/);
    const front = await readStorefront(A);
    const requests = front?.memberView.requests;
    const found = requests?.ok
      ? requests.value.find((r) => r.customer_name === 'Ada Visitor')
      : null;
    expect(found).toMatchObject({ status: 'new', message: null, site_id: A });
  });

  it('refuses a form field visitors may not set, in the action and in the database', async () => {
    const bad = await bookAction(A, {
      customer_name: 'Mallory',
      customer_email: 'm@example.test',
      preferred_date: '2031-03-04',
      status: 'confirmed',
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('INVALID_INPUT');
    await expect(
      visitorClient('booking', A).insert('requests', {
        customer_name: 'Mallory',
        customer_email: 'm@example.test',
        preferred_date: '2031-03-04',
        status: 'confirmed',
      }),
    ).rejects.toMatchObject({ code: 'VISITOR_NOT_ALLOWED' });
    const front = await readStorefront(A);
    const requests = front?.memberView.requests;
    expect(requests?.ok && requests.value.some((r) => r.customer_name === 'Mallory')).toBe(false);
  });

  it('lists testimonials without the email; a visitor submission reaches members only', async () => {
    const before = await readStorefront(A);
    const items = before?.visitor.testimonials;
    const visible = items?.ok ? items.value : [];
    expect(visible.map((i) => i.value.author).sort()).toEqual(['Jon', 'Marta']);
    for (const i of visible)
      expect(Object.keys(i.value).sort()).toEqual(['author', 'quote', 'rating']);

    okValue(
      await submitTestimonialAction(A, { author: 'Lin', quote: 'Warm and kind.', rating: '5' }),
    );
    const after = await readStorefront(A);
    const submissions = after?.memberView.submissions;
    expect(submissions?.ok && submissions.value.map((i) => i.value.author)).toEqual(['Lin']);
    await expect(visitorClient('widget', A).items('submissions')).rejects.toMatchObject({
      code: 'VISITOR_NOT_ALLOWED',
    });
    // The database checks the item's shape: a rating of 9 is refused (23514).
    const bad = await submitTestimonialAction(A, { author: 'X', quote: 'Y', rating: '9' });
    expect(!bad.ok && bad.error.code).toBe('CONSTRAINT_VIOLATION');
  });
});

describe('the storefront of a site that is not public (Garage)', () => {
  it('shows visitors nothing, with the reason, while members see their products', async () => {
    expect(okValue(await fillStorefrontAction(C))).toMatch(/4 products and 0 testimonials/);
    const front = await readStorefront(C);
    expect(front?.isPublic).toBe(false);
    const shop = front?.verdicts.find((v) => v.key === 'shop');
    expect(shop?.admitted).toBe(false);
    expect(shop?.reason).toMatch(/Garage is not public/);
    const products = front?.visitor.products;
    expect(products?.ok && products.value).toEqual([]);
    const member = front?.memberView.products;
    expect(member?.ok && member.value).toHaveLength(4);
    const refused = await bookAction(C, {
      customer_name: 'Bo',
      customer_email: 'bo@example.test',
      preferred_date: '2031-03-04',
    });
    expect(!refused.ok && refused.error).toMatchObject({
      code: 'ACCESS_DENIED',
      sqlstate: '42501',
    });
  });

  it('opens to visitors once the platform marks it public, and closes again', async () => {
    okValue(await setSitePublicAction(C, true));
    const open = await readStorefront(C);
    const products = open?.visitor.products;
    expect(products?.ok && products.value.map((p) => p.name)).toHaveLength(3);
    okValue(await setSitePublicAction(C, false));
    const closed = await readStorefront(C);
    expect(closed?.visitor.products?.ok && closed.visitor.products.value).toEqual([]);
  });
});

describe('the isolation matrix', () => {
  it('visitor rows: exactly the declared access, everything else refused or hidden, no leak', async () => {
    const section = await runVisitorAxis();
    const odd = section.cells.filter((c) => c.outcome === 'leak' || c.outcome === 'unexpected');
    expect(odd.map((c) => `${c.row} ${c.column}: ${c.detail}`)).toEqual([]);
    const cell = (site: string, table: string, op: string) =>
      section.cells.find((c) => c.row === `${site}/public.${table}` && c.column === op);
    expect(cell(A, 'mod_5e0b7a11_products', 'read')?.outcome).toBe('allowed');
    expect(cell(A, 'mod_5e0b7a11_products', 'read')?.why.join('\n')).toContain(
      'visitors_see_published',
    );
    expect(cell(A, 'mod_5e0b7a11_products', 'unlisted')?.detail).toMatch(/cost/);
    expect(cell(A, 'mod_5e0b7a11_products', 'unlisted')?.outcome).toBe('denied');
    expect(cell(C, 'mod_5e0b7a11_products', 'read')).toMatchObject({
      outcome: 'denied',
      short: 'hidden',
    });
    expect(cell(A, 'mod_5e0b7a11_products', 'other-site')?.why.join('\n')).toMatch(/Garage/);
    expect(cell(A, 'mod_b00c1e55_requests', 'insert')?.outcome).toBe('allowed');
    expect(cell(B, 'mod_b00c1e55_requests', 'insert')?.outcome).toBe('denied');
    expect(cell(A, 'mod_b00c1e55_requests', 'update')?.short).toBe('denied 42501');
    expect(cell(A, 'mod_b00c1e55_calendars', 'read')?.short).toBe('denied 42501');
    expect(cell(A, 'mod_5e0b7a11_products', 'other-module')?.short).toBe('denied 42501');
    expect(section.cells.filter((c) => c.outcome === 'allowed').length).toBeGreaterThan(0);
  });

  it('widget rows: each widget its own items, visitors the declared fields, none another widget’s', async () => {
    const section = await runWidgetAxis();
    const odd = section.cells.filter((c) => c.outcome === 'leak' || c.outcome === 'unexpected');
    expect(odd.map((c) => `${c.row} ${c.column}: ${c.detail}`)).toEqual([]);
    const cell = (actor: string, site: string, kind: string, column: string) =>
      section.cells.find((c) => c.row === `${actor}/${site}/${kind}` && c.column === column);
    expect(cell('widget', A, 'member', 'widget/read')?.outcome).toBe('allowed');
    expect(cell('widget', A, 'member', 'widget/delete')?.outcome).toBe('allowed');
    expect(cell('widget', A, 'member', 'faq/read')).toMatchObject({
      outcome: 'denied',
      short: 'hidden',
    });
    expect(cell('widget', A, 'member', 'faq/insert')?.short).toBe('denied 42501');
    expect(cell('widget', A, 'visitor', 'widget/read')?.outcome).toBe('allowed');
    expect(cell('widget', A, 'visitor', 'widget/value')?.short).toBe('denied 42501');
    expect(cell('widget', A, 'visitor', 'widget/insert')?.outcome).toBe('allowed');
    expect(cell('faq', B, 'visitor', 'faq/read')?.outcome).toBe('allowed');
    expect(cell('faq', C, 'visitor', 'faq/read')?.outcome).toBe('denied');
    expect(cell('faq', A, 'visitor', 'widget/read')?.outcome).toBe('denied');
  });
});
