import { parseSync } from 'libpg-query';

/** What a policy expression (as `pg_get_expr` prints it) does, read from its parse tree. */
export interface PolicyExpressionFacts {
  /** Every function called, by its unqualified name (lower case). */
  readonly calls: ReadonlySet<string>;
  /**
   * Functions called outside any sub-select with no column among their arguments: PostgreSQL
   * evaluates them once per row, where `(select fn())` would run once per statement.
   */
  readonly perRowCalls: ReadonlySet<string>;
  /** Columns referenced (last name part). */
  readonly columns: ReadonlySet<string>;
  /** True when the expression is true whatever the row and the request (`true`, `x or true`). */
  readonly alwaysTrue: boolean;
}

type Tree = Record<string, unknown>;

function entries(node: unknown): [string, Tree] | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const tag = keys[0] as string;
  const body = (node as Tree)[tag];
  return typeof body === 'object' && body !== null ? [tag, body as Tree] : undefined;
}

function names(list: unknown): string[] {
  return Array.isArray(list)
    ? list.flatMap((n) => {
        const e = entries(n);
        return e && e[0] === 'String' && typeof e[1].sval === 'string' ? [e[1].sval] : [];
      })
    : [];
}

function containsTag(node: unknown, tag: string): boolean {
  if (Array.isArray(node)) return node.some((n) => containsTag(n, tag));
  if (typeof node !== 'object' || node === null) return false;
  return Object.entries(node as Tree).some(([k, v]) => k === tag || containsTag(v, tag));
}

/** Three-valued constant evaluation: true, false, or undefined when it depends on anything. */
function constant(node: unknown): boolean | undefined {
  const e = entries(node);
  if (!e) return undefined;
  const [tag, body] = e;
  if (tag === 'A_Const') {
    if ('boolval' in body) return (body.boolval as Tree).boolval === true;
    return undefined;
  }
  if (tag === 'TypeCast') {
    const type = names((body.typeName as Tree | undefined)?.names).at(-1);
    const arg = entries(body.arg);
    if ((type === 'bool' || type === 'boolean') && arg?.[0] === 'A_Const') {
      const s = (arg[1].sval as Tree | undefined)?.sval;
      if (typeof s === 'string') {
        const v = s.trim().toLowerCase();
        if (['t', 'true', 'y', 'yes', 'on', '1'].includes(v)) return true;
        if (['f', 'false', 'n', 'no', 'off', '0'].includes(v)) return false;
      }
      if ('boolval' in arg[1]) return (arg[1].boolval as Tree).boolval === true;
    }
    return constant(body.arg);
  }
  if (tag === 'BoolExpr') {
    const args = (body.args as unknown[]).map(constant);
    switch (body.boolop) {
      case 'AND_EXPR':
        if (args.some((a) => a === false)) return false;
        return args.every((a) => a === true) ? true : undefined;
      case 'OR_EXPR':
        if (args.some((a) => a === true)) return true;
        return args.every((a) => a === false) ? false : undefined;
      case 'NOT_EXPR':
        return args[0] === undefined ? undefined : !args[0];
    }
    return undefined;
  }
  if (tag === 'A_Expr' && body.kind === 'AEXPR_OP') {
    const op = names(body.name).at(-1);
    const l = literal(body.lexpr);
    const r = literal(body.rexpr);
    if (l === undefined || r === undefined) return undefined;
    switch (op) {
      case '=':
        return l === r;
      case '<>':
      case '!=':
        return l !== r;
      case '<':
        return l < r;
      case '>':
        return l > r;
      case '<=':
        return l <= r;
      case '>=':
        return l >= r;
    }
  }
  return undefined;
}

function literal(node: unknown): number | string | boolean | undefined {
  const e = entries(node);
  if (!e) return undefined;
  if (e[0] === 'TypeCast') return literal(e[1].arg);
  if (e[0] !== 'A_Const') return undefined;
  const b = e[1];
  if ('ival' in b) return Number((b.ival as Tree).ival ?? 0);
  if ('sval' in b) return String((b.sval as Tree).sval);
  if ('boolval' in b) return (b.boolval as Tree).boolval === true;
  return undefined;
}

/**
 * Reads a policy expression as PostgreSQL prints it (`pg_get_expr(polqual, polrelid)`): the text
 * comes from the catalog, it is parsed here and never executed.
 *
 * @example
 * analyzePolicyExpression("(site_id = dramac_current_site_id())").perRowCalls; // {'dramac_current_site_id'}
 * @throws Whatever the parser throws for text that is not an expression (never for catalog text).
 */
export function analyzePolicyExpression(text: string): PolicyExpressionFacts {
  const parsed = parseSync(`select (${text})`) as { stmts: { stmt: Tree }[] };
  const select = parsed.stmts[0]?.stmt.SelectStmt as Tree | undefined;
  const target = ((select?.targetList as Tree[] | undefined)?.[0]?.ResTarget as Tree | undefined)
    ?.val;
  const calls = new Set<string>();
  const perRowCalls = new Set<string>();
  const columns = new Set<string>();
  const walk = (node: unknown, inSubselect: boolean): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, inSubselect);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node as Tree)) {
      if (key === 'FuncCall') {
        const body = value as Tree;
        const name = names(body.funcname).at(-1)?.toLowerCase();
        if (name) {
          calls.add(name);
          if (!inSubselect && !containsTag(body.args, 'ColumnRef')) perRowCalls.add(name);
        }
        walk(body.args, inSubselect);
      } else if (key === 'ColumnRef') {
        const last = names((value as Tree).fields).at(-1);
        if (last) columns.add(last);
      } else if (key === 'SubLink') {
        walk(value, true);
      } else {
        walk(value, inSubselect);
      }
    }
  };
  walk(target, false);
  return { calls, perRowCalls, columns, alwaysTrue: constant(target) === true };
}
