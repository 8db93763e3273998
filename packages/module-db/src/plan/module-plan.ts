import type { IsolationStrategy } from '../definition/validated-definition';
import type { PlannedStatement } from './planned-statement';

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
}
