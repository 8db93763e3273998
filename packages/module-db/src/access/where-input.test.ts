// Adversarial inputs for the data client's input checks: each must fail fast with a typed error,
// after a bounded amount of work, without exhausting memory or the stack. Pure functions: the
// data client refuses these before any SQL, so no database is involved (the conformance suite
// checks, on a real PostgreSQL, that no request is sent).
import { describe, expect, it } from 'vitest';
import { crmModule } from '../../test/fixtures/sample-modules';
import { isModuleDbError } from '../errors';
import type { DataTransport } from './data-transport';
import { createModuleDataClient } from './module-data-client';
import { buildModuleMetadata } from './module-metadata';
import { parseWhere, WHERE_LIMITS } from './where-input';

const contacts = buildModuleMetadata(crmModule).tables.get('contacts');
if (!contacts) throw new Error('fixture');

const SITE = '5a1e7c3b-0d2f-4e6a-8b9c-1d3e5f7a9b20';

/** A transport that must never be reached: every input here is refused before it. */
const unreachable: DataTransport = {
  name: 'unreachable',
  select: () => Promise.reject(new Error('reached the transport')),
  count: () => Promise.reject(new Error('reached the transport')),
  insert: () => Promise.reject(new Error('reached the transport')),
  update: () => Promise.reject(new Error('reached the transport')),
  delete: () => Promise.reject(new Error('reached the transport')),
  transaction: () => Promise.reject(new Error('reached the transport')),
};
const client = createModuleDataClient({
  definition: crmModule,
  siteId: SITE,
  transport: unreachable,
});

/** Runs `fn`, expects a typed error, returns it with the time taken. */
function refused(fn: () => unknown): { error: any; ms: number } {
  const started = performance.now();
  try {
    fn();
  } catch (error) {
    const ms = performance.now() - started;
    expect(isModuleDbError(error)).toBe(true);
    return { error, ms };
  }
  throw new Error('expected a typed error');
}

async function refusedAsync(fn: () => Promise<unknown>): Promise<{ error: any; ms: number }> {
  const started = performance.now();
  const error = await fn().then(
    () => {
      throw new Error('expected a typed error');
    },
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(isModuleDbError(error)).toBe(true);
  return { error, ms };
}

/** `levels` objects, each an `or` of 100 references to the one below: 100^levels leaves. */
function sharedOrTower(levels: number): object {
  let node: object = { status: 'lead', lead_score: { gte: 1 } };
  for (let i = 0; i < levels; i++) node = { or: Array.from({ length: 100 }, () => node) };
  return node;
}

const timings: Record<string, number> = {};

describe('where limits', () => {
  it('refuses the reported where (3 shared objects, a million conditions) with QUERY_TOO_LARGE', () => {
    const { error, ms } = refused(() => parseWhere(contacts, sharedOrTower(3)));
    timings['3 shared objects (10^6 conditions)'] = ms;
    expect(error).toMatchObject({
      code: 'QUERY_TOO_LARGE',
      name: 'QueryLimitError',
      limit: 'conditions',
      max: WHERE_LIMITS.conditions,
    });
    expect(error.path).toMatch(/^where\.or\[\d+\]\.or\[\d+\]/);
    expect(ms).toBeLessThan(250);
  });

  it('refuses the deeper variant that used to run the process out of memory, just as fast', () => {
    // 8 levels: 10^16 conditions if expanded.
    const { error, ms } = refused(() => parseWhere(contacts, sharedOrTower(8)));
    timings['8 shared levels (10^16 conditions)'] = ms;
    expect(error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'conditions' });
    expect(ms).toBeLessThan(250);
  });

  it('refuses nesting deeper than the depth limit, without recursing further (no stack overflow)', () => {
    let deep: any = { status: 'lead' };
    for (let i = 0; i < 100_000; i++) deep = { or: [deep] };
    const ors = refused(() => parseWhere(contacts, deep));
    timings['or nested 100,000 deep'] = ors.ms;
    expect(ors.error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'depth', max: 8 });
    expect(ors.error.path).toBe(`where${'.or[0]'.repeat(8)}.or`);

    let nots: any = 'lead';
    for (let i = 0; i < 100_000; i++) nots = { not: nots };
    const negations = refused(() => parseWhere(contacts, { status: nots }));
    timings['not nested 100,000 deep'] = negations.ms;
    expect(negations.error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'depth' });
    expect(Math.max(ors.ms, negations.ms)).toBeLessThan(250);
  });

  it('refuses a where that contains itself', () => {
    const cyclic: any = { status: 'lead' };
    cyclic.or = [cyclic];
    const { error } = refused(() => parseWhere(contacts, cyclic));
    expect(error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'depth' });
  });

  it('refuses huge in lists and shared in lists by the number of values', () => {
    const million = Array.from({ length: 1_000_000 }, (_, i) => i);
    const big = refused(() => parseWhere(contacts, { lead_score: { in: million } }));
    timings['in of 1,000,000 values'] = big.ms;
    expect(big.error).toMatchObject({
      code: 'QUERY_TOO_LARGE',
      limit: 'values',
      max: WHERE_LIMITS.values,
      path: 'where.lead_score.in',
    });
    const list = Array.from({ length: 9_000 }, (_, i) => `v${i}`);
    const shared = refused(() =>
      parseWhere(contacts, { or: Array.from({ length: 100 }, () => ({ last_name: list })) }),
    );
    timings['100 x one shared in list of 9,000'] = shared.ms;
    expect(shared.error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'values' });
    expect(shared.error.path).toBe('where.or[1].last_name');
    expect(Math.max(big.ms, shared.ms)).toBeLessThan(250);
  });

  it('refuses values whose bytes add up past the limit, even when each is shared', () => {
    const huge = 'x'.repeat(2 * WHERE_LIMITS.bytes);
    const one = refused(() => parseWhere(contacts, { last_name: huge }));
    expect(one.error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'bytes' });
    const chunk = 'é'.repeat(100_000); // 200,000 UTF-8 bytes
    const many = refused(() =>
      parseWhere(contacts, { or: Array.from({ length: 10 }, () => ({ last_name: chunk })) }),
    );
    timings['10 x a shared 200 kB string'] = many.ms;
    expect(many.error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'bytes' });
    expect(many.error.path).toBe('where.or[5].last_name');
  });

  it('refuses more alternatives than one or may have', () => {
    const { error } = refused(() =>
      parseWhere(contacts, { or: Array.from({ length: 101 }, () => ({ status: 'lead' })) }),
    );
    expect(error).toMatchObject({
      code: 'QUERY_TOO_LARGE',
      limit: 'alternatives',
      path: 'where.or',
    });
  });

  it('accepts a large where within the limits', () => {
    const filters = parseWhere(contacts, {
      or: Array.from({ length: 100 }, (_, i) => ({
        last_name: { in: Array.from({ length: 50 }, (_, j) => `n${i}-${j}`) },
        lead_score: { gte: 0, lte: 100, not: { in: [1, 2, 3] } },
        status: { not: 'churned' },
      })),
    });
    expect(filters).toHaveLength(1);
  });

  it('counts negations of or-groups too (a not of a range costs its expansion)', () => {
    const range = { gte: 1, lte: 2, neq: 3, not: { in: [4, 5] } };
    const { error } = refused(() =>
      parseWhere(contacts, {
        or: Array.from({ length: 100 }, () => ({
          or: Array.from({ length: 100 }, () => ({ lead_score: { not: range } })),
        })),
      }),
    );
    expect(error).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 'conditions' });
  });
});

describe('other inputs that expand', () => {
  it('refuses a JSON value of shared objects that would serialise to 2^60 nodes', async () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 60; i++) value = { a: value, b: value };
    const { error, ms } = await refusedAsync(() =>
      client.insert('contacts', { first_name: 'A', last_name: 'B', custom_fields: value as never }),
    );
    timings['JSON of 60 shared levels (2^60 nodes)'] = ms;
    expect(error).toMatchObject({ code: 'INVALID_QUERY', path: 'data.custom_fields' });
    expect(error.message).toMatch(/at most 100000 nodes/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a JSON value that contains itself, and one nested a million deep, without recursion', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      (
        await refusedAsync(() =>
          client.insert('contacts', {
            first_name: 'A',
            last_name: 'B',
            custom_fields: cyclic as never,
          }),
        )
      ).error,
    ).toMatchObject({ code: 'INVALID_QUERY', path: 'data.custom_fields' });
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const { error, ms } = await refusedAsync(() =>
      client.update('contacts', { custom_fields: deep as never }, { status: 'lead' }),
    );
    timings['JSON nested 1,000,000 deep'] = ms;
    expect(error).toMatchObject({ code: 'INVALID_QUERY', path: 'data.custom_fields' });
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a keyset page sorted on a million keys (its filter grows with their square)', async () => {
    const orderBy = Array.from({ length: 1_000_000 }, () => ({ column: 'last_name' }));
    const { error, ms } = await refusedAsync(() =>
      client.page('contacts', { limit: 10, orderBy, cursor: 'x' }),
    );
    timings['page with 1,000,000 sort keys'] = ms;
    expect(error).toMatchObject({ code: 'INVALID_QUERY', path: 'orderBy' });
    const twice = await refusedAsync(() =>
      client.select('contacts', { orderBy: [{ column: 'last_name' }, { column: 'last_name' }] }),
    );
    expect(twice.error).toMatchObject({ code: 'INVALID_QUERY', path: 'orderBy[1].column' });
  });

  it('prints the measured times', () => {
    console.log(
      `[where-limits] ms to refuse: ${Object.entries(timings)
        .map(([k, v]) => `${k}: ${v.toFixed(1)}`)
        .join('; ')}`,
    );
    expect(Object.keys(timings).length).toBeGreaterThanOrEqual(8);
  });
});
