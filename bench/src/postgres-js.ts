/**
 * postgres.js, for the driver comparison of case 1 only (the transport ships on node-postgres):
 * its reserved connections shaped as the node-postgres pool clients the transport takes, so the
 * SDK runs the same transport code over either driver; and the raw pipelined baseline.
 */
import type { Sql } from 'postgres';
import type { RawStatement } from './raw-context';

/** A `PostgresPool` over postgres.js: `connect()` reserves a connection. */
export function postgresJsPool(sql: Sql) {
  return {
    async connect() {
      const reserved = await sql.reserve();
      return {
        query(config: any, callback: (error: Error | null, result: any) => void) {
          const text: string = typeof config === 'string' ? config : config.text;
          const values: any[] = typeof config === 'string' ? [] : (config.values ?? []);
          // Named statements are postgres.js' prepared ones (it names them itself).
          const query =
            values.length > 0 || typeof config.name === 'string'
              ? reserved.unsafe(text, values, { prepare: typeof config.name === 'string' })
              : reserved.unsafe(text);
          query.then(
            (rows: any) =>
              callback(null, { rows, rowCount: rows.count ?? null, command: rows.command }),
            (error: Error) => callback(error, undefined),
          );
        },
        release: () => reserved.release(),
      };
    },
  };
}

/** Raw postgres.js: BEGIN, the context, the statement (both prepared), COMMIT, pipelined. */
export async function postgresJsPipelined(
  sql: Sql,
  context: RawStatement,
  main: RawStatement,
): Promise<unknown> {
  const reserved = await sql.reserve();
  try {
    const results = await Promise.all([
      reserved.unsafe('begin'),
      reserved.unsafe(context.text, context.values as any[], { prepare: true }),
      reserved.unsafe(main.text, main.values as any[], { prepare: true }),
      reserved.unsafe('commit'),
    ]);
    return results[2];
  } finally {
    reserved.release();
  }
}
