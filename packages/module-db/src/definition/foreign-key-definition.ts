import { z } from 'zod';

/**
 * Referential actions a foreign key may declare.
 *
 * @example
 * ```ts
 * FOREIGN_KEY_ACTIONS.includes('SET NULL'); // true
 * ```
 *
 * @throws Never; this is a constant.
 */
export const FOREIGN_KEY_ACTIONS = ['CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION'] as const;

/**
 * The zod schema of one declared foreign key (the seed's `ForeignKeyDefinition`).
 *
 * Without `schema` (or with the module's own schema name) the target is a table of the same
 * module. `public` allows only the platform tables `agencies`, `clients` and
 * `profiles` (column `id`), `auth` only `users(id)`; {@link validateModuleDefinition} refuses
 * every other target, because reaching into another module would break module isolation.
 *
 * @example
 * ```ts
 * ForeignKeyDefinitionSchema.parse({
 *   column: 'company_id',
 *   references: { table: 'companies', column: 'id' },
 *   onDelete: 'SET NULL',
 * });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const ForeignKeyDefinitionSchema = z
  .object({
    /** The referencing column of this table. */
    column: z.string(),
    references: z
      .object({
        schema: z.string().optional(),
        table: z.string(),
        column: z.string(),
      })
      .strict(),
    /** `NO ACTION` when absent. */
    onDelete: z.enum(FOREIGN_KEY_ACTIONS).optional(),
    /** `NO ACTION` when absent. */
    onUpdate: z.enum(FOREIGN_KEY_ACTIONS).optional(),
  })
  .strict();

/**
 * A declared foreign key, as accepted by {@link ForeignKeyDefinitionSchema}.
 *
 * @example
 * ```ts
 * const fk: ForeignKeyDefinition = {
 *   column: 'staff_user_id',
 *   references: { schema: 'auth', table: 'users', column: 'id' },
 * };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ForeignKeyDefinition = z.infer<typeof ForeignKeyDefinitionSchema>;
