import 'server-only';
import {
  formatColumnType,
  planModuleDatabase,
  SITE_POLICY_NAME,
  type ValidatedModuleDefinition,
} from '@dramac/module-db';
import { type DiagramModel, type DiagramTable, namespaceOf } from './diagram-model';
import { logicalTable } from './plan-summary';

/** The command a policy applies to, as PostgreSQL spells it. */
const COMMAND: Record<string, string> = {
  SELECT: 'select',
  INSERT: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
  ALL: 'all',
};

/**
 * The diagram of a validated definition: physical table names from its plan, the platform's `id`
 * and `site_id`, keys, checks, foreign keys, indexes, the mandatory site policy (permissive) and
 * the module's own policies (restrictive).
 */
export function diagramOf(definition: ValidatedModuleDefinition): DiagramModel {
  const plan = planModuleDatabase(definition);
  // The plan's physical tables (`schema.table`, `public.mod_<id>_<name>` under the prefix
  // strategy), by the logical name they carry.
  const physical = new Map(plan.tables.map((t) => [logicalTable(t), t] as const));
  // The desired state the plan leads to: the policies and keys exactly as the database will hold them.
  const desired = new Map(plan.desired.tables.map((t) => [t.key, t] as const));
  const tables: DiagramTable[] = definition.tables.map((t) => {
    const fks = new Map(t.foreignKeys.map((fk) => [fk.column, fk] as const));
    const state = desired.get(t.name);
    const primaryKey = state?.constraints.find((c) => c.type === 'p')?.columns ?? t.primaryKey;
    return {
      name: t.name,
      qualified: physical.get(t.name) ?? t.name,
      columns: t.columns.map((c) => {
        const fk = fks.get(c.name);
        const check = t.checks.find((k) => k.column === c.name);
        return {
          name: c.name,
          type: formatColumnType(c.type),
          nullable: c.nullable,
          primaryKey: primaryKey.includes(c.name),
          siteKey: c.name === 'site_id',
          platform: c.addedBy === 'platform',
          unique: t.uniqueColumns.includes(c.name),
          ...(c.default && { default: c.default.canonical }),
          ...(check && { check: check.expression.canonical }),
          ...(fk && {
            references:
              fk.target.kind === 'module'
                ? { table: fk.target.table, column: fk.target.column, external: false }
                : {
                    table: `${fk.target.schema}.${fk.target.table}`,
                    column: fk.target.column,
                    external: true,
                  },
          }),
        };
      }),
      // Permissive policies first (the site policy for the module role, then the owner's and
      // admin's), then the module's own, restrictive ones.
      policies: [...(state?.policies ?? [])]
        .sort(
          (a, b) =>
            Number(b.permissive) - Number(a.permissive) ||
            Number(b.name === SITE_POLICY_NAME) - Number(a.name === SITE_POLICY_NAME) ||
            a.name.localeCompare(b.name),
        )
        .map((p) => ({
          name: p.name,
          mode: p.permissive ? ('permissive' as const) : ('restrictive' as const),
          command: COMMAND[p.command] ?? p.command.toLowerCase(),
          roles: p.roles,
          ...(p.using && { using: p.using }),
          ...(p.withCheck && { withCheck: p.withCheck }),
        })),
      // Btree indexes lead with site_id (every query is filtered by site), as the planner builds them.
      indexes: t.indexes.map((i) => {
        const columns =
          i.method === 'btree' && i.columns[0] !== 'site_id'
            ? ['site_id', ...i.columns]
            : i.columns;
        return {
          label: `${i.name ? `${i.name} ` : ''}(${columns.join(', ')})${
            i.method !== 'btree' ? ` using ${i.method}` : ''
          }${i.where ? ` where ${i.where.canonical}` : ''}`,
          unique: i.unique,
        };
      }),
    };
  });
  if (definition.strategy === 'shared') tables.push(sharedTable(definition.shortId));
  return {
    moduleId: definition.moduleId,
    shortId: definition.shortId,
    version: definition.version,
    strategy: definition.strategy,
    namespace: namespaceOf(definition.strategy, definition.shortId, plan.schema),
    role: plan.role,
    tables,
  };
}

/**
 * A widget has no tables of its own: its rows live in the platform's shared `public.module_data`,
 * told apart by `module_short_id` (stamped from the role the request runs as).
 */
function sharedTable(shortId: string): DiagramTable {
  const column = (
    name: string,
    type: string,
    extra: Partial<DiagramTable['columns'][number]> = {},
  ) => ({
    name,
    type,
    nullable: false,
    primaryKey: false,
    siteKey: false,
    platform: true,
    unique: false,
    ...extra,
  });
  return {
    name: 'module_data',
    qualified: 'public.module_data',
    columns: [
      column('id', 'uuid', { primaryKey: true, default: 'gen_random_uuid()' }),
      column('module_short_id', 'text', { default: `'${shortId}' (the request's module role)` }),
      column('site_id', 'uuid', {
        siteKey: true,
        references: { table: 'public.sites', column: 'id', external: true },
      }),
      column('collection', 'text'),
      column('key', 'text'),
      column('value', 'jsonb', { default: "'{}'" }),
      column('created_at', 'timestamptz', { default: 'now()' }),
      column('updated_at', 'timestamptz', { default: 'now()' }),
    ],
    policies: [
      {
        name: SITE_POLICY_NAME,
        mode: 'permissive',
        command: 'all',
        using:
          "module_short_id = the request's module, site_id = the request's site, and its agency has the user and the module",
      },
    ],
    indexes: [{ label: '(site_id, module_short_id, collection, key)', unique: true }],
  };
}
