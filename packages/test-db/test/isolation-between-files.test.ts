import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../src/index';

// Two files, each creating the same table name with a different marker: if they shared a
// database, one of the creates or the count below would fail.
let first: TestDatabase;
let second: TestDatabase;
beforeAll(async () => {
  [first, second] = await Promise.all([startTestDatabase(), startTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([first?.destroy(), second?.destroy()]);
});

it('two databases started in parallel are different and both start clean', async () => {
  expect(first.name).not.toBe(second.name);
  await sql`create table public.marker (v text)`.execute(first.db);
  await sql`insert into public.marker values ('first')`.execute(first.db);
  await sql`create table public.marker (v text)`.execute(second.db);
  const seen = await sql<{ n: string }>`select count(*) as n from public.marker`.execute(second.db);
  expect(Number(seen.rows[0]?.n)).toBe(0);
  const agencies = await sql<{ n: string }>`select count(*) as n from public.agencies`.execute(
    second.db,
  );
  expect(Number(agencies.rows[0]?.n)).toBe(0);
});

it('a database is gone after destroy', async () => {
  const extra = await startTestDatabase();
  const name = extra.name;
  await extra.destroy();
  const { rows } = await sql<{
    n: string;
  }>`select count(*) as n from pg_database where datname = ${name}`.execute(first.db);
  expect(Number(rows[0]?.n)).toBe(0);
});
