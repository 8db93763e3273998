import { ModuleNamingError, quote } from './errors';
import { assertModuleShortId } from './module-short-id';

// The visitor role of a module: what a site's visitors (no signed-in user) run as. It holds only
// the column privileges and policies a definition declares for visitors; nobody logs in as it.
const VISITOR_ROLE_NAME = /^modvisitor_([a-f0-9]{8})$/;

/**
 * Returns the name of a module's visitor role (`NOLOGIN`): `modvisitor_<shortId>`. Requests of a
 * site's visitors (a site and no user) run as it; it may read and insert exactly the columns a
 * table declares for visitors, on public sites where the module is installed.
 *
 * @example
 * ```ts
 * getModuleVisitorRoleName('a1b2c3d4'); // 'modvisitor_a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID` when `shortId` is not 8 lower-case hex digits.
 */
export function getModuleVisitorRoleName(shortId: string): string {
  assertModuleShortId(shortId);
  return `modvisitor_${shortId}`;
}

/**
 * Returns the short id named by a module visitor role name.
 *
 * @example
 * ```ts
 * parseModuleVisitorRoleName('modvisitor_a1b2c3d4'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_ROLE_NAME` when `name` is not `modvisitor_` plus 8 lower-case
 * hex digits.
 */
export function parseModuleVisitorRoleName(name: string): string {
  const match = typeof name === 'string' ? VISITOR_ROLE_NAME.exec(name) : null;
  if (match === null) {
    throw new ModuleNamingError(
      'INVALID_ROLE_NAME',
      `Invalid module visitor role name ${quote(name)}: expected "modvisitor_" followed by 8 lower-case hex digits.`,
      { value: name },
    );
  }
  return match[1] as string;
}

/**
 * Whether `value` is a module visitor role name, `modvisitor_<8 lower-case hex digits>`.
 *
 * @example
 * ```ts
 * isModuleVisitorRoleName('modvisitor_a1b2c3d4'); // true
 * ```
 *
 * @throws Never.
 */
export function isModuleVisitorRoleName(value: unknown): value is string {
  return typeof value === 'string' && VISITOR_ROLE_NAME.test(value);
}
