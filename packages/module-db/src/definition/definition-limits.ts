import type { DefinitionIssue } from '../errors';

/**
 * How large a module definition may be. Checked before anything else looks at the input, in time
 * proportional to the limits (never to the input's size), so a huge or deeply nested definition is
 * refused in milliseconds instead of blocking the event loop while it is parsed.
 *
 * @example
 * DEFINITION_LIMITS.tables; // 100
 */
export const DEFINITION_LIMITS = Object.freeze({
  /** Tables per module. */
  tables: 100,
  /** Columns per table (PostgreSQL allows 1,600; a module table needs far fewer). */
  columnsPerTable: 200,
  /** Columns over all tables. */
  columns: 2_000,
  /** Indexes, foreign keys or policies per table. */
  objectsPerTable: 64,
  /** Declared migration steps. */
  migrations: 500,
  /** Characters of any one string (names are limited further to 63 bytes; expressions to this). */
  stringLength: 4_096,
  /** Characters over all strings. */
  totalStringLength: 1_000_000,
  /** Values (objects, arrays, strings, numbers...) in the whole definition. */
  values: 100_000,
  /** Nesting depth of objects and arrays. */
  depth: 16,
});

/**
 * Walks the raw input once, stopping at the first limit it passes, and returns the issue (code
 * `definition_too_large`, with the path where the limit was passed) or undefined.
 *
 * @example
 * checkDefinitionSize({ tables: Array(1000).fill({}) });
 * // { path: 'tables', code: 'definition_too_large', message: '1000 tables: at most 100 ...' }
 * @throws never.
 */
export function checkDefinitionSize(input: unknown): DefinitionIssue | undefined {
  const L = DEFINITION_LIMITS;
  let values = 0;
  let chars = 0;
  const issue = (path: string, message: string): DefinitionIssue => ({
    path,
    code: 'definition_too_large',
    message,
  });
  const tooMany = (path: string, n: number, max: number, what: string) =>
    n > max ? issue(path, `${n} ${what}: at most ${max} are allowed`) : undefined;

  // The structure a definition has: counted first, cheaply.
  if (typeof input === 'object' && input !== null) {
    const record = input as Record<string, unknown>;
    const tables = record.tables;
    if (Array.isArray(tables)) {
      const found = tooMany('tables', tables.length, L.tables, 'tables');
      if (found) return found;
      let columns = 0;
      for (let i = 0; i < tables.length; i++) {
        const t = tables[i] as Record<string, unknown> | null;
        if (typeof t !== 'object' || t === null) continue;
        for (const [key, max, what] of [
          ['columns', L.columnsPerTable, 'columns'],
          ['indexes', L.objectsPerTable, 'indexes'],
          ['foreignKeys', L.objectsPerTable, 'foreign keys'],
          ['rlsPolicies', L.objectsPerTable, 'policies'],
        ] as const) {
          const list = t[key];
          if (!Array.isArray(list)) continue;
          const over = tooMany(`tables[${i}].${key}`, list.length, max, what);
          if (over) return over;
          if (key === 'columns') columns += list.length;
        }
      }
      const over = tooMany('tables', columns, L.columns, 'columns in all tables');
      if (over) return over;
    }
    if (Array.isArray(record.migrations)) {
      const over = tooMany('migrations', record.migrations.length, L.migrations, 'migration steps');
      if (over) return over;
    }
  }

  // Then every value, depth first, with an explicit stack (no recursion to overflow).
  const stack: [unknown, string, number][] = [[input, '', 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop() as [unknown, string, number];
    if (++values > L.values) {
      return issue(path, `more than ${L.values} values: the definition is too large`);
    }
    if (typeof value === 'string') {
      if (value.length > L.stringLength) {
        return issue(
          path,
          `a string of ${value.length} characters: at most ${L.stringLength} are allowed`,
        );
      }
      chars += value.length;
      if (chars > L.totalStringLength) {
        return issue(
          path,
          `more than ${L.totalStringLength} characters of text: the definition is too large`,
        );
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= L.depth) {
      return issue(path, `nested more than ${L.depth} levels deep`);
    }
    // A value reached twice (a shared reference or a cycle) is walked once.
    if (seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push([value[i], `${path}[${i}]`, depth + 1]);
    } else {
      const keys = Object.keys(value);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] as string;
        if (key.length > L.stringLength) {
          return issue(
            path,
            `a key of ${key.length} characters: at most ${L.stringLength} are allowed`,
          );
        }
        stack.push([
          (value as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
          depth + 1,
        ]);
      }
    }
    if (stack.length > L.values) {
      return issue(path, `more than ${L.values} values: the definition is too large`);
    }
  }
  return undefined;
}
