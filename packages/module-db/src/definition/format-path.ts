const IDENTIFIER_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a path into a definition (as zod reports it) the way people write it in code:
 * `['tables', 2, 'columns', 0, 'type']` → `tables[2].columns[0].type`. Keys that are not plain
 * identifiers are quoted (`meta["a b"]`); the empty path is `''` (the root).
 *
 * @example
 * ```ts
 * formatPath(['tables', 2, 'columns', 0, 'type']); // 'tables[2].columns[0].type'
 * ```
 *
 * @throws Never.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else if (IDENTIFIER_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else if (/^(0|[1-9]\d*)$/.test(key)) out += `[${key}]`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
