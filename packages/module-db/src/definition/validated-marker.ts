import type { ValidatedModuleDefinition } from './validated-definition';

// Definitions produced by validateModuleDefinition in this process. A WeakSet, not a property:
// an object that merely looks validated (hand-built, or parsed from JSON) is validated again.
const validated = new WeakSet<object>();

/** Records that `definition` came out of `validateModuleDefinition`. */
export function markValidated<T extends ValidatedModuleDefinition>(definition: T): T {
  validated.add(definition);
  return definition;
}

/** True when `value` came out of `validateModuleDefinition` in this process. */
export function isValidatedDefinition(value: unknown): value is ValidatedModuleDefinition {
  return typeof value === 'object' && value !== null && validated.has(value);
}
