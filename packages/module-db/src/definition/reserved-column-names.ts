/**
 * Column names the platform adds to every module table itself, with what it adds. A definition
 * cannot declare them (`reserved_column`): a declared `site_id` used to be accepted and then
 * replaced by the platform's, so what the author wrote (a type, a default, a check) silently
 * did not happen.
 *
 * `site_id` is the only one: it is on every table (`uuid not null`, referencing
 * `public.sites(id)`, leading every key and index, stamped from the request context). `id` is not
 * reserved: the platform adds it only when no column is the primary key, and a declared `id`
 * primary key is kept exactly as declared. PostgreSQL's own system columns (`ctid`, `xmin`, ...)
 * are refused separately (`system_column`).
 *
 * @example
 * ```ts
 * Object.keys(RESERVED_COLUMN_NAMES); // ['site_id']
 * ```
 *
 * @throws Never; this is a constant.
 */
export const RESERVED_COLUMN_NAMES: Readonly<Record<string, string>> = Object.freeze({
  site_id:
    'uuid not null, referencing public.sites(id), leading every key and index, stamped from the request context',
});

/** The type-level list of {@link RESERVED_COLUMN_NAMES}, for `defineModule`'s compile-time check. */
export type ReservedColumnName = 'site_id';

/**
 * The reserved column a declared name stands for, or `undefined`. The comparison is made after
 * the normalisations a reader or a database would apply (letter case, surrounding white space
 * and double quotes), so `Site_ID` and `"site_id"` are caught as `site_id` rather than reported
 * only as badly spelled identifiers whose suggested spelling would then be refused.
 *
 * @example
 * ```ts
 * reservedColumnName('SITE_ID'); // 'site_id'
 * reservedColumnName('site'); // undefined
 * ```
 *
 * @throws Never.
 */
export function reservedColumnName(name: string): string | undefined {
  const normalised = name
    .trim()
    .replace(/^"(.*)"$/s, '$1')
    .trim()
    .toLowerCase();
  return Object.hasOwn(RESERVED_COLUMN_NAMES, normalised) ? normalised : undefined;
}

/**
 * The message of a `reserved_column` issue.
 *
 * @example
 * ```ts
 * reservedColumnMessage('Site_Id', 'site_id', 'deals');
 * // 'Column "Site_Id" (site_id) of table "deals" is added by the platform to every module table (...); remove it ...'
 * ```
 *
 * @throws Never.
 */
export function reservedColumnMessage(declared: string, reserved: string, table: string): string {
  const what = RESERVED_COLUMN_NAMES[reserved] ?? '';
  const named = declared === reserved ? `"${reserved}"` : `"${declared}" (${reserved})`;
  return `Column ${named} of table "${table}" is added by the platform to every module table (${what}); remove it from the definition. Indexes, checks and policies can still use ${reserved}.`;
}
