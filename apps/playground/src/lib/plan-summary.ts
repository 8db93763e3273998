/**
 * A plan read for people: what it creates, changes and removes, grouped by kind of object and
 * counted, each statement labelled additive / declared / destructive with the table lock it takes.
 * Pure: works on the plain statement and change lists the module-db planners return.
 */

/** The part of a planned statement the summary reads (module-db's `PlannedStatement`). */
export interface StatementInput {
  readonly kind: string;
  readonly target: string;
  readonly description: string;
  readonly sql: string;
}

/** The part of an upgrade change the summary reads (module-db's `ModuleChange`). */
export interface ChangeInput {
  readonly class: ChangeClass;
  readonly kind: string;
  readonly table: string;
  readonly object?: string;
  readonly description: string;
}

export type ChangeClass = 'additive' | 'declared' | 'destructive';
export type Action = 'create' | 'change' | 'remove';
export type Category =
  | 'roles'
  | 'schemas'
  | 'tables'
  | 'columns'
  | 'constraints'
  | 'indexes'
  | 'policies'
  | 'row security'
  | 'triggers'
  | 'grants'
  | 'data';

/** The strongest table lock a statement takes, as PostgreSQL names the modes. */
export type LockMode =
  | 'none'
  | 'new table'
  | 'ROW EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

export interface LockInfo {
  readonly mode: LockMode;
  /** What the lock means for a live table, in a few words. */
  readonly effect: string;
}

export const LOCKS: Readonly<Record<LockMode, LockInfo>> = {
  none: { mode: 'none', effect: 'catalog only, no table lock' },
  'new table': { mode: 'new table', effect: 'created in this transaction: nobody waits' },
  'ROW EXCLUSIVE': { mode: 'ROW EXCLUSIVE', effect: 'rows are written; reads and writes go on' },
  SHARE: { mode: 'SHARE', effect: 'writes wait while the index builds; reads go on' },
  'SHARE ROW EXCLUSIVE': {
    mode: 'SHARE ROW EXCLUSIVE',
    effect: 'writes wait (existing rows are checked); reads go on',
  },
  'ACCESS EXCLUSIVE': {
    mode: 'ACCESS EXCLUSIVE',
    effect: 'reads and writes wait until the transaction commits',
  },
};

interface KindInfo {
  readonly action: Action;
  readonly category: Category;
  /** The lock on an existing table (tables the plan creates itself are `new table`). */
  readonly lock: LockMode;
}

// The locks are what PostgreSQL 15-17 take for these statements (test/plan-locks.test.ts runs
// each kind of an upgrade plan and reads pg_locks to keep this table honest).
const KINDS: Readonly<Record<string, KindInfo>> = {
  create_role: { action: 'create', category: 'roles', lock: 'none' },
  create_schema: { action: 'create', category: 'schemas', lock: 'none' },
  grant: { action: 'create', category: 'grants', lock: 'none' },
  revoke: { action: 'remove', category: 'grants', lock: 'none' },
  create_table: { action: 'create', category: 'tables', lock: 'new table' },
  enable_rls: { action: 'create', category: 'row security', lock: 'ACCESS EXCLUSIVE' },
  create_policy: { action: 'create', category: 'policies', lock: 'ACCESS EXCLUSIVE' },
  create_trigger: { action: 'create', category: 'triggers', lock: 'SHARE ROW EXCLUSIVE' },
  create_index: { action: 'create', category: 'indexes', lock: 'SHARE' },
  add_foreign_key: { action: 'create', category: 'constraints', lock: 'SHARE ROW EXCLUSIVE' },
  add_column: { action: 'create', category: 'columns', lock: 'ACCESS EXCLUSIVE' },
  alter_column: { action: 'change', category: 'columns', lock: 'ACCESS EXCLUSIVE' },
  drop_column: { action: 'remove', category: 'columns', lock: 'ACCESS EXCLUSIVE' },
  rename: { action: 'change', category: 'columns', lock: 'ACCESS EXCLUSIVE' },
  drop_table: { action: 'remove', category: 'tables', lock: 'ACCESS EXCLUSIVE' },
  add_constraint: { action: 'create', category: 'constraints', lock: 'ACCESS EXCLUSIVE' },
  drop_constraint: { action: 'remove', category: 'constraints', lock: 'ACCESS EXCLUSIVE' },
  drop_index: { action: 'remove', category: 'indexes', lock: 'ACCESS EXCLUSIVE' },
  drop_policy: { action: 'remove', category: 'policies', lock: 'ACCESS EXCLUSIVE' },
  drop_trigger: { action: 'remove', category: 'triggers', lock: 'ACCESS EXCLUSIVE' },
  backfill: { action: 'change', category: 'data', lock: 'ROW EXCLUSIVE' },
};

const UNKNOWN_KIND: KindInfo = { action: 'change', category: 'tables', lock: 'ACCESS EXCLUSIVE' };

/** How a kind of statement is read; unknown kinds (a newer planner) are shown as changes. */
export function kindInfo(kind: string): KindInfo {
  return KINDS[kind] ?? UNKNOWN_KIND;
}

/** One statement, labelled. */
export interface SummaryItem {
  /** 1-based position in the plan (the order `apply` runs it). */
  readonly index: number;
  readonly kind: string;
  readonly action: Action;
  readonly category: Category;
  readonly target: string;
  readonly description: string;
  readonly sql: string;
  readonly class: ChangeClass;
  readonly lock: LockInfo;
  /** Set when the plan drops this object and creates it again with the same definition. */
  readonly rebuiltUnchanged?: boolean;
}

/** All statements of one action and category, e.g. "creates 5 indexes". */
export interface SummaryGroup {
  readonly action: Action;
  readonly category: Category;
  readonly count: number;
  readonly classes: readonly ChangeClass[];
  /** The strongest lock any of them takes on an existing table. */
  readonly lock: LockInfo;
  readonly items: readonly SummaryItem[];
}

export interface PlanSummary {
  readonly statements: number;
  readonly groups: readonly SummaryGroup[];
  readonly items: readonly SummaryItem[];
  readonly counts: Readonly<Record<ChangeClass, number>>;
  readonly strongestLock: LockInfo;
  /** Objects dropped and created again with an identical definition. */
  readonly rebuilt: readonly string[];
}

const LOCK_ORDER: readonly LockMode[] = [
  'none',
  'new table',
  'ROW EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];
const ACTION_ORDER: readonly Action[] = ['create', 'change', 'remove'];
const CATEGORY_ORDER: readonly Category[] = [
  'roles',
  'schemas',
  'tables',
  'columns',
  'constraints',
  'indexes',
  'policies',
  'row security',
  'triggers',
  'grants',
  'data',
];

function stronger(a: LockMode, b: LockMode): LockMode {
  return LOCK_ORDER.indexOf(a) >= LOCK_ORDER.indexOf(b) ? a : b;
}

/** `mod_ab12cd34.contacts` or `public.mod_ab12cd34_contacts` -> `contacts`. */
export function logicalTable(target: string): string {
  const name = target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : target;
  return name.replace(/^mod_[0-9a-f]{8}_/, '');
}

function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9_])${escaped}($|[^a-z0-9_])`, 'i').test(text);
}

/**
 * The class of one upgrade statement: the class of the change it carries out (same table, and
 * the changed object named in its description or SQL); drops default to destructive and
 * everything else to additive when no change matches (a display label, never a safety check:
 * the planner refuses undeclared destructive changes itself).
 */
function classify(statement: StatementInput, changes: readonly ChangeInput[]): ChangeClass {
  const table = logicalTable(statement.target);
  const candidates = changes.filter((c) => c.table === table);
  const byObject = candidates.find(
    (c) =>
      c.object !== undefined &&
      (mentions(statement.description, c.object) || mentions(statement.sql, c.object)),
  );
  if (byObject) return byObject.class;
  const tableChange = candidates.find((c) => c.kind === 'add_table' || c.kind === 'rename_table');
  if (tableChange) return tableChange.class;
  return statement.kind.startsWith('drop_') ? 'destructive' : 'additive';
}

/** The object a create/drop statement names (index, policy, trigger, constraint). */
function droppedOrCreatedName(s: StatementInput): string | undefined {
  const m = /^(?:drop|create) (?:unique )?(?:index|policy|trigger) "(?:[^"]+"\.")?([^"]+)"/i.exec(
    s.sql,
  );
  return m?.[1];
}

/**
 * Summarises a plan. `changes` (an upgrade's classified changes) label each statement; without
 * them every statement is additive (a fresh install creates new objects only). `previous`, the
 * statements a fresh install of the installed version would run, finds objects an upgrade drops
 * and creates again unchanged.
 */
export function summarizePlan(
  statements: readonly StatementInput[],
  options: {
    readonly changes?: readonly ChangeInput[];
    readonly previous?: readonly StatementInput[];
  } = {},
): PlanSummary {
  const newTables = new Set(
    statements.filter((s) => s.kind === 'create_table').map((s) => s.target),
  );
  const previousSql = new Map<string, string>();
  for (const s of options.previous ?? []) {
    const name = droppedOrCreatedName(s);
    if (name && s.kind.startsWith('create_')) previousSql.set(`${s.target}/${name}`, s.sql);
  }
  const dropped = new Set(
    statements
      .filter((s) => s.kind.startsWith('drop_'))
      .map((s) => `${s.target}/${droppedOrCreatedName(s) ?? ''}`),
  );
  const rebuilt: string[] = [];

  const items: SummaryItem[] = statements.map((s, i) => {
    const info = kindInfo(s.kind);
    const mode: LockMode = newTables.has(s.target) ? 'new table' : info.lock;
    const name = droppedOrCreatedName(s);
    const key = `${s.target}/${name ?? ''}`;
    const unchanged =
      name !== undefined &&
      s.kind.startsWith('create_') &&
      dropped.has(key) &&
      previousSql.get(key) === s.sql;
    if (unchanged) rebuilt.push(`${name} on ${s.target}`);
    return {
      index: i + 1,
      kind: s.kind,
      action: info.action,
      category: info.category,
      target: s.target,
      description: s.description,
      sql: s.sql,
      class: options.changes ? classify(s, options.changes) : 'additive',
      lock: LOCKS[mode],
      ...(unchanged && { rebuiltUnchanged: true }),
    };
  });
  // The drop half of an unchanged rebuild is marked too.
  const rebuiltKeys = new Set(
    items.filter((i) => i.rebuiltUnchanged).map((i) => `${i.target}/${droppedOrCreatedName(i)}`),
  );
  const marked = items.map((i) =>
    i.kind.startsWith('drop_') && rebuiltKeys.has(`${i.target}/${droppedOrCreatedName(i)}`)
      ? { ...i, rebuiltUnchanged: true }
      : i,
  );

  const groups: SummaryGroup[] = [];
  for (const action of ACTION_ORDER) {
    for (const category of CATEGORY_ORDER) {
      const members = marked.filter((i) => i.action === action && i.category === category);
      if (members.length === 0) continue;
      groups.push({
        action,
        category,
        count: members.length,
        classes: [...new Set(members.map((m) => m.class))],
        lock: LOCKS[members.map((m) => m.lock.mode).reduce(stronger, 'none')],
        items: members,
      });
    }
  }
  const counts = { additive: 0, declared: 0, destructive: 0 };
  for (const i of marked) counts[i.class]++;
  return {
    statements: statements.length,
    groups,
    items: marked,
    counts,
    strongestLock: LOCKS[marked.map((i) => i.lock.mode).reduce(stronger, 'none')],
    rebuilt,
  };
}
