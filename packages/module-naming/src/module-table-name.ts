import { assertIsolationStrategyName, type IsolationStrategyName } from './isolation-strategy-name';
import { MAX_IDENTIFIER_BYTES } from './max-identifier-bytes';
import { getModuleSchemaName } from './module-schema-name';
import { assertModuleShortId } from './module-short-id';
import { validateIdentifier } from './validate-identifier';

/** Where a module table lives, as returned by {@link getModuleTableName}. */
export interface ModuleTableName {
  /** The schema: `mod_<id>` or `public`. */
  readonly schema: string;
  /** The table's name inside that schema: `<table>` or `mod_<id>_<table>`. */
  readonly table: string;
  /**
   * `schema.table`. Every part is a validated, non-reserved, lower-case identifier, so this is
   * valid SQL unquoted; still prefer passing `schema` and `table` to a query builder.
   */
  readonly qualified: string;
}

/** Options for {@link getModuleTableName}. */
export interface GetModuleTableNameOptions {
  /** Where the table name came from, such as `tables[2].name`; copied to errors' `path`. */
  path?: string;
}

// `mod_` + 8 hex digits + `_`.
const PREFIX_BYTES = 'mod_00000000_'.length;

/**
 * Returns the physical location of a module's table under an isolation strategy.
 *
 * @example
 * ```ts
 * getModuleTableName('a1b2c3d4', 'contacts', 'schema');
 * // { schema: 'mod_a1b2c3d4', table: 'contacts', qualified: 'mod_a1b2c3d4.contacts' }
 * getModuleTableName('a1b2c3d4', 'contacts', 'prefix');
 * // { schema: 'public', table: 'mod_a1b2c3d4_contacts', qualified: 'public.mod_a1b2c3d4_contacts' }
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID`, `INVALID_STRATEGY`, or any error of
 * {@link validateIdentifier} for `tableName` (kind `table`), including `IDENTIFIER_TOO_LONG`
 * when the name is over 63 bytes after the prefix; see {@link maxTableNameBytes}.
 */
export function getModuleTableName(
  shortId: string,
  tableName: string,
  strategy: IsolationStrategyName,
  options: GetModuleTableNameOptions = {},
): ModuleTableName {
  assertModuleShortId(shortId);
  assertIsolationStrategyName(strategy);
  const { path } = options;
  if (strategy === 'schema') {
    const schema = getModuleSchemaName(shortId);
    validateIdentifier(tableName, { kind: 'table', path });
    return Object.freeze({ schema, table: tableName, qualified: `${schema}.${tableName}` });
  }
  const prefix = `mod_${shortId}_`;
  validateIdentifier(tableName, { kind: 'table', path, prefix });
  const table = prefix + tableName;
  return Object.freeze({ schema: 'public', table, qualified: `public.${table}` });
}

/**
 * The longest table name, in bytes, that a module can declare under a strategy: 63 for
 * `schema`, 50 for `prefix` (63 minus `mod_<8 hex>_`).
 *
 * @example
 * ```ts
 * maxTableNameBytes('prefix'); // 50
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_STRATEGY` when `strategy` is not `'schema'` or `'prefix'`.
 */
export function maxTableNameBytes(strategy: IsolationStrategyName): number {
  assertIsolationStrategyName(strategy);
  return strategy === 'schema' ? MAX_IDENTIFIER_BYTES : MAX_IDENTIFIER_BYTES - PREFIX_BYTES;
}
