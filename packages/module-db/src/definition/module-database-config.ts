import { z } from 'zod';
import { MigrationStepSchema } from './migration-step';
import { TableDefinitionSchema } from './table-definition';
import type { IsolationStrategy, ModuleType } from './validated-definition';
import { WidgetCollectionSchema } from './widget-collections';

/**
 * The module types of the platform (seed EM-10).
 *
 * @example
 * ```ts
 * MODULE_TYPES.includes('widget'); // true
 * ```
 *
 * @throws Never; this is a constant.
 */
export const MODULE_TYPES = [
  'widget',
  'app',
  'integration',
  'system',
  'custom',
] as const satisfies readonly ModuleType[];

/**
 * The isolation strategies a definition may name explicitly.
 *
 * @example
 * ```ts
 * ISOLATION_STRATEGIES.includes('schema'); // true
 * ```
 *
 * @throws Never; this is a constant.
 */
export const ISOLATION_STRATEGIES = [
  'shared',
  'prefix',
  'schema',
] as const satisfies readonly IsolationStrategy[];

/**
 * Semantic Versioning 2.0.0, the regular expression recommended by semver.org: no leading
 * zeros, optional pre-release (`-rc.1`) and build metadata (`+build.5`), no `v` prefix.
 *
 * @example
 * ```ts
 * SEMVER_PATTERN.test('1.2.3-beta.1+build.7'); // true
 * SEMVER_PATTERN.test('v1.2'); // false
 * ```
 *
 * @throws Never; this is a constant.
 */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * The zod schema of a module's database declaration (the seed's `ModuleDatabaseConfig`, minus
 * its `siteId`: provisioning is per module, site data are separated by row level security).
 *
 * Only the shape is checked here. {@link validateModuleDefinition} adds the semantic rules: a
 * UUID `moduleId`, identifiers, types, expressions, keys, and `tables` being empty exactly when
 * the strategy is `shared`.
 *
 * @example
 * ```ts
 * ModuleDatabaseConfigSchema.parse({
 *   moduleId: '5f1c2a9e-8d4b-4c1a-9f3e-2b7d6a8c0e11',
 *   moduleType: 'widget',
 *   version: '1.0.0',
 *   tables: [],
 * });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const ModuleDatabaseConfigSchema = z
  .object({
    /** The module's UUID; its first 8 hex digits name the schema, prefix and role. */
    moduleId: z.string(),
    moduleType: z.enum(MODULE_TYPES),
    /** The definition's version, strict semver (`1.4.0`, `2.0.0-rc.1`). */
    version: z.string().regex(SEMVER_PATTERN, {
      error: 'Expected a semantic version such as "1.0.0" or "2.1.0-rc.1" (no "v" prefix).',
    }),
    /** Overrides the module type's default isolation strategy. */
    strategy: z.enum(ISOLATION_STRATEGIES).optional(),
    /** A display name, for people. */
    name: z.string().optional(),
    /** The module's tables; empty exactly when the strategy is `shared`. */
    tables: z.array(TableDefinitionSchema),
    /**
     * Widgets (strategy `shared`): the shape of their items, by collection name, and what a public
     * site's visitors may read and insert. The database checks every item against it.
     */
    collections: z.record(z.string(), WidgetCollectionSchema).optional(),
    /**
     * Explicit steps of the upgrade to this version (renames, drops, type changes, backfills).
     * Ignored on a first install.
     */
    migrations: z.array(MigrationStepSchema).optional(),
  })
  .strict();

/**
 * A module's database declaration, as accepted by {@link ModuleDatabaseConfigSchema}.
 *
 * @example
 * ```ts
 * const config: ModuleDatabaseConfig = {
 *   moduleId: '5f1c2a9e-8d4b-4c1a-9f3e-2b7d6a8c0e11',
 *   moduleType: 'app',
 *   version: '1.0.0',
 *   tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }],
 * };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ModuleDatabaseConfig = z.infer<typeof ModuleDatabaseConfigSchema>;
