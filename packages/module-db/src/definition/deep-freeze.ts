/**
 * A type whose objects and arrays are read-only all the way down.
 *
 * @example
 * ```ts
 * const table: DeepReadonly<TableDefinition> = crmModule.tables[0];
 * ```
 *
 * @throws Never; this is a type.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * Freezes a plain data tree (objects and arrays) in place and returns it. Validated definitions
 * are passed between pipeline stages; freezing makes an accidental mutation fail loudly instead
 * of changing what a later stage (or the registry checksum) sees.
 *
 * @example
 * ```ts
 * const table = deepFreeze({ name: 'notes', columns: [{ name: 'body' }] });
 * Object.isFrozen(table.columns[0]); // true
 * ```
 *
 * @throws Never.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
