import { type DeepReadonly, deepFreeze } from './deep-freeze';
import type { ExactModuleDefinition } from './exact-module-definition';
import type { ModuleDatabaseConfig } from './module-database-config';

/**
 * What {@link defineModule} accepts: a {@link ModuleDatabaseConfig} whose arrays and objects may
 * be read-only (as `const` inference makes them).
 *
 * @example
 * ```ts
 * const input: ModuleDefinitionInput = { moduleId, moduleType: 'widget', version: '1.0.0', tables: [] };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ModuleDefinitionInput = DeepReadonly<ModuleDatabaseConfig>;

/**
 * Declares a module's database with full literal type inference: table names, column names and
 * column type strings keep their literal types, so {@link Row}, {@link Insert} and
 * {@link Update} can type the module's data. At runtime it returns `definition` itself, deeply
 * frozen; it validates nothing (call `validateModuleDefinition` for that).
 *
 * At compile time the definition must be exact ({@link ExactModuleDefinition}): a key that its
 * object does not have (`nullabel` on a column, `colum` on a `dropColumn` migration step,
 * `primaryKey` on a table) and a declared `site_id` column (the platform adds it) are type
 * errors, which `validateModuleDefinition` also refuses at run time (`unknown_key`,
 * `reserved_column`) for definitions that never meet the compiler.
 *
 * @example
 * ```ts
 * export const notesModule = defineModule({
 *   moduleId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
 *   moduleType: 'app',
 *   version: '1.0.0',
 *   tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }],
 * });
 * type Note = Row<typeof notesModule, 'notes'>; // { id: string; site_id: string; body: string }
 * ```
 *
 * @throws Never.
 */
export function defineModule<const T extends ModuleDefinitionInput>(
  // NoInfer: T is inferred from the argument as written; the exact shape only constrains it.
  definition: T & NoInfer<ExactModuleDefinition<T>>,
): T {
  return deepFreeze(definition);
}
