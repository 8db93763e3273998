import { ModuleNamingError, quote } from './errors';
import { assertModuleShortId } from './module-short-id';

// The admin role of a module: every site's rows of that module's tables (through an explicit
// policy), nothing else. A separate role from `modrole_`, so ordinary module code never sees
// more than one site.
const ADMIN_ROLE_NAME = /^modadmin_([a-f0-9]{8})$/;

/**
 * Returns the name of a module's admin role (`NOLOGIN`; every site's rows of that module's
 * tables, through a policy, and nothing else): `modadmin_<shortId>`. The server-only admin client runs as it.
 *
 * @example
 * ```ts
 * getModuleAdminRoleName('a1b2c3d4'); // 'modadmin_a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID` when `shortId` is not 8 lower-case hex digits.
 */
export function getModuleAdminRoleName(shortId: string): string {
  assertModuleShortId(shortId);
  return `modadmin_${shortId}`;
}

/**
 * Returns the short id named by a module admin role name.
 *
 * @example
 * ```ts
 * parseModuleAdminRoleName('modadmin_a1b2c3d4'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_ROLE_NAME` when `name` is not `modadmin_` plus 8 lower-case
 * hex digits.
 */
export function parseModuleAdminRoleName(name: string): string {
  const match = typeof name === 'string' ? ADMIN_ROLE_NAME.exec(name) : null;
  if (match === null) {
    throw new ModuleNamingError(
      'INVALID_ROLE_NAME',
      `Invalid module admin role name ${quote(name)}: expected "modadmin_" followed by 8 lower-case hex digits.`,
      { value: name },
    );
  }
  return match[1] as string;
}

/**
 * Whether `value` is a module admin role name, `modadmin_<8 lower-case hex digits>`.
 *
 * @example
 * ```ts
 * isModuleAdminRoleName('modadmin_a1b2c3d4'); // true
 * ```
 *
 * @throws Never.
 */
export function isModuleAdminRoleName(value: unknown): value is string {
  return typeof value === 'string' && ADMIN_ROLE_NAME.test(value);
}
