import { z } from 'zod';

const name = z.string().min(1).max(63);

/**
 * An explicit step of an upgrade, declared in the new version's definition (`migrations`). Every
 * destructive or rewriting change must be declared as one; additive changes need none. There is
 * no raw SQL: expressions (`using`, `value`) go through the PostgreSQL parser like every other.
 *
 * - `renameTable` / `renameColumn`: keep the data under a new name (derived index and constraint
 *   names follow).
 * - `dropTable` / `dropColumn`: the data goes.
 * - `alterType`: change a column's type, converting with `using` (an expression of the row's
 *   columns), or PostgreSQL's own cast when absent.
 * - `backfill`: set a column where it is null to `value` (a constant or an expression of the row's
 *   columns), e.g. before it becomes NOT NULL.
 * - `setNotNull`: make an existing nullable column NOT NULL (fails if nulls remain).
 * - `addConstraint`: accept a new `unique` or `check` on an existing column (PostgreSQL checks the
 *   existing rows when it is added).
 * - Widgets (`shared`): `dropCollection` (its items go), `dropField` (the field is removed from every
 *   item), `alterField` (a field's type or bounds change, or it becomes required: the database
 *   checks every existing item against the new shape, and the upgrade fails if one does not fit).
 *
 * @example
 * { kind: 'renameColumn', table: 'contacts', from: 'phone', to: 'phone_number' }
 */
export const MigrationStepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('renameTable'), from: name, to: name }).strict(),
  z.object({ kind: z.literal('renameColumn'), table: name, from: name, to: name }).strict(),
  z.object({ kind: z.literal('dropTable'), table: name }).strict(),
  z.object({ kind: z.literal('dropColumn'), table: name, column: name }).strict(),
  z
    .object({
      kind: z.literal('alterType'),
      table: name,
      column: name,
      using: z.string().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('backfill'), table: name, column: name, value: z.string() }).strict(),
  z.object({ kind: z.literal('setNotNull'), table: name, column: name }).strict(),
  z
    .object({
      kind: z.literal('addConstraint'),
      table: name,
      column: name,
      constraint: z.enum(['unique', 'check']),
    })
    .strict(),
  z.object({ kind: z.literal('dropCollection'), collection: name }).strict(),
  z.object({ kind: z.literal('dropField'), collection: name, field: name }).strict(),
  z.object({ kind: z.literal('alterField'), collection: name, field: name }).strict(),
]);

/** One declared upgrade step; see {@link MigrationStepSchema}. */
export type MigrationStep = z.infer<typeof MigrationStepSchema>;
