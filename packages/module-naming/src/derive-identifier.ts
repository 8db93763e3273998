import { ModuleNamingError, quote } from './errors';
import { MAX_IDENTIFIER_BYTES } from './max-identifier-bytes';
import { RESERVED_WORDS } from './reserved-words';
import { shortHash } from './short-hash';

/** Options for {@link deriveIdentifier}. */
export interface DeriveIdentifierOptions {
  /**
   * The byte budget for the result, 10 to 63 (default 63). Lower it when something else will be
   * put in front of the name.
   */
  maxBytes?: number;
}

const FIRST_PART = /^[a-z_][a-z0-9_]*$/;
const LATER_PART = /^[a-z0-9_]+$/;
// `_` + 8 hex digits, plus at least one character of the name in front of it.
const HASH_SUFFIX_BYTES = 9;
const MIN_MAX_BYTES = HASH_SUFFIX_BYTES + 1;

/**
 * Joins name parts with `_` into an identifier that fits PostgreSQL's 63-byte limit.
 *
 * A joined name that fits is returned as is. A longer one is cut to `maxBytes - 9` bytes and
 * followed by `_` and the {@link shortHash} of the whole untruncated name, so the result is
 * exactly `maxBytes` bytes, deterministic, and distinct for distinct joined names (up to a
 * 32-bit hash collision). PostgreSQL would instead truncate silently, making
 * `idx_<long prefix>_a` and `idx_<long prefix>_b` the same name.
 *
 * Distinctness is of the *joined* name: `['a_b', 'c']` and `['a', 'b_c']` both give `a_b_c`,
 * which is right, since they describe the same SQL name.
 *
 * Parts are not length-checked and may start with `pg_` or `mod_`, so a physical table name such
 * as `mod_a1b2c3d4_contacts` can be a part.
 *
 * @example
 * ```ts
 * deriveIdentifier(['idx', 'contacts', 'site_id', 'created_at']); // 'idx_contacts_site_id_created_at'
 * deriveIdentifier(['idx', 'x'.repeat(80)]); // 'idx_xxx…xxx_' + 8 hex digits, 63 bytes in all
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when `parts` is empty or a part is not
 * lower-case snake case (the first must also start with a letter or `_`), `RESERVED_WORD` when
 * the result is a PostgreSQL reserved keyword, `INVALID_ARGUMENT` for a bad `maxBytes`.
 */
export function deriveIdentifier(
  parts: readonly string[],
  options: DeriveIdentifierOptions = {},
): string {
  const { maxBytes = MAX_IDENTIFIER_BYTES } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES || maxBytes > MAX_IDENTIFIER_BYTES) {
    throw new ModuleNamingError(
      'INVALID_ARGUMENT',
      `Invalid maxBytes ${quote(maxBytes)}: expected an integer from ${MIN_MAX_BYTES} to ${MAX_IDENTIFIER_BYTES}.`,
      { value: maxBytes },
    );
  }
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new ModuleNamingError(
      'INVALID_IDENTIFIER',
      'deriveIdentifier() needs a non-empty array of name parts.',
      { value: parts },
    );
  }
  parts.forEach((part: unknown, i) => {
    if (typeof part !== 'string' || !(i === 0 ? FIRST_PART : LATER_PART).test(part)) {
      throw new ModuleNamingError(
        'INVALID_IDENTIFIER',
        `Invalid name part ${quote(part)} at index ${i}: expected lower-case snake case.`,
        { value: part },
      );
    }
  });
  const full = parts.join('_');
  if (RESERVED_WORDS.has(full)) {
    throw new ModuleNamingError(
      'RESERVED_WORD',
      `Derived name ${quote(full)} is a reserved word in PostgreSQL.`,
      { value: full },
    );
  }
  // Parts are ASCII, so string length is byte length.
  if (full.length <= maxBytes) return full;
  return `${full.slice(0, maxBytes - HASH_SUFFIX_BYTES)}_${shortHash(full)}`;
}
