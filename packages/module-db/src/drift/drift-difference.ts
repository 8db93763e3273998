/**
 * Every kind of difference {@link checkModuleDatabase} reports (see {@link DriftDifferenceKind}).
 *
 * @example
 * DRIFT_DIFFERENCE_KINDS.includes(difference.kind); // true
 * @throws never (a constant).
 */
export const DRIFT_DIFFERENCE_KINDS = [
  'missing_role',
  'missing_table',
  'unexpected_table',
  'missing_column',
  'unexpected_column',
  'column_type',
  'column_nullability',
  'missing_constraint',
  'unexpected_constraint',
  'missing_index',
  'unexpected_index',
  'invalid_index',
  'rls_not_enabled',
  'rls_not_forced',
  'missing_policy',
  'unexpected_policy',
  'policy_not_permissive',
  'policy_not_restrictive',
  'policy_command',
  'policy_roles',
  'missing_trigger',
  'unexpected_trigger',
  'trigger_disabled',
  'missing_grant',
  'unexpected_grant',
] as const;

/**
 * What differs between the live catalog and what the registry says should exist.
 *
 * - `missing_role`: the module role or admin role does not exist.
 * - `missing_table` / `unexpected_table`: a module table is gone, or a relation (table, view,
 *   sequence...) sits in the module's namespace without being planned.
 * - `missing_column` / `unexpected_column` / `column_type` / `column_nullability`.
 * - `missing_constraint` / `unexpected_constraint`: primary key, unique, check, foreign key
 *   (matched by name and type).
 * - `missing_index` / `unexpected_index` / `invalid_index` (a half-built index left by
 *   `CREATE INDEX CONCURRENTLY`).
 * - `rls_not_enabled` / `rls_not_forced`.
 * - `missing_policy` / `unexpected_policy`, `policy_not_permissive` (the site policy),
 *   `policy_not_restrictive` (every module policy), `policy_command`, `policy_roles`.
 * - `missing_trigger` / `unexpected_trigger` / `trigger_disabled`.
 * - `missing_grant` / `unexpected_grant`: table privileges of the module role, the admin role,
 *   Supabase's API roles and PUBLIC, and any column-level grant.
 *
 * @example
 * const kind: DriftDifferenceKind = 'rls_not_forced';
 */
export type DriftDifferenceKind = (typeof DRIFT_DIFFERENCE_KINDS)[number];

/**
 * One difference between the catalog and the registry's definition.
 *
 * @example
 * // { kind: 'column_type', table: 'mod_c7a1e0b2.contacts', object: 'lead_score',
 * //   expected: 'integer', actual: 'bigint',
 * //   message: 'column mod_c7a1e0b2.contacts.lead_score is bigint, expected integer' }
 */
export interface DriftDifference {
  readonly kind: DriftDifferenceKind;
  /** The table it concerns, `schema.table`; absent for roles. */
  readonly table?: string;
  /** The object's name: column, constraint, index, policy, trigger or role. */
  readonly object?: string;
  /** What should be there (a type, `not null`, a privilege list...), where meaningful. */
  readonly expected?: string;
  /** What is there, where meaningful. */
  readonly actual?: string;
  /** One line for people. */
  readonly message: string;
}

/**
 * The result of {@link checkModuleDatabase}: `ok` exactly when `differences` is empty.
 *
 * @example
 * const report = await checkModuleDatabase(db, crm.moduleId);
 * if (!report.ok) for (const d of report.differences) console.log(d.message);
 */
export interface DriftReport {
  readonly moduleId: string;
  readonly shortId: string;
  /** The installed version, from the registry. */
  readonly version: string;
  readonly ok: boolean;
  readonly differences: readonly DriftDifference[];
}
