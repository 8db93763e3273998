import { type Kysely, sql } from 'kysely';
import { validateInstalledDefinition } from '../definition/validate-installed-definition';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';
import { NotFoundError } from '../errors';
import { getModuleRegistryEntry } from '../lifecycle/get-module-registry-entry';
import { toLifecycleError } from '../lifecycle/lifecycle-error';
import type { ModuleRegistryEntry } from '../lifecycle/module-registry-entry';
import { desiredModuleState } from '../model/desired-module-state';
import { diffModuleStates, type PlannedChange } from '../model/diff-module-states';
import type { ModuleState, PolicyState, TableState } from '../model/module-state';
import {
  type CatalogModuleState,
  fromRawModuleState,
  type RawModuleState,
  readModuleState,
} from '../model/read-module-state';
import { declaredColumnOrder } from '../plan/plan-module-database';
import type { PlannedStatement } from '../plan/planned-statement';
import type { DriftDifference, DriftDifferenceKind, DriftReport } from './drift-difference';

/**
 * Compares the live catalog with what the registry says a module should have, and lists every
 * difference, each with the exact SQL that repairs it where module DDL can (`repair`): tables,
 * columns (type as `format_type` spells it, nullability, default), constraints with their columns,
 * targets and actions, indexes (and half-built invalid ones), policies with their command, roles,
 * permissive/restrictive kind and expressions, triggers, every grant (table and column), row-level
 * security enabled and forced, the module's roles with their attributes and memberships, what
 * those roles own or hold outside the module, and dependencies that reach outside it.
 *
 * One comparison serves provisioning, upgrades, drift and repair: the desired state comes from
 * re-validating the definition stored in the registry (`desiredModuleState`), the catalog state
 * from `public.dramac_read_module_state` (the reader the database verifies every change with), and
 * `diffModuleStates` compares them. Expressions are compared with what PostgreSQL recorded when
 * the module was installed or last upgraded or repaired. The catalog is read with bound
 * parameters; nothing is changed. A fresh provision reports `ok: true`.
 *
 * @example
 * const report = await checkModuleDatabase(db, crm.moduleId);
 * if (!report.ok) {
 *   for (const d of report.differences) console.log(d.kind, d.message, d.repair);
 *   // rls_not_forced  row-level security on mod_c7a1e0b2.contacts is not forced  [alter table ...]
 * }
 * @throws DefinitionValidationError (`invalid_module_id`) when `moduleId` is not a UUID, or when
 * the stored definition no longer validates; NotFoundError when the module is not provisioned;
 * ProvisioningError or AccessDeniedError (with `sqlstate`) when the registry or catalog cannot
 * be read.
 */
export async function checkModuleDatabase(db: Kysely<any>, moduleId: string): Promise<DriftReport> {
  const { entry, differences } = await compareWithCatalog(db, moduleId);
  return Object.freeze({
    moduleId: entry.moduleId,
    shortId: entry.shortId,
    version: entry.version,
    ok: differences.length === 0,
    differences: Object.freeze(differences.map((d) => Object.freeze(d))),
  });
}

/** What {@link compareWithCatalog} found: the differences and the changes behind them. */
export interface CatalogComparison {
  readonly entry: ModuleRegistryEntry;
  readonly definition: ValidatedModuleDefinition;
  readonly desired: ModuleState;
  readonly catalog: CatalogModuleState;
  readonly changes: readonly PlannedChange[];
  readonly differences: DriftDifference[];
}

/**
 * The one comparison behind drift checks, lint remedies and repair (internal).
 */
export async function compareWithCatalog(
  db: Kysely<any>,
  moduleId: string,
): Promise<CatalogComparison> {
  const entry = await getModuleRegistryEntry(db, moduleId);
  if (!entry) {
    throw new NotFoundError(`module ${moduleId} is not provisioned (no registry row)`);
  }
  const definition = await validateInstalledDefinition(entry.definition);
  let catalog: CatalogModuleState;
  let recorded: Recorded;
  let quotaProblems: DriftDifference[];
  try {
    catalog = await readModuleState(
      db,
      entry.shortId,
      entry.strategy,
      entry.moduleId,
      entry.version,
    );
    recorded = await readRecorded(db, entry);
    quotaProblems = await readQuotaTriggerProblems(db, entry.shortId);
  } catch (error) {
    throw toLifecycleError(error, `reading the catalog of module ${entry.moduleId} failed`);
  }
  const deprecated = entry.status === 'deprecated';
  const planned = desiredModuleState(definition);
  // A deprecated module's roles have lost every grant (retention): that is what it should be.
  const desired: ModuleState = deprecated
    ? { ...planned, tables: planned.tables.map((t) => ({ ...t, grants: [] })) }
    : planned;
  // Views, sequences and other relations in the module's namespace are never module tables: they
  // are reported (with the statement that drops them) but not diffed as tables.
  const TABLE_KINDS = new Set(['r', 'p']);
  const relations = catalog.state.tables.filter(
    (t) => !TABLE_KINDS.has(catalog.tables.get(t.name)?.kind ?? 'r'),
  );
  const actual: ModuleState = {
    ...catalog.state,
    tables: catalog.state.tables.filter((t) => !relations.includes(t)),
  };
  const changes = diffModuleStates(actual, desired, {
    repair: true,
    allowPrimaryKeyChange: true,
    columnOrder: declaredColumnOrder(definition),
    sameExpression: (table, object, actual, wanted) =>
      recorded.sameExpression(table, object, actual, wanted),
  });
  // Module-wide differences first, then table by table in declared order.
  const order = new Map(desired.tables.map((t, i) => [`${t.schema}.${t.name}`, i]));
  const rank = (d: DriftDifference) =>
    d.table === undefined ? -1 : (order.get(d.table) ?? order.size);
  const differences = [
    ...roleDifferences(catalog, entry, deprecated),
    ...tableFactDifferences(catalog, desired, entry),
    ...relations.map((r) => otherRelation(r, catalog.tables.get(r.name)?.kind ?? '')),
    ...changeDifferences(changes, actual, desired),
    ...dependencyDifferences(catalog),
    ...quotaProblems,
  ]
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map(({ d }) => d);
  return { entry, definition, desired, catalog, changes, differences };
}

/**
 * The platform's quota counting triggers that are missing, disabled or altered (platform migration
 * 8 and later; none before it).
 */
async function readQuotaTriggerProblems(
  db: Kysely<any>,
  shortId: string,
): Promise<DriftDifference[]> {
  const { rows: present } = await sql<{ present: boolean }>`
    select to_regprocedure('public.dramac_quota_trigger_problems(text)') is not null as present`.execute(
    db,
  );
  if (!present[0]?.present) return [];
  const { rows } = await sql<{ problems: { table: string; object: string; message: string }[] }>`
    select public.dramac_quota_trigger_problems(${shortId}) as problems`.execute(db);
  return (rows[0]?.problems ?? []).map((p) => ({
    kind: 'quota_trigger' as const,
    table: p.table,
    object: p.object,
    message: `${p.message}: rows written meanwhile are not counted and the row and storage limits do not hold (repair or recountUsage attaches it again and counts the rows)`,
  }));
}

interface Recorded {
  sameExpression(table: TableState, object: string, actual?: string, wanted?: string): boolean;
}

/**
 * Expressions as PostgreSQL printed them when the installed version was applied (the registry's
 * `installed_state`) and as the planner wrote them then (the version's plan): an expression is
 * unchanged when the catalog still prints what it printed then and the definition still wants what
 * it wanted then.
 */
async function readRecorded(db: Kysely<any>, entry: ModuleRegistryEntry): Promise<Recorded> {
  const { rows } = await sql<{ installed: RawModuleState | null; desired: ModuleState | null }>`
    select r.installed_state as installed, v.plan -> 'desired' as desired
    from public.module_database_registry r
    left join public.module_database_versions v on v.module_id = r.module_id and v.version = r.version
    where r.module_id = ${entry.moduleId}::uuid`.execute(db);
  const installed = rows[0]?.installed ?? null;
  const printed = new Map<string, Readonly<Record<string, string>>>();
  if (installed) {
    const state = fromRawModuleState(
      installed,
      entry.shortId,
      entry.strategy,
      entry.moduleId,
      entry.version,
    );
    for (const [name, facts] of state.tables) printed.set(name, facts.expressions);
  }
  const planned = new Map<string, Map<string, string | undefined>>();
  for (const t of rows[0]?.desired?.tables ?? []) {
    const map = new Map<string, string | undefined>();
    for (const c of t.columns) map.set(`default:${c.name}`, c.default);
    for (const c of t.constraints) if (c.type === 'c') map.set(`check:${c.name}`, c.check);
    for (const i of t.indexes) if (i.hasPredicate) map.set(`index:${i.name}`, i.where);
    for (const p of t.policies) {
      map.set(`using:${p.name}`, p.using);
      map.set(`withCheck:${p.name}`, p.withCheck);
    }
    planned.set(t.name, map);
  }
  return {
    sameExpression(table, object, actual, wanted) {
      const then = printed.get(table.name)?.[object];
      if (then === undefined || then !== actual) return false;
      const wantedThen = planned.get(table.name);
      // Modules installed before plans recorded their desired state: the catalog text decides.
      return (
        wantedThen === undefined || !wantedThen.has(object) || wantedThen.get(object) === wanted
      );
    },
  };
}

function roleDifferences(
  catalog: CatalogModuleState,
  entry: ModuleRegistryEntry,
  deprecated: boolean,
): DriftDifference[] {
  const out: DriftDifference[] = [];
  const short = entry.shortId;
  const role = `modrole_${short}`;
  const admin = `modadmin_${short}`;
  const owner = `modowner_${short}`;
  const wanted = entry.strategy === 'shared' ? [role] : [role, admin, owner];
  const allowedMemberOf: Record<string, string[]> = {
    [role]: deprecated
      ? []
      : entry.strategy === 'shared'
        ? ['dramac_module_roles', 'dramac_widget_roles']
        : ['dramac_module_roles'],
    [admin]: [],
    [owner]: ['dramac_module_owners'],
  };
  const allowedMembers: Record<string, string[]> = {
    [role]: ['dramac_data_api', 'dramac_platform'],
    [admin]: ['dramac_admin_api', 'dramac_platform'],
    [owner]: ['dramac_platform'],
  };
  for (const name of wanted) {
    const facts = catalog.roles.find((r) => r.name === name);
    if (!facts?.exists) {
      out.push({ kind: 'missing_role', object: name, message: `role ${name} does not exist` });
      continue;
    }
    const attributes = Object.entries(facts.attributes ?? {})
      .filter(([k, v]) => v && k !== 'inherit')
      .map(([k]) => k);
    if (attributes.length > 0) {
      out.push({
        kind: 'role_attributes',
        object: name,
        expected: '',
        actual: attributes.join(', '),
        message: `role ${name} has ${attributes.join(', ')}: module roles hold no attribute`,
      });
    }
    for (const m of facts.memberOf) {
      if ((allowedMemberOf[name] ?? []).includes(m.role)) continue;
      out.push({
        kind: 'unexpected_membership',
        object: name,
        actual: m.role,
        message: `role ${name} is a member of ${m.role}: it gains that role's privileges`,
      });
    }
    for (const m of facts.members) {
      if ((allowedMembers[name] ?? []).includes(m.role)) continue;
      out.push({
        kind: 'unexpected_membership',
        object: name,
        actual: m.role,
        message: `role ${m.role} is a member of ${name}: it can act as the module`,
      });
    }
    for (const o of facts.objects) {
      out.push({
        kind: 'outside_object',
        object: `${o.type} ${o.identity}`,
        actual: name,
        message: `role ${name} ${o.dependency === 'owner' ? 'owns' : o.dependency === 'acl' ? 'holds privileges on' : 'is named by'} ${o.type} ${o.identity}, outside the module`,
      });
    }
  }
  if (catalog.schema && catalog.schema.owner !== owner && entry.strategy === 'schema') {
    out.push({
      kind: 'schema_owner',
      object: catalog.schema.name,
      expected: owner,
      actual: catalog.schema.owner,
      message: `schema ${catalog.schema.name} belongs to ${catalog.schema.owner}, expected ${owner}`,
    });
  }
  return out;
}

function tableFactDifferences(
  catalog: CatalogModuleState,
  desired: ModuleState,
  entry: ModuleRegistryEntry,
): DriftDifference[] {
  const out: DriftDifference[] = [];
  const owner = `modowner_${entry.shortId}`;
  const wanted = new Set(desired.tables.map((t) => t.name));
  for (const [name, facts] of catalog.tables) {
    if (!wanted.has(name)) continue;
    const qualified = `${desired.schema}.${name}`;
    if (!facts.rowSecurity) {
      out.push({
        kind: 'rls_not_enabled',
        table: qualified,
        expected: 'enabled',
        actual: 'disabled',
        message: `row-level security on ${qualified} is not enabled: no policy applies`,
        repair: [`alter table ${quote(desired.schema)}.${quote(name)} enable row level security`],
      });
    }
    if (!facts.forceRowSecurity) {
      out.push({
        kind: 'rls_not_forced',
        table: qualified,
        expected: 'forced',
        actual: 'not forced',
        message: `row-level security on ${qualified} is not forced: the owner bypasses every policy`,
        repair: [`alter table ${quote(desired.schema)}.${quote(name)} force row level security`],
      });
    }
    if (facts.owner !== owner) {
      out.push({
        kind: 'table_owner',
        table: qualified,
        expected: owner,
        actual: facts.owner,
        message: `${qualified} belongs to ${facts.owner}, expected ${owner}`,
      });
    }
    if (
      facts.kind !== 'r' ||
      facts.inherits.length > 0 ||
      facts.inheritedBy.length > 0 ||
      facts.rules.length > 0
    ) {
      out.push({
        kind: 'table_kind',
        table: qualified,
        expected: 'an ordinary table without inheritance or rules',
        actual: [
          facts.kind !== 'r' ? `relkind ${facts.kind}` : '',
          ...facts.inherits.map((p) => `inherits ${p}`),
          ...facts.inheritedBy.map((c) => `inherited by ${c}`),
          ...facts.rules.map((r) => `rule ${r}`),
        ]
          .filter(Boolean)
          .join(', '),
        message: `${qualified} is not an ordinary module table`,
      });
    }
  }
  return out;
}

const RELATION_KINDS: Readonly<Record<string, string>> = {
  v: 'view',
  m: 'materialized view',
  S: 'sequence',
  f: 'foreign table',
  c: 'type',
};

/** A view, sequence or other relation in the module's namespace: never part of a module. */
function otherRelation(r: TableState, kind: string): DriftDifference {
  const label = RELATION_KINDS[kind] ?? `relation (${kind})`;
  const qualified = `${r.schema}.${r.name}`;
  return {
    kind: 'unexpected_table',
    table: qualified,
    object: r.name,
    actual: label,
    message: `${label} ${qualified} is not part of the module's definition`,
    repair: [`drop ${kind === 'c' ? 'type' : label} ${quote(r.schema)}.${quote(r.name)}`],
  };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const KIND_OF_CHANGE: Readonly<Record<string, DriftDifferenceKind>> = {
  add_table: 'missing_table',
  drop_table: 'unexpected_table',
  add_column: 'missing_column',
  drop_column: 'unexpected_column',
  alter_type: 'column_type',
  set_not_null: 'column_nullability',
  drop_not_null: 'column_nullability',
  alter_default: 'column_default',
  add_unique: 'missing_constraint',
  add_check: 'missing_constraint',
  add_foreign_key: 'missing_constraint',
  add_constraint: 'missing_constraint',
  drop_unique: 'unexpected_constraint',
  drop_check: 'unexpected_constraint',
  drop_foreign_key: 'unexpected_constraint',
  drop_constraint: 'unexpected_constraint',
  rebuild_primary_key: 'primary_key',
  change_primary_key: 'primary_key',
  add_index: 'missing_index',
  drop_index: 'unexpected_index',
  add_policy: 'missing_policy',
  drop_policy: 'unexpected_policy',
  add_trigger: 'missing_trigger',
  drop_trigger: 'unexpected_trigger',
  add_grant: 'missing_grant',
  revoke_grant: 'unexpected_grant',
  add_column_grant: 'missing_grant',
  revoke_column_grant: 'unexpected_grant',
};

const CONSTRAINT_LABEL: Readonly<Record<string, string>> = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
  t: 'constraint trigger',
};

/** The diff's changes, read as differences of the catalog from the definition. */
function changeDifferences(
  changes: readonly PlannedChange[],
  actual: ModuleState,
  desired: ModuleState,
): DriftDifference[] {
  const out: DriftDifference[] = [];
  const used = new Set<PlannedChange>();
  const tableOf = (state: ModuleState, key: string) => state.tables.find((t) => t.key === key);
  const sqlOf = (c: PlannedChange) => c.statements.map((s: PlannedStatement) => s.sql);
  for (const c of changes) {
    if (used.has(c)) continue;
    if (c.kind === 'add_table') {
      // A missing table comes back whole: its foreign keys are part of the same difference.
      const fks = changes.filter(
        (o) => o.kind === 'add_foreign_key' && o.table === c.table && !used.has(o),
      );
      for (const fk of fks) used.add(fk);
      const wantedTable = tableOf(desired, c.table);
      const qualified = `${wantedTable?.schema}.${wantedTable?.name}`;
      out.push(
        describe('missing_table', c, qualified, undefined, wantedTable, [
          ...sqlOf(c),
          ...fks.flatMap(sqlOf),
        ]),
      );
      continue;
    }
    const wantedTable = tableOf(desired, c.table);
    const actualTable = tableOf(actual, c.table);
    const qualified = `${wantedTable?.schema ?? actualTable?.schema ?? desired.schema}.${wantedTable?.name ?? actualTable?.name ?? c.table}`;
    // A changed object is a drop and an add of the same name: one difference.
    const partner = c.kind.startsWith('drop_')
      ? changes.find(
          (o) =>
            o !== c &&
            !used.has(o) &&
            o.table === c.table &&
            o.object === c.object &&
            o.kind === c.kind.replace('drop_', 'add_'),
        )
      : undefined;
    if (partner) {
      used.add(partner);
      out.push(
        ...[
          changedObject(c, partner, qualified, actualTable, wantedTable, [
            ...sqlOf(c),
            ...sqlOf(partner),
          ]),
        ].flat(),
      );
      continue;
    }
    if (c.kind === 'rebuild_primary_key') {
      const pair = changes.find(
        (o) => o !== c && !used.has(o) && o.kind === c.kind && o.table === c.table,
      );
      if (pair) used.add(pair);
      const before = actualTable?.constraints.find((k) => k.type === 'p');
      const after = wantedTable?.constraints.find((k) => k.type === 'p');
      out.push({
        kind: 'primary_key',
        table: qualified,
        object: after?.name ?? c.object,
        expected: after?.columns.join(', ') ?? '',
        actual: before?.columns.join(', ') ?? '',
        message: `the primary key of ${qualified} is (${before?.columns.join(', ')}), expected (${after?.columns.join(', ')}): keys are unique per site`,
        repair: [...sqlOf(c), ...(pair ? sqlOf(pair) : [])],
      });
      continue;
    }
    const kind = KIND_OF_CHANGE[c.kind];
    if (!kind) continue; // renames and other bookkeeping: the objects differ only in name
    out.push(describe(kind, c, qualified, actualTable, wantedTable, sqlOf(c)));
  }
  return out;
}

function describe(
  kind: DriftDifferenceKind,
  c: PlannedChange,
  qualified: string,
  actual: TableState | undefined,
  wanted: TableState | undefined,
  repair: string[],
): DriftDifference {
  const object = c.object;
  const base = { kind, table: qualified, ...(object ? { object } : {}), repair };
  switch (kind) {
    case 'missing_table':
      return {
        ...base,
        object: wanted?.name ?? c.table,
        expected: 'table',
        message: `table ${qualified} does not exist`,
      };
    case 'unexpected_table':
      return {
        ...base,
        object: actual?.name ?? c.table,
        actual: 'table',
        message: `table ${qualified} is not part of the module's definition`,
      };
    case 'missing_column': {
      const col = wanted?.columns.find((x) => x.name === object);
      return {
        ...base,
        expected: col?.type ?? '',
        message: `column ${qualified}.${object} (${col?.type}) does not exist`,
      };
    }
    case 'unexpected_column': {
      const col = actual?.columns.find((x) => x.name === object);
      return {
        ...base,
        actual: col?.type ?? '',
        message: `column ${qualified}.${object} is not part of the module's definition`,
      };
    }
    case 'column_type': {
      const a = actual?.columns.find((x) => x.name === object)?.type ?? '';
      const w = wanted?.columns.find((x) => x.name === object)?.type ?? '';
      return {
        ...base,
        expected: w,
        actual: a,
        message: `column ${qualified}.${object} is ${a}, expected ${w}`,
      };
    }
    case 'column_nullability': {
      const label = (b?: boolean) => (b ? 'not null' : 'nullable');
      const a = label(actual?.columns.find((x) => x.name === object)?.notNull);
      const w = label(wanted?.columns.find((x) => x.name === object)?.notNull);
      return {
        ...base,
        expected: w,
        actual: a,
        message: `column ${qualified}.${object} is ${a}, expected ${w}`,
      };
    }
    case 'column_default': {
      const a = actual?.columns.find((x) => x.name === object)?.default ?? 'no default';
      const w = wanted?.columns.find((x) => x.name === object)?.default ?? 'no default';
      return {
        ...base,
        expected: w,
        actual: a,
        message: `the default of ${qualified}.${object} is ${a}, expected ${w}`,
      };
    }
    case 'missing_constraint': {
      const k = wanted?.constraints.find((x) => x.name === object);
      return {
        ...base,
        expected: CONSTRAINT_LABEL[k?.type ?? ''] ?? 'constraint',
        message: `${CONSTRAINT_LABEL[k?.type ?? ''] ?? 'constraint'} ${object} on ${qualified} does not exist`,
      };
    }
    case 'unexpected_constraint': {
      const k = actual?.constraints.find((x) => x.name === object);
      return {
        ...base,
        actual: CONSTRAINT_LABEL[k?.type ?? ''] ?? 'constraint',
        message: `${CONSTRAINT_LABEL[k?.type ?? ''] ?? 'constraint'} ${object} on ${qualified} is not part of the module's definition`,
      };
    }
    case 'missing_index':
      return { ...base, message: `index ${object} on ${qualified} does not exist` };
    case 'unexpected_index':
      return {
        ...base,
        message: `index ${object} on ${qualified} is not part of the module's definition`,
      };
    case 'missing_policy':
      return { ...base, message: `policy ${object} on ${qualified} does not exist` };
    case 'unexpected_policy': {
      const p = actual?.policies.find((x) => x.name === object);
      return {
        ...base,
        actual: p?.permissive ? 'permissive' : 'restrictive',
        message: p?.permissive
          ? `permissive policy ${object} on ${qualified} is not part of the module's definition: it widens access`
          : `policy ${object} on ${qualified} is not part of the module's definition`,
      };
    }
    case 'missing_trigger':
      return { ...base, message: `trigger ${object} on ${qualified} does not exist` };
    case 'unexpected_trigger':
      return {
        ...base,
        message: `trigger ${object} on ${qualified} is not part of the module's definition`,
      };
    case 'missing_grant':
    case 'unexpected_grant': {
      const missing = kind === 'missing_grant';
      if (c.kind.endsWith('column_grant')) {
        const grants = ((missing ? wanted : actual)?.columnGrants ?? []).filter((g) => {
          const other = (missing ? actual : wanted)?.columnGrants ?? [];
          return (
            !other.some(
              (o) =>
                o.column === g.column &&
                o.grantee === g.grantee &&
                o.privilege === g.privilege &&
                o.grantable === g.grantable,
            ) &&
            (missing || g.grantee === object)
          );
        });
        const grantee = missing
          ? [...new Set(grants.map((g) => g.grantee))].join(', ')
          : (object ?? '');
        const privileges = grants.map((g) => `${g.privilege} (${g.column})`).join(', ');
        return {
          ...base,
          object: grantee,
          ...(missing
            ? { expected: privileges, actual: '' }
            : { expected: '', actual: privileges }),
          message: missing
            ? `${grantee} lacks ${privileges} on ${qualified}`
            : `${grantee} holds column privileges ${privileges} on ${qualified}, which the module does not grant`,
        };
      }
      const grants = (missing ? wanted : actual)?.grants ?? [];
      const other = (missing ? actual : wanted)?.grants ?? [];
      const id = (g: { grantee: string; privilege: string; grantable: boolean }) =>
        `${g.grantee}|${g.privilege}|${g.grantable}`;
      const otherIds = new Set(other.map(id));
      const diff = grants.filter((g) => !otherIds.has(id(g)));
      const grantees = [...new Set(diff.map((g) => g.grantee))];
      const grantee = missing ? grantees.join(', ') : (object ?? grantees.join(', '));
      const privileges = diff
        .filter((g) => missing || g.grantee === object)
        .map((g) => `${g.privilege}${g.grantable ? ' WITH GRANT OPTION' : ''}`)
        .join(', ');
      return {
        ...base,
        object: grantee,
        ...(missing ? { expected: privileges, actual: '' } : { expected: '', actual: privileges }),
        message: missing
          ? `${grantee} lacks ${privileges} on ${qualified}`
          : `${grantee} holds ${privileges} on ${qualified}, which the module does not grant`,
      };
    }
    default:
      return { ...base, message: c.description };
  }
}

function changedObject(
  drop: PlannedChange,
  add: PlannedChange,
  qualified: string,
  actual: TableState | undefined,
  wanted: TableState | undefined,
  repair: string[],
): DriftDifference | DriftDifference[] {
  const object = add.object ?? drop.object ?? '';
  const base = { table: qualified, object, repair };
  if (add.kind === 'add_policy') {
    const a = actual?.policies.find((p) => p.name === object) as PolicyState | undefined;
    const w = wanted?.policies.find((p) => p.name === object) as PolicyState | undefined;
    // One difference per aspect; the repair (drop and create again) goes with the first.
    const found: DriftDifference[] = [];
    const next = (d: Omit<DriftDifference, 'table' | 'object' | 'repair'>) =>
      found.push({
        ...d,
        table: qualified,
        object,
        ...(found.length === 0 ? { repair } : {}),
      } as DriftDifference);
    if (a && w && a.permissive !== w.permissive) {
      next({
        kind: w.permissive ? 'policy_not_permissive' : 'policy_not_restrictive',
        expected: w.permissive ? 'permissive' : 'restrictive',
        actual: a.permissive ? 'permissive' : 'restrictive',
        message: w.permissive
          ? `policy ${object} on ${qualified} is restrictive: the site policy must be permissive`
          : `module policy ${object} on ${qualified} is permissive: it widens access`,
      });
    }
    if (a && w && a.command !== w.command) {
      next({
        kind: 'policy_command',
        expected: w.command,
        actual: a.command,
        message: `policy ${object} on ${qualified} applies to ${a.command}, expected ${w.command}`,
      });
    }
    if (a && w && a.roles.join() !== w.roles.join()) {
      next({
        kind: 'policy_roles',
        expected: w.roles.join(', '),
        actual: a.roles.join(', '),
        message: `policy ${object} on ${qualified} applies to ${a.roles.join(', ')}, expected ${w.roles.join(', ')}`,
      });
    }
    if (found.length === 0) {
      next({
        kind: 'policy_expression',
        expected: [w?.using, w?.withCheck].filter(Boolean).join(' / '),
        actual: [a?.using, a?.withCheck].filter(Boolean).join(' / '),
        message: `the expressions of policy ${object} on ${qualified} are not the module's`,
      });
    }
    return found;
  }
  if (add.kind === 'add_trigger') {
    const a = actual?.triggers.find((t) => t.name === object);
    if (a?.enabled !== undefined && a.enabled !== 'O') {
      return {
        ...base,
        kind: 'trigger_disabled',
        expected: 'enabled',
        actual: a.enabled === 'D' ? 'disabled' : a.enabled,
        message: `trigger ${object} on ${qualified} is disabled`,
      };
    }
    return {
      ...base,
      kind: 'trigger_definition',
      message: `trigger ${object} on ${qualified} is not the module's`,
    };
  }
  if (add.kind === 'add_index') {
    const a = actual?.indexes.find((i) => i.name === object);
    if (a?.valid === false) {
      return {
        ...base,
        kind: 'invalid_index',
        expected: 'valid',
        actual: 'invalid',
        message: `index ${object} on ${qualified} is invalid (a failed concurrent build): it serves no query`,
      };
    }
    return {
      ...base,
      kind: 'index_definition',
      message: `index ${object} on ${qualified} is not the module's (columns, method, uniqueness or predicate)`,
    };
  }
  return {
    ...base,
    kind: 'constraint_definition',
    message: `constraint ${object} on ${qualified} is not the module's (columns, expression, target or actions)`,
  };
}

/**
 * Dependencies of module objects outside the module, other than the platform objects a module
 * may use; and objects outside the module that depend on a module object.
 */
function dependencyDifferences(catalog: CatalogModuleState): DriftDifference[] {
  const allowed =
    /^(public\.(sites|agencies|clients|profiles)(_pkey)?|auth\.users(_pkey)?|public\.dramac_(current_site_id|current_user_id|can_access_current_site|visitor_can_access_current_site|set_updated_at|check_tenant_references|current_claims|current_role)\(.*\)|auth\.(uid|jwt|role)\(\)|(.+\.)?citext.*)$/;
  const out: DriftDifference[] = [];
  for (const d of catalog.externalDependencies) {
    if (d.type === 'schema' || allowed.test(d.identity)) continue;
    out.push({
      kind: 'outside_dependency',
      object: `${d.type} ${d.identity}`,
      message: `a module object depends on ${d.type} ${d.identity}, outside the module`,
    });
  }
  for (const d of catalog.dependents) {
    out.push({
      kind: 'outside_dependent',
      object: `${d.type} ${d.identity}`,
      message: `${d.type} ${d.identity}, outside the module, depends on a module object: dropping the module would drop it too`,
    });
  }
  return out;
}
