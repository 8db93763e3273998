import { reservedColumnName } from './reserved-column-names';
import { validateModuleDefinition } from './validate-module-definition';
import type { ValidatedModuleDefinition } from './validated-definition';

/**
 * Validates a definition read back from the registry. Releases before 0.2 accepted a declared
 * `site_id` column (and dropped it: the platform adds its own), which definitions now refuse
 * (`reserved_column`); such a stored definition is read without those columns, which is what it
 * always meant, so installed modules keep upgrading, drifting and repairing. Internal.
 *
 * @example
 * const definition = await validateInstalledDefinition(row.definition);
 * @throws DefinitionValidationError when the stored definition is invalid for another reason.
 */
export function validateInstalledDefinition(stored: unknown): Promise<ValidatedModuleDefinition> {
  return validateModuleDefinition(withoutReservedColumns(stored));
}

function withoutReservedColumns(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null) return stored;
  const record = stored as { tables?: unknown };
  if (!Array.isArray(record.tables)) return stored;
  const reserved = (name: unknown) =>
    typeof name === 'string' && reservedColumnName(name) !== undefined;
  let changed = false;
  const tables = record.tables.map((table) => {
    if (typeof table !== 'object' || table === null) return table;
    const columns = (table as { columns?: unknown }).columns;
    if (!Array.isArray(columns)) return table;
    const kept = columns.filter(
      (c) => !(typeof c === 'object' && c !== null && reserved((c as { name?: unknown }).name)),
    );
    if (kept.length === columns.length) return table;
    changed = true;
    return { ...table, columns: kept };
  });
  return changed ? { ...record, tables } : stored;
}
