import type {
  CollectionDataClient,
  CollectionNames,
  ItemListOptions,
  ItemPage,
  WidgetItem,
  WidgetItemValue,
} from '@dramac/module-db/client';

/**
 * A widget's collection for a signed-in member: typed CRUD over the site's items of collection
 * `C` (rows of `public.module_data`, scoped to this module and site by PostgreSQL). Item values
 * are typed from the collection's declared fields; the database checks every item written and a
 * misfit is refused with `CONSTRAINT_VIOLATION` naming the field (`path: 'testimonials.rating'`)
 * and the rule (`rule: 'maximum'`).
 *
 * @example
 * ```ts
 * const testimonials = db.collection('testimonials');
 * const item = await testimonials.create({ author: 'Ada', quote: 'Splendid', rating: 5 });
 * const { items, nextCursor } = await testimonials.list({ limit: 20 });
 * await testimonials.update(item.key, { ...item.value, rating: 4 });
 * await testimonials.delete(item.key);
 * ```
 *
 * @throws See each method; every method throws typed errors of `@dramac/module-db`.
 */
export class WidgetCollectionSDK<M, C extends CollectionNames<M>> {
  readonly #client: CollectionDataClient;

  /** Wraps the data client's collection (use `ModuleDatabaseSDK.collection(name)`). */
  constructor(client: CollectionDataClient) {
    this.#client = client;
  }

  /** The collection's name. */
  get name(): C {
    return this.#client.name as C;
  }

  /**
   * Stores a new item and returns it as stored (`key` defaults to its id).
   *
   * @example
   * ```ts
   * await db.collection('testimonials').create({ author: 'Ada', quote: 'Hi', rating: 5 }, { key: 'ada' });
   * ```
   *
   * @throws QueryValidationError for a field the collection does not declare or a bad key, before
   * any SQL; ConstraintViolationError (`23514`, `path`, `rule`) for an item that does not fit its
   * declared shape; ConflictError (`path: '<collection>.key'`) for a key that is taken.
   */
  async create(
    value: WidgetItemValue<M, C>,
    options?: { readonly key?: string },
  ): Promise<WidgetItem<WidgetItemValue<M, C>>> {
    const item = await this.#client.create(value as Record<string, unknown>, options);
    return item as unknown as WidgetItem<WidgetItemValue<M, C>>;
  }

  /**
   * One keyset page of the site's items (by creation time, or by key), and the next page's
   * cursor.
   *
   * @example
   * ```ts
   * const page = await db.collection('testimonials').list({ limit: 20, ascending: false });
   * ```
   *
   * @throws QueryValidationError for a bad limit, sort or cursor.
   */
  async list(options?: ItemListOptions): Promise<ItemPage<WidgetItem<WidgetItemValue<M, C>>>> {
    return (await this.#client.list(options)) as unknown as ItemPage<
      WidgetItem<WidgetItemValue<M, C>>
    >;
  }

  /**
   * The item with `key`, or null.
   *
   * @example
   * ```ts
   * const ada = await db.collection('testimonials').get('ada');
   * ```
   *
   * @throws QueryValidationError for a key that is not 1-512 characters.
   */
  async get(key: string): Promise<WidgetItem<WidgetItemValue<M, C>> | null> {
    return (await this.#client.get(key)) as unknown as WidgetItem<WidgetItemValue<M, C>> | null;
  }

  /**
   * Replaces the item's value; resolves the item as stored, or null when no item has `key`.
   *
   * @example
   * ```ts
   * await db.collection('testimonials').update('ada', { author: 'Ada', quote: 'Still splendid', rating: 5 });
   * ```
   *
   * @throws As {@link WidgetCollectionSDK.create}.
   */
  async update(
    key: string,
    value: WidgetItemValue<M, C>,
  ): Promise<WidgetItem<WidgetItemValue<M, C>> | null> {
    const item = await this.#client.update(key, value as Record<string, unknown>);
    return item as unknown as WidgetItem<WidgetItemValue<M, C>> | null;
  }

  /**
   * Deletes the item with `key`; true when one went.
   *
   * @example
   * ```ts
   * await db.collection('testimonials').delete('ada');
   * ```
   *
   * @throws QueryValidationError for a bad key.
   */
  async delete(key: string): Promise<boolean> {
    return this.#client.delete(key);
  }

  /**
   * `count(*)` of the site's items of this collection.
   *
   * @example
   * ```ts
   * const n = await db.collection('testimonials').count();
   * ```
   *
   * @throws The database errors of `@dramac/module-db`.
   */
  async count(): Promise<number> {
    return this.#client.count();
  }
}
