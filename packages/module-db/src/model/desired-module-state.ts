import {
  checkConstraintName,
  deriveIdentifier,
  foreignKeyName,
  getModuleAdminRoleName,
  getModuleOwnerRoleName,
  getModuleRoleName,
  getModuleSchemaName,
  getModuleTableName,
  getModuleVisitorRoleName,
  indexName,
  primaryKeyName,
  triggerName,
  uniqueConstraintName,
} from '@dramac/module-naming';
import type {
  ValidatedForeignKey,
  ValidatedModuleDefinition,
  ValidatedTable,
} from '../definition/validated-definition';
import type { ValidatedWidgetCollection } from '../definition/widget-collections';
import { catalogTypeName } from '../drift/catalog-type-name';
import { type DefinitionIssue, DefinitionValidationError } from '../errors';
import {
  CAN_ACCESS_SITE_FN,
  CURRENT_SITE_FN,
  PLATFORM_SCHEMA,
  SET_UPDATED_AT_FN,
  VISITOR_CAN_ACCESS_SITE_FN,
} from '../platform/platform-functions';
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

/** The mandatory permissive site policy on every module table. */
export const SITE_POLICY_NAME = 'dramac_site_isolation';
/** The permissive policy that lets the module's owner role (DDL, backfills) see every row. */
export const OWNER_POLICY_NAME = 'dramac_owner_access';
/** The permissive policy that gives the module's admin role every site's rows. */
export const ADMIN_POLICY_NAME = 'dramac_admin_access';
/** The permissive policy that lets a site's visitors read a table's rows (declared columns only). */
export const VISITOR_READ_POLICY_NAME = 'dramac_visitor_read';
/** The permissive policy that lets a site's visitors insert rows (declared columns only). */
export const VISITOR_INSERT_POLICY_NAME = 'dramac_visitor_insert';
/** Names module policies may not take. */
export const PLATFORM_POLICY_NAMES: readonly string[] = [
  SITE_POLICY_NAME,
  OWNER_POLICY_NAME,
  ADMIN_POLICY_NAME,
  VISITOR_READ_POLICY_NAME,
  VISITOR_INSERT_POLICY_NAME,
];

/** What the module role and the admin role may do on each module table (rows still filtered). */
export const MODULE_TABLE_PRIVILEGES: readonly string[] = ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];

/** The shared `updated_at` trigger function, as `regprocedure` prints it. */
export const UPDATED_AT_FUNCTION = `${PLATFORM_SCHEMA}.${SET_UPDATED_AT_FN}()`;

/** The trigger function that keeps references to platform rows within the site's tenant. */
export const TENANT_REFERENCES_FUNCTION = `${PLATFORM_SCHEMA}.dramac_check_tenant_references()`;

/**
 * The site policy's expression, exactly as the planner writes it: the row's site is the request's
 * and the request's user may access that site where this module is installed. The database keeps
 * a template of the same text and compares every module table's site policy with it.
 *
 * @example
 * sitePolicyExpression('c7a1e0b2');
 * // ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')))
 * @throws never (the short id comes from a validated definition).
 */
export function sitePolicyExpression(shortId: string): string {
  return `("site_id" = (select "${PLATFORM_SCHEMA}"."${CURRENT_SITE_FN}"()) and (select "${PLATFORM_SCHEMA}"."${CAN_ACCESS_SITE_FN}"('${shortId}')))`;
}

/**
 * The visitor policies' expression, exactly as the planner writes it: the row's site is the
 * request's, and the request runs as the module's visitor role on a public site where the module
 * is installed. The database keeps a template of the same text.
 *
 * @example
 * visitorPolicyExpression('c7a1e0b2');
 * // ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_visitor_can_access_current_site"('c7a1e0b2')))
 * @throws never (the short id comes from a validated definition).
 */
export function visitorPolicyExpression(shortId: string): string {
  return `("site_id" = (select "${PLATFORM_SCHEMA}"."${CURRENT_SITE_FN}"()) and (select "${PLATFORM_SCHEMA}"."${VISITOR_CAN_ACCESS_SITE_FN}"('${shortId}')))`;
}

const byName = <T extends { readonly name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The desired state of a module's database: every table with its columns, constraints, indexes,
 * policies, triggers and grants, as the planner creates them and as the catalogs will show them.
 * Pure: the same definition always gives the same state. The planner compiles it into statements
 * (`planModuleDatabase`, `planModuleUpgrade`), the database proves its catalogs match it before a
 * change commits, and drift checks compare the catalogs with it.
 *
 * Every key is per site: the primary key is `(site_id, <declared key>)`, unique columns are
 * `unique (site_id, column)`, same-module foreign keys pair `site_id` with `site_id`.
 *
 * @example
 * const state = desiredModuleState(await validateModuleDefinition(crm));
 * state.tables[0].constraints.find((c) => c.type === 'p'); // { columns: ['site_id', 'id'], ... }
 * @throws DefinitionValidationError (`derived_name_collision`) when two derived names collide.
 */
export function desiredModuleState(definition: ValidatedModuleDefinition): ModuleState {
  const { shortId, strategy } = definition;
  const schema = strategy === 'schema' ? getModuleSchemaName(shortId) : PLATFORM_SCHEMA;
  const names = new NameRegistry();
  const tables =
    strategy === 'shared'
      ? []
      : definition.tables.map((table) => tableState(definition, table, schema, names));
  names.throwIfCollisions();
  return Object.freeze({
    moduleId: definition.moduleId,
    shortId,
    version: definition.version,
    strategy,
    schema,
    tables: Object.freeze(tables),
    ...(strategy === 'shared'
      ? { collections: Object.freeze(definition.collections.map(collectionState).sort(byName)) }
      : {}),
  });
}

/** A collection as the platform stores it: fields by name, bounds only where declared. */
export function collectionState(collection: ValidatedWidgetCollection): CollectionState {
  const fields: Record<string, CollectionFieldState> = {};
  for (const f of collection.fields) {
    const field: Record<string, unknown> = {
      type: f.type,
      optional: f.optional,
      nullable: f.nullable,
    };
    for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'enum'] as const) {
      const value = (f as Record<string, unknown>)[key];
      if (value !== undefined) field[key] = value;
    }
    fields[f.name] = field as unknown as CollectionFieldState;
  }
  return Object.freeze({
    name: collection.name,
    fields: Object.freeze(fields),
    visitorRead:
      collection.visitors && collection.visitors.read.length > 0 ? collection.visitors.read : null,
    visitorInsert:
      collection.visitors && collection.visitors.insert.length > 0
        ? collection.visitors.insert
        : null,
  });
}

function physicalName(definition: ValidatedModuleDefinition, table: string): string {
  return getModuleTableName(
    definition.shortId,
    table,
    definition.strategy === 'schema' ? 'schema' : 'prefix',
  ).table;
}

function tableState(
  definition: ValidatedModuleDefinition,
  table: ValidatedTable,
  schema: string,
  names: NameRegistry,
): TableState {
  const { shortId, strategy } = definition;
  const role = getModuleRoleName(shortId);
  const admin = getModuleAdminRoleName(shortId);
  const owner = getModuleOwnerRoleName(shortId);
  const visitor = getModuleVisitorRoleName(shortId);
  const visitors = table.visitors;
  const physical = physicalName(definition, table.name);
  names.relation(physical, `table ${table.name}`);
  const primaryKey = ['site_id', ...table.primaryKey.filter((c) => c !== 'site_id')];

  const columns: ColumnState[] = table.columns.map((c) => ({
    name: c.name,
    type: catalogTypeName(c.type),
    notNull: !c.nullable || primaryKey.includes(c.name),
    hasDefault: c.default !== undefined,
    ...(c.default ? { default: c.default.canonical } : {}),
  }));

  const constraints: ConstraintState[] = [];
  const indexes: IndexState[] = [];
  const keyIndex = (constraint: ConstraintState) => {
    indexes.push({
      name: constraint.name,
      key: constraint.key as string,
      method: 'btree',
      unique: true,
      columns: constraint.columns,
      hasPredicate: false,
      constraint: constraint.name,
    });
  };
  const pk: ConstraintState = {
    name: names.relation(primaryKeyName(physical), `primary key of ${table.name}`),
    key: 'primary_key',
    type: 'p',
    columns: primaryKey,
  };
  constraints.push(pk);
  keyIndex(pk);
  for (const column of table.uniqueColumns) {
    const cols = ['site_id', column];
    const unique: ConstraintState = {
      name: names.relation(uniqueConstraintName(physical, cols), `unique ${table.name}.${column}`),
      key: `unique:${column}`,
      type: 'u',
      columns: cols,
    };
    constraints.push(unique);
    keyIndex(unique);
  }
  for (const check of table.checks) {
    constraints.push({
      name: names.constraint(
        physical,
        checkConstraintName(physical, check.column),
        `check on ${table.name}.${check.column}`,
      ),
      key: `check:${check.column}`,
      type: 'c',
      columns: [...new Set(check.expression.referencedColumns)].sort(),
      check: check.expression.canonical,
    });
  }
  constraints.push({
    name: names.constraint(physical, foreignKeyName(physical, 'site_id'), `site of ${table.name}`),
    key: 'foreign_key:site_id',
    type: 'f',
    columns: ['site_id'],
    references: {
      schema: PLATFORM_SCHEMA,
      table: 'sites',
      columns: ['id'],
      onDelete: 'CASCADE',
      onUpdate: 'NO ACTION',
      onDeleteColumns: null,
    },
  });
  for (const fk of table.foreignKeys) {
    constraints.push(foreignKeyState(definition, table, physical, fk, names));
  }

  for (const index of table.indexes) {
    // Every query is filtered by site: btree indexes lead with site_id, so they serve it.
    const cols =
      index.method === 'btree' && index.columns[0] !== 'site_id'
        ? ['site_id', ...index.columns]
        : [...index.columns];
    const name = names.relation(
      index.name
        ? strategy === 'schema'
          ? index.name
          : deriveIdentifier(['mod', shortId, index.name])
        : indexName(physical, cols, { unique: index.unique }),
      `index on ${table.name}(${index.columns.join(', ')})`,
    );
    indexes.push({
      name,
      key: `index:${index.name ?? `${index.method}(${index.columns.join(',')})`}`,
      method: index.method,
      unique: index.unique,
      columns: cols,
      hasPredicate: index.where !== undefined,
      ...(index.where ? { where: index.where.canonical } : {}),
      constraint: null,
    });
  }
  // Foreign keys get an index unless one already leads with their columns: deletes of the
  // referenced row and joins would otherwise scan the table.
  for (const fk of table.foreignKeys) {
    const cols = fk.target.kind === 'module' ? ['site_id', fk.column] : [fk.column];
    const covered = indexes.some(
      (i) => i.method === 'btree' && !i.hasPredicate && cols.every((c, k) => i.columns[k] === c),
    );
    if (covered) continue;
    indexes.push({
      name: names.relation(
        indexName(physical, cols),
        `index for the foreign key ${table.name}.${fk.column}`,
      ),
      key: `fk_index:${fk.column}`,
      method: 'btree',
      unique: false,
      columns: cols,
      hasPredicate: false,
      constraint: null,
    });
  }

  const siteCheck = sitePolicyExpression(shortId);
  const policies: PolicyState[] = [
    {
      name: SITE_POLICY_NAME,
      key: `policy:${SITE_POLICY_NAME}`,
      command: 'ALL',
      permissive: true,
      roles: [role],
      hasUsing: true,
      hasWithCheck: true,
      using: siteCheck,
      withCheck: siteCheck,
    },
    {
      name: OWNER_POLICY_NAME,
      key: `policy:${OWNER_POLICY_NAME}`,
      command: 'ALL',
      permissive: true,
      roles: [owner],
      hasUsing: true,
      hasWithCheck: true,
      using: 'true',
      withCheck: 'true',
    },
    {
      name: ADMIN_POLICY_NAME,
      key: `policy:${ADMIN_POLICY_NAME}`,
      command: 'ALL',
      permissive: true,
      roles: [admin],
      hasUsing: true,
      hasWithCheck: true,
      using: 'true',
      withCheck: 'true',
    },
  ];
  // Visitors: read and insert only, each through its own policy, on the same site rule with the
  // visitor role's own helper (a public site where the module is installed).
  const visitorCheck = visitorPolicyExpression(shortId);
  if (visitors && visitors.read.length > 0) {
    policies.push({
      name: VISITOR_READ_POLICY_NAME,
      key: `policy:${VISITOR_READ_POLICY_NAME}`,
      command: 'SELECT',
      permissive: true,
      roles: [visitor],
      hasUsing: true,
      hasWithCheck: false,
      using: visitorCheck,
    });
  }
  if (visitors && visitors.insert.length > 0) {
    policies.push({
      name: VISITOR_INSERT_POLICY_NAME,
      key: `policy:${VISITOR_INSERT_POLICY_NAME}`,
      command: 'INSERT',
      permissive: true,
      roles: [visitor],
      hasUsing: false,
      hasWithCheck: true,
      withCheck: visitorCheck,
    });
  }
  // The module's own policies narrow whatever the table admits: members, and visitors too when
  // the table has any.
  const restrictedRoles = visitors ? [role, visitor].sort() : [role];
  for (const name of PLATFORM_POLICY_NAMES) names.policy(physical, name);
  for (const policy of table.policies) {
    names.policy(physical, policy.name);
    policies.push({
      name: policy.name,
      key: `policy:${policy.name}`,
      command: policy.action,
      permissive: false,
      roles: restrictedRoles,
      hasUsing: policy.using !== undefined,
      hasWithCheck: policy.withCheck !== undefined,
      ...(policy.using ? { using: policy.using.canonical } : {}),
      ...(policy.withCheck ? { withCheck: policy.withCheck.canonical } : {}),
    });
  }

  const triggers: TriggerState[] = [];
  if (table.hasUpdatedAt) {
    triggers.push({
      name: triggerName(physical, 'updated_at'),
      key: 'trigger:updated_at',
      function: UPDATED_AT_FUNCTION,
      timing: 'BEFORE',
      events: ['UPDATE'],
      level: 'ROW',
      arguments: [],
    });
  }
  // References to users, profiles, agencies and clients must stay within the row's own site's
  // tenant, checked before the foreign key is, so an id of another tenant and an unknown id are
  // refused alike (no existence oracle).
  const platformRefs = table.foreignKeys
    .filter((fk) => fk.target.kind === 'platform')
    .map((fk) => [fk.column, (fk.target as { table: string }).table] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (platformRefs.length > 0) {
    triggers.push({
      name: triggerName(physical, 'tenant_refs'),
      key: 'trigger:tenant_references',
      function: TENANT_REFERENCES_FUNCTION,
      timing: 'BEFORE',
      events: ['INSERT', 'UPDATE'],
      level: 'ROW',
      arguments: platformRefs.flat(),
    });
  }
  triggers.sort(byName);

  const grants: GrantState[] = [admin, role]
    .sort()
    .flatMap((grantee) =>
      MODULE_TABLE_PRIVILEGES.map((privilege) => ({ grantee, privilege, grantable: false })),
    );

  return Object.freeze({
    key: table.name,
    schema,
    name: physical,
    columns: Object.freeze(columns.sort(byName)),
    constraints: Object.freeze(constraints.sort(byName)),
    indexes: Object.freeze(indexes.sort(byName)),
    policies: Object.freeze(policies.sort(byName)),
    triggers: Object.freeze(triggers),
    grants: Object.freeze(grants),
    columnGrants: Object.freeze(visitorColumnGrants(visitor, visitors)),
  });
}

/**
 * The visitor role's column privileges: SELECT on the read columns, INSERT on the insert columns,
 * and both on `site_id` wherever there is one of them (every request filters and stamps its site).
 * Sorted by column, grantee, privilege, as the catalog reader lists them.
 */
function visitorColumnGrants(
  visitor: string,
  visitors: ValidatedTable['visitors'],
): ColumnGrantState[] {
  if (!visitors) return [];
  const grants: ColumnGrantState[] = [];
  const add = (columns: readonly string[], privilege: string) => {
    if (columns.length === 0) return;
    for (const column of ['site_id', ...columns]) {
      grants.push({ column, grantee: visitor, privilege, grantable: false });
    }
  };
  add(visitors.read, 'SELECT');
  add(visitors.insert, 'INSERT');
  return grants.sort((a, b) =>
    a.column !== b.column
      ? a.column < b.column
        ? -1
        : 1
      : a.privilege < b.privilege
        ? -1
        : a.privilege > b.privilege
          ? 1
          : 0,
  );
}

function foreignKeyState(
  definition: ValidatedModuleDefinition,
  table: ValidatedTable,
  physical: string,
  fk: ValidatedForeignKey,
  names: NameRegistry,
): ConstraintState {
  const name = names.constraint(
    physical,
    foreignKeyName(physical, fk.column),
    `foreign key ${table.name}.${fk.column}`,
  );
  const key = `foreign_key:${fk.column}`;
  if (fk.target.kind === 'module') {
    // (site_id, column): a row can only point at a row of its own site.
    return {
      name,
      key,
      type: 'f',
      columns: ['site_id', fk.column],
      references: {
        schema:
          definition.strategy === 'schema'
            ? getModuleSchemaName(definition.shortId)
            : PLATFORM_SCHEMA,
        table: physicalName(definition, fk.target.table),
        columns: ['site_id', fk.target.column],
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        // SET NULL nulls the referencing column only: site_id is NOT NULL and stays.
        onDeleteColumns: fk.onDelete === 'SET NULL' ? [fk.column] : null,
      },
    };
  }
  return {
    name,
    key,
    type: 'f',
    columns: [fk.column],
    references: {
      schema: fk.target.schema,
      table: fk.target.table,
      columns: [fk.target.column],
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      onDeleteColumns: null,
    },
  };
}

/**
 * Tracks derived names so two objects never get one name: PostgreSQL would refuse the second
 * (or, past 63 bytes, silently truncate both to the same name).
 */
class NameRegistry {
  readonly #relations = new Map<string, string>();
  readonly #perTable = new Map<string, string>();
  readonly #issues: DefinitionIssue[] = [];

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
