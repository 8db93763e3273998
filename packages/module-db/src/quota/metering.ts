import { type Kysely, sql } from 'kysely';

/** Counts calls and errors per (module, site, minute) and writes them to the database in batches. */
export interface UsageMeter {
  /** Counts one call (and one error when `ok` is false). Never throws, never waits. */
  record(shortId: string, siteId: string, ok: boolean): void;
  /** Writes what was counted since the last flush (one statement). */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  /** Entries waiting for the next flush. */
  readonly pending: number;
}

/** Options of {@link createUsageMeter}. */
export interface UsageMeterOptions {
  /**
   * The connection that writes the counts (`public.dramac_record_calls`, which members of
   * `dramac_data_api` and `dramac_admin_api` may call).
   */
  readonly db: Kysely<any>;
  /** Flush at least this often. Default 10 s; 0: only on `flush()` and when a batch is full. */
  readonly flushIntervalMs?: number;
  /** Flush when this many (module, site, minute) entries wait. Default 1000. */
  readonly maxEntries?: number;
  /** Called when a flush fails (the counts are kept for the next one). Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** The clock (tests). Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  module: string;
  site: string;
  at: string;
  calls: number;
  errors: number;
}

/**
 * Creates a meter: calls and errors are added up in memory per (module, site, minute) and written
 * in one statement per flush, so metering costs one round trip per batch, not per call.
 *
 * @example
 * const meter = createUsageMeter({ db });
 * const client = createModuleDataClient({ definition, siteId, transport: withQuotas(transport, { meter }) });
 * await meter.close(); // on shutdown
 * @throws Never when created; `flush` throws what PostgreSQL refuses (the counts stay queued).
 */
export function createUsageMeter(options: UsageMeterOptions): UsageMeter {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1000;
  let entries = new Map<string, Entry>();
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    if (flushing) await flushing;
    if (entries.size === 0) return;
    const batch = [...entries.values()];
    entries = new Map();
    flushing = (async () => {
      try {
        await sql`select public.dramac_record_calls(${JSON.stringify(batch)}::jsonb)`.execute(
          options.db,
        );
      } catch (error) {
        // Keep the counts for the next flush.
        for (const e of batch) add(e.module, e.site, e.at, e.calls, e.errors);
        throw error;
      } finally {
        flushing = undefined;
      }
    })();
    await flushing;
  };
  const add = (module: string, site: string, at: string, calls: number, errors: number) => {
    const key = `${module}/${site}/${at}`;
    const entry = entries.get(key);
    if (entry) {
      entry.calls += calls;
      entry.errors += errors;
    } else {
      entries.set(key, { module, site, at, calls, errors });
    }
  };
  const interval = options.flushIntervalMs ?? 10_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          flush().catch((e) => options.onError?.(e));
        }, interval)
      : undefined;
  timer?.unref?.();
  return {
    record(shortId, siteId, ok) {
      const minute = new Date(Math.floor(now() / 60_000) * 60_000).toISOString();
      add(shortId, siteId, minute, 1, ok ? 0 : 1);
      if (entries.size >= maxEntries) flush().catch((e) => options.onError?.(e));
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      await flush();
    },
    get pending() {
      return entries.size;
    },
  };
}
