import type { ForeignKeyDefinition } from './foreign-key-definition';
import type { IssueCollector } from './issue-collector';
import type { CheckedColumn, CheckedTable } from './validate-table';
import type { ForeignKeyTarget, ValidatedForeignKey } from './validated-definition';

/**
 * Platform tables a module may reference, by schema, with the one column it may reference, always
 * `ON DELETE SET NULL` or `CASCADE` (default: SET NULL for a nullable column, CASCADE otherwise) so
 * no module row keeps the platform from deleting the row. `public.sites` is not among them: a
 * row's site is its `site_id`. Everything else outside the module is refused: a key into another
 * module's table would make that module's data reachable (and its deletes blockable) from this one.
 *
 * @example
 * ```ts
 * PLATFORM_FOREIGN_KEY_TARGETS.auth.users; // 'id'
 * ```
 *
 * @throws Never; this is a constant.
 */
export const PLATFORM_FOREIGN_KEY_TARGETS = Object.freeze({
  public: Object.freeze({ agencies: 'id', clients: 'id', profiles: 'id' }),
  auth: Object.freeze({ users: 'id' }),
}) satisfies Readonly<Record<'public' | 'auth', Readonly<Record<string, 'id'>>>>;

/**
 * Module-wide facts the foreign-key pass needs. Internal.
 *
 * @example
 * ```ts
 * const context: ForeignKeyCheckContext = { issues, ownSchema: 'mod_a1b2c3d4', tables, uncheckedTableNames: new Set() };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface ForeignKeyCheckContext {
  readonly issues: IssueCollector;
  /** The module's own schema name (`mod_<id>`), which also means "this module"; if known. */
  readonly ownSchema: string | undefined;
  /** Tables that passed the shape check, by name (first declaration wins). */
  readonly tables: ReadonlyMap<string, CheckedTable>;
  /** Names of declared tables whose shape was invalid: exist, but cannot be checked further. */
  readonly uncheckedTableNames: ReadonlySet<string>;
}

/**
 * Checks the foreign keys of one table against the whole module: the column exists, the target
 * is a table of the same module (its primary key or a unique column) or an allowed platform
 * table, the types match, and `SET NULL` is only used on nullable columns.
 *
 * @example
 * ```ts
 * const fks = checkForeignKeys(checkedContacts, { issues, ownSchema: 'mod_a1b2c3d4', tables, uncheckedTableNames });
 * ```
 *
 * @throws Never; problems are added to `context.issues`.
 */
export function checkForeignKeys(
  table: CheckedTable,
  context: ForeignKeyCheckContext,
): ValidatedForeignKey[] {
  const { issues } = context;
  const seen = new Map<string, number>();
  const out: ValidatedForeignKey[] = [];
  (table.definition.foreignKeys ?? []).forEach((fk, fi) => {
    const path = `tables[${table.index}].foreignKeys[${fi}]`;
    const column = table.columnsByName.get(fk.column);
    if (column === undefined) {
      issues.add(
        `${path}.column`,
        'unknown_column',
        `Foreign key column "${fk.column}" is not a column of table "${table.definition.name}".`,
      );
    } else if (fk.column === 'site_id') {
      issues.add(
        `${path}.column`,
        'invalid_site_id',
        'site_id already references public.sites(id): the platform adds that foreign key.',
      );
    }
    const first = seen.get(fk.column);
    if (first !== undefined) {
      issues.add(
        `${path}.column`,
        'duplicate_foreign_key',
        `Column "${fk.column}" already has a foreign key (foreignKeys[${first}]).`,
      );
    } else {
      seen.set(fk.column, fi);
    }

    const target = resolveTarget(fk, path, context);
    if (column !== undefined && target !== undefined) {
      checkTypesMatch(fk, column, target.column, path, issues);
    }
    for (const key of ['onDelete', 'onUpdate'] as const) {
      if (fk[key] === 'SET NULL' && column !== undefined && !column.nullable) {
        issues.add(
          `${path}.${key}`,
          'set_null_on_not_null',
          `${key} SET NULL needs a nullable column, but "${fk.column}" is NOT NULL.`,
        );
      }
    }
    // A row of this module must never keep the platform from deleting a user, an agency or a
    // client: a reference to one is set to null (nullable column) or goes with it (NOT NULL).
    let onDelete = fk.onDelete ?? 'NO ACTION';
    if (target?.target.kind === 'platform') {
      const label = `${target.target.schema}.${target.target.table}`;
      if (fk.onDelete === 'RESTRICT' || fk.onDelete === 'NO ACTION') {
        issues.add(
          `${path}.onDelete`,
          'blocking_platform_reference',
          `onDelete ${fk.onDelete} on a reference to ${label} would keep the platform from deleting that row (and every site's rows could pin it): use SET NULL (nullable column) or CASCADE, or leave onDelete out.`,
        );
      }
      onDelete = fk.onDelete ?? (column?.nullable ? 'SET NULL' : 'CASCADE');
    }
    if (target !== undefined) {
      out.push({
        column: fk.column,
        target: target.target,
        onDelete,
        onUpdate: fk.onUpdate ?? 'NO ACTION',
      });
    }
  });
  return out;
}

interface ResolvedTarget {
  readonly target: ForeignKeyTarget;
  /** The target column, when it is known (absent for tables that failed the shape check). */
  readonly column: CheckedColumn | 'uuid' | undefined;
}

function resolveTarget(
  fk: ForeignKeyDefinition,
  path: string,
  context: ForeignKeyCheckContext,
): ResolvedTarget | undefined {
  const { issues } = context;
  const { schema, table, column } = fk.references;
  const rpath = `${path}.references`;

  if (schema === undefined || (context.ownSchema !== undefined && schema === context.ownSchema)) {
    const targetTable = context.tables.get(table);
    if (targetTable === undefined) {
      if (!context.uncheckedTableNames.has(table)) {
        issues.add(
          `${rpath}.table`,
          'unknown_table',
          `Foreign key target "${table}" is not a table of this module. Without "schema", a foreign key references a table of the same module.`,
        );
      }
      return undefined;
    }
    const targetColumn = targetTable.columnsByName.get(column);
    if (targetColumn === undefined) {
      issues.add(
        `${rpath}.column`,
        'unknown_column',
        `Foreign key target column "${column}" is not a column of table "${table}".`,
      );
      return undefined;
    }
    const isKey =
      (targetTable.primaryKey.length === 1 && targetTable.primaryKey[0] === column) ||
      targetTable.uniqueColumns.includes(column);
    if (!isKey) {
      issues.add(
        `${rpath}.column`,
        'foreign_key_target_not_unique',
        `Foreign key target "${table}.${column}" must be the primary key of "${table}" or a unique column.`,
      );
      return undefined;
    }
    return { target: { kind: 'module', table, column }, column: targetColumn };
  }

  if (schema === 'public' && table === 'sites') {
    issues.add(
      `${rpath}.table`,
      'site_reference',
      "A module row already references its own site through site_id (the platform adds that key). A reference to public.sites from another column could name another tenant's site: use site_id instead.",
    );
    return undefined;
  }
  if (schema === 'public' || schema === 'auth') {
    const allowed: Readonly<Record<string, string>> = PLATFORM_FOREIGN_KEY_TARGETS[schema];
    const allowedColumn = Object.hasOwn(allowed, table) ? allowed[table] : undefined;
    if (allowedColumn === undefined || allowedColumn !== column) {
      const list = Object.entries(allowed)
        .map(([t, c]) => `${schema}.${t}(${c})`)
        .join(', ');
      issues.add(
        allowedColumn === undefined ? `${rpath}.table` : `${rpath}.column`,
        'foreign_key_not_allowed',
        `Foreign key to ${schema}.${table}(${column}) is not allowed: in schema "${schema}" a module may only reference ${list}. Module isolation forbids keys into any other table.`,
      );
      return undefined;
    }
    return { target: { kind: 'platform', schema, table, column }, column: 'uuid' };
  }

  issues.add(
    `${rpath}.schema`,
    'foreign_key_not_allowed',
    `Foreign key to schema "${schema}" is not allowed: a module may only reference its own tables (no "schema") and the platform tables public.sites, public.agencies, public.clients, public.profiles and auth.users. Module isolation forbids keys into other modules' or any other schema's objects.`,
  );
  return undefined;
}

function checkTypesMatch(
  fk: ForeignKeyDefinition,
  column: CheckedColumn,
  target: CheckedColumn | 'uuid' | undefined,
  path: string,
  issues: IssueCollector,
): void {
  if (column.type === undefined || target === undefined) return;
  const targetBase = target === 'uuid' ? 'uuid' : target.type?.base;
  const targetArray = target === 'uuid' ? false : target.type?.array;
  if (targetBase === undefined) return;
  // Base type and array-ness must agree; type modifiers (varchar length, numeric precision) may
  // differ, as PostgreSQL allows.
  if (column.type.base !== targetBase || column.type.array !== targetArray) {
    const { schema, table, column: targetColumn } = fk.references;
    const where = `${schema === undefined ? '' : `${schema}.`}${table}.${targetColumn}`;
    issues.add(
      `${path}.column`,
      'foreign_key_type_mismatch',
      `Foreign key column "${fk.column}" must have the type of ${where} (${targetBase}${targetArray ? '[]' : ''}).`,
    );
  }
}
