import { expect } from 'vitest';
import { isModuleNamingError, type ModuleNamingError, type ModuleNamingErrorCode } from './errors';

/** Runs `fn`, asserts it throws a ModuleNamingError with `code`, and returns the error. */
export function expectNamingError(
  fn: () => unknown,
  code: ModuleNamingErrorCode,
): ModuleNamingError {
  try {
    fn();
  } catch (e) {
    expect(isModuleNamingError(e)).toBe(true);
    expect((e as ModuleNamingError).code).toBe(code);
    return e as ModuleNamingError;
  }
  throw new Error(`expected a ModuleNamingError with code ${code}, but nothing was thrown`);
}
