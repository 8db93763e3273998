/**
 * PostgreSQL's identifier limit in bytes (`NAMEDATALEN - 1`). Longer names are not rejected
 * by PostgreSQL but silently truncated, which can make two names collide.
 *
 * @example
 * ```ts
 * if (new TextEncoder().encode(name).length > MAX_IDENTIFIER_BYTES) throw new Error('too long');
 * ```
 *
 * @throws Never.
 */
export const MAX_IDENTIFIER_BYTES = 63;
