import {
  checkConstraintName,
  deriveIdentifier,
  foreignKeyName,
  getModuleAdminRoleName,
  getModuleRoleName,
  getModuleSchemaName,
  getModuleTableName,
  indexName,
  primaryKeyName,
  triggerName,
  uniqueConstraintName,
} from '@dramac/module-naming';
import { type Expression, type RawBuilder, sql } from 'kysely';
import type {
  ForeignKeyAction,
  PolicyAction,
  ValidatedModuleDefinition,
  ValidatedTable,
} from '../definition/validated-definition';
import { type DefinitionIssue, DefinitionValidationError } from '../errors';
import {
  CAN_ACCESS_SITE_FN,
  CURRENT_SITE_FN,
  CURRENT_USER_FN,
  MODULE_DATA_TABLE,
  PLATFORM_SCHEMA,
  SET_UPDATED_AT_FN,
} from '../platform/platform-functions';
import { columnTypeSql } from '../sql/column-type';
import { ddlCompiler } from '../sql/ddl-compiler';
import type { ModuleObject, ModulePlan } from './module-plan';
import { DEFAULT_REVOKE_FROM, type PlanOptions } from './plan-options';
import type { PlannedStatement, PlanStepKind } from './planned-statement';

/** Name of the mandatory site policy on every module table (policy names are per table). */
export const SITE_POLICY_NAME = 'dramac_site_isolation';

const FK_ACTION: Readonly<Record<ForeignKeyAction, RawBuilder<unknown>>> = {
  CASCADE: sql.raw('cascade'),
  'SET NULL': sql.raw('set null'),
  RESTRICT: sql.raw('restrict'),
  'NO ACTION': sql.raw('no action'),
};

const POLICY_COMMAND: Readonly<Record<PolicyAction, RawBuilder<unknown>>> = {
  SELECT: sql.raw('select'),
  INSERT: sql.raw('insert'),
  UPDATE: sql.raw('update'),
  DELETE: sql.raw('delete'),
  ALL: sql.raw('all'),
};

function raw(
  kind: PlanStepKind,
  target: string,
  description: string,
  query: RawBuilder<unknown>,
): PlannedStatement {
  return step(kind, target, description, { compile: () => query.compile(ddlCompiler) });
}

function keyed(statement: PlannedStatement, objectKey: string): PlannedStatement {
  return Object.freeze({ ...statement, objectKey });
}

/** The physical names of one module table. */
interface PhysicalTable {
  readonly table: ValidatedTable;
  readonly schema: string;
  readonly name: string;
  readonly qualified: string;
  readonly ref: RawBuilder<unknown>;
}

/** The columns that make a row unique within its site: `site_id` first, then the primary key. */
function siteKey(table: ValidatedTable): readonly string[] {
  return ['site_id', ...table.primaryKey.filter((c) => c !== 'site_id')];
}

/**
 * Plans a module's database: a pure function from a validated definition to an ordered,
 * immutable list of compiled statements. Nothing is executed; print it with {@link renderPlan}
 * for a dry run, or hand it to `applyModulePlan`.
 *
 * What it creates (schema and prefix strategies): the module's `NOLOGIN` role; its schema (schema
 * strategy); each table with `site_id uuid not null references public.sites(id) on delete
 * cascade`, its primary key, a `unique (site_id, <primary key>)` constraint (the index leading with
 * `site_id`, and the target of same-module foreign keys, which include `site_id` so a row can
 * never point at another site's row), per-site unique constraints, checks, `ENABLE` and `FORCE`
 * row-level security, the mandatory site policy, the module's policies `AS RESTRICTIVE`, grants to
 * the module role only, the shared `updated_at` trigger, the declared indexes (btree indexes lead
 * with `site_id`), and foreign keys once every table exists. The `shared` strategy (widgets)
 * creates only the role and its grants on `public.module_data`.
 *
 * @example
 * const definition = await validateModuleDefinition(crm);
 * const plan = planModuleDatabase(definition);
 * console.log(renderPlan(plan));
 * @throws DefinitionValidationError when two derived names collide (`derived_name_collision`).
 */
export function planModuleDatabase(
  definition: ValidatedModuleDefinition,
  options: PlanOptions = {},
): ModulePlan {
  const { shortId, strategy } = definition;
  const role = getModuleRoleName(shortId);
  const revokeFrom = options.revokeFrom ?? DEFAULT_REVOKE_FROM;
  const schema = strategy === 'schema' ? getModuleSchemaName(shortId) : PLATFORM_SCHEMA;
  const statements: PlannedStatement[] = [];
  const roleId = sql.id(role);
  const adminRole = getModuleAdminRoleName(shortId);
  const adminId = sql.id(adminRole);
  const hasTables = strategy !== 'shared';

  statements.push(
    raw(
      'create_role',
      role,
      `create the module role ${role}`,
      sql`create role ${roleId} nologin noinherit`,
    ),
  );
  if (hasTables) {
    // BYPASSRLS, and privileges on this module's tables only: the server-only admin client.
    statements.push(
      raw(
        'create_role',
        adminRole,
        `create the module admin role ${adminRole} (bypasses RLS, this module's tables only)`,
        sql`create role ${adminId} nologin noinherit bypassrls`,
      ),
    );
  }

  if (strategy === 'schema') {
    statements.push(
      step(
        'create_schema',
        schema,
        `create the module schema ${schema}`,
        ddlCompiler.schema.createSchema(schema),
      ),
      raw(
        'revoke',
        schema,
        `no one but the module role uses ${schema}`,
        sql`revoke all on schema ${sql.id(schema)} from public`,
      ),
      raw(
        'grant',
        schema,
        `${role} may use ${schema}`,
        sql`grant usage on schema ${sql.id(schema)} to ${roleId}`,
      ),
      raw(
        'grant',
        schema,
        `${adminRole} may use ${schema}`,
        sql`grant usage on schema ${sql.id(schema)} to ${adminId}`,
      ),
    );
  }

  statements.push(
    raw(
      'grant',
      role,
      `${role} may call the platform's policy helpers`,
      sql`grant execute on function ${sql.id(PLATFORM_SCHEMA, CURRENT_SITE_FN)}(), ${sql.id(PLATFORM_SCHEMA, CURRENT_USER_FN)}(), ${sql.id(PLATFORM_SCHEMA, CAN_ACCESS_SITE_FN)}(text) to ${roleId}`,
    ),
  );

  if (strategy === 'shared') {
    const moduleData = sql.id(PLATFORM_SCHEMA, MODULE_DATA_TABLE);
    statements.push(
      raw(
        'grant',
        `${PLATFORM_SCHEMA}.${MODULE_DATA_TABLE}`,
        `${role} may use its own rows of ${MODULE_DATA_TABLE} (the table's policies pick them)`,
        sql`grant select, insert, update, delete on table ${moduleData} to ${roleId}`,
      ),
    );
    return freezePlan(definition, schema, role, [], statements, []);
  }

  const tables: PhysicalTable[] = definition.tables.map((table) => {
    const names = getModuleTableName(shortId, table.name, strategy);
    return {
      table,
      schema: names.schema,
      name: names.table,
      qualified: names.qualified,
      ref: sql.id(names.schema, names.table),
    };
  });
  const byName = new Map(tables.map((t) => [t.table.name, t]));
  const names = new NameRegistry(schema);
  const objects: ModuleObject[] = [];
  const expect = (t: PhysicalTable, type: ModuleObject['type'], key: string, name: string) => {
    objects.push(Object.freeze({ type, table: t.qualified, key, name }));
    return name;
  };

  if (usesAuthFunctions(definition)) {
    statements.push(
      raw(
        'grant',
        'auth',
        `${role} may call auth.uid(), auth.jwt() and auth.role() in its policies`,
        sql`grant usage on schema auth to ${roleId}`,
      ),
    );
  }

  for (const t of tables) {
    const { table, name: physical, ref } = t;
    names.relation(physical, `table ${table.name}`);
    expect(t, 'table', 'table', physical);
    let create = ddlCompiler.schema.withSchema(t.schema).createTable(physical);
    for (const column of table.columns) {
      create = create.addColumn(column.name, columnTypeSql(column.type), (c) => {
        let built = column.nullable ? c : c.notNull();
        if (column.default) built = built.defaultTo(column.default.expression);
        return built;
      });
    }
    const pk = expect(
      t,
      'primary_key',
      'primary_key',
      names.relation(primaryKeyName(physical), `primary key of ${table.name}`),
    );
    create = create.addPrimaryKeyConstraint(pk, table.primaryKey as never);
    const key = siteKey(table);
    if (key.join() !== table.primaryKey.join()) {
      const keyName = expect(
        t,
        'unique',
        'site_key',
        names.relation(uniqueConstraintName(physical, key), `site key of ${table.name}`),
      );
      create = create.addUniqueConstraint(keyName, key as never);
    }
    for (const column of table.uniqueColumns) {
      const cols = ['site_id', column];
      create = create.addUniqueConstraint(
        expect(
          t,
          'unique',
          `unique:${column}`,
          names.relation(uniqueConstraintName(physical, cols), `unique ${table.name}.${column}`),
        ),
        cols as never,
      );
    }
    for (const check of table.checks) {
      create = create.addCheckConstraint(
        expect(
          t,
          'check',
          `check:${check.column}`,
          names.constraint(
            physical,
            checkConstraintName(physical, check.column),
            `check on ${table.name}.${check.column}`,
          ),
        ),
        check.expression.expression as Expression<unknown>,
      );
    }
    create = create.addForeignKeyConstraint(
      expect(
        t,
        'foreign_key',
        'foreign_key:site_id',
        names.constraint(physical, foreignKeyName(physical, 'site_id'), `site of ${table.name}`),
      ),
      ['site_id'] as never,
      `${PLATFORM_SCHEMA}.sites`,
      ['id'],
      (fk) => fk.onDelete('cascade'),
    );
    statements.push(step('create_table', t.qualified, `create table ${t.qualified}`, create));

    const grantees = sql.join(
      ['public', ...revokeFrom].map((r) => (r === 'public' ? sql.raw('public') : sql.id(r))),
    );
    statements.push(
      raw(
        'revoke',
        t.qualified,
        `no direct access for ${['PUBLIC', ...revokeFrom].join(', ')}`,
        sql`revoke all on table ${ref} from ${grantees}`,
      ),
      raw(
        'grant',
        t.qualified,
        `${role} may read and write ${t.qualified} (rows still filtered by policy)`,
        sql`grant select, insert, update, delete on table ${ref} to ${roleId}`,
      ),
      raw(
        'grant',
        t.qualified,
        `${adminRole} may read and write ${t.qualified} on every site (server-only admin client)`,
        sql`grant select, insert, update, delete on table ${ref} to ${adminId}`,
      ),
      raw(
        'enable_rls',
        t.qualified,
        'enable row-level security',
        sql`alter table ${ref} enable row level security`,
      ),
      // FORCE, not only ENABLE: the table owner would otherwise bypass every policy.
      raw(
        'enable_rls',
        t.qualified,
        'force row-level security, on the owner too',
        sql`alter table ${ref} force row level security`,
      ),
    );

    const siteCheck = sql`(${sql.id('site_id')} = (select ${sql.id(PLATFORM_SCHEMA, CURRENT_SITE_FN)}()) and (select ${sql.id(PLATFORM_SCHEMA, CAN_ACCESS_SITE_FN)}(${sql.lit(shortId)})))`;
    names.policy(physical, SITE_POLICY_NAME);
    expect(t, 'policy', `policy:${SITE_POLICY_NAME}`, SITE_POLICY_NAME);
    statements.push(
      raw(
        'create_policy',
        t.qualified,
        'rows of the request site only, for members of its agency, where the module is installed',
        sql`create policy ${sql.id(SITE_POLICY_NAME)} on ${ref} as permissive for all to ${roleId} using ${siteCheck} with check ${siteCheck}`,
      ),
    );
    for (const policy of table.policies) {
      names.policy(physical, policy.name);
      expect(t, 'policy', `policy:${policy.name}`, policy.name);
      const using = policy.using ? sql` using (${policy.using.expression})` : sql``;
      const check = policy.withCheck ? sql` with check (${policy.withCheck.expression})` : sql``;
      statements.push(
        keyed(
          raw(
            'create_policy',
            t.qualified,
            `module policy ${policy.name} (restrictive: narrows, never widens)`,
            sql`create policy ${sql.id(policy.name)} on ${ref} as restrictive for ${POLICY_COMMAND[policy.action]} to ${roleId}${using}${check}`,
          ),
          `policy:${policy.name}`,
        ),
      );
    }
    if (table.hasUpdatedAt) {
      const trigger = expect(
        t,
        'trigger',
        'trigger:updated_at',
        triggerName(physical, 'updated_at'),
      );
      statements.push(
        keyed(
          raw(
            'create_trigger',
            t.qualified,
            'keep updated_at current with the shared platform trigger function',
            sql`create trigger ${sql.id(trigger)} before update on ${ref} for each row execute function ${sql.id(PLATFORM_SCHEMA, SET_UPDATED_AT_FN)}()`,
          ),
          'trigger:updated_at',
        ),
      );
    }
    for (const index of table.indexes) {
      // Every query is filtered by site: btree indexes lead with site_id, so they serve it.
      const columns =
        index.method === 'btree' && index.columns[0] !== 'site_id'
          ? ['site_id', ...index.columns]
          : [...index.columns];
      const indexKey = `index:${index.name ?? `${index.method}(${index.columns.join(',')})`}`;
      const name = names.relation(
        index.name
          ? strategy === 'schema'
            ? index.name
            : deriveIdentifier(['mod', shortId, index.name])
          : indexName(physical, columns, { unique: index.unique }),
        `index on ${table.name}(${index.columns.join(', ')})`,
      );
      let create = ddlCompiler.schema
        .withSchema(t.schema)
        .createIndex(name)
        .on(physical)
        .columns(columns);
      if (index.method !== 'btree') create = create.using(index.method);
      if (index.unique) create = create.unique();
      if (index.where) create = create.where(index.where.expression as Expression<never>);
      expect(t, 'index', indexKey, name);
      statements.push(keyed(step('create_index', t.qualified, `index ${name}`, create), indexKey));
    }
    // Foreign keys get an index unless a declared one already leads with their columns: deletes
    // of the referenced row and joins would otherwise scan the table.
    for (const fk of table.foreignKeys) {
      const columns = fk.target.kind === 'module' ? ['site_id', fk.column] : [fk.column];
      const covered =
        table.uniqueColumns.includes(fk.column) ||
        table.primaryKey[0] === fk.column ||
        table.indexes.some((i) => {
          if (i.method !== 'btree' || i.where) return false;
          const led = i.columns[0] === 'site_id' ? i.columns : ['site_id', ...i.columns];
          return (
            columns.every((c, k) => led[k] === c) ||
            (fk.target.kind !== 'module' && i.columns[0] === fk.column)
          );
        });
      if (covered) continue;
      const key = `fk_index:${fk.column}`;
      const name = names.relation(
        indexName(physical, columns),
        `index for the foreign key ${table.name}.${fk.column}`,
      );
      const create = ddlCompiler.schema
        .withSchema(t.schema)
        .createIndex(name)
        .on(physical)
        .columns(columns);
      expect(t, 'index', key, name);
      statements.push(
        keyed(step('create_index', t.qualified, `index ${name} for the foreign key`, create), key),
      );
    }
  }

  for (const t of tables) {
    const { table, name: physical, ref } = t;
    for (const fk of table.foreignKeys) {
      const name = expect(
        t,
        'foreign_key',
        `foreign_key:${fk.column}`,
        names.constraint(
          physical,
          foreignKeyName(physical, fk.column),
          `foreign key ${table.name}.${fk.column}`,
        ),
      );
      const column = sql.id(fk.column);
      if (fk.target.kind === 'module') {
        const target = byName.get(fk.target.table);
        if (!target) throw new Error(`unvalidated foreign key target ${fk.target.table}`);
        // (site_id, column): a row can only point at a row of its own site.
        const onDelete =
          fk.onDelete === 'SET NULL' ? sql`set null (${column})` : FK_ACTION[fk.onDelete];
        statements.push(
          keyed(
            raw(
              'add_foreign_key',
              t.qualified,
              `${table.name}.${fk.column} -> ${fk.target.table}.${fk.target.column} within the same site`,
              sql`alter table ${ref} add constraint ${sql.id(name)} foreign key (${sql.id('site_id')}, ${column}) references ${target.ref} (${sql.id('site_id')}, ${sql.id(fk.target.column)}) on delete ${onDelete} on update ${FK_ACTION[fk.onUpdate]}`,
            ),
            `foreign_key:${fk.column}`,
          ),
        );
      } else {
        statements.push(
          keyed(
            raw(
              'add_foreign_key',
              t.qualified,
              `${table.name}.${fk.column} -> ${fk.target.schema}.${fk.target.table}.${fk.target.column}`,
              sql`alter table ${ref} add constraint ${sql.id(name)} foreign key (${column}) references ${sql.id(fk.target.schema, fk.target.table)} (${sql.id(fk.target.column)}) on delete ${FK_ACTION[fk.onDelete]} on update ${FK_ACTION[fk.onUpdate]}`,
            ),
            `foreign_key:${fk.column}`,
          ),
        );
      }
    }
  }

  names.throwIfCollisions();
  return freezePlan(
    definition,
    schema,
    role,
    tables.map((t) => t.qualified),
    statements,
    objects,
  );
}

function usesAuthFunctions(definition: ValidatedModuleDefinition): boolean {
  return definition.tables.some((t) =>
    t.policies.some((p) =>
      [p.using, p.withCheck].some((e) => e?.functions.some((f) => f.startsWith('auth.'))),
    ),
  );
}

function freezePlan(
  definition: ValidatedModuleDefinition,
  schema: string,
  role: string,
  tables: readonly string[],
  statements: readonly PlannedStatement[],
  objects: readonly ModuleObject[],
): ModulePlan {
  return Object.freeze({
    moduleId: definition.moduleId,
    shortId: definition.shortId,
    version: definition.version,
    strategy: definition.strategy,
    schema,
    role,
    adminRole: definition.strategy === 'shared' ? null : getModuleAdminRoleName(definition.shortId),
    tables: Object.freeze([...tables]),
    statements: Object.freeze([...statements]),
    objects: Object.freeze([...objects]),
  });
}

/**
 * Tracks derived names so two objects never get one name: PostgreSQL would refuse the second
 * (or, past 63 bytes, silently truncate both to the same name).
 */
class NameRegistry {
  readonly #relations = new Map<string, string>();
  readonly #perTable = new Map<string, string>();
  readonly #issues: DefinitionIssue[] = [];

  constructor(readonly schema: string) {}

  relation(name: string, what: string): string {
    this.#claim(this.#relations, name, name, what);
    return name;
  }

  constraint(table: string, name: string, what: string): string {
    // Index-backed and plain constraints share a per-table namespace; relation names are global.
    this.#claim(this.#perTable, `${table}.${name}`, name, what);
    return name;
  }

  policy(table: string, name: string): void {
    this.#claim(this.#perTable, `${table}.policy.${name}`, name, `policy ${name}`);
  }

  #claim(map: Map<string, string>, key: string, name: string, what: string): void {
    const previous = map.get(key);
    if (previous !== undefined) {
      this.#issues.push({
        path: '',
        code: 'derived_name_collision',
        message: `${what} and ${previous} would both be named "${name}"`,
      });
    } else {
      map.set(key, what);
    }
  }

  throwIfCollisions(): void {
    if (this.#issues.length > 0) throw new DefinitionValidationError(this.#issues);
  }
}

interface Compilable {
  compile(): { readonly sql: string; readonly parameters: readonly unknown[] };
}

/** Compiles a Kysely schema builder (bound to the compile-only instance) into a statement. */
function step(
  kind: PlanStepKind,
  target: string,
  description: string,
  query: Compilable,
): PlannedStatement {
  const compiled = query.compile();
  // DDL cannot take bind parameters: every value must have been inlined with sql.lit.
  if (compiled.parameters.length > 0) {
    throw new Error(`internal: planned statement has bind parameters: ${compiled.sql}`);
  }
  return Object.freeze({
    kind,
    target,
    description,
    sql: compiled.sql,
    parameters: Object.freeze([...compiled.parameters]),
  });
}
