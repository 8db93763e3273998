import { ModuleNamingError, quote } from './errors';
import { assertModuleShortId } from './module-short-id';

// `modrole_`, not `mod_<id>_role`: under the prefix strategy a module table called `role` is
// `mod_<id>_role`, so that form would make a role and a table share a name and every catalog
// query or log line would have to guess which one it meant. No schema (`mod_<id>`) or prefixed
// table (`mod_<id>_<table>`) can start with `modrole_`, so `mod\_%` patterns never match roles.
// Roles are cluster-wide, so the prefix also keeps clear of PostgreSQL's `pg_` and Supabase's
// own roles (`anon`, `authenticated`, `service_role`, `supabase_*`).
const ROLE_NAME = /^modrole_([a-f0-9]{8})$/;

/**
 * Returns the name of a module's `NOLOGIN` role: `modrole_<shortId>`.
 *
 * @example
 * ```ts
 * getModuleRoleName('a1b2c3d4'); // 'modrole_a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_SHORT_ID` when `shortId` is not 8 lower-case hex digits.
 */
export function getModuleRoleName(shortId: string): string {
  assertModuleShortId(shortId);
  return `modrole_${shortId}`;
}

/**
 * Returns the short id named by a module role name; the inverse of {@link getModuleRoleName}.
 *
 * @example
 * ```ts
 * parseModuleRoleName('modrole_a1b2c3d4'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_ROLE_NAME` when `name` is not `modrole_` plus 8 lower-case
 * hex digits.
 */
export function parseModuleRoleName(name: string): string {
  const match = typeof name === 'string' ? ROLE_NAME.exec(name) : null;
  if (match === null) {
    throw new ModuleNamingError(
      'INVALID_ROLE_NAME',
      `Invalid module role name ${quote(name)}: expected "modrole_" followed by 8 lower-case hex digits.`,
      { value: name },
    );
  }
  return match[1] as string;
}

/**
 * Whether `value` is a module role name, `modrole_<8 lower-case hex digits>`.
 *
 * @example
 * ```ts
 * isModuleRoleName('modrole_a1b2c3d4'); // true
 * isModuleRoleName('authenticated'); // false
 * ```
 *
 * @throws Never.
 */
export function isModuleRoleName(value: unknown): value is string {
  return typeof value === 'string' && ROLE_NAME.test(value);
}
