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
  'column_default',
  'primary_key',
  'constraint_definition',
  'index_definition',
  'policy_expression',
  'trigger_definition',
  'role_attributes',
  'unexpected_membership',
  'outside_object',
  'outside_dependency',
  'outside_dependent',
  'schema_owner',
  'table_owner',
  'table_kind',
  'quota_trigger',
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
 * - `missing_grant` / `unexpected_grant`: table privileges of every role (the module role and
 *   the admin role hold exactly SELECT, INSERT, UPDATE, DELETE; nobody else holds anything).
 * - `column_default`, `primary_key` (keys are `(site_id, ...)`), `constraint_definition`,
 *   `index_definition`, `policy_expression`, `trigger_definition`: the object exists under its
 *   name but is not the module's (expressions compared with what PostgreSQL recorded when the
 *   version was installed).
 * - `role_attributes`, `unexpected_membership`: a module role holds an attribute (BYPASSRLS...)
 *   or a membership it should not, or a role that should not can act as a module role.
 * - `outside_object`: a module role owns or holds privileges on something outside the module.
 * - `outside_dependency` / `outside_dependent`: a module object depends on something outside the
 *   module other than the allowed platform objects, or something outside depends on it.
 * - `schema_owner`, `table_owner`, `table_kind`: the module's objects belong to another role, or a
 *   table has inheritance, partitions or rules.
 * - `quota_trigger`: one of the platform's quota counting triggers on a module table (or on
 *   `module_data`, for a widget) is missing, disabled or altered: rows written meanwhile are not
 *   counted and the row and storage limits do not hold. `repairModuleDatabase` (or `recountUsage`)
 *   attaches it again and counts the rows again; no module DDL is involved (no `repair` SQL).
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
  /**
   * The exact statements that bring this object back to the definition, where module DDL can
   * (absent for differences only the platform can repair: roles, memberships, outside objects).
   * `repairModuleDatabase` runs them, with everything else the repair needs, in one transaction.
   */
  readonly repair?: readonly string[];
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
