import { ModuleNamingError, quote } from './errors';
import { MAX_IDENTIFIER_BYTES } from './max-identifier-bytes';
import { RESERVED_WORDS } from './reserved-words';
import { utf8ByteLength } from './utf8';

/** What a user-declared identifier names; decides the wording of errors and the prefix rules. */
export type IdentifierKind = 'table' | 'column' | 'index' | 'policy' | 'constraint';

/** Options for {@link validateIdentifier}. */
export interface ValidateIdentifierOptions {
  /** What the name is for. Tables, indexes and constraints may not start with `mod_`. */
  kind?: IdentifierKind;
  /** Where the name came from, such as `tables[2].name`; copied to the error's `path`. */
  path?: string;
  /**
   * A prefix PostgreSQL will see in front of the name, such as `mod_a1b2c3d4_`: the 63-byte
   * limit applies to `prefix + name`. Must itself be lower-case snake case (may be empty).
   */
  prefix?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const PREFIX = /^[a-z0-9_]*$/;
const KINDS: ReadonlySet<string> = new Set(['table', 'column', 'index', 'policy', 'constraint']);
// Tables, indexes and index-backed constraints share one relation namespace per schema. Under
// the prefix strategy that schema is `public`, where `mod_<id>_...` names belong to modules.
const NO_MOD_PREFIX: ReadonlySet<string> = new Set(['table', 'index', 'constraint']);

/**
 * Checks a user-declared identifier (table, column, index, policy or constraint name) and
 * returns it unchanged.
 *
 * Rules: lower-case ASCII snake case (`^[a-z_][a-z0-9_]*$`); not a PostgreSQL reserved keyword
 * ({@link RESERVED_WORDS}); no `pg_` prefix (PostgreSQL's, for system objects); no `mod_` prefix
 * for tables, indexes and constraints (module namespaces); and `prefix + name` at most
 * {@link MAX_IDENTIFIER_BYTES} bytes.
 *
 * @example
 * ```ts
 * validateIdentifier('created_at', { kind: 'column' }); // 'created_at'
 * validateIdentifier('contacts', { kind: 'table', prefix: 'mod_a1b2c3d4_' }); // 'contacts'
 * validateIdentifier('User', { kind: 'column', path: 'tables[0].columns[1].name' }); // throws
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` (not a string, empty, upper-case, non-ASCII,
 * punctuation), `RESERVED_WORD`, `RESERVED_PREFIX` (`pg_`, `mod_`), `IDENTIFIER_TOO_LONG`, or
 * `INVALID_ARGUMENT` for a bad `kind` or `prefix` option. The error's `path` is `options.path`.
 */
export function validateIdentifier(name: string, options: ValidateIdentifierOptions = {}): string {
  const { kind, path, prefix = '' } = options;
  if (kind !== undefined && !KINDS.has(kind)) {
    throw new ModuleNamingError('INVALID_ARGUMENT', `Unknown identifier kind ${quote(kind)}.`, {
      value: kind,
      path,
    });
  }
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ModuleNamingError(
      'INVALID_ARGUMENT',
      `Invalid identifier prefix ${quote(prefix)}: expected lower-case letters, digits and underscores.`,
      { value: prefix, path },
    );
  }
  const label =
    kind === undefined ? 'Identifier' : `${kind[0]?.toUpperCase()}${kind.slice(1)} name`;
  const fail = (code: ModuleNamingError['code'], reason: string): never => {
    throw new ModuleNamingError(code, `${label} ${quote(name)} ${reason}`, { value: name, path });
  };

  if (typeof name !== 'string') return fail('INVALID_IDENTIFIER', 'is not a string.');
  if (!IDENTIFIER.test(name)) fail('INVALID_IDENTIFIER', describePatternFailure(name));
  if (RESERVED_WORDS.has(name)) {
    fail('RESERVED_WORD', 'is a reserved word in PostgreSQL; choose another name.');
  }
  if (name.startsWith('pg_')) {
    fail('RESERVED_PREFIX', 'starts with "pg_", which PostgreSQL reserves for system objects.');
  }
  if (kind !== undefined && NO_MOD_PREFIX.has(kind) && name.startsWith('mod_')) {
    fail('RESERVED_PREFIX', 'starts with "mod_", which is reserved for module namespaces.');
  }
  const full = prefix + name;
  const bytes = utf8ByteLength(full);
  if (bytes > MAX_IDENTIFIER_BYTES) {
    const shown = prefix === '' ? 'is' : `becomes ${quote(full)}, which is`;
    fail(
      'IDENTIFIER_TOO_LONG',
      `${shown} ${bytes} bytes long; PostgreSQL allows ${MAX_IDENTIFIER_BYTES}` +
        (prefix === ''
          ? '.'
          : ` (${MAX_IDENTIFIER_BYTES - prefix.length} for the name after the prefix).`),
    );
  }
  return name;
}

/**
 * Whether `name` passes {@link validateIdentifier} with the same options.
 *
 * @example
 * ```ts
 * isValidIdentifier('site_id'); // true
 * isValidIdentifier('select'); // false
 * ```
 *
 * @throws Never.
 */
export function isValidIdentifier(name: unknown, options: ValidateIdentifierOptions = {}): boolean {
  try {
    validateIdentifier(name as string, options);
    return true;
  } catch {
    return false;
  }
}

function describePatternFailure(name: string): string {
  if (name === '') return 'is empty.';
  const rule =
    'is not lower-case snake case: it must start with a-z or "_" and contain only a-z, 0-9 and "_"';
  const lower = name.toLowerCase();
  if (lower !== name && IDENTIFIER.test(lower) && !RESERVED_WORDS.has(lower)) {
    return `${rule} (did you mean ${quote(lower)}?).`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching outside ASCII is the point
  if (/[^\x00-\x7f]/.test(name)) return `${rule} (ASCII only).`;
  return `${rule}.`;
}
