import type { IsolationStrategy } from '../definition/validated-definition';
import type { PlannedStatement } from './planned-statement';

/**
 * A catalog object a plan creates, keyed by its role in the table (`primary_key`, `site_key`,
 * `unique:<column>`, `check:<column>`, `foreign_key:<column>`, `index:<name or method(columns)>`,
 * `policy:<name>`, `trigger:updated_at`) so upgrades and drift checks can match old and new names.
 */
export interface ModuleObject {
  readonly type:
    | 'table'
    | 'primary_key'
    | 'unique'
    | 'check'
    | 'foreign_key'
    | 'index'
    | 'policy'
    | 'trigger';
  /** The table it belongs to, `schema.table`. */
  readonly table: string;
  readonly key: string;
  readonly name: string;
}

/** The ordered, immutable result of planning a module's database. */
export interface ModulePlan {
  readonly moduleId: string;
  readonly shortId: string;
  readonly version: string;
  readonly strategy: IsolationStrategy;
  /** The module's schema (`schema` strategy) or `public`. */
  readonly schema: string;
  /** The module's `NOLOGIN` role: module code runs as it. */
  readonly role: string;
  /** The module's admin role (`BYPASSRLS`, its tables only), or null for widgets. */
  readonly adminRole: string | null;
  /** Physical tables in creation order, `schema.table`. */
  readonly tables: readonly string[];
  readonly statements: readonly PlannedStatement[];
  /** Every object the plan creates, for drift checks and upgrades. */
  readonly objects: readonly ModuleObject[];
}
