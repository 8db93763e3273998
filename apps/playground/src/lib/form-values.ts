import type { ModuleDefinitionLike } from '@dramac/module-sdk';
import { InputError } from './action-result';

/** One declared column, as the forms need it. */
export interface FormColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

/** The declared columns of `table` (the platform's `id` and `site_id` are not declared). */
export function formColumns(definition: ModuleDefinitionLike, table: string): FormColumn[] {
  const t = (definition.tables as readonly any[]).find((x) => x.name === table);
  if (!t) throw new InputError(`unknown table "${String(table).slice(0, 40)}"`, 'table');
  return (t.columns as readonly any[]).map((c) => ({
    name: String(c.name),
    type: String(c.type),
    nullable: c.nullable === true,
    hasDefault: c.default !== undefined,
  }));
}

/** Columns the server fills in itself and the create form leaves out. */
export function isAutomatic(column: FormColumn): boolean {
  return (
    column.hasDefault &&
    /(^created_at$|^updated_at$|_at$)/.test(column.name) &&
    column.type === 'timestamptz'
  );
}

/**
 * Converts one form string to the value the SDK takes for the column type. What cannot be
 * converted is passed on unchanged, so the SDK's own validation names the bad field.
 */
export function convertValue(column: FormColumn, raw: string): unknown {
  const value = raw.trim();
  const type = column.type.toLowerCase();
  if (type.endsWith('[]')) {
    return value === ''
      ? []
      : value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
  }
  if (type === 'integer' || type === 'smallint' || type === 'bigint') {
    return /^-?\d+$/.test(value) ? Number(value) : raw;
  }
  if (type === 'real' || type === 'double precision') {
    return value !== '' && Number.isFinite(Number(value)) ? Number(value) : raw;
  }
  if (type === 'boolean') {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return raw;
  }
  if (type === 'json' || type === 'jsonb') {
    try {
      return JSON.parse(value);
    } catch {
      throw new InputError(`${column.name} is not valid JSON`, `data.${column.name}`);
    }
  }
  return raw;
}

/**
 * Builds a record from form strings: empty fields are left to their default, set to null when
 * nullable, and refused when required (a clear message before anything reaches the database).
 */
export function recordFromForm(
  columns: readonly FormColumn[],
  values: Readonly<Record<string, string>>,
  mode: 'create' | 'update',
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name] of Object.entries(values)) {
    if (!columns.some((c) => c.name === name)) {
      throw new InputError(`unknown column "${name.slice(0, 40)}"`, `data.${name.slice(0, 40)}`);
    }
  }
  for (const column of columns) {
    const raw = values[column.name];
    if (raw === undefined) continue;
    if (raw.trim() === '') {
      if (column.nullable) record[column.name] = null;
      else if (column.hasDefault) continue;
      else throw new InputError(`${column.name} is required`, `data.${column.name}`);
      continue;
    }
    record[column.name] = convertValue(column, raw);
  }
  if (mode === 'update' && Object.keys(record).length === 0) {
    throw new InputError('nothing to change');
  }
  return record;
}
