// The conformance suite on the Postgres transport over a node-postgres pool in pipeline mode: one
// round trip per call (BEGIN, context, statement, COMMIT pipelined, named prepared statements),
// against the test harness's real PostgreSQL.
import { createPostgresTransport } from '@dramac/module-db/postgres';
import pg from 'pg';
import { afterAll } from 'vitest';
import { describeConformance } from './describe-conformance';

const pools = new Map<string, pg.Pool>();
afterAll(async () => {
  await Promise.all([...pools.values()].map((pool) => pool.end()));
});

describeConformance(
  'postgres (pg pool, pipelined)',
  ({ url }) => {
    let pool = pools.get(url);
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max: 4, pipeline: true } as pg.PoolConfig);
      pool.on('error', () => undefined);
      pools.set(url, pool);
    }
    return createPostgresTransport(pool);
  },
  { transactions: true },
);
