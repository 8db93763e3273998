import { type ColumnType, parseColumnType } from '../sql/column-type';
import { type CompiledExpression, compileExpression } from '../sql/sql-expression';
import type { ColumnDefinition } from './column-definition';
import type { IssueCollector } from './issue-collector';
import { reservedColumnMessage, reservedColumnName } from './reserved-column-names';
import type { TableDefinition } from './table-definition';
import type {
  PolicyAction,
  ValidatedCheck,
  ValidatedColumn,
  ValidatedIndex,
  ValidatedPolicy,
} from './validated-definition';
import { checkVisitorAccess, type ValidatedVisitorAccess } from './visitor-access';

/**
 * What the table pass hands to the foreign-key pass and to the output. Internal.
 *
 * @example
 * ```ts
 * const checked: CheckedTable = checkTable(table, 0, context);
 * checked.columnsByName.get('id')?.addedBy; // 'platform'
 * ```
 *
 * @throws Never; this is a type.
 */
export interface CheckedTable {
  /** Index of the table in `tables`, for paths. */
  readonly index: number;
  readonly definition: TableDefinition;
  /** Every column, platform ones first; `type` is undefined when it did not parse. */
  readonly columns: readonly CheckedColumn[];
  readonly columnsByName: ReadonlyMap<string, CheckedColumn>;
  readonly primaryKey: readonly string[];
  readonly uniqueColumns: readonly string[];
  readonly checks: readonly ValidatedCheck[];
  readonly indexes: readonly ValidatedIndex[];
  readonly policies: readonly ValidatedPolicy[];
  readonly hasUpdatedAt: boolean;
  readonly visitors: ValidatedVisitorAccess | null;
}

/**
 * A column as far as it could be checked (its `type` is undefined when it did not parse).
 * Internal.
 *
 * @example
 * ```ts
 * const column: CheckedColumn = { name: 'body', type: parseColumnType('text'), nullable: false };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface CheckedColumn {
  readonly name: string;
  readonly type: ColumnType | undefined;
  readonly nullable: boolean;
  readonly default?: CompiledExpression | undefined;
  readonly addedBy?: 'platform';
}

/**
 * Module-wide facts the table pass needs. Internal.
 *
 * @example
 * ```ts
 * const context: TableCheckContext = { issues, relationPrefix: 'mod_a1b2c3d4_', relationNames: new Map() };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface TableCheckContext {
  readonly issues: IssueCollector;
  /** `mod_<id>_` under the prefix strategy (the 63-byte limit counts it), else `''`. */
  readonly relationPrefix: string;
  /**
   * Relation names (tables and named indexes) seen so far in the module: they share one
   * namespace in PostgreSQL. Maps the name to the path where it was first declared.
   */
  readonly relationNames: Map<string, string>;
}

const NO_COLUMNS: ReadonlySet<string> = new Set();
// PostgreSQL's system columns: a table cannot declare them (CREATE TABLE fails with 42701), so
// they are refused here rather than when the plan is applied.
const SYSTEM_COLUMNS: ReadonlySet<string> = new Set([
  'tableoid',
  'xmin',
  'cmin',
  'xmax',
  'cmax',
  'ctid',
]);
const TIMESTAMP_BASES: ReadonlySet<string> = new Set([
  'timestamptz',
  'timestamp',
  'timestamp with time zone',
  'timestamp without time zone',
]);
/** PostgreSQL: `WITH CHECK` is meaningless for SELECT and DELETE, `USING` for INSERT. */
const NO_WITH_CHECK: ReadonlySet<PolicyAction> = new Set(['SELECT', 'DELETE']);
const NO_USING: ReadonlySet<PolicyAction> = new Set(['INSERT']);

let platformColumns: readonly [CheckedColumn, CheckedColumn] | undefined;

/**
 * The columns the platform adds: `id uuid not null default gen_random_uuid()` (the primary key)
 * and `site_id uuid not null`. Built lazily: the SQL parser must be loaded first.
 */
function getPlatformColumns(): readonly [CheckedColumn, CheckedColumn] {
  platformColumns ??= Object.freeze([
    Object.freeze({
      name: 'id',
      type: parseColumnType('uuid'),
      nullable: false,
      default: compileExpression('gen_random_uuid()', { context: 'default', columns: NO_COLUMNS }),
      addedBy: 'platform' as const,
    }),
    Object.freeze({
      name: 'site_id',
      type: parseColumnType('uuid'),
      nullable: false,
      addedBy: 'platform' as const,
    }),
  ]);
  return platformColumns;
}

/**
 * Checks one table's own parts (name, columns, keys, checks, indexes, policies); foreign keys
 * need every table and are checked afterwards. Every problem is added to `context.issues`.
 *
 * Primary key: when no column declares `primaryKey`, the platform adds `id uuid not null
 * default gen_random_uuid()` as the first column, unless a column named `id` exists: then the
 * table is refused (`missing_primary_key`) rather than guessing whether that `id` was meant to
 * be the key. One primary-key column per table: the data API addresses rows by it.
 *
 * `site_id`: always added by the platform (`uuid not null`); a declared column named `site_id`
 * (in any letter case) is refused (`reserved_column`, see `RESERVED_COLUMN_NAMES`).
 *
 * @example
 * ```ts
 * await loadSqlParser();
 * const checked = checkTable(table, 0, { issues, relationPrefix: '', relationNames: new Map() });
 * if (issues.size > 0) throw new DefinitionValidationError(issues.list());
 * ```
 *
 * @throws {Error} Only when the SQL parser is not loaded (`await loadSqlParser()` first);
 * problems with the table are added to `context.issues`.
 */
export function checkTable(
  table: TableDefinition,
  index: number,
  context: TableCheckContext,
): CheckedTable {
  const { issues } = context;
  const path = `tables[${index}]`;

  if (issues.identifier(table.name, 'table', `${path}.name`, context.relationPrefix)) {
    claimRelationName(context, table.name, `${path}.name`, 'Table');
  }

  // Names first: checks, indexes and policies may reference any column, including platform ones.
  const declared = table.columns;
  // A declared reserved column is refused below and otherwise ignored (not a key, not a name):
  // the platform's own column is the one checks, indexes and policies see.
  const reserved = declared.map((c) => reservedColumnName(c.name));
  const pkIndexes = declared.flatMap((c, i) =>
    c.primaryKey === true && reserved[i] === undefined ? [i] : [],
  );
  const idIndex = declared.findIndex((c) => c.name === 'id');
  const addId = pkIndexes.length === 0 && idIndex === -1;
  const [platformId, platformSiteId] = getPlatformColumns();
  const allNames = new Set<string>([
    ...(addId ? ['id'] : []),
    'site_id',
    ...declared.flatMap((c, ci) => (reserved[ci] === undefined ? [c.name] : [])),
  ]);

  if (pkIndexes.length === 0 && idIndex !== -1) {
    issues.add(
      `${path}.columns[${idIndex}]`,
      'missing_primary_key',
      `Table "${table.name}" declares a column "id" but no primary key: declare primaryKey on id or on another column.`,
    );
  }
  for (const extra of pkIndexes.slice(1)) {
    issues.add(
      `${path}.columns[${extra}].primaryKey`,
      'multiple_primary_keys',
      `Table "${table.name}" declares more than one primary-key column; declare one, and a unique index for other unique combinations.`,
    );
  }

  const columns: CheckedColumn[] = [];
  if (addId) columns.push(platformId);
  columns.push(platformSiteId);
  const checks: ValidatedCheck[] = [];
  const uniqueColumns: string[] = [];
  const firstSeen = new Map<string, number>();
  declared.forEach((column, ci) => {
    const cpath = `${path}.columns[${ci}]`;
    const reservedName = reserved[ci];
    if (reservedName !== undefined) {
      issues.add(
        `${cpath}.name`,
        'reserved_column',
        reservedColumnMessage(column.name, reservedName, table.name),
      );
      return;
    }
    issues.identifier(column.name, 'column', `${cpath}.name`);
    if (SYSTEM_COLUMNS.has(column.name)) {
      issues.add(
        `${cpath}.name`,
        'system_column',
        `Column "${column.name}" is a PostgreSQL system column name; choose another name.`,
      );
    }
    const first = firstSeen.get(column.name);
    if (first !== undefined) {
      issues.add(
        `${cpath}.name`,
        'duplicate_name',
        `Column "${column.name}" is declared twice in table "${table.name}" (first at columns[${first}]).`,
      );
    } else {
      firstSeen.set(column.name, ci);
    }
    const checked = checkColumn(column, cpath, issues);
    columns.push(checked);
    if (column.check !== undefined) {
      const expression = issues.attempt(
        `${cpath}.check`,
        () => compileExpression(column.check as string, { context: 'check', columns: allNames }),
        `Check of column "${column.name}"`,
      );
      if (expression !== undefined) checks.push({ column: column.name, expression });
    }
    if (column.unique === true && column.primaryKey !== true) {
      uniqueColumns.push(column.name);
    }
  });

  const columnsByName = new Map<string, CheckedColumn>();
  for (const column of columns) {
    if (!columnsByName.has(column.name)) columnsByName.set(column.name, column);
  }
  const firstPk = pkIndexes[0];
  const primaryKey =
    firstPk !== undefined ? [(declared[firstPk] as ColumnDefinition).name] : addId ? ['id'] : [];
  const updatedAt = columnsByName.get('updated_at');

  return {
    index,
    definition: table,
    columns,
    columnsByName,
    primaryKey,
    uniqueColumns,
    checks,
    indexes: checkIndexes(table, path, allNames, context),
    policies: checkPolicies(table, path, allNames, issues),
    hasUpdatedAt:
      updatedAt?.type !== undefined &&
      !updatedAt.type.array &&
      TIMESTAMP_BASES.has(updatedAt.type.base),
    visitors: checkVisitorAccess(table.visitors, columns, path, issues),
  };
}

function checkColumn(
  column: ColumnDefinition,
  path: string,
  issues: IssueCollector,
): CheckedColumn {
  const type = issues.attempt(
    `${path}.type`,
    () => parseColumnType(column.type),
    `Type ${JSON.stringify(column.type)} of column "${column.name}"`,
  );
  const compiledDefault =
    column.default === undefined
      ? undefined
      : issues.attempt(
          `${path}.default`,
          () =>
            compileExpression(column.default as string, {
              context: 'default',
              columns: NO_COLUMNS,
            }),
          `Default of column "${column.name}"`,
        );
  const nullable = column.nullable === true;
  if (column.primaryKey === true && nullable) {
    issues.add(
      `${path}.nullable`,
      'nullable_primary_key',
      `Column "${column.name}" is the primary key and cannot be nullable.`,
    );
  }
  return {
    name: column.name,
    type,
    nullable,
    ...(compiledDefault === undefined ? {} : { default: compiledDefault }),
  };
}

function checkIndexes(
  table: TableDefinition,
  path: string,
  allNames: ReadonlySet<string>,
  context: TableCheckContext,
): ValidatedIndex[] {
  const { issues } = context;
  return (table.indexes ?? []).map((index, ii) => {
    const ipath = `${path}.indexes[${ii}]`;
    // Index names share the relation namespace of the tables: under the prefix strategy they
    // live in `public` next to every other module's objects, so the prefix counts here too.
    if (
      index.name !== undefined &&
      issues.identifier(index.name, 'index', `${ipath}.name`, context.relationPrefix)
    ) {
      claimRelationName(context, index.name, `${ipath}.name`, 'Index');
    }
    const seen = new Set<string>();
    index.columns.forEach((column, ci) => {
      if (!allNames.has(column)) {
        issues.add(
          `${ipath}.columns[${ci}]`,
          'unknown_column',
          `Index column "${column}" is not a column of table "${table.name}".`,
        );
      } else if (seen.has(column)) {
        issues.add(
          `${ipath}.columns[${ci}]`,
          'duplicate_name',
          `Column "${column}" appears twice in the index.`,
        );
      }
      seen.add(column);
    });
    const method = index.using ?? 'btree';
    const unique = index.unique === true;
    if (unique && method !== 'btree') {
      issues.add(
        `${ipath}.using`,
        'unique_index_method',
        `Unique indexes must use btree (PostgreSQL supports uniqueness only there), not ${method}.`,
      );
    }
    const where =
      index.where === undefined
        ? undefined
        : issues.attempt(
            `${ipath}.where`,
            () =>
              compileExpression(index.where as string, {
                context: 'index_where',
                columns: allNames,
              }),
            'Index predicate',
          );
    return {
      ...(index.name === undefined ? {} : { name: index.name }),
      columns: [...index.columns],
      unique,
      method,
      ...(where === undefined ? {} : { where }),
    };
  });
}

function checkPolicies(
  table: TableDefinition,
  path: string,
  allNames: ReadonlySet<string>,
  issues: IssueCollector,
): ValidatedPolicy[] {
  const firstSeen = new Map<string, number>();
  return (table.rlsPolicies ?? []).map((policy, pi) => {
    const ppath = `${path}.rlsPolicies[${pi}]`;
    issues.identifier(policy.name, 'policy', `${ppath}.name`);
    if (policy.name.startsWith('dramac_')) {
      issues.add(
        `${ppath}.name`,
        'reserved_policy_name',
        `Policy names starting with "dramac_" belong to the platform (its site, owner and admin policies): rename "${policy.name}".`,
      );
    }
    const first = firstSeen.get(policy.name);
    if (first !== undefined) {
      issues.add(
        `${ppath}.name`,
        'duplicate_name',
        `Policy "${policy.name}" is declared twice on table "${table.name}" (first at rlsPolicies[${first}]).`,
      );
    } else {
      firstSeen.set(policy.name, pi);
    }
    if (policy.roles !== undefined) {
      issues.add(
        `${ppath}.roles`,
        'policy_roles_not_allowed',
        'Module policies cannot name roles: they always apply to the module\'s own role and are added AS RESTRICTIVE (they narrow the platform\'s site policy). Remove "roles".',
      );
    }
    if (policy.using === undefined && policy.withCheck === undefined) {
      issues.add(
        ppath,
        'missing_policy_expression',
        `Policy "${policy.name}" needs "using" or "withCheck" (or both).`,
      );
    }
    let using: CompiledExpression | undefined;
    if (policy.using !== undefined) {
      if (NO_USING.has(policy.action)) {
        issues.add(
          `${ppath}.using`,
          'policy_using_not_allowed',
          `An ${policy.action} policy cannot have "using" (PostgreSQL only checks new rows on insert): use "withCheck".`,
        );
      } else {
        using = issues.attempt(
          `${ppath}.using`,
          () =>
            compileExpression(policy.using as string, {
              context: 'policy_using',
              columns: allNames,
            }),
          `"using" of policy "${policy.name}"`,
        );
      }
    }
    let withCheck: CompiledExpression | undefined;
    if (policy.withCheck !== undefined) {
      if (NO_WITH_CHECK.has(policy.action)) {
        issues.add(
          `${ppath}.withCheck`,
          'policy_with_check_not_allowed',
          `A ${policy.action} policy cannot have "withCheck" (PostgreSQL writes no new rows for ${policy.action}): use "using".`,
        );
      } else {
        withCheck = issues.attempt(
          `${ppath}.withCheck`,
          () =>
            compileExpression(policy.withCheck as string, {
              context: 'policy_with_check',
              columns: allNames,
            }),
          `"withCheck" of policy "${policy.name}"`,
        );
      }
    }
    return {
      name: policy.name,
      action: policy.action,
      ...(using === undefined ? {} : { using }),
      ...(withCheck === undefined ? {} : { withCheck }),
    };
  });
}

function claimRelationName(
  context: TableCheckContext,
  name: string,
  path: string,
  label: string,
): void {
  const first = context.relationNames.get(name);
  if (first !== undefined) {
    context.issues.add(
      path,
      'duplicate_name',
      `${label} name "${name}" is already used in this module (at ${first}); tables and indexes share one namespace.`,
    );
  } else {
    context.relationNames.set(name, path);
  }
}

/**
 * A checked column as the output type wants it. Only call it when no issue was found (the type
 * parsed).
 *
 * @example
 * ```ts
 * const columns = checked.columns.map(toValidatedColumn);
 * ```
 *
 * @throws Never.
 */
export function toValidatedColumn(column: CheckedColumn): ValidatedColumn {
  return {
    name: column.name,
    type: column.type as ColumnType,
    nullable: column.nullable,
    ...(column.default === undefined ? {} : { default: column.default }),
    ...(column.addedBy === undefined ? {} : { addedBy: column.addedBy }),
  };
}
