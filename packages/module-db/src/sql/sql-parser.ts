import { loadModule, type Node, parseSync, type SelectStmt } from 'libpg-query';

/**
 * The PostgreSQL parser (libpg-query, compiled to WebAssembly) behind every SQL fragment a module
 * author may write: column types and expressions are parsed by the real grammar, then checked
 * against allow-lists node by node. Nothing here ever emits the input text as SQL.
 */

/** Longest SQL fragment (in UTF-16 code units) accepted, checked before parsing. */
export const MAX_SQL_INPUT_LENGTH = 4000;

/** Every stable sub-code a {@link SqlInputError} may carry. */
export type SqlInputErrorCode =
  | 'empty'
  | 'syntax_error'
  | 'not_single_expression'
  | 'node_not_allowed'
  | 'function_not_allowed'
  | 'operator_not_allowed'
  | 'column_not_allowed'
  | 'unknown_column'
  | 'type_not_allowed'
  | 'invalid_type_modifier'
  | 'nul_byte'
  | 'too_long'
  | 'too_complex';

/**
 * A SQL fragment (a column type or an expression) was refused. `code` is stable; `message` names
 * exactly what was refused. Internal: the validation stage turns it into a `DefinitionIssue`.
 *
 * @example
 * try { compileExpression('pg_sleep(10)', scope); }
 * catch (e) { if (e instanceof SqlInputError) e.code; } // 'function_not_allowed'
 */
export class SqlInputError extends Error {
  /** Stable machine-readable sub-code. */
  readonly code: SqlInputErrorCode;

  constructor(code: SqlInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SqlInputError';
    this.code = code;
  }
}

let loading: Promise<void> | undefined;
let loaded = false;

/**
 * Loads the WebAssembly PostgreSQL parser. Idempotent: every call returns the same promise.
 * Parsing is synchronous afterwards.
 *
 * @example
 * await loadSqlParser();
 * parseColumnType('numeric(10,2)');
 * @throws Whatever instantiating the WebAssembly module throws (a later call retries).
 */
export function loadSqlParser(): Promise<void> {
  if (loading === undefined) {
    loading = loadModule().then(
      () => {
        loaded = true;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
  }
  return loading;
}

/**
 * True once {@link loadSqlParser} has resolved.
 *
 * @example
 * if (!isSqlParserLoaded()) await loadSqlParser();
 */
export function isSqlParserLoaded(): boolean {
  return loaded;
}

/** A node of the parse tree, split into its tag (`'A_Const'`) and its body. */
export interface NodeEntry {
  readonly tag: string;
  readonly body: Record<string, unknown>;
}

/**
 * Splits a parse-tree node (`{ A_Const: {...} }`) into tag and body.
 *
 * @throws {SqlInputError} `node_not_allowed` if the value is not a single-tag node.
 */
export function nodeEntry(node: unknown): NodeEntry {
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    const keys = Object.keys(node);
    const tag = keys[0];
    const body = tag === undefined ? undefined : (node as Record<string, unknown>)[tag];
    if (keys.length === 1 && tag !== undefined && typeof body === 'object' && body !== null) {
      return { tag, body: body as Record<string, unknown> };
    }
  }
  throw new SqlInputError('node_not_allowed', 'unexpected parse tree shape');
}

/**
 * Refuses a node whose body sets any field outside `allowed`. Allow-listing fields (rather than
 * refusing known-bad ones) means a clause we did not think of is refused, not ignored.
 *
 * @throws {SqlInputError} `node_not_allowed` naming the unexpected field.
 */
export function assertOnlyFields(
  what: string,
  body: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new SqlInputError('node_not_allowed', `${what}: "${key}" is not allowed`);
    }
  }
}

const SELECT_FIELDS = ['targetList', 'limitOption', 'op'] as const;

/**
 * If `select` is exactly `SELECT <one unnamed expression>` (no FROM, WHERE, set operation, INTO,
 * DISTINCT, LIMIT, locking, WITH...), returns that expression; otherwise `undefined`.
 */
export function singleSelectTarget(select: SelectStmt): Node | undefined {
  for (const key of Object.keys(select)) {
    if (!(SELECT_FIELDS as readonly string[]).includes(key)) return undefined;
  }
  if (select.limitOption !== undefined && select.limitOption !== 'LIMIT_OPTION_DEFAULT') {
    return undefined;
  }
  if (select.op !== undefined && select.op !== 'SETOP_NONE') return undefined;
  const targets = select.targetList;
  if (targets === undefined || targets.length !== 1) return undefined;
  const target = targets[0];
  if (target === undefined || !('ResTarget' in target)) return undefined;
  const res = target.ResTarget;
  for (const key of Object.keys(res)) {
    if (key !== 'val' && key !== 'location') return undefined;
  }
  return res.val;
}

/** The one expression of a parsed `SELECT <x>`, with access to the parsed source text. */
export interface ParsedTarget {
  /** The expression node (the ResTarget's `val`). */
  readonly expression: Node;
  /** The full SQL text that was parsed (`SELECT ` + prefix + input). */
  readonly sql: string;
  /**
   * The unquoted identifier or keyword starting at a parse-tree `location` (a byte offset into
   * `sql`), lower-cased; `undefined` when the token there is quoted or not a word.
   */
  wordAt(location: number | undefined): string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WORD = /^[A-Za-z_][A-Za-z0-9_$]*/;

/**
 * Refuses a fragment before it reaches the parser: empty, NUL bytes, over-long.
 *
 * @throws {SqlInputError} `empty`, `nul_byte` or `too_long`.
 */
export function assertAcceptableSqlInput(text: string): void {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SqlInputError('empty', 'the SQL text is empty');
  }
  if (text.includes('\u0000')) {
    throw new SqlInputError('nul_byte', 'the SQL text contains a NUL byte');
  }
  if (text.length > MAX_SQL_INPUT_LENGTH) {
    throw new SqlInputError(
      'too_long',
      `the SQL text is ${text.length} characters long; at most ${MAX_SQL_INPUT_LENGTH} are allowed`,
    );
  }
}

/**
 * Parses `SELECT <prefix><text>` with the PostgreSQL parser and returns its single expression.
 * Exactly one statement, a plain SELECT with one unnamed target and nothing else: this defeats
 * inputs such as `1) FROM x WHERE (1` or `1; DROP TABLE t`. The text is only ever given to the
 * parser; callers rebuild SQL from the returned tree.
 *
 * @example
 * parseSingleSelectTarget('a + 1').expression // { A_Expr: { kind: 'AEXPR_OP', ... } }
 * @throws {SqlInputError} `empty`, `nul_byte`, `too_long`, `syntax_error`, `not_single_expression`.
 * @throws {Error} if {@link loadSqlParser} has not completed.
 */
export function parseSingleSelectTarget(text: string, prefix = ''): ParsedTarget {
  assertAcceptableSqlInput(text);
  if (!loaded) {
    throw new Error('The SQL parser is not loaded: `await loadSqlParser()` first.');
  }
  const sql = `SELECT ${prefix}${text}`;
  let result: { stmts?: { stmt?: Node }[] };
  try {
    result = parseSync(sql);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SqlInputError('syntax_error', `syntax error: ${reason}`, { cause: error });
  }
  const stmts = result.stmts ?? [];
  if (stmts.length !== 1) {
    throw new SqlInputError(
      'not_single_expression',
      `expected a single expression, found ${stmts.length} statements`,
    );
  }
  const stmt = stmts[0]?.stmt;
  const expression =
    stmt !== undefined && 'SelectStmt' in stmt ? singleSelectTarget(stmt.SelectStmt) : undefined;
  if (expression === undefined) {
    throw new SqlInputError(
      'not_single_expression',
      'expected a single expression (no statements, clauses, lists or aliases)',
    );
  }
  let bytes: Uint8Array | undefined;
  return {
    expression,
    sql,
    wordAt(location) {
      if (location === undefined || location < 0) return undefined;
      bytes ??= encoder.encode(sql);
      const head = decoder.decode(bytes.subarray(location, location + 80));
      return WORD.exec(head)?.[0].toLowerCase();
    },
  };
}
