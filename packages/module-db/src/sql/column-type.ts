import { type RawBuilder, sql } from 'kysely';
import type { TypeName } from 'libpg-query';
import {
  assertOnlyFields,
  nodeEntry,
  type ParsedTarget,
  parseSingleSelectTarget,
  SqlInputError,
} from './sql-parser';

/**
 * Column types: parsed by PostgreSQL's grammar, then mapped onto an allow-list. Parse the type;
 * do not pattern-match it.
 */

/** The base types a module column may have, in canonical spelling. */
export const ALLOWED_BASE_TYPES = [
  'text',
  'varchar',
  'integer',
  'bigint',
  'smallint',
  'numeric',
  'real',
  'double precision',
  'boolean',
  'uuid',
  'date',
  'time',
  'timestamptz',
  'timestamp',
  'interval',
  'jsonb',
  'json',
  'bytea',
  'inet',
  'citext',
] as const;

/** One of {@link ALLOWED_BASE_TYPES}. */
export type AllowedBaseType = (typeof ALLOWED_BASE_TYPES)[number];

/**
 * A validated column type.
 *
 * @example
 * parseColumnType('numeric(10,2)[]') // { base: 'numeric', args: [10, 2], array: true }
 */
export interface ColumnType {
  /** Canonical base type name. */
  readonly base: AllowedBaseType;
  /** Type modifiers: length, precision/scale or fractional-seconds precision. */
  readonly args: readonly number[];
  /** A one-dimensional array of `base`. */
  readonly array: boolean;
}

/**
 * Types the grammar spells with SQL keywords (`integer`, `double precision`, `numeric`,
 * `timestamp with time zone`...). The parser reports them as `pg_catalog.<internal name>`; we
 * accept that qualified form only when the source token really is one of these keywords, so a
 * user-written `pg_catalog.int4` is refused like any other qualified name.
 */
const KEYWORD_TYPE_WORDS: ReadonlySet<string> = new Set([
  'int',
  'integer',
  'smallint',
  'bigint',
  'real',
  'float',
  'double',
  'decimal',
  'dec',
  'numeric',
  'boolean',
  'character',
  'char',
  'varchar',
  'national',
  'nchar',
  'timestamp',
  'time',
  'interval',
  'bit',
  'json',
]);

/** Internal names the grammar produces for keyword types, mapped to canonical names. */
const KEYWORD_TYPES: Readonly<Record<string, AllowedBaseType>> = {
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  float4: 'real',
  float8: 'double precision',
  numeric: 'numeric',
  bool: 'boolean',
  varchar: 'varchar',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  interval: 'interval',
  json: 'json',
};

/** Unqualified, unquoted type names (not keywords) and the canonical type each denotes. */
const PLAIN_TYPES: Readonly<Record<string, AllowedBaseType>> = {
  text: 'text',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  uuid: 'uuid',
  date: 'date',
  timestamptz: 'timestamptz',
  jsonb: 'jsonb',
  bytea: 'bytea',
  inet: 'inet',
  citext: 'citext',
};

/** Readable names for refused keyword types whose internal names would puzzle an author. */
const INTERNAL_TYPE_LABELS: Readonly<Record<string, string>> = {
  bpchar: 'character',
  timetz: 'time with time zone',
  varbit: 'bit varying',
};

/** PostgreSQL's own limit for `varchar(n)`. */
const MAX_VARCHAR_LENGTH = 10_485_760;
const MAX_NUMERIC_PRECISION = 1000;
const MAX_TIME_PRECISION = 6;

function hasOwn(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}

function stringValue(node: unknown): string | undefined {
  const { tag, body } = nodeEntry(node);
  return tag === 'String' && typeof body.sval === 'string' ? body.sval : undefined;
}

function integerTypmod(node: unknown, typeLabel: string): number {
  const { tag, body } = nodeEntry(node);
  if (tag === 'A_Const') {
    const keys = Object.keys(body).filter((k) => k !== 'location');
    if (keys.length === 1 && keys[0] === 'ival') {
      const ival = (body.ival as { ival?: unknown }).ival ?? 0;
      if (typeof ival === 'number' && Number.isSafeInteger(ival)) return ival;
    }
  }
  throw new SqlInputError(
    'invalid_type_modifier',
    `type modifiers of "${typeLabel}" must be integer constants`,
  );
}

function checkRange(value: number, min: number, max: number, what: string): number {
  if (value < min || value > max) {
    throw new SqlInputError(
      'invalid_type_modifier',
      `${what} must be between ${min} and ${max}, got ${value}`,
    );
  }
  return value;
}

/** Validates the modifiers of `base` and returns them in canonical form. */
function typeArgs(base: AllowedBaseType, mods: readonly number[]): number[] {
  switch (base) {
    case 'varchar':
      if (mods.length > 1) break;
      return mods.map((n) => checkRange(n, 1, MAX_VARCHAR_LENGTH, 'varchar length'));
    case 'numeric': {
      if (mods.length === 0) return [];
      if (mods.length > 2) break;
      const precision = checkRange(mods[0] ?? 0, 1, MAX_NUMERIC_PRECISION, 'numeric precision');
      // numeric(p) means numeric(p,0); spell it out so equal types compare equal.
      const scale = checkRange(mods[1] ?? 0, 0, precision, 'numeric scale');
      return [precision, scale];
    }
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (mods.length > 1) break;
      return mods.map((n) => checkRange(n, 0, MAX_TIME_PRECISION, `${base} precision`));
    case 'interval':
      if (mods.length === 0) return [];
      throw new SqlInputError(
        'invalid_type_modifier',
        'interval fields and precision (e.g. "interval day", "interval(3)") are not supported; use plain "interval"',
      );
    default:
      if (mods.length === 0) return [];
      throw new SqlInputError('invalid_type_modifier', `type "${base}" does not take modifiers`);
  }
  throw new SqlInputError(
    'invalid_type_modifier',
    `type "${base}" does not take ${mods.length} modifiers`,
  );
}

/**
 * Maps a parsed `TypeName` onto the allow-list. Shared by {@link parseColumnType} and the casts
 * inside expressions, so both accept exactly the same types.
 *
 * @throws {SqlInputError} `type_not_allowed` or `invalid_type_modifier`.
 */
export function typeNameToColumnType(typeName: TypeName, parsed: ParsedTarget): ColumnType {
  assertOnlyFields('type', typeName as Record<string, unknown>, [
    'names',
    'typmods',
    'typemod',
    'arrayBounds',
    'location',
    'setof',
    'pct_type',
  ]);
  if (typeName.setof === true) {
    throw new SqlInputError('type_not_allowed', 'SETOF types are not allowed');
  }
  if (typeName.pct_type === true) {
    throw new SqlInputError('type_not_allowed', '%TYPE references are not allowed');
  }
  if (typeName.typemod !== undefined && typeName.typemod !== -1) {
    throw new SqlInputError('invalid_type_modifier', 'unexpected type modifier');
  }
  const names = (typeName.names ?? []).map(stringValue);
  const label = names.map((n) => n ?? '?').join('.');
  const word = parsed.wordAt(typeName.location);
  let base: AllowedBaseType | undefined;
  const [first, second] = names;
  if (names.length === 1 && first !== undefined) {
    if (word !== first) {
      throw new SqlInputError(
        'type_not_allowed',
        `type "${label}" is not allowed (quoted type names are not accepted)`,
      );
    }
    base = hasOwn(PLAIN_TYPES, first) ? PLAIN_TYPES[first] : undefined;
  } else if (
    names.length === 2 &&
    first === 'pg_catalog' &&
    second !== undefined &&
    word !== undefined &&
    KEYWORD_TYPE_WORDS.has(word)
  ) {
    base = hasOwn(KEYWORD_TYPES, second) ? KEYWORD_TYPES[second] : undefined;
  } else if (names.length > 1) {
    throw new SqlInputError(
      'type_not_allowed',
      `type "${label}" is not allowed (schema-qualified type names are not accepted)`,
    );
  }
  if (base === undefined) {
    const internal = first === 'pg_catalog' && second !== undefined ? second : undefined;
    const shown =
      internal === undefined
        ? label
        : hasOwn(INTERNAL_TYPE_LABELS, internal)
          ? INTERNAL_TYPE_LABELS[internal]
          : internal;
    throw new SqlInputError('type_not_allowed', `type "${shown}" is not allowed`);
  }
  const mods = (typeName.typmods ?? []).map((m) => integerTypmod(m, base));
  const args = typeArgs(base, mods);
  const bounds = typeName.arrayBounds ?? [];
  if (bounds.length > 1) {
    throw new SqlInputError('type_not_allowed', 'only one-dimensional arrays are allowed');
  }
  return Object.freeze({ base, args: Object.freeze(args), array: bounds.length === 1 });
}

/**
 * Parses a column type with PostgreSQL's grammar and maps it onto {@link ALLOWED_BASE_TYPES}.
 * Aliases become canonical: `int4` → `integer`, `float8` → `double precision`,
 * `timestamp with time zone` → `timestamptz`, `decimal(10)` → `numeric(10,0)`.
 *
 * @example
 * parseColumnType('character varying(255)') // { base: 'varchar', args: [255], array: false }
 * parseColumnType('int[]')                  // { base: 'integer', args: [], array: true }
 * @throws {SqlInputError} `type_not_allowed`, `invalid_type_modifier`, `syntax_error`,
 *   `not_single_expression`, `empty`, `nul_byte`, `too_long`.
 * @throws {Error} if the parser is not loaded (`await loadSqlParser()`).
 */
export function parseColumnType(text: string): ColumnType {
  const parsed = parseSingleSelectTarget(text, 'NULL::');
  const { tag, body } = nodeEntry(parsed.expression);
  if (tag === 'TypeCast') {
    assertOnlyFields('type', body, ['arg', 'typeName', 'location']);
    const arg = body.arg === undefined ? undefined : nodeEntry(body.arg);
    const isNull =
      arg?.tag === 'A_Const' &&
      arg.body.isnull === true &&
      Object.keys(arg.body).every((k) => k === 'isnull' || k === 'location');
    if (isNull && body.typeName !== undefined) {
      return typeNameToColumnType(body.typeName as TypeName, parsed);
    }
  }
  throw new SqlInputError('not_single_expression', 'expected a single column type');
}

/**
 * The canonical text of a column type, e.g. `numeric(10,2)[]`, `double precision`,
 * `varchar(255)`, `timestamptz(3)`. Parsing it again yields an equal type.
 *
 * @example
 * formatColumnType({ base: 'numeric', args: [10, 2], array: true }) // 'numeric(10,2)[]'
 * @throws {TypeError} if `type` is not a valid {@link ColumnType} (e.g. forged at runtime).
 */
export function formatColumnType(type: ColumnType): string {
  // Re-checked here because columnTypeSql emits this text raw: only an allow-listed name and
  // safe integers can ever reach it, whatever object a caller hands in.
  if (!(ALLOWED_BASE_TYPES as readonly string[]).includes(type.base)) {
    throw new TypeError(`not an allowed column type: ${String(type.base)}`);
  }
  if (!Array.isArray(type.args) || !type.args.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new TypeError('column type modifiers must be non-negative integers');
  }
  const args = type.args.length > 0 ? `(${type.args.join(',')})` : '';
  return `${type.base}${args}${type.array === true ? '[]' : ''}`;
}

/**
 * The type as a Kysely SQL fragment, for `addColumn(name, columnTypeSql(type))`.
 *
 * @example
 * db.schema.createTable('t').addColumn('price', columnTypeSql(parseColumnType('numeric(10,2)')))
 * @throws {TypeError} like {@link formatColumnType}.
 */
export function columnTypeSql(type: ColumnType): RawBuilder<unknown> {
  // sql.raw is safe here: formatColumnType builds the text from an allow-listed canonical name
  // and validated integers only, never from the author's input string.
  return sql.raw(formatColumnType(type));
}

/**
 * True when two column types are the same type (base, modifiers and arrayness).
 *
 * @example
 * isColumnTypeEqual(parseColumnType('int4'), parseColumnType('integer')) // true
 */
export function isColumnTypeEqual(a: ColumnType, b: ColumnType): boolean {
  return (
    a.base === b.base &&
    a.array === b.array &&
    a.args.length === b.args.length &&
    a.args.every((n, i) => n === b.args[i])
  );
}
