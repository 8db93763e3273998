import { ModuleNamingError, quote } from './errors';
import { assertModuleShortId } from './module-short-id';

const SCHEMA_NAME = /^mod_([a-f0-9]{8})$/;

/**
 * Returns the name of a module's dedicated schema: `mod_<shortId>`.
 *
 * @example
 * ```ts
 * getModuleSchemaName('a1b2c3d4'); // 'mod_a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID` when `shortId` is not 8 lower-case hex digits.
 */
export function getModuleSchemaName(shortId: string): string {
  assertModuleShortId(shortId);
  return `mod_${shortId}`;
}

/**
 * Returns the short id named by a module schema name; the inverse of {@link getModuleSchemaName}.
 *
 * @example
 * ```ts
 * parseModuleSchemaName('mod_a1b2c3d4'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SCHEMA_NAME` when `name` is not `mod_` plus 8 lower-case
 * hex digits.
 */
export function parseModuleSchemaName(name: string): string {
  const match = typeof name === 'string' ? SCHEMA_NAME.exec(name) : null;
  if (match === null) {
    throw new ModuleNamingError(
      'INVALID_SCHEMA_NAME',
      `Invalid module schema name ${quote(name)}: expected "mod_" followed by 8 lower-case hex digits.`,
      { value: name },
    );
  }
  return match[1] as string;
}

/**
 * Whether `value` is a module schema name, `mod_<8 lower-case hex digits>`.
 *
 * @example
 * ```ts
 * isModuleSchemaName('mod_a1b2c3d4'); // true
 * isModuleSchemaName('public'); // false
 * ```
 *
 * @throws Never.
 */
export function isModuleSchemaName(value: unknown): value is string {
  return typeof value === 'string' && SCHEMA_NAME.test(value);
}
