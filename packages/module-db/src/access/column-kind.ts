/**
 * What kind of JavaScript value a column takes, read from its declared type. The definition was
 * validated with the PostgreSQL parser when it was provisioned; here only the value check needs
 * the base type, so a light normalisation is enough (and keeps this file browser-safe).
 */
export type ValueKind =
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'uuid'
  | 'string'
  | 'datetime'
  | 'json'
  | 'bytes';

/** Which date/time type a `datetime` column is, for the format check. */
export type DateTimeKind = 'date' | 'time' | 'timetz' | 'timestamp' | 'timestamptz';

/** A column's value kind and whether it is an array. */
export interface ColumnKind {
  readonly kind: ValueKind;
  readonly array: boolean;
  /** Canonical type text, e.g. `numeric(12,2)[]`. */
  readonly type: string;
  /** The base type name without modifiers or `[]`: `numeric`, `int4`, `timestamptz`. */
  readonly base: string;
  /** True for character types (`text`, `varchar`, `citext`, `char`): `like` and `contains` apply. */
  readonly text: boolean;
  /** For `integer` columns: the smallest and largest value the type holds. */
  readonly range?: readonly [bigint, bigint];
  /** For `numeric(p,s)`: precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
  /** For `datetime` columns. */
  readonly dateTime?: DateTimeKind;
}

const INT2: readonly [bigint, bigint] = [-32768n, 32767n];
const INT4: readonly [bigint, bigint] = [-2147483648n, 2147483647n];
const INT8: readonly [bigint, bigint] = [-9223372036854775808n, 9223372036854775807n];

const BASE_KIND: Readonly<Record<string, ValueKind>> = {
  int: 'integer',
  int2: 'integer',
  int4: 'integer',
  integer: 'integer',
  smallint: 'integer',
  int8: 'bigint',
  bigint: 'bigint',
  numeric: 'decimal',
  decimal: 'decimal',
  real: 'float',
  float4: 'float',
  float8: 'float',
  float: 'float',
  'double precision': 'float',
  bool: 'boolean',
  boolean: 'boolean',
  uuid: 'uuid',
  text: 'string',
  varchar: 'string',
  'character varying': 'string',
  char: 'string',
  character: 'string',
  bpchar: 'string',
  citext: 'string',
  inet: 'string',
  cidr: 'string',
  macaddr: 'string',
  interval: 'string',
  date: 'datetime',
  time: 'datetime',
  'time without time zone': 'datetime',
  timetz: 'datetime',
  'time with time zone': 'datetime',
  timestamp: 'datetime',
  'timestamp without time zone': 'datetime',
  timestamptz: 'datetime',
  'timestamp with time zone': 'datetime',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
};

const TEXT_BASES: ReadonlySet<string> = new Set([
  'text',
  'varchar',
  'character varying',
  'char',
  'character',
  'bpchar',
  'citext',
]);

const INT_RANGE: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int2: INT2,
  smallint: INT2,
  int: INT4,
  int4: INT4,
  integer: INT4,
  int8: INT8,
  bigint: INT8,
};

const DATE_TIME: Readonly<Record<string, DateTimeKind>> = {
  date: 'date',
  time: 'time',
  'time without time zone': 'time',
  timetz: 'timetz',
  'time with time zone': 'timetz',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
};

/** Reads the value kind of a declared column type (`'numeric(12,2)'` -> decimal). */
export function columnKindOf(type: string): ColumnKind {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ');
  const array = /\[\d*\]$/.test(text);
  if (array) text = text.replace(/\[\d*\]$/, '').trim();
  const modifiers = /\(([^)]*)\)/.exec(text)?.[1];
  // `time(3) with time zone`: the modifier may stand before the words that follow.
  const base = text.replace(/\s*\([^)]*\)/g, '').trim();
  const kind = BASE_KIND[base];
  if (!kind) throw new TypeError(`unknown column type ${JSON.stringify(type)}`);
  const out: {
    -readonly [K in keyof ColumnKind]: ColumnKind[K];
  } = { kind, array, type: text + (array ? '[]' : ''), base, text: TEXT_BASES.has(base) };
  const range = INT_RANGE[base];
  if (range) out.range = range;
  if (kind === 'decimal' && modifiers) {
    const [p, s] = modifiers.split(',').map((m) => Number.parseInt(m.trim(), 10));
    if (Number.isSafeInteger(p)) {
      out.precision = p as number;
      out.scale = Number.isSafeInteger(s) ? (s as number) : 0;
    }
  }
  const dateTime = DATE_TIME[base];
  if (dateTime) out.dateTime = dateTime;
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** The most nodes one JSON value may have (objects, arrays and scalars, shared ones each time). */
export const MAX_JSON_NODES = 100_000;
/** The deepest one JSON value may nest. */
export const MAX_JSON_DEPTH = 100;

/**
 * Checks a JSON value without recursion and with a node budget: a value that reuses one object in
 * many places is counted once per place, as JSON.stringify would write it, so a small object graph
 * that would expand to gigabytes is refused after MAX_JSON_NODES steps instead of hanging.
 */
function checkJsonValue(root: unknown): string | undefined {
  // [value, depth, exit]: exit entries take an object off the current path (cycle detection).
  const stack: [unknown, number, boolean][] = [[root, 0, false]];
  const onPath = new Set<object>();
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth, exit] = stack.pop() as [unknown, number, boolean];
    if (exit) {
      onPath.delete(value as object);
      continue;
    }
    if (++nodes > MAX_JSON_NODES) return `a JSON value may have at most ${MAX_JSON_NODES} nodes`;
    if (depth > MAX_JSON_DEPTH) return `a JSON value may nest at most ${MAX_JSON_DEPTH} levels`;
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'JSON strings cannot contain NUL characters';
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'expected a JSON value (finite numbers only)';
      continue;
    }
    if (typeof value !== 'object') return 'expected a JSON value';
    if (!Array.isArray(value)) {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return 'expected a JSON value';
    }
    if (onPath.has(value)) return 'a JSON value cannot contain itself';
    onPath.add(value);
    stack.push([value, depth, true]);
    const children = Array.isArray(value) ? value : Object.values(value);
    if (nodes + children.length > MAX_JSON_NODES) {
      return `a JSON value may have at most ${MAX_JSON_NODES} nodes`;
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], depth + 1, false]);
  }
  return undefined;
}

function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

function inRange(value: bigint, range: readonly [bigint, bigint] | undefined): boolean {
  return !range || (value >= range[0] && value <= range[1]);
}

function checkInteger(column: ColumnKind, value: unknown): string | undefined {
  const range = column.range;
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      return Number.isInteger(value)
        ? `integer ${value} is beyond 2^53 and was already rounded: pass it as a string or a bigint`
        : 'expected an integer';
    }
    n = BigInt(value);
  } else if (typeof value === 'bigint') {
    n = value;
  } else if (typeof value === 'string' && column.kind === 'bigint' && INTEGER_TEXT.test(value)) {
    n = BigInt(value);
  } else {
    return column.kind === 'bigint'
      ? 'expected an integer (a number, a bigint or a string of digits)'
      : 'expected an integer';
  }
  return inRange(n, range)
    ? undefined
    : `out of range for ${column.base} (expected an integer from ${range?.[0]} to ${range?.[1]})`;
}

function checkDecimal(column: ColumnKind | undefined, value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'expected a finite number';
    text = Math.abs(value) >= 1e21 ? BigInt(Math.trunc(value)).toString() : String(value);
  } else if (typeof value === 'bigint') {
    text = value.toString();
  } else if (typeof value === 'string' && DECIMAL_TEXT.test(value)) {
    text = value;
  } else {
    return 'expected a number, a bigint or a decimal string such as "12.50"';
  }
  if (column?.precision !== undefined) {
    // numeric(p,s) holds at most p - s digits before the point (PostgreSQL rounds the rest).
    const digits = text
      .replace(/^-/, '')
      .replace(/\.\d*$/, '')
      .replace(/^0+(?=\d)/, '');
    const allowed = column.precision - (column.scale ?? 0);
    if (digits !== '0' && digits.length > allowed) {
      return `out of range for ${column.type.replace(/\[\]$/, '')} (at most ${allowed} digits before the decimal point)`;
    }
  }
  return undefined;
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})(?: BC)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [
    31,
    year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= (days[month - 1] as number);
}

function validTime(hour: number, minute: number, second: number): boolean {
  if (hour === 24) return minute === 0 && second === 0;
  return hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second <= 60;
}

function checkDateTime(column: ColumnKind | undefined, value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : undefined;
  if (typeof value !== 'string') return 'expected an ISO date/time string or a Date';
  if (hasNul(value)) return 'strings cannot contain NUL characters';
  const kind = column?.dateTime;
  if (!kind) return undefined;
  const text = value.trim();
  if (
    (kind === 'date' || kind === 'timestamp' || kind === 'timestamptz') &&
    /^-?infinity$/i.test(text)
  ) {
    return undefined;
  }
  const n = (s: string | undefined) => (s === undefined ? 0 : Number.parseInt(s, 10));
  if (kind === 'time' || kind === 'timetz') {
    const m = TIME.exec(text);
    return m && validTime(n(m[1]), n(m[2]), n(m[3]))
      ? undefined
      : `expected a time such as "14:30" or "14:30:00${kind === 'timetz' ? '+02:00' : ''}"`;
  }
  if (kind === 'date') {
    const m = DATE.exec(text);
    return m && validDate(n(m[1]), n(m[2]), n(m[3]))
      ? undefined
      : 'expected a date such as "2026-03-01" (a valid calendar date)';
  }
  const m = TIMESTAMP.exec(text);
  return m && validDate(n(m[1]), n(m[2]), n(m[3])) && validTime(n(m[4]), n(m[5]), n(m[6]))
    ? undefined
    : 'expected an ISO 8601 date/time such as "2026-03-01T14:30:00Z" (a valid calendar date and time)';
}

/**
 * Checks one scalar against a column (or a bare value kind). Returns a reason when it does not
 * fit, or undefined. Integers are range-checked for their type, `numeric(p,s)` for its digits,
 * dates and times for an ISO 8601 form with a valid calendar date. Strings with NUL characters
 * are refused: PostgreSQL text cannot hold them.
 */
export function checkScalar(
  kindOrColumn: ValueKind | ColumnKind,
  value: unknown,
): string | undefined {
  const column = typeof kindOrColumn === 'string' ? undefined : kindOrColumn;
  const kind = typeof kindOrColumn === 'string' ? kindOrColumn : kindOrColumn.kind;
  switch (kind) {
    case 'integer':
    case 'bigint':
      return checkInteger(
        column ?? { kind, array: false, type: kind, base: kind, text: false },
        value,
      );
    case 'decimal':
      return checkDecimal(column, value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'expected a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected a boolean';
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? undefined : 'expected a UUID string';
    case 'string':
      if (typeof value !== 'string') return 'expected a string';
      return hasNul(value) ? 'strings cannot contain NUL characters' : undefined;
    case 'datetime':
      return checkDateTime(column, value);
    case 'json':
      return checkJsonValue(value);
    case 'bytes':
      if (value instanceof Uint8Array) return undefined;
      return typeof value === 'string' && /^\\x([0-9a-f]{2})*$/i.test(value)
        ? undefined
        : 'expected bytes (Uint8Array or \\x-hex string)';
  }
}

/** Checks a column value (arrays element by element, nested arrays too). */
export function checkColumnValue(column: ColumnKind, value: unknown): string | undefined {
  if (column.kind === 'json') return checkScalar('json', value);
  if (column.array) {
    if (!Array.isArray(value)) return 'expected an array';
    // Multi-dimensional arrays: flatten level by level, without recursion.
    let level: unknown[] = value;
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > 6) return 'arrays nest at most 6 levels';
      const next: unknown[] = [];
      for (const item of level) {
        if (item === null) continue;
        if (Array.isArray(item)) {
          next.push(...item);
          continue;
        }
        const reason = checkScalar(column, item);
        if (reason) return `array element: ${reason}`;
      }
      level = next;
    }
    return undefined;
  }
  return checkScalar(column, value);
}

/** True for columns whose values read back as strings to stay exact (`bigint`, `numeric`). */
export function isExactNumeric(column: ColumnKind): boolean {
  return column.kind === 'bigint' || column.kind === 'decimal';
}
