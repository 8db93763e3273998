/**
 * The raw baselines: the same request context the Postgres transport sets (role and claims with
 * set_config(..., true) inside a transaction), so row-level security is on for them too.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type pg from 'pg';

/** What the transport sets: the role and the claims JSON. */
export interface RawContext {
  readonly role: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export const SET_CONTEXT_SQL =
  "select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)";

/** Raw Kysely: one transaction, the context, then `fn` (4 round trips, as the transport). */
export function kyselyInContext<T>(
  db: Kysely<any>,
  context: RawContext,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('request.jwt.claims', ${JSON.stringify(context.claims)}, true), set_config('role', ${context.role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

/** Raw pg: BEGIN, the context, the query, COMMIT on one pooled client (4 round trips). */
export async function pgInContext(
  pool: pg.Pool,
  context: RawContext,
  text: string,
  values: readonly unknown[],
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(SET_CONTEXT_SQL, [JSON.stringify(context.claims), context.role]);
    const result = await client.query(text, values as unknown[]);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** `text` with `$n` replaced by quoted literals (only for the one-round-trip floor). */
export function inlineParameters(client: pg.PoolClient, text: string, values: readonly unknown[]) {
  return text.replace(/\$(\d+)/g, (_, n) => client.escapeLiteral(String(values[Number(n) - 1])));
}

/**
 * The floor: BEGIN, the context, the query and COMMIT as one simple-protocol string (values
 * inlined as escaped literals), so one round trip instead of four.
 */
export async function pgOneRoundTrip(
  pool: pg.Pool,
  context: RawContext,
  text: string,
  values: readonly unknown[],
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  try {
    const claims = client.escapeLiteral(JSON.stringify(context.claims));
    const role = client.escapeLiteral(context.role);
    const results = (await client.query(
      `begin; select set_config('request.jwt.claims', ${claims}, true), set_config('role', ${role}, true); ${inlineParameters(client, text, values)}; commit`,
    )) as unknown as pg.QueryResult[];
    return results[2] as pg.QueryResult;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of `text` run under `context` (rolled back afterwards). */
export async function explainInContext(
  pool: pg.Pool,
  context: RawContext | null,
  text: string,
  values: readonly unknown[],
): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    if (context)
      await client.query(SET_CONTEXT_SQL, [JSON.stringify(context.claims), context.role]);
    const { rows } = await client.query(`explain (analyze, buffers) ${text}`, values as unknown[]);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('rollback').catch(() => undefined);
    client.release();
  }
}
