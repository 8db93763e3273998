import type {
  AnyModuleDefinition,
  ColumnTypeToTs,
  Row,
  TableNames,
  TableOf,
  VisitorReadColumn,
} from '@dramac/module-db/client';

/**
 * The column names of table `N` of module `M`, including the platform's `id` and `site_id`.
 *
 * @example
 * ```ts
 * type C = ColumnName<typeof crm, 'contacts'>; // 'id' | 'site_id' | 'first_name' | ...
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnName<M extends AnyModuleDefinition, N extends TableNames<M>> = keyof Row<M, N> &
  string;

type DeclaredColumn<M extends AnyModuleDefinition, N extends TableNames<M>, K> = Extract<
  TableOf<M, N>['columns'][number],
  { readonly name: K }
>;

/** The SQL type of a column; the platform's `id` and `site_id` are `uuid`. */
type SqlTypeOf<M extends AnyModuleDefinition, N extends TableNames<M>, K> = [
  DeclaredColumn<M, N, K>,
] extends [never]
  ? 'uuid'
  : DeclaredColumn<M, N, K>['type'];

type IsNullableColumn<M extends AnyModuleDefinition, N extends TableNames<M>, K> = null extends Row<
  M,
  N
>[K & keyof Row<M, N>]
  ? true
  : false;

type Norm<T extends string> = Lowercase<T>;

/** Types the data client compares as text with `like`/`ilike`. */
type IsTextType<T extends string> =
  Norm<T> extends
    | 'text'
    | 'citext'
    | `varchar${string}`
    | `character varying${string}`
    | `char${string}`
    | `character${string}`
    | `bpchar${string}`
    ? Norm<T> extends `${string}[]`
      ? false
      : true
    : false;

/**
 * The scalar a filter on a column of SQL type `T` compares with, or `never` when the column can
 * only be tested for `null` (JSON) or compared whole (arrays, see {@link ColumnCondition}).
 * Date/time columns also take a `Date`; `numeric` and `bigint` columns take a decimal string, a
 * number or a JavaScript `bigint` (strings and bigints stay exact beyond 2^53).
 */
type ScalarFor<T extends string> = string extends T
  ? string | number | bigint | boolean | Date
  : Norm<T> extends `${string}[]` | 'json' | 'jsonb'
    ? never
    : Norm<T> extends `timestamp${string}` | 'date' | `time${string}`
      ? string | Date
      : Norm<T> extends `numeric${string}` | `decimal${string}` | 'bigint' | 'int8'
        ? string | number | bigint
        : Exclude<ColumnTypeToTs<T>, null>;

/**
 * Operators on one column, typed by the column: `like`/`ilike`/`contains`/`icontains` only on
 * text columns, `is: null` only on nullable columns, `is: true | false` only on boolean columns.
 *
 * `like`/`ilike` take a SQL LIKE pattern (`%` any run, `_` one character, `\` escapes the next;
 * every other character, `*` included, is literal), the same on both transports. `contains` and
 * `icontains` take plain text and match it literally anywhere in the value (`%`, `_`, `\`, `*` are
 * ordinary characters there).
 *
 * @example
 * ```ts
 * const score: ColumnOperators<number, false, false, false> = { gte: 50, lt: 90 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnOperators<
  S,
  Nullable extends boolean,
  Text extends boolean,
  Bool extends boolean,
> = {
  readonly eq?: S;
  readonly neq?: S;
  readonly gt?: S;
  readonly gte?: S;
  readonly lt?: S;
  readonly lte?: S;
  readonly in?: readonly S[];
} & (Text extends true
  ? {
      readonly like?: string;
      readonly ilike?: string;
      readonly contains?: string;
      readonly icontains?: string;
    }
  : unknown) &
  ([Nullable, Bool] extends [false, false]
    ? unknown
    : {
        readonly is?:
          | (Nullable extends true ? null : never)
          | (Bool extends true ? boolean : never);
      });

/**
 * The condition on column `K` of table `N`: a value (equality), an array (`IN`), `null` (IS NULL,
 * nullable columns only), or an operator object. Array columns compare whole arrays with
 * `eq`/`neq`; JSON columns can only be tested for null.
 *
 * @example
 * ```ts
 * const c: ColumnCondition<typeof crm, 'contacts', 'lead_score'> = { gte: 50 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnCondition<
  M extends AnyModuleDefinition,
  N extends TableNames<M>,
  K extends ColumnName<M, N>,
> =
  | PlainCondition<M, N, K>
  /** Negation: `{ status: { not: 'lead' } }`, `{ email: { not: null } }`. */
  | { readonly not: PlainCondition<M, N, K> };

type PlainCondition<
  M extends AnyModuleDefinition,
  N extends TableNames<M>,
  K extends ColumnName<M, N>,
> =
  ScalarFor<SqlTypeOf<M, N, K>> extends infer S
    ? [S] extends [never]
      ? Norm<SqlTypeOf<M, N, K>> extends `${string}[]`
        ?
            | { readonly eq?: ArrayValue<M, N, K>; readonly neq?: ArrayValue<M, N, K> }
            | NullCondition<IsNullableColumn<M, N, K>>
        : NullCondition<IsNullableColumn<M, N, K>>
      :
          | S
          | readonly S[]
          | (IsNullableColumn<M, N, K> extends true ? null : never)
          | ColumnOperators<
              S,
              IsNullableColumn<M, N, K>,
              IsTextType<SqlTypeOf<M, N, K>>,
              [S] extends [boolean] ? true : false
            >
    : never;

type ArrayValue<M extends AnyModuleDefinition, N extends TableNames<M>, K> = Exclude<
  Row<M, N>[K & keyof Row<M, N>],
  null
>;

type NullCondition<Nullable extends boolean> = Nullable extends true
  ? null | { readonly is?: null }
  : never;

/**
 * A `where` for table `N`: conditions keyed by column, ANDed. Keys are the table's columns; values
 * are typed per column (see {@link ColumnCondition}).
 *
 * @example
 * ```ts
 * const where: Where<typeof crm, 'contacts'> = { status: 'lead', lead_score: { gte: 50 }, email: null };
 * ```
 *
 * @throws Never; this is a type.
 */
export type Where<M extends AnyModuleDefinition, N extends TableNames<M>> = {
  readonly [K in ColumnName<M, N>]?: ColumnCondition<M, N, K>;
} & {
  /** Alternatives: rows matching any of these (each one's conditions ANDed). */
  readonly or?: readonly Where<M, N>[];
};

/**
 * The primary-key column of table `N`: the declared `primaryKey` column, else the platform's `id`.
 *
 * @example
 * ```ts
 * type Pk = PrimaryKeyOf<typeof shop, 'products'>; // 'sku' when sku is declared the primary key
 * ```
 *
 * @throws Never; this is a type.
 */
export type PrimaryKeyOf<M extends AnyModuleDefinition, N extends TableNames<M>> = [
  Extract<TableOf<M, N>['columns'][number], { readonly primaryKey: true }>,
] extends [never]
  ? 'id' & ColumnName<M, N>
  : Extract<TableOf<M, N>['columns'][number], { readonly primaryKey: true }>['name'] &
      ColumnName<M, N>;

/**
 * The type of a primary-key value of table `N`.
 *
 * @example
 * ```ts
 * type Id = PrimaryKeyValue<typeof crm, 'contacts'>; // string
 * ```
 *
 * @throws Never; this is a type.
 */
export type PrimaryKeyValue<M extends AnyModuleDefinition, N extends TableNames<M>> = Exclude<
  Row<M, N>[PrimaryKeyOf<M, N>],
  null
>;

/**
 * A visitor's `where` on table `N`: as {@link Where}, on the columns visitors may read (and
 * `site_id`) only. Filtering on another column would tell its values, so PostgreSQL refuses it
 * (42501) and the data client refuses it first (`VISITOR_NOT_ALLOWED`).
 *
 * @example
 * ```ts
 * const where: VisitorWhere<typeof shop, 'products'> = { price: { lte: 20 } };
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorWhere<M extends AnyModuleDefinition, N extends TableNames<M>> = {
  readonly [K in (VisitorReadColumn<M, N> | 'site_id') & ColumnName<M, N>]?: ColumnCondition<
    M,
    N,
    K
  >;
} & {
  /** Alternatives: rows matching any of these (each one's conditions ANDed). */
  readonly or?: readonly VisitorWhere<M, N>[];
};
