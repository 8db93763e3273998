// The Supabase transport's requests, read with PostgREST's own grammar and run on a real
// PostgreSQL. No PostgREST runs on this machine (none is installable here), so the query string
// the transport sends through supabase-js is parsed by a port of PostgREST's parser
// (test/postgrest-grammar.ts, from PostgREST's QueryParams.hs) and turned into the SQL condition
// PostgREST would run (SqlFragment.hs: `*` -> `%` in like values, `in` as `= any`). That
// condition must select exactly the rows the filter means, which is what the Postgres transport
// runs: the same values, the same LIKE semantics, on both transports.
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { createClient } from '@supabase/supabase-js';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ColumnFilter,
  Filter,
  RequestContext,
  TableTarget,
} from '../src/access/data-transport';
import { createSupabaseTransport } from '../src/access/supabase-transport';
import { escapeLikePattern } from '../src/access/where-input';
import { parsePostgrestFilters, postgrestCondition } from './postgrest-grammar';

const ADVERSARIAL = [
  'a","b',
  'a,b',
  'x)',
  '(y',
  '"quoted"',
  '"',
  'back\\slash',
  'trailing\\',
  '\\',
  ' lead space',
  'trail space ',
  'dot.colon:',
  'star*',
  '*',
  '100%',
  '%',
  'under_score',
  '_',
  'new\nline',
  'tab\there',
  'ümlaut',
  'emoji 😀',
  'null',
  'NULL',
  '{a,b}',
  '{',
  'eq.x',
  'not.in.(1)',
  '&amp=',
  '+plus',
  '%2C',
  "o'brien",
  '',
];
const NEAR_MISSES = ['a', 'b', 'x', 'y', '100x', 'starx', 'under-score', 'underXscore', 'plus'];

let tdb: TestDatabase;
let db: Kysely<any>;
let sent: string[] = [];

const supabase = createClient('http://127.0.0.1:54321', 'anon-key-for-tests', {
  global: {
    fetch: async (input: RequestInfo | URL) => {
      sent.push(new URL(String(input)).search);
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  },
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
});
const transport = createSupabaseTransport(supabase);
const context: RequestContext = {
  moduleId: 'c7a1e0b2-5d3f-4e8a-9b61-0f2d4c6e8a10',
  shortId: 'c7a1e0b2',
  siteId: '5a1e7c3b-0d2f-4e6a-8b9c-1d3e5f7a9b20',
  userId: undefined,
  role: 'modrole_c7a1e0b2',
  claims: {},
};
const target: TableTarget = {
  schema: 'public',
  table: 'grammar_rows',
  name: 'grammar_rows',
  columnTypes: { name: 'text', n: 'integer' },
};

/** What the filters mean, as the Postgres transport compiles them (values as parameters). */
function meaning(filters: readonly Filter[]): RawBuilder<boolean> {
  const one = (f: Filter): RawBuilder<boolean> => {
    if (!('column' in f)) {
      return sql<boolean>`(${sql.join(
        f.or.map((g) => sql`(${sql.join(g.map(one), sql` and `)})`),
        sql` or `,
      )})`;
    }
    const c = f as ColumnFilter;
    const col = sql.ref(c.column);
    const ops: Record<string, string> = {
      eq: '=',
      neq: '<>',
      gt: '>',
      gte: '>=',
      lt: '<',
      lte: '<=',
      like: 'like',
      ilike: 'ilike',
    };
    const cond =
      c.op === 'in'
        ? sql<boolean>`${col} in (${sql.join((c.value as unknown[]).map((v) => sql.val(v)))})`
        : c.op === 'is'
          ? sql<boolean>`${col} is ${sql.raw(String(c.value))}`
          : sql<boolean>`${col} ${sql.raw(ops[c.op] as string)} ${sql.val(c.value)}`;
    return c.negate ? sql<boolean>`not (${cond})` : cond;
  };
  return sql<boolean>`(${sql.join(filters.map(one), sql` and `)})`;
}

async function rows(condition: RawBuilder<boolean>): Promise<string[]> {
  const { rows } = await sql<{
    name: string;
  }>`select name from grammar_rows where ${condition} order by name collate "C"`.execute(db);
  return rows.map((r) => r.name);
}

/** Sends the filters through the transport and returns what PostgREST would select. */
async function throughPostgrest(filters: readonly Filter[]): Promise<string[]> {
  sent = [];
  await transport.select(context, target, { filters });
  expect(sent).toHaveLength(1);
  return rows(postgrestCondition(parsePostgrestFilters(sent[0] as string)));
}

async function expectSameRows(filters: readonly Filter[]): Promise<string[]> {
  const expected = await rows(meaning(filters));
  expect(await throughPostgrest(filters)).toEqual(expected);
  return expected;
}

const eq = (value: string): ColumnFilter => ({ column: 'name', op: 'eq', value });
const tree = (...filters: ColumnFilter[]): Filter => ({
  or: [...filters.map((f) => [f]), [eq('\u0001never')]],
});

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await sql`create table public.grammar_rows (name text not null, n integer)`.execute(db);
  const all = [...ADVERSARIAL, ...NEAR_MISSES];
  await sql`insert into public.grammar_rows (name, n) select v, i from unnest(${all}::text[]) with ordinality as t(v, i)`.execute(
    db,
  );
});
afterAll(() => tdb?.destroy());

describe('Supabase transport requests under PostgREST grammar', () => {
  it('keeps every value of an in list one value, however it is punctuated', async () => {
    const filters: Filter[] = [{ column: 'name', op: 'in', value: ADVERSARIAL }];
    expect(await expectSameRows(filters)).toHaveLength(ADVERSARIAL.length);
    // Negated, and inside a logic tree.
    expect(
      await expectSameRows([{ column: 'name', op: 'in', value: ADVERSARIAL, negate: true }]),
    ).toHaveLength(NEAR_MISSES.length);
    await expectSameRows([tree({ column: 'name', op: 'in', value: ['a","b', 'x)'] })]);
  });

  it('the a","b value that used to split in two matches one row only', async () => {
    expect(await expectSameRows([{ column: 'name', op: 'in', value: ['a","b'] }])).toEqual([
      'a","b',
    ]);
  });

  it.each(ADVERSARIAL.map((v) => [JSON.stringify(v), v]))(
    'eq %s matches that value exactly, at the top level and inside or/and',
    async (_label, value) => {
      expect(await expectSameRows([eq(value)])).toEqual([value]);
      expect(await expectSameRows([tree(eq(value))])).toEqual([value]);
      expect(
        await expectSameRows([
          { or: [[eq(value), { column: 'n', op: 'gt', value: 0 }], [eq('zz')]] },
        ]),
      ).toEqual([value]);
      await expectSameRows([{ ...eq(value), negate: true }]);
      await expectSameRows([tree({ ...eq(value), negate: true })]);
    },
  );

  it.each(ADVERSARIAL.filter((v) => v !== '').map((v) => [JSON.stringify(v), v]))(
    'contains %s (escaped LIKE) finds only rows with that literal text, on both transports',
    async (_label, value) => {
      const pattern = `%${escapeLikePattern(value)}%`;
      const found = await expectSameRows([{ column: 'name', op: 'like', value: pattern }]);
      expect(found.every((name) => name.includes(value))).toBe(true);
      expect(found).toContain(value);
      await expectSameRows([{ column: 'name', op: 'ilike', value: pattern }]);
      await expectSameRows([tree({ column: 'name', op: 'like', value: pattern })]);
      await expectSameRows([{ column: 'name', op: 'like', value: pattern, negate: true }]);
      await expectSameRows([tree({ column: 'name', op: 'ilike', value: pattern, negate: true })]);
    },
  );

  it('a LIKE pattern with * treats it as a literal character, as PostgreSQL does', async () => {
    // PostgREST alone would read `star*` as `star%` and also match `starx`.
    expect(await expectSameRows([{ column: 'name', op: 'like', value: 'star*' }])).toEqual([
      'star*',
    ]);
    expect(await expectSameRows([{ column: 'name', op: 'ilike', value: 'STAR*' }])).toEqual([
      'star*',
    ]);
    expect(await expectSameRows([{ column: 'name', op: 'like', value: '%*%' }])).toEqual([
      '*',
      'star*',
    ]);
    await expectSameRows([{ column: 'name', op: 'like', value: '_*', negate: true }]);
    await expectSameRows([tree({ column: 'name', op: 'like', value: 's_a%*' })]);
  });

  it('wildcards still work: %, _ and escapes mean the same on both transports', async () => {
    for (const pattern of [
      'a%',
      '%e',
      '_',
      '__',
      'under_score',
      'under\\_score',
      '100\\%',
      '%\\\\%',
    ]) {
      await expectSameRows([{ column: 'name', op: 'like', value: pattern }]);
      await expectSameRows([tree({ column: 'name', op: 'ilike', value: pattern })]);
    }
  });

  it('compares numbers and null checks in trees and at the top level', async () => {
    await expectSameRows([
      { column: 'n', op: 'gte', value: 5 },
      { column: 'n', op: 'lt', value: 9 },
    ]);
    await expectSameRows([tree({ column: 'n', op: 'in', value: [1, 3, 5] })]);
    await expectSameRows([{ column: 'n', op: 'is', value: null, negate: true }]);
  });
});
