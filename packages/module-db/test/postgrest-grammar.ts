/**
 * A port of the parts of PostgREST's query-string grammar the Supabase transport produces
 * (PostgREST `src/PostgREST/ApiRequest/QueryParams.hs`: pOpExpr, pSingleVal, pListVal,
 * pListElement, pQuotedValue, pLogicTree, pLogicSingleVal, pFieldName) and of how PostgREST turns
 * a parsed filter into SQL (`Query/SqlFragment.hs`: `like`/`ilike` values have every `*` replaced
 * by `%`; `in` becomes `= ANY(array)`). Test support only: it lets a test parse the exact query
 * string the transport sent the way PostgREST would, and run the resulting condition on a real
 * PostgreSQL. Where PostgREST backtracks (`try`), this parser restores its position.
 */
import { type RawBuilder, sql } from 'kysely';

/** One filter as PostgREST parses it. */
export type ParsedFilter =
  | {
      readonly kind: 'filter';
      readonly field: string;
      readonly negate: boolean;
      readonly op: string;
      /** The single value, or the list of an `in`. */
      readonly value: string | readonly string[];
    }
  | {
      readonly kind: 'logic';
      readonly negate: boolean;
      readonly op: 'and' | 'or';
      readonly children: readonly ParsedFilter[];
    };

class ParseError extends Error {}

class Input {
  i = 0;
  constructor(readonly s: string) {}
  get eof() {
    return this.i >= this.s.length;
  }
  peek() {
    return this.s[this.i];
  }
  char(c: string) {
    if (this.s[this.i] !== c) throw new ParseError(`expected ${c} at ${this.i} in ${this.s}`);
    this.i++;
  }
  string(text: string) {
    if (!this.s.startsWith(text, this.i)) throw new ParseError(`expected ${text} at ${this.i}`);
    this.i += text.length;
  }
  /** `try (string text)`: consumes `text` and says so, or consumes nothing. */
  tryString(text: string): boolean {
    if (!this.s.startsWith(text, this.i)) return false;
    this.i += text.length;
    return true;
  }
  ws() {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }
  attempt<T>(fn: () => T): T | undefined {
    const at = this.i;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.i = at;
      return undefined;
    }
  }
}

/** pQuotedValue: `"` (anything but `\` and `"`, or `\` + any char)* `"`. */
function quotedValue(p: Input): string {
  p.char('"');
  let out = '';
  for (;;) {
    const c = p.peek();
    if (c === undefined) throw new ParseError('unterminated quote');
    p.i++;
    if (c === '"') return out;
    if (c === '\\') {
      const next = p.peek();
      if (next === undefined) throw new ParseError('dangling backslash');
      p.i++;
      out += next;
    } else out += c;
  }
}

/** notFollowedBy (noneOf ",)"): the next character is `,`, `)` or the end. */
function atListEnd(p: Input): void {
  const c = p.peek();
  if (c !== undefined && c !== ',' && c !== ')') throw new ParseError('quoted value not ended');
}

function manyNoneOf(p: Input, stop: string): string {
  let out = '';
  while (!p.eof && !stop.includes(p.peek() as string)) out += p.s[p.i++];
  return out;
}

/** pListElement. */
function listElement(p: Input): string {
  const quoted = p.attempt(() => {
    const v = quotedValue(p);
    atListEnd(p);
    return v;
  });
  return quoted ?? manyNoneOf(p, ',)');
}

/** pListVal: lexeme '(' element (',' element)* lexeme ')'. */
function listVal(p: Input): string[] {
  p.ws();
  p.char('(');
  p.ws();
  const out = [listElement(p)];
  while (p.peek() === ',') {
    p.i++;
    out.push(listElement(p));
  }
  p.ws();
  p.char(')');
  p.ws();
  return out;
}

/** pLogicSingleVal. */
function logicSingleVal(p: Input): string {
  const quoted = p.attempt(() => {
    const v = quotedValue(p);
    atListEnd(p);
    return v;
  });
  if (quoted !== undefined) return quoted;
  const array = p.attempt(() => {
    p.char('{');
    const body = manyNoneOf(p, '{}');
    p.char('}');
    return `{${body}}`;
  });
  return array ?? manyNoneOf(p, ',)');
}

/** pFieldName (identifiers joined by `-`, or a quoted name), as a lexeme. */
function field(p: Input): string {
  p.ws();
  let name: string | undefined = p.attempt(() => quotedValue(p));
  if (name === undefined) {
    const ident = () => {
      let out = '';
      while (!p.eof && /[\p{L}\p{N}_ $]/u.test(p.peek() as string)) out += p.s[p.i++];
      if (out === '') throw new ParseError(`field name expected at ${p.i}`);
      return out.trim();
    };
    const parts = [ident()];
    while (p.peek() === '-' && p.s[p.i + 1] !== '>') {
      p.i++;
      parts.push(ident());
    }
    name = parts.join('-');
  }
  p.ws();
  return name;
}

/** pOpExpr: [not.] (in.<list> | is.<trilean> | <op>.<value>). */
function opExpr(p: Input, singleVal: (p: Input) => string) {
  const negate = p.tryString('not.');
  if (p.tryString('in.')) {
    return { negate, op: 'in', value: listVal(p) };
  }
  if (p.tryString('is.')) {
    const value = ['null', 'unknown', 'true', 'false'].find(
      (v) => p.s.slice(p.i, p.i + v.length).toLowerCase() === v,
    );
    if (!value) throw new ParseError('trilean expected');
    p.i += value.length;
    return { negate, op: 'is', value };
  }
  const dot = p.s.indexOf('.', p.i);
  if (dot < 0) throw new ParseError('operator expected');
  const op = p.s.slice(p.i, dot);
  const known = ['eq', 'gte', 'gt', 'lte', 'lt', 'neq', 'like', 'ilike', 'match', 'imatch'];
  if (!known.includes(op)) throw new ParseError(`unknown single value operator ${op}`);
  p.i = dot + 1;
  return { negate, op, value: singleVal(p) };
}

/** pLogicTree. */
function logicTree(p: Input): ParsedFilter {
  const stmt = p.attempt((): ParsedFilter => {
    const name = field(p);
    p.char('.');
    const expr = opExpr(p, logicSingleVal);
    return { kind: 'filter', field: name, ...expr };
  });
  if (stmt) return stmt;
  const negate = p.tryString('not.');
  let op: 'and' | 'or' = 'and';
  if (!p.tryString('and')) {
    p.string('or');
    op = 'or';
  }
  p.ws();
  p.char('(');
  p.ws();
  const children = [logicTree(p)];
  for (;;) {
    p.ws();
    if (p.peek() !== ',') break;
    p.i++;
    p.ws();
    children.push(logicTree(p));
  }
  p.ws();
  p.char(')');
  p.ws();
  return { kind: 'logic', negate, op, children };
}

/** pSingleVal: a top-level value is everything up to the end of the parameter, verbatim. */
function singleVal(p: Input): string {
  const value = p.s.slice(p.i);
  p.i = p.s.length;
  return value;
}

/**
 * Parses the filters of a PostgREST query string as PostgREST does: `or=` and `and=` parameters
 * as logic trees, every other parameter but `select`, `order`, `limit`, `offset` and `columns` as
 * `column=[not.]op.value`. Throws when PostgREST would answer with a parse error (or when the
 * whole value is not consumed).
 */
export function parsePostgrestFilters(search: string): ParsedFilter[] {
  const out: ParsedFilter[] = [];
  // parseQueryReplacePlus True: `+` is a space, then percent-decoding.
  for (const [key, value] of new URLSearchParams(search)) {
    if (['select', 'order', 'limit', 'offset', 'columns', 'on_conflict'].includes(key)) continue;
    const p = new Input(key === 'or' || key === 'and' ? `${key}${value}` : value);
    const parsed =
      key === 'or' || key === 'and'
        ? logicTree(p)
        : ({ kind: 'filter', field: key, ...opExpr(p, singleVal) } as ParsedFilter);
    if (!p.eof) throw new ParseError(`unparsed rest ${JSON.stringify(p.s.slice(p.i))}`);
    out.push(parsed);
  }
  return out;
}

const SQL_OP: Readonly<Record<string, string>> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
  match: '~',
  imatch: '~*',
};

/**
 * The SQL condition PostgREST runs for parsed filters (values as parameters, as PostgREST binds
 * them as `unknown` literals): `like`/`ilike` with every `*` turned into `%`, `in` as
 * `= any(array)`, `is` as `IS`, `not.` as `NOT (...)`.
 */
export function postgrestCondition(filters: readonly ParsedFilter[]): RawBuilder<boolean> {
  const one = (f: ParsedFilter): RawBuilder<boolean> => {
    if (f.kind === 'logic') {
      const inner = sql.join(f.children.map(one), f.op === 'and' ? sql` and ` : sql` or `);
      return f.negate ? sql<boolean>`not (${inner})` : sql<boolean>`(${inner})`;
    }
    const column = sql.ref(f.field);
    let cond: RawBuilder<boolean>;
    if (f.op === 'in') {
      cond = sql<boolean>`${column} = any(${sql.val(f.value)})`;
    } else if (f.op === 'is') {
      cond = sql<boolean>`${column} is ${sql.raw(String(f.value))}`;
    } else {
      const value =
        f.op === 'like' || f.op === 'ilike' ? String(f.value).replaceAll('*', '%') : f.value;
      cond = sql<boolean>`${column} ${sql.raw(SQL_OP[f.op] as string)} ${sql.val(value)}`;
    }
    return f.negate ? sql<boolean>`not (${cond})` : cond;
  };
  return filters.length === 0
    ? sql<boolean>`true`
    : sql<boolean>`(${sql.join(filters.map(one), sql` and `)})`;
}
