/**
 * Before and after of an upgrade, table by table: the two versions' diagrams side by side, rows
 * aligned by column (renames declared in the new version's migrations keep a column on one row).
 * Pure: it compares two {@link DiagramModel}s.
 */
import type {
  DiagramColumn,
  DiagramModel,
  DiagramPolicy,
  DiagramState,
  DiagramTable,
} from './diagram-model';

/** Renames the new version declares: `renameTable` and `renameColumn` migration steps. */
export interface Renames {
  /** [from, to] */
  readonly tables: readonly (readonly [string, string])[];
  /** [table (new name), from, to] */
  readonly columns: readonly (readonly [string, string, string])[];
}

export type RowStatus = 'same' | DiagramState | 'renamed';

export interface DiffRow {
  readonly section: 'column' | 'index' | 'policy';
  readonly before?: string;
  readonly after?: string;
  readonly status: RowStatus;
}

export interface TableDiff {
  /** Name after the upgrade (before, for a dropped table). */
  readonly name: string;
  readonly before?: string;
  readonly after?: string;
  readonly status: RowStatus;
  readonly rows: readonly DiffRow[];
  /** Rows that are not `same`. */
  readonly changed: number;
}

export interface ModelDiff {
  readonly tables: readonly TableDiff[];
  /** The new version's diagram with what changed marked (dropped tables and columns kept, marked removed). */
  readonly merged: DiagramModel;
}

/** A column on one line: `lead_score integer not null default 0`. */
export function columnText(c: DiagramColumn): string {
  return [
    c.name,
    c.type,
    c.nullable ? 'null' : 'not null',
    c.default ? `default ${c.default}` : '',
    c.unique ? 'unique per site' : '',
    c.check ? `check ${c.check}` : '',
    c.references ? `-> ${c.references.table}.${c.references.column}` : '',
  ]
    .filter((p) => p !== '')
    .join(' ');
}

function policyText(p: DiagramPolicy): string {
  return `${p.name} (${p.mode}, ${p.command})${p.using ? ` using ${p.using}` : ''}${
    p.withCheck ? ` with check ${p.withCheck}` : ''
  }`;
}

function pair<T>(
  before: readonly T[],
  after: readonly T[],
  key: (x: T) => string,
  text: (x: T) => string,
  section: DiffRow['section'],
  renamed: (x: T) => string | undefined = () => undefined,
): DiffRow[] {
  const rows: DiffRow[] = [];
  const oldByKey = new Map(before.map((x) => [key(x), x] as const));
  const used = new Set<string>();
  for (const x of after) {
    const from = renamed(x);
    const old = oldByKey.get(from ?? key(x));
    if (old) {
      used.add(key(old));
      const a = text(old);
      const b = text(x);
      rows.push({
        section,
        before: a,
        after: b,
        status: from ? 'renamed' : a === b ? 'same' : 'changed',
      });
    } else {
      rows.push({ section, after: text(x), status: 'added' });
    }
  }
  for (const x of before) {
    if (!used.has(key(x))) rows.push({ section, before: text(x), status: 'removed' });
  }
  return rows;
}

function diffTable(
  before: DiagramTable | undefined,
  after: DiagramTable | undefined,
  columnRenames: ReadonlyMap<string, string>,
): TableDiff {
  const rows = [
    ...pair(
      before?.columns ?? [],
      after?.columns ?? [],
      (c) => c.name,
      columnText,
      'column',
      (c) => columnRenames.get(c.name),
    ),
    ...pair(
      before?.indexes ?? [],
      after?.indexes ?? [],
      (i) => i.label,
      (i) => `${i.unique ? 'unique ' : ''}index ${i.label}`,
      'index',
    ),
    ...pair(before?.policies ?? [], after?.policies ?? [], (p) => p.name, policyText, 'policy'),
  ];
  const status: RowStatus = !before
    ? 'added'
    : !after
      ? 'removed'
      : before.name !== after.name
        ? 'renamed'
        : rows.some((r) => r.status !== 'same')
          ? 'changed'
          : 'same';
  return {
    name: after?.name ?? before?.name ?? '',
    ...(before && { before: before.qualified }),
    ...(after && { after: after.qualified }),
    status,
    rows,
    changed: rows.filter((r) => r.status !== 'same').length,
  };
}

/** Marks what changed on the new version's diagram (and keeps what goes, marked removed). */
function mergeTable(
  before: DiagramTable | undefined,
  after: DiagramTable | undefined,
  columnRenames: ReadonlyMap<string, string>,
): DiagramTable {
  if (!after) {
    const gone = before as DiagramTable;
    return { ...gone, state: 'removed' };
  }
  if (!before) {
    return {
      ...after,
      state: 'added',
      columns: after.columns.map((c) => ({ ...c, state: 'added' as const })),
    };
  }
  const oldColumns = new Map(before.columns.map((c) => [c.name, c] as const));
  const kept = new Set<string>();
  const columns: DiagramColumn[] = after.columns.map((c) => {
    const from = columnRenames.get(c.name);
    const old = oldColumns.get(from ?? c.name);
    if (!old) return { ...c, state: 'added' as const };
    kept.add(old.name);
    if (from) return { ...c, state: 'changed' as const, before: `renamed from ${from}` };
    if (columnText(old) !== columnText(c)) {
      return { ...c, state: 'changed' as const, before: columnText(old) };
    }
    return c;
  });
  for (const c of before.columns) {
    if (!kept.has(c.name)) columns.push({ ...c, state: 'removed' });
  }
  const oldPolicies = new Set(before.policies.map(policyText));
  const newPolicies = new Set(after.policies.map(policyText));
  const policies: DiagramPolicy[] = [
    ...after.policies.map((p) =>
      oldPolicies.has(policyText(p)) ? p : { ...p, state: 'added' as const },
    ),
    ...before.policies
      .filter(
        (p) => !newPolicies.has(policyText(p)) && !after.policies.some((q) => q.name === p.name),
      )
      .map((p) => ({ ...p, state: 'removed' as const })),
  ];
  return {
    ...after,
    ...(before.name !== after.name && { state: 'changed' as const }),
    columns,
    policies,
  };
}

/** Compares two versions of a module's diagram, table by table. */
export function diffModels(
  before: DiagramModel,
  after: DiagramModel,
  renames: Renames = { tables: [], columns: [] },
): ModelDiff {
  const tableFrom = new Map(renames.tables.map(([from, to]) => [to, from] as const));
  const oldTables = new Map(before.tables.map((t) => [t.name, t] as const));
  const used = new Set<string>();
  const tables: TableDiff[] = [];
  const merged: DiagramTable[] = [];
  for (const t of after.tables) {
    const old = oldTables.get(tableFrom.get(t.name) ?? t.name);
    if (old) used.add(old.name);
    const columnRenames = new Map(
      renames.columns
        .filter(([table]) => table === t.name)
        .map(([, from, to]) => [to, from] as const),
    );
    tables.push(diffTable(old, t, columnRenames));
    merged.push(mergeTable(old, t, columnRenames));
  }
  for (const t of before.tables) {
    if (used.has(t.name)) continue;
    tables.push(diffTable(t, undefined, new Map()));
    merged.push(mergeTable(t, undefined, new Map()));
  }
  return { tables, merged: { ...after, tables: merged } };
}
