import type { IsolationStrategy } from '../definition/validated-definition';

/**
 * The one model of a module's database: what a definition wants (`desiredModuleState`), what the
 * catalogs hold (`dramac_read_module_state`, read by `readModuleState`), and one diff between two
 * of them (`diffModuleStates`). A fresh install is the diff from nothing; an upgrade the diff
 * between two versions' desired states; drift and repair the diff from the catalog's state.
 *
 * Field names and spellings follow PostgreSQL's catalogs (`format_type` for types, the referential
 * actions as SQL spells them), so the database compares a plan's desired state with its catalogs
 * field by field. Expressions are carried as SQL text (the planner's canonical text in a desired
 * state, `pg_get_expr`'s in a catalog state) next to the structure, never inside it.
 *
 * @example
 * const state = desiredModuleState(await validateModuleDefinition(crm));
 * state.tables.map((t) => t.name); // ['activities', 'companies', 'contacts', 'deals']
 */
export interface ModuleState {
  readonly moduleId: string;
  readonly shortId: string;
  readonly version: string;
  readonly strategy: IsolationStrategy;
  /** The module's schema (`schema` strategy) or `public`. */
  readonly schema: string;
  /** Tables in declared order (catalog states: by physical name). Empty for widgets (`shared`). */
  readonly tables: readonly TableState[];
  /**
   * Widgets (`shared`): the item shape of each collection, sorted by name, as the platform stores
   * it (`dramac.widget_collections`) and checks every item against it. Absent for table modules.
   */
  readonly collections?: readonly CollectionState[];
}

/**
 * One widget collection: the shape of its items and what visitors may read and insert.
 *
 * @example
 * const state: CollectionState = {
 *   name: 'testimonials',
 *   fields: { quote: { type: 'string', optional: false, nullable: false, maxLength: 500 } },
 *   visitorRead: ['quote'],
 *   visitorInsert: null,
 * };
 */
export interface CollectionState {
  readonly name: string;
  /** By field name: `type`, `optional`, `nullable` and the bounds that were declared. */
  readonly fields: Readonly<Record<string, CollectionFieldState>>;
  /** Fields visitors read, or null when visitors read nothing. */
  readonly visitorRead: readonly string[] | null;
  /** Fields a visitor's insert may set, or null when visitors insert nothing. */
  readonly visitorInsert: readonly string[] | null;
}

/**
 * One field of a collection's items.
 *
 * @example
 * const rating: CollectionFieldState = { type: 'integer', optional: false, nullable: false, minimum: 1, maximum: 5 };
 */
export interface CollectionFieldState {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'json';
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
}

/**
 * One table of a module state.
 *
 * @example
 * const contacts = state.tables.find((t) => t.key === 'contacts');
 */
export interface TableState {
  /** The declared name, stable across prefixes (`contacts`); the physical name is `name`. */
  readonly key: string;
  readonly schema: string;
  /** Physical name (`contacts` or `mod_<id>_contacts`). */
  readonly name: string;
  /** Sorted by name. */
  readonly columns: readonly ColumnState[];
  /** Sorted by name. */
  readonly constraints: readonly ConstraintState[];
  /** Sorted by name; includes the indexes behind primary key and unique constraints. */
  readonly indexes: readonly IndexState[];
  /** Sorted by name. */
  readonly policies: readonly PolicyState[];
  /** Sorted by name. */
  readonly triggers: readonly TriggerState[];
  /** Table privileges of every role but the owner, sorted by grantee then privilege. */
  readonly grants: readonly GrantState[];
  /** Column privileges, sorted by column, grantee, privilege. */
  readonly columnGrants: readonly ColumnGrantState[];
}

/**
 * One column.
 *
 * @example
 * const column: ColumnState = { name: 'status', type: 'text', notNull: true, hasDefault: true, default: "'lead'" };
 */
export interface ColumnState {
  readonly name: string;
  /** As `format_type` spells it: `integer`, `numeric(12,2)`, `timestamp with time zone`, `text[]`. */
  readonly type: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** The default's SQL text, when there is one. */
  readonly default?: string;
}

/** Referential actions as SQL spells them. */
export type ReferentialAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

/**
 * A primary key (`p`), unique (`u`), check (`c`) or foreign key (`f`) constraint.
 *
 * @example
 * const pk: ConstraintState = { name: 'pk_contacts', key: 'primary_key', type: 'p', columns: ['site_id', 'id'] };
 */
export interface ConstraintState {
  readonly name: string;
  /**
   * The constraint's role in its table, stable across renames: `primary_key`, `unique:<column>`,
   * `check:<column>`, `foreign_key:<column>`. Absent in catalog states.
   */
  readonly key?: string;
  readonly type: 'p' | 'u' | 'c' | 'f' | 'x' | 't';
  /** Key columns in order; for checks, the columns the expression reads. */
  readonly columns: readonly string[];
  /** A check's expression text. */
  readonly check?: string;
  readonly references?: ForeignKeyReference | null;
}

/**
 * Where a foreign key points and what happens on delete and update.
 *
 * @example
 * const ref: ForeignKeyReference = { schema: 'public', table: 'sites', columns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION', onDeleteColumns: null };
 */
export interface ForeignKeyReference {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
  /** `ON DELETE SET NULL (column)`: the columns set to null, or null for all of the key. */
  readonly onDeleteColumns: readonly string[] | null;
}

/**
 * An index (declared, behind a constraint, or for a foreign key).
 *
 * @example
 * const index: IndexState = { name: 'idx_deals_site_id_stage', key: 'index:idx_deals_site_id_stage', method: 'btree', unique: false, columns: ['site_id', 'stage'], hasPredicate: false, constraint: null };
 */
export interface IndexState {
  readonly name: string;
  /** Stable role: `index:<declared name or method(columns)>`, `fk_index:<column>`, or the constraint's key. */
  readonly key?: string;
  readonly method: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
  readonly hasPredicate: boolean;
  /** The partial index's predicate text. */
  readonly where?: string;
  /** The constraint the index implements, if any. */
  readonly constraint: string | null;
  /** False for an index left invalid by a failed concurrent build (catalog states only). */
  readonly valid?: boolean;
}

/**
 * A row-level security policy.
 *
 * @example
 * const policy: PolicyState = { name: 'hide_deleted', key: 'policy:hide_deleted', command: 'SELECT', permissive: false, roles: ['modrole_c7a1e0b2'], hasUsing: true, hasWithCheck: false, using: "\"stage\" <> 'deleted'" };
 */
export interface PolicyState {
  readonly name: string;
  readonly key?: string;
  readonly command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
  readonly permissive: boolean;
  /** Sorted role names (`PUBLIC` for everyone). */
  readonly roles: readonly string[];
  readonly hasUsing: boolean;
  readonly hasWithCheck: boolean;
  readonly using?: string;
  readonly withCheck?: string;
}

/**
 * A trigger (never an internal one).
 *
 * @example
 * const trigger: TriggerState = { name: 'trg_contacts_updated_at', key: 'trigger:updated_at', function: 'public.dramac_set_updated_at()', timing: 'BEFORE', events: ['UPDATE'], level: 'ROW' };
 */
export interface TriggerState {
  readonly name: string;
  readonly key?: string;
  /** `regprocedure` text, schema-qualified. */
  readonly function: string;
  readonly timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  readonly events: readonly string[];
  readonly level: 'ROW' | 'STATEMENT';
  /** The arguments passed to the function (`TG_ARGV`). */
  readonly arguments?: readonly string[];
  /** `O` when it fires (catalog states only). */
  readonly enabled?: string;
}

/**
 * One privilege of one role on a table.
 *
 * @example
 * const grant: GrantState = { grantee: 'modrole_c7a1e0b2', privilege: 'SELECT', grantable: false };
 */
export interface GrantState {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/**
 * One privilege of one role on one column.
 *
 * @example
 * const grant: ColumnGrantState = { column: 'name', grantee: 'modvisitor_c7a1e0b2', privilege: 'SELECT', grantable: false };
 */
export interface ColumnGrantState extends GrantState {
  readonly column: string;
}
