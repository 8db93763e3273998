/**
 * A widget's items (strategy `shared`): rows of `public.module_data`, one collection at a time.
 * The database scopes every row to the module the request runs as and to its site (the
 * `module_data` policies), checks every item against the collection's declared shape (the item
 * trigger) and keeps the visitor-readable part in `public_value`. This client adds the explicit
 * filters (module, site, collection), checks a visitor's calls against the collection's
 * `visitors` declaration before any SQL, and maps the trigger's refusals to typed errors naming
 * the field and the rule.
 */
import {
  ConflictError,
  ConstraintViolationError,
  isModuleDbError,
  type ModuleDbError,
  QueryValidationError,
} from '../errors';
import type { DataRow, RequestContext } from './data-transport';
import type { ModuleDataClient } from './module-data-client';
import { MEMBER_ITEM_COLUMNS, VISITOR_ITEM_COLUMNS } from './module-data-table';
import type { CollectionMetadata, ModuleMetadata } from './module-metadata';
import { visitorRefusal } from './visitor-guard';
import type { WidgetItem } from './widget-item-types';

/**
 * One stored item as the data client returns it (the SDK types `value` from the declaration).
 *
 * @example
 * const item: ItemRow = { id, site_id, key: 'ada', value: { quote: 'Hi' }, created_at, updated_at };
 * @throws Never; this is a type.
 */
export type ItemRow = WidgetItem<Record<string, unknown>>;

/**
 * Options of {@link CollectionDataClient.list}: keyset pages in `orderBy` order (then by id).
 *
 * @example
 * const first = await items.list({ limit: 20, orderBy: 'created_at', ascending: false });
 * const next = await items.list({ limit: 20, orderBy: 'created_at', ascending: false, cursor: first.nextCursor });
 * @throws Never; this is a type.
 */
export interface ItemListOptions {
  /** Items per page, 1 to 10,000; default 50. */
  readonly limit?: number;
  /** The previous page's `nextCursor`; absent or null for the first page. */
  readonly cursor?: string | null;
  /** Sort on the creation time (default) or the key. */
  readonly orderBy?: 'created_at' | 'key';
  /** Default true. */
  readonly ascending?: boolean;
}

/**
 * One page of items and where the next one starts (null on the last page).
 *
 * @example
 * const { items, nextCursor } = await collection.list();
 * @throws Never; this is a type.
 */
export interface ItemPage<I = ItemRow> {
  readonly items: I[];
  readonly nextCursor: string | null;
}

/**
 * Typed-at-the-SDK CRUD over the items of one widget collection, for one module on one site.
 * For a visitor client: `list`, `get` and `count` when the collection declares `visitors.read`
 * (items carry only the visitor-readable fields), `create` when it declares `visitors.insert`
 * (declared fields only; resolves `null`: nothing is read back); `update` and `delete` never.
 *
 * @example
 * const notes = client.collection('notes');
 * const item = await notes.create({ body: 'Hello' }, { key: 'hello' });
 * await notes.update('hello', { body: 'Hello again' });
 * @throws See each method.
 */
export interface CollectionDataClient {
  /** The collection's name. */
  readonly name: string;
  /** One keyset page of the site's items of this collection. */
  list(options?: ItemListOptions): Promise<ItemPage>;
  /** The item with `key`, or null. */
  get(key: string): Promise<ItemRow | null>;
  /** `count(*)` of the site's items of this collection. */
  count(): Promise<number>;
  /**
   * Stores a new item (`key` defaults to its id) and returns it; a visitor's resolves `null`.
   * A key that is taken: ConflictError (path `<collection>.key`).
   */
  create(
    value: Record<string, unknown>,
    options?: { readonly key?: string },
  ): Promise<ItemRow | null>;
  /** Replaces the value of the item with `key`; resolves the item, or null when there is none. */
  update(key: string, value: Record<string, unknown>): Promise<ItemRow | null>;
  /** Deletes the item with `key`; true when one went. */
  delete(key: string): Promise<boolean>;
}

const DEFAULT_LIMIT = 50;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkKey(key: unknown, path: string): string {
  if (typeof key !== 'string' || key.length < 1 || key.length > 512) {
    throw new QueryValidationError('an item key is a string of 1 to 512 characters', path);
  }
  return key;
}

/** The item trigger's DETAIL: `{ "field": "rating", "rule": "maximum", "collection": "..." }`. */
function triggerDetail(error: ModuleDbError): { field?: string; rule?: string } | undefined {
  const cause = (error as { cause?: { detail?: unknown; details?: unknown } }).cause;
  const text = cause?.detail ?? cause?.details;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as { field?: unknown; rule?: unknown };
    if (typeof parsed?.rule !== 'string') return undefined;
    return {
      rule: parsed.rule,
      ...(typeof parsed.field === 'string' ? { field: parsed.field } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Names the collection, field and rule of an item the database refused. */
function itemError(error: unknown, collection: string): unknown {
  if (!isModuleDbError(error)) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (
    error.code === 'CONSTRAINT_VIOLATION' &&
    (error as { sqlstate?: string }).sqlstate === '23514'
  ) {
    const detail = triggerDetail(error);
    if (detail) {
      const column = detail.rule === 'collection' ? undefined : detail.field;
      const path = column ? `${collection}.${column}` : collection;
      return new ConstraintViolationError(
        `${error.message} (${path}: ${detail.rule})`,
        '23514',
        'dramac_widget_item',
        { cause, table: collection, column, path, rule: detail.rule },
      );
    }
  }
  if (error.code === 'CONFLICT') {
    return new ConflictError(`${error.message} (${collection}.key)`, {
      cause,
      sqlstate: '23505',
      constraint: (error as { constraint?: string }).constraint,
      table: collection,
      column: 'key',
      path: `${collection}.key`,
    });
  }
  return error;
}

/** An item row of `module_data` as the caller sees it (a visitor's `value` is its public part). */
function toItem(row: DataRow, visitor: boolean): ItemRow {
  return {
    id: row.id as string,
    site_id: row.site_id as string,
    key: row.key as string,
    value: ((visitor ? row.public_value : row.value) ?? {}) as Record<string, unknown>,
    created_at: row.created_at as string,
    updated_at: row.updated_at as string,
  };
}

/**
 * The client of one collection over `items`, a data client of `module_data` bound to the same
 * context. Internal: `ModuleDataClient.collection(name)` builds it.
 */
export function makeCollectionClient(
  metadata: ModuleMetadata,
  context: RequestContext,
  name: unknown,
  items: ModuleDataClient,
): CollectionDataClient {
  const found = typeof name === 'string' ? metadata.collections.get(name) : undefined;
  if (!found) {
    const known = [...metadata.collections.keys()];
    throw new QueryValidationError(
      metadata.strategy === 'shared'
        ? `unknown collection ${JSON.stringify(name)} in widget ${metadata.moduleId} (collections: ${known.join(', ') || 'none declared'})`
        : `module ${metadata.moduleId} is not a widget (strategy "${metadata.strategy}"): it has tables, not collections`,
      'collection',
    );
  }
  const collection: CollectionMetadata = found;
  const visitor = context.visitor === true;
  const columns = visitor ? VISITOR_ITEM_COLUMNS : MEMBER_ITEM_COLUMNS;
  const scope = { module_short_id: metadata.shortId, collection: collection.name };
  const refuse = (
    operation: 'read' | 'insert' | 'update' | 'delete',
    field?: string,
    path?: string,
  ) =>
    visitorRefusal(operation, collection.name, {
      kind: 'collection',
      ...(field ? { column: field } : {}),
      ...(path ? { path } : {}),
    });
  const mayRead = () => {
    if (visitor && (collection.visitors?.read.size ?? 0) === 0) throw refuse('read');
  };
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw itemError(error, collection.name);
    }
  };
  const checkValue = (value: unknown, path: string): Record<string, unknown> => {
    if (!isPlainObject(value)) {
      throw new QueryValidationError('an item is a plain object of its declared fields', path);
    }
    for (const [field, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (!collection.fields.has(field)) {
        throw new QueryValidationError(
          `${field} is not a field of collection ${collection.name} (fields: ${[...collection.fields.keys()].join(', ')})`,
          `${path}.${field}`,
        );
      }
    }
    // undefined fields are left out, as JSON would.
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  };

  const client: CollectionDataClient = {
    name: collection.name,
    async list(options: ItemListOptions = {}) {
      mayRead();
      if (!isPlainObject(options as unknown)) {
        throw new QueryValidationError('options must be a plain object', 'options');
      }
      const { limit = DEFAULT_LIMIT, cursor, orderBy = 'created_at', ascending = true } = options;
      if (orderBy !== 'created_at' && orderBy !== 'key') {
        throw new QueryValidationError("orderBy is 'created_at' or 'key'", 'orderBy');
      }
      const page = await guarded(() =>
        items.page('module_data', {
          where: scope,
          select: columns,
          orderBy: { column: orderBy, ascending },
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
        }),
      );
      return { items: page.rows.map((r) => toItem(r, visitor)), nextCursor: page.nextCursor };
    },
    async get(key) {
      mayRead();
      const rows = await guarded(() =>
        items.select('module_data', {
          where: { ...scope, key: checkKey(key, 'key') },
          select: columns,
          limit: 1,
        }),
      );
      return rows[0] ? toItem(rows[0], visitor) : null;
    },
    async count() {
      mayRead();
      return guarded(() => items.count('module_data', scope));
    },
    async create(value, options: { readonly key?: string } = {}) {
      const item = checkValue(value, 'value');
      if (!isPlainObject(options as unknown)) {
        throw new QueryValidationError('options must be a plain object', 'options');
      }
      if (visitor) {
        const insert = collection.visitors?.insert;
        if (!insert || insert.size === 0) throw refuse('insert');
        for (const field of Object.keys(item)) {
          if (!insert.has(field)) throw refuse('insert', field, `value.${field}`);
        }
        if (options.key !== undefined) {
          throw refuse('insert', 'key', 'options.key');
        }
        await guarded(() =>
          items.insert('module_data', { collection: collection.name, value: item }),
        );
        return null;
      }
      const row: DataRow = { collection: collection.name, value: item };
      if (options.key !== undefined) row.key = checkKey(options.key, 'options.key');
      const [stored] = await guarded(() => items.insert('module_data', row));
      return stored ? toItem(stored, false) : null;
    },
    async update(key, value) {
      if (visitor) throw refuse('update');
      const item = checkValue(value, 'value');
      const rows = await guarded(() =>
        items.update('module_data', { value: item }, { ...scope, key: checkKey(key, 'key') }),
      );
      return rows[0] ? toItem(rows[0], false) : null;
    },
    async delete(key) {
      if (visitor) throw refuse('delete');
      const n = await guarded(() =>
        items.delete('module_data', { ...scope, key: checkKey(key, 'key') }),
      );
      return n > 0;
    },
  };
  return Object.freeze(client);
}
