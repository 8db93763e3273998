import {
  type IdentifierKind,
  isModuleNamingError,
  validateIdentifier,
} from '@dramac/module-naming';
import type { DefinitionIssue } from '../errors';
import { SqlInputError } from '../sql/sql-parser';

/**
 * Collects {@link DefinitionIssue}s while a definition is checked, so that every problem is
 * reported at once instead of only the first. Internal to the validator.
 *
 * @example
 * ```ts
 * const issues = new IssueCollector();
 * const type = issues.attempt('tables[0].columns[1].type', () => parseColumnType('money'));
 * if (issues.size > 0) throw new DefinitionValidationError(issues.list());
 * ```
 *
 * @throws Never itself; {@link IssueCollector.attempt} rethrows unexpected errors.
 */
export class IssueCollector {
  readonly #issues: DefinitionIssue[] = [];

  /** How many issues were collected. @example `if (issues.size > 0) ...` */
  get size(): number {
    return this.#issues.length;
  }

  /** Records one issue. */
  add(path: string, code: string, message: string): void {
    this.#issues.push(Object.freeze({ path, code, message }));
  }

  /** Records several issues. */
  addAll(issues: readonly DefinitionIssue[]): void {
    for (const issue of issues) this.add(issue.path, issue.code, issue.message);
  }

  /** The issues collected so far, in the order they were found. */
  list(): readonly DefinitionIssue[] {
    return Object.freeze([...this.#issues]);
  }

  /**
   * Runs `fn`; turns a `SqlInputError` or `ModuleNamingError` into an issue at `path` (its code
   * lower-cased; a SQL error's message prefixed with `label`) and returns `undefined`. Any other
   * error is a bug and is rethrown.
   */
  attempt<T>(path: string, fn: () => T, label?: string): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (error instanceof SqlInputError) {
        const message = label === undefined ? error.message : `${label}: ${error.message}`;
        this.add(path, issueCode(error.code), message);
        return undefined;
      }
      if (isModuleNamingError(error)) {
        this.add(path, issueCode(error.code), error.message);
        return undefined;
      }
      throw error;
    }
  }

  /** Checks a declared identifier with the module-naming rules; false (and an issue) if bad. */
  identifier(name: string, kind: IdentifierKind, path: string, prefix = ''): boolean {
    return this.attempt(path, () => validateIdentifier(name, { kind, path, prefix })) !== undefined;
  }
}

/** `TYPE_NOT_ALLOWED` and `type_not_allowed` both become `type_not_allowed`. */
function issueCode(code: unknown): string {
  return typeof code === 'string' && code !== '' ? code.toLowerCase() : 'invalid_sql';
}
