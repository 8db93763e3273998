/**
 * Types of a widget's items, derived from the definition's `collections` (the item shape the
 * database checks on every write).
 */
import type { JsonValue } from '../definition/json-value';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type CollectionsOf<M> = M extends { readonly collections?: infer C }
  ? Exclude<C, undefined>
  : never;

/**
 * The names of a widget's collections, as literal types (`never` for a module without any).
 *
 * @example
 * ```ts
 * type C = CollectionNames<typeof testimonials>; // 'testimonials' | 'notes'
 * ```
 *
 * @throws Never; this is a type.
 */
export type CollectionNames<M> = [CollectionsOf<M>] extends [never]
  ? never
  : keyof CollectionsOf<M> & string;

/**
 * The declaration of collection `C` of module `M`.
 *
 * @example
 * ```ts
 * type T = CollectionOf<typeof testimonials, 'testimonials'>;
 * ```
 *
 * @throws Never; this is a type.
 */
export type CollectionOf<M, C extends CollectionNames<M>> = CollectionsOf<M>[C];

type FieldsOf<M, C extends CollectionNames<M>> =
  CollectionOf<M, C> extends {
    readonly fields: infer F;
  }
    ? F
    : never;

/** The JavaScript type of one declared field (`enum` narrows a string to its values). */
type FieldType<F> = F extends { readonly type: 'string'; readonly enum: readonly (infer E)[] }
  ? E
  : F extends { readonly type: 'string' }
    ? string
    : F extends { readonly type: 'integer' | 'number' }
      ? number
      : F extends { readonly type: 'boolean' }
        ? boolean
        : F extends { readonly type: 'json' }
          ? JsonValue
          : unknown;

type FieldValue<F> = FieldType<F> | (F extends { readonly nullable: true } ? null : never);
type IsOptional<F> = F extends { readonly optional: true } ? true : false;

/**
 * An item of collection `C`: every declared field, typed by its declaration (`string` with
 * `enum` is the union of its values, `integer`/`number` a number, `json` a JSON value),
 * `optional: true` fields optional, `nullable: true` fields `| null`.
 *
 * @example
 * ```ts
 * const item: WidgetItemValue<typeof testimonials, 'testimonials'> = { author: 'Ada', quote: 'Splendid', rating: 5 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type WidgetItemValue<M, C extends CollectionNames<M>> = Simplify<
  {
    -readonly [K in keyof FieldsOf<M, C> as IsOptional<FieldsOf<M, C>[K]> extends true
      ? never
      : K]: FieldValue<FieldsOf<M, C>[K]>;
  } & {
    -readonly [K in keyof FieldsOf<M, C> as IsOptional<FieldsOf<M, C>[K]> extends true
      ? K
      : never]?: FieldValue<FieldsOf<M, C>[K]>;
  }
>;

type VisitorDeclarationOf<M, C extends CollectionNames<M>> =
  CollectionOf<M, C> extends {
    readonly visitors: infer V;
  }
    ? V
    : never;

/**
 * The fields of collection `C` that visitors read: the declared `visitors.read` list, every
 * field for `'all'`, `never` when visitors read nothing.
 *
 * @example
 * ```ts
 * type F = VisitorReadField<typeof testimonials, 'testimonials'>; // 'author' | 'quote' | 'rating'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorReadField<M, C extends CollectionNames<M>> = [
  VisitorDeclarationOf<M, C>,
] extends [never]
  ? never
  : VisitorDeclarationOf<M, C> extends { readonly read: infer R }
    ? [R] extends ['all']
      ? keyof FieldsOf<M, C> & string
      : R extends readonly (infer F)[]
        ? F & keyof FieldsOf<M, C> & string
        : never
    : never;

/**
 * The fields a visitor's new item of collection `C` may set (`visitors.insert`); `never` when
 * visitors insert nothing.
 *
 * @example
 * ```ts
 * type F = VisitorInsertField<typeof testimonials, 'testimonials'>; // 'author' | 'quote' | 'rating' | 'email'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorInsertField<M, C extends CollectionNames<M>> = [
  VisitorDeclarationOf<M, C>,
] extends [never]
  ? never
  : VisitorDeclarationOf<M, C> extends { readonly insert: readonly (infer F)[] }
    ? F & keyof FieldsOf<M, C> & string
    : never;

/**
 * The collections whose items visitors read.
 *
 * @example
 * ```ts
 * type C = VisitorReadableCollection<typeof testimonials>; // 'testimonials'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorReadableCollection<M> = {
  [C in CollectionNames<M>]: [VisitorReadField<M, C>] extends [never] ? never : C;
}[CollectionNames<M>];

/**
 * The collections visitors add items to.
 *
 * @example
 * ```ts
 * type C = VisitorInsertableCollection<typeof testimonials>; // 'testimonials'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorInsertableCollection<M> = {
  [C in CollectionNames<M>]: [VisitorInsertField<M, C>] extends [never] ? never : C;
}[CollectionNames<M>];

/**
 * One stored item with its platform columns: `key` (unique per site and collection; defaults
 * to `id`), the item `value`, timestamps as ISO strings.
 *
 * @example
 * ```ts
 * const item: WidgetItem<{ quote: string }> = { id, site_id, key: id, value: { quote: 'Hi' }, created_at, updated_at };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface WidgetItem<V> {
  readonly id: string;
  readonly site_id: string;
  readonly key: string;
  readonly value: V;
  readonly created_at: string;
  readonly updated_at: string;
}

/**
 * An item of collection `C` as a visitor reads it: only the visitor-readable fields (the
 * database keeps them apart in `public_value`; the full item is never readable by visitors).
 *
 * @example
 * ```ts
 * type T = VisitorWidgetItem<typeof testimonials, 'testimonials'>; // value: { author; quote; rating }
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorWidgetItem<M, C extends CollectionNames<M>> = WidgetItem<
  Simplify<Pick<WidgetItemValue<M, C>, VisitorReadField<M, C> & keyof WidgetItemValue<M, C>>>
>;

/**
 * A visitor's new item of collection `C`: the declared insert fields only.
 *
 * @example
 * ```ts
 * const mine: VisitorWidgetItemInsert<typeof testimonials, 'testimonials'> = { author: 'Ada', quote: 'Hi', rating: 5 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorWidgetItemInsert<M, C extends CollectionNames<M>> = Simplify<
  Pick<WidgetItemValue<M, C>, VisitorInsertField<M, C> & keyof WidgetItemValue<M, C>>
>;
