/**
 * A JSON value: what a `json` or `jsonb` column holds once read into JavaScript.
 *
 * @example
 * ```ts
 * const fields: JsonValue = { source: 'web', tags: ['vip'], score: 3, archived: false };
 * ```
 *
 * @throws Never; this is a type.
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };
