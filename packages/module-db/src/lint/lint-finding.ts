/** How serious a lint finding is: `error` breaks isolation, `warn` costs performance or safety margin. */
export type LintLevel = 'error' | 'warn' | 'info';

/** Every stable code a lint finding may carry (modelled on Supabase's splinter lints). */
export type LintCode =
  | 'rls_disabled'
  | 'rls_not_forced'
  | 'site_id_missing'
  | 'site_policy_missing'
  | 'permissive_policy'
  | 'policy_always_true'
  | 'policy_function_per_row'
  | 'site_id_unindexed'
  | 'unindexed_foreign_key'
  | 'api_role_grant'
  | 'security_definer_search_path'
  | 'security_definer_public_execute'
  | 'view_without_security_invoker'
  | 'materialized_view'
  | 'no_primary_key'
  | 'drift';

/**
 * One problem `lintModuleDatabase` found in the live catalog.
 *
 * @example
 * { code: 'rls_not_forced', level: 'error', object: 'mod_c7a1e0b2.contacts', moduleId: '...',
 *   message: 'row-level security is enabled but not forced', remedy: 'alter table ... force row level security' }
 */
export interface LintFinding {
  readonly code: LintCode;
  readonly level: LintLevel;
  /** The object concerned: `schema.table`, `schema.table.policy`, `schema.function(args)`, `schema`. */
  readonly object: string;
  /** The module whose namespace holds the object. */
  readonly moduleId: string;
  /** What is wrong, for people. */
  readonly message: string;
  /**
   * The exact SQL that fixes it: for what the module's definition describes, the repair
   * statements of `checkModuleDatabase` (drift is clean once they ran); for an object that is no
   * part of a module, the statement that removes it.
   */
  readonly remedy: string;
}

/** What `lintModuleDatabase` checked and found. */
export interface LintReport {
  /** True when no finding has level `error` or `warn`. */
  readonly ok: boolean;
  /** The modules linted (module ids, registry order). */
  readonly modules: readonly string[];
  readonly findings: readonly LintFinding[];
}

/** The level of every rule. */
export const LINT_LEVELS: Readonly<Record<LintCode, LintLevel>> = Object.freeze({
  rls_disabled: 'error',
  rls_not_forced: 'error',
  site_id_missing: 'error',
  site_policy_missing: 'error',
  permissive_policy: 'error',
  policy_always_true: 'error',
  policy_function_per_row: 'warn',
  site_id_unindexed: 'warn',
  unindexed_foreign_key: 'warn',
  api_role_grant: 'error',
  security_definer_search_path: 'error',
  security_definer_public_execute: 'error',
  view_without_security_invoker: 'error',
  materialized_view: 'error',
  no_primary_key: 'warn',
  drift: 'error',
});

/** Every lint code, for documentation and exhaustive tests. */
export const LINT_CODES: readonly LintCode[] = Object.freeze(
  Object.keys(LINT_LEVELS) as LintCode[],
);
