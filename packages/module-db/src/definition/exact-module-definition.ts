import type { DeepReadonly } from './deep-freeze';
import type { ModuleDatabaseConfig } from './module-database-config';
import type { ReservedColumnName } from './reserved-column-names';

/**
 * The type a key of `T` gets when the definition's shape `S` has no such key: no value is
 * assignable to it, so the key is a compile error at its own line.
 */
type UnknownKey = never;

/** Keys of any member of a union. */
type KeysOf<S> = S extends unknown ? keyof S : never;

/** The type of key `K` in whichever members of `S` have it, without `undefined`. */
type PropertyOf<S, K extends PropertyKey> = S extends unknown
  ? K extends keyof S
    ? Exclude<S[K], undefined>
    : never
  : never;

/**
 * The members of a tagged union `S` (migration steps, tagged by `kind`) that `T` is: the keys a
 * `dropColumn` step accepts are not those of an `alterType` step. Untagged shapes pass through.
 */
type MembersFor<S, T> = S extends unknown
  ? S extends { readonly kind: infer Kind }
    ? T extends { readonly kind: Kind }
      ? S
      : never
    : S
  : never;

/**
 * `T` with every key that `S` does not have mapped to an impossible type, all the way down
 * (objects, arrays and tuples). A tagged member whose tag matches no member of `S` is left to
 * the base constraint, which reports the bad tag itself.
 *
 * Tuples become arrays of their checked elements, not checked tuples: a tuple here would be
 * part of the argument's contextual type, and elements written after a spread
 * (`[...base.columns, { default: "'new'" }]`) would then lose their literal types.
 */
type Exact<T, S> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? S extends readonly (infer Element)[]
      ? readonly Exact<T[number], Element>[]
      : T
    : T extends object
      ? [MembersFor<S, T>] extends [never]
        ? T
        : {
            readonly [K in keyof T]: K extends KeysOf<MembersFor<S, T>>
              ? Exact<T[K], PropertyOf<MembersFor<S, T>, K>>
              : UnknownKey;
          } & ReservedColumn<T, MembersFor<S, T>>
      : T;

/** The name of the key a reserved column is missing, so that the error says why. */
type ReservedColumnError<N extends string> =
  `${N} is added by the platform to every module table: remove this column`;

/**
 * For a column (the shape `S` is a column's: only columns have `primaryKey`) whose name is
 * reserved (`site_id`, in any letter case): a required key that no column can have, named after
 * the reason, so the compiler's "Property ... is missing" says why. Otherwise nothing.
 */
type ReservedColumn<T, S> =
  'primaryKey' extends KeysOf<S>
    ? T extends { readonly name: infer N extends string }
      ? Lowercase<N> extends ReservedColumnName
        ? { readonly [R in ReservedColumnError<N>]: never }
        : unknown
      : unknown
    : unknown;

/**
 * What `defineModule` checks `T` against beyond {@link ModuleDefinitionInput}: TypeScript does
 * not check excess keys of an inferred (`const`) type argument, so a misspelled or misplaced key
 * (`nullabel`, a migration step's `colum`, `primaryKey` on a table) would compile and fail only
 * at run time. This type is `T` with each such key mapped to `never`, and a declared reserved
 * column (`site_id`, in any letter case) given a required key that names the reason, so both
 * are compile errors: on the definition's `tables` or `migrations` property, the message ending
 * with the bad key ("Types of property 'colum' are incompatible").
 *
 * The elements of one array are checked against the union of their exact shapes, so an element
 * with an extra key that is otherwise identical to another element of the same array is not
 * caught here; `validateModuleDefinition` still refuses it (`unknown_key`).
 *
 * @example
 * ```ts
 * type Ok = ExactModuleDefinition<typeof crmModule>; // no key maps to never
 * defineModule({
 *   moduleId, moduleType: 'app', version: '1.1.0', tables,
 *   // @ts-expect-error: "Types of property 'colum' are incompatible" (a dropColumn step has none)
 *   migrations: [{ kind: 'dropColumn', table: 'deals', column: 'stage', colum: 'x' }],
 * });
 * ```
 *
 * @throws Never; this is a type.
 */
export type ExactModuleDefinition<T> = Exact<T, DeepReadonly<ModuleDatabaseConfig>>;
