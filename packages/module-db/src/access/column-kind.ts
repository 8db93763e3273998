/**
 * What kind of JavaScript value a column takes, read from its declared type. The definition was
 * validated with the PostgreSQL parser when it was provisioned; here only the value check needs
 * the base type, so a light normalisation is enough (and keeps this file browser-safe).
 */
export type ValueKind =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'uuid'
  | 'string'
  | 'datetime'
  | 'json'
  | 'bytes';

/** A column's value kind and whether it is an array. */
export interface ColumnKind {
  readonly kind: ValueKind;
  readonly array: boolean;
  /** Canonical type text, e.g. `numeric(12,2)[]`. */
  readonly type: string;
}

const BASE_KIND: Readonly<Record<string, ValueKind>> = {
  int: 'integer',
  int2: 'integer',
  int4: 'integer',
  integer: 'integer',
  smallint: 'integer',
  int8: 'decimal',
  bigint: 'decimal',
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
  citext: 'string',
  inet: 'string',
  interval: 'string',
  date: 'datetime',
  time: 'datetime',
  'time without time zone': 'datetime',
  timestamp: 'datetime',
  'timestamp without time zone': 'datetime',
  timestamptz: 'datetime',
  'timestamp with time zone': 'datetime',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
};

/** Reads the value kind of a declared column type (`'numeric(12,2)'` -> decimal). */
export function columnKindOf(type: string): ColumnKind {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ');
  const array = /\[\d*\]$/.test(text);
  if (array) text = text.replace(/\[\d*\]$/, '').trim();
  const base = text.replace(/\s*\([^)]*\)/g, '').trim();
  const kind = BASE_KIND[base];
  if (!kind) throw new TypeError(`unknown column type ${JSON.stringify(type)}`);
  return { kind, array, type: text + (array ? '[]' : '') };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value as Record<string, unknown>).every((v) => isJsonValue(v, depth + 1));
  }
  return false;
}

function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/**
 * Checks one scalar against a value kind. Returns a reason when it does not fit, or undefined.
 * Strings with NUL characters are refused: PostgreSQL text cannot hold them.
 */
export function checkScalar(kind: ValueKind, value: unknown): string | undefined {
  switch (kind) {
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'expected an integer';
    case 'decimal':
      if (typeof value === 'number')
        return Number.isFinite(value) ? undefined : 'expected a finite number';
      if (typeof value === 'bigint') return undefined;
      return typeof value === 'string' && DECIMAL.test(value)
        ? undefined
        : 'expected a number or a decimal string';
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
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : undefined;
      if (typeof value !== 'string') return 'expected an ISO date/time string or a Date';
      return hasNul(value) ? 'strings cannot contain NUL characters' : undefined;
    case 'json':
      return isJsonValue(value) ? undefined : 'expected a JSON value';
    case 'bytes':
      if (value instanceof Uint8Array) return undefined;
      return typeof value === 'string' && /^\\x([0-9a-f]{2})*$/i.test(value)
        ? undefined
        : 'expected bytes (Uint8Array or \\x-hex string)';
  }
}

/** Checks a column value (arrays element by element). */
export function checkColumnValue(column: ColumnKind, value: unknown): string | undefined {
  if (column.kind === 'json') return checkScalar('json', value);
  if (column.array) {
    if (!Array.isArray(value)) return 'expected an array';
    for (const item of value) {
      if (item === null) continue;
      const reason = checkScalar(column.kind, item);
      if (reason) return `array element: ${reason}`;
    }
    return undefined;
  }
  return checkScalar(column.kind, value);
}
