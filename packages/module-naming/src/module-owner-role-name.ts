import { ModuleNamingError, quote } from './errors';
import { assertModuleShortId } from './module-short-id';

// The owner role of a module: owns the module's schema and tables, and nothing else. Its DDL runs
// with this role's privileges only; nobody logs in as it, and module code never runs as it.
const OWNER_ROLE_NAME = /^modowner_([a-f0-9]{8})$/;

/**
 * Returns the name of a module's owner role (`NOLOGIN`): `modowner_<shortId>`. It owns the
 * module's schema and tables and nothing else; provisioning runs the module's DDL as it.
 *
 * @example
 * ```ts
 * getModuleOwnerRoleName('a1b2c3d4'); // 'modowner_a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID` when `shortId` is not 8 lower-case hex digits.
 */
export function getModuleOwnerRoleName(shortId: string): string {
  assertModuleShortId(shortId);
  return `modowner_${shortId}`;
}

/**
 * Returns the short id named by a module owner role name.
 *
 * @example
 * ```ts
 * parseModuleOwnerRoleName('modowner_a1b2c3d4'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_ROLE_NAME` when `name` is not `modowner_` plus 8 lower-case
 * hex digits.
 */
export function parseModuleOwnerRoleName(name: string): string {
  const match = typeof name === 'string' ? OWNER_ROLE_NAME.exec(name) : null;
  if (match === null) {
    throw new ModuleNamingError(
      'INVALID_ROLE_NAME',
      `Invalid module owner role name ${quote(name)}: expected "modowner_" followed by 8 lower-case hex digits.`,
      { value: name },
    );
  }
  return match[1] as string;
}

/**
 * Whether `value` is a module owner role name, `modowner_<8 lower-case hex digits>`.
 *
 * @example
 * ```ts
 * isModuleOwnerRoleName('modowner_a1b2c3d4'); // true
 * ```
 *
 * @throws Never.
 */
export function isModuleOwnerRoleName(value: unknown): value is string {
  return typeof value === 'string' && OWNER_ROLE_NAME.test(value);
}
