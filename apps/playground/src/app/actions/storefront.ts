'use server';

import { setSitePublic } from '@dramac/module-db';
import { type ActionResult, attempt, InputError } from '../../lib/action-result';
import { getDb } from '../../lib/database';
import { sdkFor } from '../../lib/module-sdk-for';
import { readModuleStates } from '../../lib/module-state';
import { readPlatform } from '../../lib/platform';
import { memberWidgetClient, visitorClient, visitorColumns } from '../../lib/visitor-access';

/** Characters one storefront form field accepts (stated next to the form). */
const FIELD_CHARS = 1_000;

async function knownSite(siteId: unknown) {
  if (typeof siteId !== 'string') throw new InputError('site id missing', 'site');
  const platform = await readPlatform();
  const site = platform.sites.find((s) => s.id === siteId);
  if (!site) throw new InputError('unknown site', 'site');
  return { site, platform };
}

/** The form's fields, each a string within the limit and among the declared columns. */
function fieldsOf(form: unknown, declared: readonly string[]): Record<string, string> {
  if (typeof form !== 'object' || form === null) throw new InputError('form missing', 'form');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    if (!declared.includes(key)) {
      throw new InputError(`"${key.slice(0, 40)}" is not a field visitors may fill in`, key);
    }
    if (typeof value !== 'string') throw new InputError(`${key} must be text`, key);
    if (value.length > FIELD_CHARS) {
      throw new InputError(
        `${key} is ${value.length} characters; the limit is ${FIELD_CHARS}`,
        key,
      );
    }
    out[key] = value.trim();
  }
  return out;
}

/**
 * The public booking form: inserts a request into Booking's `requests` as a visitor of the site
 * (the visitor role, no user). PostgreSQL refuses it on a site that is not public or where
 * Booking is not installed.
 */
export async function bookAction(
  siteId: string,
  form: Record<string, string>,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const { site } = await knownSite(siteId);
    const declared = (await visitorColumns('booking', 'requests')).insert;
    const fields = fieldsOf(form, declared);
    const record: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      // Empty optional text: left for its default (null), like a form left blank.
      if (value !== '') record[key] = value;
    }
    await visitorClient('booking', site.id).insert('requests', record);
    return `Request sent to ${site.name} as a visitor. Visitors cannot read requests back: see it in the member view.`;
  });
}

/** Leaves a testimonial in the widget's `submissions` as a visitor (members moderate them). */
export async function submitTestimonialAction(
  siteId: string,
  form: Record<string, string>,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const { site } = await knownSite(siteId);
    const declared = (await visitorColumns('widget', 'submissions')).insert;
    const fields = fieldsOf(form, declared);
    const item: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === '') continue;
      if (key === 'rating') {
        if (!/^-?\d{1,9}$/.test(value)) throw new InputError('rating must be a whole number', key);
        item[key] = Number(value);
      } else {
        item[key] = value;
      }
    }
    await visitorClient('widget', site.id).insertItem('submissions', item);
    return `Thank you: your testimonial waits for ${site.name}'s moderation (visitors cannot read submissions).`;
  });
}

const DEMO_PRODUCTS = [
  {
    sku: 'BRD-SOUR',
    name: 'Sourdough loaf',
    description: 'Three days of fermentation, baked every morning.',
    price: '6.50',
    currency: 'EUR',
    cost: '2.10',
    stock: 24,
    status: 'published',
  },
  {
    sku: 'PST-CROI',
    name: 'Butter croissant',
    description: 'Laminated by hand.',
    price: '2.40',
    currency: 'EUR',
    cost: '0.65',
    stock: 60,
    status: 'published',
  },
  {
    sku: 'CAK-LEMN',
    name: 'Lemon tart',
    description: null,
    price: '4.90',
    currency: 'EUR',
    cost: '1.30',
    stock: 12,
    status: 'published',
  },
  {
    sku: 'SEA-PUMP',
    name: 'Pumpkin loaf (autumn draft)',
    description: 'Not on sale yet.',
    price: '7.20',
    currency: 'EUR',
    cost: '2.80',
    stock: 0,
    status: 'draft',
  },
];

const DEMO_TESTIMONIALS = [
  { author: 'Marta', quote: 'The best sourdough in town.', rating: 5, email: 'marta@example.test' },
  { author: 'Jon', quote: 'Croissants worth the queue.', rating: 4, email: 'jon@example.test' },
];

/**
 * Fills the site's storefront as a member of its agency (through the SDK for the shop's
 * products, through the widget's role for its items): four products, one of them a draft, and
 * two testimonials. Adds only what is missing.
 */
export async function fillStorefrontAction(siteId: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const { site, platform } = await knownSite(siteId);
    const member = platform.users.find((u) => u.agencyIds.includes(site.agencyId));
    if (!member) throw new InputError(`nobody belongs to ${site.name}'s agency`, 'site');
    const states = await readModuleStates();
    const installed = (key: string) =>
      states.find((s) => s.module.key === key)?.sites.has(site.id) === true;
    if (!installed('shop') && !installed('widget')) {
      throw new InputError(
        `neither Shop nor the Testimonials widget is installed on ${site.name}: install them on the Installations screen`,
        'site',
      );
    }
    let products = 0;
    if (installed('shop')) {
      const { sdk } = await sdkFor('shop', site.id, member.id);
      const existing = new Set(
        (await sdk.find('products', { limit: 100 })).map((p) => String(p.sku)),
      );
      for (const p of DEMO_PRODUCTS) {
        if (existing.has(p.sku)) continue;
        await sdk.createOne('products', p);
        products++;
      }
    }
    let items = 0;
    if (installed('widget')) {
      const widget = memberWidgetClient('widget', site.id, member.id);
      const authors = new Set(
        (await widget.items('testimonials')).map((i) => String(i.value.author)),
      );
      for (const t of DEMO_TESTIMONIALS) {
        if (authors.has(t.author)) continue;
        await widget.insertItem('testimonials', t);
        items++;
      }
    }
    return `As ${member.name}: ${products} products and ${items} testimonials added to ${site.name}.`;
  });
}

/** The platform marks the site public, or no longer public (`setSitePublic`). */
export async function setSitePublicAction(
  siteId: string,
  isPublic: boolean,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const { site } = await knownSite(siteId);
    if (typeof isPublic !== 'boolean') throw new InputError('public must be true or false');
    await setSitePublic(getDb(), site.id, isPublic, { actor: 'playground' });
    return `${site.name} is ${isPublic ? 'now public' : 'no longer public'}.`;
  });
}
