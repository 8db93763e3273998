import type { ModuleDatabaseConfig } from './module-database-config';
import type { IsolationStrategy, ModuleType } from './validated-definition';

const DEFAULT_STRATEGY: Readonly<Record<ModuleType, IsolationStrategy>> = Object.freeze({
  widget: 'shared',
  app: 'prefix',
  integration: 'prefix',
  system: 'schema',
  custom: 'schema',
});

/**
 * The isolation strategy a module type gets when its definition does not name one.
 *
 * - `widget` → `shared`: rows in `public.module_data`, no DDL at all.
 * - `app`, `integration` → `prefix`: tables `public.mod_<id>_<table>`.
 * - `system`, `custom` → `schema`: a dedicated schema `mod_<id>`.
 *
 * This follows the seed's text (EM-10, "app: creates prefixed tables in public schema"). The
 * seed's code put `app` modules in a dedicated schema (`['system', 'custom', 'app']`); the text
 * is the documented contract, so it wins.
 *
 * @example
 * ```ts
 * defaultStrategyFor('app'); // 'prefix'
 * ```
 *
 * @throws {TypeError} When `moduleType` is not a module type (only reachable from untyped code).
 */
export function defaultStrategyFor(moduleType: ModuleType): IsolationStrategy {
  const strategy = Object.hasOwn(DEFAULT_STRATEGY, moduleType)
    ? DEFAULT_STRATEGY[moduleType]
    : undefined;
  if (strategy === undefined) {
    throw new TypeError(`Unknown module type ${JSON.stringify(moduleType)}.`);
  }
  return strategy;
}

/**
 * The isolation strategy of a module: its explicit `strategy` override, else the default of its
 * type ({@link defaultStrategyFor}). A `shared` module declares no tables: its data are rows
 * in `public.module_data`, and validation refuses tables under that strategy.
 *
 * @example
 * ```ts
 * resolveStrategy({ moduleType: 'app' }); // 'prefix'
 * resolveStrategy({ moduleType: 'app', strategy: 'schema' }); // 'schema'
 * ```
 *
 * @throws {TypeError} When `moduleType` is not a module type (only reachable from untyped code).
 */
export function resolveStrategy(
  config: Pick<ModuleDatabaseConfig, 'moduleType'> & {
    readonly strategy?: IsolationStrategy | undefined;
  },
): IsolationStrategy {
  return config.strategy ?? defaultStrategyFor(config.moduleType);
}
