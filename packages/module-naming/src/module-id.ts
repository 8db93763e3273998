import { ModuleNamingError, quote } from './errors';

// 8-4-4-4-12 or 32 hex digits, optionally wrapped in one pair of braces (the Windows registry
// form). No version or variant check: the seed derives short ids from any hex UUID, including
// ones minted by other systems.
const MODULE_ID =
  /^(\{)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})(\})?$/i;

/**
 * Returns the canonical form of a module id: a lower-case, dashed UUID.
 *
 * Accepts any letter case, with or without surrounding braces, dashed or as 32 undashed hex
 * digits.
 *
 * @example
 * ```ts
 * normalizeModuleId('{A1B2C3D4E5F60718293A4B5C6D7E8F90}');
 * // 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90'
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_MODULE_ID` when `moduleId` is not a string holding a UUID.
 */
export function normalizeModuleId(moduleId: string): string {
  const match = typeof moduleId === 'string' ? MODULE_ID.exec(moduleId) : null;
  // Braces must come as a pair: `{uuid` and `uuid}` are typos, not a format.
  if (match === null || (match[1] !== undefined) !== (match[3] !== undefined)) {
    throw new ModuleNamingError(
      'INVALID_MODULE_ID',
      `Invalid module id ${quote(moduleId)}: expected a UUID such as "a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90".`,
      { value: moduleId },
    );
  }
  const hex = (match[2] as string).replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Whether `value` is a module id that {@link normalizeModuleId} accepts.
 *
 * @example
 * ```ts
 * isModuleId('A1B2C3D4-E5F6-4718-893A-4B5C6D7E8F90'); // true
 * isModuleId('not-a-uuid'); // false
 * ```
 *
 * @throws Never.
 */
export function isModuleId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = MODULE_ID.exec(value);
  return match !== null && (match[1] !== undefined) === (match[3] !== undefined);
}
