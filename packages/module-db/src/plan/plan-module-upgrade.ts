import { getModuleTableName } from '@dramac/module-naming';
import { type RawBuilder, sql } from 'kysely';
import type { MigrationStep } from '../definition/migration-step';
import type {
  ValidatedColumn,
  ValidatedIndex,
  ValidatedModuleDefinition,
  ValidatedTable,
} from '../definition/validated-definition';
import { ConflictError, type DefinitionIssue, DefinitionValidationError } from '../errors';
import { columnTypeSql, formatColumnType, isColumnTypeEqual } from '../sql/column-type';
import { ddlCompiler } from '../sql/ddl-compiler';
import { compileExpression } from '../sql/sql-expression';
import { SqlInputError } from '../sql/sql-parser';
import type { ModuleObject, ModulePlan } from './module-plan';
import { planModuleDatabase } from './plan-module-database';
import type { PlanOptions } from './plan-options';
import type { PlannedStatement, PlanStepKind } from './planned-statement';
import { compareSemver } from './semver';

/** How a change is applied: automatically, only because a step declares it, or not at all. */
export type ChangeClass = 'additive' | 'declared' | 'destructive';

/** One difference between the installed and the new definition. */
export interface ModuleChange {
  readonly class: ChangeClass;
  /** What changes, e.g. `add_table`, `add_column`, `drop_column`, `alter_type`, `add_index`. */
  readonly kind: string;
  /** The declared table name (the new one after a rename). */
  readonly table: string;
  readonly object?: string;
  readonly description: string;
}

/** The plan of an upgrade: classified changes and the statements that apply them. */
export interface ModuleUpgradePlan {
  readonly moduleId: string;
  readonly shortId: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly strategy: ModulePlan['strategy'];
  readonly schema: string;
  readonly role: string;
  readonly adminRole: string | null;
  readonly changes: readonly ModuleChange[];
  /** Destructive changes the new definition does not declare: the upgrade cannot run while any remain. */
  readonly refused: readonly ModuleChange[];
  readonly statements: readonly PlannedStatement[];
  /** Every table after the upgrade, `schema.table`. */
  readonly tables: readonly string[];
  /** Tables the upgrade creates (checked empty after it runs). */
  readonly newTables: readonly string[];
  /** The objects of the new version, as a fresh install would create them. */
  readonly objects: readonly ModuleObject[];
}

type Phase = 'rename' | 'drop' | 'columns' | 'create' | 'last';

function compile(
  kind: PlanStepKind,
  target: string,
  description: string,
  query: RawBuilder<unknown>,
): PlannedStatement {
  const compiled = query.compile(ddlCompiler);
  if (compiled.parameters.length > 0)
    throw new Error(`internal: bind parameters in ${compiled.sql}`);
  return Object.freeze({
    kind,
    target,
    description,
    sql: compiled.sql,
    parameters: Object.freeze([]),
  });
}

function sameIndex(
  a: ValidatedIndex,
  b: ValidatedIndex,
  renames: ReadonlyMap<string, string>,
): boolean {
  return (
    a.unique === b.unique &&
    a.method === b.method &&
    a.columns.map((c) => renames.get(c) ?? c).join() === b.columns.join() &&
    (a.where?.canonical ?? '') === (b.where?.canonical ?? '')
  );
}

function defaultOf(c: ValidatedColumn | undefined): string {
  return c?.default?.canonical ?? '';
}

/**
 * Plans the upgrade of an installed module to a newer version: diffs the two definitions, classifies
 * every change (`additive` applies automatically; `declared` applies because the new definition
 * lists it in `migrations`; `destructive` is refused), and compiles the statements. Pure: nothing
 * touches a database. Derived names (indexes, constraints, triggers) follow table and column renames
 * so the result matches a fresh install exactly (no drift).
 *
 * @example
 * const upgrade = planModuleUpgrade(installedV1, v2);
 * upgrade.refused; // [] when every destructive change is declared
 * console.log(renderUpgradePlan(upgrade));
 * @throws ConflictError when the new version is not newer or the module id or strategy differs;
 * DefinitionValidationError when a declared step names something that does not exist or its
 * expression is refused.
 */
export function planModuleUpgrade(
  installed: ValidatedModuleDefinition,
  next: ValidatedModuleDefinition,
  options: PlanOptions = {},
): ModuleUpgradePlan {
  if (installed.moduleId !== next.moduleId) {
    throw new ConflictError(
      `cannot upgrade module ${installed.moduleId} with a definition of ${next.moduleId}`,
    );
  }
  const order = compareSemver(next.version, installed.version);
  if (order <= 0) {
    throw new ConflictError(
      order === 0
        ? `module ${next.moduleId} is installed at version ${installed.version}: a changed definition needs a new version`
        : `module ${next.moduleId} is installed at version ${installed.version}: ${next.version} would be a downgrade`,
    );
  }
  if (installed.strategy !== next.strategy) {
    throw new ConflictError(
      `the isolation strategy cannot change (${installed.strategy} -> ${next.strategy})`,
    );
  }
  const oldPlan = planModuleDatabase(installed, options);
  const newPlan = planModuleDatabase(next, options);
  const steps = ((next.source as { migrations?: MigrationStep[] }).migrations ??
    []) as readonly MigrationStep[];
  const issues: DefinitionIssue[] = [];
  const changes: ModuleChange[] = [];
  const phases: Record<Phase, PlannedStatement[]> = {
    rename: [],
    drop: [],
    columns: [],
    create: [],
    last: [],
  };
  const { shortId, strategy } = next;
  const physical = (name: string) =>
    getModuleTableName(shortId, name, strategy === 'schema' ? 'schema' : 'prefix');
  const ref = (name: string) => {
    const p = physical(name);
    return sql.id(p.schema, p.table);
  };
  const change = (c: ModuleChange) => changes.push(Object.freeze(c));

  // Declared renames, checked against both definitions.
  const tableRenames = new Map<string, string>(); // new -> old
  const columnRenames = new Map<string, Map<string, string>>(); // new table -> (old col -> new col)
  const oldTables = new Map(installed.tables.map((t) => [t.name, t]));
  const newTables = new Map(next.tables.map((t) => [t.name, t]));
  steps.forEach((step, i) => {
    const path = `migrations[${i}]`;
    if (step.kind === 'renameTable') {
      if (
        !oldTables.has(step.from) ||
        !newTables.has(step.to) ||
        oldTables.has(step.to) ||
        newTables.has(step.from)
      ) {
        issues.push({
          path,
          code: 'invalid_migration_step',
          message: `renameTable ${step.from} -> ${step.to}: "${step.from}" must exist only in the installed version and "${step.to}" only in the new one`,
        });
      } else tableRenames.set(step.to, step.from);
    }
  });
  const oldNameOf = (table: string) => tableRenames.get(table) ?? table;
  steps.forEach((step, i) => {
    if (step.kind !== 'renameColumn') return;
    const oldTable = oldTables.get(oldNameOf(step.table));
    const newTable = newTables.get(step.table);
    const ok =
      oldTable?.columns.some((c) => c.name === step.from) &&
      newTable?.columns.some((c) => c.name === step.to) &&
      !oldTable.columns.some((c) => c.name === step.to) &&
      !newTable.columns.some((c) => c.name === step.from);
    if (!ok) {
      issues.push({
        path: `migrations[${i}]`,
        code: 'invalid_migration_step',
        message: `renameColumn ${step.table}.${step.from} -> ${step.to}: the column must exist under the old name before and the new name after`,
      });
      return;
    }
    const map = columnRenames.get(step.table) ?? new Map<string, string>();
    map.set(step.from, step.to);
    columnRenames.set(step.table, map);
  });
  const stepFor = <K extends MigrationStep['kind']>(kind: K, table: string, column?: string) =>
    steps.find(
      (s): s is Extract<MigrationStep, { kind: K }> =>
        s.kind === kind &&
        ('table' in s ? s.table === table : true) &&
        (column === undefined || ('column' in s && s.column === column)),
    );
  const expression = (text: string, table: ValidatedTable, path: string) => {
    try {
      return compileExpression(text, {
        context: 'check',
        columns: new Set(table.columns.map((c) => c.name)),
      });
    } catch (error) {
      issues.push({
        path,
        code: error instanceof SqlInputError ? error.code : 'invalid_expression',
        message: (error as Error).message,
      });
      return undefined;
    }
  };

  // Objects of both versions, keyed by (table, key) with old keys carried through the renames.
  const oldObjects = new Map<string, ModuleObject>();
  const tableOfQualified = new Map(
    installed.tables.map((t) => [physical(t.name).qualified, t.name]),
  );
  const newNameOfOld = new Map([...tableRenames].map(([n, o]) => [o, n]));
  for (const o of oldPlan.objects) {
    const oldTable = tableOfQualified.get(o.table) ?? '';
    const newTable = newNameOfOld.get(oldTable) ?? oldTable;
    const renames = columnRenames.get(newTable);
    let key = o.key;
    if (renames) {
      key = key.replace(
        /^(unique|check|foreign_key):(.+)$/,
        (_, t: string, c: string) => `${t}:${renames.get(c) ?? c}`,
      );
      key = key.replace(
        /^index:(\w+)\((.*)\)$/,
        (_, m: string, cols: string) =>
          `index:${m}(${cols
            .split(',')
            .map((c) => renames.get(c) ?? c)
            .join(',')})`,
      );
    }
    oldObjects.set(`${newTable}|${key}`, o);
  }
  const newStatementsByKey = new Map<string, PlannedStatement>();
  for (const s of newPlan.statements)
    if (s.objectKey) newStatementsByKey.set(`${s.target}|${s.objectKey}`, s);

  for (const table of next.tables) {
    const oldName = oldNameOf(table.name);
    const old = oldTables.get(oldName);
    const target = physical(table.name).qualified;
    if (!old) {
      change({
        class: 'additive',
        kind: 'add_table',
        table: table.name,
        description: `new table ${table.name}`,
      });
      for (const s of newPlan.statements) {
        if (s.target !== target || s.kind === 'add_foreign_key') continue;
        phases.create.push(s);
      }
      for (const s of newPlan.statements)
        if (s.target === target && s.kind === 'add_foreign_key') phases.last.push(s);
      continue;
    }
    const tref = ref(table.name);
    if (oldName !== table.name) {
      change({
        class: 'declared',
        kind: 'rename_table',
        table: table.name,
        description: `rename table ${oldName} to ${table.name}`,
      });
      phases.rename.push(
        compile(
          'rename',
          target,
          `rename table ${oldName} to ${table.name}`,
          sql`alter table ${ref(oldName)} rename to ${sql.id(physical(table.name).table)}`,
        ),
      );
    }
    const renames = columnRenames.get(table.name) ?? new Map<string, string>();
    for (const [from, to] of renames) {
      change({
        class: 'declared',
        kind: 'rename_column',
        table: table.name,
        object: to,
        description: `rename ${table.name}.${from} to ${to}`,
      });
      phases.rename.push(
        compile(
          'rename',
          target,
          `rename column ${from} to ${to}`,
          sql`alter table ${tref} rename column ${sql.id(from)} to ${sql.id(to)}`,
        ),
      );
    }
    const oldColumns = new Map(old.columns.map((c) => [renames.get(c.name) ?? c.name, c]));

    for (const column of table.columns) {
      const before = oldColumns.get(column.name);
      const col = sql.id(column.name);
      if (!before) {
        const backfill = stepFor('backfill', table.name, column.name);
        if (column.nullable || column.default) {
          change({
            class: 'additive',
            kind: 'add_column',
            table: table.name,
            object: column.name,
            description: `new column ${table.name}.${column.name}`,
          });
          const def = column.default ? sql` default ${column.default.expression}` : sql``;
          const notNull = column.nullable ? sql`` : sql` not null`;
          phases.columns.push(
            compile(
              'add_column',
              target,
              `add column ${column.name}`,
              sql`alter table ${tref} add column ${col} ${columnTypeSql(column.type)}${def}${notNull}`,
            ),
          );
        } else if (backfill) {
          const value = expression(
            backfill.value,
            table,
            `migrations[${steps.indexOf(backfill)}].value`,
          );
          change({
            class: 'declared',
            kind: 'add_column',
            table: table.name,
            object: column.name,
            description: `new NOT NULL column ${table.name}.${column.name}, backfilled`,
          });
          if (value) {
            phases.columns.push(
              compile(
                'add_column',
                target,
                `add column ${column.name} (nullable until backfilled)`,
                sql`alter table ${tref} add column ${col} ${columnTypeSql(column.type)}`,
              ),
              compile(
                'backfill',
                target,
                `backfill ${column.name}`,
                sql`update ${tref} set ${col} = ${value.expression} where ${col} is null`,
              ),
              compile(
                'alter_column',
                target,
                `${column.name} becomes NOT NULL`,
                sql`alter table ${tref} alter column ${col} set not null`,
              ),
            );
          }
        } else {
          change({
            class: 'destructive',
            kind: 'add_column',
            table: table.name,
            object: column.name,
            description: `new NOT NULL column ${table.name}.${column.name} without a default: declare a backfill step or give it a default`,
          });
        }
        continue;
      }
      if (!isColumnTypeEqual(before.type, column.type)) {
        const step = stepFor('alterType', table.name, column.name);
        if (step) {
          const using = step.using
            ? expression(
                step.using,
                {
                  ...table,
                  columns: old.columns.map((c) => ({ ...c, name: renames.get(c.name) ?? c.name })),
                },
                `migrations[${steps.indexOf(step)}].using`,
              )
            : undefined;
          change({
            class: 'declared',
            kind: 'alter_type',
            table: table.name,
            object: column.name,
            description: `${table.name}.${column.name}: ${formatColumnType(before.type)} -> ${formatColumnType(column.type)}`,
          });
          const usingSql = using ? sql` using ${using.expression}` : sql``;
          phases.columns.push(
            compile(
              'alter_column',
              target,
              `change the type of ${column.name}`,
              sql`alter table ${tref} alter column ${col} type ${columnTypeSql(column.type)}${usingSql}`,
            ),
          );
        } else {
          change({
            class: 'destructive',
            kind: 'alter_type',
            table: table.name,
            object: column.name,
            description: `${table.name}.${column.name} changes type ${formatColumnType(before.type)} -> ${formatColumnType(column.type)}: declare an alterType step`,
          });
        }
      }
      if (before.nullable && !column.nullable) {
        const notNull = stepFor('setNotNull', table.name, column.name);
        const backfill = stepFor('backfill', table.name, column.name);
        if (notNull || backfill) {
          change({
            class: 'declared',
            kind: 'set_not_null',
            table: table.name,
            object: column.name,
            description: `${table.name}.${column.name} becomes NOT NULL`,
          });
          const value = backfill
            ? expression(backfill.value, table, `migrations[${steps.indexOf(backfill)}].value`)
            : undefined;
          if (value)
            phases.columns.push(
              compile(
                'backfill',
                target,
                `backfill ${column.name}`,
                sql`update ${tref} set ${col} = ${value.expression} where ${col} is null`,
              ),
            );
          phases.columns.push(
            compile(
              'alter_column',
              target,
              `${column.name} becomes NOT NULL`,
              sql`alter table ${tref} alter column ${col} set not null`,
            ),
          );
        } else {
          change({
            class: 'destructive',
            kind: 'set_not_null',
            table: table.name,
            object: column.name,
            description: `${table.name}.${column.name} becomes NOT NULL: declare a setNotNull or backfill step`,
          });
        }
      } else if (!before.nullable && column.nullable) {
        change({
          class: 'additive',
          kind: 'drop_not_null',
          table: table.name,
          object: column.name,
          description: `${table.name}.${column.name} becomes nullable`,
        });
        phases.columns.push(
          compile(
            'alter_column',
            target,
            `${column.name} becomes nullable`,
            sql`alter table ${tref} alter column ${col} drop not null`,
          ),
        );
      }
      if (defaultOf(before) !== defaultOf(column)) {
        change({
          class: 'additive',
          kind: 'alter_default',
          table: table.name,
          object: column.name,
          description: `${table.name}.${column.name}: new default`,
        });
        phases.columns.push(
          column.default
            ? compile(
                'alter_column',
                target,
                `new default for ${column.name}`,
                sql`alter table ${tref} alter column ${col} set default ${column.default.expression}`,
              )
            : compile(
                'alter_column',
                target,
                `no default for ${column.name}`,
                sql`alter table ${tref} alter column ${col} drop default`,
              ),
        );
      }
    }
    for (const [name] of oldColumns) {
      if (table.columns.some((c) => c.name === name)) continue;
      const oldColumnName = [...renames].find(([, to]) => to === name)?.[0] ?? name;
      if (
        stepFor('dropColumn', table.name, oldColumnName) ??
        stepFor('dropColumn', table.name, name)
      ) {
        change({
          class: 'declared',
          kind: 'drop_column',
          table: table.name,
          object: name,
          description: `drop ${table.name}.${name} and its data`,
        });
        phases.drop.push(
          compile(
            'drop_column',
            target,
            `drop column ${name}`,
            sql`alter table ${tref} drop column ${sql.id(name)}`,
          ),
        );
      } else {
        change({
          class: 'destructive',
          kind: 'drop_column',
          table: table.name,
          object: name,
          description: `${table.name}.${name} would be dropped with its data: declare a dropColumn step`,
        });
      }
    }
    if (old.primaryKey.map((c) => renames.get(c) ?? c).join() !== table.primaryKey.join()) {
      change({
        class: 'destructive',
        kind: 'change_primary_key',
        table: table.name,
        description: `${table.name}: the primary key cannot change`,
      });
    }
  }

  // Constraints, indexes, policies, triggers, foreign keys of tables that exist in both versions.
  const existing = new Set(
    next.tables.filter((t) => oldTables.has(oldNameOf(t.name))).map((t) => t.name),
  );
  const newObjects = new Map(newPlan.objects.map((o) => [`${tableOfNew(o.table)}|${o.key}`, o]));
  function tableOfNew(qualified: string): string {
    return next.tables.find((t) => physical(t.name).qualified === qualified)?.name ?? '';
  }
  for (const [k, o] of newObjects) {
    const [tableName = '', key = ''] = k.split('|');
    if (!existing.has(tableName) || o.type === 'table') continue;
    const table = newTables.get(tableName) as ValidatedTable;
    const old = oldTables.get(oldNameOf(tableName)) as ValidatedTable;
    const renames = columnRenames.get(tableName) ?? new Map<string, string>();
    const before = oldObjects.get(k);
    const target = physical(tableName).qualified;
    const tref = ref(tableName);
    const column = key.includes(':') ? key.slice(key.indexOf(':') + 1) : '';
    const isNewColumn = !old.columns.some((c) => (renames.get(c.name) ?? c.name) === column);
    // Is the object the same thing as before (then at most a rename)?
    let same = before !== undefined;
    if (before && o.type === 'index') {
      const ni = table.indexes.find(
        (i) => `index:${i.name ?? `${i.method}(${i.columns.join(',')})`}` === key,
      );
      const oi = old.indexes.find((i) =>
        oldPlan.objects.some(
          (x) =>
            x.name === before.name &&
            x.key === `index:${i.name ?? `${i.method}(${i.columns.join(',')})`}`,
        ),
      );
      same = !!ni && !!oi && sameIndex(oi, ni, renames);
    } else if (before && o.type === 'check') {
      const nc = table.checks.find((c) => c.column === column)?.expression.canonical;
      const oc = old.checks.find((c) => (renames.get(c.column) ?? c.column) === column)?.expression
        .canonical;
      // A renamed column changes the canonical text; compare with the column name swapped back.
      same =
        nc !== undefined &&
        (nc === oc ||
          [...renames].some(([from, to]) => oc?.replaceAll(`"${from}"`, `"${to}"`) === nc));
    } else if (before && o.type === 'policy') {
      const np = table.policies.find((p) => `policy:${p.name}` === key);
      const op = old.policies.find((p) => `policy:${p.name}` === key);
      same =
        !np ||
        (!!op &&
          np.action === op.action &&
          (np.using?.canonical ?? '') === (op.using?.canonical ?? '') &&
          (np.withCheck?.canonical ?? '') === (op.withCheck?.canonical ?? ''));
    } else if (before && o.type === 'foreign_key' && column !== 'site_id') {
      const nf = table.foreignKeys.find((f) => f.column === column);
      const of = old.foreignKeys.find((f) => (renames.get(f.column) ?? f.column) === column);
      same =
        !!nf &&
        !!of &&
        JSON.stringify({ ...nf, column: '' }) === JSON.stringify({ ...of, column: '' });
    }
    if (same && before) {
      if (before.name !== o.name) {
        phases.rename.push(
          renameObject(
            o.type,
            target,
            tref,
            before.name,
            o.name,
            next.strategy === 'schema' ? physical(tableName).schema : 'public',
          ),
        );
      }
      continue;
    }
    if (before) {
      phases.drop.push(dropObject(o.type, target, tref, before.name, physical(tableName).schema));
    }
    const description = `${before ? 'changed' : 'new'} ${o.type.replace('_', ' ')} ${o.name} on ${tableName}`;
    if (o.type === 'unique' || o.type === 'check') {
      const declared = stepFor('addConstraint', tableName, column);
      const newColumnIsSafe =
        isNewColumn &&
        (o.type === 'check' ||
          (table.columns.find((c) => c.name === column)?.nullable &&
            !table.columns.find((c) => c.name === column)?.default));
      const klass: ChangeClass = newColumnIsSafe
        ? 'additive'
        : declared
          ? 'declared'
          : 'destructive';
      change({
        class: klass,
        kind: `add_${o.type}`,
        table: tableName,
        object: o.name,
        description:
          klass === 'destructive'
            ? `${description}: existing rows may break it; declare an addConstraint step`
            : description,
      });
      if (klass !== 'destructive') {
        const addition =
          o.type === 'unique'
            ? sql`alter table ${tref} add constraint ${sql.id(o.name)} unique (${sql.id('site_id')}, ${sql.id(column)})`
            : sql`alter table ${tref} add constraint ${sql.id(o.name)} check (${table.checks.find((c) => c.column === column)?.expression.expression ?? sql`true`})`;
        phases.create.push(compile('add_constraint', target, description, addition));
      }
      continue;
    }
    const statement = newStatementsByKey.get(`${target}|${key}`);
    change({
      class: 'additive',
      kind: `add_${o.type}`,
      table: tableName,
      object: o.name,
      description,
    });
    if (statement) (o.type === 'foreign_key' ? phases.last : phases.create).push(statement);
  }
  for (const [k, o] of oldObjects) {
    const [tableName = ''] = k.split('|');
    if (!existing.has(tableName) || newObjects.has(k) || o.type === 'table') continue;
    const tref = ref(tableName);
    change({
      class: 'additive',
      kind: `drop_${o.type}`,
      table: tableName,
      object: o.name,
      description: `${o.type.replace('_', ' ')} ${o.name} on ${tableName} is gone`,
    });
    // A dropped column takes its constraints and indexes with it.
    const column = o.key.includes(':') ? o.key.slice(o.key.indexOf(':') + 1) : '';
    const newTable = newTables.get(tableName);
    if (
      (o.type === 'unique' || o.type === 'check' || o.type === 'foreign_key') &&
      newTable &&
      !newTable.columns.some((c) => c.name === column)
    )
      continue;
    phases.drop.unshift(
      dropObject(o.type, physical(tableName).qualified, tref, o.name, physical(tableName).schema),
    );
  }

  // Tables gone from the new version.
  for (const old of installed.tables) {
    if ([...newTables.keys()].some((n) => oldNameOf(n) === old.name)) continue;
    if (stepFor('dropTable', old.name)) {
      change({
        class: 'declared',
        kind: 'drop_table',
        table: old.name,
        description: `drop table ${old.name} and its data`,
      });
      phases.last.push(
        compile(
          'drop_table',
          physical(old.name).qualified,
          `drop table ${old.name}`,
          sql`drop table ${ref(old.name)}`,
        ),
      );
    } else {
      change({
        class: 'destructive',
        kind: 'drop_table',
        table: old.name,
        description: `table ${old.name} would be dropped with its data: declare a dropTable step`,
      });
    }
  }

  if (issues.length > 0) throw new DefinitionValidationError(issues);
  const refused = changes.filter((c) => c.class === 'destructive');
  const added = next.tables
    .filter((t) => !oldTables.has(oldNameOf(t.name)))
    .map((t) => physical(t.name).qualified);
  return Object.freeze({
    moduleId: next.moduleId,
    shortId,
    fromVersion: installed.version,
    toVersion: next.version,
    strategy,
    schema: newPlan.schema,
    role: newPlan.role,
    adminRole: newPlan.adminRole,
    changes: Object.freeze(changes),
    refused: Object.freeze(refused),
    statements: Object.freeze([
      ...phases.rename,
      ...phases.drop,
      ...phases.columns,
      ...phases.create,
      ...phases.last,
    ]),
    tables: newPlan.tables,
    newTables: Object.freeze(added),
    objects: newPlan.objects,
  });
}

function renameObject(
  type: ModuleObject['type'],
  target: string,
  tref: RawBuilder<unknown>,
  from: string,
  to: string,
  schema: string,
): PlannedStatement {
  const description = `rename ${type.replace('_', ' ')} ${from} to ${to}`;
  switch (type) {
    case 'index':
      return compile(
        'rename',
        target,
        description,
        sql`alter index ${sql.id(schema, from)} rename to ${sql.id(to)}`,
      );
    case 'trigger':
      return compile(
        'rename',
        target,
        description,
        sql`alter trigger ${sql.id(from)} on ${tref} rename to ${sql.id(to)}`,
      );
    case 'policy':
      return compile(
        'rename',
        target,
        description,
        sql`alter policy ${sql.id(from)} on ${tref} rename to ${sql.id(to)}`,
      );
    default:
      // Renaming a primary key or unique constraint renames its index too.
      return compile(
        'rename',
        target,
        description,
        sql`alter table ${tref} rename constraint ${sql.id(from)} to ${sql.id(to)}`,
      );
  }
}

function dropObject(
  type: ModuleObject['type'],
  target: string,
  tref: RawBuilder<unknown>,
  name: string,
  schema: string,
): PlannedStatement {
  const description = `drop ${type.replace('_', ' ')} ${name}`;
  switch (type) {
    case 'index':
      return compile('drop_index', target, description, sql`drop index ${sql.id(schema, name)}`);
    case 'trigger':
      return compile(
        'drop_trigger',
        target,
        description,
        sql`drop trigger ${sql.id(name)} on ${tref}`,
      );
    case 'policy':
      return compile(
        'drop_policy',
        target,
        description,
        sql`drop policy ${sql.id(name)} on ${tref}`,
      );
    default:
      return compile(
        'drop_constraint',
        target,
        description,
        sql`alter table ${tref} drop constraint ${sql.id(name)}`,
      );
  }
}

/**
 * Renders an upgrade plan for review: each change with its class, then the SQL.
 *
 * @example
 * console.log(renderUpgradePlan(planModuleUpgrade(v1, v2)));
 */
export function renderUpgradePlan(plan: ModuleUpgradePlan): string {
  const lines = [
    `-- Upgrade of module ${plan.moduleId} from ${plan.fromVersion} to ${plan.toVersion}`,
    ...plan.changes.map((c) => `--   [${c.class}] ${c.description}`),
  ];
  if (plan.refused.length > 0)
    lines.push(
      `-- REFUSED: ${plan.refused.length} undeclared destructive change(s); nothing will run`,
    );
  lines.push('begin;');
  plan.statements.forEach((s, i) => {
    lines.push('', `-- ${i + 1}. ${s.description}`, `${s.sql};`);
  });
  lines.push('', 'commit;');
  return `${lines.join('\n')}\n`;
}
