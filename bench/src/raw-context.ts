/**
 * The raw baselines: the very statements the Postgres transport sends (the request context,
 * role and claims with set_config(..., true), and the data statement, captured from the SDK), sent
 * by raw `pg` in a transaction, so row-level security is on for them too.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** One statement as captured: text and parameter values. */
export interface RawStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** The old 2-setting context, for the EXPLAIN helpers of the RLS and count cases. */
export interface RawContext {
  readonly role: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export const SET_CONTEXT_SQL =
  "select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)";

/** Raw pg with the 2-setting context: BEGIN, the context, `text`, COMMIT (the RLS case). */
export async function pgInContext(
  pool: pg.Pool,
  context: RawContext,
  text: string,
  values: readonly unknown[],
): Promise<pg.QueryResult> {
  return pgFourRoundTrips(
    pool,
    { text: SET_CONTEXT_SQL, values: [JSON.stringify(context.claims), context.role] },
    { text, values },
  );
}

/** Raw pg, 4 round trips: BEGIN, the context, the statement, COMMIT, each awaited. */
export async function pgFourRoundTrips(
  pool: pg.Pool,
  context: RawStatement,
  main: RawStatement,
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(context.text, context.values as unknown[]);
    const result = await client.query(main.text, main.values as unknown[]);
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
  return text.replace(/\$(\d+)/g, (_, n) => {
    const v = values[Number(n) - 1];
    return v === null || v === undefined ? 'null' : client.escapeLiteral(String(v));
  });
}

/**
 * The floor: BEGIN, the context, the statement and COMMIT as one simple-protocol string (values
 * inlined as escaped literals): one round trip, one parse of everything, no prepared statement.
 */
export async function pgOneRoundTrip(
  pool: pg.Pool,
  context: RawStatement,
  main: RawStatement,
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  try {
    const results = (await client.query(
      `begin; ${inlineParameters(client, context.text, context.values)}; ${inlineParameters(client, main.text, main.values)}; commit`,
    )) as unknown as pg.QueryResult[];
    return results[2] as pg.QueryResult;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const names = new Map<string, string>();
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `bench_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * What the driver alone achieves: the four statements pipelined on a pipeline-mode client, the
 * context and the statement as named prepared statements.
 */
export async function pgPipelinedPrepared(
  pool: pg.Pool,
  context: RawStatement,
  main: RawStatement,
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  try {
    const settled = await Promise.allSettled([
      client.query('begin'),
      client.query({
        name: nameOf(context.text),
        text: context.text,
        values: context.values as unknown[],
      }),
      client.query({ name: nameOf(main.text), text: main.text, values: main.values as unknown[] }),
      client.query('commit'),
    ]);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return (settled[2] as PromiseFulfilledResult<pg.QueryResult>).value;
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

/**
 * A pool that records the statements its clients run (text and values), for capturing what the
 * transport sends; otherwise it is the pool it wraps.
 */
export function capturingPool(pool: pg.Pool, sink: RawStatement[]) {
  return {
    async connect() {
      const client = (await pool.connect()) as any;
      return {
        query(config: any, callback: any) {
          if (typeof config === 'object') sink.push({ text: config.text, values: config.values });
          else sink.push({ text: config, values: [] });
          return client.query(config, callback);
        },
        release: (destroy?: unknown) => client.release(destroy),
        on: (e: string, l: any) => client.on(e, l),
        removeListener: (e: string, l: any) => client.removeListener(e, l),
        connection: client.connection,
        getTransactionStatus: () => client.getTransactionStatus?.(),
      };
    },
  };
}
