import { z } from 'zod';

/**
 * The zod schema of one declared column (the seed's `ColumnDefinition`). Unknown keys are
 * reported, so a typo such as `nullabel` is an error instead of a silently ignored field.
 *
 * Only the shape is checked here; {@link validateModuleDefinition} then checks the name against
 * the identifier rules, parses `type` against the allow-list and compiles `default` and `check`
 * with the PostgreSQL parser.
 *
 * @example
 * ```ts
 * ColumnDefinitionSchema.parse({ name: 'email', type: 'text', nullable: true, unique: true });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const ColumnDefinitionSchema = z
  .object({
    /** Lower-case snake case, at most 63 bytes. */
    name: z.string(),
    /** A type from the allow-list, such as `text`, `numeric(12,2)` or `text[]`. */
    type: z.string(),
    /** `NOT NULL` unless `true`. Primary key columns cannot be nullable. */
    nullable: z.boolean().optional(),
    /** A SQL expression such as `now()` or `'lead'`; parsed, never concatenated. */
    default: z.string().optional(),
    /** Exactly one column per table may be the primary key. */
    primaryKey: z.boolean().optional(),
    /** Unique per site: enforced together with `site_id`. */
    unique: z.boolean().optional(),
    /** A boolean SQL expression over the table's columns, such as `lead_score >= 0`. */
    check: z.string().optional(),
  })
  .strict();

/**
 * A declared column, as accepted by {@link ColumnDefinitionSchema}.
 *
 * @example
 * ```ts
 * const column: ColumnDefinition = { name: 'created_at', type: 'timestamptz', default: 'now()' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnDefinition = z.infer<typeof ColumnDefinitionSchema>;
