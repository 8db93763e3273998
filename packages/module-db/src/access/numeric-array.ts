/**
 * Parses a PostgreSQL array literal of numbers (`{1,2.5,NULL}`, `{{1,2},{3,4}}`) into nested
 * arrays of exact decimal strings. Numeric array elements never need quotes (digits, `.`, `-`,
 * `e`, `NaN`, `Infinity`), so the grammar is small; anything else is left as text.
 */
export function parseNumericArray(literal: string): unknown {
  const root: unknown[] = [];
  const stack: unknown[][] = [];
  let current: unknown[] | undefined;
  let token = '';
  const flush = () => {
    if (token === '') return;
    current?.push(token === 'NULL' ? null : token);
    token = '';
  };
  for (const c of literal) {
    if (c === '{') {
      const next: unknown[] = [];
      if (current) {
        current.push(next);
        stack.push(current);
      } else root.push(next);
      current = next;
    } else if (c === '}') {
      flush();
      current = stack.pop();
    } else if (c === ',') {
      flush();
    } else if (/[0-9a-zA-Z.+-]/.test(c)) {
      token += c;
    } else {
      return literal;
    }
  }
  return root[0] ?? literal;
}
