/**
 * What the module diagrams draw: tables, columns, keys, foreign keys, the site key and the
 * policies of a module, as plain serialisable data (it crosses from server actions to the page).
 */

export type DiagramState = 'added' | 'removed' | 'changed';

export interface DiagramColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** Part of the primary key. */
  readonly primaryKey: boolean;
  /** `site_id`: the row's site, the key every policy and index leads with. */
  readonly siteKey: boolean;
  /** Added by the platform (`id`, `site_id`), not declared. */
  readonly platform: boolean;
  /** Unique per site. */
  readonly unique: boolean;
  readonly default?: string;
  readonly check?: string;
  /** The foreign key from this column: a table of the module, or a platform table. */
  readonly references?: {
    readonly table: string;
    readonly column: string;
    readonly external: boolean;
  };
  readonly state?: DiagramState;
  /** What it was before an upgrade (type, nullability or name), for changed columns. */
  readonly before?: string;
}

export interface DiagramPolicy {
  readonly name: string;
  /** The site policy is the one permissive policy; module policies are restrictive. */
  readonly mode: 'permissive' | 'restrictive';
  readonly command: string;
  /** The roles it applies to. */
  readonly roles?: readonly string[];
  readonly using?: string;
  readonly withCheck?: string;
  readonly state?: DiagramState;
}

export interface DiagramIndex {
  readonly label: string;
  readonly unique: boolean;
  readonly state?: DiagramState;
}

export interface DiagramTable {
  /** Logical name, as declared. */
  readonly name: string;
  /** Physical `schema.table`. */
  readonly qualified: string;
  readonly columns: readonly DiagramColumn[];
  readonly policies: readonly DiagramPolicy[];
  readonly indexes: readonly DiagramIndex[];
  readonly state?: DiagramState;
}

export interface DiagramModel {
  readonly moduleId: string;
  readonly shortId: string;
  readonly version: string;
  readonly strategy: 'shared' | 'prefix' | 'schema';
  /** Where its tables live, e.g. `mod_c0ffee42` (schema), `public.mod_b00c1e55_*` (prefix). */
  readonly namespace: string;
  readonly role: string;
  readonly tables: readonly DiagramTable[];
}

/** The namespace of a module as people read it. */
export function namespaceOf(strategy: string, shortId: string, schema?: string | null): string {
  if (strategy === 'shared')
    return `public.module_data (shared; rows where module_short_id = '${shortId}')`;
  if (strategy === 'schema') return `schema ${schema ?? `mod_${shortId}`}`;
  return `public.mod_${shortId}_*`;
}

/** Rows a diagram needs, to size it. */
export function diagramSize(model: DiagramModel): { tables: number; columns: number } {
  return {
    tables: model.tables.length,
    columns: model.tables.reduce((n, t) => n + t.columns.length, 0),
  };
}
