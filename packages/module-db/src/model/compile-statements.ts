import { type RawBuilder, sql } from 'kysely';
import type { PlannedStatement, PlanStepKind } from '../plan/planned-statement';
import { ddlCompiler } from '../sql/ddl-compiler';
import type {
  ColumnGrantState,
  ColumnState,
  ConstraintState,
  GrantState,
  IndexState,
  PolicyState,
  ReferentialAction,
  TableState,
  TriggerState,
} from './module-state';

/**
 * Statements for the objects of a module state, one small function per kind of object. Every
 * identifier goes through `sql.id`; every expression and type is text the definition compiler or
 * `catalogTypeName` produced from a parse tree (never an author's string), embedded with
 * `sql.raw` after a shape check.
 */

const ACTIONS: Readonly<Record<ReferentialAction, string>> = {
  'NO ACTION': 'no action',
  RESTRICT: 'restrict',
  CASCADE: 'cascade',
  'SET NULL': 'set null',
  'SET DEFAULT': 'set default',
};

const COMMANDS: Readonly<Record<PolicyState['command'], string>> = {
  SELECT: 'select',
  INSERT: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
  ALL: 'all',
};

/** `format_type` spellings of the allowed column types: words, modifiers, one array level. */
const TYPE_SHAPE =
  /^[a-z]+(?: [a-z]+)*(?:\(\d{1,4}(?:,\d{1,4})?\))?(?: with(?:out)? time zone)?(?:\[\])?$/;

/** A statement of a plan. */
export function statement(
  kind: PlanStepKind,
  target: string,
  description: string,
  query: RawBuilder<unknown> | { compile(): { sql: string; parameters: readonly unknown[] } },
  objectKey?: string,
): PlannedStatement {
  const compiled =
    'compile' in query && typeof query.compile === 'function' && !('as' in query)
      ? (query as { compile(): { sql: string; parameters: readonly unknown[] } }).compile()
      : (query as RawBuilder<unknown>).compile(ddlCompiler);
  // DDL cannot take bind parameters: every value must have been inlined with sql.lit.
  if (compiled.parameters.length > 0) {
    throw new Error(`internal: planned statement has bind parameters: ${compiled.sql}`);
  }
  return Object.freeze({
    kind,
    target,
    description,
    sql: compiled.sql,
    parameters: Object.freeze([]),
    ...(objectKey ? { objectKey } : {}),
  });
}

/** The qualified name of a table state, for statements. */
export function tableRef(table: Pick<TableState, 'schema' | 'name'>): RawBuilder<unknown> {
  return sql.id(table.schema, table.name);
}

/** `schema.table`, for descriptions and targets. */
export function qualified(table: Pick<TableState, 'schema' | 'name'>): string {
  return `${table.schema}.${table.name}`;
}

/** A column type from a state (a `format_type` spelling), checked for shape. */
export function typeSql(type: string): RawBuilder<unknown> {
  if (!TYPE_SHAPE.test(type)) throw new Error(`internal: unexpected column type ${type}`);
  return sql.raw(type);
}

/** An expression from a desired state: the definition compiler's canonical text. */
export function expressionSql(text: string): RawBuilder<unknown> {
  return sql.raw(text);
}

function columnList(columns: readonly string[]): RawBuilder<unknown> {
  return sql.join(columns.map((c) => sql.id(c)));
}

function constraintClause(constraint: ConstraintState): RawBuilder<unknown> {
  const name = sql.id(constraint.name);
  switch (constraint.type) {
    case 'p':
      return sql`constraint ${name} primary key (${columnList(constraint.columns)})`;
    case 'u':
      return sql`constraint ${name} unique (${columnList(constraint.columns)})`;
    case 'c':
      return sql`constraint ${name} check (${expressionSql(constraint.check ?? 'true')})`;
    case 'f': {
      const ref = constraint.references;
      if (!ref) throw new Error(`internal: foreign key ${constraint.name} has no target`);
      const onDelete =
        ref.onDelete === 'SET NULL' && ref.onDeleteColumns
          ? sql`set null (${columnList(ref.onDeleteColumns)})`
          : sql.raw(ACTIONS[ref.onDelete]);
      return sql`constraint ${name} foreign key (${columnList(constraint.columns)}) references ${sql.id(ref.schema, ref.table)} (${columnList(ref.columns)}) on delete ${onDelete} on update ${sql.raw(ACTIONS[ref.onUpdate])}`;
    }
    default:
      throw new Error(`internal: unsupported constraint type ${constraint.type}`);
  }
}

function columnClause(column: ColumnState): RawBuilder<unknown> {
  const def = column.default !== undefined ? sql` default ${expressionSql(column.default)}` : sql``;
  const notNull = column.notNull ? sql` not null` : sql``;
  return sql`${sql.id(column.name)} ${typeSql(column.type)}${def}${notNull}`;
}

/**
 * `create table` with its columns and the constraints that need no other table of the module
 * (primary key, unique, check, the site's foreign key). Foreign keys into the module's tables and
 * to other platform tables come later ({@link addConstraintStatement}), once every table exists.
 */
export function createTableStatement(
  table: TableState,
  columnOrder: readonly string[],
): PlannedStatement {
  const columns = [...table.columns].sort(
    (a, b) => columnOrder.indexOf(a.name) - columnOrder.indexOf(b.name),
  );
  const typeOrder = 'pucxtf';
  const inline = table.constraints
    .filter(
      (c) =>
        c.type !== 'f' || (c.references?.table === 'sites' && c.references.schema === 'public'),
    )
    .sort((a, b) => typeOrder.indexOf(a.type) - typeOrder.indexOf(b.type));
  const items = [...columns.map(columnClause), ...inline.map(constraintClause)];
  return statement(
    'create_table',
    qualified(table),
    `create table ${qualified(table)}`,
    sql`create table ${tableRef(table)} (${sql.join(items)})`,
  );
}

/** The constraints {@link createTableStatement} leaves out. */
export function deferredConstraints(table: TableState): readonly ConstraintState[] {
  return table.constraints.filter(
    (c) => c.type === 'f' && !(c.references?.table === 'sites' && c.references.schema === 'public'),
  );
}

/** `alter table ... add constraint`. */
export function addConstraintStatement(
  table: TableState,
  constraint: ConstraintState,
  description?: string,
): PlannedStatement {
  return statement(
    constraint.type === 'f' ? 'add_foreign_key' : 'add_constraint',
    qualified(table),
    description ?? `${constraint.type === 'f' ? 'foreign key' : 'constraint'} ${constraint.name}`,
    sql`alter table ${tableRef(table)} add ${constraintClause(constraint)}`,
    constraint.key,
  );
}

/** `alter table ... drop constraint`. */
export function dropConstraintStatement(table: TableState, name: string): PlannedStatement {
  return statement(
    'drop_constraint',
    qualified(table),
    `drop constraint ${name}`,
    sql`alter table ${tableRef(table)} drop constraint ${sql.id(name)}`,
  );
}

/** The table privileges of each grantee, one statement per grantee. */
export function grantStatements(
  table: TableState,
  grants: readonly GrantState[],
): PlannedStatement[] {
  const byGrantee = new Map<string, string[]>();
  // The module role first, then the admin role; privileges in the usual order.
  const sorted = [...grants].sort(
    (a, b) =>
      granteeRank(a.grantee) - granteeRank(b.grantee) ||
      privilegeRank(a.privilege) - privilegeRank(b.privilege),
  );
  for (const g of sorted)
    byGrantee.set(g.grantee, [...(byGrantee.get(g.grantee) ?? []), g.privilege]);
  return [...byGrantee].map(([grantee, privileges]) =>
    statement(
      'grant',
      qualified(table),
      `${grantee} may ${privileges.map((p) => p.toLowerCase()).join(', ')} ${qualified(table)} (rows still filtered by policy)`,
      sql`grant ${sql.raw(privileges.map((p) => p.toLowerCase()).join(', '))} on table ${tableRef(table)} to ${sql.id(grantee)}`,
    ),
  );
}

const PRIVILEGE_ORDER = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
  'MAINTAIN',
];
const privilegeRank = (p: string) => {
  const i = PRIVILEGE_ORDER.indexOf(p);
  return i < 0 ? PRIVILEGE_ORDER.length : i;
};
const granteeRank = (g: string) =>
  g.startsWith('modrole_') ? 0 : g.startsWith('modadmin_') ? 1 : 2;

/** Revokes privileges a grantee holds but should not. */
export function revokeStatement(
  table: TableState,
  grantee: string,
  privileges: readonly string[],
): PlannedStatement {
  const who = grantee === 'PUBLIC' ? sql.raw('public') : sql.id(grantee);
  return statement(
    'revoke',
    qualified(table),
    `${grantee} may not ${privileges.map((p) => p.toLowerCase()).join(', ')} ${qualified(table)}`,
    sql`revoke ${sql.raw(privileges.map((p) => p.toLowerCase()).join(', '))} on table ${tableRef(table)} from ${who}`,
  );
}

/** `ENABLE` and `FORCE ROW LEVEL SECURITY`. */
export function rowSecurityStatements(table: TableState): PlannedStatement[] {
  return [
    statement(
      'enable_rls',
      qualified(table),
      'enable row-level security',
      sql`alter table ${tableRef(table)} enable row level security`,
    ),
    // FORCE, not only ENABLE: the table owner would otherwise bypass every policy.
    statement(
      'enable_rls',
      qualified(table),
      'force row-level security, on the owner too',
      sql`alter table ${tableRef(table)} force row level security`,
    ),
  ];
}

/** `create policy`. */
export function createPolicyStatement(table: TableState, policy: PolicyState): PlannedStatement {
  const using = policy.using !== undefined ? sql` using (${expressionSql(policy.using)})` : sql``;
  const check =
    policy.withCheck !== undefined ? sql` with check (${expressionSql(policy.withCheck)})` : sql``;
  const roles = sql.join(policy.roles.map((r) => (r === 'PUBLIC' ? sql.raw('public') : sql.id(r))));
  return statement(
    'create_policy',
    qualified(table),
    policy.permissive
      ? `policy ${policy.name} (permissive, platform)`
      : `module policy ${policy.name} (restrictive: narrows, never widens)`,
    sql`create policy ${sql.id(policy.name)} on ${tableRef(table)} as ${sql.raw(policy.permissive ? 'permissive' : 'restrictive')} for ${sql.raw(COMMANDS[policy.command])} to ${roles}${using}${check}`,
    policy.key,
  );
}

/** `drop policy`. */
export function dropPolicyStatement(table: TableState, name: string): PlannedStatement {
  return statement(
    'drop_policy',
    qualified(table),
    `drop policy ${name}`,
    sql`drop policy ${sql.id(name)} on ${tableRef(table)}`,
  );
}

/** `create trigger` for the shared platform trigger functions. */
export function createTriggerStatement(table: TableState, trigger: TriggerState): PlannedStatement {
  const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\(\)$/.exec(trigger.function);
  if (!match) throw new Error(`internal: unexpected trigger function ${trigger.function}`);
  const [, fnSchema = '', fnName = ''] = match;
  const events = sql.raw(trigger.events.map((e) => e.toLowerCase()).join(' or '));
  const args = sql.join((trigger.arguments ?? []).map((a) => sql.lit(a)));
  return statement(
    'create_trigger',
    qualified(table),
    trigger.key === 'trigger:tenant_references'
      ? "references to platform rows stay within the site's own tenant"
      : 'keep updated_at current with the shared platform trigger function',
    sql`create trigger ${sql.id(trigger.name)} ${sql.raw(trigger.timing.toLowerCase())} ${events} on ${tableRef(table)} for each ${sql.raw(trigger.level.toLowerCase())} execute function ${sql.id(fnSchema, fnName)}(${args})`,
    trigger.key,
  );
}

/** `drop trigger`. */
export function dropTriggerStatement(table: TableState, name: string): PlannedStatement {
  return statement(
    'drop_trigger',
    qualified(table),
    `drop trigger ${name}`,
    sql`drop trigger ${sql.id(name)} on ${tableRef(table)}`,
  );
}

/** `create index` (never for the indexes behind constraints). */
export function createIndexStatement(
  table: TableState,
  index: IndexState,
  description?: string,
): PlannedStatement {
  let create = ddlCompiler.schema
    .withSchema(table.schema)
    .createIndex(index.name)
    .on(table.name)
    .columns([...index.columns]);
  if (index.method !== 'btree') create = create.using(index.method);
  if (index.unique) create = create.unique();
  if (index.where !== undefined) create = create.where(expressionSql(index.where) as never);
  return statement(
    'create_index',
    qualified(table),
    description ?? `index ${index.name}`,
    create,
    index.key,
  );
}

/** `drop index`. */
export function dropIndexStatement(table: TableState, name: string): PlannedStatement {
  return statement(
    'drop_index',
    qualified(table),
    `drop index ${name}`,
    sql`drop index ${sql.id(table.schema, name)}`,
  );
}

/**
 * Grants column privileges, one statement per role and privilege:
 * `grant select ("id", "name", "site_id") on table ... to "modvisitor_<id>"`.
 */
export function columnGrantStatements(
  table: TableState,
  grants: readonly ColumnGrantState[],
): PlannedStatement[] {
  const groups = new Map<string, ColumnGrantState[]>();
  for (const g of grants) {
    const k = `${g.grantee}\u0000${g.privilege}`;
    groups.set(k, [...(groups.get(k) ?? []), g]);
  }
  return [...groups.values()].map((group) => {
    const { grantee, privilege } = group[0] as ColumnGrantState;
    const columns = group.map((g) => g.column);
    const who = grantee === 'PUBLIC' ? sql.raw('public') : sql.id(grantee);
    return statement(
      'grant',
      qualified(table),
      `${grantee} may ${privilege.toLowerCase()} ${columns.join(', ')} of ${qualified(table)}`,
      sql`grant ${sql.raw(privilege.toLowerCase())} (${sql.join(columns.map((c) => sql.id(c)))}) on table ${tableRef(table)} to ${who}`,
    );
  });
}

/** Grants or revokes one privilege of one role on one column. */
export function columnGrantStatement(
  table: TableState,
  grant: ColumnGrantState,
  action: 'grant' | 'revoke',
): PlannedStatement {
  const who = grant.grantee === 'PUBLIC' ? sql.raw('public') : sql.id(grant.grantee);
  const privilege = sql.raw(grant.privilege.toLowerCase());
  return action === 'grant'
    ? statement(
        'grant',
        qualified(table),
        `${grant.grantee} may ${grant.privilege.toLowerCase()} ${grant.column} of ${qualified(table)}`,
        sql`grant ${privilege} (${sql.id(grant.column)}) on table ${tableRef(table)} to ${who}`,
      )
    : statement(
        'revoke',
        qualified(table),
        `${grant.grantee} may not ${grant.privilege.toLowerCase()} ${grant.column} of ${qualified(table)}`,
        sql`revoke ${privilege} (${sql.id(grant.column)}) on table ${tableRef(table)} from ${who}`,
      );
}
