/**
 * What a site's visitors may do with a module's tables, as types derived from the definition's
 * `visitors: { read, insert }` declarations. The data client refuses the same at run time
 * (`VISITOR_NOT_ALLOWED`) and PostgreSQL enforces it (column grants, visitor policies).
 */
import type {
  AnyModuleDefinition,
  Insert,
  Row,
  TableNames,
  TableOf,
} from '../definition/row-types';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The table's `visitors` declaration, or `never` for a members-only table. */
type VisitorsOf<M extends AnyModuleDefinition, N extends TableNames<M>> =
  TableOf<M, N> extends { readonly visitors: infer V } ? V : never;

type ReadDeclaration<M extends AnyModuleDefinition, N extends TableNames<M>> =
  VisitorsOf<M, N> extends { readonly read: infer R } ? R : never;

type ColumnOf<M extends AnyModuleDefinition, N extends TableNames<M>> = keyof Row<M, N> & string;

/**
 * The columns a visitor may read from table `N` (besides `site_id`): the declared
 * `visitors.read` list, every column but `site_id` for `read: 'all'`, `never` when visitors read
 * nothing.
 *
 * @example
 * ```ts
 * type C = VisitorReadColumn<typeof shop, 'products'>; // 'id' | 'name' | 'price'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorReadColumn<M extends AnyModuleDefinition, N extends TableNames<M>> = [
  ReadDeclaration<M, N>,
] extends [never]
  ? never
  : [ReadDeclaration<M, N>] extends ['all']
    ? Exclude<ColumnOf<M, N>, 'site_id'>
    : ReadDeclaration<M, N> extends readonly (infer C)[]
      ? C & ColumnOf<M, N>
      : never;

/**
 * The columns a visitor's insert into table `N` may set (the declared `visitors.insert` list);
 * `never` when visitors insert nothing.
 *
 * @example
 * ```ts
 * type C = VisitorInsertColumn<typeof shop, 'requests'>; // 'name' | 'email' | 'message'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorInsertColumn<M extends AnyModuleDefinition, N extends TableNames<M>> = [
  VisitorsOf<M, N>,
] extends [never]
  ? never
  : VisitorsOf<M, N> extends { readonly insert: readonly (infer C)[] }
    ? C & ColumnOf<M, N>
    : never;

/**
 * The tables whose rows visitors may read.
 *
 * @example
 * ```ts
 * type T = VisitorReadableTable<typeof shop>; // 'products'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorReadableTable<M extends AnyModuleDefinition> = {
  [N in TableNames<M>]: [VisitorReadColumn<M, N>] extends [never] ? never : N;
}[TableNames<M>];

/**
 * The tables visitors may insert into.
 *
 * @example
 * ```ts
 * type T = VisitorInsertableTable<typeof shop>; // 'requests'
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorInsertableTable<M extends AnyModuleDefinition> = {
  [N in TableNames<M>]: [VisitorInsertColumn<M, N>] extends [never] ? never : N;
}[TableNames<M>];

/**
 * A row of table `N` as a visitor reads it: the declared read columns and `site_id` (always the
 * request's site), nothing else.
 *
 * @example
 * ```ts
 * type P = VisitorRow<typeof shop, 'products'>; // { id: string; name: string; price: string; site_id: string }
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorRow<M extends AnyModuleDefinition, N extends TableNames<M>> = Simplify<
  Pick<Row<M, N>, VisitorReadColumn<M, N> | ('site_id' & keyof Row<M, N>)>
>;

/**
 * A record a visitor inserts into table `N`: the declared insert columns only (required ones
 * stay required); every other column takes its default, `site_id` is the request's site.
 *
 * @example
 * ```ts
 * const r: VisitorInsert<typeof shop, 'requests'> = { name: 'Ada', email: 'ada@example.com' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorInsert<M extends AnyModuleDefinition, N extends TableNames<M>> = Simplify<
  Pick<Insert<M, N>, VisitorInsertColumn<M, N> & keyof Insert<M, N>>
>;
