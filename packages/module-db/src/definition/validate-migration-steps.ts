import type { IssueCollector } from './issue-collector';
import type { MigrationStep } from './migration-step';
import { RESERVED_COLUMN_NAMES, reservedColumnName } from './reserved-column-names';

/** The fields of each step kind that name a column of a table. */
const COLUMN_FIELDS: Readonly<Record<MigrationStep['kind'], readonly string[]>> = {
  renameTable: [],
  dropTable: [],
  renameColumn: ['from', 'to'],
  dropColumn: ['column'],
  alterType: ['column'],
  backfill: ['column'],
  setNotNull: ['column'],
  addConstraint: ['column'],
  // Widgets' steps name fields of items, not columns.
  dropCollection: [],
  dropField: [],
  alterField: [],
};

/**
 * Checks what can be checked of the declared upgrade steps without the installed definition: no
 * step may name a column the platform owns ({@link RESERVED_COLUMN_NAMES}, `reserved_column`):
 * renaming, dropping, retyping, backfilling or constraining `site_id` would break site
 * isolation, and a definition cannot declare it anyway. Whether tables and columns exist in both
 * versions is checked when the upgrade is planned. Internal to the validator.
 *
 * @example
 * ```ts
 * checkMigrationSteps([[0, { kind: 'dropColumn', table: 'deals', column: 'site_id' }]], issues);
 * issues.list()[0].path; // 'migrations[0].column'
 * ```
 *
 * @throws Never; problems are added to `issues`.
 */
export function checkMigrationSteps(
  steps: readonly (readonly [number, MigrationStep])[],
  issues: IssueCollector,
): void {
  for (const [index, step] of steps) {
    for (const field of COLUMN_FIELDS[step.kind]) {
      const value = (step as unknown as Record<string, unknown>)[field];
      if (typeof value !== 'string') continue;
      const reserved = reservedColumnName(value);
      if (reserved === undefined) continue;
      issues.add(
        `migrations[${index}].${field}`,
        'reserved_column',
        `A ${step.kind} step names "${value}": ${reserved} is added and kept by the platform on every module table (${RESERVED_COLUMN_NAMES[reserved]}); a migration step cannot rename, drop, retype, backfill or constrain it.`,
      );
    }
  }
}
