import type { JsonValue } from './json-value';

/** The smallest column shape the row types need (a `defineModule` literal satisfies it). */
interface AnyColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable?: boolean | undefined;
  readonly default?: string | undefined;
  readonly primaryKey?: boolean | undefined;
}

/** The smallest table shape the row types need. */
interface AnyTable {
  readonly name: string;
  readonly columns: readonly AnyColumn[];
}

/**
 * Any module definition the row types accept: the result of `defineModule`, or anything shaped
 * like a `ModuleDatabaseConfig`.
 *
 * @example
 * ```ts
 * function tables<M extends AnyModuleDefinition>(m: M): TableNames<M>[] { ... }
 * ```
 *
 * @throws Never; this is a type.
 */
export interface AnyModuleDefinition {
  readonly tables: readonly AnyTable[];
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type IsNever<T> = [T] extends [never] ? true : false;
type Trim<S extends string> = S extends ` ${infer R}`
  ? Trim<R>
  : S extends `${infer R} `
    ? Trim<R>
    : S;
type StripArgs<S extends string> = S extends `${infer B}(${string})${infer Rest}`
  ? Trim<`${Trim<B>}${Rest}`>
  : S;

/** Base types read as strings: text, identifiers, exact numbers and date/time values. */
type StringBase =
  | 'bigint'
  | 'int8'
  | 'numeric'
  | 'decimal'
  | 'text'
  | 'varchar'
  | 'character varying'
  | 'char'
  | 'character'
  | 'bpchar'
  | 'citext'
  | 'uuid'
  | 'date'
  | 'time'
  | 'timetz'
  | 'time with time zone'
  | 'time without time zone'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp with time zone'
  | 'timestamp without time zone'
  | 'interval'
  | 'inet'
  | 'cidr'
  | 'macaddr'
  | 'bytea';
/**
 * Base types read as JavaScript numbers: the ones a float holds exactly. `bigint` and `numeric`
 * are read as strings (their exact digits) on both transports.
 */
type NumberBase =
  | 'integer'
  | 'int'
  | 'int4'
  | 'smallint'
  | 'int2'
  | 'real'
  | 'float4'
  | 'double precision'
  | 'float8';

type BaseToTs<B extends string> = B extends StringBase
  ? string
  : B extends NumberBase
    ? number
    : B extends 'boolean' | 'bool'
      ? boolean
      : B extends 'json' | 'jsonb'
        ? JsonValue
        : unknown;

type NormalizedToTs<S extends string> = S extends `${infer E}[]`
  ? NormalizedToTs<Trim<E>>[]
  : BaseToTs<StripArgs<S>>;

type ExactNumericBase = 'bigint' | 'int8' | 'numeric' | 'decimal';

/** What a write accepts: exact numerics also as a number or a JavaScript bigint. */
type NormalizedToWriteTs<S extends string> = S extends `${infer E}[]`
  ? NormalizedToWriteTs<Trim<E>>[]
  : StripArgs<S> extends ExactNumericBase
    ? string | number | bigint
    : BaseToTs<StripArgs<S>>;

/**
 * The JavaScript type a write (insert, update) accepts for a column of the given SQL type: as
 * {@link ColumnTypeToTs}, except that `bigint` and `numeric` columns take a decimal string, a
 * number (exact only within 2^53 / 15 significant digits) or a JavaScript `bigint`.
 *
 * @example
 * ```ts
 * type Amount = ColumnTypeToWriteTs<'numeric(12,2)'>; // string | number | bigint
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnTypeToWriteTs<T extends string> = string extends T
  ? unknown
  : NormalizedToWriteTs<Trim<Lowercase<T>>>;

/**
 * The JavaScript type of a value read from a column of the given SQL type, as both transports
 * (node-postgres and PostgREST) return it.
 *
 * - `text`, `varchar(n)`, `citext`, `uuid`, `inet` → `string`.
 * - `bigint` and `numeric(p,s)` → `string`, their exact digits (`'9007199254740993'`,
 *   `'1234.50'`), on both transports, as `pg` and Kysely read them: a JavaScript number would
 *   round past 2^53 or 15 significant digits. Writes also take a number or a `bigint`.
 * - `date`, `time`, `timestamp`, `timestamptz`, `interval` → `string` (ISO 8601 text): PostgREST
 *   returns JSON text, and the Postgres transport returns rows through `to_jsonb` too, so one
 *   module's code sees the same values on both.
 * - `integer`, `smallint`, `real`, `double precision` → `number`; `boolean` → `boolean`.
 * - `json`, `jsonb` → {@link JsonValue}; `bytea` → `string` (`\x` hex).
 * - `X[]` → an array of `X`'s type; any other type → `unknown`.
 *
 * @example
 * ```ts
 * type Price = ColumnTypeToTs<'numeric(10,2)'>; // string
 * type Tags = ColumnTypeToTs<'text[]'>; // string[]
 * ```
 *
 * @throws Never; this is a type.
 */
export type ColumnTypeToTs<T extends string> = string extends T
  ? unknown
  : NormalizedToTs<Trim<Lowercase<T>>>;

/**
 * The names of a module's tables, as literal types.
 *
 * @example
 * ```ts
 * type Names = TableNames<typeof crmModule>; // 'contacts' | 'companies' | 'deals' | 'activities'
 * ```
 *
 * @throws Never; this is a type.
 */
export type TableNames<M extends AnyModuleDefinition> = M['tables'][number]['name'];

/**
 * The declaration of table `N` of module `M`.
 *
 * @example
 * ```ts
 * type Contacts = TableOf<typeof crmModule, 'contacts'>;
 * ```
 *
 * @throws Never; this is a type.
 */
export type TableOf<M extends AnyModuleDefinition, N extends TableNames<M>> = Extract<
  M['tables'][number],
  { readonly name: N }
>;

type ColumnsOf<M extends AnyModuleDefinition, N extends TableNames<M>> = TableOf<
  M,
  N
>['columns'][number];

type IsNullable<C extends AnyColumn> = C extends { readonly nullable: true }
  ? true
  : C extends { readonly nullable: false }
    ? false
    : // Absent (or `undefined`) means NOT NULL; a widened `boolean` may be either.
      undefined extends C['nullable']
      ? C extends { readonly nullable: boolean }
        ? true
        : false
      : true;

type ValueOf<C extends AnyColumn> =
  | ColumnTypeToTs<C['type']>
  | (IsNullable<C> extends true ? null : never);

type WriteValueOf<C extends AnyColumn> =
  | ColumnTypeToWriteTs<C['type']>
  | (IsNullable<C> extends true ? null : never);

type HasDefault<C extends AnyColumn> = C extends { readonly default: string } ? true : false;

/** `{ id: string }` when the platform adds `id` (no `id` column and no declared primary key). */
type PlatformId<Cols extends AnyColumn> =
  IsNever<Extract<Cols, { readonly name: 'id' }>> extends true
    ? IsNever<Extract<Cols, { readonly primaryKey: true }>> extends true
      ? { id: string }
      : unknown
    : unknown;

/** `{ site_id: string }` when `site_id` is not declared (the platform always adds it). */
type PlatformSiteId<Cols extends AnyColumn> =
  IsNever<Extract<Cols, { readonly name: 'site_id' }>> extends true ? { site_id: string } : unknown;

/**
 * A row of table `N` as read: every declared column, plus the platform's `id` and `site_id`
 * (`string`, UUIDs) when the platform adds them. Nullable columns are `| null`.
 *
 * The platform adds `id` only when no column is the primary key; a table whose primary key is
 * another column (`sku`) has no `id` here either.
 *
 * @example
 * ```ts
 * type Contact = Row<typeof crmModule, 'contacts'>;
 * // { id: string; site_id: string; first_name: string; email: string | null; ... }
 * ```
 *
 * @throws Never; this is a type.
 */
export type Row<M extends AnyModuleDefinition, N extends TableNames<M>> = Simplify<
  PlatformId<ColumnsOf<M, N>> &
    PlatformSiteId<ColumnsOf<M, N>> & {
      [C in ColumnsOf<M, N> as C['name']]: ValueOf<C>;
    }
>;

type InsertOptional<C extends AnyColumn> = C['name'] extends 'site_id'
  ? true
  : HasDefault<C> extends true
    ? true
    : IsNullable<C>;

/**
 * A record to insert into table `N`: columns without a default that are not nullable are
 * required; columns with a default, nullable columns, the platform's `id` (it defaults to
 * `gen_random_uuid()`) and `site_id` (stamped from the request context) are optional.
 *
 * A declared `id` column is required unless it declares a default.
 *
 * @example
 * ```ts
 * const contact: Insert<typeof crmModule, 'contacts'> = { first_name: 'Ada', last_name: 'Lovelace' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type Insert<M extends AnyModuleDefinition, N extends TableNames<M>> = Simplify<
  Partial<PlatformId<ColumnsOf<M, N>> & PlatformSiteId<ColumnsOf<M, N>>> & {
    [C in ColumnsOf<M, N> as InsertOptional<C> extends true ? never : C['name']]: WriteValueOf<C>;
  } & {
    [C in ColumnsOf<M, N> as InsertOptional<C> extends true ? C['name'] : never]?: WriteValueOf<C>;
  }
>;

/**
 * A change to rows of table `N`: every declared column optional, except `id` and `site_id`,
 * which cannot be changed through the API.
 *
 * @example
 * ```ts
 * const patch: Update<typeof crmModule, 'contacts'> = { status: 'customer' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type Update<M extends AnyModuleDefinition, N extends TableNames<M>> = Simplify<{
  [C in ColumnsOf<M, N> as C['name'] extends 'id' | 'site_id'
    ? never
    : C['name']]?: WriteValueOf<C>;
}>;
