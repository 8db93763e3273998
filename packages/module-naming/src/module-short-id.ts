import { ModuleNamingError, quote } from './errors';
import { normalizeModuleId } from './module-id';

const SHORT_ID = /^[a-f0-9]{8}$/;

/**
 * Derives a module's short id: the first 8 hex digits of its UUID, lower-case. The short id
 * names the module's schema, table prefix and role.
 *
 * @example
 * ```ts
 * generateModuleShortId('A1B2C3D4-E5F6-4718-893A-4B5C6D7E8F90'); // 'a1b2c3d4'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_MODULE_ID` when `moduleId` is not a UUID (see
 * {@link normalizeModuleId} for the accepted forms).
 */
export function generateModuleShortId(moduleId: string): string {
  return normalizeModuleId(moduleId).slice(0, 8);
}

/**
 * Whether `value` is a module short id: exactly 8 lower-case hex digits.
 *
 * @example
 * ```ts
 * isModuleShortId('a1b2c3d4'); // true
 * isModuleShortId('A1B2C3D4'); // false: short ids are lower-case
 * ```
 *
 * @throws Never.
 */
export function isModuleShortId(value: unknown): value is string {
  return typeof value === 'string' && SHORT_ID.test(value);
}

/** Throws `INVALID_SHORT_ID` unless `shortId` is 8 lower-case hex digits. */
export function assertModuleShortId(shortId: unknown): asserts shortId is string {
  if (!isModuleShortId(shortId)) {
    throw new ModuleNamingError(
      'INVALID_SHORT_ID',
      `Invalid module short id ${quote(shortId)}: expected 8 lower-case hex digits, as returned by generateModuleShortId().`,
      { value: shortId },
    );
  }
}
