import { type Kysely, sql } from 'kysely';
import { validateModuleDefinition } from '../definition/validate-module-definition';
import type { PolicyAction, ValidatedTable } from '../definition/validated-definition';
import { NotFoundError } from '../errors';
import { getModuleRegistryEntry } from '../lifecycle/get-module-registry-entry';
import { toLifecycleError } from '../lifecycle/lifecycle-error';
import type { ModuleObject, ModulePlan } from '../plan/module-plan';
import { planModuleDatabase, SITE_POLICY_NAME } from '../plan/plan-module-database';
import { DEFAULT_REVOKE_FROM } from '../plan/plan-options';
import { MODULE_DATA_TABLE, PLATFORM_SCHEMA } from '../platform/platform-functions';
import { catalogTypeName, normalizeCatalogTypeName } from './catalog-type-name';
import type { DriftDifference, DriftReport } from './drift-difference';
import { type ModuleCatalog, readModuleCatalog } from './read-module-catalog';

/** The privileges the module role and the admin role hold on each module table, and no others. */
const MODULE_PRIVILEGES: readonly string[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
/** Every table privilege, in the order reports list them. */
const PRIVILEGE_ORDER: readonly string[] = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
  'MAINTAIN',
];

const RELATION_KINDS: Readonly<Record<string, string>> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  S: 'sequence',
};

const CONSTRAINT_TYPES: Readonly<Record<string, string>> = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
};

const CONTYPE_OF: Readonly<Partial<Record<ModuleObject['type'], string>>> = {
  primary_key: 'p',
  unique: 'u',
  check: 'c',
  foreign_key: 'f',
};

const POLCMD: Readonly<Record<PolicyAction, string>> = {
  SELECT: 'r',
  INSERT: 'a',
  UPDATE: 'w',
  DELETE: 'd',
  ALL: '*',
};
const POLICY_COMMANDS: Readonly<Record<string, string>> = {
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
  '*': 'ALL',
};

/**
 * Compares the live catalog with what the registry says a module should have, and lists every
 * difference: tables, columns (type as `format_type` spells it, nullability), primary key,
 * unique, check and foreign key constraints, indexes (and half-built invalid ones), `ENABLE` and
 * `FORCE ROW LEVEL SECURITY`, policies (the site policy permissive, every module policy
 * restrictive, their command and roles), the `updated_at` trigger, and table privileges: the
 * module role and the admin role hold exactly `SELECT, INSERT, UPDATE, DELETE` on every module
 * table (none once the module is deprecated), while `anon`, `authenticated`, `service_role`
 * (where they exist) and PUBLIC hold none, and nobody holds a column-level grant.
 *
 * What should exist comes from re-validating and re-planning the definition stored in the
 * registry, so it is exactly what provisioning created. The catalog is read in one read-only
 * snapshot with bound parameters; nothing is changed. A fresh provision reports `ok: true`.
 *
 * @example
 * const report = await checkModuleDatabase(db, crm.moduleId);
 * if (!report.ok) {
 *   for (const d of report.differences) console.log(d.kind, d.message);
 *   // rls_not_forced  row-level security on mod_c7a1e0b2.contacts is not forced
 * }
 * @throws DefinitionValidationError (`invalid_module_id`) when `moduleId` is not a UUID, or when
 * the stored definition no longer validates; NotFoundError when the module is not provisioned;
 * ProvisioningError or AccessDeniedError (with `sqlstate`) when the registry or catalog cannot
 * be read.
 */
export async function checkModuleDatabase(db: Kysely<any>, moduleId: string): Promise<DriftReport> {
  const entry = await getModuleRegistryEntry(db, moduleId);
  if (!entry) {
    throw new NotFoundError(`module ${moduleId} is not provisioned (no registry row)`);
  }
  const definition = await validateModuleDefinition(entry.definition);
  const plan = planModuleDatabase(definition);
  const moduleRoles = plan.adminRole ? [plan.role, plan.adminRole] : [plan.role];
  const namespace =
    plan.strategy === 'schema'
      ? { schema: plan.schema, prefix: null }
      : // Widgets own no tables, but a relation named like theirs is drift all the same.
        { schema: PLATFORM_SCHEMA, prefix: `mod_${plan.shortId}_` };
  const deprecated = entry.status === 'deprecated';

  let catalog: ModuleCatalog;
  let sharedGrants: readonly string[] = [];
  try {
    catalog = await readModuleCatalog(db, namespace, [...moduleRoles, ...DEFAULT_REVOKE_FROM]);
    if (plan.strategy === 'shared' && catalog.existingRoles.includes(plan.role)) {
      const { rows } = await sql<{ privilege: string }>`
        select p.privilege from unnest(${[...PRIVILEGE_ORDER]}::text[]) p(privilege)
        where (p.privilege <> 'MAINTAIN' or pg_catalog.current_setting('server_version_num')::int >= 170000)
          and pg_catalog.has_table_privilege(${plan.role}::text,
            pg_catalog.format('%I.%I', ${PLATFORM_SCHEMA}::text, ${MODULE_DATA_TABLE}::text), p.privilege)`.execute(
        db,
      );
      sharedGrants = rows.map((r) => r.privilege);
    }
  } catch (error) {
    throw toLifecycleError(error, `reading the catalog of module ${plan.moduleId} failed`);
  }

  const differences = compare(plan, definition.tables, catalog, deprecated);
  if (plan.strategy === 'shared' && catalog.existingRoles.includes(plan.role)) {
    const qualified = `${PLATFORM_SCHEMA}.${MODULE_DATA_TABLE}`;
    compareGrants(
      differences,
      qualified,
      plan.role,
      deprecated ? [] : MODULE_PRIVILEGES,
      sharedGrants,
    );
  }
  return Object.freeze({
    moduleId: plan.moduleId,
    shortId: plan.shortId,
    version: entry.version,
    ok: differences.length === 0,
    differences: Object.freeze(differences.map((d) => Object.freeze(d))),
  });
}

function groupBy<T extends { readonly table: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(item.table);
    if (list) list.push(item);
    else map.set(item.table, [item]);
  }
  return map;
}

function sortPrivileges(privileges: Iterable<string>): string[] {
  return [...new Set(privileges)].sort(
    (a, b) => rank(PRIVILEGE_ORDER.indexOf(a)) - rank(PRIVILEGE_ORDER.indexOf(b)),
  );
}

function rank(index: number): number {
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}

/** Pure comparison of the planned objects with the catalog's. */
function compare(
  plan: ModulePlan,
  tables: readonly ValidatedTable[],
  catalog: ModuleCatalog,
  deprecated: boolean,
): DriftDifference[] {
  const out: DriftDifference[] = [];
  const moduleRoles = plan.adminRole ? [plan.role, plan.adminRole] : [plan.role];
  for (const role of moduleRoles) {
    if (!catalog.existingRoles.includes(role)) {
      out.push({ kind: 'missing_role', object: role, message: `role ${role} does not exist` });
    }
  }

  const schema = plan.strategy === 'schema' ? plan.schema : PLATFORM_SCHEMA;
  const qualify = (name: string) => `${schema}.${name}`;
  const relations = new Map(catalog.relations.map((r) => [r.name, r]));
  const columns = groupBy(catalog.columns);
  const constraints = groupBy(catalog.constraints);
  const indexes = groupBy(catalog.indexes);
  const policies = groupBy(catalog.policies);
  const triggers = groupBy(catalog.triggers);
  const grants = groupBy(catalog.grants);
  const objects = new Map<string, ModuleObject[]>();
  for (const object of plan.objects) {
    const list = objects.get(object.table);
    if (list) list.push(object);
    else objects.set(object.table, [object]);
  }
  const expectedNames = new Set<string>();

  plan.tables.forEach((qualified, i) => {
    const table = tables[i];
    const name = qualified.slice(schema.length + 1);
    expectedNames.add(name);
    const relation = relations.get(name);
    if (!table) throw new Error(`internal: no definition for planned table ${qualified}`);
    if (!relation || (relation.kind !== 'r' && relation.kind !== 'p')) {
      out.push({
        kind: 'missing_table',
        table: qualified,
        object: name,
        expected: 'table',
        ...(relation ? { actual: RELATION_KINDS[relation.kind] ?? relation.kind } : {}),
        message: relation
          ? `${qualified} is a ${RELATION_KINDS[relation.kind] ?? relation.kind}, expected a table`
          : `table ${qualified} does not exist`,
      });
      return;
    }
    const planned = objects.get(qualified) ?? [];
    compareColumns(out, qualified, table, columns.get(name) ?? []);
    compareConstraints(out, qualified, planned, constraints.get(name) ?? []);
    compareIndexes(out, qualified, planned, indexes.get(name) ?? []);
    if (!relation.rls) {
      out.push({
        kind: 'rls_not_enabled',
        table: qualified,
        expected: 'enabled',
        actual: 'disabled',
        message: `row-level security on ${qualified} is not enabled: no policy applies`,
      });
    }
    if (!relation.forced) {
      out.push({
        kind: 'rls_not_forced',
        table: qualified,
        expected: 'forced',
        actual: 'not forced',
        message: `row-level security on ${qualified} is not forced: the owner bypasses every policy`,
      });
    }
    comparePolicies(out, qualified, table, plan.role, planned, policies.get(name) ?? []);
    compareTriggers(out, qualified, planned, triggers.get(name) ?? []);

    const tableGrants = grants.get(name) ?? [];
    const grantees = [
      ...moduleRoles.filter((r) => catalog.existingRoles.includes(r)),
      ...DEFAULT_REVOKE_FROM.filter((r) => catalog.existingRoles.includes(r)),
      'PUBLIC',
    ];
    for (const grantee of grantees) {
      const expected = moduleRoles.includes(grantee) && !deprecated ? MODULE_PRIVILEGES : [];
      const actual = tableGrants
        .filter((g) => g.grantee === grantee && g.column === null)
        .map((g) => g.privilege);
      compareGrants(out, qualified, grantee, expected, actual);
    }
    // The plan never grants on single columns: any column-level grant is drift.
    const columnGrants = new Map<string, string[]>();
    for (const g of tableGrants) {
      if (g.column === null) continue;
      const list = columnGrants.get(g.grantee) ?? [];
      list.push(`${g.privilege} (${g.column})`);
      columnGrants.set(g.grantee, list);
    }
    for (const [grantee, list] of columnGrants) {
      out.push({
        kind: 'unexpected_grant',
        table: qualified,
        object: grantee,
        expected: '',
        actual: list.join(', '),
        message: `${grantee} holds column privileges ${list.join(', ')} on ${qualified}`,
      });
    }
  });

  for (const relation of catalog.relations) {
    if (expectedNames.has(relation.name)) continue;
    const kind = RELATION_KINDS[relation.kind] ?? relation.kind;
    out.push({
      kind: 'unexpected_table',
      table: qualify(relation.name),
      object: relation.name,
      actual: kind,
      message: `${kind} ${qualify(relation.name)} is not part of the module's definition`,
    });
  }
  return out;
}

function compareColumns(
  out: DriftDifference[],
  qualified: string,
  table: ValidatedTable,
  actual: readonly ModuleCatalog['columns'][number][],
): void {
  const byName = new Map(actual.map((c) => [c.name, c]));
  for (const column of table.columns) {
    const expectedType = catalogTypeName(column.type);
    // Primary key columns are NOT NULL whatever the column says.
    const notNull = !column.nullable || table.primaryKey.includes(column.name);
    const found = byName.get(column.name);
    if (!found) {
      out.push({
        kind: 'missing_column',
        table: qualified,
        object: column.name,
        expected: expectedType,
        message: `column ${qualified}.${column.name} (${expectedType}) does not exist`,
      });
      continue;
    }
    const actualType = normalizeCatalogTypeName(found.type);
    if (actualType !== expectedType) {
      out.push({
        kind: 'column_type',
        table: qualified,
        object: column.name,
        expected: expectedType,
        actual: found.type,
        message: `column ${qualified}.${column.name} is ${found.type}, expected ${expectedType}`,
      });
    }
    if (found.notNull !== notNull) {
      const label = (b: boolean) => (b ? 'not null' : 'nullable');
      out.push({
        kind: 'column_nullability',
        table: qualified,
        object: column.name,
        expected: label(notNull),
        actual: label(found.notNull),
        message: `column ${qualified}.${column.name} is ${label(found.notNull)}, expected ${label(notNull)}`,
      });
    }
  }
  const declared = new Set(table.columns.map((c) => c.name));
  for (const found of actual) {
    if (declared.has(found.name)) continue;
    out.push({
      kind: 'unexpected_column',
      table: qualified,
      object: found.name,
      actual: found.type,
      message: `column ${qualified}.${found.name} (${found.type}) is not part of the definition`,
    });
  }
}

function compareConstraints(
  out: DriftDifference[],
  qualified: string,
  planned: readonly ModuleObject[],
  actual: readonly ModuleCatalog['constraints'][number][],
): void {
  const expected = new Map<string, string>();
  for (const object of planned) {
    const contype = CONTYPE_OF[object.type];
    if (contype) expected.set(object.name, contype);
  }
  const byName = new Map(actual.map((c) => [c.name, c]));
  for (const [name, contype] of expected) {
    const found = byName.get(name);
    if (found?.type === contype) continue;
    const label = CONSTRAINT_TYPES[contype] ?? contype;
    out.push({
      kind: 'missing_constraint',
      table: qualified,
      object: name,
      expected: label,
      ...(found ? { actual: CONSTRAINT_TYPES[found.type] ?? found.type } : {}),
      message: found
        ? `constraint ${name} on ${qualified} is a ${CONSTRAINT_TYPES[found.type] ?? found.type} constraint, expected ${label}`
        : `${label} constraint ${name} on ${qualified} does not exist`,
    });
  }
  for (const found of actual) {
    if (expected.has(found.name)) continue;
    const label = CONSTRAINT_TYPES[found.type] ?? found.type;
    out.push({
      kind: 'unexpected_constraint',
      table: qualified,
      object: found.name,
      actual: label,
      message: `${label} constraint ${found.name} on ${qualified} is not part of the definition`,
    });
  }
}

function compareIndexes(
  out: DriftDifference[],
  qualified: string,
  planned: readonly ModuleObject[],
  actual: readonly ModuleCatalog['indexes'][number][],
): void {
  const expected = new Set(planned.filter((o) => o.type === 'index').map((o) => o.name));
  const byName = new Map(actual.map((i) => [i.name, i]));
  for (const name of expected) {
    const found = byName.get(name);
    if (!found) {
      out.push({
        kind: 'missing_index',
        table: qualified,
        object: name,
        message: `index ${name} on ${qualified} does not exist`,
      });
    } else if (!found.valid) {
      out.push({
        kind: 'invalid_index',
        table: qualified,
        object: name,
        expected: 'valid',
        actual: 'invalid',
        message: `index ${name} on ${qualified} is invalid (a failed concurrent build): rebuild it`,
      });
    }
  }
  for (const found of actual) {
    if (expected.has(found.name)) continue;
    out.push({
      kind: 'unexpected_index',
      table: qualified,
      object: found.name,
      ...(found.valid ? {} : { actual: 'invalid' }),
      message: `index ${found.name} on ${qualified} is not part of the definition`,
    });
  }
}

function comparePolicies(
  out: DriftDifference[],
  qualified: string,
  table: ValidatedTable,
  role: string,
  planned: readonly ModuleObject[],
  actual: readonly ModuleCatalog['policies'][number][],
): void {
  const byName = new Map(actual.map((p) => [p.name, p]));
  const expected = new Set<string>();
  for (const object of planned) {
    if (object.type !== 'policy') continue;
    expected.add(object.name);
    const found = byName.get(object.name);
    if (!found) {
      out.push({
        kind: 'missing_policy',
        table: qualified,
        object: object.name,
        message: `policy ${object.name} on ${qualified} does not exist`,
      });
      continue;
    }
    const site = object.name === SITE_POLICY_NAME;
    if (site && !found.permissive) {
      out.push({
        kind: 'policy_not_permissive',
        table: qualified,
        object: object.name,
        expected: 'permissive',
        actual: 'restrictive',
        message: `site policy ${object.name} on ${qualified} is restrictive, expected permissive`,
      });
    } else if (!site && found.permissive) {
      out.push({
        kind: 'policy_not_restrictive',
        table: qualified,
        object: object.name,
        expected: 'restrictive',
        actual: 'permissive',
        message: `module policy ${object.name} on ${qualified} is permissive: it widens access`,
      });
    }
    const action = site ? 'ALL' : table.policies.find((p) => p.name === object.name)?.action;
    if (action !== undefined && found.command !== POLCMD[action]) {
      const actualCommand = POLICY_COMMANDS[found.command] ?? found.command;
      out.push({
        kind: 'policy_command',
        table: qualified,
        object: object.name,
        expected: action,
        actual: actualCommand,
        message: `policy ${object.name} on ${qualified} is for ${actualCommand}, expected ${action}`,
      });
    }
    if (found.roles.length !== 1 || found.roles[0] !== role) {
      out.push({
        kind: 'policy_roles',
        table: qualified,
        object: object.name,
        expected: role,
        actual: found.roles.join(', '),
        message: `policy ${object.name} on ${qualified} applies to ${found.roles.join(', ')}, expected ${role}`,
      });
    }
  }
  for (const found of actual) {
    if (expected.has(found.name)) continue;
    const mode = found.permissive ? 'permissive' : 'restrictive';
    out.push({
      kind: 'unexpected_policy',
      table: qualified,
      object: found.name,
      actual: mode,
      message: `${mode} policy ${found.name} on ${qualified} is not part of the definition${found.permissive ? ' (it widens access)' : ''}`,
    });
  }
}

function compareTriggers(
  out: DriftDifference[],
  qualified: string,
  planned: readonly ModuleObject[],
  actual: readonly ModuleCatalog['triggers'][number][],
): void {
  const expected = new Set(planned.filter((o) => o.type === 'trigger').map((o) => o.name));
  const byName = new Map(actual.map((t) => [t.name, t]));
  for (const name of expected) {
    const found = byName.get(name);
    if (!found) {
      out.push({
        kind: 'missing_trigger',
        table: qualified,
        object: name,
        message: `trigger ${name} on ${qualified} does not exist`,
      });
    } else if (found.enabled === 'D' || found.enabled === 'R') {
      // 'R' fires only in replica sessions, so in normal operation it is as good as disabled.
      out.push({
        kind: 'trigger_disabled',
        table: qualified,
        object: name,
        expected: 'enabled',
        actual: found.enabled === 'D' ? 'disabled' : 'replica only',
        message: `trigger ${name} on ${qualified} is ${found.enabled === 'D' ? 'disabled' : 'enabled for replicas only'}`,
      });
    }
  }
  for (const found of actual) {
    if (expected.has(found.name)) continue;
    out.push({
      kind: 'unexpected_trigger',
      table: qualified,
      object: found.name,
      message: `trigger ${found.name} on ${qualified} is not part of the definition`,
    });
  }
}

function compareGrants(
  out: DriftDifference[],
  qualified: string,
  grantee: string,
  expectedPrivileges: readonly string[],
  actualPrivileges: readonly string[],
): void {
  const expected = sortPrivileges(expectedPrivileges);
  const actual = sortPrivileges(actualPrivileges);
  const missing = expected.filter((p) => !actual.includes(p));
  const extra = actual.filter((p) => !expected.includes(p));
  if (missing.length > 0) {
    out.push({
      kind: 'missing_grant',
      table: qualified,
      object: grantee,
      expected: expected.join(', '),
      actual: actual.join(', '),
      message: `${grantee} lacks ${missing.join(', ')} on ${qualified}`,
    });
  }
  if (extra.length > 0) {
    out.push({
      kind: 'unexpected_grant',
      table: qualified,
      object: grantee,
      expected: expected.join(', '),
      actual: actual.join(', '),
      message: `${grantee} holds ${extra.join(', ')} on ${qualified}, which the definition does not grant`,
    });
  }
}
