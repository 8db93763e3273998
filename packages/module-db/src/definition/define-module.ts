import { type DeepReadonly, deepFreeze } from './deep-freeze';
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
export function defineModule<const T extends ModuleDefinitionInput>(definition: T): T {
  return deepFreeze(definition);
}
