import type { DataTransport, RequestContext } from '../access/data-transport';
import type { RateLimiter } from '../access/rate-limit';
import type { UsageMeter } from './metering';

/** Options of {@link withQuotas}. */
export interface WithQuotasOptions {
  /** Refuses calls past the (module, site) rate limit with `RATE_LIMITED`. */
  readonly limiter?: RateLimiter;
  /** Counts calls and errors per (module, site). */
  readonly meter?: UsageMeter;
}

/**
 * Wraps a transport so every call of the data client is rate-limited and metered per (module,
 * site): a call past the limit is refused with `RateLimitedError` before it reaches the database
 * (and counted as an error), every other call is counted, and one that fails as an error. A
 * transaction is admitted (and counted) once; the calls inside it are counted, not limited.
 *
 * @example
 * const transport = withQuotas(createPostgresTransport(pool), { limiter: createRateLimiter({ limits: db }), meter: createUsageMeter({ db }) });
 * const client = createModuleDataClient({ definition: crm, siteId, transport });
 * @throws Never itself; its methods throw RateLimitedError and whatever the transport throws.
 */
export function withQuotas(transport: DataTransport, options: WithQuotasOptions): DataTransport {
  return wrap(transport, options, true);
}

function wrap(transport: DataTransport, options: WithQuotasOptions, limit: boolean): DataTransport {
  const { limiter, meter } = options;
  const call = async <T>(context: RequestContext, fn: () => Promise<T>): Promise<T> => {
    try {
      if (limit && limiter) await limiter.admit(context.shortId, context.siteId);
      const result = await fn();
      meter?.record(context.shortId, context.siteId, true);
      return result;
    } catch (error) {
      meter?.record(context.shortId, context.siteId, false);
      throw error;
    }
  };
  return Object.freeze({
    name: transport.name,
    select: (c, t, q) => call(c, () => transport.select(c, t, q)),
    count: (c, t, f, l) => call(c, () => transport.count(c, t, f, l)),
    // Every argument passes through (a visitor's insert reads nothing back: `returning: false`).
    insert: (c, t, r, o) => call(c, () => transport.insert(c, t, r, o)),
    update: (c, t, f, p) => call(c, () => transport.update(c, t, f, p)),
    delete: (c, t, f) => call(c, () => transport.delete(c, t, f)),
    transaction: (c, fn) =>
      call(c, () => transport.transaction(c, (inner) => fn(wrap(inner, options, false)))),
    ...(transport.moduleStatus
      ? {
          moduleStatus: (c: RequestContext) =>
            transport.moduleStatus?.(c) ?? Promise.resolve(undefined),
        }
      : {}),
  } satisfies DataTransport);
}
