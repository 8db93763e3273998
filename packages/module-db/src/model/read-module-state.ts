import { type Kysely, sql } from 'kysely';
import type { IsolationStrategy } from '../definition/validated-definition';
import type {
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

/** What the catalogs say about one of the module's roles. */
export interface RoleFacts {
  readonly name: string;
  readonly exists: boolean;
  readonly attributes: Readonly<Record<string, boolean>> | null;
  readonly memberOf: readonly RoleMembership[];
  readonly members: readonly RoleMembership[];
  readonly settings: readonly string[];
  /** Objects outside the module's tables and schema the role owns, holds privileges on, or is named by a policy of. */
  readonly objects: readonly { dependency: string; type: string; identity: string }[];
}

/** One `pg_auth_members` row, from the side of the module role. */
export interface RoleMembership {
  readonly role: string;
  readonly admin: boolean;
  readonly inherit: boolean;
  readonly set: boolean;
}

/** Table facts outside the diffable structure. */
export interface TableFacts {
  readonly kind: string;
  readonly persistence: string;
  readonly owner: string;
  readonly rowSecurity: boolean;
  readonly forceRowSecurity: boolean;
  readonly partition: boolean;
  readonly inherits: readonly string[];
  readonly inheritedBy: readonly string[];
  readonly rules: readonly string[];
  /** Expression texts as PostgreSQL prints them, keyed `default:<column>`, `check:<name>`, `index:<name>`, `using:<policy>`, `withCheck:<policy>`. */
  readonly expressions: Readonly<Record<string, string>>;
}

/**
 * The catalog state of a module, as `public.dramac_read_module_state` reads it: the diffable
 * {@link ModuleState} plus the facts around it (roles, schema, table flags, dependencies).
 *
 * @example
 * const { state, roles } = await readModuleState(db, 'c7a1e0b2', 'schema', crm.moduleId, '1.0.0');
 */
export interface CatalogModuleState {
  readonly state: ModuleState;
  readonly roles: readonly RoleFacts[];
  readonly schema: {
    readonly name: string;
    readonly owner: string;
    readonly grants: readonly GrantState[];
  } | null;
  readonly tables: ReadonlyMap<string, TableFacts>;
  readonly externalDependencies: readonly { type: string; identity: string }[];
  readonly dependents: readonly { type: string; identity: string }[];
  /** The JSON the database returned, as the registry keeps it. */
  readonly raw: RawModuleState;
}

/** The JSON shape `dramac_read_module_state` returns. */
export interface RawModuleState {
  readonly roles: RoleFacts[];
  readonly schema: CatalogModuleState['schema'];
  readonly tables: RawTable[];
  readonly externalDependencies: { type: string; identity: string }[];
  readonly dependents: { type: string; identity: string }[];
}

interface RawTable extends TableFacts {
  readonly schema: string;
  readonly name: string;
  readonly columns: (Omit<ColumnState, 'default'> & { identity: string; generated: string })[];
  readonly constraints: ConstraintState[];
  readonly indexes: (IndexState & { valid: boolean })[];
  readonly policies: PolicyState[];
  readonly triggers: (Omit<TriggerState, 'arguments'> & { enabled: string; arguments: string[] })[];
  readonly grants: GrantState[];
  readonly columnGrants: ColumnGrantState[];
}

/**
 * Reads a module's state from the catalogs in one query (`public.dramac_read_module_state`, the
 * same reader the database uses to verify a change before it commits).
 *
 * @example
 * const catalog = await readModuleState(db, 'c7a1e0b2', 'schema', crm.moduleId, '1.0.0');
 * catalog.state.tables.length; // 4
 * @throws the PostgreSQL error when the reader cannot run (platform not migrated, no privilege).
 */
export async function readModuleState(
  db: Kysely<any>,
  shortId: string,
  strategy: IsolationStrategy,
  moduleId: string,
  version: string,
): Promise<CatalogModuleState> {
  const { rows } = await sql<{ state: RawModuleState }>`
    select public.dramac_read_module_state(${shortId}, ${strategy}, true) as state`.execute(db);
  const raw = rows[0]?.state;
  if (!raw) throw new Error('dramac_read_module_state returned nothing');
  return fromRawModuleState(raw, shortId, strategy, moduleId, version);
}

/**
 * Turns the reader's JSON (live, or as the registry recorded it at install time) into a module
 * state whose tables carry their declared names as keys and their expression texts on each object.
 *
 * @example
 * fromRawModuleState(entry.installedState, 'c7a1e0b2', 'schema', crm.moduleId, '1.0.0');
 * @throws never.
 */
export function fromRawModuleState(
  raw: RawModuleState,
  shortId: string,
  strategy: IsolationStrategy,
  moduleId: string,
  version: string,
): CatalogModuleState {
  const prefix = `mod_${shortId}_`;
  const facts = new Map<string, TableFacts>();
  const tables: TableState[] = raw.tables.map((t) => {
    const e = t.expressions ?? {};
    facts.set(t.name, {
      kind: t.kind,
      persistence: t.persistence,
      owner: t.owner,
      rowSecurity: t.rowSecurity,
      forceRowSecurity: t.forceRowSecurity,
      partition: t.partition,
      inherits: t.inherits,
      inheritedBy: t.inheritedBy,
      rules: t.rules,
      expressions: e,
    });
    return {
      key:
        strategy === 'prefix' && t.name.startsWith(prefix) ? t.name.slice(prefix.length) : t.name,
      schema: t.schema,
      name: t.name,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.notNull,
        hasDefault: c.hasDefault,
        ...(e[`default:${c.name}`] !== undefined ? { default: e[`default:${c.name}`] } : {}),
      })),
      constraints: t.constraints.map((c) => ({
        name: c.name,
        type: c.type,
        columns: c.type === 'c' ? [...c.columns].sort() : c.columns,
        ...(c.type === 'c' && e[`check:${c.name}`] !== undefined
          ? { check: e[`check:${c.name}`] }
          : {}),
        references: c.references ?? null,
      })),
      indexes: t.indexes.map((i) => ({
        name: i.name,
        method: i.method,
        unique: i.unique,
        columns: i.columns,
        hasPredicate: i.hasPredicate,
        ...(e[`index:${i.name}`] !== undefined ? { where: e[`index:${i.name}`] } : {}),
        constraint: i.constraint,
        valid: i.valid,
      })),
      policies: t.policies.map((p) => ({
        name: p.name,
        command: p.command,
        permissive: p.permissive,
        roles: [...p.roles].sort(),
        hasUsing: p.hasUsing,
        hasWithCheck: p.hasWithCheck,
        ...(e[`using:${p.name}`] !== undefined ? { using: e[`using:${p.name}`] } : {}),
        ...(e[`withCheck:${p.name}`] !== undefined ? { withCheck: e[`withCheck:${p.name}`] } : {}),
      })),
      triggers: t.triggers.map((g) => ({
        name: g.name,
        function: g.function,
        timing: g.timing,
        events: g.events,
        level: g.level,
        arguments: (g as unknown as { arguments?: string[] }).arguments ?? [],
        enabled: g.enabled,
      })),
      grants: [...t.grants].sort(compareGrants),
      columnGrants: t.columnGrants,
    };
  });
  return {
    state: {
      moduleId,
      shortId,
      version,
      strategy,
      schema: strategy === 'schema' ? `mod_${shortId}` : 'public',
      tables,
    },
    roles: raw.roles,
    schema: raw.schema,
    tables: facts,
    externalDependencies: raw.externalDependencies,
    dependents: raw.dependents,
    raw,
  };
}

function compareGrants(a: GrantState, b: GrantState): number {
  return a.grantee === b.grantee
    ? a.privilege < b.privilege
      ? -1
      : a.privilege > b.privilege
        ? 1
        : 0
    : a.grantee < b.grantee
      ? -1
      : 1;
}
