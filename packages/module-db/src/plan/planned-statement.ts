/** What a planned statement does, for review and for tests that fail at a chosen step. */
export type PlanStepKind =
  | 'create_role'
  | 'create_schema'
  | 'grant'
  | 'revoke'
  | 'create_table'
  | 'enable_rls'
  | 'create_policy'
  | 'create_trigger'
  | 'create_index'
  | 'add_foreign_key'
  | 'add_column'
  | 'alter_column'
  | 'drop_column'
  | 'rename'
  | 'drop_table'
  | 'add_constraint'
  | 'drop_constraint'
  | 'drop_index'
  | 'drop_policy'
  | 'drop_trigger'
  | 'backfill';

/** One compiled statement of a plan. DDL takes no bind parameters, so `parameters` is empty. */
export interface PlannedStatement {
  readonly kind: PlanStepKind;
  /** The object it acts on, e.g. `mod_a1b2c3d4.contacts`. */
  readonly target: string;
  /** One line for people reading a dry run. */
  readonly description: string;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** The key of the object it creates (see `ModuleObject.key`), for indexes, policies, triggers, foreign keys. */
  readonly objectKey?: string;
}
