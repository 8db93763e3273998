import { ModuleNamingError, quote } from './errors';

/**
 * How a module's tables are namespaced: a dedicated schema `mod_<id>`, or a `mod_<id>_` table
 * prefix in `public`. (The shared-table strategy of widgets creates no tables and has no names
 * to derive, so it is not one of these.)
 *
 * @example
 * ```ts
 * const strategy: IsolationStrategyName = 'schema';
 * ```
 *
 * @throws Never; this is a type.
 */
export type IsolationStrategyName = 'schema' | 'prefix';

/** Throws `INVALID_STRATEGY` unless `strategy` is `'schema'` or `'prefix'`. */
export function assertIsolationStrategyName(
  strategy: unknown,
): asserts strategy is IsolationStrategyName {
  if (strategy !== 'schema' && strategy !== 'prefix') {
    throw new ModuleNamingError(
      'INVALID_STRATEGY',
      `Invalid isolation strategy ${quote(strategy)}: expected "schema" or "prefix".`,
      { value: strategy },
    );
  }
}
