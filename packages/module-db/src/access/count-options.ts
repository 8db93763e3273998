/**
 * How `count` counts. Browser-safe: types and constants only.
 *
 * There is no `planned` mode (the planner's estimate): under row-level security the estimate is
 * of the table, shaped by guesses about the policy's conditions, not the number of rows the
 * caller may see (measured: half the true count of a site holding every row), and computing it
 * without the policy would tell a caller how many rows other sites hold.
 */

/** `exact`: `count(*)` of every matching row. `capped`: counts up to a cap, then stops. */
export type CountMode = 'exact' | 'capped';

/** `count(*)` of every matching row (the default). */
export interface ExactCountOptions {
  readonly mode?: 'exact';
}

/**
 * Counts matching rows up to `cap` (default {@link DEFAULT_COUNT_CAP}); the cost stops there. On
 * the Postgres transport a count of a whole site (no filter) reads the table's primary-key index in
 * key order, at most cap + 1 entries, however the site's rows lie on disk (plus one heap row per
 * entry on pages not yet marked all-visible by VACUUM).
 */
export interface CappedCountOptions {
  readonly mode: 'capped';
  /** 1 to {@link MAX_COUNT_CAP}. */
  readonly cap?: number;
}

/**
 * Options of `count`: `{ mode: 'exact' }` (the default) or `{ mode: 'capped', cap? }`.
 *
 * @example
 * const { count, capped } = await client.count('events', undefined, { mode: 'capped', cap: 999 });
 * const label = capped ? `${count}+` : String(count);
 * @throws Never; this is a type.
 */
export type CountOptions = ExactCountOptions | CappedCountOptions;

/**
 * A capped count: `count` is the number of matching rows when `capped` is false, and the cap
 * when there are more (`capped: true`).
 *
 * @example
 * const result: CappedCount = { count: 10_000, capped: true }; // "10,000+"
 * @throws Never; this is a type.
 */
export interface CappedCount {
  readonly count: number;
  readonly capped: boolean;
}

/**
 * What `count` resolves to for options `O`: a number, or a {@link CappedCount} for the capped mode.
 *
 * @example
 * type A = CountResult<{ mode: 'capped' }>; // CappedCount
 * @throws Never; this is a type.
 */
export type CountResult<O> = O extends { readonly mode: 'capped' } ? CappedCount : number;

/**
 * The cap of a capped count when none is given.
 *
 * @example
 * await client.count('events', undefined, { mode: 'capped' }); // counts up to 10,000
 * @throws Never; this is a constant.
 */
export const DEFAULT_COUNT_CAP = 10_000;

/**
 * The largest cap a capped count takes.
 *
 * @example
 * if (cap > MAX_COUNT_CAP) throw new Error('cap too large');
 * @throws Never; this is a constant.
 */
export const MAX_COUNT_CAP = 1_000_000;
