import { type ColumnType, formatColumnType } from '../sql/column-type';

/** Canonical names PostgreSQL's `format_type` spells differently. */
const CATALOG_NAMES: Readonly<Partial<Record<ColumnType['base'], string>>> = {
  varchar: 'character varying',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  time: 'time without time zone',
};

/**
 * How PostgreSQL's `format_type(atttypid, atttypmod)` spells a column type, so a planned type can
 * be compared with the catalog: `timestamptz(3)` is `timestamp(3) with time zone`, `varchar(320)`
 * is `character varying(320)`, `time[]` is `time without time zone[]`; other types keep their
 * canonical spelling.
 *
 * @example
 * catalogTypeName(parseColumnType('timestamptz'))   // 'timestamp with time zone'
 * catalogTypeName(parseColumnType('varchar(20)[]')) // 'character varying(20)[]'
 * @throws {TypeError} like {@link formatColumnType}, for a forged {@link ColumnType}.
 */
export function catalogTypeName(type: ColumnType): string {
  // Validates the type (allow-listed base, integer modifiers) before we spell it.
  formatColumnType(type);
  const name = CATALOG_NAMES[type.base] ?? type.base;
  const args = type.args.length > 0 ? `(${type.args.join(',')})` : '';
  const array = type.array ? '[]' : '';
  // format_type puts the modifiers between the words: timestamp(3) with time zone.
  const space = name.indexOf(' ');
  if (
    args !== '' &&
    (type.base === 'timestamptz' || type.base === 'timestamp' || type.base === 'time')
  ) {
    return `${name.slice(0, space)}${args}${name.slice(space)}${array}`;
  }
  return `${name}${args}${array}`;
}

/** A schema qualifier `format_type` adds to types not on the `search_path` (`extensions.citext`). */
const QUALIFIER = /^(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\./;

/**
 * A `format_type` result without the schema qualifier PostgreSQL adds when the type's schema is not
 * on the `search_path` (`extensions.citext[]` -> `citext[]`), so it compares with
 * {@link catalogTypeName}.
 *
 * @example
 * normalizeCatalogTypeName('extensions.citext') // 'citext'
 * normalizeCatalogTypeName('numeric(10,2)')     // 'numeric(10,2)'
 * @throws never.
 */
export function normalizeCatalogTypeName(formatted: string): string {
  return formatted.replace(QUALIFIER, '');
}
