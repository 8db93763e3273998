import type { ColumnType } from '../sql/column-type';
import type { CompiledExpression } from '../sql/sql-expression';
import type { ValidatedVisitorAccess } from './visitor-access';
import type { ValidatedWidgetCollection } from './widget-collections';

/**
 * Module types of the platform (seed EM-10). They choose the default isolation strategy.
 */
export type ModuleType = 'widget' | 'app' | 'integration' | 'system' | 'custom';

/**
 * Where a module's data lives: `shared` rows in `public.module_data` (no DDL), `prefix` tables
 * `public.mod_<id>_<table>`, or a dedicated `schema` `mod_<id>`.
 */
export type IsolationStrategy = 'shared' | 'prefix' | 'schema';

/** Referential actions allowed on foreign keys. */
export type ForeignKeyAction = 'CASCADE' | 'SET NULL' | 'RESTRICT' | 'NO ACTION';

/** Commands a module policy can apply to. */
export type PolicyAction = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';

/** A column after validation: its type parsed, its default compiled. */
export interface ValidatedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly default?: CompiledExpression;
  /** Set on columns the platform added (`id`, `site_id`), absent on declared ones. */
  readonly addedBy?: 'platform';
}

/** A declared index after validation. */
export interface ValidatedIndex {
  /** The author's name, if any; the planner derives a 63-byte-safe name otherwise. */
  readonly name?: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly method: 'btree' | 'gin' | 'gist' | 'hash';
  readonly where?: CompiledExpression;
}

/** Target of a foreign key: a table of the same module, or an allowed platform table. */
export type ForeignKeyTarget =
  | { readonly kind: 'module'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'platform';
      readonly schema: 'public' | 'auth';
      readonly table: string;
      readonly column: string;
    };

/** A declared foreign key after validation. */
export interface ValidatedForeignKey {
  readonly column: string;
  readonly target: ForeignKeyTarget;
  readonly onDelete: ForeignKeyAction;
  readonly onUpdate: ForeignKeyAction;
}

/** A module-authored policy after validation; always applied `AS RESTRICTIVE`. */
export interface ValidatedPolicy {
  readonly name: string;
  readonly action: PolicyAction;
  readonly using?: CompiledExpression;
  readonly withCheck?: CompiledExpression;
}

/** A column-level CHECK after validation. */
export interface ValidatedCheck {
  readonly column: string;
  readonly expression: CompiledExpression;
}

/**
 * A table after validation, with the platform's `site_id` column added (and `id`, when no column
 * is the primary key).
 */
export interface ValidatedTable {
  readonly name: string;
  /** Platform-added columns first (`id`, then `site_id`), then the declared ones in order. */
  readonly columns: readonly ValidatedColumn[];
  readonly primaryKey: readonly string[];
  /** Column-level `unique: true`, one entry per column; enforced per site (with `site_id`). */
  readonly uniqueColumns: readonly string[];
  readonly checks: readonly ValidatedCheck[];
  readonly indexes: readonly ValidatedIndex[];
  readonly foreignKeys: readonly ValidatedForeignKey[];
  readonly policies: readonly ValidatedPolicy[];
  /** True when the table has an `updated_at` timestamp column (the shared trigger keeps it). */
  readonly hasUpdatedAt: boolean;
  /** What a site's visitors may read and insert; null for a members-only table. */
  readonly visitors: ValidatedVisitorAccess | null;
}

/** A module definition that passed every check; the only input the planner accepts. */
export interface ValidatedModuleDefinition {
  /** Canonical lower-case dashed UUID. */
  readonly moduleId: string;
  readonly shortId: string;
  readonly moduleType: ModuleType;
  readonly version: string;
  readonly strategy: IsolationStrategy;
  readonly tables: readonly ValidatedTable[];
  /** Widgets (strategy `shared`): their item shapes by collection; empty for table modules. */
  readonly collections: readonly ValidatedWidgetCollection[];
  /** The parsed input as declared (JSON-serialisable; what the registry stores). */
  readonly source: unknown;
}
