import {
  checkConstraintName,
  foreignKeyName,
  generateModuleShortId,
  getModuleRoleName,
  getModuleSchemaName,
  getModuleTableName,
  getModuleVisitorRoleName,
  normalizeModuleId,
  primaryKeyName,
  uniqueConstraintName,
} from '@dramac/module-naming';
import { resolveStrategy } from '../definition/isolation-strategy';
import type { AnyModuleDefinition } from '../definition/row-types';
import type { IsolationStrategy, ModuleType } from '../definition/validated-definition';
import { type ColumnKind, columnKindOf } from './column-kind';
import type { TableTarget } from './data-transport';

/** A module definition as the data client needs it: a `defineModule(...)` result. */
export interface ModuleDefinitionLike extends AnyModuleDefinition {
  readonly moduleId: string;
  readonly moduleType: ModuleType;
  readonly strategy?: IsolationStrategy | undefined;
  /** The definition's version (`1.1.0`): named when the installed version differs. */
  readonly version?: string | undefined;
}

/** One column as the data client sees it. */
export interface ColumnMetadata {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  /** The column's check expression as declared (`lead_score between 0 and 100`). */
  readonly check?: string | undefined;
}

/** What a constraint of a module table guards, traced back to the definition. */
export interface ConstraintMetadata {
  readonly kind: 'primary_key' | 'unique' | 'check' | 'foreign_key';
  /** The declared column it is about (`site_id` for the platform's site key and foreign key). */
  readonly column: string;
  /** For checks: the declared expression. */
  readonly rule?: string | undefined;
}

/**
 * What a site's visitors may do: the columns (or item fields) they read and insert, `'all'`
 * resolved. `site_id` is never listed (always the request's site).
 */
export interface VisitorColumns {
  readonly read: ReadonlySet<string>;
  readonly insert: ReadonlySet<string>;
}

/** One table: where it lives, its columns and its primary key. */
export interface TableMetadata {
  readonly target: TableTarget;
  readonly columns: ReadonlyMap<string, ColumnMetadata>;
  readonly primaryKey: string;
  /** Constraint names as provisioning derives them (`ck_<table>_<column>`, ...), by name. */
  readonly constraints: ReadonlyMap<string, ConstraintMetadata>;
  /** What visitors may read and insert; null for a members-only table. */
  readonly visitors: VisitorColumns | null;
}

/** One widget collection: its item fields and what visitors may do with them. */
export interface CollectionMetadata {
  readonly name: string;
  /** Field name -> optional (may be left out of an item). */
  readonly fields: ReadonlyMap<string, { readonly optional: boolean }>;
  readonly visitors: VisitorColumns | null;
}

/** What the data client knows about a module. */
export interface ModuleMetadata {
  readonly moduleId: string;
  readonly shortId: string;
  readonly strategy: IsolationStrategy;
  readonly schema: string;
  readonly role: string;
  /** The module's visitor role (`modvisitor_<id>`): visitor requests run as it. */
  readonly visitorRole: string;
  /** The definition's version, when it has one. */
  readonly version: string | undefined;
  readonly tables: ReadonlyMap<string, TableMetadata>;
  /** A widget's collections (strategy `shared`); empty for table modules. */
  readonly collections: ReadonlyMap<string, CollectionMetadata>;
}

const cache = new WeakMap<object, ModuleMetadata>();

/**
 * The names provisioning gives a table's constraints (module-naming's derived names over the
 * physical table name), so a violation can be traced to the declared column and rule. Names the
 * naming rules refuse are skipped: the error then falls back to what PostgreSQL reported.
 */
function constraintsOf(
  physical: string,
  columns: ReadonlyMap<string, ColumnMetadata>,
  primaryKey: string,
  table: ModuleDefinitionLike['tables'][number],
): Map<string, ConstraintMetadata> {
  const out = new Map<string, ConstraintMetadata>();
  const add = (name: () => string, meta: ConstraintMetadata) => {
    try {
      out.set(name(), Object.freeze(meta));
    } catch {
      // Not a name provisioning could have made.
    }
  };
  add(() => primaryKeyName(physical), { kind: 'primary_key', column: primaryKey });
  add(() => uniqueConstraintName(physical, ['site_id', primaryKey]), {
    kind: 'unique',
    column: primaryKey,
  });
  add(() => foreignKeyName(physical, 'site_id'), { kind: 'foreign_key', column: 'site_id' });
  for (const column of columns.values()) {
    add(() => uniqueConstraintName(physical, ['site_id', column.name]), {
      kind: 'unique',
      column: column.name,
    });
    add(() => uniqueConstraintName(physical, [column.name]), {
      kind: 'unique',
      column: column.name,
    });
    if (column.check) {
      add(() => checkConstraintName(physical, column.name), {
        kind: 'check',
        column: column.name,
        rule: column.check,
      });
    }
  }
  const foreignKeys = (table as { foreignKeys?: readonly { column?: unknown }[] }).foreignKeys;
  for (const fk of foreignKeys ?? []) {
    if (typeof fk.column !== 'string') continue;
    const column = fk.column;
    add(() => foreignKeyName(physical, column), { kind: 'foreign_key', column });
    add(() => foreignKeyName(physical, ['site_id', column]), { kind: 'foreign_key', column });
  }
  return out;
}

/**
 * Reads the table metadata the data client validates calls against: physical names, columns
 * (with the platform's `id` and `site_id` added as provisioning adds them), value kinds, keys,
 * visitor columns; for widgets (`shared`), their collections (items live in `module_data`).
 *
 * @throws Never for a definition `defineModule` accepts (the data client validates ids first).
 */
export function buildModuleMetadata(definition: ModuleDefinitionLike): ModuleMetadata {
  const cached = cache.get(definition);
  if (cached) return cached;
  const moduleId = normalizeModuleId(definition.moduleId);
  const shortId = generateModuleShortId(moduleId);
  const strategy = resolveStrategy(definition);
  const tables = new Map<string, TableMetadata>();
  for (const table of definition.tables) {
    // A widget (`shared`) declares no tables: its items are module_data's rows.
    const names = getModuleTableName(shortId, table.name, strategy as 'prefix' | 'schema');
    const columns = new Map<string, ColumnMetadata>();
    const declaredPk = table.columns.find((c) => c.primaryKey)?.name;
    if (!declaredPk && !table.columns.some((c) => c.name === 'id')) {
      columns.set('id', {
        name: 'id',
        kind: columnKindOf('uuid'),
        nullable: false,
        hasDefault: true,
      });
    }
    if (!table.columns.some((c) => c.name === 'site_id')) {
      columns.set('site_id', {
        name: 'site_id',
        kind: columnKindOf('uuid'),
        nullable: false,
        hasDefault: false,
      });
    }
    for (const column of table.columns) {
      columns.set(column.name, {
        name: column.name,
        kind: columnKindOf(column.type),
        nullable: column.nullable === true && column.primaryKey !== true,
        hasDefault: column.default !== undefined,
        check: (column as { check?: string | undefined }).check,
      });
    }
    const columnTypes = Object.fromEntries([...columns.values()].map((c) => [c.name, c.kind.type]));
    tables.set(table.name, {
      target: Object.freeze({
        schema: names.schema,
        table: names.table,
        name: table.name,
        columnTypes,
        primaryKey: declaredPk ?? 'id',
      }),
      columns,
      primaryKey: declaredPk ?? 'id',
      constraints: constraintsOf(names.table, columns, declaredPk ?? 'id', table),
      visitors: visitorColumns(
        (table as { visitors?: VisitorDeclaration }).visitors,
        [...columns.keys()].filter((c) => c !== 'site_id'),
      ),
    });
  }
  const collections = new Map<string, CollectionMetadata>();
  const declared = (definition as { collections?: Record<string, CollectionDeclaration> })
    .collections;
  if (strategy === 'shared' && declared) {
    for (const [name, collection] of Object.entries(declared)) {
      const fields = new Map(
        Object.entries(collection.fields ?? {}).map(([field, spec]) => [
          field,
          { optional: spec?.optional === true },
        ]),
      );
      collections.set(name, {
        name,
        fields,
        visitors: visitorColumns(collection.visitors, [...fields.keys()]),
      });
    }
  }
  const metadata: ModuleMetadata = Object.freeze({
    moduleId,
    shortId,
    strategy,
    schema: strategy === 'schema' ? getModuleSchemaName(shortId) : 'public',
    role: getModuleRoleName(shortId),
    visitorRole: getModuleVisitorRoleName(shortId),
    version: typeof definition.version === 'string' ? definition.version : undefined,
    tables,
    collections,
  });
  cache.set(definition, metadata);
  return metadata;
}

/** A `visitors` declaration as written in a definition (validated by provisioning). */
interface VisitorDeclaration {
  readonly read?: 'all' | readonly string[] | undefined;
  readonly insert?: readonly string[] | undefined;
}

/** A widget collection as written in a definition. */
interface CollectionDeclaration {
  readonly fields?: Record<string, { readonly optional?: boolean | undefined } | undefined>;
  readonly visitors?: VisitorDeclaration | undefined;
}

/** The visitor columns of a declaration, `'all'` resolved to `names`; null when undeclared. */
function visitorColumns(
  declared: VisitorDeclaration | undefined,
  names: readonly string[],
): VisitorColumns | null {
  if (!declared || typeof declared !== 'object') return null;
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
  const read = declared.read === 'all' ? [...names] : list(declared.read);
  return Object.freeze({
    read: new Set(read.filter((c) => c !== 'site_id')),
    insert: new Set(list(declared.insert).filter((c) => c !== 'site_id')),
  });
}
