import { type Kysely, sql } from 'kysely';
import { RateLimitedError } from '../errors';

/** Admits or refuses one call of a module on a site. */
export interface RateLimiter {
  /**
   * Takes one call from the (module, site) budget.
   *
   * @throws RateLimitedError (`RATE_LIMITED`, with `retryAfterMs`) when the budget is spent.
   */
  admit(shortId: string, siteId: string): Promise<void>;
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Where the limits come from: a connection that may call `public.dramac_module_limits` (the
   * data API's login: members of `dramac_data_api`), or a function returning calls per second
   * (null: unlimited) for a (module, site).
   */
  readonly limits: Kysely<any> | ((shortId: string, siteId: string) => Promise<number | null>);
  /** How long a limit read from the database is used before it is read again. Default 30 s. */
  readonly cacheMs?: number;
  /** The clock (tests). Default `performance.now`. */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: number | null;
  readAt: number;
}

/**
 * A token bucket per (module, site): `calls_per_second` calls per second on average, bursts of up
 * to one second's worth. In-process: each server instance enforces the limit for the calls it
 * serves (with N instances a site gets at most N times the limit); the database's quotas on rows
 * and bytes hold whatever the number of instances.
 *
 * @example
 * const limiter = createRateLimiter({ limits: db });
 * await limiter.admit(shortId, siteId); // throws RateLimitedError past the limit
 * @throws Never when created.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? (() => performance.now());
  const source = options.limits;
  const read =
    typeof source === 'function'
      ? source
      : async (shortId: string, siteId: string): Promise<number | null> => {
          const { rows } = await sql<{ limit: string | null }>`
            select public.dramac_module_limits(${shortId}, ${siteId}::uuid) ->> 'calls_per_second' as limit`.execute(
            source,
          );
          const value = rows[0]?.limit;
          return value === null || value === undefined ? null : Number(value);
        };
  const buckets = new Map<string, Bucket>();
  const pending = new Map<string, Promise<number | null>>();
  return {
    async admit(shortId, siteId) {
      const key = `${shortId}/${siteId}`;
      let bucket = buckets.get(key);
      const t = now();
      if (!bucket || t - bucket.readAt > cacheMs) {
        let reading = pending.get(key);
        if (!reading) {
          reading = read(shortId, siteId).finally(() => pending.delete(key));
          pending.set(key, reading);
        }
        const limit = await reading;
        bucket = buckets.get(key);
        if (!bucket) {
          bucket = { tokens: limit ?? 0, at: now(), limit, readAt: now() };
          buckets.set(key, bucket);
        } else {
          bucket.limit = limit;
          bucket.readAt = now();
        }
      }
      const limit = bucket.limit;
      if (limit === null) return;
      const at = now();
      bucket.tokens = Math.min(limit, bucket.tokens + ((at - bucket.at) / 1000) * limit);
      bucket.at = at;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      const retryAfterMs = Math.max(1, Math.ceil(((1 - bucket.tokens) / limit) * 1000));
      throw new RateLimitedError(retryAfterMs, limit, { module: shortId, site: siteId });
    },
  };
}
