import { sql } from 'kysely';
import type { PlannedStatement } from '../plan/planned-statement';
import type { CompiledExpression } from '../sql/sql-expression';
import {
  addConstraintStatement,
  columnGrantStatement,
  columnGrantStatements,
  createIndexStatement,
  createPolicyStatement,
  createTableStatement,
  createTriggerStatement,
  deferredConstraints,
  dropConstraintStatement,
  dropIndexStatement,
  dropPolicyStatement,
  dropTriggerStatement,
  expressionSql,
  grantStatements,
  qualified,
  revokeStatement,
  rowSecurityStatements,
  statement,
  tableRef,
  typeSql,
} from './compile-statements';
import type {
  CollectionFieldState,
  CollectionState,
  ColumnGrantState,
  ColumnState,
  ConstraintState,
  GrantState,
  IndexState,
  ModuleState,
  PolicyState,
  TableState,
  TriggerState,
} from './module-state';

/** How a change is applied: automatically, only because a step declares it, or not at all. */
export type ChangeClass = 'additive' | 'declared' | 'destructive';

/**
 * One difference between two states of a module, with what it locks.
 *
 * @example
 * // { class: 'additive', kind: 'add_index', table: 'deals', object: 'idx_deals_site_id_stage',
 * //   lock: 'SHARE on deals while the index builds (writes wait)', description: 'new index ...' }
 */
export interface ModuleChange {
  readonly class: ChangeClass;
  /** What changes, e.g. `add_table`, `add_column`, `drop_column`, `alter_type`, `add_index`. */
  readonly kind: string;
  /** The declared table name (the new one after a rename). */
  readonly table: string;
  readonly object?: string;
  readonly description: string;
  /** The lock the change takes on the table and for how long, when it takes one worth knowing. */
  readonly lock?: string;
}

/** A change with the statements that apply it. Internal to the planners. */
export interface PlannedChange extends ModuleChange {
  readonly phase: Phase;
  readonly statements: readonly PlannedStatement[];
}

/**
 * When statements run: renames first, then foreign keys that go, other drops, column changes,
 * creations, and foreign keys last (every table they reference exists by then).
 */
export type Phase = 'rename' | 'drop_fk' | 'drop' | 'columns' | 'create' | 'last';
const PHASES: readonly Phase[] = ['rename', 'drop_fk', 'drop', 'columns', 'create', 'last'];

/** Declared migration steps, resolved against both definitions (expressions compiled). */
export type ResolvedStep =
  | { readonly kind: 'renameTable'; readonly from: string; readonly to: string }
  | {
      readonly kind: 'renameColumn';
      readonly table: string;
      readonly from: string;
      readonly to: string;
    }
  | { readonly kind: 'dropTable'; readonly table: string }
  | { readonly kind: 'dropColumn'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'alterType';
      readonly table: string;
      readonly column: string;
      readonly using?: CompiledExpression;
    }
  | {
      readonly kind: 'backfill';
      readonly table: string;
      readonly column: string;
      readonly value: CompiledExpression;
    }
  | { readonly kind: 'setNotNull'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'addConstraint';
      readonly table: string;
      readonly column: string;
      readonly constraint: 'unique' | 'check';
    }
  | { readonly kind: 'dropCollection'; readonly collection: string }
  | { readonly kind: 'dropField'; readonly collection: string; readonly field: string }
  | { readonly kind: 'alterField'; readonly collection: string; readonly field: string };

/** Options of {@link diffModuleStates}. */
export interface DiffOptions {
  /** Declared migration steps (upgrades). Without them every destructive change is refused. */
  readonly steps?: readonly ResolvedStep[];
  /**
   * Whether an expression of the `from` state is the same as one of the `to` state. Default: the
   * same text once renamed columns are renamed back. Drift and repair compare catalog texts with
   * what was recorded at install time instead.
   */
  readonly sameExpression?: (
    table: TableState,
    object: string,
    from: string | undefined,
    to: string | undefined,
  ) => boolean;
  /** Column order for new tables (declared order); default: the state's order. */
  readonly columnOrder?: (table: TableState) => readonly string[];
  /**
   * Repair only: a primary key that differs is rebuilt (with the foreign keys that reference it)
   * instead of being refused.
   */
  readonly allowPrimaryKeyChange?: boolean;
  /**
   * Repair only: changes that lose data (a column or table the definition does not have, a type
   * or NOT NULL the definition wants) get their statements too. They stay `destructive`: the
   * caller decides whether to run them.
   */
  readonly repair?: boolean;
}

/** Facts about the whole module that one table's diff needs. */
interface ModuleContext {
  /** Old physical table name -> new physical table name, for renamed tables. */
  readonly tableRenames: ReadonlyMap<string, string>;
  /** Physical names (new) of tables whose primary key is rebuilt. */
  readonly rebuiltKeys: ReadonlySet<string>;
}

const LOCKS = {
  rewrite: 'ACCESS EXCLUSIVE on the table while every row is rewritten (reads and writes wait)',
  scan: 'ACCESS EXCLUSIVE on the table while every row is checked (reads and writes wait)',
  brief: 'ACCESS EXCLUSIVE on the table for a catalog change only (brief)',
  index: 'SHARE on the table while the index builds (writes wait, reads go on)',
  foreignKey:
    'SHARE ROW EXCLUSIVE on both tables while existing rows are checked (writes wait, reads go on)',
  renameIndex: 'SHARE UPDATE EXCLUSIVE on the index (brief)',
  none: undefined,
} as const;

/**
 * The one diff between two states of a module's database: classified changes in the order they
 * apply, each with its statements. `from = null` is a fresh install. An object that did not change
 * never appears; an object whose name changed but whose definition did not is renamed, not
 * dropped and recreated.
 *
 * @example
 * const changes = diffModuleStates(desiredModuleState(v1), desiredModuleState(v2), { steps });
 * changes.filter((c) => c.class === 'destructive'); // refused unless declared
 * @throws never; problems are changes of class `destructive`.
 */
export function diffModuleStates(
  from: ModuleState | null,
  to: ModuleState,
  options: DiffOptions = {},
): PlannedChange[] {
  const out: PlannedChange[] = [];
  const steps = options.steps ?? [];
  const renamedFrom = new Map<string, string>(); // new key -> old key
  for (const s of steps) if (s.kind === 'renameTable') renamedFrom.set(s.to, s.from);
  const oldTables = new Map((from?.tables ?? []).map((t) => [t.key, t]));
  const matched = new Set<string>();
  const tableRenames = new Map<string, string>();
  const rebuiltKeys = new Set<string>();
  for (const table of to.tables) {
    const old = oldTables.get(renamedFrom.get(table.key) ?? table.key);
    if (!old) continue;
    if (old.name !== table.name) tableRenames.set(old.name, table.name);
    const oldPk = old.constraints.find((c) => c.type === 'p');
    const newPk = table.constraints.find((c) => c.type === 'p');
    if (
      options.allowPrimaryKeyChange &&
      oldPk &&
      newPk &&
      oldPk.columns.join() !== newPk.columns.join()
    ) {
      rebuiltKeys.add(table.name);
    }
  }
  const module: ModuleContext = { tableRenames, rebuiltKeys };

  for (const table of to.tables) {
    const oldKey = renamedFrom.get(table.key) ?? table.key;
    const old = from ? oldTables.get(oldKey) : undefined;
    if (!old) {
      out.push(...addTable(table, options));
      continue;
    }
    matched.add(old.key);
    out.push(...diffTable(old, table, steps, options, module));
  }
  for (const old of from?.tables ?? []) {
    if (matched.has(old.key)) continue;
    const declared = steps.some((s) => s.kind === 'dropTable' && s.table === old.key);
    out.push(
      declared
        ? change(
            'declared',
            'drop_table',
            old.key,
            'last',
            `drop table ${old.key} and its data`,
            [
              statement(
                'drop_table',
                qualified(old),
                `drop table ${old.key}`,
                sql`drop table ${tableRef(old)}`,
              ),
            ],
            undefined,
            LOCKS.brief,
          )
        : change(
            'destructive',
            'drop_table',
            old.key,
            'last',
            options.repair
              ? `table ${old.key} is not part of the definition: dropping it loses its data`
              : `table ${old.key} would be dropped with its data: declare a dropTable step`,
            options.repair
              ? [
                  statement(
                    'drop_table',
                    qualified(old),
                    `drop table ${old.key}`,
                    sql`drop table ${tableRef(old)}`,
                  ),
                ]
              : [],
          ),
    );
  }
  if (to.strategy === 'shared')
    out.push(...diffCollections(from?.collections ?? [], to.collections ?? [], steps));
  return PHASES.flatMap((phase) => out.filter((c) => c.phase === phase));
}

/**
 * Widgets' item shapes. No statement: the platform writes the shapes from the desired state and
 * checks every stored item against them in the same transaction. Adding a collection, an optional
 * field, widening a bound and changing what visitors reach are additive; removing a collection or a
 * field, changing a field's type, narrowing it or making it required are destructive unless a
 * step declares them (`dropCollection`, `dropField`, `alterField`).
 */
function diffCollections(
  before: readonly CollectionState[],
  after: readonly CollectionState[],
  steps: readonly ResolvedStep[],
): PlannedChange[] {
  const out: PlannedChange[] = [];
  const had = new Map(before.map((c) => [c.name, c]));
  const declared = (kind: ResolvedStep['kind'], collection: string, field?: string) =>
    steps.some(
      (s) =>
        s.kind === kind &&
        'collection' in s &&
        s.collection === collection &&
        (field === undefined || ('field' in s && s.field === field)),
    );
  const add = (
    cls: ChangeClass,
    kind: string,
    collection: string,
    description: string,
    object?: string,
  ) => out.push(change(cls, kind, collection, 'create', description, [], object));
  for (const c of after) {
    const old = had.get(c.name);
    if (!old) {
      add('additive', 'add_collection', c.name, `new widget collection ${c.name}`);
      continue;
    }
    for (const [name, field] of Object.entries(c.fields)) {
      const was = old.fields[name];
      if (!was) {
        if (field.optional) {
          add('additive', 'add_field', c.name, `new optional field ${c.name}.${name}`, name);
        } else {
          add(
            'destructive',
            'add_field',
            c.name,
            `${c.name}.${name} is new and required: existing items do not have it (make it optional)`,
            name,
          );
        }
        continue;
      }
      if (JSON.stringify(was) === JSON.stringify(field)) continue;
      const widened = widens(was, field);
      const isDeclared = declared('alterField', c.name, name);
      add(
        widened ? 'additive' : isDeclared ? 'declared' : 'destructive',
        'alter_field',
        c.name,
        widened
          ? `${c.name}.${name} accepts more than before`
          : isDeclared
            ? `${c.name}.${name} changes: every existing item is checked against the new shape`
            : `${c.name}.${name} changes in a way existing items may not fit: declare an alterField step`,
        name,
      );
    }
    for (const name of Object.keys(old.fields)) {
      if (name in c.fields) continue;
      const isDeclared = declared('dropField', c.name, name);
      add(
        isDeclared ? 'declared' : 'destructive',
        'drop_field',
        c.name,
        isDeclared
          ? `remove ${c.name}.${name} from every item`
          : `${c.name}.${name} would be removed from every item: declare a dropField step`,
        name,
      );
    }
    const same = (a: readonly string[] | null, b: readonly string[] | null) =>
      (a ?? []).join() === (b ?? []).join();
    if (!same(old.visitorRead, c.visitorRead) || !same(old.visitorInsert, c.visitorInsert)) {
      add(
        'additive',
        'visitor_access',
        c.name,
        `what visitors read and insert in ${c.name} changes`,
      );
    }
  }
  for (const old of before) {
    if (after.some((c) => c.name === old.name)) continue;
    const isDeclared = declared('dropCollection', old.name);
    add(
      isDeclared ? 'declared' : 'destructive',
      'drop_collection',
      old.name,
      isDeclared
        ? `drop widget collection ${old.name} and its items`
        : `widget collection ${old.name} would be dropped with its items: declare a dropCollection step`,
    );
  }
  return out;
}

/** True when every value `was` accepts, `now` accepts too (same type, looser or equal bounds). */
function widens(was: CollectionFieldState, now: CollectionFieldState): boolean {
  if (was.type !== now.type) return false;
  if (was.optional && !now.optional) return false;
  if (was.nullable && !now.nullable) return false;
  const lower = (a?: number, b?: number) => b === undefined || (a !== undefined && b <= a);
  const upper = (a?: number, b?: number) => b === undefined || (a !== undefined && b >= a);
  if (!lower(was.minLength, now.minLength) || !upper(was.maxLength, now.maxLength)) return false;
  if (!lower(was.minimum, now.minimum) || !upper(was.maximum, now.maximum)) return false;
  if (now.enum && !was.enum?.every((v) => now.enum?.includes(v))) return false;
  return true;
}

function change(
  klass: ChangeClass,
  kind: string,
  table: string,
  phase: Phase,
  description: string,
  statements: readonly PlannedStatement[],
  object?: string,
  lock?: string,
): PlannedChange {
  return Object.freeze({
    class: klass,
    kind,
    table,
    ...(object !== undefined ? { object } : {}),
    description,
    ...(lock !== undefined ? { lock } : {}),
    phase,
    statements: Object.freeze([...statements]),
  });
}

/** A new table: created with everything it needs; its foreign keys once every table exists. */
function addTable(table: TableState, options: DiffOptions): PlannedChange[] {
  const order = options.columnOrder?.(table) ?? table.columns.map((c) => c.name);
  const statements: PlannedStatement[] = [
    createTableStatement(table, order),
    ...grantStatements(table, table.grants),
    ...columnGrantStatements(table, table.columnGrants),
    ...rowSecurityStatements(table),
    // The platform's policies first (site, owner, admin), then the module's own.
    ...[...table.policies]
      .sort((a, b) => policyRank(a) - policyRank(b))
      .map((p) => createPolicyStatement(table, p)),
    ...table.triggers.map((t) => createTriggerStatement(table, t)),
    ...table.indexes
      .filter((i) => i.constraint === null)
      .map((i) =>
        createIndexStatement(
          table,
          i,
          i.key?.startsWith('fk_index:') ? `index ${i.name} for the foreign key` : undefined,
        ),
      ),
  ];
  const fks = deferredConstraints(table);
  return [
    change('additive', 'add_table', table.key, 'create', `new table ${table.key}`, statements),
    ...fks.map((fk) =>
      change(
        'additive',
        'add_foreign_key',
        table.key,
        'last',
        `new foreign key ${fk.name} on ${table.key}`,
        [addConstraintStatement(table, fk, foreignKeyDescription(table, fk))],
        fk.name,
      ),
    ),
  ];
}

const PLATFORM_POLICY_ORDER = [
  'dramac_site_isolation',
  'dramac_owner_access',
  'dramac_admin_access',
  'dramac_visitor_read',
  'dramac_visitor_insert',
];
function policyRank(p: PolicyState): number {
  const i = PLATFORM_POLICY_ORDER.indexOf(p.name);
  return i < 0 ? PLATFORM_POLICY_ORDER.length : i;
}

function foreignKeyDescription(table: TableState, fk: ConstraintState): string {
  const ref = fk.references;
  const column = fk.columns[fk.columns.length - 1];
  return ref && fk.columns[0] === 'site_id' && fk.columns.length === 2
    ? `${table.key}.${column} -> ${ref.table}.${ref.columns[1]} within the same site`
    : `${table.key}.${column} -> ${ref?.schema}.${ref?.table}.${ref?.columns[0]}`;
}

/** Text of an expression with renamed columns renamed (old name -> new name). */
function renameColumnsIn(text: string | undefined, renames: ReadonlyMap<string, string>) {
  if (text === undefined) return undefined;
  let out = text;
  for (const [from, to] of renames) out = out.replaceAll(`"${from}"`, `"${to}"`);
  return out;
}

function diffTable(
  old: TableState,
  table: TableState,
  steps: readonly ResolvedStep[],
  options: DiffOptions,
  module: ModuleContext,
): PlannedChange[] {
  const out: PlannedChange[] = [];
  const key = table.key;
  const stepFor = <K extends ResolvedStep['kind']>(kind: K, column?: string) =>
    steps.find(
      (s): s is Extract<ResolvedStep, { kind: K }> =>
        s.kind === kind &&
        'table' in s &&
        s.table === key &&
        (column === undefined || ('column' in s && s.column === column)),
    );
  const same =
    options.sameExpression ??
    ((_t: TableState, _o: string, a: string | undefined, b: string | undefined) => a === b);
  if (old.name !== table.name) {
    out.push(
      change(
        'declared',
        'rename_table',
        key,
        'rename',
        `rename table ${old.key} to ${key}`,
        [
          statement(
            'rename',
            qualified(table),
            `rename table ${old.key} to ${key}`,
            sql`alter table ${tableRef(old)} rename to ${sql.id(table.name)}`,
          ),
        ],
        undefined,
        LOCKS.brief,
      ),
    );
  }
  const renames = new Map<string, string>(); // old column -> new column
  for (const s of steps) {
    if (s.kind !== 'renameColumn' || s.table !== key) continue;
    renames.set(s.from, s.to);
    out.push(
      change(
        'declared',
        'rename_column',
        key,
        'rename',
        `rename ${key}.${s.from} to ${s.to}`,
        [
          statement(
            'rename',
            qualified(table),
            `rename column ${s.from} to ${s.to}`,
            sql`alter table ${tableRef(table)} rename column ${sql.id(s.from)} to ${sql.id(s.to)}`,
          ),
        ],
        s.to,
        LOCKS.brief,
      ),
    );
  }
  const rename = (c: string) => renames.get(c) ?? c;
  const oldColumns = new Map(old.columns.map((c) => [rename(c.name), c]));
  const newColumns = new Set(table.columns.map((c) => c.name));
  out.push(...diffColumns(table, oldColumns, stepFor, renames, same, options.repair === true));
  // Column drops come after the drops of objects that use the column (a policy would block it).
  const columnDrops: PlannedChange[] = [];
  for (const [name] of oldColumns) {
    if (newColumns.has(name)) continue;
    const original = [...renames].find(([, to]) => to === name)?.[0] ?? name;
    const declared = stepFor('dropColumn', original) ?? stepFor('dropColumn', name);
    columnDrops.push(
      declared
        ? change(
            'declared',
            'drop_column',
            key,
            'drop',
            `drop ${key}.${name} and its data`,
            [
              statement(
                'drop_column',
                qualified(table),
                `drop column ${name}`,
                sql`alter table ${tableRef(table)} drop column ${sql.id(name)}`,
              ),
            ],
            name,
            LOCKS.brief,
          )
        : change(
            'destructive',
            'drop_column',
            key,
            'drop',
            options.repair
              ? `${key}.${name} is not part of the definition: dropping it loses its data`
              : `${key}.${name} would be dropped with its data: declare a dropColumn step`,
            options.repair
              ? [
                  statement(
                    'drop_column',
                    qualified(table),
                    `drop column ${name}`,
                    sql`alter table ${tableRef(table)} drop column ${sql.id(name)}`,
                  ),
                ]
              : [],
            name,
          ),
    );
  }
  const droppedColumns = new Set([...oldColumns.keys()].filter((c) => !newColumns.has(c)));
  const addedColumns = new Set([...newColumns].filter((c) => !oldColumns.has(c)));

  const oldPk = old.constraints.find((c) => c.type === 'p');
  const newPk = table.constraints.find((c) => c.type === 'p');
  if (module.rebuiltKeys.has(table.name) && oldPk && newPk) {
    out.push(
      change(
        'declared',
        'rebuild_primary_key',
        key,
        'drop',
        `${key}: primary key ${oldPk.columns.join(', ')} -> ${newPk.columns.join(', ')}`,
        [dropConstraintStatement(table, oldPk.name)],
        oldPk.name,
        LOCKS.brief,
      ),
      change(
        'declared',
        'rebuild_primary_key',
        key,
        'create',
        `${key}: primary key (${newPk.columns.join(', ')})`,
        [
          addConstraintStatement(
            table,
            newPk,
            `primary key ${newPk.name} (${newPk.columns.join(', ')})`,
          ),
        ],
        newPk.name,
        LOCKS.rewrite,
      ),
    );
  } else if (!oldPk && newPk) {
    out.push(
      change(
        'additive',
        'add_constraint',
        key,
        'create',
        `${key}: primary key ${newPk.name} (${newPk.columns.join(', ')})`,
        [
          addConstraintStatement(
            table,
            newPk,
            `primary key ${newPk.name} (${newPk.columns.join(', ')})`,
          ),
        ],
        newPk.name,
        LOCKS.rewrite,
      ),
    );
  } else if (oldPk && newPk && oldPk.columns.map(rename).join() === newPk.columns.join()) {
    // Derived names follow a renamed table: the primary key (and its index) is renamed with it.
    if (oldPk.name !== newPk.name) out.push(renameChange(table, 'constraint', oldPk.name, newPk));
  } else if (oldPk && newPk && oldPk.columns.map(rename).join() !== newPk.columns.join()) {
    out.push(
      change(
        'destructive',
        'change_primary_key',
        key,
        'create',
        `${key}: the primary key cannot change (${oldPk.columns.join(', ')} -> ${newPk.columns.join(', ')})`,
        [],
      ),
    );
  }

  const context: ObjectContext = {
    old,
    table,
    module,
    renames,
    droppedColumns,
    addedColumns,
    same,
    out,
    stepFor: (kind, column) => stepFor(kind as never, column) as ResolvedStep | undefined,
  };
  diffObjects(
    context,
    'constraint',
    old.constraints.filter((c) => c.type !== 'p'),
    table.constraints.filter((c) => c.type !== 'p'),
  );
  diffObjects(
    context,
    'index',
    old.indexes.filter((i) => i.constraint === null),
    table.indexes.filter((i) => i.constraint === null),
  );
  diffObjects(context, 'policy', old.policies, table.policies);
  diffObjects(context, 'trigger', old.triggers, table.triggers);
  out.push(...diffGrants(table, old.grants, table.grants));
  // Column privileges follow a renamed column and go with a dropped one.
  out.push(
    ...diffColumnGrants(
      table,
      old.columnGrants
        .map((g) => ({ ...g, column: rename(g.column) }))
        .filter((g) => !droppedColumns.has(g.column)),
      table.columnGrants,
    ),
  );
  out.push(...columnDrops);
  return out;
}

type StepLookup = (kind: ResolvedStep['kind'], column?: string) => ResolvedStep | undefined;

function diffColumns(
  table: TableState,
  oldColumns: ReadonlyMap<string, ColumnState>,
  stepFor: <K extends ResolvedStep['kind']>(
    kind: K,
    column?: string,
  ) => Extract<ResolvedStep, { kind: K }> | undefined,
  renames: ReadonlyMap<string, string>,
  same: NonNullable<DiffOptions['sameExpression']>,
  repair: boolean,
): PlannedChange[] {
  const out: PlannedChange[] = [];
  const key = table.key;
  for (const column of table.columns) {
    const before = oldColumns.get(column.name);
    const col = sql.id(column.name);
    const tref = tableRef(table);
    const target = qualified(table);
    if (!before) {
      const backfill = stepFor('backfill', column.name);
      if (!column.notNull || column.hasDefault) {
        const def =
          column.default !== undefined ? sql` default ${expressionSql(column.default)}` : sql``;
        const notNull = column.notNull ? sql` not null` : sql``;
        // A volatile default (gen_random_uuid(), clock_timestamp()) is computed per row: rewrite.
        const volatile =
          column.default !== undefined && /random|clock_timestamp/.test(column.default);
        out.push(
          change(
            'additive',
            'add_column',
            key,
            'columns',
            `new column ${key}.${column.name}`,
            [
              statement(
                'add_column',
                target,
                `add column ${column.name}`,
                sql`alter table ${tref} add column ${col} ${typeSql(column.type)}${def}${notNull}`,
              ),
            ],
            column.name,
            volatile ? LOCKS.rewrite : LOCKS.brief,
          ),
        );
      } else if (backfill) {
        out.push(
          change(
            'declared',
            'add_column',
            key,
            'columns',
            `new NOT NULL column ${key}.${column.name}, backfilled`,
            [
              statement(
                'add_column',
                target,
                `add column ${column.name} (nullable until backfilled)`,
                sql`alter table ${tref} add column ${col} ${typeSql(column.type)}`,
              ),
              statement(
                'backfill',
                target,
                `backfill ${column.name}`,
                sql`update ${tref} set ${col} = ${backfill.value.expression} where ${col} is null`,
              ),
              statement(
                'alter_column',
                target,
                `${column.name} becomes NOT NULL`,
                sql`alter table ${tref} alter column ${col} set not null`,
              ),
            ],
            column.name,
            LOCKS.scan,
          ),
        );
      } else {
        out.push(
          change(
            'destructive',
            'add_column',
            key,
            'columns',
            `new NOT NULL column ${key}.${column.name} without a default: declare a backfill step or give it a default`,
            [],
            column.name,
          ),
        );
      }
      continue;
    }
    if (before.type !== column.type) {
      const step = stepFor('alterType', column.name);
      out.push(
        step
          ? change(
              'declared',
              'alter_type',
              key,
              'columns',
              `${key}.${column.name}: ${before.type} -> ${column.type}`,
              [
                statement(
                  'alter_column',
                  target,
                  `change the type of ${column.name}`,
                  sql`alter table ${tref} alter column ${col} type ${typeSql(column.type)}${step.using ? sql` using ${step.using.expression}` : sql``}`,
                ),
              ],
              column.name,
              LOCKS.rewrite,
            )
          : change(
              'destructive',
              'alter_type',
              key,
              'columns',
              repair
                ? `${key}.${column.name} is ${before.type}, the definition says ${column.type}: converting may fail or lose data`
                : `${key}.${column.name} changes type ${before.type} -> ${column.type}: declare an alterType step`,
              repair
                ? [
                    statement(
                      'alter_column',
                      target,
                      `change the type of ${column.name}`,
                      sql`alter table ${tref} alter column ${col} type ${typeSql(column.type)}`,
                    ),
                  ]
                : [],
              column.name,
              LOCKS.rewrite,
            ),
      );
    }
    if (!before.notNull && column.notNull) {
      const notNull = stepFor('setNotNull', column.name);
      const backfill = stepFor('backfill', column.name);
      out.push(
        notNull || backfill
          ? change(
              'declared',
              'set_not_null',
              key,
              'columns',
              `${key}.${column.name} becomes NOT NULL`,
              [
                ...(backfill
                  ? [
                      statement(
                        'backfill',
                        target,
                        `backfill ${column.name}`,
                        sql`update ${tref} set ${col} = ${backfill.value.expression} where ${col} is null`,
                      ),
                    ]
                  : []),
                statement(
                  'alter_column',
                  target,
                  `${column.name} becomes NOT NULL`,
                  sql`alter table ${tref} alter column ${col} set not null`,
                ),
              ],
              column.name,
              LOCKS.scan,
            )
          : change(
              'destructive',
              'set_not_null',
              key,
              'columns',
              repair
                ? `${key}.${column.name} is nullable, the definition says NOT NULL: fails while a row holds null`
                : `${key}.${column.name} becomes NOT NULL: declare a setNotNull or backfill step`,
              repair
                ? [
                    statement(
                      'alter_column',
                      target,
                      `${column.name} becomes NOT NULL`,
                      sql`alter table ${tref} alter column ${col} set not null`,
                    ),
                  ]
                : [],
              column.name,
              LOCKS.scan,
            ),
      );
    } else if (before.notNull && !column.notNull) {
      out.push(
        change(
          'additive',
          'drop_not_null',
          key,
          'columns',
          `${key}.${column.name} becomes nullable`,
          [
            statement(
              'alter_column',
              target,
              `${column.name} becomes nullable`,
              sql`alter table ${tref} alter column ${col} drop not null`,
            ),
          ],
          column.name,
          LOCKS.brief,
        ),
      );
    }
    const sameDefault =
      before.hasDefault === column.hasDefault &&
      (!column.hasDefault ||
        same(
          table,
          `default:${column.name}`,
          renameColumnsIn(before.default, renames),
          column.default,
        ));
    if (!sameDefault) {
      out.push(
        change(
          'additive',
          'alter_default',
          key,
          'columns',
          `${key}.${column.name}: new default`,
          [
            column.default !== undefined
              ? statement(
                  'alter_column',
                  target,
                  `new default for ${column.name}`,
                  sql`alter table ${tref} alter column ${col} set default ${expressionSql(column.default)}`,
                )
              : statement(
                  'alter_column',
                  target,
                  `no default for ${column.name}`,
                  sql`alter table ${tref} alter column ${col} drop default`,
                ),
          ],
          column.name,
          LOCKS.brief,
        ),
      );
    }
  }
  return out;
}

interface ObjectContext {
  readonly old: TableState;
  readonly table: TableState;
  readonly module: ModuleContext;
  readonly renames: ReadonlyMap<string, string>;
  readonly droppedColumns: ReadonlySet<string>;
  readonly addedColumns: ReadonlySet<string>;
  readonly same: NonNullable<DiffOptions['sameExpression']>;
  readonly out: PlannedChange[];
  readonly stepFor: StepLookup;
}

type Kind = 'constraint' | 'index' | 'policy' | 'trigger';
type AnyObject = ConstraintState | IndexState | PolicyState | TriggerState;

/** The object's key with renamed columns renamed. */
function renamedKey(key: string | undefined, renames: ReadonlyMap<string, string>) {
  if (key === undefined) return undefined;
  return key
    .replace(
      /^(unique|check|foreign_key|fk_index):(.+)$/,
      (_, t: string, c: string) => `${t}:${renames.get(c) ?? c}`,
    )
    .replace(
      /^index:(\w+)\((.*)\)$/,
      (_, m: string, cols: string) =>
        `index:${m}(${cols
          .split(',')
          .map((c) => renames.get(c) ?? c)
          .join(',')})`,
    );
}

/**
 * Pairs old and new objects of one kind: by name first, then by their role in the table (the key
 * stays when derived names follow renames). A pair with the same definition is unchanged (or
 * renamed); a different definition is dropped and created again; the rest are added or dropped.
 */
function diffObjects(
  context: ObjectContext,
  kind: Kind,
  oldObjects: readonly AnyObject[],
  newObjects: readonly AnyObject[],
): void {
  const pairs: [AnyObject, AnyObject][] = [];
  const unpairedOld = new Map(oldObjects.map((o) => [o.name, o]));
  const unpairedNew: AnyObject[] = [];
  for (const o of newObjects) {
    const byName = unpairedOld.get(o.name);
    if (
      byName &&
      (byName.key === undefined ||
        o.key === undefined ||
        renamedKey(byName.key, context.renames) === o.key)
    ) {
      pairs.push([byName, o]);
      unpairedOld.delete(o.name);
    } else unpairedNew.push(o);
  }
  const added: AnyObject[] = [];
  for (const o of unpairedNew) {
    const byKey =
      o.key === undefined
        ? undefined
        : [...unpairedOld.values()].find((x) => renamedKey(x.key, context.renames) === o.key);
    if (byKey) {
      pairs.push([byKey, o]);
      unpairedOld.delete(byKey.name);
    } else added.push(o);
  }
  for (const [before, after] of pairs) {
    if (sameDefinition(context, kind, before, after)) {
      if (before.name !== after.name)
        context.out.push(renameChange(context.table, kind, before.name, after));
      continue;
    }
    context.out.push(...dropChanges(context, kind, before, `changed ${kind} ${after.name}`));
    context.out.push(...addChanges(context, kind, after, true));
  }
  for (const o of added) context.out.push(...addChanges(context, kind, o, false));
  for (const o of unpairedOld.values()) context.out.push(...dropChanges(context, kind, o));
}

function sameDefinition(context: ObjectContext, kind: Kind, a: AnyObject, b: AnyObject): boolean {
  const r = (cols: readonly string[]) => cols.map((c) => context.renames.get(c) ?? c).join(',');
  const expr = (object: string, x: string | undefined, y: string | undefined) =>
    (x === undefined) === (y === undefined) &&
    (x === undefined ||
      context.same(context.table, object, renameColumnsIn(x, context.renames), y));
  switch (kind) {
    case 'constraint': {
      const x = a as ConstraintState;
      const y = b as ConstraintState;
      if (x.type !== y.type || (x.type !== 'c' && r(x.columns) !== y.columns.join(',')))
        return false;
      if (x.type === 'c') return expr(`check:${y.name}`, x.check, y.check);
      if (x.type === 'f') {
        const xr = x.references;
        const yr = y.references;
        if (!xr || !yr) return xr === yr;
        // A renamed target table keeps its foreign keys; a rebuilt primary key does not.
        if (context.module.rebuiltKeys.has(yr.table)) return false;
        const tableMatches =
          xr.schema === yr.schema &&
          (context.module.tableRenames.get(xr.table) ?? xr.table) === yr.table;
        return (
          tableMatches &&
          xr.columns.join() === yr.columns.join() &&
          xr.onDelete === yr.onDelete &&
          xr.onUpdate === yr.onUpdate &&
          r(xr.onDeleteColumns ?? []) === (yr.onDeleteColumns ?? []).join(',')
        );
      }
      return true;
    }
    case 'index': {
      const x = a as IndexState;
      const y = b as IndexState;
      return (
        x.method === y.method &&
        x.unique === y.unique &&
        r(x.columns) === y.columns.join(',') &&
        x.valid !== false &&
        expr(`index:${y.name}`, x.where, y.where)
      );
    }
    case 'policy': {
      const x = a as PolicyState;
      const y = b as PolicyState;
      return (
        x.command === y.command &&
        x.permissive === y.permissive &&
        x.roles.join() === y.roles.join() &&
        expr(`using:${y.name}`, x.using, y.using) &&
        expr(`withCheck:${y.name}`, x.withCheck, y.withCheck)
      );
    }
    case 'trigger': {
      const x = a as TriggerState;
      const y = b as TriggerState;
      return (
        x.function === y.function &&
        x.timing === y.timing &&
        x.level === y.level &&
        x.events.join() === y.events.join() &&
        (x.arguments ?? []).map((c) => context.renames.get(c) ?? c).join() ===
          (y.arguments ?? []).join() &&
        (x.enabled === undefined || x.enabled === 'O')
      );
    }
  }
}

function objectLabel(kind: Kind, o: AnyObject): string {
  if (kind !== 'constraint') return kind;
  switch ((o as ConstraintState).type) {
    case 'u':
      return 'unique';
    case 'c':
      return 'check';
    case 'f':
      return 'foreign_key';
    default:
      return 'constraint';
  }
}

function renameChange(table: TableState, kind: Kind, from: string, to: AnyObject): PlannedChange {
  const target = qualified(table);
  const label = objectLabel(kind, to);
  const description = `rename ${label.replace('_', ' ')} ${from} to ${to.name}`;
  const tref = tableRef(table);
  const query =
    kind === 'index'
      ? sql`alter index ${sql.id(table.schema, from)} rename to ${sql.id(to.name)}`
      : kind === 'trigger'
        ? sql`alter trigger ${sql.id(from)} on ${tref} rename to ${sql.id(to.name)}`
        : kind === 'policy'
          ? sql`alter policy ${sql.id(from)} on ${tref} rename to ${sql.id(to.name)}`
          : // Renaming a primary key or unique constraint renames its index too.
            sql`alter table ${tref} rename constraint ${sql.id(from)} to ${sql.id(to.name)}`;
  return change(
    'additive',
    `rename_${label}`,
    table.key,
    'rename',
    description,
    [statement('rename', target, description, query)],
    to.name,
    kind === 'index' ? LOCKS.renameIndex : LOCKS.brief,
  );
}

function dropChanges(
  context: ObjectContext,
  kind: Kind,
  o: AnyObject,
  reason?: string,
): PlannedChange[] {
  const { table } = context;
  const label = objectLabel(kind, o);
  // A dropped column takes its constraints, indexes and policies with it.
  const columns =
    kind === 'constraint'
      ? (o as ConstraintState).columns
      : kind === 'index'
        ? (o as IndexState).columns
        : [];
  const renamed = columns.map((c) => context.renames.get(c) ?? c);
  // Dropping the column takes the object with it: nothing of its own to do.
  if (!reason && renamed.some((c) => context.droppedColumns.has(c))) return [];
  const statementFor =
    kind === 'index'
      ? dropIndexStatement(table, o.name)
      : kind === 'policy'
        ? dropPolicyStatement(table, o.name)
        : kind === 'trigger'
          ? dropTriggerStatement(table, o.name)
          : dropConstraintStatement(table, o.name);
  return [
    change(
      'additive',
      `drop_${label}`,
      table.key,
      label === 'foreign_key' ? 'drop_fk' : 'drop',
      reason
        ? `${reason} on ${table.key}: dropped and created again`
        : `${label.replace('_', ' ')} ${o.name} on ${table.key} is gone`,
      [statementFor],
      o.name,
      LOCKS.brief,
    ),
  ];
}

function addChanges(
  context: ObjectContext,
  kind: Kind,
  o: AnyObject,
  changed: boolean,
): PlannedChange[] {
  const { table } = context;
  const label = objectLabel(kind, o);
  const description = `${changed ? 'changed' : 'new'} ${label.replace('_', ' ')} ${o.name} on ${table.key}`;
  switch (kind) {
    case 'index': {
      const index = o as IndexState;
      return [
        change(
          'additive',
          'add_index',
          table.key,
          'create',
          description,
          [
            createIndexStatement(
              table,
              index,
              index.key?.startsWith('fk_index:')
                ? `index ${index.name} for the foreign key`
                : undefined,
            ),
          ],
          o.name,
          LOCKS.index,
        ),
      ];
    }
    case 'policy':
      return [
        change(
          'additive',
          'add_policy',
          table.key,
          'create',
          description,
          [createPolicyStatement(table, o as PolicyState)],
          o.name,
          LOCKS.brief,
        ),
      ];
    case 'trigger':
      return [
        change(
          'additive',
          'add_trigger',
          table.key,
          'create',
          description,
          [createTriggerStatement(table, o as TriggerState)],
          o.name,
          LOCKS.brief,
        ),
      ];
    case 'constraint': {
      const constraint = o as ConstraintState;
      if (constraint.type === 'f') {
        return [
          change(
            'additive',
            'add_foreign_key',
            table.key,
            'last',
            description,
            [addConstraintStatement(table, constraint, foreignKeyDescription(table, constraint))],
            o.name,
            LOCKS.foreignKey,
          ),
        ];
      }
      // A unique or check constraint on existing rows may fail: it needs a declared step, unless
      // its column is new (a check) or new, nullable and without a default (unique).
      const column = constraint.columns[constraint.columns.length - 1] ?? '';
      const newColumn = constraint.columns.every(
        (c) => c === 'site_id' || context.addedColumns.has(c),
      );
      const declared = context.stepFor('addConstraint', column);
      const columnState = table.columns.find((c) => c.name === column);
      const safe =
        newColumn &&
        (constraint.type === 'c' ||
          (columnState !== undefined && !columnState.notNull && !columnState.hasDefault));
      const klass: ChangeClass = safe ? 'additive' : declared ? 'declared' : 'destructive';
      return [
        change(
          klass,
          `add_${label}`,
          table.key,
          'create',
          klass === 'destructive'
            ? `${description}: existing rows may break it; declare an addConstraint step`
            : description,
          klass === 'destructive' ? [] : [addConstraintStatement(table, constraint, description)],
          o.name,
          LOCKS.scan,
        ),
      ];
    }
  }
}

function diffGrants(
  table: TableState,
  before: readonly GrantState[],
  after: readonly GrantState[],
): PlannedChange[] {
  const id = (g: GrantState) => `${g.grantee}|${g.privilege}|${g.grantable}`;
  const had = new Set(before.map(id));
  const wants = new Set(after.map(id));
  const missing = after.filter((g) => !had.has(id(g)));
  const extra = before.filter((g) => !wants.has(id(g)));
  const out: PlannedChange[] = [];
  if (missing.length > 0) {
    out.push(
      change(
        'additive',
        'add_grant',
        table.key,
        'create',
        `grants on ${table.key}`,
        grantStatements(table, missing),
      ),
    );
  }
  const byGrantee = new Map<string, string[]>();
  for (const g of extra)
    byGrantee.set(g.grantee, [...(byGrantee.get(g.grantee) ?? []), g.privilege]);
  for (const [grantee, privileges] of byGrantee) {
    out.push(
      change(
        'additive',
        'revoke_grant',
        table.key,
        'drop',
        `${grantee} loses ${privileges.join(', ')} on ${table.key}`,
        [revokeStatement(table, grantee, privileges)],
        grantee,
      ),
    );
  }
  return out;
}

function diffColumnGrants(
  table: TableState,
  before: readonly ColumnGrantState[],
  after: readonly ColumnGrantState[],
): PlannedChange[] {
  const id = (g: ColumnGrantState) => `${g.column}|${g.grantee}|${g.privilege}|${g.grantable}`;
  const had = new Set(before.map(id));
  const wants = new Set(after.map(id));
  const out: PlannedChange[] = [];
  const missing = after.filter((g) => !had.has(id(g)));
  if (missing.length > 0) {
    out.push(
      change(
        'additive',
        'add_column_grant',
        table.key,
        'create',
        `column grants on ${table.key}`,
        columnGrantStatements(table, missing),
      ),
    );
  }
  for (const g of before.filter((x) => !wants.has(id(x)))) {
    out.push(
      change(
        'additive',
        'revoke_column_grant',
        table.key,
        'drop',
        `${g.grantee} loses ${g.privilege} (${g.column}) on ${table.key}`,
        [columnGrantStatement(table, g, 'revoke')],
        g.grantee,
      ),
    );
  }
  return out;
}
