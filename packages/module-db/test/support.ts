import { randomUUID } from 'node:crypto';

/**
 * A copy of a module definition under a fresh module id. Roles are cluster-wide, so test files
 * that provision modules use their own ids to stay independent when they run in parallel.
 */
export function withFreshModuleId<T extends { moduleId: string }>(definition: T): T {
  return { ...definition, moduleId: randomUUID() };
}
