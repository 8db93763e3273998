import { deriveIdentifier } from './derive-identifier';
import { ModuleNamingError } from './errors';

// Pass the *physical* table name (`mod_a1b2c3d4_contacts` under the prefix strategy): index and
// index-backed constraint names share the schema's relation namespace, and two modules sharing
// `public` may both have a table called `contacts`.

/**
 * The name of an index on `table(columns)`: `idx_<table>_<columns>`, or `uq_...` when unique.
 * A unique index and {@link uniqueConstraintName} on the same columns get the same name on
 * purpose: a unique constraint *is* a unique index, and declaring both is a mistake PostgreSQL
 * then reports instead of silently building two identical indexes.
 *
 * @example
 * ```ts
 * indexName('contacts', ['site_id', 'created_at']); // 'idx_contacts_site_id_created_at'
 * indexName('contacts', ['email'], { unique: true }); // 'uq_contacts_email'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when `table` or a column is not lower-case
 * snake case, or `columns` is empty.
 */
export function indexName(
  table: string,
  columns: readonly string[],
  options: { unique?: boolean } = {},
): string {
  return deriveIdentifier([options.unique === true ? 'uq' : 'idx', table, ...nonEmpty(columns)]);
}

/**
 * The name of a unique constraint on `table(columns)`: `uq_<table>_<columns>`.
 *
 * @example
 * ```ts
 * uniqueConstraintName('contacts', ['site_id', 'email']); // 'uq_contacts_site_id_email'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when a name is not lower-case snake case or
 * `columns` is empty.
 */
export function uniqueConstraintName(table: string, columns: readonly string[]): string {
  return deriveIdentifier(['uq', table, ...nonEmpty(columns)]);
}

/**
 * The name of a table's primary key constraint: `pk_<table>`.
 *
 * @example
 * ```ts
 * primaryKeyName('contacts'); // 'pk_contacts'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when `table` is not lower-case snake case.
 */
export function primaryKeyName(table: string): string {
  return deriveIdentifier(['pk', table]);
}

/**
 * The name of a foreign key constraint: `fk_<table>_<column(s)>`.
 *
 * @example
 * ```ts
 * foreignKeyName('contacts', 'site_id'); // 'fk_contacts_site_id'
 * foreignKeyName('deals', ['site_id', 'contact_id']); // 'fk_deals_site_id_contact_id'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when a name is not lower-case snake case or
 * `column` is an empty array.
 */
export function foreignKeyName(table: string, column: string | readonly string[]): string {
  return deriveIdentifier([
    'fk',
    table,
    ...(typeof column === 'string' ? [column] : nonEmpty(column)),
  ]);
}

/**
 * The name of a check constraint: `ck_<table>_<column or purpose>`.
 *
 * @example
 * ```ts
 * checkConstraintName('deals', 'amount'); // 'ck_deals_amount'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when a name is not lower-case snake case.
 */
export function checkConstraintName(table: string, column: string): string {
  return deriveIdentifier(['ck', table, column]);
}

/**
 * The name of a trigger: `trg_<table>_<purpose>`.
 *
 * @example
 * ```ts
 * triggerName('contacts', 'set_updated_at'); // 'trg_contacts_set_updated_at'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when a name is not lower-case snake case.
 */
export function triggerName(table: string, purpose: string): string {
  return deriveIdentifier(['trg', table, purpose]);
}

/**
 * The name of a row-level security policy: `pol_<table>_<name>`.
 *
 * @example
 * ```ts
 * policyName('contacts', 'owner_only'); // 'pol_contacts_owner_only'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when a name is not lower-case snake case.
 */
export function policyName(table: string, name: string): string {
  return deriveIdentifier(['pol', table, name]);
}

/**
 * The name of the mandatory index leading with `site_id` that every module table gets:
 * `site_idx_<table>`. Not `idx_<table>_site_id`, which is what {@link indexName} gives a
 * module's own index on `site_id`: the platform's index must never collide with one a module
 * declares.
 *
 * @example
 * ```ts
 * siteIndexName('contacts'); // 'site_idx_contacts'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_IDENTIFIER` when `table` is not lower-case snake case.
 */
export function siteIndexName(table: string): string {
  return deriveIdentifier(['site_idx', table]);
}

function nonEmpty(columns: readonly string[]): readonly string[] {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new ModuleNamingError(
      'INVALID_IDENTIFIER',
      'Expected a non-empty array of column names.',
      {
        value: columns,
      },
    );
  }
  return columns;
}
