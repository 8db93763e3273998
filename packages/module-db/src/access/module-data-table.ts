import { columnKindOf } from './column-kind';
import type { ColumnMetadata, TableMetadata, VisitorColumns } from './module-metadata';

/**
 * `public.module_data`, where widgets (strategy `shared`) keep their items, as the data client
 * sees it: one table for every widget, whose policies confine a request to its own module's and
 * site's items. Its columns are the platform's (migration 1 and the widget collections' SQL).
 */
const COLUMNS: readonly [string, string, { nullable?: boolean; hasDefault?: boolean }][] = [
  ['id', 'uuid', { hasDefault: true }],
  ['site_id', 'uuid', {}],
  // Defaults to the module the request runs as (its data or visitor role).
  ['module_short_id', 'text', { hasDefault: true }],
  ['collection', 'text', {}],
  // The item trigger sets it to the id when it is left out.
  ['key', 'text', { hasDefault: true }],
  ['value', 'jsonb', { hasDefault: true }],
  // Kept by the item trigger: the visitor-readable fields of `value`.
  ['public_value', 'jsonb', { nullable: true, hasDefault: true }],
  ['created_at', 'timestamptz', { hasDefault: true }],
  ['updated_at', 'timestamptz', { hasDefault: true }],
];

const columns: ReadonlyMap<string, ColumnMetadata> = new Map(
  COLUMNS.map(([name, type, o]) => [
    name,
    Object.freeze({
      name,
      kind: columnKindOf(type),
      nullable: o.nullable === true,
      hasDefault: o.hasDefault === true,
    }),
  ]),
);

/** The columns of `module_data` a member's item calls read (not `public_value`). */
export const MEMBER_ITEM_COLUMNS = ['id', 'site_id', 'key', 'value', 'created_at', 'updated_at'];

/**
 * The columns of `module_data` a widget's visitors are granted (platform SQL: SELECT on these,
 * INSERT on `site_id, collection, value`): never `value`.
 */
export const VISITOR_ITEM_COLUMNS = [
  'id',
  'site_id',
  'key',
  'public_value',
  'created_at',
  'updated_at',
];

const visitors: VisitorColumns = Object.freeze({
  read: new Set([
    'id',
    'module_short_id',
    'collection',
    'key',
    'public_value',
    'created_at',
    'updated_at',
  ]),
  insert: new Set(['collection', 'value']),
});

const target = Object.freeze({
  schema: 'public',
  table: 'module_data',
  name: 'module_data',
  columnTypes: Object.freeze(Object.fromEntries(COLUMNS.map(([name, type]) => [name, type]))),
});

/**
 * The metadata of `public.module_data` for widget item calls. Its `visitors` are the platform's
 * grants to widget visitors; which collections and fields a visitor may use is checked per
 * collection before this table is reached.
 */
export const MODULE_DATA_TABLE: TableMetadata = Object.freeze({
  target,
  columns,
  primaryKey: 'id',
  constraints: new Map(),
  visitors,
});
