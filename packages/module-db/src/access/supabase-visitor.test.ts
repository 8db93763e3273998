// A visitor's and a widget's requests on the Supabase transport, checked against a real
// supabase-js client whose fetch records each HTTP request and answers with PostgREST-shaped
// JSON, and the visitor token the platform mints for it. PostgREST itself is not installable on
// this machine, so what PostgREST then does with these requests (SET ROLE to the token's role,
// the claims, the grants and policies) is proven on PostgreSQL by test/visitor-access.test.ts,
// test/module-token.test.ts and test/visitor-sdk.test.ts, which run PostgREST's own steps.
import { createClient } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { mintModuleToken, verifyModuleToken } from '../tokens/mint-module-token';
import { createModuleDataClient } from './module-data-client';
import { createSupabaseTransport } from './supabase-transport';

interface Captured {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

const SITE = '5a1e7c3b-0d2f-4e6a-8b9c-1d3e5f7a9b20';
const SHOP = 'd00dfeed-5d3f-4e8a-9b61-0f2d4c6e8a10';
const WIDGET = 'a1d9e7f3-6b8c-4d0e-9f2a-4b6c8d0e2f40';
const SECRET = 'a-test-jwt-secret-of-at-least-32-bytes!';
let requests: Captured[] = [];
let next: { status?: number; body?: unknown }[] = [];

async function capturingFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  const parsed = new URL(String(input));
  requests.push({
    path: decodeURIComponent(`${parsed.pathname}${parsed.search}`.replaceAll('+', ' ')),
    method: init.method ?? 'GET',
    headers,
    body: typeof init.body === 'string' && init.body !== '' ? JSON.parse(init.body) : undefined,
  });
  const canned = next.shift() ?? {};
  const status = canned.status ?? 200;
  const isHead = (init.method ?? 'GET') === 'HEAD';
  return new Response(
    isHead || status === 201 || status === 204 ? null : JSON.stringify(canned.body ?? []),
    { status, headers: { 'content-type': 'application/json', 'content-range': '0-0/0' } },
  );
}

const shop = {
  moduleId: SHOP,
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'products',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'numeric(10,2)' },
        { name: 'cost', type: 'numeric(10,2)', nullable: true },
      ],
      visitors: { read: ['id', 'name', 'price'] },
    },
    {
      name: 'requests',
      columns: [
        { name: 'email', type: 'text' },
        { name: 'handled', type: 'boolean', default: 'false' },
      ],
      visitors: { insert: ['email'] },
    },
  ],
} as const;

const widget = {
  moduleId: WIDGET,
  moduleType: 'widget',
  version: '1.0.0',
  tables: [],
  collections: {
    testimonials: {
      fields: { quote: { type: 'string' }, rating: { type: 'integer', maximum: 5 } },
      visitors: { read: 'all', insert: ['quote', 'rating'] },
    },
  },
} as const;

let token = '';
const supabase = createClient('http://127.0.0.1:54321', 'anon-key-for-tests', {
  global: { fetch: capturingFetch },
  accessToken: async () => token,
});
const transport = createSupabaseTransport(supabase);

beforeEach(() => {
  requests = [];
  next = [];
});

describe('a visitor on the Supabase transport', () => {
  it('sends the visitor token the platform mints: role modvisitor_<id>, the site, no user', async () => {
    token = await mintModuleToken({ secret: SECRET, module: shop, siteId: SITE });
    const claims = await verifyModuleToken(token, { secret: SECRET });
    expect(claims.role).toBe('modvisitor_d00dfeed');
    expect(claims.site_id).toBe(SITE);
    expect('sub' in claims).toBe(false);
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    expect(client.context.claims).toEqual({ role: claims.role, site_id: SITE });
    await client.select('products');
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('reads by naming the declared columns (never *), filtered to its site', async () => {
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    next = [{ body: [{ id: 'x', site_id: SITE, name: 'Mug', price: '9.50' }] }];
    const rows = await client.select('products', { where: { price: { lt: 10 } }, limit: 5 });
    expect(rows).toEqual([{ id: 'x', site_id: SITE, name: 'Mug', price: '9.50' }]);
    expect(requests[0]).toMatchObject({
      method: 'GET',
      path: `/rest/v1/mod_d00dfeed_products?select=id,site_id,name,price::text&price=lt.10&site_id=eq.${SITE}&offset=0&limit=5`,
    });
    expect(requests[0]?.headers['accept-profile']).toBe('public');
  });

  it('counts with a HEAD request that selects site_id (a visitor may not select *)', async () => {
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    await client.count('products');
    expect(requests[0]).toMatchObject({
      method: 'HEAD',
      path: `/rest/v1/mod_d00dfeed_products?select=site_id&site_id=eq.${SITE}`,
    });
    expect(requests[0]?.headers.prefer).toContain('count=exact');
  });

  it('inserts without return=representation (no RETURNING), the site stamped, and resolves []', async () => {
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    next = [{ status: 201 }];
    expect(await client.insert('requests', { email: 'ada@example.com' })).toEqual([]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/rest/v1/mod_d00dfeed_requests?columns="email","site_id"',
      body: [{ email: 'ada@example.com', site_id: SITE }],
    });
    // No return=representation: PostgREST's default, return=minimal, adds no RETURNING.
    expect(requests[0]?.headers.prefer).not.toContain('return=representation');
    expect(requests[0]?.headers.prefer).toContain('missing=default');
  });

  it('sends nothing for what the definition does not declare for visitors', async () => {
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    const attempts = [
      () => client.select('products', { select: ['cost'] }),
      () => client.select('requests'),
      () => client.insert('requests', { email: 'x@x', handled: true }),
      () => client.update('products', { name: 'x' }, { name: 'Mug' }),
      () => client.delete('products', { name: 'Mug' }),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ code: 'VISITOR_NOT_ALLOWED' });
    }
    expect(requests).toEqual([]);
  });

  it("maps PostgREST's refusal of a visitor (401/42501) to ACCESS_DENIED", async () => {
    const client = createModuleDataClient({
      definition: shop,
      siteId: SITE,
      visitor: true,
      transport,
    });
    next = [
      {
        status: 401,
        body: { code: '42501', message: 'permission denied for table mod_d00dfeed_requests' },
      },
    ];
    await expect(client.insert('requests', { email: 'x@x' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      sqlstate: '42501',
    });
  });
});

describe('widget items on the Supabase transport', () => {
  it('a visitor lists public_value (never value) of its module, site and collection', async () => {
    token = await mintModuleToken({ secret: SECRET, module: widget, siteId: SITE });
    const client = createModuleDataClient({
      definition: widget,
      siteId: SITE,
      visitor: true,
      transport,
    });
    next = [
      {
        body: [
          {
            id: 'i1',
            site_id: SITE,
            key: 'i1',
            public_value: { quote: 'Hi', rating: 5 },
            created_at: '2026-01-01T00:00:00Z',
            updated_at: '2026-01-01T00:00:00Z',
          },
        ],
      },
    ];
    const page = await client.collection('testimonials').list({ limit: 10 });
    expect(page.items[0]?.value).toEqual({ quote: 'Hi', rating: 5 });
    expect(requests[0]?.path).toBe(
      `/rest/v1/module_data?select=id,site_id,key,public_value,created_at,updated_at&module_short_id=eq.a1d9e7f3&collection=eq.testimonials&site_id=eq.${SITE}&order=created_at.asc,id.asc&offset=0&limit=11`,
    );
  });

  it('a visitor adds an item without return=representation; the module and key are left to the database', async () => {
    const client = createModuleDataClient({
      definition: widget,
      siteId: SITE,
      visitor: true,
      transport,
    });
    next = [{ status: 201 }];
    expect(await client.collection('testimonials').create({ quote: 'Hi', rating: 4 })).toBeNull();
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/rest/v1/module_data?columns="collection","value","site_id"',
      body: [{ collection: 'testimonials', value: { quote: 'Hi', rating: 4 }, site_id: SITE }],
    });
    expect(requests[0]?.headers.prefer).not.toContain('return=representation');
  });

  it("the item trigger's refusal (23514 with its JSON detail) names the field and rule", async () => {
    const client = createModuleDataClient({
      definition: widget,
      siteId: SITE,
      userId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
      transport,
    });
    next = [
      {
        status: 400,
        body: {
          code: '23514',
          message: 'item of testimonials: rating must be at most 5',
          details:
            '{"field": "rating", "rule": "maximum", "message": "rating must be at most 5", "collection": "testimonials"}',
        },
      },
    ];
    await expect(
      client.collection('testimonials').create({ quote: 'Hi', rating: 7 }),
    ).rejects.toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      sqlstate: '23514',
      path: 'testimonials.rating',
      column: 'rating',
      rule: 'maximum',
    });
    // A member's insert reads the item back.
    expect(requests[0]?.headers.prefer).toContain('return=representation');
  });
});
