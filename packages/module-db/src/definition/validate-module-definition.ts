import {
  generateModuleShortId,
  getModuleSchemaName,
  isModuleNamingError,
  normalizeModuleId,
} from '@dramac/module-naming';
import type { z } from 'zod';
import { DefinitionValidationError } from '../errors';
import { loadSqlParser } from '../sql/sql-parser';
import { deepFreeze } from './deep-freeze';
import { checkDefinitionSize } from './definition-limits';
import { resolveStrategy } from './isolation-strategy';
import { IssueCollector } from './issue-collector';
import { type MigrationStep, MigrationStepSchema } from './migration-step';
import {
  ISOLATION_STRATEGIES,
  MODULE_TYPES,
  type ModuleDatabaseConfig,
  ModuleDatabaseConfigSchema,
} from './module-database-config';
import { type TableDefinition, TableDefinitionSchema } from './table-definition';
import { checkForeignKeys } from './validate-foreign-keys';
import { checkMigrationSteps } from './validate-migration-steps';
import { type CheckedTable, checkTable, toValidatedColumn } from './validate-table';
import type {
  IsolationStrategy,
  ModuleType,
  ValidatedModuleDefinition,
  ValidatedTable,
} from './validated-definition';
import { markValidated } from './validated-marker';
import { checkWidgetCollections } from './widget-collections';
import { zodIssuesToDefinitionIssues } from './zod-issues';

/**
 * The result of {@link safeValidateModuleDefinition}.
 *
 * @example
 * ```ts
 * const result: SafeValidateResult = await safeValidateModuleDefinition(input);
 * if (!result.success) console.table(result.error.issues);
 * ```
 *
 * @throws Never; this is a type.
 */
export type SafeValidateResult =
  | { readonly success: true; readonly definition: ValidatedModuleDefinition }
  | { readonly success: false; readonly error: DefinitionValidationError };

/** What the semantic checks work on: the whole config, or what could be salvaged from it. */
interface Parts {
  readonly moduleId: string | undefined;
  readonly moduleType: ModuleType | undefined;
  readonly strategy: IsolationStrategy | undefined;
  /** Number of declared tables, when `tables` is an array. */
  readonly tableCount: number | undefined;
  /** Tables whose shape is valid, with their index in `tables`. */
  readonly tables: readonly (readonly [number, TableDefinition])[];
  /** Names of tables whose shape is invalid (they exist, but are not checked further). */
  readonly uncheckedTableNames: ReadonlySet<string>;
  /** Upgrade steps whose shape is valid, with their index in `migrations`. */
  readonly steps: readonly (readonly [number, MigrationStep])[];
}

const PLACEHOLDER_SHORT_ID = '00000000';

/**
 * Validates a module's database declaration and returns the {@link ValidatedModuleDefinition}
 * that the planner consumes. Every problem is reported, each with its path
 * (`tables[2].columns[0].type`) and a stable code, not only the first one found.
 *
 * Beyond the zod shape: the module id is a UUID (normalised to lower-case dashed form); names
 * follow the identifier rules (63 bytes after the `mod_<id>_` prefix under the prefix strategy)
 * and are unique; types are parsed against the allow-list; `default`, `check`, index `where` and
 * policy `using`/`withCheck` are compiled by the PostgreSQL parser; keys, foreign keys and
 * policies follow module isolation. The platform's `site_id` column is always added (declaring
 * it is refused), and its `id` primary key when no column declares one and no column is named
 * `id`.
 *
 * Codes: `definition_too_large` (see {@link DEFINITION_LIMITS}, checked first), zod's
 * (`invalid_type`, `invalid_value`, `too_small`, ...), `unknown_key`,
 * `invalid_version`, `rls_required`, `invalid_module_id`, `tables_not_allowed`, `no_tables`,
 * `invalid_identifier`, `reserved_word`, `reserved_prefix`, `identifier_too_long`,
 * `duplicate_name`, the SQL parser's codes (`type_not_allowed`, ...), `missing_primary_key`,
 * `multiple_primary_keys`, `nullable_primary_key`, `reserved_column` (a declared `site_id`,
 * or a migration step naming it; see `RESERVED_COLUMN_NAMES`), `system_column`,
 * `invalid_site_id` (a foreign key from `site_id`), `unknown_column`,
 * `unique_index_method`, `unknown_table`, `foreign_key_not_allowed`,
 * `foreign_key_target_not_unique`, `foreign_key_type_mismatch`, `duplicate_foreign_key`,
 * `set_null_on_not_null`, `site_reference`, `blocking_platform_reference`,
 * `reserved_policy_name`, `policy_roles_not_allowed`, `missing_policy_expression`,
 * `policy_using_not_allowed`, `policy_with_check_not_allowed`.
 *
 * @example
 * ```ts
 * const definition = await validateModuleDefinition(crmModule);
 * definition.strategy; // 'schema'
 * definition.tables[0].columns.map((c) => c.name); // ['id', 'site_id', 'first_name', ...]
 * ```
 *
 * @throws {DefinitionValidationError} With every issue found, when the definition is invalid.
 */
export async function validateModuleDefinition(input: unknown): Promise<ValidatedModuleDefinition> {
  // Size first, before anything walks the input: a huge definition is refused in milliseconds.
  const tooLarge = checkDefinitionSize(input);
  if (tooLarge) throw new DefinitionValidationError([tooLarge]);
  await loadSqlParser();
  const issues = new IssueCollector();
  const parsed = ModuleDatabaseConfigSchema.safeParse(input);
  let parts: Parts;
  if (parsed.success) {
    parts = partsOf(parsed.data);
  } else {
    issues.addAll(zodIssuesToDefinitionIssues(parsed.error.issues, input));
    parts = salvageParts(withoutUnknownKeys(input, parsed.error.issues));
  }

  // Module-level rules.
  let moduleId: string | undefined;
  if (parts.moduleId !== undefined) {
    try {
      moduleId = normalizeModuleId(parts.moduleId);
    } catch (error) {
      if (!isModuleNamingError(error)) throw error;
      issues.add('moduleId', 'invalid_module_id', error.message);
    }
  }
  const shortId = moduleId === undefined ? undefined : generateModuleShortId(moduleId);
  const { strategy, tableCount } = parts;
  if (strategy === 'shared' && tableCount !== undefined && tableCount > 0) {
    issues.add(
      'tables',
      'tables_not_allowed',
      'A module with the "shared" strategy stores its data as rows in public.module_data and declares no tables: remove "tables", or choose the "prefix" or "schema" strategy.',
    );
  } else if (strategy !== undefined && strategy !== 'shared' && tableCount === 0) {
    issues.add(
      'tables',
      'no_tables',
      `A module with the "${strategy}" strategy must declare at least one table (only "shared" modules declare none).`,
    );
  }

  // Tables, then the foreign keys between them.
  const relationPrefix = strategy === 'prefix' ? `mod_${shortId ?? PLACEHOLDER_SHORT_ID}_` : '';
  const relationNames = new Map<string, string>();
  const checked = parts.tables.map(([index, table]) =>
    checkTable(table, index, { issues, relationPrefix, relationNames }),
  );
  const tablesByName = new Map<string, CheckedTable>();
  for (const table of checked) {
    if (!tablesByName.has(table.definition.name)) tablesByName.set(table.definition.name, table);
  }
  const foreignKeys = checked.map((table) =>
    checkForeignKeys(table, {
      issues,
      ownSchema: shortId === undefined ? undefined : getModuleSchemaName(shortId),
      tables: tablesByName,
      uncheckedTableNames: parts.uncheckedTableNames,
    }),
  );
  checkMigrationSteps(parts.steps, issues);

  const collections = checkWidgetCollections(
    parsed.success ? parsed.data.collections : undefined,
    strategy,
    issues,
  );

  if (
    issues.size > 0 ||
    !parsed.success ||
    moduleId === undefined ||
    shortId === undefined ||
    strategy === undefined
  ) {
    throw new DefinitionValidationError(issues.list());
  }

  const tables: ValidatedTable[] = checked.map((table, i) => ({
    name: table.definition.name,
    columns: table.columns.map(toValidatedColumn),
    primaryKey: table.primaryKey,
    uniqueColumns: table.uniqueColumns,
    checks: table.checks,
    indexes: table.indexes,
    foreignKeys: foreignKeys[i] ?? [],
    policies: table.policies,
    hasUpdatedAt: table.hasUpdatedAt,
    visitors: table.visitors,
  }));
  return markValidated(
    deepFreeze({
      moduleId,
      shortId,
      moduleType: parsed.data.moduleType,
      version: parsed.data.version,
      strategy,
      tables,
      collections,
      source: parsed.data,
    }),
  );
}

/**
 * Like {@link validateModuleDefinition}, but returns the outcome instead of throwing on an
 * invalid definition.
 *
 * @example
 * ```ts
 * const result = await safeValidateModuleDefinition(input);
 * if (result.success) plan(result.definition);
 * else for (const issue of result.error.issues) console.log(issue.path, issue.code);
 * ```
 *
 * @throws Only unexpected errors (a bug, or the SQL parser failing to load); an invalid
 * definition is returned as `{ success: false, error }`.
 */
export async function safeValidateModuleDefinition(input: unknown): Promise<SafeValidateResult> {
  try {
    return { success: true, definition: await validateModuleDefinition(input) };
  } catch (error) {
    if (error instanceof DefinitionValidationError) return { success: false, error };
    throw error;
  }
}

function partsOf(config: ModuleDatabaseConfig): Parts {
  return {
    moduleId: config.moduleId,
    moduleType: config.moduleType,
    strategy: resolveStrategy(config),
    tableCount: config.tables.length,
    tables: config.tables.map((table, index) => [index, table] as const),
    uncheckedTableNames: new Set(),
    steps: (config.migrations ?? []).map((step, index) => [index, step] as const),
  };
}

/**
 * A copy of `input` without the keys zod reported as unknown, so that a typo such as
 * `nullabel` does not hide the other problems of its table. The input itself is not touched.
 */
function withoutUnknownKeys(input: unknown, zodIssues: readonly z.core.$ZodIssue[]): unknown {
  const unknownKeys = zodIssues.filter((i) => i.code === 'unrecognized_keys');
  if (unknownKeys.length === 0) return input;
  let copy: unknown;
  try {
    copy = structuredClone(input);
  } catch {
    return input;
  }
  for (const issue of unknownKeys) {
    let target: unknown = copy;
    for (const key of issue.path) {
      target =
        typeof target === 'object' && target !== null
          ? (target as Record<PropertyKey, unknown>)[key]
          : undefined;
    }
    if (typeof target === 'object' && target !== null) {
      for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
    }
  }
  return copy;
}

/**
 * When the shape is invalid somewhere, still check what can be checked: the module-level
 * fields that are valid on their own, and every table whose own shape is valid. This is what
 * lets one run report a typo in one table and a bad type in another.
 */
function salvageParts(input: unknown): Parts {
  const record =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  const moduleId = typeof record.moduleId === 'string' ? record.moduleId : undefined;
  const moduleType = (MODULE_TYPES as readonly unknown[]).includes(record.moduleType)
    ? (record.moduleType as ModuleType)
    : undefined;
  const override = record.strategy;
  const strategy =
    override !== undefined
      ? (ISOLATION_STRATEGIES as readonly unknown[]).includes(override)
        ? (override as IsolationStrategy)
        : undefined
      : moduleType === undefined
        ? undefined
        : resolveStrategy({ moduleType });
  const rawTables = Array.isArray(record.tables) ? (record.tables as unknown[]) : undefined;
  const tables: (readonly [number, TableDefinition])[] = [];
  const uncheckedTableNames = new Set<string>();
  rawTables?.forEach((raw, index) => {
    const table = TableDefinitionSchema.safeParse(raw);
    if (table.success) {
      tables.push([index, table.data]);
    } else {
      const name = (raw as { name?: unknown } | null)?.name;
      if (typeof name === 'string') uncheckedTableNames.add(name);
    }
  });
  const steps: (readonly [number, MigrationStep])[] = [];
  if (Array.isArray(record.migrations)) {
    (record.migrations as unknown[]).forEach((raw, index) => {
      const step = MigrationStepSchema.safeParse(raw);
      if (step.success) steps.push([index, step.data]);
    });
  }
  return {
    moduleId,
    moduleType,
    strategy,
    tableCount: rawTables?.length,
    tables,
    uncheckedTableNames,
    steps,
  };
}
