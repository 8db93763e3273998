import {
  generateModuleShortId,
  getModuleRoleName,
  getModuleSchemaName,
  getModuleTableName,
  normalizeModuleId,
} from '@dramac/module-naming';
import { resolveStrategy } from '../definition/isolation-strategy';
import type { AnyModuleDefinition } from '../definition/row-types';
import type { IsolationStrategy, ModuleType } from '../definition/validated-definition';
import { NotSupportedError } from '../errors';
import { type ColumnKind, columnKindOf } from './column-kind';
import type { TableTarget } from './data-transport';

/** A module definition as the data client needs it: a `defineModule(...)` result. */
export interface ModuleDefinitionLike extends AnyModuleDefinition {
  readonly moduleId: string;
  readonly moduleType: ModuleType;
  readonly strategy?: IsolationStrategy | undefined;
}

/** One column as the data client sees it. */
export interface ColumnMetadata {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

/** One table: where it lives, its columns and its primary key. */
export interface TableMetadata {
  readonly target: TableTarget;
  readonly columns: ReadonlyMap<string, ColumnMetadata>;
  readonly primaryKey: string;
}

/** What the data client knows about a module. */
export interface ModuleMetadata {
  readonly moduleId: string;
  readonly shortId: string;
  readonly strategy: IsolationStrategy;
  readonly schema: string;
  readonly role: string;
  readonly tables: ReadonlyMap<string, TableMetadata>;
}

const cache = new WeakMap<object, ModuleMetadata>();

/**
 * Reads the table metadata the data client validates calls against: physical names, columns
 * (with the platform's `id` and `site_id` added as provisioning adds them), value kinds, keys.
 *
 * @throws NotSupportedError for widget (`shared`) modules, whose rows live in `module_data`.
 */
export function buildModuleMetadata(definition: ModuleDefinitionLike): ModuleMetadata {
  const cached = cache.get(definition);
  if (cached) return cached;
  const moduleId = normalizeModuleId(definition.moduleId);
  const shortId = generateModuleShortId(moduleId);
  const strategy = resolveStrategy(definition);
  if (strategy === 'shared') {
    throw new NotSupportedError(
      'widget modules (strategy "shared") keep rows in public.module_data and have no tables for the data client',
    );
  }
  const tables = new Map<string, TableMetadata>();
  for (const table of definition.tables) {
    const names = getModuleTableName(shortId, table.name, strategy);
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
      });
    }
    const columnTypes = Object.fromEntries([...columns.values()].map((c) => [c.name, c.kind.type]));
    tables.set(table.name, {
      target: Object.freeze({
        schema: names.schema,
        table: names.table,
        name: table.name,
        columnTypes,
      }),
      columns,
      primaryKey: declaredPk ?? 'id',
    });
  }
  const metadata: ModuleMetadata = Object.freeze({
    moduleId,
    shortId,
    strategy,
    schema: strategy === 'schema' ? getModuleSchemaName(shortId) : 'public',
    role: getModuleRoleName(shortId),
    tables,
  });
  cache.set(definition, metadata);
  return metadata;
}
