import 'server-only';
import {
  createRateLimiter,
  createUsageMeter,
  type UsageMeter,
  withQuotas,
} from '@dramac/module-db';
import type { DataTransport } from '@dramac/module-db/client';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { getDb } from './database';

const globalForTransport = globalThis as unknown as {
  playgroundTransport?: { transport: DataTransport; meter: UsageMeter };
};

function shared() {
  if (!globalForTransport.playgroundTransport) {
    const db = getDb();
    // Calls and errors per (module, site, minute), written every 2 s (and before usage is read);
    // calls past the (module, site) rate limit are refused with RATE_LIMITED.
    const meter = createUsageMeter({ db, flushIntervalMs: 2_000 });
    const transport = withQuotas(createPostgresTransport(db), {
      limiter: createRateLimiter({ limits: db }),
      meter,
    });
    globalForTransport.playgroundTransport = { transport, meter };
  }
  return globalForTransport.playgroundTransport;
}

/**
 * The transport every SDK and widget call of the playground goes through: the Postgres transport,
 * rate-limited and metered per (module, site) as a platform would run it.
 */
export function dataTransport(): DataTransport {
  return shared().transport;
}

/** Writes the calls counted so far, so that a usage read sees them. A failed write is kept for later. */
export async function flushCallCounts(): Promise<void> {
  await shared()
    .meter.flush()
    .catch(() => undefined);
}
