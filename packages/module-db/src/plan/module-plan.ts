import type { IsolationStrategy } from '../definition/validated-definition';
import type { ModuleState } from '../model/module-state';
import type { PlannedStatement } from './planned-statement';

/**
 * The ordered, immutable result of planning a module's database: the statements that create it
 * and the desired state they lead to, which the database checks its catalogs against before the
 * change commits.
 *
 * @example
 * const plan = planModuleDatabase(definition);
 * plan.statements.length; // 40
 * plan.desired.tables.map((t) => t.name);
 */
export interface ModulePlan {
  readonly moduleId: string;
  readonly shortId: string;
  readonly version: string;
  readonly strategy: IsolationStrategy;
  /** The module's schema (`schema` strategy) or `public`. */
  readonly schema: string;
  /** The module's `NOLOGIN` role: module code runs as it. */
  readonly role: string;
  /** The module's admin role (every site's rows of its tables, nothing else), or null for widgets. */
  readonly adminRole: string | null;
  /** The role that owns the module's schema and tables and runs its DDL, or null for widgets. */
  readonly ownerRole: string | null;
  /** Physical tables in declared order, `schema.table`. */
  readonly tables: readonly string[];
  /**
   * The module's DDL, run with the owner role's privileges. The platform creates the roles, the
   * schema and the memberships itself; they are not statements of the plan.
   */
  readonly statements: readonly PlannedStatement[];
  /** The state the statements lead to (see `desiredModuleState`). */
  readonly desired: ModuleState;
}
