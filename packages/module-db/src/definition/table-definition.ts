import { z } from 'zod';
import { ColumnDefinitionSchema } from './column-definition';
import { ForeignKeyDefinitionSchema } from './foreign-key-definition';
import { IndexDefinitionSchema } from './index-definition';
import { RlsPolicyDefinitionSchema } from './rls-policy-definition';
import { VisitorAccessSchema } from './visitor-access';

/**
 * The zod schema of one declared table (the seed's `TableDefinition`).
 *
 * `enableRLS` may only be `true` or absent: row level security is mandatory on every module
 * table (the seed allowed `false`, which would expose every site's rows to every other site).
 * The platform adds `site_id` to every table (declaring it is refused: `reserved_column`) and
 * `id` when no column is the primary key.
 *
 * @example
 * ```ts
 * TableDefinitionSchema.parse({
 *   name: 'contacts',
 *   columns: [{ name: 'email', type: 'text', nullable: true }],
 * });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const TableDefinitionSchema = z
  .object({
    name: z.string(),
    columns: z
      .array(ColumnDefinitionSchema)
      .min(1, { error: 'A table needs at least one column.' }),
    indexes: z.array(IndexDefinitionSchema).optional(),
    foreignKeys: z.array(ForeignKeyDefinitionSchema).optional(),
    enableRLS: z
      .literal(true, {
        error: 'Row level security is mandatory on module tables: enableRLS can only be true.',
      })
      .optional(),
    rlsPolicies: z.array(RlsPolicyDefinitionSchema).optional(),
    /**
     * What a site's visitors (no signed-in user) may read and insert; absent: members only.
     * Enforced by PostgreSQL (column privileges and policies of the module's visitor role).
     */
    visitors: VisitorAccessSchema.optional(),
  })
  .strict();

/**
 * A declared table, as accepted by {@link TableDefinitionSchema}.
 *
 * @example
 * ```ts
 * const table: TableDefinition = { name: 'notes', columns: [{ name: 'body', type: 'text' }] };
 * ```
 *
 * @throws Never; this is a type.
 */
export type TableDefinition = z.infer<typeof TableDefinitionSchema>;
