import { normalizeModuleId } from '@dramac/module-naming';
import { DefinitionValidationError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A module id and its short id, checked before anything reaches the database. */
export interface LifecycleModuleId {
  readonly moduleId: string;
  readonly shortId: string;
}

/**
 * Normalises a module id (`{uuid}`, 32 hex digits and upper case are accepted, as everywhere in
 * this package) and derives its short id.
 *
 * @throws DefinitionValidationError (`invalid_module_id`, path `moduleId`) for anything else.
 */
export function parseModuleId(value: unknown): LifecycleModuleId {
  try {
    const moduleId = normalizeModuleId(value as string);
    return { moduleId, shortId: moduleId.replaceAll('-', '').slice(0, 8) };
  } catch (cause) {
    throw new DefinitionValidationError(
      [{ path: 'moduleId', code: 'invalid_module_id', message: `${String(value)} is not a UUID` }],
      { cause },
    );
  }
}

/**
 * Checks a site id (a UUID, lower-cased).
 *
 * @throws DefinitionValidationError (`invalid_site_id`, path `siteId`).
 */
export function parseSiteId(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new DefinitionValidationError([
      { path: 'siteId', code: 'invalid_site_id', message: `${String(value)} is not a UUID` },
    ]);
  }
  return value.toLowerCase();
}
