// Request building of the Supabase transport, checked against a real supabase-js client whose
// fetch records each HTTP request and answers with PostgREST-shaped JSON. No database is
// involved: this proves which PostgREST requests the transport sends, not what PostgREST does
// with them (the conformance suite covers that against a real PostgREST when one is reachable).
import { createClient } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { isModuleDbError } from '../errors';
import type { Filter, RequestContext, TableTarget } from './data-transport';
import { createModuleDataClient } from './module-data-client';
import { createSupabaseTransport, SupabaseTransportError } from './supabase-transport';

interface Captured {
  readonly url: string;
  /** Path and query, decoded, for readable assertions. */
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

interface CannedResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

const SITE = '5a1e7c3b-0d2f-4e6a-8b9c-1d3e5f7a9b20';
const BASE = 'http://127.0.0.1:54321';

let requests: Captured[] = [];
let next: CannedResponse[] = [];

async function capturingFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const url = String(input);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  const parsed = new URL(url);
  requests.push({
    url,
    // URLSearchParams writes a space as `+`.
    path: decodeURIComponent(`${parsed.pathname}${parsed.search}`.replaceAll('+', ' ')),
    method: init.method ?? 'GET',
    headers,
    body: typeof init.body === 'string' && init.body !== '' ? JSON.parse(init.body) : undefined,
  });
  const canned = next.shift() ?? {};
  const status = canned.status ?? 200;
  const text = canned.body === undefined ? '' : JSON.stringify(canned.body);
  const isHead = (init.method ?? 'GET') === 'HEAD';
  return new Response(isHead || status === 204 ? null : text, {
    status,
    headers: { 'content-type': 'application/json', ...canned.headers },
  });
}

const supabase = createClient(BASE, 'anon-key-for-tests', {
  global: { fetch: capturingFetch },
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
});
const transport = createSupabaseTransport(supabase);

const context: RequestContext = {
  moduleId: 'c7a1e0b2-5d3f-4e8a-9b61-0f2d4c6e8a10',
  shortId: 'c7a1e0b2',
  siteId: SITE,
  userId: undefined,
  role: 'modrole_c7a1e0b2',
  claims: { role: 'modrole_c7a1e0b2', site_id: SITE },
};
const contacts: TableTarget = {
  schema: 'mod_c7a1e0b2',
  table: 'contacts',
  name: 'contacts',
  columnTypes: { id: 'uuid', site_id: 'uuid', first_name: 'text', photo: 'bytea' },
};
const prefixed: TableTarget = {
  schema: 'public',
  table: 'mod_b00c1e55_calendars',
  name: 'calendars',
  columnTypes: { id: 'uuid', site_id: 'uuid', name: 'text' },
};
const siteFilter: Filter = { column: 'site_id', op: 'eq', value: SITE };

beforeEach(() => {
  requests = [];
  next = [];
});

function only(): Captured {
  expect(requests).toHaveLength(1);
  return requests[0] as Captured;
}

describe('createSupabaseTransport: select', () => {
  it('builds the seed example query: filters, order, range, module schema profile', async () => {
    next.push({ body: [{ id: '1' }] });
    const rows = await transport.select(context, contacts, {
      filters: [siteFilter, { column: 'lead_score', op: 'gte', value: 50 }],
      orderBy: [{ column: 'created_at', ascending: false }],
      limit: 10,
    });
    expect(rows).toEqual([{ id: '1' }]);
    const r = only();
    expect(r.method).toBe('GET');
    expect(r.path).toBe(
      `/rest/v1/contacts?select=*&site_id=eq.${SITE}&lead_score=gte.50&order=created_at.desc&offset=0&limit=10`,
    );
    expect(r.headers['accept-profile']).toBe('mod_c7a1e0b2');
    expect(r.headers['content-profile']).toBeUndefined();
    expect(r.headers.apikey).toBe('anon-key-for-tests');
  });

  it('sends every operator in PostgREST syntax', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, {
      filters: [
        { column: 'status', op: 'eq', value: 'lead' },
        { column: 'status', op: 'neq', value: 'churned' },
        { column: 'lead_score', op: 'gt', value: 1 },
        { column: 'lead_score', op: 'gte', value: 2 },
        { column: 'lead_score', op: 'lt', value: 99 },
        { column: 'lead_score', op: 'lte', value: 98 },
        { column: 'last_name', op: 'like', value: 'Do%' },
        { column: 'email', op: 'ilike', value: '%@example.com' },
        { column: 'status', op: 'in', value: ['lead', 'qualified, maybe'] },
        { column: 'phone', op: 'is', value: null },
        { column: 'email', op: 'is', value: true },
        { column: 'created_at', op: 'lt', value: new Date('2026-01-02T03:04:05.000Z') },
      ],
    });
    expect(only().path).toBe(
      '/rest/v1/contacts?select=*' +
        '&status=eq.lead&status=neq.churned' +
        '&lead_score=gt.1&lead_score=gte.2&lead_score=lt.99&lead_score=lte.98' +
        '&last_name=like.Do%&email=ilike.%@example.com' +
        '&status=in.("lead","qualified, maybe")' +
        '&phone=is.null&email=is.true' +
        '&created_at=lt.2026-01-02T03:04:05.000Z',
    );
  });

  it('sends not and or as PostgREST negations and logic trees, quoting reserved characters', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, {
      filters: [
        { column: 'status', op: 'eq', value: 'lead', negate: true },
        { column: 'status', op: 'in', value: ['a', 'b c'], negate: true },
        { column: 'email', op: 'is', value: null, negate: true },
        {
          or: [
            [{ column: 'status', op: 'eq', value: 'qualified' }],
            [
              { column: 'last_name', op: 'eq', value: 'O,(Brien) "x"' },
              { column: 'lead_score', op: 'gt', value: 3, negate: true },
            ],
            [
              {
                or: [
                  [{ column: 'tags', op: 'eq', value: ['a', 'b'] }],
                  [{ column: 'phone', op: 'is', value: null }],
                ],
              },
            ],
          ],
        },
      ],
    });
    expect(decodeURIComponent(only().path)).toBe(
      '/rest/v1/contacts?select=*' +
        '&status=not.eq.lead&status=not.in.("a","b c")&email=not.is.null' +
        '&or=(status.eq."qualified",and(last_name.eq."O,(Brien) \\"x\\"",lead_score.not.gt."3"),' +
        'or(tags.eq."{\\"a\\",\\"b\\"}",phone.is.null))',
    );
  });

  it('selects listed columns, several sort keys, and a page past the first', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, {
      columns: ['id', 'first_name', 'email'],
      filters: [siteFilter],
      orderBy: [
        { column: 'last_name', ascending: true },
        { column: 'id', ascending: false },
      ],
      limit: 25,
      offset: 50,
    });
    expect(only().path).toBe(
      `/rest/v1/contacts?select=id,first_name,email&site_id=eq.${SITE}&order=last_name.asc,id.desc&offset=50&limit=25`,
    );
  });

  it('sends an offset without a limit as an open-ended Range header', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, { filters: [], offset: 20 });
    const r = only();
    expect(r.path).toBe('/rest/v1/contacts?select=*');
    expect(r.headers.range).toBe('20-');
    expect(r.headers['range-unit']).toBe('items');
  });

  it('reads a prefixed table through the public profile', async () => {
    next.push({ body: [] });
    await transport.select(context, prefixed, { filters: [siteFilter] });
    const r = only();
    expect(r.path).toBe(`/rest/v1/mod_b00c1e55_calendars?select=*&site_id=eq.${SITE}`);
    expect(r.headers['accept-profile']).toBe('public');
  });
});

describe('createSupabaseTransport: count', () => {
  it('counts with HEAD and Prefer: count=exact, fetching no rows', async () => {
    next.push({ headers: { 'content-range': '*/42' } });
    const n = await transport.count(context, contacts, [
      siteFilter,
      { column: 'status', op: 'eq', value: 'lead' },
    ]);
    expect(n).toBe(42);
    const r = only();
    expect(r.method).toBe('HEAD');
    expect(r.path).toBe(`/rest/v1/contacts?select=*&site_id=eq.${SITE}&status=eq.lead`);
    expect(r.headers.prefer).toBe('count=exact');
    expect(r.headers['accept-profile']).toBe('mod_c7a1e0b2');
  });

  it('a capped count reads at most limit rows of site_id, never asking PostgREST for a count', async () => {
    const rows = (n: number) => Array.from({ length: n }, () => ({ site_id: SITE }));
    next.push({ body: rows(11) });
    const n = await transport.count(
      context,
      contacts,
      [siteFilter, { column: 'status', op: 'eq', value: 'lead' }],
      11,
    );
    expect(n).toBe(11);
    const r = only();
    expect(r.method).toBe('GET');
    expect(r.path).toBe(
      `/rest/v1/contacts?select=site_id&site_id=eq.${SITE}&status=eq.lead&offset=0&limit=11`,
    );
    expect(r.headers.prefer ?? '').not.toMatch(/count=/);
    expect(r.headers['accept-profile']).toBe('mod_c7a1e0b2');
  });

  it('a capped count with fewer rows than the cap confirms the end with one more request', async () => {
    next.push({ body: [{ site_id: SITE }, { site_id: SITE }, { site_id: SITE }] }, { body: [] });
    expect(await transport.count(context, contacts, [siteFilter], 11)).toBe(3);
    expect(requests.map((r) => r.path)).toEqual([
      `/rest/v1/contacts?select=site_id&site_id=eq.${SITE}&offset=0&limit=11`,
      `/rest/v1/contacts?select=site_id&site_id=eq.${SITE}&offset=3&limit=3`,
    ]);
  });

  it('a capped count pages on when db-max-rows cut a page, up to the limit', async () => {
    // The server answers at most 4 rows per request (db-max-rows = 4); 10 rows match.
    const page = (n: number) => ({ body: Array.from({ length: n }, () => ({ site_id: SITE })) });
    next.push(page(4), page(4), page(2), page(0));
    expect(await transport.count(context, contacts, [siteFilter], 11)).toBe(10);
    expect(requests.map((r) => r.path.replace(/^.*&offset/, 'offset'))).toEqual([
      'offset=0&limit=11',
      'offset=4&limit=4',
      'offset=8&limit=3',
      'offset=10&limit=1',
    ]);
    requests = [];
    // More rows than the limit: stops at the limit.
    next.push(page(4), page(4), page(3));
    expect(await transport.count(context, contacts, [siteFilter], 11)).toBe(11);
    expect(requests).toHaveLength(3);
  });

  it('a capped count with no rows is one request', async () => {
    next.push({ body: [] });
    expect(await transport.count(context, contacts, [siteFilter], 11)).toBe(0);
    expect(requests).toHaveLength(1);
  });

  it('the data client caps the count and says so', async () => {
    const client = createModuleDataClient({
      definition: {
        moduleId: context.moduleId,
        name: 'Capped',
        moduleType: 'system',
        version: '1.0.0',
        tables: [{ name: 'contacts', columns: [{ name: 'first_name', type: 'text' }] }],
      } as any,
      siteId: SITE,
      transport,
    });
    const page = (n: number) => ({ body: Array.from({ length: n }, () => ({ site_id: SITE })) });
    next.push(page(6));
    expect(await client.count('contacts', undefined, { mode: 'capped', cap: 5 })).toEqual({
      count: 5,
      capped: true,
    });
    expect(only().path).toContain('offset=0&limit=6');
    next.push(page(2), page(0));
    expect(await client.count('contacts', undefined, { mode: 'capped', cap: 5 })).toEqual({
      count: 2,
      capped: false,
    });
    requests = [];
    for (const options of [{ mode: 'planned' }, { mode: 'capped', cap: 0 }, { cap: 5 }]) {
      const error = await client.count('contacts', undefined, options as any).catch((e) => e);
      expect(error).toMatchObject({ code: 'INVALID_QUERY' });
    }
    expect(requests).toEqual([]);
  });

  it('reads a bodiless 403 on HEAD as 42501', async () => {
    next.push({ status: 403 });
    const error = await transport.count(context, contacts, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupabaseTransportError);
    expect(error).toMatchObject({ code: '42501', status: 403 });
  });
});

describe('createSupabaseTransport: writes', () => {
  it('inserts rows with missing=default and returns the representation', async () => {
    const rows = [
      { first_name: 'Ada', last_name: 'Lovelace', site_id: SITE },
      { first_name: 'Alan', last_name: 'Turing', email: 'alan@example.com', site_id: SITE },
    ];
    next.push({ status: 201, body: rows.map((r, i) => ({ id: String(i), ...r })) });
    const out = await transport.insert(context, contacts, rows);
    expect(out).toHaveLength(2);
    const r = only();
    expect(r.method).toBe('POST');
    expect(r.path).toBe(
      '/rest/v1/contacts?columns="first_name","last_name","site_id","email"&select=*',
    );
    expect(r.headers['content-profile']).toBe('mod_c7a1e0b2');
    expect(r.headers['accept-profile']).toBeUndefined();
    expect(r.headers.prefer?.split(/,\s*/).sort()).toEqual([
      'missing=default',
      'return=representation',
    ]);
    expect(r.body).toEqual(rows);
  });

  it('sends nothing for an empty insert', async () => {
    expect(await transport.insert(context, contacts, [])).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('updates with PATCH, the filters and return=representation', async () => {
    next.push({ body: [{ id: 'x', status: 'qualified' }] });
    const out = await transport.update(
      context,
      contacts,
      [siteFilter, { column: 'id', op: 'eq', value: 'x' }],
      { status: 'qualified', photo: new Uint8Array([0xde, 0xad]) },
    );
    expect(out).toEqual([{ id: 'x', status: 'qualified' }]);
    const r = only();
    expect(r.method).toBe('PATCH');
    expect(r.path).toBe(`/rest/v1/contacts?site_id=eq.${SITE}&id=eq.x&select=*`);
    expect(r.headers.prefer).toBe('return=representation');
    expect(r.headers['content-profile']).toBe('mod_c7a1e0b2');
    expect(r.body).toEqual({ status: 'qualified', photo: '\\xdead' });
  });

  it('deletes with count=exact and returns the count from Content-Range', async () => {
    next.push({ status: 204, headers: { 'content-range': '*/3' } });
    const n = await transport.delete(context, contacts, [
      siteFilter,
      { column: 'status', op: 'in', value: ['lead', 'churned'] },
    ]);
    expect(n).toBe(3);
    const r = only();
    expect(r.method).toBe('DELETE');
    expect(r.path).toBe(`/rest/v1/contacts?site_id=eq.${SITE}&status=in.("lead","churned")`);
    expect(r.headers.prefer).toBe('count=exact');
  });
});

describe('createSupabaseTransport: errors and transactions', () => {
  it('surfaces a PostgREST error body with its SQLSTATE, details and hint', async () => {
    next.push({
      status: 403,
      body: {
        code: '42501',
        details: null,
        hint: null,
        message: 'permission denied for table contacts',
      },
    });
    const error = await transport
      .select(context, contacts, { filters: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupabaseTransportError);
    expect(error).toMatchObject({
      name: 'SupabaseTransportError',
      code: '42501',
      message: 'permission denied for table contacts',
      status: 403,
    });
  });

  it('keeps a unique violation code and the constraint name', async () => {
    next.push({
      status: 409,
      body: {
        code: '23505',
        details: 'Key (site_id, email)=(…) already exists.',
        hint: null,
        message: 'duplicate key value violates unique constraint "contacts_site_id_email_key"',
      },
    });
    const error = await transport
      .insert(context, contacts, [{ first_name: 'A', last_name: 'B' }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: '23505',
      details: 'Key (site_id, email)=(…) already exists.',
      detail: 'Key (site_id, email)=(…) already exists.',
      constraint: 'contacts_site_id_email_key',
      status: 409,
    });
  });

  it('keeps PostgREST codes (PGRST) too', async () => {
    next.push({
      status: 406,
      body: {
        code: 'PGRST106',
        details: null,
        hint: 'Only the following schemas are exposed: public',
        message: 'Invalid schema: mod_c7a1e0b2',
      },
    });
    const error = await transport
      .select(context, contacts, { filters: [] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PGRST106',
      hint: 'Only the following schemas are exposed: public',
    });
  });

  it('refuses transactions with NOT_SUPPORTED before running anything', async () => {
    let ran = false;
    const error = await transport
      .transaction(context, async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(isModuleDbError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(requests).toEqual([]);
  });
});

describe('createSupabaseTransport: exact numbers', () => {
  const ledger: TableTarget = {
    schema: 'mod_c7a1e0b2',
    table: 'entries',
    name: 'entries',
    columnTypes: {
      id: 'uuid',
      site_id: 'uuid',
      seq: 'bigint',
      amount: 'numeric(38,10)',
      weights: 'numeric[]',
      label: 'text',
    },
  };

  it('selects bigint and numeric columns cast to text, and reads numeric arrays exactly', async () => {
    next.push({
      body: [
        {
          id: 'x',
          seq: '9007199254740993',
          amount: '12345678901234567890.0123456789',
          weights: '{1.5,NULL,98765432109876543210.25}',
          label: 'a',
        },
      ],
    });
    const rows = await transport.select(context, ledger, { filters: [siteFilter] });
    expect(rows).toEqual([
      {
        id: 'x',
        seq: '9007199254740993',
        amount: '12345678901234567890.0123456789',
        weights: ['1.5', null, '98765432109876543210.25'],
        label: 'a',
      },
    ]);
    expect(only().path).toBe(
      `/rest/v1/entries?select=id,site_id,seq::text,amount::text,weights::text,label&site_id=eq.${SITE}`,
    );
  });

  it('casts only the listed columns that need it', async () => {
    next.push({ body: [] });
    await transport.select(context, ledger, { columns: ['label', 'seq'], filters: [] });
    expect(only().path).toBe('/rest/v1/entries?select=label,seq::text');
  });

  it('writes bigints as exact decimal text and reads the representation back as text', async () => {
    next.push({
      status: 201,
      body: [{ id: 'x', seq: '9223372036854775807', amount: '1.5000000000' }],
    });
    const [row] = await transport.insert(context, ledger, [
      { seq: 9223372036854775807n, amount: '1.5', weights: [1n, '2.5'] },
    ]);
    expect(row).toMatchObject({ seq: '9223372036854775807' });
    const r = only();
    expect(r.body).toEqual([{ seq: '9223372036854775807', amount: '1.5', weights: ['1', '2.5'] }]);
    expect(r.path).toContain('select=id,site_id,seq::text,amount::text,weights::text,label');
  });

  it('sends bigint filter values exactly, at the top level, in lists and in trees', async () => {
    next.push({ body: [] });
    await transport.select(context, ledger, {
      filters: [
        { column: 'seq', op: 'eq', value: 9007199254740993n },
        { column: 'seq', op: 'in', value: [9007199254740993n, '1'] },
        { or: [[{ column: 'amount', op: 'gt', value: '12345678901234567890.0123456788' }]] },
      ],
    });
    expect(only().path).toContain(
      '&seq=eq.9007199254740993&seq=in.("9007199254740993","1")' +
        '&or=(amount.gt."12345678901234567890.0123456788")',
    );
  });
});

describe('createSupabaseTransport: LIKE with a literal *', () => {
  it('sends a pattern with * as an anchored regular expression (match / imatch)', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, {
      filters: [
        { column: 'first_name', op: 'like', value: 'st_r*%' },
        { column: 'first_name', op: 'ilike', value: '%a\\%*', negate: true },
        { column: 'first_name', op: 'like', value: 'no star %' },
        { or: [[{ column: 'first_name', op: 'like', value: '(*)' }]] },
      ],
    });
    expect(only().path).toBe(
      '/rest/v1/contacts?select=*' +
        '&first_name=match.^st.r\\*.*$' +
        '&first_name=not.imatch.^.*a%\\*$' +
        '&first_name=like.no star %' +
        '&or=(first_name.match."^\\\\(\\\\*\\\\)$")',
    );
  });
});

describe('createSupabaseTransport: errors through the data client', () => {
  const crm = {
    moduleId: context.moduleId,
    moduleType: 'system' as const,
    version: '1.0.0',
    tables: [
      {
        name: 'contacts',
        columns: [
          { name: 'first_name', type: 'text' },
          { name: 'last_name', type: 'text' },
          {
            name: 'lead_score',
            type: 'integer',
            default: '0',
            check: 'lead_score between 0 and 100',
          },
        ],
      },
    ],
  };
  const client = createModuleDataClient({ definition: crm, siteId: SITE, transport });

  it('a JWT role that does not exist (module never provisioned) -> NOT_FOUND naming the module', async () => {
    next.push({
      status: 400,
      body: { code: '22023', message: 'role "modrole_c7a1e0b2" does not exist', details: null },
    });
    const error = await client.select('contacts').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', moduleId: context.moduleId });
  });

  it('a check violation -> CONSTRAINT_VIOLATION with the path and the rule', async () => {
    next.push({
      status: 400,
      body: {
        code: '23514',
        message:
          'new row for relation "contacts" violates check constraint "ck_contacts_lead_score"',
        details: 'Failing row contains (...).',
      },
    });
    const error = await client
      .insert('contacts', { first_name: 'a', last_name: 'b', lead_score: 5 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      sqlstate: '23514',
      constraint: 'ck_contacts_lead_score',
      path: 'contacts.lead_score',
      rule: 'lead_score between 0 and 100',
    });
  });

  it('a not-null violation PostgREST reports in its message -> the column path', async () => {
    next.push({
      status: 400,
      body: {
        code: '23502',
        message:
          'null value in column "last_name" of relation "contacts" violates not-null constraint',
        details: null,
      },
    });
    const error = await client
      .update('contacts', { first_name: 'x' }, { first_name: 'y' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSTRAINT_VIOLATION', path: 'contacts.last_name' });
  });

  it('an out-of-range value PostgreSQL refused -> INVALID_QUERY with the SQLSTATE and column', async () => {
    next.push({
      status: 400,
      body: { code: '22003', message: 'value "99999" is out of range for type integer' },
    });
    const error = await client
      .update('contacts', { lead_score: 99 }, { first_name: 'y' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_QUERY',
      sqlstate: '22003',
      path: 'contacts.lead_score',
    });
  });
});

describe('createSupabaseTransport: array values in lists', () => {
  it('sends each array of an in list as one quoted array literal', async () => {
    next.push({ body: [] });
    await transport.select(context, contacts, {
      filters: [{ column: 'tags', op: 'in', value: [['a', 'b c'], ['x"y']] }],
    });
    expect(only().path).toBe(
      '/rest/v1/contacts?select=*&tags=in.("{\\"a\\",\\"b c\\"}","{\\"x\\\\\\"y\\"}")',
    );
  });
});
