import { z } from 'zod';

/**
 * Index access methods a module may use.
 *
 * @example
 * ```ts
 * INDEX_METHODS.includes('gin'); // true
 * ```
 *
 * @throws Never; this is a constant.
 */
export const INDEX_METHODS = ['btree', 'gin', 'gist', 'hash'] as const;

/**
 * The zod schema of one declared index (the seed's `IndexDefinition`).
 *
 * @example
 * ```ts
 * IndexDefinitionSchema.parse({ columns: ['status'], where: "status <> 'archived'" });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const IndexDefinitionSchema = z
  .object({
    /** Optional; the planner derives a 63-byte-safe name when absent. */
    name: z.string().optional(),
    /** Columns of the same table, in index order. */
    columns: z.array(z.string()).min(1, { error: 'An index needs at least one column.' }),
    /** Unique indexes are only supported by the `btree` method. */
    unique: z.boolean().optional(),
    /** A partial-index predicate over the table's columns. */
    where: z.string().optional(),
    /** Access method; `btree` when absent. */
    using: z.enum(INDEX_METHODS).optional(),
  })
  .strict();

/**
 * A declared index, as accepted by {@link IndexDefinitionSchema}.
 *
 * @example
 * ```ts
 * const index: IndexDefinition = { columns: ['payload'], using: 'gin' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type IndexDefinition = z.infer<typeof IndexDefinitionSchema>;
